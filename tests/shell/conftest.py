"""Fixtures for driving the shell: in-process (an Executor on the test client) and as a subprocess."""
import io
import os
import subprocess
import sys
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
    return {"HOME": str(home), "XDG_DATA_HOME": str(home / "data"), "XDG_STATE_HOME": str(home / "state"),
            "XDG_CONFIG_HOME": str(home / "config")}


@pytest.fixture
def ossh(oss_env, user_dirs, tmp_path):
    """Run `python ossh.py ARGS…` against the test server; returns the CompletedProcess (text)."""
    def run(*args, input=None, env=None, cwd=None):
        full = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "OSSUTIL_"))}
        full.update(user_dirs)
        full.update(oss_env if env is None else env)
        return subprocess.run([sys.executable, LAUNCHER, *args], input=input, capture_output=True, text=True,
                              env=full, cwd=cwd or tmp_path, timeout=60)
    return run
