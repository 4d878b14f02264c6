"""Progress bars on a terminal, read back through a small terminal model: what stays on the screen after a
transfer that worked, failed, or failed before its first byte."""

import contextlib
import re
import threading
import time

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input

from ossh.shell.progress import MIN_BAR_BYTES, terminal_progress

from .test_prompt import KnownHeightOutput, Screen

_TOKEN = re.compile(r"\x1b\[([0-9;?]*)([A-Za-z])|\x1b[()][A-Z0-9]|\x1b[=>]|(.)", re.S)


def visible(raw: str, columns: int = 120) -> list[str]:
    """The lines a terminal shows after receiving raw: cursor moves, line and screen erases, no scrolling."""
    grid: dict[int, list[str]] = {}
    row = col = 0

    def line(r):
        return grid.setdefault(r, [" "] * columns)

    for m in _TOKEN.finditer(raw):
        args, op, ch = m.group(1), m.group(2), m.group(3)
        n = int(args) if args and args.isdigit() else 1
        if op == "A":
            row = max(0, row - n)
        elif op == "B":
            row += n
        elif op == "C":
            col = min(columns - 1, col + n)
        elif op == "D":
            col = max(0, col - n)
        elif op == "K":
            line(row)[col:] = [" "] * (columns - col)
        elif op == "J":
            line(row)[col:] = [" "] * (columns - col)
            for r in list(grid):
                if r > row:
                    del grid[r]
        elif ch == "\r":
            col = 0
        elif ch == "\n":
            row += 1
        elif ch == "\x08":
            col = max(0, col - 1)
        elif ch is not None and ch.isprintable() and col < columns:
            line(row)[col] = ch
            col += 1
    return [t for t in ("".join(grid[r]).rstrip() for r in sorted(grid)) if t]


@contextlib.contextmanager
def terminal():
    screen = Screen()
    with create_pipe_input() as inp:
        with create_app_session(input=inp, output=KnownHeightOutput(screen, lambda: Size(30, 120), term="xterm")):
            yield screen


def _in_worker(progress, *args):
    """Parts report from worker threads, which do not see the caller's prompt_toolkit session."""
    t = threading.Thread(target=progress, args=args)
    t.start()
    t.join()


def test_a_finished_bar_shows_human_sizes_rate_and_eta():
    with terminal() as screen:
        with terminal_progress("put big.iso", 4 * MIN_BAR_BYTES) as progress:
            _in_worker(progress, MIN_BAR_BYTES)
            _in_worker(progress, 4 * MIN_BAR_BYTES)
    shown = visible(screen.getvalue())
    assert len(shown) == 1, shown
    assert re.fullmatch(r"put big\.iso +100\.0% \[=*>\] 4\.0 MiB/4\.0 MiB  [\d.]+ [KMG]iB/s  eta 0:00", shown[0]), shown


def test_a_transfer_failing_before_its_first_byte_draws_no_bar():
    with terminal() as screen:
        with pytest.raises(OSError):
            with terminal_progress("get big.iso", 4 * MIN_BAR_BYTES) as progress:
                progress(0, None)  # a callback with nothing moved yet
                raise OSError("no such bucket")
    assert "big.iso" not in screen.getvalue()


@pytest.mark.parametrize("failure", [OSError("reset"), KeyboardInterrupt()])
def test_a_failed_or_cancelled_transfer_leaves_no_bar_on_the_screen(failure):
    with terminal() as screen:
        with pytest.raises(type(failure)):
            with terminal_progress("get big.iso", 4 * MIN_BAR_BYTES) as progress:
                _in_worker(progress, MIN_BAR_BYTES)
                deadline = time.monotonic() + 10
                while "get big.iso  25.0%" not in screen.getvalue():  # drawn...
                    assert time.monotonic() < deadline, screen.getvalue()
                    time.sleep(0.02)
                raise failure
    assert visible(screen.getvalue()) == []  # ...and taken away for the error line


def test_the_shell_on_a_terminal_shows_a_bar_for_a_download_and_none_for_a_failed_upload(sh, client, bucket, tmp_path):
    client.put_object(bucket, "big.bin", b"x" * (3 * MIN_BAR_BYTES))
    (tmp_path / "up.bin").write_bytes(b"y" * (3 * MIN_BAR_BYTES))
    sh.ctx.progress = terminal_progress
    with terminal() as screen:
        sh.ok(f"get oss://{bucket}/big.bin got.bin")
    assert re.fullmatch(
        r"get big\.bin +100\.0% \[=*>\] 3\.0 MiB/3\.0 MiB  .*/s  eta 0:00", visible(screen.getvalue())[0]
    )
    with terminal() as screen:
        err = sh.fails(f"put up.bin oss://{bucket}-missing/up.bin")
    assert "NoSuchBucket" in err
    assert visible(screen.getvalue()) == []


def test_sync_on_a_terminal_shows_one_bar_counting_files_and_bytes(sh, client, bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    (tmp_path / "tree").mkdir()
    for i in range(3):
        (tmp_path / "tree" / f"f{i}").write_bytes(bytes([i]) * MIN_BAR_BYTES)
    sh.ctx.progress = terminal_progress
    with terminal() as screen:
        out = sh.ok(f"sync -j 1 tree oss://{bucket}/t/")
    shown = visible(screen.getvalue())
    assert len(shown) == 1 and re.match(r"sync 3 files +100\.0% .* 3\.0 MiB/3\.0 MiB ", shown[0]), shown
    assert out.splitlines() == ["uploaded 3 (3.0 MiB), unchanged 0, deleted 0, failed 0"]


def test_a_part_reporting_after_a_cancelled_transfer_draws_no_new_bar():
    """A part still in flight when Ctrl-C ended the transfer may report once more: no bar comes back for it
    (a bar drawn then would stay on the screen, its thread keeping the process alive)."""
    before = set(threading.enumerate())
    with terminal() as screen:
        with pytest.raises(KeyboardInterrupt):
            with terminal_progress("get big.iso", 4 * MIN_BAR_BYTES) as progress:
                raise KeyboardInterrupt
        _in_worker(progress, 2 * MIN_BAR_BYTES)
    assert "big.iso" not in screen.getvalue()
    assert [t for t in threading.enumerate() if t not in before and t.is_alive()] == []
