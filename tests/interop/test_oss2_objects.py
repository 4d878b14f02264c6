"""oss2 (V1 and V4 signatures) against the embedded server: buckets, objects, listings, copies, appends."""

import os

import oss2
import pytest
import requests

from ossh.client.crc import crc64

from .conftest import REGION, fresh_name

KEYS = [
    "plain.txt",
    "dir/sub/file",
    "unicode/中文 ü €.bin",
    "spaces and+plus",
    "special/!@#$%^&*()=;,'~`",
    "a/b",
    "a",
    "..\\x/../y",
    "q?x=1&y=#frag",
]


def test_bucket_lifecycle(server, oss2_auth):
    name = fresh_name("life")
    bucket = oss2.Bucket(oss2_auth, server.endpoint, name, region=REGION)
    bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ)
    service = oss2.Service(oss2_auth, server.endpoint, region=REGION)
    listed = {b.name: b for b in oss2.BucketIterator(service)}
    assert name in listed and listed[name].location == "oss-cn-hangzhou"
    assert listed[name].extranet_endpoint == server.endpoint.split("://")[1]
    info = bucket.get_bucket_info()
    assert (
        info.name == name
        and info.acl.grant == "public-read"
        and info.owner.id == server.owner_id != server.access_key_id
    )
    assert bucket.get_bucket_location().location == "oss-cn-hangzhou"
    bucket.put_bucket_acl(oss2.BUCKET_ACL_PRIVATE)
    assert bucket.get_bucket_acl().acl == "private"
    bucket.put_object("k", b"x")
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        bucket.delete_bucket()
    bucket.delete_object("k")
    bucket.delete_bucket()
    with pytest.raises(oss2.exceptions.NoSuchBucket):
        bucket.get_bucket_info()


def test_put_get_head_delete_with_metadata(oss2_bucket):
    data = os.urandom(300_000)
    headers = {"Content-Type": "text/x-test", "x-oss-meta-colour": "blue", "Cache-Control": "no-cache"}
    result = oss2_bucket.put_object("dir/obj", data, headers=headers)
    assert result.crc == crc64(data)
    got = oss2_bucket.get_object("dir/obj")
    assert got.read() == data
    assert got.headers["Content-Type"] == "text/x-test" and got.headers["Cache-Control"] == "no-cache"
    head = oss2_bucket.head_object("dir/obj")
    assert head.content_length == len(data) and head.etag == result.etag and head.object_type == "Normal"
    assert head.headers["x-oss-meta-colour"] == "blue"
    meta = oss2_bucket.get_object_meta("dir/obj")
    assert meta.content_length == len(data)
    assert oss2_bucket.object_exists("dir/obj")
    oss2_bucket.delete_object("dir/obj")
    assert not oss2_bucket.object_exists("dir/obj")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss2_bucket.get_object("dir/obj")
    oss2_bucket.delete_object("never-existed")


def test_streamed_chunked_put(oss2_bucket):
    chunks = [os.urandom(70_000) for _ in range(5)]
    oss2_bucket.put_object("chunked", iter(chunks))  # an iterable goes out Transfer-Encoding: chunked
    assert oss2_bucket.get_object("chunked").read() == b"".join(chunks)


def test_unicode_and_special_keys_roundtrip_and_list(oss2_bucket):
    for key in KEYS:
        oss2_bucket.put_object(key, key.encode())
    for key in KEYS:
        assert oss2_bucket.get_object(key).read() == key.encode()
    listed = [o.key for o in oss2.ObjectIterator(oss2_bucket, max_keys=3)]
    assert listed == sorted(KEYS, key=lambda k: k.encode())


def test_list_with_delimiter_and_paging(oss2_bucket):
    keys = (
        [f"logs/2024/{i:03d}" for i in range(25)]
        + [f"logs/2025/{i}" for i in range(3)]
        + [f"top{i}" for i in range(7)]
        + ["logs/readme"]
    )
    for key in keys:
        oss2_bucket.put_object(key, b"")
    top = list(oss2.ObjectIterator(oss2_bucket, delimiter="/", max_keys=2))
    assert [o.key for o in top] == ["logs/"] + [f"top{i}" for i in range(7)]
    assert top[0].is_prefix()
    under = list(oss2.ObjectIterator(oss2_bucket, prefix="logs/", delimiter="/", max_keys=2))
    assert [o.key for o in under] == ["logs/2024/", "logs/2025/", "logs/readme"]
    v2 = [o.key for o in oss2.ObjectIteratorV2(oss2_bucket, prefix="logs/2024/", max_keys=4)]
    assert v2 == [f"logs/2024/{i:03d}" for i in range(25)]
    page = oss2_bucket.list_objects_v2(prefix="logs/", delimiter="/", start_after="logs/2024/")
    assert page.prefix_list == ["logs/2025/"] and [o.key for o in page.object_list] == ["logs/readme"]


def test_range_get(oss2_bucket):
    data = bytes(range(256)) * 40
    oss2_bucket.put_object("r", data)
    assert oss2_bucket.get_object("r", byte_range=(100, 199)).read() == data[100:200]
    assert oss2_bucket.get_object("r", byte_range=(10000, None)).read() == data[10000:]
    assert oss2_bucket.get_object("r", byte_range=(None, 16)).read() == data[-16:]
    # out of range without standard behaviour: the whole object, as OSS does
    assert oss2_bucket.get_object("r", byte_range=(20000, 30000)).read() == data


def test_copy_and_update_meta(oss2_bucket):
    oss2_bucket.put_object("src", b"copy me", headers={"x-oss-meta-a": "1"})
    oss2_bucket.copy_object(oss2_bucket.bucket_name, "src", "dst")
    assert oss2_bucket.get_object("dst").read() == b"copy me"
    assert oss2_bucket.head_object("dst").headers["x-oss-meta-a"] == "1"
    oss2_bucket.update_object_meta("dst", {"x-oss-meta-b": "2", "Content-Type": "text/plain"})
    head = oss2_bucket.head_object("dst")
    assert head.headers["x-oss-meta-b"] == "2" and "x-oss-meta-a" not in head.headers
    assert head.content_type == "text/plain"
    oss2_bucket.delete_object("src")
    assert oss2_bucket.get_object("dst").read() == b"copy me"


def test_batch_delete(oss2_bucket):
    keys = [f"del/{i}" for i in range(30)] + ["del/ü space"]
    for key in keys:
        oss2_bucket.put_object(key, b"1")
    result = oss2_bucket.batch_delete_objects(keys + ["del/missing"])
    assert sorted(result.deleted_keys) == sorted(keys + ["del/missing"])
    assert list(oss2.ObjectIterator(oss2_bucket, prefix="del/")) == []


def test_append(oss2_bucket):
    first = oss2_bucket.append_object("log", 0, b"hello ")
    second = oss2_bucket.append_object("log", first.next_position, b"world", init_crc=first.crc)
    assert second.next_position == 11 and second.crc == crc64(b"hello world")
    assert oss2_bucket.get_object("log").read() == b"hello world"
    with pytest.raises(oss2.exceptions.PositionNotEqualToLength) as err:
        oss2_bucket.append_object("log", 3, b"x")
    assert err.value.next_position == 11
    oss2_bucket.put_object("normal", b"n")
    with pytest.raises(oss2.exceptions.ObjectNotAppendable):
        oss2_bucket.append_object("normal", 1, b"x")


def test_object_acl_and_anonymous_read(server, oss2_bucket):
    oss2_bucket.put_object("pub", b"public", headers={"x-oss-object-acl": "public-read"})
    oss2_bucket.put_object("priv", b"private")
    assert oss2_bucket.get_object_acl("pub").acl == "public-read"
    assert oss2_bucket.get_object_acl("priv").acl == "default"
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), server.endpoint, oss2_bucket.bucket_name)
    assert anonymous.get_object("pub").read() == b"public"
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.get_object("priv")
    with pytest.raises(oss2.exceptions.AccessDenied):
        anonymous.put_object("pub", b"overwrite")
    oss2_bucket.put_object_acl("priv", oss2.OBJECT_ACL_PUBLIC_READ_WRITE)
    anonymous.put_object("priv", b"anyone")
    assert oss2_bucket.get_object("priv").read() == b"anyone"


def test_presigned_urls(oss2_bucket, oss2_clock):
    oss2_bucket.put_object("signed", b"presigned body")
    url = oss2_bucket.sign_url("GET", "signed", 60)
    assert requests.get(url).content == b"presigned body"
    put_url = oss2_bucket.sign_url("PUT", "uploaded", 60)
    assert requests.put(put_url, data=b"via url").status_code == 200
    assert oss2_bucket.get_object("uploaded").read() == b"via url"
    expired = oss2_bucket.sign_url("GET", "signed", 1)
    assert requests.get(expired).status_code == 200
    oss2_clock.advance(2.1)
    resp = requests.get(expired)
    assert resp.status_code == 403 and b"AccessDenied" in resp.content


def test_forbid_overwrite(oss2_bucket):
    oss2_bucket.put_object("once", b"1")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.put_object("once", b"2", headers={"x-oss-forbid-overwrite": "true"})
    assert err.value.code == "FileAlreadyExists"
    assert oss2_bucket.get_object("once").read() == b"1"


def test_get_to_file_with_crc_check(oss2_bucket, tmp_path):
    data = os.urandom(123_456)
    oss2_bucket.put_object_from_file("f", _write(tmp_path / "in", data))
    oss2_bucket.get_object_to_file("f", str(tmp_path / "out"))
    assert (tmp_path / "out").read_bytes() == data


def _write(path, data):
    path.write_bytes(data)
    return str(path)


def test_content_md5_mismatch_is_invalid_digest(oss2_bucket):
    with pytest.raises(oss2.exceptions.InvalidDigest):
        oss2_bucket.put_object("md5", b"body", headers={"Content-MD5": "eB5eJF1ptWaXm4bijSPyxw=="})
    assert not oss2_bucket.object_exists("md5")
