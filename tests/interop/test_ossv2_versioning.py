"""alibabacloud-oss-v2 drives versioning against the embedded server: states, version ids and delete markers,
the paginator over ListObjectVersions, batch deletes by version, and versionId on the object operations."""

import alibabacloud_oss_v2 as oss
import pytest

from .conftest import fresh_name


def _fails(call, code: str, status: int):
    with pytest.raises(oss.exceptions.OperationError) as err:
        call()
    found = err.value.unwrap()
    assert (found.code, found.status_code) == (code, status), found
    return found


def _set(c, b, status):
    return c.put_bucket_versioning(
        oss.PutBucketVersioningRequest(bucket=b, versioning_configuration=oss.VersioningConfiguration(status=status))
    )


def _status(c, b):
    return c.get_bucket_versioning(oss.GetBucketVersioningRequest(bucket=b)).version_status


@pytest.fixture
def vb(v2_client, v2_bucket):
    _set(v2_client, v2_bucket, "Enabled")
    return v2_bucket


def test_states(v2_client, v2_bucket):
    c, b = v2_client, v2_bucket
    assert _status(c, b) is None
    assert _set(c, b, "Enabled").status_code == 200
    assert _status(c, b) == "Enabled"
    assert c.get_bucket_info(oss.GetBucketInfoRequest(bucket=b)).bucket_info.versioning == "Enabled"
    _set(c, b, "Suspended")
    assert _status(c, b) == "Suspended"
    _fails(lambda: _set(c, b, "Off"), "MalformedXML", 400)
    assert _status(c, b) == "Suspended"


def test_missing_bucket(v2_client):
    b = fresh_name("gone")
    _fails(lambda: _status(v2_client, b), "NoSuchBucket", 404)
    _fails(lambda: _set(v2_client, b, "Enabled"), "NoSuchBucket", 404)
    _fails(lambda: v2_client.list_object_versions(oss.ListObjectVersionsRequest(bucket=b)), "NoSuchBucket", 404)


def test_versions_markers_and_reads(v2_client, vb):
    c, b = v2_client, vb
    v1 = c.put_object(oss.PutObjectRequest(bucket=b, key="k", body=b"one")).version_id
    v2 = c.put_object(oss.PutObjectRequest(bucket=b, key="k", body=b"two")).version_id
    assert v1 and v2 and v1 != v2
    got = c.get_object(oss.GetObjectRequest(bucket=b, key="k", version_id=v1))
    assert got.body.read() == b"one" and got.version_id == v1
    assert c.head_object(oss.HeadObjectRequest(bucket=b, key="k")).version_id == v2
    assert c.get_object_meta(oss.GetObjectMetaRequest(bucket=b, key="k", version_id=v1)).content_length == 3

    deleted = c.delete_object(oss.DeleteObjectRequest(bucket=b, key="k"))
    assert deleted.delete_marker is True and deleted.version_id
    err = _fails(lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="k")), "NoSuchKey", 404)
    assert err.headers.get("x-oss-delete-marker") == "true"
    _fails(
        lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="k", version_id=deleted.version_id)),
        "MethodNotAllowed",
        405,
    )
    _fails(lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="k", version_id="bad")), "InvalidArgument", 400)
    unknown = "CAEQJhiBgIDVmYrr1RYiIGE5ZmUxMjViZDIwYjQwY2I5ODA1YWIxNmIyNDNjYjk4"
    _fails(lambda: c.head_object(oss.HeadObjectRequest(bucket=b, key="k", version_id=unknown)), "NoSuchVersion", 404)

    listed = c.list_object_versions(oss.ListObjectVersionsRequest(bucket=b))
    assert [(v.key, v.version_id, v.is_latest, v.size) for v in listed.version] == [
        ("k", v2, False, 3),
        ("k", v1, False, 3),
    ]
    assert [(m.key, m.version_id, m.is_latest) for m in listed.delete_marker] == [("k", deleted.version_id, True)]
    assert listed.version[0].owner.id and listed.version[0].etag.startswith('"')

    undone = c.delete_object(oss.DeleteObjectRequest(bucket=b, key="k", version_id=deleted.version_id))
    assert undone.delete_marker is True and undone.version_id == deleted.version_id
    assert c.get_object(oss.GetObjectRequest(bucket=b, key="k")).body.read() == b"two"


def test_paginator_and_encoding(v2_client, vb):
    c, b = v2_client, vb
    keys = ["a", "dir/b", "dir/c d", "e\u4e2d"]
    ids = {
        k: [c.put_object(oss.PutObjectRequest(bucket=b, key=k, body=b"%d" % n)).version_id for n in range(3)]
        for k in keys
    }
    paginator = c.list_object_versions_paginator(limit=2)
    pages = list(paginator.iter_page(oss.ListObjectVersionsRequest(bucket=b, encoding_type="url")))
    assert len(pages) == 6 and all(len(p.version) == 2 for p in pages)
    assert [(v.key, v.version_id) for p in pages for v in p.version] == [(k, i) for k in keys for i in reversed(ids[k])]
    grouped = c.list_object_versions(oss.ListObjectVersionsRequest(bucket=b, delimiter="/", prefix=""))
    assert [p.prefix for p in grouped.common_prefixes] == ["dir/"]
    _fails(
        lambda: c.list_object_versions(oss.ListObjectVersionsRequest(bucket=b, version_id_marker=ids["a"][0])),
        "InvalidArgument",
        400,
    )


def test_batch_delete_by_version(v2_client, vb):
    c, b = v2_client, vb
    v1 = c.put_object(oss.PutObjectRequest(bucket=b, key="x", body=b"1")).version_id
    c.put_object(oss.PutObjectRequest(bucket=b, key="x", body=b"2"))
    result = c.delete_multiple_objects(
        oss.DeleteMultipleObjectsRequest(
            bucket=b, objects=[oss.DeleteObject(key="x"), oss.DeleteObject(key="x", version_id=v1)]
        )
    )
    marker, removed = result.deleted_objects
    assert marker.delete_marker is True and marker.delete_marker_version_id
    assert removed.version_id == v1 and not removed.delete_marker
    listed = c.list_object_versions(oss.ListObjectVersionsRequest(bucket=b))
    assert len(listed.version) == 1 and len(listed.delete_marker) == 1
    _fails(
        lambda: c.delete_multiple_objects(
            oss.DeleteMultipleObjectsRequest(bucket=b, objects=[oss.DeleteObject(key="x", version_id="234")])
        ),
        "InvalidArgument",
        400,
    )


def test_copy_tagging_acl_symlink_by_version(v2_client, vb):
    c, b = v2_client, vb
    v1 = c.put_object(oss.PutObjectRequest(bucket=b, key="s", body=b"old", tagging="t=1")).version_id
    c.put_object(oss.PutObjectRequest(bucket=b, key="s", body=b"new"))
    copied = c.copy_object(oss.CopyObjectRequest(bucket=b, key="d", source_key="s", source_version_id=v1))
    assert copied.version_id and copied.source_version_id == v1
    assert c.get_object(oss.GetObjectRequest(bucket=b, key="d")).body.read() == b"old"

    tags = c.get_object_tagging(oss.GetObjectTaggingRequest(bucket=b, key="s", version_id=v1))
    assert [(t.key, t.value) for t in tags.tag_set.tags] == [("t", "1")] and tags.version_id == v1
    c.put_object_tagging(
        oss.PutObjectTaggingRequest(
            bucket=b,
            key="s",
            version_id=v1,
            tagging=oss.Tagging(tag_set=oss.TagSet(tags=[oss.Tag(key="t", value="2")])),
        )
    )
    tags = c.get_object_tagging(oss.GetObjectTaggingRequest(bucket=b, key="s", version_id=v1))
    assert [(t.key, t.value) for t in tags.tag_set.tags] == [("t", "2")]
    assert c.get_object_tagging(oss.GetObjectTaggingRequest(bucket=b, key="s")).tag_set.tags in (None, [])
    c.delete_object_tagging(oss.DeleteObjectTaggingRequest(bucket=b, key="s", version_id=v1))
    assert c.get_object_tagging(oss.GetObjectTaggingRequest(bucket=b, key="s", version_id=v1)).tag_set.tags in (
        None,
        [],
    )

    c.put_object_acl(oss.PutObjectAclRequest(bucket=b, key="s", acl="public-read", version_id=v1))
    assert c.get_object_acl(oss.GetObjectAclRequest(bucket=b, key="s", version_id=v1)).acl == "public-read"
    assert c.get_object_acl(oss.GetObjectAclRequest(bucket=b, key="s")).acl == "default"

    link = c.put_symlink(oss.PutSymlinkRequest(bucket=b, key="l", target="s")).version_id
    c.put_symlink(oss.PutSymlinkRequest(bucket=b, key="l", target="d"))
    assert c.get_symlink(oss.GetSymlinkRequest(bucket=b, key="l", version_id=link)).target == "s"
    assert c.get_symlink(oss.GetSymlinkRequest(bucket=b, key="l")).target == "d"


def test_restore_by_version(v2_client, vb, server_clock):
    c, b = v2_client, vb
    v1 = c.put_object(oss.PutObjectRequest(bucket=b, key="a", body=b"1", storage_class="Archive")).version_id
    c.put_object(oss.PutObjectRequest(bucket=b, key="a", body=b"2", storage_class="Archive"))
    assert c.restore_object(oss.RestoreObjectRequest(bucket=b, key="a", version_id=v1)).status_code == 202
    server_clock.advance(server_clock.delay)
    assert c.get_object(oss.GetObjectRequest(bucket=b, key="a", version_id=v1)).body.read() == b"1"
    _fails(lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="a")), "InvalidObjectState", 403)
