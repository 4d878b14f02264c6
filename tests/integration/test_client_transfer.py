"""upload_file / download_file / get_object_to_file: multipart above the threshold, parallel parts,
combined CRC-64, temporary files renamed only when complete, progress callbacks."""

import os
import stat

import pytest

from ossh.client.crc import crc64
from ossh.client.errors import NoSuchKey


@pytest.fixture
def blob(tmp_path):
    data = os.urandom(1 << 20) * 3 + b"tail"
    path = tmp_path / "blob.bin"
    path.write_bytes(data)
    return path, data


def test_small_file_is_one_put(client, bucket, blob):
    path, data = blob
    result = client.upload_file(bucket, "one.bin", path)
    assert result.crc64 == crc64(data)
    meta = client.head_object(bucket, "one.bin")
    assert meta.object_type == "Normal" and meta.size == len(data)
    assert list(client.iter_uploads(bucket)) == []


def test_large_file_is_parallel_multipart(client, bucket, blob):
    path, data = blob
    seen = []
    result = client.upload_file(
        bucket,
        "multi.bin",
        path,
        part_size=1 << 20,
        threshold=1 << 20,
        threads=3,
        progress=lambda done, total: seen.append((done, total)),
        metadata={"m": "1"},
    )
    assert result.crc64 == crc64(data) and result.etag.endswith("-4")
    meta = client.head_object(bucket, "multi.bin")
    assert meta.object_type == "Multipart" and meta.metadata == {"m": "1"}
    assert meta.content_type == "application/octet-stream"
    assert seen[-1] == (len(data), len(data)) and all(t == len(data) for _, t in seen)
    assert list(client.iter_uploads(bucket)) == []


def test_download_file_via_temp_and_progress(client, bucket, blob, tmp_path):
    path, data = blob
    client.upload_file(bucket, "d.bin", path)
    target = tmp_path / "out" / "d.bin"
    target.parent.mkdir()
    seen = []
    meta = client.download_file(bucket, "d.bin", target, progress=lambda d, t: seen.append((d, t)))
    assert target.read_bytes() == data and meta.crc64 == crc64(data)
    assert seen[-1] == (len(data), len(data))
    assert os.listdir(target.parent) == ["d.bin"]


def test_missing_object_leaves_nothing(client, bucket, tmp_path):
    target = tmp_path / "missing.bin"
    with pytest.raises(NoSuchKey):
        client.get_object_to_file(bucket, "absent", target)
    assert os.listdir(tmp_path) == []


def test_range_to_file_and_existing_file_replaced_only_on_success(client, bucket, tmp_path):
    client.put_object(bucket, "r", bytes(range(100)))
    target = tmp_path / "r.bin"
    target.write_bytes(b"old")
    client.get_object_to_file(bucket, "r", target, byte_range=(10, 19))
    assert target.read_bytes() == bytes(range(10, 20))


def test_large_download_is_parallel_ranges_with_combined_crc(client, bucket, blob, tmp_path):
    path, data = blob
    client.upload_file(bucket, "big.bin", path)
    target = tmp_path / "big.out"
    seen = []
    meta = client.download_file(
        bucket,
        "big.bin",
        target,
        threads=3,
        part_size=1 << 20,
        threshold=1 << 20,
        progress=lambda d, t: seen.append((d, t)),
    )
    assert target.read_bytes() == data and meta.crc64 == crc64(data)
    assert seen[-1] == (len(data), len(data)) and all(t == len(data) for _, t in seen)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.out", "blob.bin"]


@pytest.fixture
def umask():
    """Sets the process umask for one test (restored after)."""
    old = os.umask(0o022)
    yield os.umask
    os.umask(old)


def test_downloads_get_the_umask_mode_or_keep_the_replaced_files(client, bucket, tmp_path, umask):
    client.put_object(bucket, "big", os.urandom(300_000))
    one, ranged = tmp_path / "one", tmp_path / "ranged"
    client.download_file(bucket, "big", one)
    client.download_file(bucket, "big", ranged, threads=2, part_size=100_000, threshold=1)
    assert stat.S_IMODE(one.stat().st_mode) == stat.S_IMODE(ranged.stat().st_mode) == 0o644
    umask(0o007)
    client.get_object_to_file(bucket, "big", tmp_path / "group")
    assert stat.S_IMODE((tmp_path / "group").stat().st_mode) == 0o660
    one.chmod(0o604)
    client.download_file(bucket, "big", one, threads=2, part_size=100_000, threshold=1)
    assert stat.S_IMODE(one.stat().st_mode) == 0o604


def test_the_clients_transfer_config_drives_its_transfers(server, bucket, blob, tmp_path):
    from ossh.client import OssClient, TransferConfig
    from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

    path, data = blob
    config = TransferConfig(threshold=1 << 20, part_size=1 << 20, concurrency=2)
    client = OssClient(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION, transfer_config=config)
    assert client.transfer_config is config and client.transfers.config is config
    assert client.upload_file(bucket, "cfg.bin", path).etag.endswith("-4")  # 3 MiB + 4 bytes in 1 MiB parts
    assert client.upload_file(bucket, "one.bin", path, threshold=4 << 20).etag.count("-") == 0  # the call wins
    target = tmp_path / "cfg.out"
    meta = client.download_file(bucket, "cfg.bin", target)
    assert target.read_bytes() == data and meta.size == len(data)


def test_a_transfer_manager_of_its_own_config(client, bucket, blob, tmp_path):
    from ossh.client import TransferConfig, TransferManager

    path, data = blob
    ckpt = tmp_path / "ckpt"
    manager = TransferManager(client, TransferConfig(threshold=0, part_size=1 << 20, checkpoint_dir=ckpt))
    assert manager.upload_file(bucket, "m.bin", path).etag.endswith("-4")
    assert os.path.isdir(ckpt) and os.listdir(ckpt) == []  # used, and cleared once done
    assert manager.copy(bucket, "m.bin", bucket, "m.copy").crc64 == crc64(data)
    manager.download_file(bucket, "m.copy", tmp_path / "m.out")
    assert (tmp_path / "m.out").read_bytes() == data
    assert client.upload_file(bucket, "plain.bin", path).etag.count("-") == 0  # the client's own config is apart
    with pytest.raises(TypeError):
        TransferManager(client, {"threshold": 0})
