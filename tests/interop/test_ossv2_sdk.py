"""alibabacloud-oss-v2 (V4, static credentials, path style) against the embedded server."""

import io
import os

import alibabacloud_oss_v2 as oss
import pytest
import requests

from ossh.client.crc import crc64

from .conftest import fresh_name

PART = 100 * 1024


def test_bucket_operations(v2_client):
    name = fresh_name("v2life")
    v2_client.put_bucket(oss.PutBucketRequest(bucket=name, acl="public-read"))
    names = [
        b.name for page in v2_client.list_buckets_paginator().iter_page(oss.ListBucketsRequest()) for b in page.buckets
    ]
    assert name in names
    info = v2_client.get_bucket_info(oss.GetBucketInfoRequest(bucket=name))
    assert info.bucket_info.name == name and info.bucket_info.acl == "public-read"
    assert v2_client.get_bucket_location(oss.GetBucketLocationRequest(bucket=name)).location == "oss-cn-hangzhou"
    v2_client.put_bucket_acl(oss.PutBucketAclRequest(bucket=name, acl="private"))
    assert v2_client.get_bucket_acl(oss.GetBucketAclRequest(bucket=name)).acl == "private"
    assert v2_client.is_bucket_exist(name)
    v2_client.delete_bucket(oss.DeleteBucketRequest(bucket=name))
    assert not v2_client.is_bucket_exist(name)


def test_put_get_head_delete(v2_client, v2_bucket):
    data = os.urandom(200_000)
    put = v2_client.put_object(
        oss.PutObjectRequest(
            bucket=v2_bucket, key="dir/ü key", body=data, metadata={"owner": "me"}, content_type="text/plain"
        )
    )
    assert put.hash_crc64 == str(crc64(data))
    got = v2_client.get_object(oss.GetObjectRequest(bucket=v2_bucket, key="dir/ü key"))
    assert got.body.read() == data and got.metadata["owner"] == "me"
    head = v2_client.head_object(oss.HeadObjectRequest(bucket=v2_bucket, key="dir/ü key"))
    assert head.content_length == len(data) and head.etag == put.etag and head.object_type == "Normal"
    part = v2_client.get_object(oss.GetObjectRequest(bucket=v2_bucket, key="dir/ü key", range_header="bytes=5-9"))
    assert part.body.read() == data[5:10]
    assert v2_client.is_object_exist(v2_bucket, "dir/ü key")
    v2_client.delete_object(oss.DeleteObjectRequest(bucket=v2_bucket, key="dir/ü key"))
    assert not v2_client.is_object_exist(v2_bucket, "dir/ü key")
    with pytest.raises(oss.exceptions.OperationError) as err:
        v2_client.get_object(oss.GetObjectRequest(bucket=v2_bucket, key="dir/ü key"))
    assert "NoSuchKey" in str(err.value)


def test_listing_with_delimiter_and_pages(v2_client, v2_bucket):
    keys = [f"p/{i:02d}" for i in range(12)] + ["q/x", "q/y", "r", "s p+c/ü"]
    for key in keys:
        v2_client.put_object(oss.PutObjectRequest(bucket=v2_bucket, key=key, body=b"."))
    pages = list(
        v2_client.list_objects_v2_paginator(limit=3).iter_page(
            oss.ListObjectsV2Request(bucket=v2_bucket, delimiter="/")
        )
    )
    assert len(pages) == 2
    assert [p.prefix for pg in pages for p in (pg.common_prefixes or [])] == ["p/", "q/", "s p+c/"]
    assert [o.key for pg in pages for o in (pg.contents or [])] == ["r"]
    flat = [
        o.key
        for pg in v2_client.list_objects_paginator(limit=5).iter_page(oss.ListObjectsRequest(bucket=v2_bucket))
        for o in (pg.contents or [])
    ]
    assert flat == sorted(keys, key=str.encode)


def test_copy_append_batch_delete(v2_client, v2_bucket):
    v2_client.put_object(oss.PutObjectRequest(bucket=v2_bucket, key="src", body=b"content"))
    v2_client.copy_object(oss.CopyObjectRequest(bucket=v2_bucket, key="dst/copy", source_key="src"))
    assert v2_client.get_object(oss.GetObjectRequest(bucket=v2_bucket, key="dst/copy")).body.read() == b"content"
    first = v2_client.append_object(oss.AppendObjectRequest(bucket=v2_bucket, key="app", position=0, body=b"ab"))
    second = v2_client.append_object(
        oss.AppendObjectRequest(bucket=v2_bucket, key="app", position=first.next_position, body=b"cd")
    )
    assert second.next_position == 4 and second.hash_crc64 == str(crc64(b"abcd"))
    result = v2_client.delete_multiple_objects(
        oss.DeleteMultipleObjectsRequest(
            bucket=v2_bucket, objects=[oss.DeleteObject(key=k) for k in ("src", "dst/copy", "app", "none")]
        )
    )
    assert sorted(d.key for d in result.deleted_objects) == ["app", "dst/copy", "none", "src"]
    listed = v2_client.list_objects_v2(oss.ListObjectsV2Request(bucket=v2_bucket))
    assert not listed.contents


def test_presign(v2_client, v2_bucket):
    v2_client.put_object(oss.PutObjectRequest(bucket=v2_bucket, key="signed key", body=b"secret"))
    signed = v2_client.presign(oss.GetObjectRequest(bucket=v2_bucket, key="signed key"))
    assert requests.get(signed.url).content == b"secret"
    put = v2_client.presign(oss.PutObjectRequest(bucket=v2_bucket, key="by-url"))
    assert requests.put(put.url, data=b"up").status_code == 200
    assert v2_client.get_object(oss.GetObjectRequest(bucket=v2_bucket, key="by-url")).body.read() == b"up"


def test_multipart_by_hand(v2_client, v2_bucket):
    data = os.urandom(2 * PART + 10)
    init = v2_client.initiate_multipart_upload(oss.InitiateMultipartUploadRequest(bucket=v2_bucket, key="mp"))
    parts = []
    for number, start in enumerate(range(0, len(data), PART), 1):
        up = v2_client.upload_part(
            oss.UploadPartRequest(
                bucket=v2_bucket,
                key="mp",
                upload_id=init.upload_id,
                part_number=number,
                body=data[start : start + PART],
            )
        )
        parts.append(oss.UploadPart(part_number=number, etag=up.etag))
    listed = v2_client.list_parts(oss.ListPartsRequest(bucket=v2_bucket, key="mp", upload_id=init.upload_id))
    assert [p.part_number for p in listed.parts] == [1, 2, 3]
    done = v2_client.complete_multipart_upload(
        oss.CompleteMultipartUploadRequest(
            bucket=v2_bucket,
            key="mp",
            upload_id=init.upload_id,
            complete_multipart_upload=oss.CompleteMultipartUpload(parts=parts),
        )
    )
    assert done.hash_crc64 == str(crc64(data))
    assert v2_client.get_object(oss.GetObjectRequest(bucket=v2_bucket, key="mp")).body.read() == data


def test_uploader_and_downloader(v2_client, v2_bucket, tmp_path):
    data = os.urandom(6 * PART + 5)
    uploader = v2_client.uploader(part_size=PART, parallel_num=3, leave_parts_on_error=False)
    result = uploader.upload_from(oss.PutObjectRequest(bucket=v2_bucket, key="big"), io.BytesIO(data))
    assert result.hash_crc64 == str(crc64(data))
    downloader = v2_client.downloader(part_size=PART, parallel_num=3)
    target = tmp_path / "big.out"
    downloader.download_file(oss.GetObjectRequest(bucket=v2_bucket, key="big"), str(target))
    assert target.read_bytes() == data


def test_non_ascii_metadata_roundtrip(v2_client, v2_bucket):
    v2_client.put_object(oss.PutObjectRequest(bucket=v2_bucket, key="meta", body=b"m", metadata={"note": "ü é"}))
    head = v2_client.head_object(oss.HeadObjectRequest(bucket=v2_bucket, key="meta"))
    assert head.metadata["note"] == "ü é"
