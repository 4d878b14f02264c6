"""Object operations of OssClient against the embedded server: put/get/head/delete/copy/append/ACL."""

import io
import time
from datetime import datetime, timedelta, timezone

import pytest

from ossh.client import ClientError
from ossh.client.crc import crc64
from ossh.client.errors import (
    FileAlreadyExists,
    NoSuchBucket,
    NoSuchKey,
    ObjectNotAppendable,
    PositionNotEqualToLength,
    PreconditionFailed,
    ServiceError,
)


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: b"bytes body", b"bytes body"),
        (lambda: "str body ü", "str body ü".encode()),
        (lambda: io.BytesIO(b"file body"), b"file body"),
        (lambda: iter([b"chunk ", b"by ", b"chunk"]), b"chunk by chunk"),
    ],
    ids=["bytes", "str", "file", "iter"],
)
def test_put_any_body_and_get_it_back(client, bucket, make, expected):
    data = make()
    result = client.put_object(bucket, "obj", data)
    assert result.crc64 == crc64(expected) and result.etag and result.request_id
    with client.get_object(bucket, "obj") as reader:
        assert reader.read() == expected
        assert reader.meta.size == len(expected) and reader.meta.crc64 == crc64(expected)


def test_put_from_real_file_streams_and_reports_progress(client, bucket, tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * (3 << 20))
    seen = []
    with open(path, "rb") as f:
        client.put_object(bucket, "big.bin", f, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (3 << 20, 3 << 20) and len(seen) >= 3
    assert client.head_object(bucket, "big.bin").size == 3 << 20


def test_content_type_guessed_and_metadata_acl_headers(client, bucket):
    client.put_object(
        bucket,
        "page.html",
        b"<p>",
        metadata={"Color": "blue", "x-oss-meta-size": "L"},
        acl="public-read",
        headers={"Cache-Control": "no-cache"},
    )
    meta = client.head_object(bucket, "page.html")
    assert meta.content_type == "text/html"
    assert meta.metadata == {"color": "blue", "size": "L"}
    assert meta.headers.get("Cache-Control") == "no-cache"
    assert meta.object_type == "Normal" and meta.last_modified.tzinfo == timezone.utc
    assert client.get_object_acl(bucket, "page.html") == "public-read"
    client.put_object(bucket, "noext", b"1")
    assert client.head_object(bucket, "noext").content_type == "application/octet-stream"
    client.put_object(bucket, "x.json", b"{}", content_type="text/x-mine")
    assert client.head_object(bucket, "x.json").content_type == "text/x-mine"


def test_forbid_overwrite(client, bucket):
    client.put_object(bucket, "once", b"1", forbid_overwrite=True)
    with pytest.raises(FileAlreadyExists) as exc:
        client.put_object(bucket, "once", b"2", forbid_overwrite=True)
    assert exc.value.status == 409
    assert client.get_object(bucket, "once").read() == b"1"


def test_ranges(client, bucket):
    client.put_object(bucket, "r", bytes(range(100)))
    assert client.get_object(bucket, "r", byte_range=(10, 19)).read() == bytes(range(10, 20))
    assert client.get_object(bucket, "r", byte_range=(90, None)).read() == bytes(range(90, 100))
    assert client.get_object(bucket, "r", byte_range=(None, 5)).read() == bytes(range(95, 100))
    with client.get_object(bucket, "r", byte_range="bytes=0-0") as reader:
        assert reader.read() == b"\x00" and reader.meta.size == 100
    with pytest.raises(ClientError):
        client.get_object(bucket, "r", byte_range=(None, None))


def test_conditional_gets(client, bucket):
    etag = client.put_object(bucket, "c", b"v").etag
    assert client.get_object(bucket, "c", if_match=etag).read() == b"v"
    with pytest.raises(PreconditionFailed):
        client.get_object(bucket, "c", if_match="0" * 32)
    with pytest.raises(ServiceError) as exc:
        client.get_object(bucket, "c", if_none_match=etag)
    assert exc.value.status == 304
    future = datetime.now(timezone.utc) + timedelta(hours=1)
    with pytest.raises(ServiceError) as exc:
        client.get_object(bucket, "c", if_modified_since=future)
    assert exc.value.status == 304
    with pytest.raises(PreconditionFailed):
        client.get_object(bucket, "c", if_unmodified_since=time.time() - 3600)
    assert client.get_object(bucket, "c", if_unmodified_since=future).read() == b"v"


def test_streaming_reader_chunks(client, bucket):
    data = bytes(range(256)) * 4096  # 1 MiB
    client.put_object(bucket, "s", data)
    with client.get_object(bucket, "s") as reader:
        chunks = list(reader.iter_chunks(100_000))
    assert b"".join(chunks) == data and max(map(len, chunks)) <= 100_000
    with client.get_object(bucket, "s") as reader:
        head = reader.read(10)
        rest = reader.read()
    assert head + rest == data


def test_head_meta_exists_delete(client, bucket):
    client.put_object(bucket, "h", b"12345")
    meta = client.get_object_meta(bucket, "h")
    assert meta.size == 5 and meta.etag and meta.crc64 == crc64(b"12345")
    assert client.object_exists(bucket, "h")
    client.delete_object(bucket, "h")
    assert not client.object_exists(bucket, "h")
    client.delete_object(bucket, "h")  # deleting a missing key succeeds, as on OSS
    with pytest.raises(NoSuchKey) as exc:
        client.head_object(bucket, "h")
    assert exc.value.status == 404 and exc.value.code == "NoSuchKey"
    with pytest.raises(NoSuchBucket):
        client.object_exists("test-absent-bucket", "h")
    with pytest.raises(NoSuchKey):
        client.get_object(bucket, "h")


def test_delete_many_in_batches_and_quiet(client, bucket):
    odd = ["a&b", "<tag>", "sp ace", "percent%20", "ü", "dir/x"]
    keys = odd + [f"k{i:04d}" for i in range(1100)]
    for k in odd:
        client.put_object(bucket, k, b"")
    deleted = client.delete_objects(bucket, keys)
    assert sorted(deleted) == sorted(keys)  # missing keys are reported deleted too
    assert list(client.iter_objects(bucket)) == []
    client.put_object(bucket, "q", b"")
    assert client.delete_objects(bucket, ["q"], quiet=True) == []
    assert not client.object_exists(bucket, "q")


def test_copy_keeps_or_replaces_metadata(client, bucket):
    client.create_bucket(bucket + "-dst")
    client.put_object(bucket, "src.txt", b"copy me", metadata={"a": "1"})
    res = client.copy_object(bucket, "src.txt", bucket + "-dst", "same")
    assert res.crc64 in (None, crc64(b"copy me")) and res.etag and res.last_modified.tzinfo == timezone.utc
    meta = client.head_object(bucket + "-dst", "same")
    assert meta.metadata == {"a": "1"} and meta.content_type == "text/plain"
    client.copy_object(bucket, "src.txt", bucket, "replaced", metadata={"b": "2"}, content_type="x/y")
    meta = client.head_object(bucket, "replaced")
    assert meta.metadata == {"b": "2"} and meta.content_type == "x/y"
    assert client.get_object(bucket, "replaced").read() == b"copy me"
    with pytest.raises(FileAlreadyExists):
        client.copy_object(bucket, "src.txt", bucket, "replaced", forbid_overwrite=True)
    with pytest.raises(NoSuchKey):
        client.copy_object(bucket, "nope", bucket, "x")
    client.put_object(bucket, "dir/ü b+c&d", b"odd")
    client.copy_object(bucket, "dir/ü b+c&d", bucket, "other/ü b+c&d")
    assert client.get_object(bucket, "other/ü b+c&d").read() == b"odd"


def test_append(client, bucket):
    first = client.append_object(bucket, "log", 0, b"hello ")
    assert first.next_position == 6 and first.crc64 == crc64(b"hello ")
    second = client.append_object(bucket, "log", first.next_position, b"world", init_crc=first.crc64)
    assert second.next_position == 11 and second.crc64 == crc64(b"hello world")
    meta = client.head_object(bucket, "log")
    assert meta.object_type == "Appendable" and meta.next_append_position == 11
    with pytest.raises(PositionNotEqualToLength):
        client.append_object(bucket, "log", 3, b"x")
    client.put_object(bucket, "normal", b"x")
    with pytest.raises(ObjectNotAppendable):
        client.append_object(bucket, "normal", 1, b"y")


def test_object_acl(client, bucket):
    client.put_object(bucket, "o", b"")
    assert client.get_object_acl(bucket, "o") == "default"
    client.put_object_acl(bucket, "o", "private")
    assert client.get_object_acl(bucket, "o") == "private"


def test_empty_object(client, bucket):
    assert client.put_object(bucket, "empty", b"").crc64 == 0
    assert client.get_object(bucket, "empty").read() == b""
    assert client.head_object(bucket, "empty").size == 0


def test_keys_with_dot_segments_and_odd_characters(client, bucket):
    keys = ["a/../b", "./x", "..", "a//b", "sp ace/+plus", "q?x#y&z=1", "ü/中文", "100%", "~tilde*"]
    for k in keys:
        client.put_object(bucket, k, k.encode())
    for k in keys:
        assert client.get_object(bucket, k).read() == k.encode()
    assert sorted(o.key for o in client.iter_objects(bucket)) == sorted(keys)


def test_chunk_sizes_are_settable(client, bucket):
    client.set_upload_chunk_size(64 * 1024)
    client.set_download_chunk_size(1000)
    data = bytes(range(256)) * 1000
    client.put_object(bucket, "c", data)
    with client.get_object(bucket, "c") as reader:
        chunks = list(reader.iter_chunks())
    assert b"".join(chunks) == data and max(map(len, chunks)) == 1000
    with pytest.raises(ClientError):
        client.set_download_chunk_size(0)
