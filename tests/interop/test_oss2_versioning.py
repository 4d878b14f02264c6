"""oss2 drives versioning against the embedded server: bucket states, version ids, delete markers, the null
version, ListObjectVersions paging, and versionId on every object operation that takes one."""

import oss2
import pytest
from oss2.models import BatchDeleteObjectVersion, BatchDeleteObjectVersionList, BucketVersioningConfig

from .conftest import REGION, fresh_name


def _versioning(bucket, status):
    config = BucketVersioningConfig()
    config.status = status
    return bucket.put_bucket_versioning(config)


@pytest.fixture
def vbucket(oss2_bucket):
    _versioning(oss2_bucket, oss2.BUCKET_VERSIONING_ENABLE)
    return oss2_bucket


def _all_versions(bucket, **kwargs):
    result = bucket.list_object_versions(**kwargs)
    return [(v.key, v.versionid, v.is_latest) for v in result.versions], [
        (m.key, m.versionid, m.is_latest) for m in result.delete_marker
    ]


def test_states_and_bucket_info(oss2_bucket):
    assert oss2_bucket.get_bucket_versioning().status is None
    assert oss2_bucket.get_bucket_info().versioning_status is None
    assert _versioning(oss2_bucket, oss2.BUCKET_VERSIONING_ENABLE).status == 200
    assert oss2_bucket.get_bucket_versioning().status == "Enabled"
    assert oss2_bucket.get_bucket_info().versioning_status == "Enabled"
    _versioning(oss2_bucket, oss2.BUCKET_VERSIONING_SUSPEND)
    assert oss2_bucket.get_bucket_versioning().status == "Suspended"


def test_bad_status_is_malformed_xml(oss2_bucket):
    with pytest.raises(oss2.exceptions.MalformedXml):
        oss2_bucket.put_bucket_versioning(BucketVersioningConfig())
    for status in ("Disabled", "enabled", ""):
        with pytest.raises(oss2.exceptions.MalformedXml):
            _versioning(oss2_bucket, status)
    assert oss2_bucket.get_bucket_versioning().status is None


def test_missing_bucket_is_no_such_bucket(server, oss2_auth):
    bucket = oss2.Bucket(oss2_auth, server.endpoint, fresh_name("gone"), region=REGION)
    for call in (
        bucket.get_bucket_versioning,
        bucket.list_object_versions,
        lambda: _versioning(bucket, "Enabled"),
        lambda: bucket.get_object("k", params={"versionId": "null"}),
    ):
        with pytest.raises(oss2.exceptions.NoSuchBucket):
            call()


def test_unversioned_bucket_sends_no_version_id(oss2_bucket):
    result = oss2_bucket.put_object("k", b"v")
    assert result.versionid is None
    assert oss2_bucket.head_object("k").versionid is None
    # the object written before versioning is the null version
    assert oss2_bucket.get_object("k", params={"versionId": "null"}).read() == b"v"
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.head_object("k", params={"versionId": "IllegalVersion"})
    assert oss2_bucket.delete_object("k").versionid is None


def test_versions_and_delete_markers(vbucket):
    v1 = vbucket.put_object("k", b"one").versionid
    v2 = vbucket.put_object("k", b"two").versionid
    assert v1 and v2 and v1 != v2
    assert vbucket.get_object("k").read() == b"two"
    assert vbucket.get_object("k", params={"versionId": v1}).read() == b"one"
    head = vbucket.head_object("k", params={"versionId": v1})
    assert head.versionid == v1 and head.content_length == 3
    assert vbucket.get_object_meta("k", params={"versionId": v2}).versionid == v2

    deleted = vbucket.delete_object("k")
    assert deleted.delete_marker is True and deleted.versionid
    marker = deleted.versionid
    with pytest.raises(oss2.exceptions.NoSuchKey) as err:
        vbucket.get_object("k")
    assert err.value.headers.get("x-oss-delete-marker") == "true"
    assert err.value.headers.get("x-oss-version-id") == marker
    assert not vbucket.object_exists("k")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        vbucket.head_object("k", params={"versionId": marker})
    assert err.value.status == 405
    assert [o.key for o in oss2.ObjectIterator(vbucket)] == []

    versions, markers = _all_versions(vbucket)
    assert versions == [("k", v2, False), ("k", v1, False)]
    assert markers == [("k", marker, True)]

    # removing the marker makes the newest real version current again
    removed = vbucket.delete_object("k", params={"versionId": marker})
    assert removed.delete_marker is True and removed.versionid == marker
    assert vbucket.get_object("k").read() == b"two"
    # deleting the current version for good promotes the one before
    removed = vbucket.delete_object("k", params={"versionId": v2})
    assert removed.versionid == v2 and not removed.delete_marker
    assert vbucket.get_object("k").read() == b"one"
    assert vbucket.head_object("k").versionid == v1


def test_version_errors(vbucket):
    v1 = vbucket.put_object("k", b"one").versionid
    unknown = "CAEQJhiBgIDVmYrr1RYiIGE5ZmUxMjViZDIwYjQwY2I5ODA1YWIxNmIyNDNjYjk4"
    with pytest.raises(oss2.exceptions.ServerError) as err:
        vbucket.get_object("k", params={"versionId": unknown})
    assert (err.value.status, err.value.code) == (404, "NoSuchVersion")
    for bad in ("IllegalVersion", "", "234"):
        with pytest.raises(oss2.exceptions.InvalidArgument):
            vbucket.head_object("k", params={"versionId": bad})
        with pytest.raises(oss2.exceptions.InvalidArgument):
            vbucket.get_object_acl("k", params={"versionId": bad})
    with pytest.raises(oss2.exceptions.InvalidArgument):
        vbucket.delete_object("k", params={"versionId": ""})
    with pytest.raises(oss2.exceptions.InvalidArgument):
        vbucket.copy_object(vbucket.bucket_name, "k", "copy", params={"versionId": "NotExistVersionID"})
    with pytest.raises(oss2.exceptions.InvalidArgument):
        vbucket.delete_object_versions(BatchDeleteObjectVersionList([BatchDeleteObjectVersion("k", "234")]))
    assert vbucket.get_object("k", params={"versionId": v1}).read() == b"one"


def test_suspended_null_version(vbucket):
    v1 = vbucket.put_object("k", b"one").versionid
    _versioning(vbucket, oss2.BUCKET_VERSIONING_SUSPEND)
    assert vbucket.put_object("k", b"null-1").versionid == "null"
    assert vbucket.put_object("k", b"null-2").versionid == "null"  # replaces the null version
    versions, _ = _all_versions(vbucket)
    assert versions == [("k", "null", True), ("k", v1, False)]
    assert vbucket.head_object("k").versionid == "null"
    deleted = vbucket.delete_object("k")
    assert deleted.delete_marker and deleted.versionid == "null"
    versions, markers = _all_versions(vbucket)
    assert versions == [("k", v1, False)] and markers == [("k", "null", True)]
    vbucket.delete_object("k", params={"versionId": "null"})
    assert vbucket.get_object("k").read() == b"one"
    # enabled again: the old versions stay, new writes get fresh ids
    _versioning(vbucket, oss2.BUCKET_VERSIONING_ENABLE)
    v3 = vbucket.put_object("k", b"three").versionid
    assert v3 not in ("null", v1)


def test_list_object_versions_paging(vbucket):
    ids = {}
    for key in ("a", "b/1", "b/2", "c"):
        ids[key] = [vbucket.put_object(key, key.encode() + b"%d" % n).versionid for n in range(3)]
    marker = vbucket.delete_object("c").versionid
    everything = []
    key_marker = version_marker = ""
    pages = 0
    while True:
        page = vbucket.list_object_versions(max_keys=2, key_marker=key_marker, versionid_marker=version_marker)
        pages += 1
        entries = [(v.key, v.versionid) for v in page.versions] + [(m.key, m.versionid) for m in page.delete_marker]
        assert len(entries) <= 2
        everything += entries
        if not page.is_truncated:
            break
        key_marker, version_marker = page.next_key_marker, page.next_versionid_marker
    expected = (
        [(k, v) for k in ("a", "b/1", "b/2") for v in reversed(ids[k])]
        + [("c", marker)]
        + [("c", v) for v in reversed(ids["c"])]
    )
    assert sorted(everything) == sorted(expected) and pages == 7

    grouped = vbucket.list_object_versions(delimiter="/")
    assert grouped.common_prefix == ["b/"]
    assert {v.key for v in grouped.versions} == {"a", "c"}
    under = vbucket.list_object_versions(prefix="b/", max_keys=4)
    assert [(v.key, v.versionid) for v in under.versions] == [("b/1", i) for i in reversed(ids["b/1"])] + [
        ("b/2", ids["b/2"][2])
    ]
    assert under.is_truncated and under.next_key_marker == "b/2"
    rest = vbucket.list_object_versions(prefix="b/", key_marker="b/2", versionid_marker=ids["b/2"][2])
    assert [v.versionid for v in rest.versions] == [ids["b/2"][1], ids["b/2"][0]]
    assert not rest.is_truncated


def test_list_object_versions_limits(vbucket):
    for name in ("prefix", "key_marker", "versionid_marker", "delimiter"):
        with pytest.raises(oss2.exceptions.InvalidArgument):
            vbucket.list_object_versions(**{name: "a" * 1025})
    with pytest.raises(oss2.exceptions.InvalidArgument):
        vbucket.list_object_versions(max_keys=1001)


def test_url_encoded_keys_in_listing(vbucket):
    key = "dir/ctl\x01-中文 +%"
    version = vbucket.put_object(key, b"x").versionid
    vbucket.delete_object(key)
    result = vbucket.list_object_versions(prefix="dir/")
    assert [(v.key, v.versionid) for v in result.versions] == [(key, version)]
    assert [m.key for m in result.delete_marker] == [key]


def test_batch_delete_with_versions(vbucket):
    a1 = vbucket.put_object("a", b"1").versionid
    a2 = vbucket.put_object("a", b"2").versionid
    vbucket.put_object("b", b"1")
    # plain keys in a versioned bucket: delete markers
    result = vbucket.batch_delete_objects(["a", "b"])
    assert sorted(result.deleted_keys) == ["a", "b"]
    assert all(d.delete_marker and d.delete_marker_versionid for d in result.delete_versions)
    listed = vbucket.list_object_versions()
    assert len(listed.versions) == 3 and len(listed.delete_marker) == 2
    # every version and marker by id: the bucket ends empty and can be deleted
    objects = BatchDeleteObjectVersionList()
    for v in listed.versions:
        objects.append(BatchDeleteObjectVersion(v.key, v.versionid))
    for m in listed.delete_marker:
        objects.append(BatchDeleteObjectVersion(m.key, m.versionid))
    result = vbucket.delete_object_versions(objects)
    assert len(result.delete_versions) == 5
    by_id = {d.versionid: d for d in result.delete_versions}
    assert not by_id[a1].delete_marker and not by_id[a2].delete_marker
    markers = [d for d in result.delete_versions if d.delete_marker]
    assert len(markers) == 2 and all(d.delete_marker_versionid == d.versionid for d in markers)
    assert vbucket.list_object_versions().versions == []
    vbucket.delete_bucket()


def test_bucket_with_versions_is_not_empty(vbucket):
    version = vbucket.put_object("k", b"x").versionid
    vbucket.delete_object("k")
    with pytest.raises(oss2.exceptions.BucketNotEmpty):
        vbucket.delete_bucket()
    marker = vbucket.list_object_versions().delete_marker[0].versionid
    vbucket.delete_object("k", params={"versionId": version})
    vbucket.delete_object("k", params={"versionId": marker})
    vbucket.delete_bucket()


def test_copy_from_a_version(vbucket):
    v1 = vbucket.put_object("src", b"old").versionid
    vbucket.put_object("src", b"new")
    result = vbucket.copy_object(vbucket.bucket_name, "src", "dst", params={"versionId": v1})
    assert result.versionid and result.headers["x-oss-copy-source-version-id"] == v1
    assert vbucket.get_object("dst").read() == b"old"
    # UploadPartCopy takes a source version too
    upload = vbucket.init_multipart_upload("mp").upload_id
    vbucket.upload_part_copy(vbucket.bucket_name, "src", (0, 2), "mp", upload, 1, params={"versionId": v1})
    parts = vbucket.list_parts("mp", upload).parts
    done = vbucket.complete_multipart_upload("mp", upload, parts)
    assert done.versionid
    assert vbucket.get_object("mp").read() == b"old"


def test_tagging_acl_symlink_restore_by_version(vbucket):
    v1 = vbucket.put_object("k", b"one").versionid
    v2 = vbucket.put_object("k", b"two").versionid
    rule = oss2.models.TaggingRule()
    rule.add("k1", "v1")
    vbucket.put_object_tagging("k", oss2.models.Tagging(rule), params={"versionId": v1})
    assert vbucket.get_object_tagging("k", params={"versionId": v1}).tag_set.tagging_rule == {"k1": "v1"}
    assert vbucket.get_object_tagging("k").tag_set.tagging_rule == {}
    vbucket.delete_object_tagging("k", params={"versionId": v1})
    assert vbucket.get_object_tagging("k", params={"versionId": v1}).tag_set.tagging_rule == {}

    vbucket.put_object_acl("k", oss2.OBJECT_ACL_PUBLIC_READ, params={"versionId": v1})
    assert vbucket.get_object_acl("k", params={"versionId": v1}).acl == oss2.OBJECT_ACL_PUBLIC_READ
    assert vbucket.get_object_acl("k", params={"versionId": v2}).acl == oss2.OBJECT_ACL_DEFAULT
    assert vbucket.get_object_acl("k").acl == oss2.OBJECT_ACL_DEFAULT

    link = vbucket.put_symlink("k", "link").versionid
    assert link
    assert vbucket.get_symlink("link", params={"versionId": link}).target_key == "k"
    vbucket.put_symlink("k2", "link")
    assert vbucket.get_symlink("link").target_key == "k2"
    assert vbucket.get_symlink("link", params={"versionId": link}).target_key == "k"
    assert vbucket.get_object("link", params={"versionId": link}).read() == b"two"

    marker = vbucket.delete_object("k").versionid
    with pytest.raises(oss2.exceptions.ServerError) as err:
        vbucket.get_object_acl("k", params={"versionId": marker})
    assert err.value.status == 405

    params = {"versionId": link}
    vbucket.get_symlink("link", params=params)  # oss2 leaves "symlink" in the dict it was given ...
    assert vbucket.delete_object("link", params=params).versionid == link  # ... and DELETE takes it along
    assert vbucket.get_symlink("link").target_key == "k2"


def test_anonymous_read_follows_the_version_acl(server, vbucket):
    v1 = vbucket.put_object("k", b"public", headers={"x-oss-object-acl": "public-read"}).versionid
    v2 = vbucket.put_object("k", b"private").versionid
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), server.endpoint, vbucket.bucket_name, region=REGION)
    assert anonymous.get_object("k", params={"versionId": v1}).read() == b"public"
    for call in (lambda: anonymous.get_object("k"), lambda: anonymous.get_object("k", params={"versionId": v2})):
        with pytest.raises(oss2.exceptions.AccessDenied):
            call()


def test_restore_a_version(vbucket, server_clock):
    v1 = vbucket.put_object("cold", b"one", headers={"x-oss-storage-class": "Archive"}).versionid
    vbucket.put_object("cold", b"two", headers={"x-oss-storage-class": "Archive"})
    assert vbucket.restore_object("cold", params={"versionId": v1}).status == 202
    listed = {v.versionid: v for v in vbucket.list_object_versions().versions}
    assert 'ongoing-request="true"' in listed[v1].restore_info
    assert [v.restore_info for k, v in listed.items() if k != v1] == [None]
    server_clock.advance(120)
    assert vbucket.get_object("cold", params={"versionId": v1}).read() == b"one"
    with pytest.raises(oss2.exceptions.ServerError):
        vbucket.get_object("cold")  # the current version was never restored


def test_append_in_a_versioned_bucket(vbucket):
    first = vbucket.append_object("log", 0, b"a")
    assert first.versionid
    vbucket.append_object("log", 1, b"b")  # appends grow the current version: no new one
    assert [v.versionid for v in vbucket.list_object_versions().versions] == [first.versionid]
    with pytest.raises(oss2.exceptions.InvalidArgument):  # oss2's append_object takes no params: its raw call
        vbucket._Bucket__do_object(
            "POST", "log", data=b"c", params={"append": "", "position": "2", "versionId": first.versionid}
        )
    vbucket.delete_object("log")
    again = vbucket.append_object("log", 0, b"new")  # a new appendable version above the delete marker
    assert again.versionid not in (None, first.versionid)
    assert vbucket.get_object("log", params={"versionId": first.versionid}).read() == b"ab"


def test_bucket_stat_counts_delete_markers(vbucket):
    vbucket.put_object("k", b"x")
    vbucket.delete_object("k")
    vbucket.delete_object("gone")
    assert vbucket.get_bucket_stat().delete_marker_count == 2


def test_lifecycle_rules_for_versions(vbucket):
    from oss2.models import (
        BucketLifecycle,
        LifecycleExpiration,
        LifecycleRule,
        NoncurrentVersionExpiration,
        NoncurrentVersionStorageTransition,
    )

    def rule(ia_days, archive_days):
        return BucketLifecycle(
            [
                LifecycleRule(
                    "r1",
                    "logs/",
                    status=LifecycleRule.ENABLED,
                    expiration=LifecycleExpiration(expired_detete_marker=True),
                    noncurrent_version_expiration=NoncurrentVersionExpiration(30),
                    noncurrent_version_sotrage_transitions=[
                        NoncurrentVersionStorageTransition(ia_days, oss2.BUCKET_STORAGE_CLASS_IA),
                        NoncurrentVersionStorageTransition(archive_days, oss2.BUCKET_STORAGE_CLASS_ARCHIVE),
                    ],
                )
            ]
        )

    vbucket.put_bucket_lifecycle(rule(12, 20))  # oss2 writes ExpiredObjectDeleteMarker as "True"
    stored = vbucket.get_bucket_lifecycle().rules[0]
    assert stored.expiration.expired_detete_marker is True
    assert stored.noncurrent_version_expiration.noncurrent_days == 30
    with pytest.raises(oss2.exceptions.InvalidArgument):
        vbucket.put_bucket_lifecycle(rule(20, 12))  # Archive before IA


def test_resumable_download_of_a_version(vbucket, tmp_path):
    v1 = vbucket.put_object("big", b"a" * 300_000).versionid
    vbucket.put_object("big", b"b" * 10)
    target = tmp_path / "out"
    oss2.resumable_download(
        vbucket, "big", str(target), multiget_threshold=100_000, part_size=100_000, params={"versionId": v1}
    )
    assert target.read_bytes() == b"a" * 300_000
