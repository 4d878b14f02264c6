"""download_file with a checkpoint: an interrupted download keeps its temporary file and a record of its
finished parts; the next call fetches only the missing ranges, unless the object (its ETag) changed."""

import json
import os

import pytest

from ossh.client.checkpoint import DownloadCheckpoint
from ossh.client.crc import crc64
from ossh.client.errors import IntegrityError, LocalFileError

PART = 100_000
SIZE = 10 * PART + 123  # 11 parts, the last one short
PARTS = -(-SIZE // PART)


class Interrupted(Exception):
    pass


@pytest.fixture
def ranges(client, server, monkeypatch):
    """The Range header of every GET the client sends (its connection adapter counts what goes out)."""
    adapter = client.transport.session.get_adapter(server.endpoint)
    send, seen = adapter.send, []

    def counting(request, **kwargs):
        if request.method == "GET":
            seen.append(request.headers.get("Range"))
        return send(request, **kwargs)

    monkeypatch.setattr(adapter, "send", counting)
    return seen


def span(index):
    return f"bytes={index * PART}-{min((index + 1) * PART, SIZE) - 1}"


def interrupt(client, bucket, key, target, ckpt, threads, after=3 * PART + PART // 2):
    """A checkpointed download stopped by its progress callback once `after` bytes have arrived; returns
    the checkpoint record left behind."""

    def progress(done, _total):
        if done > after:
            raise Interrupted

    with pytest.raises(Interrupted):
        client.download_file(
            bucket, key, target, threads=threads, part_size=PART, threshold=1, checkpoint_dir=ckpt, progress=progress
        )
    [record] = list(ckpt.iterdir())
    assert record.name.startswith("download-") and record.suffix == ".json"
    return json.loads(record.read_text())


@pytest.mark.parametrize("threads", [1, 3])
def test_interrupted_download_resumes_with_only_the_missing_parts(client, bucket, tmp_path, ranges, threads):
    data = os.urandom(SIZE)
    client.put_object(bucket, "big", data)
    target, ckpt = tmp_path / "big.out", tmp_path / "ckpt"
    record = interrupt(client, bucket, "big", target, ckpt, threads)
    finished = {int(n) for n in record["parts"]}
    assert finished and len(finished) < PARTS
    assert all(
        record["parts"][str(i)] == [crc64(data[i * PART : (i + 1) * PART]), min(PART, SIZE - i * PART)]
        for i in finished
    )
    temp = tmp_path / os.path.basename(record["temp"])
    assert not target.exists() and temp.stat().st_size == SIZE
    assert all(temp.read_bytes()[i * PART : (i + 1) * PART] == data[i * PART : (i + 1) * PART] for i in finished)

    ranges.clear()
    seen = []
    meta = client.download_file(
        bucket,
        "big",
        target,
        threads=threads,
        part_size=PART,
        threshold=1,
        checkpoint_dir=ckpt,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert sorted(ranges) == sorted(span(i) for i in range(PARTS) if i not in finished)
    assert target.read_bytes() == data and meta.crc64 == crc64(data)
    assert seen[0][0] > len(finished) * PART - PART and seen[-1] == (SIZE, SIZE)
    assert list(ckpt.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["big.out", "ckpt"]


def test_changed_object_starts_over_and_drops_the_stale_temp_file(client, bucket, tmp_path, ranges):
    client.put_object(bucket, "big", os.urandom(SIZE))
    target, ckpt = tmp_path / "big.out", tmp_path / "ckpt"
    stale = tmp_path / os.path.basename(interrupt(client, bucket, "big", target, ckpt, 1)["temp"])
    fresh = os.urandom(SIZE)  # same size: only the ETag tells the versions apart
    client.put_object(bucket, "big", fresh)

    ranges.clear()
    client.download_file(bucket, "big", target, threads=2, part_size=PART, threshold=1, checkpoint_dir=ckpt)
    assert sorted(ranges) == sorted(span(i) for i in range(PARTS))
    assert target.read_bytes() == fresh and not stale.exists()
    assert list(ckpt.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["big.out", "ckpt"]


def test_missing_temp_file_starts_over(client, bucket, tmp_path, ranges):
    data = os.urandom(SIZE)
    client.put_object(bucket, "big", data)
    target, ckpt = tmp_path / "big.out", tmp_path / "ckpt"
    os.unlink(tmp_path / os.path.basename(interrupt(client, bucket, "big", target, ckpt, 1)["temp"]))
    ranges.clear()
    client.download_file(bucket, "big", target, threads=2, part_size=PART, threshold=1, checkpoint_dir=ckpt)
    assert sorted(ranges) == sorted(span(i) for i in range(PARTS)) and target.read_bytes() == data


def test_a_part_changed_on_disk_is_fetched_again(client, bucket, tmp_path, ranges):
    data = os.urandom(SIZE)
    client.put_object(bucket, "big", data)
    target, ckpt = tmp_path / "big.out", tmp_path / "ckpt"
    record = interrupt(client, bucket, "big", target, ckpt, 1)
    with open(tmp_path / os.path.basename(record["temp"]), "r+b") as f:
        f.write(b"\0" * 16)  # part 0, finished and recorded, damaged afterwards
    ranges.clear()
    client.download_file(bucket, "big", target, threads=2, part_size=PART, threshold=1, checkpoint_dir=ckpt)
    again = {0} | {i for i in range(PARTS) if str(i) not in record["parts"]}
    assert sorted(ranges) == sorted(span(i) for i in again) and target.read_bytes() == data


def test_a_record_that_disagrees_with_the_object_fails_and_leaves_a_clean_start(client, bucket, tmp_path):
    data = os.urandom(SIZE)
    client.put_object(bucket, "big", data)
    target, ckpt = tmp_path / "big.out", tmp_path / "ckpt"
    [etag, temp] = [client.head_object(bucket, "big").etag, tmp_path / ".big.out.0badf00d.ossh-part"]
    temp.write_bytes(b"x" * SIZE)  # record and temporary file agree, but are not the object
    DownloadCheckpoint(ckpt, bucket, "big", str(target), etag, SIZE).start(
        str(temp), PART, {0: (crc64(b"x" * PART), PART)}
    )
    opts = dict(threads=2, part_size=PART, threshold=1, checkpoint_dir=ckpt)
    with pytest.raises(IntegrityError):
        client.download_file(bucket, "big", target, **opts)
    assert list(ckpt.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]
    client.download_file(bucket, "big", target, **opts)
    assert target.read_bytes() == data


def test_a_record_never_removes_files_it_does_not_own(client, bucket, tmp_path):
    data = os.urandom(SIZE)
    client.put_object(bucket, "big", data)
    target, ckpt, precious = tmp_path / "big.out", tmp_path / "ckpt", tmp_path / "precious"
    precious.write_bytes(b"keep")
    DownloadCheckpoint(ckpt, bucket, "big", str(target), '"other-etag"', SIZE).start(str(precious), PART, {})
    client.download_file(bucket, "big", target, threads=2, part_size=PART, threshold=1, checkpoint_dir=ckpt)
    assert precious.read_bytes() == b"keep" and target.read_bytes() == data


def test_leftovers_of_killed_downloads_are_swept_but_live_ones_kept(client, bucket, tmp_path):
    import fcntl

    client.put_object(bucket, "k", b"new bytes")
    target = tmp_path / "k.bin"
    dead, live = tmp_path / ".k.bin.0123abcd.ossh-part", tmp_path / ".k.bin.4567cdef.ossh-part"
    others = [tmp_path / ".k.bin.notours.ossh-part", tmp_path / ".other.0123abcd.ossh-part"]
    for p in [dead, live, *others]:
        p.write_bytes(b"partial")
    with open(live, "rb") as held:  # a download still running holds its file locked
        fcntl.flock(held, fcntl.LOCK_EX)
        client.download_file(bucket, "k", target)
        assert target.read_bytes() == b"new bytes"
        assert not dead.exists() and live.exists() and all(p.exists() for p in others)


def test_a_recorded_temp_file_in_use_is_refused(client, bucket, tmp_path):
    import fcntl

    data = os.urandom(SIZE)
    client.put_object(bucket, "big", data)
    target, ckpt = tmp_path / "big.out", tmp_path / "ckpt"
    temp = tmp_path / os.path.basename(interrupt(client, bucket, "big", target, ckpt, 1)["temp"])
    with open(temp, "rb") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(LocalFileError, match="another download to it is running"):
            client.download_file(bucket, "big", target, part_size=PART, threshold=1, checkpoint_dir=ckpt)
    client.download_file(bucket, "big", target, part_size=PART, threshold=1, checkpoint_dir=ckpt)
    assert target.read_bytes() == data and not temp.exists()
