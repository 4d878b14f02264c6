"""kill -9 of `ossh put` and `ossh get` mid-transfer, then the same command again: it resumes from the
checkpoint under $XDG_STATE_HOME/ossh/checkpoints (moving fewer bytes the second time) or, for a download
too small to be resumable, removes the hidden partial file the killed one left. `mpu ls` shows a killed
upload with its age and the local file that resumes it. The transfers run through a throttling proxy so
that the kill lands mid-way."""

import json
import os
import signal
import stat
import subprocess
import sys
import time

from .conftest import LAUNCHER

MIB = 1 << 20
BIG = 70 * MIB + 12345  # above the 64 MiB threshold: 32 MiB parts, the last one 6 MiB


def checkpoints(slow_env):
    return os.path.join(slow_env["XDG_STATE_HOME"], "ossh", "checkpoints")


def records(slow_env) -> list[dict]:
    found = []
    try:
        names = os.listdir(checkpoints(slow_env))
    except FileNotFoundError:
        return found
    for name in names:
        if name.endswith(".json"):
            try:
                with open(os.path.join(checkpoints(slow_env), name)) as f:
                    found.append(json.load(f))
            except (OSError, ValueError):  # being replaced just now
                pass
    return found


def kill_when(args, slow_env, cwd, ready, timeout=30):
    """Start `ossh ARGS`, kill -9 it once ready() holds; fails if it finished first."""
    proc = subprocess.Popen(
        [sys.executable, LAUNCHER, *args], env=slow_env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + timeout
    try:
        while not ready():
            assert proc.poll() is None, f"finished before the kill: {proc.communicate()}"
            assert time.monotonic() < deadline, "the transfer never got half-way"
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(10)
    assert proc.returncode == -signal.SIGKILL


def run(args, slow_env, cwd):
    done = subprocess.run(
        [sys.executable, LAUNCHER, *args], env=slow_env, cwd=cwd, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_killed_put_resumes_and_mpu_ls_shows_the_leftover(slow_env, slow, client, bucket, tmp_path, server_clock):
    server_clock.advance(-5)  # the upload starts "5 s ago" on the server: mpu ls shows its age at once
    data = os.urandom(BIG)
    (tmp_path / "big.bin").write_bytes(data)
    put = ["put", "big.bin", f"oss://{bucket}/big.bin"]

    def one_part_sent():
        return any(r.get("parts") for r in records(slow_env))

    kill_when(put, slow_env, tmp_path, one_part_sent)
    first = slow.stats.bytes_up
    [record] = records(slow_env)
    assert stat.S_IMODE(os.stat(checkpoints(slow_env)).st_mode) == 0o700
    assert all(
        stat.S_IMODE(os.stat(os.path.join(checkpoints(slow_env), n)).st_mode) == 0o600
        for n in os.listdir(checkpoints(slow_env))
    )
    [upload] = list(client.iter_uploads(bucket))
    assert upload.upload_id == record["upload_id"] and not client.object_exists(bucket, "big.bin")

    [row] = [
        json.loads(line) for line in run(["--json", "mpu", "ls", f"oss://{bucket}/"], slow_env, tmp_path).splitlines()
    ]
    assert row["upload_id"] == upload.upload_id and row["key"] == "big.bin" and row["parts"] >= 1
    assert row["age"].endswith("s") and int(row["age"][:-1]) >= 1
    assert row["local"] == str(tmp_path / "big.bin")
    text = run(["mpu", "ls", f"oss://{bucket}/"], slow_env, tmp_path)
    assert "1 unfinished upload: `put` of the file under RESUME FROM" in text and "mpu abort" in text
    assert str(tmp_path / "big.bin") in text

    slow.rate = None
    slow.wait_idle()  # what the killed run left in the buffers is its own
    before = slow.stats.bytes_up
    run(put, slow_env, tmp_path)
    second = slow.stats.bytes_up - before
    assert second <= BIG - 6 * MIB < BIG  # the recorded part was not sent again
    assert client.get_object(bucket, "big.bin").read() == data
    assert list(client.iter_uploads(bucket)) == [] and records(slow_env) == []
    print(
        f"\nput killed after {first / MIB:.1f} MiB sent; the resumed put sent {second / MIB:.1f} of {BIG / MIB:.1f} MiB"
    )


def test_killed_get_resumes_from_its_recorded_parts(slow_env, slow, client, bucket, tmp_path):
    data = os.urandom(BIG)
    client.put_object(bucket, "big.bin", data)
    get = ["get", f"oss://{bucket}/big.bin", "out.bin"]

    def one_part_received():
        return any(r.get("parts") for r in records(slow_env))

    kill_when(get, slow_env, tmp_path, one_part_received)
    first = slow.stats.bytes_down
    [record] = records(slow_env)
    partial = os.path.basename(record["temp"])
    assert partial.startswith(".out.bin.") and (tmp_path / partial).exists() and not (tmp_path / "out.bin").exists()

    slow.rate = None
    slow.wait_idle()
    before = slow.stats.bytes_down
    run(get, slow_env, tmp_path)
    second = slow.stats.bytes_down - before
    assert second < BIG - 6 * MIB + MIB  # only the missing parts (and a HEAD) came again
    assert (tmp_path / "out.bin").read_bytes() == data
    assert [n for n in os.listdir(tmp_path) if n != "home"] == ["out.bin"]
    assert records(slow_env) == []
    print(
        f"\nget killed after {first / MIB:.1f} MiB received; the resumed get received {second / MIB:.1f} of "
        f"{BIG / MIB:.1f} MiB"
    )


def test_killed_small_get_leaves_a_partial_file_the_next_get_removes(slow_env, slow, client, bucket, tmp_path):
    data = os.urandom(20 * MIB)  # one GET: nothing to resume, only a leftover to clean up
    client.put_object(bucket, "mid.bin", data)
    slow.rate = 4 * MIB
    get = ["get", f"oss://{bucket}/mid.bin", "mid.bin"]

    def partial():
        return [n for n in os.listdir(tmp_path) if n.startswith(".mid.bin.") and n.endswith(".ossh-part")]

    def half_way():
        found = partial()
        return found and os.path.getsize(tmp_path / found[0]) > 2 * MIB

    kill_when(get, slow_env, tmp_path, half_way)
    assert len(partial()) == 1 and not (tmp_path / "mid.bin").exists()

    slow.rate = None
    run(get, slow_env, tmp_path)
    assert (tmp_path / "mid.bin").read_bytes() == data and partial() == []


def test_a_failed_put_names_the_upload_it_keeps_and_the_same_put_resumes_it(sh, client, bucket, tmp_path):
    import contextlib

    from ossh.client import TransportError
    from ossh.shell.progress import no_progress

    data = os.urandom(300_000)
    (tmp_path / "f.bin").write_bytes(data)
    sh.ctx.checkpoints = str(tmp_path / "ckpt")

    @contextlib.contextmanager
    def breaking(_label, _total):  # the link fails once the first bytes are on their way
        def update(done, _total):
            if done:
                raise TransportError("connection to the endpoint failed (reset)")

        yield update

    sh.ctx.progress = breaking
    err = sh.fails(f"put --multipart f.bin oss://{bucket}/f.bin")
    [upload] = list(client.iter_uploads(bucket))
    assert err == (
        f"ossh: put: connection to the endpoint failed (reset); upload {upload.upload_id} is kept: "
        "the same put resumes it, `mpu abort` drops it"
    )
    assert str(tmp_path / "f.bin") in sh.ok(f"mpu ls oss://{bucket}/")

    sh.ctx.progress = no_progress
    sh.ok(f"put --multipart f.bin oss://{bucket}/f.bin")
    assert client.get_object(bucket, "f.bin").read() == data and list(client.iter_uploads(bucket)) == []
    assert os.listdir(tmp_path / "ckpt") == []
