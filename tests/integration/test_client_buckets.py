"""Service and bucket operations of OssClient against the embedded server."""

from datetime import datetime, timezone

import pytest

from ossh.client import ClientError
from ossh.client.errors import BucketNotEmpty, NoSuchBucket
from ossh.client.models import ObjectSummary


def test_create_list_info_delete(client, bucket):
    names = [b.name for b in client.iter_buckets()]
    assert bucket in names
    info = client.get_bucket_info(bucket)
    assert info.name == bucket and info.acl == "private"
    assert info.creation_date.tzinfo == timezone.utc
    assert abs((datetime.now(timezone.utc) - info.creation_date).total_seconds()) < 600
    assert client.get_bucket_location(bucket) == "oss-cn-hangzhou"
    client.delete_bucket(bucket)
    assert bucket not in [b.name for b in client.iter_buckets()]
    with pytest.raises(NoSuchBucket) as exc:
        client.get_bucket_info(bucket)
    assert exc.value.status == 404 and exc.value.request_id


def test_create_with_acl_storage_class_and_region(client):
    client.create_bucket("test-created-ia", acl="public-read", storage_class="IA", region="cn-hangzhou")
    info = client.get_bucket_info("test-created-ia")
    assert (info.acl, info.storage_class) == ("public-read", "IA")
    with pytest.raises(ClientError):
        client.create_bucket("test-created-elsewhere", region="oss-cn-beijing")
    client.delete_bucket("test-created-ia")


def test_list_buckets_paging_and_prefix(client):
    names = [f"test-page-{i}" for i in range(5)]
    for n in names:
        client.create_bucket(n)
    first = client.list_buckets(prefix="test-page-", max_keys=2)
    assert [b.name for b in first.buckets] == names[:2] and first.is_truncated
    second = client.list_buckets(prefix="test-page-", marker=first.next_marker, max_keys=2)
    assert [b.name for b in second.buckets] == names[2:4]
    assert [b.name for b in client.iter_buckets(prefix="test-page-")] == names
    for n in names:
        client.delete_bucket(n)


def test_bucket_acl_round_trip(client, bucket):
    assert client.get_bucket_acl(bucket) == "private"
    client.put_bucket_acl(bucket, "public-read-write")
    assert client.get_bucket_acl(bucket) == "public-read-write"


def test_delete_non_empty_bucket_refused(client, bucket):
    client.put_object(bucket, "x", b"1")
    with pytest.raises(BucketNotEmpty) as exc:
        client.delete_bucket(bucket)
    assert exc.value.status == 409


def _fill(client, bucket, keys):
    for k in keys:
        client.put_object(bucket, k, k.encode())


KEYS = ["a/1", "a/2", "a/b/3", "b", "c d/e+f", "ü/ß", "z%25"]


def test_list_objects_v1_prefix_delimiter_marker(client, bucket):
    _fill(client, bucket, KEYS)
    page = client.list_objects(bucket, delimiter="/")
    assert [o.key for o in page.objects] == ["b", "z%25"]
    assert page.prefixes == ["a/", "c d/", "ü/"]
    page = client.list_objects(bucket, prefix="a/", delimiter="/")
    assert [o.key for o in page.objects] == ["a/1", "a/2"] and page.prefixes == ["a/b/"]
    first = client.list_objects(bucket, max_keys=3)
    assert [o.key for o in first.objects] == ["a/1", "a/2", "a/b/3"] and first.is_truncated
    rest = client.list_objects(bucket, marker=first.next_marker)
    assert [o.key for o in rest.objects] == ["b", "c d/e+f", "z%25", "ü/ß"] and not rest.is_truncated
    obj = rest.objects[0]
    assert obj.size == 1 and obj.etag and obj.last_modified.tzinfo == timezone.utc and obj.type == "Normal"


def test_list_objects_v2_tokens_start_after_owner(client, bucket):
    _fill(client, bucket, KEYS)
    first = client.list_objects_v2(bucket, max_keys=2)
    assert [o.key for o in first.objects] == ["a/1", "a/2"] and first.key_count == 2
    second = client.list_objects_v2(bucket, continuation_token=first.next_continuation_token, max_keys=2)
    assert [o.key for o in second.objects] == ["a/b/3", "b"]
    after = client.list_objects_v2(bucket, start_after="b")
    assert [o.key for o in after.objects] == ["c d/e+f", "z%25", "ü/ß"]
    assert after.objects[0].owner_id is None
    assert client.list_objects_v2(bucket, fetch_owner=True, max_keys=1).objects[0].owner_id


def test_iter_objects_pages_transparently_in_key_order(client, bucket):
    _fill(client, bucket, KEYS)
    entries = list(client.iter_objects(bucket, delimiter="/", page_size=2))
    shown = [e if isinstance(e, str) else e.key for e in entries]
    assert shown == ["a/", "b", "c d/", "z%25", "ü/"]
    assert all(isinstance(e, ObjectSummary) for e in entries if not isinstance(e, str))
    assert [e.key for e in client.iter_objects(bucket, prefix="a/", page_size=1)] == ["a/1", "a/2", "a/b/3"]


def test_missing_bucket_errors(client):
    with pytest.raises(NoSuchBucket):
        client.list_objects("test-no-such-bucket")
    with pytest.raises(NoSuchBucket):
        client.head_object("test-no-such-bucket", "k")
