"""A named version is its own object: every operation that takes a version id (GET, HEAD, objectMeta, copy
source, UploadPartCopy, delete, DeleteMultipleObjects, restore) is authorised on that version's own record,
never on the current version's or, under a delete marker, the bucket's."""

import pytest

from .conftest import error_code

OLD = b"an old version, private"
NEW = b"the current version, public"


@pytest.fixture
def history(accounts):
    """(bucket, old version id, new version id): a versioned public-read bucket whose key `doc` has a private
    old version under a public-read current one."""
    bucket = accounts.bucket("public-read", versioned=True)
    old = accounts.put(bucket, "doc", OLD, acl="private").headers["x-oss-version-id"]
    new = accounts.put(bucket, "doc", NEW, acl="public-read").headers["x-oss-version-id"]
    return bucket, old, new


def _copy(accounts, bucket, version):
    mine = accounts.bucket(account=accounts.other)
    return accounts.other.call("PUT", mine, "loot", headers={"x-oss-copy-source": f"/{bucket}/doc?versionId={version}"})


def _part_copy(accounts, bucket, version):
    mine = accounts.bucket(account=accounts.other)
    return accounts.other.part_copy(mine, "loot", f"/{bucket}/doc?versionId={version}")


@pytest.mark.parametrize("copy", [_copy, _part_copy])
def test_another_account_cannot_copy_a_private_old_version(accounts, history, copy):
    bucket, old, new = history
    resp = copy(accounts, bucket, old)
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    assert copy(accounts, bucket, new).status_code == 200  # the public one copies


@pytest.mark.parametrize("copy", [_copy, _part_copy])
def test_nor_after_the_key_was_deleted(accounts, history, copy):
    bucket, old, _new = history
    assert accounts.owner.call("DELETE", bucket, "doc").headers["x-oss-delete-marker"] == "true"
    resp = copy(accounts, bucket, old)
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"


@pytest.mark.parametrize(
    ("method", "params"), [("GET", {}), ("HEAD", {}), ("HEAD", {"objectMeta": ""}), ("GET", {"symlink": ""})]
)
def test_a_private_old_version_is_not_read_by_anyone_after_a_delete(accounts, history, method, params):
    bucket, old, _new = history
    accounts.owner.call("DELETE", bucket, "doc")
    resp = accounts.anon.call(method, bucket, "doc", params={**params, "versionId": old})
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"


def test_a_public_old_version_under_a_private_current_one_is_readable(accounts):
    bucket = accounts.bucket("private", versioned=True)
    old = accounts.put(bucket, "doc", OLD, acl="public-read").headers["x-oss-version-id"]
    accounts.put(bucket, "doc", NEW, acl="private")
    assert accounts.anon.call("GET", bucket, "doc", params={"versionId": old}).content == OLD
    assert error_code(accounts.anon.call("GET", bucket, "doc")) == "AccessDenied"
    mine = accounts.bucket(account=accounts.other)
    copied = accounts.other.call("PUT", mine, "k", headers={"x-oss-copy-source": f"/{bucket}/doc?versionId={old}"})
    assert copied.status_code == 200 and accounts.other.call("GET", mine, "k").content == OLD


def test_writes_to_a_private_old_version_are_refused_in_a_public_read_write_bucket(accounts):
    bucket = accounts.bucket("public-read-write", versioned=True)
    old = accounts.put(bucket, "doc", OLD, acl="private").headers["x-oss-version-id"]
    accounts.put(bucket, "doc", NEW, acl="public-read-write")
    batch = accounts.anon.delete_objects(bucket, ("doc", old))
    assert batch.status_code == 403 and error_code(batch) == "AccessDenied"
    one = accounts.anon.call("DELETE", bucket, "doc", params={"versionId": old})
    assert one.status_code == 403 and error_code(one) == "AccessDenied"
    restore = accounts.anon.call("POST", bucket, "doc", params={"restore": "", "versionId": old})
    assert error_code(restore) == "AccessDenied"
    assert accounts.owner.call("GET", bucket, "doc", params={"versionId": old}).content == OLD
