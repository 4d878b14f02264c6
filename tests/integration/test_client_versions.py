"""The client core's versioning: bucket states, listing versions and delete markers page by page or all at
once, and deleting given versions."""

import pytest

from ossh.client import ClientError


def test_states(client, bucket):
    assert client.get_bucket_versioning(bucket) is None
    client.put_bucket_versioning(bucket, "enabled")
    assert client.get_bucket_versioning(bucket) == "Enabled"
    client.put_bucket_versioning(bucket, "Suspended")
    assert client.get_bucket_versioning(bucket) == "Suspended"
    with pytest.raises(ClientError, match="versioning is Enabled or Suspended, not 'off'"):
        client.put_bucket_versioning(bucket, "off")


def test_list_and_iterate_versions(client, bucket):
    client.put_bucket_versioning(bucket, "Enabled")
    for n in range(3):
        client.put_object(bucket, "a b", b"%d" % n)
    client.put_object(bucket, "dir/x", b"x")
    client.delete_object(bucket, "a b")
    page = client.list_object_versions(bucket, max_keys=2)
    assert page.is_truncated and page.next_key_marker == "a b"
    first, second = page.versions
    assert first.delete_marker and first.is_latest and first.key == "a b"
    assert not second.delete_marker and not second.is_latest and second.size == 1 and second.etag
    every = list(client.iter_object_versions(bucket, page_size=2))
    assert [(v.key, v.delete_marker) for v in every] == [
        ("a b", True),
        ("a b", False),
        ("a b", False),
        ("a b", False),
        ("dir/x", False),
    ]
    assert len({v.version_id for v in every}) == 5
    assert list(client.iter_object_versions(bucket, delimiter="/"))[-1] == "dir/"


def test_delete_object_versions(client, bucket):
    client.put_bucket_versioning(bucket, "Enabled")
    client.put_object(bucket, "k", b"1")
    client.put_object(bucket, "k", b"2")
    marker = client.delete_object_versions(bucket, [("k", None)])[0]
    assert marker.delete_marker and marker.delete_marker_version_id
    entries = [(v.key, v.version_id) for v in client.iter_object_versions(bucket)]
    results = client.delete_object_versions(bucket, entries)
    assert sorted(r.version_id for r in results) == sorted(v for _, v in entries)
    assert [r.delete_marker for r in results] == [True, False, False]
    assert list(client.iter_object_versions(bucket)) == []
    client.delete_bucket(bucket)


def test_version_id_on_object_operations(client, bucket):
    client.put_bucket_versioning(bucket, "Enabled")
    v1 = client.put_object(bucket, "k", b"one").version_id
    v2 = client.put_object(bucket, "k", b"two").version_id
    assert v1 and v2 and v1 != v2
    assert client.get_object(bucket, "k", version_id=v1).read() == b"one"
    assert client.head_object(bucket, "k", version_id=v1).version_id == v1
    assert client.get_object_meta(bucket, "k", version_id=v1).size == 3
    assert client.head_object(bucket, "k").version_id == v2

    copied = client.copy_object(bucket, "k", bucket, "c", source_version_id=v1)
    assert copied.source_version_id == v1 and copied.version_id
    assert client.get_object(bucket, "c").read() == b"one"

    client.put_object_tagging(bucket, "k", [("a", "1")], version_id=v1)
    assert client.get_object_tagging(bucket, "k", version_id=v1) == [("a", "1")]
    assert client.get_object_tagging(bucket, "k") == []
    client.delete_object_tagging(bucket, "k", version_id=v1)
    assert client.get_object_tagging(bucket, "k", version_id=v1) == []
    client.put_object_acl(bucket, "k", "public-read", version_id=v1)
    assert client.get_object_acl(bucket, "k", version_id=v1) == "public-read"
    assert client.get_object_acl(bucket, "k") == "default"

    marker = client.delete_object(bucket, "k")
    assert marker.delete_marker and marker.version_id
    gone = client.delete_object(bucket, "k", version_id=v2)
    assert gone.version_id == v2 and not gone.delete_marker
    with pytest.raises(ClientError, match="version id"):
        client.get_object(bucket, "k", version_id="")


def test_unversioned_bucket_has_no_version_ids(client, bucket):
    assert client.put_object(bucket, "k", b"x").version_id is None
    assert client.head_object(bucket, "k").version_id is None
    assert client.get_object(bucket, "k", version_id="null").read() == b"x"
    result = client.delete_object(bucket, "k")
    assert result.version_id is None and not result.delete_marker


def test_download_a_version(client, bucket, tmp_path):
    client.put_bucket_versioning(bucket, "Enabled")
    old = bytes(range(256)) * 4096  # 1 MiB: ranged, in parts
    v1 = client.put_object(bucket, "big", old).version_id
    client.put_object(bucket, "big", b"new")
    meta = client.download_file(
        bucket, "big", tmp_path / "a", version_id=v1, threshold=100_000, part_size=300_000, threads=3
    )
    assert (tmp_path / "a").read_bytes() == old and meta.version_id == v1
    client.download_file(
        bucket,
        "big",
        tmp_path / "b",
        version_id=v1,
        threshold=100_000,
        part_size=300_000,
        checkpoint_dir=tmp_path / "ckpt",
    )
    assert (tmp_path / "b").read_bytes() == old
    client.get_object_to_file(bucket, "big", tmp_path / "c", version_id=v1)
    assert (tmp_path / "c").read_bytes() == old
    client.download_file(bucket, "big", tmp_path / "d")
    assert (tmp_path / "d").read_bytes() == b"new"
