"""Multipart operations of OssClient against the embedded server."""

import pytest

from ossh.client import ClientError
from ossh.client.crc import crc64
from ossh.client.errors import InvalidPart, NoSuchUpload

PART = 100 * 1024


def test_upload_list_complete(client, bucket):
    data = [bytes([i]) * PART for i in range(3)] + [b"tail"]
    upload = client.init_multipart_upload(bucket, "mp.bin", metadata={"k": "v"})
    parts = [client.upload_part(bucket, "mp.bin", upload, n, d) for n, d in enumerate(data, 1)]
    assert [p.size for p in parts] == [PART, PART, PART, 4]
    assert parts[0].crc64 == crc64(data[0])
    listed = client.list_parts(bucket, "mp.bin", upload, max_parts=2)
    assert [p.part_number for p in listed.parts] == [1, 2] and listed.is_truncated
    rest = client.list_parts(bucket, "mp.bin", upload, part_number_marker=listed.next_part_number_marker)
    assert [p.part_number for p in rest.parts] == [3, 4]
    assert [(p.part_number, p.etag, p.size) for p in client.iter_parts(bucket, "mp.bin", upload)] == [
        (p.part_number, p.etag, p.size) for p in parts
    ]
    done = client.complete_multipart_upload(bucket, "mp.bin", upload, list(reversed(parts)))
    assert done.crc64 == crc64(b"".join(data)) and done.etag.endswith("-4")
    meta = client.head_object(bucket, "mp.bin")
    assert meta.object_type == "Multipart" and meta.metadata == {"k": "v"} and meta.size == 3 * PART + 4
    assert client.get_object(bucket, "mp.bin").read() == b"".join(data)


def test_complete_all_and_part_copy(client, bucket):
    client.put_object(bucket, "src", bytes(range(256)) * 1024)
    upload = client.init_multipart_upload(bucket, "copied")
    p1 = client.upload_part_copy(bucket, "copied", upload, 1, bucket, "src", byte_range=(0, PART - 1))
    p2 = client.upload_part_copy(bucket, "copied", upload, 2, bucket, "src", byte_range=(PART, None))
    assert p1.size == PART and p1.etag and p2.etag
    client.complete_multipart_upload(bucket, "copied", upload, None)
    assert client.get_object(bucket, "copied").read() == bytes(range(256)) * 1024


def test_abort_and_list_uploads_paging(client, bucket):
    ids = {k: client.init_multipart_upload(bucket, k) for k in ["u/a", "u/b", "v c"]}
    page = client.list_multipart_uploads(bucket, max_uploads=2)
    assert [u.key for u in page.uploads] == ["u/a", "u/b"] and page.is_truncated
    rest = client.list_multipart_uploads(
        bucket, key_marker=page.next_key_marker, upload_id_marker=page.next_upload_id_marker
    )
    assert [(u.key, u.upload_id) for u in rest.uploads] == [("v c", ids["v c"])]
    assert client.list_multipart_uploads(bucket, delimiter="/").prefixes == ["u/"]
    assert sorted(u.key for u in client.iter_uploads(bucket, prefix="u/")) == ["u/a", "u/b"]
    assert all(u.initiated is not None for u in client.iter_uploads(bucket))
    client.abort_multipart_upload(bucket, "u/a", ids["u/a"])
    assert "u/a" not in [u.key for u in client.iter_uploads(bucket)]
    with pytest.raises(NoSuchUpload):
        client.upload_part(bucket, "u/a", ids["u/a"], 1, b"x")


def test_bad_parts(client, bucket):
    upload = client.init_multipart_upload(bucket, "bad")
    good = client.upload_part(bucket, "bad", upload, 1, b"x")
    good.etag = "0" * 32
    with pytest.raises(InvalidPart):
        client.complete_multipart_upload(bucket, "bad", upload, [good])
    with pytest.raises(ClientError):
        client.upload_part(bucket, "bad", upload, 10001, b"x")
