"""What a progress bar says: sizes in KiB/MiB/GiB, the rate, the time left."""

import pytest

from ossh.shell.progress import amount_text, eta_text, human_bytes, rate_text


@pytest.mark.parametrize(
    "n, text",
    [
        (0, "0 B"),
        (1023, "1023 B"),
        (1024, "1.0 KiB"),
        (1536, "1.5 KiB"),
        (5 << 20, "5.0 MiB"),
        (int(2.25 * (1 << 30)), "2.2 GiB"),
        (3 << 40, "3.0 TiB"),
        (1 << 60, "1024.0 PiB"),
        (-5, "0 B"),
    ],
)
def test_human_bytes(n, text):
    assert human_bytes(n) == text


def test_rate_and_amount():
    assert rate_text(10 << 20, 2.0) == "5.0 MiB/s"
    assert rate_text(0, 2.0) == "" and rate_text(100, 0) == ""  # nothing to divide yet
    assert amount_text(1 << 20, 4 << 20) == "1.0 MiB/4.0 MiB"
    assert amount_text(3 << 10, None) == "3.0 KiB"  # standard input: no total known


def test_eta():
    assert eta_text(25, 100, 3.0) == "eta 0:09"  # a quarter in 3 s: 9 s to go
    assert eta_text(1, 1000, 10.0) == "eta 2:46:30"
    assert eta_text(100, 100, 5.0) == "eta 0:00"
    assert eta_text(0, 100, 5.0) == "" and eta_text(5, None, 5.0) == ""
