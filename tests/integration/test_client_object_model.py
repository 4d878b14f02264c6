"""OssClient on symlinks, storage classes, restore and compressible objects, against the embedded server."""

import io

import pytest

from ossh.client.crc import crc64
from ossh.client.errors import (
    FileAlreadyExists,
    InvalidObjectState,
    NoSuchKey,
    NotSymlink,
    RestoreAlreadyInProgress,
    ServiceError,
    SymlinkTargetNotExist,
)

TEXT = b"".join(b"%08d the same kind of line again and again\n" % i for i in range(120_000))  # ~5.4 MB


def test_symlink_round_trip(client, bucket):
    client.put_object(bucket, "docs/readme.txt", b"read me")
    assert client.put_symlink(bucket, "latest ü", "docs/readme.txt")
    assert client.get_symlink(bucket, "latest ü") == "docs/readme.txt"
    with client.get_object(bucket, "latest ü") as reader:
        assert reader.read() == b"read me" and reader.meta.object_type == "Symlink"
    assert client.head_object(bucket, "latest ü").size == 7
    types = {o.key: (o.type, o.size) for o in client.list_objects(bucket).objects}
    assert types == {"docs/readme.txt": ("Normal", 7), "latest ü": ("Symlink", 0)}
    with pytest.raises(FileAlreadyExists):
        client.put_symlink(bucket, "latest ü", "elsewhere", forbid_overwrite=True)
    with pytest.raises(NotSymlink):
        client.get_symlink(bucket, "docs/readme.txt")
    client.put_symlink(bucket, "broken", "no/such/key")
    with pytest.raises(SymlinkTargetNotExist) as err:
        client.get_object(bucket, "broken")
    assert err.value.status == 404
    with pytest.raises(NoSuchKey):
        client.get_symlink(bucket, "never")
    # a copy of a symlink copies its target's bytes
    client.copy_object(bucket, "latest ü", bucket, "copied")
    assert client.get_object(bucket, "copied").read() == b"read me"


def test_storage_class_on_every_upload_path(client, bucket, tmp_path):
    small, big = tmp_path / "small", tmp_path / "big"
    small.write_bytes(b"s")
    big.write_bytes(b"b" * (300 << 10))
    client.upload_file(bucket, "one-put", small, storage_class="IA")
    client.upload_file(bucket, "parts", big, threshold=100 << 10, part_size=100 << 10, storage_class="Archive")
    client.upload_stream(bucket, "stream", io.BytesIO(b"x" * 10), storage_class="ColdArchive")
    client.upload_stream(bucket, "stream-mp", io.BytesIO(b"x" * 10), multipart=True, storage_class="IA")
    client.copy(bucket, "one-put", bucket, "copy-small", storage_class="DeepColdArchive")
    client.copy(bucket, "one-put", bucket, "copy-parts", threshold=0, storage_class="Archive")
    classes = {o.key: o.storage_class for o in client.list_objects(bucket).objects}
    assert classes == {
        "one-put": "IA",
        "parts": "Archive",
        "stream": "ColdArchive",
        "stream-mp": "IA",
        "copy-small": "DeepColdArchive",
        "copy-parts": "Archive",
    }


def test_restore_states(client, bucket, server_clock):
    client.put_object(bucket, "cold", b"ice", storage_class="Archive")
    meta = client.head_object(bucket, "cold")
    assert meta.storage_class == "Archive" and meta.restore is None
    with pytest.raises(InvalidObjectState) as err:
        client.get_object(bucket, "cold")
    assert err.value.status == 403
    assert client.restore_object(bucket, "cold", days=2) == 202
    assert client.head_object(bucket, "cold").restore == 'ongoing-request="true"'
    assert client.list_objects(bucket).objects[0].restore == 'ongoing-request="true"'
    with pytest.raises(RestoreAlreadyInProgress):
        client.restore_object(bucket, "cold")
    server_clock.advance(server_clock.delay)
    assert 'ongoing-request="false", expiry-date="' in client.head_object(bucket, "cold").restore
    assert client.get_object(bucket, "cold").read() == b"ice"
    assert client.restore_object(bucket, "cold", days=1) == 200
    client.put_object(bucket, "icy", b"x", storage_class="ColdArchive")
    assert client.restore_object(bucket, "icy", days=10, tier="Bulk") == 202
    with pytest.raises(ServiceError) as err:
        client.restore_object(bucket, "icy-not", days=1)
    assert err.value.code == "NoSuchKey"


def test_large_text_object_comes_back_byte_identical(client, bucket, tmp_path):
    """The server gzips text types for clients that accept it; ossh reads raw bodies, so it asks for none."""
    client.put_object(bucket, "big.txt", TEXT, content_type="text/plain")
    with client.get_object(bucket, "big.txt") as reader:
        assert "Content-Encoding" not in reader.meta.headers and reader.meta.size == len(TEXT)
        assert reader.read() == TEXT  # the reader checks the CRC-64 at the end
    target = tmp_path / "big.txt"
    meta = client.download_file(bucket, "big.txt", target, threshold=1 << 20, part_size=1 << 20)
    assert target.read_bytes() == TEXT and meta.crc64 == crc64(TEXT)
    client.get_object_to_file(bucket, "big.txt", tmp_path / "again.txt")
    assert (tmp_path / "again.txt").read_bytes() == TEXT
    gz = client.request("GET", bucket, "big.txt", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gz.content == TEXT  # requests decodes it
