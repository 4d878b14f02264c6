"""Ctrl-C in a real terminal: ossh runs on a pseudo-terminal that is its controlling terminal, its transfers
slowed by a proxy so that they are mid-way, and the test types the ^C byte. The terminal's line discipline
turns it into SIGINT only while isig is on, which is the point: a progress bar that took the keyboard (raw
mode) made Ctrl-C do nothing. Each case checks that the command stops within a second or two (a one-shot
command with status 130, the shell back at its prompt), that no object and no file appears under its final
name, that one line says what was kept for resuming (and that the same command does resume it), and that the
terminal keeps isig while the bar runs and after."""

import fcntl
import os
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time

import pytest
from faultproxy import FaultProxy

from .conftest import LAUNCHER
from .test_crash_resume import checkpoints, records, run

MIB = 1 << 20
BIG = 65 * MIB  # above the 64 MiB threshold: parts of 32, 32 and 1 MiB; the small one is done first
PATIENCE = 2.0  # seconds from ^C to the command's end (parts in flight stop within one chunk)
CSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Z0-9]|\x1b[=>]")


def _take_terminal() -> None:  # in the child, after setsid: the pty on its standard input is its terminal
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class Terminal:
    """`ossh ARGS` on a fresh pseudo-terminal (30 x 160), everything it writes collected from the master."""

    def __init__(self, args: list[str], env: dict, cwd):
        self.master, self.slave = os.openpty()
        fcntl.ioctl(self.slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 160, 0, 0))
        self.proc = subprocess.Popen(
            [sys.executable, LAUNCHER, *args],
            stdin=self.slave,
            stdout=self.slave,
            stderr=self.slave,
            cwd=cwd,
            env=env,
            start_new_session=True,
            preexec_fn=_take_terminal,
        )
        self._raw = bytearray()
        self._lock = threading.Lock()
        self._open = True
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while self._open:
            if select.select([self.master], [], [], 0.05)[0]:
                try:
                    data = os.read(self.master, 1 << 16)
                except OSError:
                    return
                with self._lock:
                    self._raw += data

    @property
    def raw(self) -> bytes:
        with self._lock:
            return bytes(self._raw)

    def text(self) -> str:
        return CSI.sub("", self.raw.decode("utf-8", "replace"))

    def wait_for(self, what, timeout: float = 20.0) -> None:
        """Until `what` (a string in the output, or a callable) holds; fails if ossh ended first."""
        deadline = time.monotonic() + timeout
        while not (what() if callable(what) else what in self.text()):
            assert self.proc.poll() is None, f"ossh ended first ({self.proc.returncode}): {self.text()!r}"
            assert time.monotonic() < deadline, f"never saw {what!r} in {self.text()!r}"
            time.sleep(0.02)

    def type(self, data: bytes) -> None:
        os.write(self.master, data)

    def lflag(self) -> int:
        return termios.tcgetattr(self.slave)[3]

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)
        self._open = False
        self._reader.join(5)
        os.close(self.master)
        os.close(self.slave)


@pytest.fixture
def tty_env(slow_env):
    """ossh's variables (the test user, the slow proxy as endpoint) with a terminal type."""
    full = {**slow_env, "TERM": "xterm"}
    full.pop("PROMPT_TOOLKIT_NO_CPR", None)
    return full


@pytest.fixture
def terminal(tty_env):
    """start(ARGS, cwd, **variables): `ossh ARGS` on a terminal of its own, killed at the end if still running."""
    started = []

    def start(args, cwd, **variables) -> Terminal:
        started.append(Terminal(args, {**tty_env, **variables}, cwd))
        return started[-1]

    yield start
    for t in started:
        t.close()


def sparse(path, size: int = BIG):
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def a_part_recorded(env):
    return lambda: any(r.get("parts") for r in records(env))


def ctrl_c(t: Terminal, when) -> float:
    """Wait until the bar is drawn and when() holds, check the terminal keeps isig meanwhile, type ^C; the
    moment it was typed."""
    t.wait_for("%")  # the bar is up: from here on the old bar had the terminal in raw mode
    t.wait_for(when)
    assert t.lflag() & termios.ISIG, "the terminal lost isig while the bar runs: ^C would be a mere key"
    assert not t.lflag() & termios.ECHO  # keys typed meanwhile do not draw over the bar
    t.type(b"\x03")
    return time.monotonic()


def ended(t: Terminal, pressed: float) -> int:
    """The one-shot command's exit status, which must come within PATIENCE of ^C."""
    try:
        status = t.proc.wait(PATIENCE + 3)
    except subprocess.TimeoutExpired:
        pytest.fail(f"still running {PATIENCE + 3} s after ^C: {t.text()[-400:]!r}")
    took = time.monotonic() - pressed
    assert took < PATIENCE, f"took {took:.1f} s to stop after ^C"
    lflag = t.lflag()
    assert lflag & termios.ISIG and lflag & termios.ICANON and lflag & termios.ECHO  # left as it was found
    assert b"\x1b[6n" not in t.raw  # no cursor-position request whose answer would be left to the shell
    return status


def cancelled_line(t: Terminal, command: str) -> str:
    [line] = [x for x in t.text().splitlines() if f"ossh: {command}: cancelled" in x]
    return line[line.index("ossh: ") :]


def uploaded(client, bucket, key):
    return [u for u in client.iter_uploads(bucket) if u.key == key]


# ---------------------------------------------------------------- one command on a terminal


def test_ctrl_c_stops_a_large_put_and_keeps_its_parts(terminal, slow_env, slow, client, bucket, tmp_path):
    sparse(tmp_path / "big.bin")
    put = ["put", "big.bin", f"oss://{bucket}/big.bin"]
    t = terminal(put, tmp_path)
    pressed = ctrl_c(t, a_part_recorded(slow_env))
    assert ended(t, pressed) == 130
    [upload] = uploaded(client, bucket, "big.bin")  # kept, never completed
    assert not client.object_exists(bucket, "big.bin")
    line = cancelled_line(t, "put")
    assert re.fullmatch(
        r"ossh: put: cancelled; (\d) of 3 parts \((\S+) of 65M\) are kept for resuming: run the same put again "
        rf"to continue, or `mpu abort oss://{bucket}/big.bin {upload.upload_id}` to drop them",
        line,
    ), line

    slow.rate = None
    slow.wait_idle()
    before = slow.stats.bytes_up
    run(put, slow_env, tmp_path)  # the same put resumes: the kept part is not sent again
    assert slow.stats.bytes_up - before < BIG - MIB + 64 * 1024  # and requests' heads
    assert client.head_object(bucket, "big.bin").size == BIG and uploaded(client, bucket, "big.bin") == []


def test_ctrl_c_stops_a_single_put_and_no_object_appears(terminal, slow_env, client, bucket, tmp_path):
    sparse(tmp_path / "mid.bin", 20 * MIB)  # one PUT cut mid-body: the server keeps nothing of it
    t = terminal(["put", "mid.bin", f"oss://{bucket}/mid.bin"], tmp_path)
    pressed = ctrl_c(t, lambda: True)
    assert ended(t, pressed) == 130
    assert cancelled_line(t, "put") == "ossh: put: cancelled"
    assert not client.object_exists(bucket, "mid.bin") and list(client.iter_uploads(bucket)) == []


def test_ctrl_c_stops_a_large_get_and_names_the_partial_file(terminal, slow_env, slow, client, bucket, tmp_path):
    client.upload_file(bucket, "big.bin", sparse(tmp_path / "src.bin"))
    (tmp_path / "src.bin").unlink()
    get = ["get", f"oss://{bucket}/big.bin", "out.bin"]
    t = terminal(get, tmp_path)
    pressed = ctrl_c(t, a_part_recorded(slow_env))
    assert ended(t, pressed) == 130
    assert not (tmp_path / "out.bin").exists()
    [record] = records(slow_env)
    line = cancelled_line(t, "get")
    assert re.fullmatch(
        r"ossh: get: cancelled; \d of 3 parts \(\S+ of 65M\) are kept in (\S+) for resuming: run the same get "
        r"again to continue, or delete it",
        line,
    ), line
    assert line.split(" are kept in ")[1].split()[0] == record["temp"] and os.path.exists(record["temp"])
    assert os.path.dirname(record["temp"]) == str(tmp_path)

    slow.rate = None
    slow.wait_idle()
    before = slow.stats.bytes_down
    run(get, slow_env, tmp_path)
    assert slow.stats.bytes_down - before < BIG  # only the missing parts came again
    assert os.path.getsize(tmp_path / "out.bin") == BIG
    assert sorted(os.listdir(tmp_path)) == ["home", "out.bin"] and records(slow_env) == []


def test_ctrl_c_stops_a_sync_upload(terminal, slow_env, client, bucket, tmp_path):
    up = tmp_path / "up"
    up.mkdir()
    sparse(up / "big.bin")
    sparse(up / "mid.bin", 20 * MIB)
    t = terminal(["sync", "up", f"oss://{bucket}/synced/"], tmp_path)
    pressed = ctrl_c(t, a_part_recorded(slow_env))
    assert ended(t, pressed) == 130
    assert not client.object_exists(bucket, "synced/big.bin")
    assert [u.key for u in client.iter_uploads(bucket)] == ["synced/big.bin"]  # kept for the next sync
    line = cancelled_line(t, "sync")
    assert re.fullmatch(
        rf"ossh: sync: cancelled; \d of 3 parts \(\S+ of 65M\) are kept for resuming: run the same sync again "
        rf"to continue, or `mpu abort oss://{bucket}/synced/big.bin \w+` to drop them",
        line,
    ), line
    mid = list(client.iter_objects(bucket, prefix="synced/mid.bin"))
    assert not mid or mid[0].size == 20 * MIB  # a file sync finished is whole; one it did not, absent


def test_ctrl_c_stops_a_sync_download(terminal, slow_env, client, bucket, tmp_path):
    client.upload_file(bucket, "src/big.bin", sparse(tmp_path / "src.bin"))
    (tmp_path / "src.bin").unlink()
    (tmp_path / "down").mkdir()
    t = terminal(["sync", f"oss://{bucket}/src/", "down"], tmp_path)
    pressed = ctrl_c(t, a_part_recorded(slow_env))
    assert ended(t, pressed) == 130
    assert not (tmp_path / "down" / "big.bin").exists()
    [record] = records(slow_env)
    line = cancelled_line(t, "sync")
    assert line.startswith("ossh: sync: cancelled; ") and f" are kept in {record['temp']} for resuming" in line
    assert os.listdir(tmp_path / "down") == [os.path.basename(record["temp"])]


# ---------------------------------------------------------------- the interactive shell


@pytest.fixture
def shell(terminal, tmp_path):
    t = terminal([], tmp_path, PROMPT_TOOLKIT_NO_CPR="1")  # nothing here answers the prompt's position requests
    t.wait_for("oss://>")
    return t


def in_shell(t: Terminal, line: str, when, command: str) -> str:
    """Type `line`, ^C once when() holds; the cancelled line, once the prompt is back within PATIENCE."""
    prompts = t.text().count("oss://>")
    t.type(line.encode() + b"\r")
    pressed = ctrl_c(t, when)
    t.wait_for(lambda: f"ossh: {command}: cancelled" in t.text() and t.text().count("oss://>") > prompts, PATIENCE)
    assert time.monotonic() - pressed < PATIENCE
    return cancelled_line(t, command)


def still_works(t: Terminal, tmp_path) -> None:
    t.type(b"lpwd\r")
    t.wait_for(f"\n{tmp_path}")
    t.type(b"exit\r")
    assert t.proc.wait(10) == 0
    assert t.lflag() & termios.ISIG and t.lflag() & termios.ICANON


def test_ctrl_c_in_the_shell_stops_a_large_put(shell, slow_env, client, bucket, tmp_path):
    sparse(tmp_path / "big.bin")
    line = in_shell(shell, f"put big.bin oss://{bucket}/big.bin", a_part_recorded(slow_env), "put")
    assert " are kept for resuming: run the same put again to continue, or `mpu abort " in line
    assert not client.object_exists(bucket, "big.bin") and len(uploaded(client, bucket, "big.bin")) == 1
    still_works(shell, tmp_path)


def test_ctrl_c_in_the_shell_stops_a_large_get(shell, slow_env, client, bucket, tmp_path):
    client.upload_file(bucket, "big.bin", sparse(tmp_path / "src.bin"))
    line = in_shell(shell, f"get oss://{bucket}/big.bin out.bin", a_part_recorded(slow_env), "get")
    [record] = records(slow_env)
    assert f" are kept in {record['temp']} for resuming: run the same get again" in line
    assert not (tmp_path / "out.bin").exists()
    still_works(shell, tmp_path)


def test_ctrl_c_in_the_shell_stops_a_sync(shell, slow_env, client, bucket, tmp_path):
    (tmp_path / "up").mkdir()
    sparse(tmp_path / "up" / "big.bin")
    line = in_shell(shell, f"sync up oss://{bucket}/synced/", a_part_recorded(slow_env), "sync")
    assert " are kept for resuming: run the same sync again to continue" in line
    assert not client.object_exists(bucket, "synced/big.bin")
    still_works(shell, tmp_path)
    assert os.path.isdir(checkpoints(slow_env))


@pytest.fixture
def stalling(server):
    """A proxy that takes the body of every part and never answers it: a server that stopped answering."""
    with FaultProxy(server.endpoint, stall=lambda method, target: method == "PUT" and "partNumber=" in target) as p:
        yield p


def test_ctrl_c_does_not_wait_for_parts_the_server_never_answers(terminal, stalling, client, bucket, tmp_path):
    sparse(tmp_path / "big.bin")
    t = terminal(["put", "big.bin", f"oss://{bucket}/big.bin"], tmp_path, OSS_ENDPOINT=stalling.endpoint)
    pressed = ctrl_c(t, lambda: stalling.stats.stalled == 3)  # every part sent, none answered
    assert ended(t, pressed) == 130  # neither the command nor the process's exit waits for them
    assert cancelled_line(t, "put") == "ossh: put: cancelled"  # no part finished: nothing is kept
    assert uploaded(client, bucket, "big.bin") == [] and not client.object_exists(bucket, "big.bin")
