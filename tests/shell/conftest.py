"""Fixtures for driving the shell: in-process (an Executor on the test client, or cli.main with an Environment
of its own) and as a subprocess."""

import gc
import io
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ossh.shell.completion import ListingCache
from ossh.shell.executor import Executor, Outcome
from ossh.shell.state import Context, ShellState
from ossh.shell.words import split_commands

LAUNCHER = str(Path(__file__).resolve().parents[2] / "ossh.py")


class Shell:
    """Runs command lines in-process; each call returns (all succeeded, stdout text, stderr text)."""

    def __init__(self, client, cwd: Path):
        self.out, self.err = io.StringIO(), io.StringIO()
        self.ctx = Context(ShellState(local_cwd=str(cwd)), lambda: client)
        self.executor = Executor(self.ctx, self.out, self.err)

    def __call__(self, line: str):
        start_out, start_err = self.out.tell(), self.err.tell()
        ok = all(self.executor.run(words) is Outcome.OK for words in split_commands(line))
        return ok, self.out.getvalue()[start_out:], self.err.getvalue()[start_err:]

    def ok(self, line: str) -> str:
        ok, out, err = self(line)
        assert ok and not err, err
        return out

    def fails(self, line: str) -> str:
        ok, out, err = self(line)
        assert not ok and err.startswith("ossh: ") and err.count("\n") == 1, (out, err)
        return err.strip()


@pytest.fixture
def sh(client, tmp_path):
    """An in-process shell on the test server, local directory tmp_path."""
    return Shell(client, tmp_path)


@pytest.fixture
def cached_sh(client, tmp_path):
    from ossh.shell.completer_adapter import ClientLister

    shell = Shell(client, tmp_path)
    shell.ctx.cache = ListingCache(ClientLister(shell.ctx))
    return shell


@pytest.fixture
def user_dirs(tmp_path):
    """HOME and the XDG directories of a user who has never run ossh."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_STATE_HOME": str(home / "state"),
        "XDG_CONFIG_HOME": str(home / "config"),
    }


def _environ(user_dirs: dict, oss_env: dict, env: dict | None) -> dict:
    """The variables ossh runs with: the process's less OSS_* and OSSUTIL_*, the test user's HOME and XDG
    directories, then oss_env (the test server) or the env a test gives instead."""
    full = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "OSSUTIL_"))}
    full.update(user_dirs)
    full.update(oss_env if env is None else env)
    return full


@pytest.fixture
def slow(server):
    """A proxy holding each connection to 8 MiB/s (set .rate = None to let the next run go at full speed)."""
    from faultproxy import FaultProxy

    with FaultProxy(server.endpoint, rate=8 << 20) as p:
        yield p


@pytest.fixture
def slow_env(oss_env, user_dirs, slow):
    """The variables of an ossh subprocess that reaches the test server through the `slow` proxy."""
    return {**_environ(user_dirs, oss_env, None), "OSS_ENDPOINT": slow.endpoint}


def _text(data: bytes) -> str:
    """Bytes decoded as subprocess.run(text=True) decodes a child's output (UTF-8, universal newlines)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read()


def _open_fds() -> dict[str, str]:
    """This process's open descriptors and what each is (a file's path, socket:[inode]...)."""
    found = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            found[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed by now
            pass
    return found


def _threads_settled(before: set) -> list:
    """Threads started since `before` that are still alive after a short grace (a worker's last return)."""
    deadline = time.monotonic() + 5
    while True:
        extra = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not extra or time.monotonic() > deadline:
            return extra
        time.sleep(0.01)


def run_in_process(
    argv, environ: dict, cwd, input: str | None = None, shared: tuple[str, ...] = ()
) -> subprocess.CompletedProcess:
    """`ossh ARGV` run by cli.main in this process, with its own streams, variables and working directory;
    returns what subprocess.run(..., capture_output=True, text=True) would. Checks that the run leaves
    nothing behind: no thread, no open file or socket, the same working directory and os.environ. Files
    under the `shared` directories (the stores of servers the test runs, which keep their databases open)
    do not count, unless they are in the run's HOME (where its embedded server keeps its store)."""
    from ossh.cli import main
    from ossh.environment import Environment

    out, err = io.BytesIO(), io.BytesIO()
    stdin = io.TextIOWrapper(io.BytesIO((input or "").encode()), encoding="utf-8")
    stdout = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    env = Environment(stdin=stdin, stdout=stdout, stderr=stderr, environ=dict(environ), cwd=str(cwd))
    threads, fds, where, variables = set(threading.enumerate()), _open_fds(), os.getcwd(), dict(os.environ)
    gc.collect()
    code = main(list(argv), env)
    stdout.flush()
    stderr.flush()
    gc.collect()  # a connection the client dropped without closing is closed when collected
    assert not _threads_settled(threads), f"threads left running: {_threads_settled(threads)}"
    home = os.path.join(environ.get("HOME", "/nonexistent"), "")
    left = {
        fd: what
        for fd, what in _open_fds().items()
        if fds.get(fd) != what and (what.startswith(home) or not what.startswith(shared))
    }
    assert not left, f"descriptors left open: {left}"
    assert os.getcwd() == where and dict(os.environ) == variables
    return subprocess.CompletedProcess(["ossh", *argv], int(code), _text(out.getvalue()), _text(err.getvalue()))


@pytest.fixture
def ossh(server, oss_env, user_dirs, tmp_path):
    """Run `ossh ARGS…` in-process (cli.main with an Environment of its own) against the test server, in
    tmp_path; returns a CompletedProcess (text). env replaces the OSS_* variables; HOME and the XDG
    directories are user_dirs'."""

    def run(*args, input=None, env=None, cwd=None):
        return run_in_process(
            args,
            _environ(user_dirs, oss_env, env),
            cwd or tmp_path,
            input,
            shared=(os.path.join(server.root, ""), os.path.join(tmp_path, "")),
        )

    return run


@pytest.fixture
def ossh_process(oss_env, user_dirs, tmp_path):
    """Run `python ossh.py ARGS…` as a child process against the test server; returns the CompletedProcess
    (text). For what only a real process shows: pipes, terminals, signals, the interpreter's exit."""

    def run(*args, input=None, env=None, cwd=None):
        return subprocess.run(
            [sys.executable, LAUNCHER, *args],
            input=input,
            capture_output=True,
            text=True,
            env=_environ(user_dirs, oss_env, env),
            cwd=cwd or tmp_path,
            timeout=60,
        )

    return run
