"""Secrets never reach the history: the real shell on a pseudo-terminal records `config set` of a secret and
osscmd's `config --key=` masked, in a 0600 file in a 0700 directory (an older, looser one tightened and
scrubbed at start), while the command itself still saves the secret."""

import os
import pty
import select
import stat
import subprocess
import sys
import time

import pytest

from ossh.shell.commands import REGISTRY
from ossh.shell.history import PrivateHistory, mask_secrets

from .conftest import LAUNCHER

SECRETS = ("S3CR3T-typed", "K3Y-S3CR3T-typed", "T0K3N-typed", "OLD-S3CR3T-kept")


def _shell(env: dict, cwd, lines: list[str], last: tuple[str, bytes] | None = None) -> bytes:
    """Run the interactive shell on a pseudo-terminal, type each line once the prompt (or the answer of
    the line before) shows, then `last` (a line and what it answers), then exit; what the terminal showed."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, LAUNCHER], stdin=child, stdout=child, stderr=child, env=env, cwd=cwd, close_fds=True
    )
    os.close(child)
    seen = b""

    def until(needle: bytes, count: int) -> None:
        nonlocal seen
        deadline = time.monotonic() + 30
        while seen.count(needle) < count and time.monotonic() < deadline and proc.poll() is None:
            if select.select([main], [], [], 0.1)[0]:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
        assert seen.count(needle) >= count, seen

    try:
        until(b"oss://", 1)
        for n, line in enumerate(lines, 1):
            os.write(main, line.encode() + b"\r")
            until(b"saved ", n)
        if last is not None:
            os.write(main, last[0].encode() + b"\r")
            until(last[1], 1)
        os.write(main, b"exit\r")
        assert proc.wait(30) == 0, seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(main)
    return seen


@pytest.fixture
def shell_env(user_dirs, oss_env):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "OSSUTIL_"))}
    env.update({**user_dirs, **oss_env, "TERM": "dumb"})
    return env


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_typed_secrets_are_masked_and_the_history_is_private(shell_env, user_dirs, tmp_path):
    history = os.path.join(user_dirs["XDG_STATE_HOME"], "ossh", "history")
    os.makedirs(os.path.dirname(history), mode=0o755)
    os.chmod(os.path.dirname(history), 0o755)
    with open(history, "w") as f:  # an older shell's history, as loose as it used to be
        f.write("\n# 2026-01-01\n+ls\n\n# 2026-01-02\n+config set accessKeySecret OLD-S3CR3T-kept\n")
    os.chmod(history, 0o644)
    _shell(
        shell_env,
        tmp_path,
        [
            "config set access-key-secret S3CR3T-typed",
            "config --id=LTAIid0123 --key=K3Y-S3CR3T-typed",
            "config set stsToken T0K3N-typed",
        ],
        ("config set accessKeySecret ****", b"**** is how the history keeps a secret"),  # recalled: refused
    )
    text = open(history).read()
    assert "+config set access-key-secret ****\n" in text
    assert "+config --id=LTAIid0123 --key=****\n" in text
    assert "+config set stsToken ****\n" in text
    assert "+config set accessKeySecret ****\n" in text and "+ls\n" in text
    assert not [s for s in SECRETS if s in text]
    assert mode(history) == 0o600 and mode(os.path.dirname(history)) == 0o700
    config = open(os.path.join(user_dirs["XDG_CONFIG_HOME"], "ossh", "config")).read()
    assert "K3Y-S3CR3T-typed" in config and "T0K3N-typed" in config  # the commands still did their work
    assert "****" not in config


def test_a_new_history_is_private(shell_env, user_dirs, tmp_path):
    _shell(shell_env, tmp_path, ["config set securityToken T0K3N-typed"])
    history = os.path.join(user_dirs["XDG_STATE_HOME"], "ossh", "history")
    assert mode(history) == 0o600 and mode(os.path.dirname(history)) == 0o700
    assert "T0K3N-typed" not in open(history).read()


@pytest.mark.parametrize(
    "line, recorded",
    [
        ("config set access_key_secret 'a b c'; ls", "config set access_key_secret ****; ls"),
        ("config --profile dev set sts-token TOK", "config --profile dev set sts-token ****"),
        ("config set --profile dev securitytoken TOK", "config set --profile dev securitytoken ****"),
        ("config set accesskey TOK", "config set accesskey ****"),
        ("config --key SEC --id AK", "config --key **** --id AK"),
        ("config --accesskey=SEC --sts_token=TOK", "config --accesskey=**** --sts_token=****"),
        ("config --access-key-secret SEC --sts-token TOK", "config --access-key-secret **** --sts-token ****"),
        ("config set accessKeySecret 'unfinished", "config set accessKeySecret ****"),
        ("config set endpoint http://127.0.0.1:1", "config set endpoint http://127.0.0.1:1"),
        ("config set accessKeyId LTAIid", "config set accessKeyId LTAIid"),
        # mistyped forms fail, yet their line still carries the secret
        ("config set access_key_secret=SEC", "config set access_key_secret=****"),
        ("config set stsToken='a b' region=x", "config set stsToken=**** region=x"),
        ("config set OSS_ACCESS_KEY_SECRET SEC", "config set OSS_ACCESS_KEY_SECRET ****"),
        ("config set --sts-token TOK", "config set --sts-token ****"),
        ("config set region=cn-x", "config set region=cn-x"),
    ],
)
def test_every_spelling_of_a_secret_is_masked(line, recorded):
    assert mask_secrets(line, REGISTRY) == recorded


def test_recall_and_suggestions_see_only_the_masked_line(tmp_path):
    """What up-arrow recalls and what suggestions offer come from memory: masked there too."""
    history = PrivateHistory(tmp_path / "state" / "history", REGISTRY)
    history.append_string("config set accessKeySecret S3CR3T-typed")
    assert history.get_strings() == ["config set accessKeySecret ****"]
    again = PrivateHistory(tmp_path / "state" / "history", REGISTRY)
    assert list(again.load_history_strings()) == ["config set accessKeySecret ****"]
