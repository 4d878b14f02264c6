"""Request payloads: every accepted body type streams with its CRC-64, progress and (when possible) rewind."""

import io

import pytest

from ossh.client.body import file_slice, make_payload
from ossh.client.crc import crc64
from ossh.client.errors import ClientError
from ossh.client.parts import MIN_PART_SIZE, choose_part_size


def drain(p, block=7):
    out = b""
    while chunk := p.read(block):
        out += chunk
    return out


@pytest.mark.parametrize(
    "data, length, rewindable",
    [
        (b"hello world", 11, True),
        ("héllo", 6, True),
        (bytearray(b"abc"), 3, True),
        (io.BytesIO(b"hello world"), 11, True),
        (iter([b"hel", b"lo ", "wor", b"ld"]), None, False),
    ],
)
def test_payload_types(data, length, rewindable):
    p = make_payload(data)
    assert p.length == length and p.rewindable == rewindable
    body = drain(p)
    assert p.crc.value == crc64(body) and p.sent == len(body)


def test_file_payload_from_current_position_and_rewind(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(b"0123456789")
    with open(f, "rb") as fh:
        fh.seek(4)
        p = make_payload(fh)
        assert p.length == 6 and drain(p) == b"456789"
        p.rewind()
        assert p.sent == 0 and drain(p, 100) == b"456789" and p.crc.value == crc64(b"456789")


def test_progress_reports_running_total():
    seen = []
    p = make_payload(b"x" * 10, progress=lambda done, total: seen.append((done, total)))
    drain(p, 4)
    assert seen == [(4, 10), (8, 10), (10, 10)]


def test_file_slice_reads_only_its_range(tmp_path):
    f = tmp_path / "f"
    f.write_bytes(bytes(range(100)))
    with file_slice(str(f), 10, 20) as p:
        assert drain(p, 8) == bytes(range(10, 30)) and p.length == 20
        p.rewind()
        assert drain(p, 64) == bytes(range(10, 30))


def test_text_file_is_refused(tmp_path):
    f = tmp_path / "t"
    f.write_text("x")
    with open(f) as fh, pytest.raises(ClientError):
        make_payload(fh)
    with pytest.raises(ClientError):
        make_payload(12345)


def test_part_size_keeps_uploads_within_10000_parts():
    assert choose_part_size(1 << 30) == 32 << 20
    assert choose_part_size(10 << 20, 1) == MIN_PART_SIZE
    assert choose_part_size(1 << 30, 1) == -(-(1 << 30) // 10_000)
    huge = 48_800 * (1 << 30) // 100  # ~488 GiB: the default would need over 10,000 parts
    part = choose_part_size(huge, 1 << 20)
    assert -(-huge // part) <= 10_000 and part >= 1 << 20
