"""oss2 multipart against the embedded server: by hand, and through resumable_upload/download with threads."""

import os

import oss2
import pytest

from ossh.client.crc import crc64

PART = 100 * 1024


def test_multipart_by_hand(oss2_bucket):
    data = os.urandom(2 * PART + 1234)
    pieces = [data[:PART], data[PART : 2 * PART], data[2 * PART :]]
    upload_id = oss2_bucket.init_multipart_upload("mp/obj", headers={"x-oss-meta-k": "v"}).upload_id
    assert [u.upload_id for u in oss2.MultipartUploadIterator(oss2_bucket)] == [upload_id]
    parts = []
    for number, piece in enumerate(pieces, 1):
        result = oss2_bucket.upload_part("mp/obj", upload_id, number, piece)
        assert result.crc == crc64(piece)
        parts.append(oss2.models.PartInfo(number, result.etag, size=len(piece), part_crc=result.crc))
    listed = list(oss2.PartIterator(oss2_bucket, "mp/obj", upload_id, max_parts=2))
    assert [(p.part_number, p.size) for p in listed] == [(1, PART), (2, PART), (3, 1234)]
    result = oss2_bucket.complete_multipart_upload("mp/obj", upload_id, parts)
    assert result.crc == crc64(data) and result.etag.endswith("-3")
    head = oss2_bucket.head_object("mp/obj")
    assert head.object_type == "Multipart" and head.headers["x-oss-meta-k"] == "v"
    assert oss2_bucket.get_object("mp/obj").read() == data
    assert list(oss2.MultipartUploadIterator(oss2_bucket)) == []


def test_complete_checks_parts(oss2_bucket):
    upload_id = oss2_bucket.init_multipart_upload("bad").upload_id
    small = oss2_bucket.upload_part("bad", upload_id, 1, b"tiny")
    last = oss2_bucket.upload_part("bad", upload_id, 2, b"end")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.complete_multipart_upload(
            "bad", upload_id, [oss2.models.PartInfo(1, small.etag), oss2.models.PartInfo(2, last.etag)]
        )
    assert err.value.code == "EntityTooSmall"
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.complete_multipart_upload("bad", upload_id, [oss2.models.PartInfo(2, small.etag)])
    assert err.value.code == "InvalidPart"
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.upload_part("bad", upload_id, 10001, b"x")
    assert err.value.code == "InvalidArgument"
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        oss2_bucket.delete_bucket()
    oss2_bucket.abort_multipart_upload("bad", upload_id)
    with pytest.raises(oss2.exceptions.NoSuchUpload):
        oss2_bucket.upload_part("bad", upload_id, 1, b"x")
    oss2_bucket.delete_bucket()


def test_complete_all_and_part_copy(oss2_bucket):
    source = os.urandom(3 * PART)
    oss2_bucket.put_object("source", source)
    upload_id = oss2_bucket.init_multipart_upload("assembled").upload_id
    oss2_bucket.upload_part_copy(oss2_bucket.bucket_name, "source", (0, PART - 1), "assembled", upload_id, 1)
    oss2_bucket.upload_part_copy(oss2_bucket.bucket_name, "source", (2 * PART, 3 * PART - 1), "assembled", upload_id, 2)
    result = oss2_bucket.complete_multipart_upload("assembled", upload_id, None, headers={"x-oss-complete-all": "yes"})
    expected = source[:PART] + source[2 * PART :]
    assert result.crc == crc64(expected)
    assert oss2_bucket.get_object("assembled").read() == expected


def test_resumable_upload_and_download_with_threads(oss2_bucket, tmp_path):
    data = os.urandom(12 * PART + 777)
    src = tmp_path / "big.bin"
    src.write_bytes(data)
    store = oss2.ResumableStore(root=str(tmp_path))
    oss2.resumable_upload(
        oss2_bucket, "big", str(src), store=store, multipart_threshold=PART, part_size=PART, num_threads=4
    )
    assert oss2_bucket.head_object("big").object_type == "Multipart"
    out = tmp_path / "out.bin"
    oss2.resumable_download(
        oss2_bucket,
        "big",
        str(out),
        multiget_threshold=PART,
        part_size=PART,
        num_threads=4,
        store=oss2.ResumableDownloadStore(root=str(tmp_path)),
    )
    assert out.read_bytes() == data
