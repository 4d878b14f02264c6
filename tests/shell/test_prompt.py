"""The interactive shell through prompt_toolkit with pipe input: prompt, completion, history, Ctrl-C.

The shell runs in the test's main thread (where Ctrl-C lands); a feeder thread types, waiting for
what the terminal shows before each next key.
"""

import contextlib
import io
import os
import re
import signal
import threading
import time

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.data_structures import Size
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.vt100 import Vt100_Output

from ossh.shell import repl

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\r")
FORWARD = re.compile(r"\x1b\[(\d*)C")  # the renderer moves over blanks instead of writing them


class Screen(io.StringIO):
    """What the terminal was sent, readable from the feeder thread."""

    encoding = "utf-8"

    def __init__(self):
        super().__init__()
        self.lock = threading.Lock()

    def write(self, s):
        with self.lock:
            return super().write(s)

    def text(self) -> str:
        with self.lock:
            spaced = FORWARD.sub(lambda m: " " * int(m.group(1) or 1), self.getvalue())
            return ANSI.sub("", spaced)


class KnownHeightOutput(Vt100_Output):
    """A terminal whose free rows are known without a cursor-position report (the toolbar needs that)."""

    def get_rows_below_cursor_position(self) -> int:
        return 20


def leave(inp, left: threading.Event, patience: float = 60.0) -> None:
    """Type Ctrl-D until the shell has left: after a failed step a line may be half typed (Ctrl-D
    then deletes instead of leaving) or a confirmation may be open, so Ctrl-C clears those first."""
    deadline = time.monotonic() + patience
    inp.send_text("\x04")
    while not left.wait(0.5) and time.monotonic() < deadline:
        inp.send_text("\x03\x04")


class Terminal:
    def __init__(self, shell, history):
        self.shell, self.history = shell, history
        self.screen = Screen()
        self.errors = []

    def wait_for(self, needle, timeout=10.0, source=None):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in (source() if source else self.screen.text()):
                return
            time.sleep(0.02)
        raise AssertionError(f"never saw {needle!r} in {(source() if source else self.screen.text())[-600:]!r}")

    def run(self, script):
        """Run the shell until it leaves; script(term, send) types from another thread."""
        left = threading.Event()
        with create_pipe_input() as inp:

            def feed():
                try:
                    script(self, inp.send_text)
                except BaseException as e:  # reported in the main thread
                    self.errors.append(e)
                finally:
                    leave(inp, left)

            output = KnownHeightOutput(self.screen, lambda: Size(rows=30, columns=150), term="xterm")
            feeder = threading.Thread(target=feed, daemon=True)
            with create_app_session(input=inp, output=output):
                feeder.start()
                try:
                    rc = repl.run(self.shell.executor, self.history)
                finally:
                    left.set()
            feeder.join(10)
        if self.errors:
            raise self.errors[0]
        return rc


@pytest.fixture
def term(cached_sh, tmp_path):
    return Terminal(cached_sh, tmp_path / "state" / "history")


def test_prompt_toolbar_and_exit(term, client, bucket):
    client.put_object(bucket, "dir/k.txt", b"x")

    def script(t, send):
        t.wait_for("oss://>")
        send(f"cd oss://{bucket}/dir/\r")
        t.wait_for(f"oss://{bucket}/dir/>")
        t.wait_for("last: cd: ok")
        send("ls\r")
        t.wait_for("k.txt", source=t.shell.out.getvalue)
        send("exit\r")

    assert term.run(script) == 0
    assert "profile: default" in term.screen.text()


def test_tab_completes_commands_buckets_keys_and_local_paths(term, client, bucket, tmp_path):
    client.put_object(bucket, "unique-key.txt", b"hello")
    client.put_object(bucket, "sub/inner.txt", b"x")
    (tmp_path / "local-only.bin").write_bytes(b"local")
    other = bucket + "-zz"
    client.create_bucket(other)

    def script(t, send):
        out = t.shell.out.getvalue
        t.wait_for("oss://>")
        send("pw\t")  # command name
        t.wait_for("pwd")
        send("\r")
        t.wait_for("oss://\n", source=out)
        send(f"cd {other[:-1]}\t")  # bucket name at the root
        t.wait_for(f"cd {other}/")
        send("\r")
        t.wait_for(f"oss://{other}/>")
        send(f"cd oss://{bucket}/\r")
        t.wait_for(f"oss://{bucket}/>")
        send("cat uni\t")  # key
        t.wait_for("cat unique-key.txt")
        send("\r")
        t.wait_for("hello", source=out)
        send("ls su\t")  # prefix
        t.wait_for("ls sub/")
        send("\r")
        t.wait_for("inner.txt", source=out)
        send("put local-o\t")  # local path
        t.wait_for("put local-only.bin")
        send("\r")
        t.wait_for("local-only.bin -> ", source=out)

    term.run(script)
    assert client.get_object(bucket, "local-only.bin").read() == b"local"


def test_completion_menu_lists_candidates(term, client, bucket):
    for k in ("alpha.txt", "alpine.txt"):
        client.put_object(bucket, k, b"x")

    def script(t, send):
        t.wait_for("oss://>")
        send(f"cd oss://{bucket}\r")
        t.wait_for(f"oss://{bucket}/>")
        send("stat al\t")
        t.wait_for("alpine.txt")  # both names shown in the menu
        t.wait_for("alpha.txt")
        send("\x03")  # Ctrl-C drops the line
        send("pwd\r")
        t.wait_for(f"oss://{bucket}/\n", source=t.shell.out.getvalue)

    term.run(script)
    assert term.shell.err.getvalue() == ""


def test_ctrl_c_cancels_the_line_being_typed(term):
    def script(t, send):
        t.wait_for("oss://>")
        send("frobnicate something\x03")
        send("pwd\r")
        t.wait_for("oss://\n", source=t.shell.out.getvalue)

    assert term.run(script) == 0
    assert term.shell.err.getvalue() == ""  # the cancelled line never ran


def test_history_persists_and_suggests(term, cached_sh, tmp_path):
    def first(t, send):
        t.wait_for("oss://>")
        send("lpwd\r")
        t.wait_for(str(tmp_path), source=t.shell.out.getvalue)

    term.run(first)
    assert "+lpwd" in term.history.read_text()

    again = Terminal(cached_sh, term.history)
    before = len(cached_sh.out.getvalue())

    def second(t, send):
        t.wait_for("oss://>")
        send("\x1b[A")  # Up: the previous session's command
        t.wait_for("lpwd")
        send("\r")
        t.wait_for(str(tmp_path), source=lambda: t.shell.out.getvalue()[before:])
        mark = len(t.shell.out.getvalue())
        shown = len(t.screen.text())
        send("lp")  # suggestion from history, accepted with Right
        t.wait_for("wd", source=lambda: t.screen.text()[shown:])
        send("\x1b[C\r")
        t.wait_for(str(tmp_path), source=lambda: t.shell.out.getvalue()[mark:])
        send("pwd\r")
        t.wait_for("oss://\n", source=t.shell.out.getvalue)

    again.run(second)
    entries = [line for line in term.history.read_text().splitlines() if line.startswith("+")]
    assert entries == ["+lpwd", "+pwd"]  # a repeat of the last entry is not stored twice


def test_ctrl_c_cancels_a_running_download(term, client, bucket, tmp_path):
    client.put_object(bucket, "big.bin", os.urandom(8 << 20))
    started = threading.Event()

    @contextlib.contextmanager
    def slow_progress(label, total):
        def progress(done, total=None):
            started.set()
            time.sleep(0.05)

        yield progress

    term.shell.ctx.progress = slow_progress

    def script(t, send):
        t.wait_for("oss://>")
        send(f"get oss://{bucket}/big.bin big.bin\r")
        assert started.wait(10)
        os.kill(os.getpid(), signal.SIGINT)
        t.wait_for("ossh: get: cancelled", source=t.shell.err.getvalue)
        send("lpwd\r")
        t.wait_for(str(tmp_path), source=t.shell.out.getvalue)

    assert term.run(script) == 0
    assert sorted(os.listdir(tmp_path)) == ["state"]  # no big.bin, no temporary file


def test_interactive_rm_r_asks(term, client, bucket):
    client.put_object(bucket, "p/1", b"x")

    def script(t, send):
        t.wait_for("oss://>")
        send(f"rm -r oss://{bucket}/p/\r")
        t.wait_for("remove everything under")
        send("n")
        t.wait_for("skipped", source=t.shell.out.getvalue)
        send(f"rm -r oss://{bucket}/p/\r")
        t.wait_for("(y/n)")
        send("y")
        t.wait_for("removed 1 object", source=t.shell.out.getvalue)

    term.run(script)
    assert not client.object_exists(bucket, "p/1")


def test_progress_bar_on_a_terminal():
    from ossh.shell.progress import MIN_BAR_BYTES, terminal_progress

    screen = Screen()
    with create_pipe_input() as inp:
        with create_app_session(input=inp, output=KnownHeightOutput(screen, lambda: Size(30, 100), term="xterm")):
            with terminal_progress("put small", 10) as progress:
                assert progress is None  # too small for a bar
            with terminal_progress("put big.iso", 4 * MIN_BAR_BYTES) as progress:
                workers = [threading.Thread(target=progress, args=(n * MIN_BAR_BYTES, None)) for n in (1, 2, 4)]
                for w in workers:
                    w.start()
                for w in workers:
                    w.join()
    text = screen.text()
    assert "put big.iso" in text and "100.0%" in text and "put small" not in text
