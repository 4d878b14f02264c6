"""`ossh serve` as a user runs it: the endpoint line, generated or environment credentials, extra accounts,
clean shutdown on SIGTERM and SIGINT, and the store it shares with the shell's embedded server."""

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import oss2
import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(args, env_extra=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    env.update(env_extra or {})
    proc = subprocess.Popen(
        [sys.executable, "ossh.py", "serve", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline().rstrip("\n")
    assert first.startswith("endpoint: http://127.0.0.1:"), (first, proc.stderr.read() if proc.poll() else "")
    return proc, first.split(" ", 1)[1]


def stop(proc, sig=signal.SIGTERM) -> str:
    proc.send_signal(sig)
    out = proc.stdout.read()  # not communicate(): readline() may already hold later lines in its buffer
    assert proc.wait(20) == 0
    proc.stderr.close()
    proc.stdout.close()
    return out


def test_generated_key_pair_is_kept_private_and_reused(tmp_path):
    proc, endpoint = start(["--root", str(tmp_path)])
    try:
        creds = json.loads((tmp_path / "credentials.json").read_text())
        assert stat.S_IMODE((tmp_path / "credentials.json").stat().st_mode) == 0o600
        bucket = oss2.Bucket(oss2.Auth(creds["access_key_id"], creds["access_key_secret"]), endpoint, "served")
        bucket.create_bucket()
        bucket.put_object("k", b"durable")
    finally:
        out = stop(proc)
    assert creds["access_key_secret"] in out and creds["access_key_id"] in out
    proc, endpoint = start(["--root", str(tmp_path)])
    try:
        bucket = oss2.Bucket(oss2.Auth(creds["access_key_id"], creds["access_key_secret"]), endpoint, "served")
        assert bucket.get_object("k").read() == b"durable"
    finally:
        out = stop(proc, signal.SIGINT)
    # printed at every start, so a user never has to read the file to connect
    assert f"access key secret: {creds['access_key_secret']}  (kept in {tmp_path / 'credentials.json'}" in out
    assert "(generated;" not in out


def test_environment_credentials_and_accounts_file(tmp_path):
    accounts = tmp_path / "more.json"
    accounts.write_text(json.dumps({"ak-other": "sk-other"}))
    proc, endpoint = start(
        ["--root", str(tmp_path / "root"), "--accounts", str(accounts)],
        {"OSS_ACCESS_KEY_ID": "ak-env", "OSS_ACCESS_KEY_SECRET": "sk-env"},
    )
    try:
        mine = oss2.Bucket(oss2.AuthV4("ak-env", "sk-env"), endpoint, "env-bucket", region="cn-hangzhou")
        mine.create_bucket()
        other = oss2.Bucket(oss2.Auth("ak-other", "sk-other"), endpoint, "env-bucket")
        with pytest.raises(oss2.exceptions.ServerError) as err:
            other.create_bucket()
        assert err.value.code == "BucketAlreadyExists"
        with pytest.raises(oss2.exceptions.AccessDenied):
            other.put_object("k", b"x")
        with pytest.raises(oss2.exceptions.ServerError) as err:
            oss2.Bucket(oss2.Auth("ak-env", "wrong"), endpoint, "env-bucket").put_object("k", b"x")
        assert err.value.code == "SignatureDoesNotMatch"
    finally:
        stop(proc)
    assert not (tmp_path / "root" / "credentials.json").exists()


def test_port_in_use_is_a_one_line_error(tmp_path):
    proc, endpoint = start(["--root", str(tmp_path / "a")])
    try:
        port = endpoint.rsplit(":", 1)[1]
        done = subprocess.run(
            [sys.executable, "ossh.py", "serve", "--port", port, "--root", str(tmp_path / "b")],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert done.returncode == 1 and done.stderr.startswith("ossh: serve:") and "Traceback" not in done.stderr
    finally:
        stop(proc)


def test_sigterm_lets_a_put_in_flight_finish(tmp_path):
    proc, endpoint = start(["--root", str(tmp_path)], {"OSS_ACCESS_KEY_ID": "ak", "OSS_ACCESS_KEY_SECRET": "sk"})
    bucket = oss2.Bucket(oss2.Auth("ak", "sk"), endpoint, "inflight")
    try:
        bucket.create_bucket()

        def slow_body():
            for i in range(10):
                if i == 3:
                    proc.send_signal(signal.SIGTERM)  # mid-request: the server stops accepting, not serving
                time.sleep(0.05)
                yield bytes([i]) * 100_000

        result = bucket.put_object("k", slow_body())
        assert result.status == 200
    finally:
        out = proc.stdout.read()
        assert proc.wait(20) == 0 and "stopped" in out
        proc.stdout.close()
        proc.stderr.close()
    proc, endpoint = start(["--root", str(tmp_path)], {"OSS_ACCESS_KEY_ID": "ak", "OSS_ACCESS_KEY_SECRET": "sk"})
    try:
        got = oss2.Bucket(oss2.Auth("ak", "sk"), endpoint, "inflight").get_object("k").read()
        assert got == b"".join(bytes([i]) * 100_000 for i in range(10))
    finally:
        stop(proc)


def test_serve_and_the_embedded_shell_share_one_store_and_key_pair(tmp_path, monkeypatch):
    """Keys in the environment without an endpoint must not lock the shell out of its own store."""
    from ossh.cli import ClientFactory
    from ossh.config import resolve

    monkeypatch.delenv("OSS_ENDPOINT", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", "ak-elsewhere")
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", "sk-elsewhere")
    with contextlib.ExitStack() as stack:
        shell_client = ClientFactory(resolve({}), stack)()
        shell_client.create_bucket("from-shell")
        shell_client.put_object("from-shell", "k", b"written by the shell")
        proc, endpoint = start([], {"XDG_DATA_HOME": str(tmp_path)})  # no --root: the same store
        try:
            assert proc.stdout.readline().strip() == f"root: {tmp_path / 'ossh'}"
            creds = json.loads((tmp_path / "ossh" / "credentials.json").read_text())
            bucket = oss2.Bucket(oss2.Auth(creds["access_key_id"], creds["access_key_secret"]), endpoint, "from-shell")
            assert bucket.get_object("k").read() == b"written by the shell"
            bucket.put_object("back", b"written by serve")
        finally:
            stop(proc)
        with shell_client.get_object("from-shell", "back") as reader:
            assert reader.read() == b"written by serve"
    assert not (tmp_path / "ossh" / "server").exists()


def test_serve_with_environment_keys_still_accepts_the_stores_own_pair(tmp_path, monkeypatch):
    """The environment pair is primary, but what the shell created (owned by the stored pair) stays reachable."""
    from ossh.cli import ClientFactory
    from ossh.config import resolve

    monkeypatch.delenv("OSS_ENDPOINT", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    with contextlib.ExitStack() as stack:
        shell_client = ClientFactory(resolve({}), stack)()
        shell_client.create_bucket("from-shell")
        shell_client.put_object("from-shell", "k", b"written by the shell")
    creds = json.loads((tmp_path / "ossh" / "credentials.json").read_text())
    proc, endpoint = start(
        [], {"XDG_DATA_HOME": str(tmp_path), "OSS_ACCESS_KEY_ID": "ak-env", "OSS_ACCESS_KEY_SECRET": "sk-env"}
    )
    try:
        stored = oss2.Bucket(oss2.Auth(creds["access_key_id"], creds["access_key_secret"]), endpoint, "from-shell")
        assert stored.get_object("k").read() == b"written by the shell"
        env = oss2.Service(oss2.AuthV4("ak-env", "sk-env"), endpoint, region="cn-hangzhou")
        oss2.Bucket(env.auth, endpoint, "from-env", region="cn-hangzhou").create_bucket()
        assert [b.name for b in env.list_buckets().buckets] == ["from-env"]  # its own account, its own buckets
        with pytest.raises(oss2.exceptions.AccessDenied):
            oss2.Bucket(env.auth, endpoint, "from-shell", region="cn-hangzhou").get_object("k")
    finally:
        out = stop(proc)
    assert "access key id: ak-env\n" in out and "sk-env" not in out
    assert f"stored access key id: {creds['access_key_id']}" in out
    assert f"stored access key secret: {creds['access_key_secret']}" in out


@pytest.mark.parametrize("delay, readable_at_once", [("0", True), ("600", False)])
def test_restore_delay_sets_how_long_a_restore_takes(tmp_path, delay, readable_at_once):
    proc, endpoint = start(["--root", str(tmp_path), "--restore-delay", delay])
    try:
        creds = json.loads((tmp_path / "credentials.json").read_text())
        bucket = oss2.Bucket(oss2.Auth(creds["access_key_id"], creds["access_key_secret"]), endpoint, "cold")
        bucket.create_bucket()
        bucket.put_object("a", b"archived", headers={"x-oss-storage-class": "Archive"})
        bucket.restore_object("a")
        restore = bucket.head_object("a").resp.headers["x-oss-restore"]
        if readable_at_once:
            assert restore.startswith('ongoing-request="false"') and bucket.get_object("a").read() == b"archived"
        else:
            assert restore == 'ongoing-request="true"'
            with pytest.raises(oss2.exceptions.ServerError) as err:
                bucket.get_object("a")
            assert err.value.code == "InvalidObjectState"
    finally:
        stop(proc)
