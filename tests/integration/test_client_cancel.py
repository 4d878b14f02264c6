"""Ctrl-C (a real SIGINT to the main thread) during the client's parallel transfers, slowed by a proxy: the call
raises within a second or so, because parts in flight stop at their next chunk instead of running to their
end; a resumable transfer that finished parts raises Interrupted naming what it keeps, one without a
checkpoint leaves nothing (the upload aborted, the temporary file removed); the object never appears."""

import os
import signal
import threading
import time

import pytest
from conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION
from faultproxy import FaultProxy

from ossh.client import OssClient
from ossh.client.cancel import Interrupted

MIB = 1 << 20
PART = 8 * MIB  # 4 s a part at the proxy's 2 MiB/s
SIZE = 2 * PART + 256 * 1024  # the short last part is done in an eighth of a second
PATIENCE = 1.5


@pytest.fixture
def slow(server):
    with FaultProxy(server.endpoint, rate=2 * MIB) as p:
        yield p


@pytest.fixture
def slow_client(slow):
    return OssClient(slow.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION)


def ctrl_c_when(ready):
    """SIGINT to the main thread once ready() holds (polled from a helper thread); returns the time it was sent
    as a one-item list, filled in then."""
    sent = []

    def watch():
        deadline = time.monotonic() + 20
        while not ready():
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)
        sent.append(time.monotonic())
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    threading.Thread(target=watch, daemon=True).start()
    return sent


def recorded(ckpt):
    def ready():
        return any('"parts": {"' in p.read_text() for p in ckpt.glob("*.json") if p.stat().st_size)

    return ready


def moving(slow, direction: str):
    return lambda: getattr(slow.stats, f"bytes_{direction}") > 64 * 1024


def part_uploads(method: str, target: str) -> bool:
    return method == "PUT" and "partNumber=" in target


def sparse(path, size=SIZE):
    with open(path, "wb") as f:
        f.truncate(size)
    return path


def upload(client, bucket, path, **kwargs):
    return client.upload_file(bucket, "big", path, part_size=PART, threshold=1, threads=3, **kwargs)


def download(client, bucket, path, **kwargs):
    return client.download_file(bucket, "big", path, part_size=PART, threshold=1, threads=3, **kwargs)


def test_an_interrupted_upload_keeps_its_finished_parts(slow_client, client, bucket, tmp_path):
    ckpt = tmp_path / "ckpt"
    sent = ctrl_c_when(recorded(ckpt))
    with pytest.raises(KeyboardInterrupt) as stopped:
        upload(slow_client, bucket, sparse(tmp_path / "big.bin"), checkpoint_dir=ckpt)
    assert time.monotonic() - sent[0] < PATIENCE
    assert isinstance(stopped.value, Interrupted)
    [kept] = stopped.value.kept
    assert (kept.direction, kept.key, kept.parts, kept.size) == ("upload", "big", 3, SIZE)
    assert kept.parts_done >= 1 and kept.bytes_done >= 256 * 1024
    [held] = list(client.iter_uploads(bucket))
    assert held.upload_id == kept.upload_id and not client.object_exists(bucket, "big")


def test_an_interrupted_upload_without_a_checkpoint_is_aborted(slow, slow_client, client, bucket, tmp_path):
    sent = ctrl_c_when(moving(slow, "up"))
    with pytest.raises(KeyboardInterrupt) as stopped:
        upload(slow_client, bucket, sparse(tmp_path / "big.bin"))
    assert time.monotonic() - sent[0] < PATIENCE
    assert not isinstance(stopped.value, Interrupted)
    assert list(client.iter_uploads(bucket)) == [] and not client.object_exists(bucket, "big")


def test_an_upload_interrupted_before_a_part_is_done_keeps_nothing(slow, slow_client, client, bucket, tmp_path):
    ckpt = tmp_path / "ckpt"
    sparse(tmp_path / "big.bin", 2 * PART)  # no short part: nothing is finished within the first second
    sent = ctrl_c_when(moving(slow, "up"))
    with pytest.raises(KeyboardInterrupt) as stopped:
        upload(slow_client, bucket, tmp_path / "big.bin", checkpoint_dir=ckpt)
    assert time.monotonic() - sent[0] < PATIENCE
    assert not isinstance(stopped.value, Interrupted)
    assert list(client.iter_uploads(bucket)) == [] and list(ckpt.iterdir()) == []


def test_an_interrupted_download_keeps_its_temporary_file(slow_client, client, bucket, tmp_path):
    client.upload_file(bucket, "big", sparse(tmp_path / "src.bin"))
    ckpt = tmp_path / "ckpt"
    sent = ctrl_c_when(recorded(ckpt))
    with pytest.raises(KeyboardInterrupt) as stopped:
        download(slow_client, bucket, tmp_path / "out.bin", checkpoint_dir=ckpt)
    assert time.monotonic() - sent[0] < PATIENCE
    assert isinstance(stopped.value, Interrupted)
    [kept] = stopped.value.kept
    assert (kept.direction, kept.parts, kept.size, kept.local) == ("download", 3, SIZE, str(tmp_path / "out.bin"))
    assert kept.parts_done >= 1 and os.path.getsize(kept.temp) == SIZE
    assert os.path.dirname(kept.temp) == str(tmp_path) and not (tmp_path / "out.bin").exists()


def test_an_interrupted_download_without_a_checkpoint_leaves_nothing(slow, slow_client, client, bucket, tmp_path):
    client.upload_file(bucket, "big", sparse(tmp_path / "src.bin"))
    (tmp_path / "src.bin").unlink()
    sent = ctrl_c_when(moving(slow, "down"))
    with pytest.raises(KeyboardInterrupt):
        download(slow_client, bucket, tmp_path / "out.bin")
    assert time.monotonic() - sent[0] < PATIENCE
    assert os.listdir(tmp_path) == []


def test_parts_the_server_never_answers_hold_neither_the_call_nor_the_exit(server, client, bucket, tmp_path):
    with FaultProxy(server.endpoint, stall=part_uploads) as stalling:
        stuck = OssClient(stalling.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION)
        before = set(threading.enumerate())  # other tests' threads are not this upload's
        sent = ctrl_c_when(lambda: stalling.stats.stalled == 3)
        with pytest.raises(KeyboardInterrupt):
            upload(stuck, bucket, sparse(tmp_path / "big.bin"))
        assert time.monotonic() - sent[0] < PATIENCE
        # the parts still wait for their answers, on daemon threads that the interpreter's exit does not join
        assert [t for t in set(threading.enumerate()) - before if not t.daemon] == []
        assert list(client.iter_uploads(bucket)) == []
