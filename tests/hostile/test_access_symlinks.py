"""A symlink is two reads: whoever reads through a link must be allowed to read the link and its target, for
GET, HEAD, CopyObject and UploadPartCopy alike, whoever made the link."""

import pytest

from .conftest import error_code

SECRET = b"the private target's bytes"
PUBLIC = b"a public object's bytes"


@pytest.fixture
def site(accounts):
    """A public-read bucket holding a private object, a public one, and links to each."""
    bucket = accounts.bucket("public-read")
    accounts.put(bucket, "secret", SECRET, acl="private")
    accounts.put(bucket, "open", PUBLIC)
    assert accounts.link(bucket, "to-secret", "secret").status_code == 200
    assert accounts.link(bucket, "to-open", "open").status_code == 200
    return bucket


@pytest.mark.parametrize("method", ["GET", "HEAD"])
@pytest.mark.parametrize("who", ["anon", "other"])
def test_a_private_target_is_not_read_through_a_link(accounts, site, method, who):
    actor = getattr(accounts, who)
    assert error_code(actor.call(method, site, "secret")) == "AccessDenied"  # refused directly...
    resp = actor.call(method, site, "to-secret")
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"  # ...and through the link
    assert SECRET not in resp.content and resp.headers.get("Content-Length") != str(len(SECRET))


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_links_still_serve_what_their_reader_may_read(accounts, site, method):
    assert accounts.owner.call(method, site, "to-secret").status_code == 200  # the owner reads anything
    assert accounts.owner.call("GET", site, "to-secret").content == SECRET
    for actor in (accounts.anon, accounts.other):
        resp = actor.call(method, site, "to-open")
        assert resp.status_code == 200 and resp.headers["x-oss-object-type"] == "Symlink"
    assert accounts.anon.call("GET", site, "to-open").content == PUBLIC


def test_get_symlink_reads_the_link_only(accounts, site):
    resp = accounts.anon.call("GET", site, "to-secret", params={"symlink": ""})
    assert resp.status_code == 200 and resp.headers["x-oss-symlink-target"] == "secret" and resp.content == b""


def test_another_account_cannot_copy_a_private_target_through_a_link(accounts, site):
    mine = accounts.bucket(account=accounts.other)
    resp = accounts.other.call("PUT", mine, "loot", headers={"x-oss-copy-source": f"/{site}/to-secret"})
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    assert accounts.other.call("GET", mine, "loot").status_code == 404
    copied = accounts.other.call("PUT", mine, "fine", headers={"x-oss-copy-source": f"/{site}/to-open"})
    assert copied.status_code == 200 and accounts.other.call("GET", mine, "fine").content == PUBLIC


def test_another_account_cannot_upload_part_copy_a_private_target_through_a_link(accounts, site):
    mine = accounts.bucket(account=accounts.other)
    resp = accounts.other.part_copy(mine, "loot", f"/{site}/to-secret")
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    assert accounts.other.part_copy(mine, "loot", f"/{site}/to-open").status_code == 200


def test_the_owner_still_copies_through_a_link(accounts, site):
    resp = accounts.owner.call("PUT", site, "copy", headers={"x-oss-copy-source": f"/{site}/to-secret"})
    assert resp.status_code == 200 and accounts.body(site, "copy") == SECRET


def test_a_link_anyone_made_in_a_public_read_write_bucket_reads_nothing_private(accounts):
    bucket = accounts.bucket("public-read-write")
    accounts.put(bucket, "secret", SECRET, acl="private")
    assert accounts.link(bucket, "mine", "secret", actor=accounts.anon).status_code == 200  # writing a link is fine
    for method in ("GET", "HEAD"):
        assert error_code(accounts.anon.call(method, bucket, "mine")) == "AccessDenied"
    mine = accounts.bucket(account=accounts.other)
    assert accounts.link(bucket, "theirs", "secret", actor=accounts.other).status_code == 200
    copy = accounts.other.call("PUT", mine, "loot", headers={"x-oss-copy-source": f"/{bucket}/theirs"})
    assert error_code(copy) == "AccessDenied"


def test_a_link_cannot_replace_a_private_object(accounts):
    bucket = accounts.bucket("public-read-write")
    accounts.put(bucket, "secret", SECRET, acl="private")
    accounts.put(bucket, "open", PUBLIC, acl="public-read")
    assert error_code(accounts.link(bucket, "secret", "open", actor=accounts.anon)) == "AccessDenied"
    assert accounts.body(bucket, "secret") == SECRET


def test_an_old_version_of_a_link_reads_its_target_as_it_is_now(accounts):
    bucket = accounts.bucket("public-read", versioned=True)
    accounts.put(bucket, "secret", SECRET, acl="private")
    accounts.put(bucket, "open", PUBLIC)
    old = accounts.link(bucket, "link", "secret").headers["x-oss-version-id"]
    assert accounts.link(bucket, "link", "open").status_code == 200
    assert accounts.anon.call("GET", bucket, "link").content == PUBLIC
    resp = accounts.anon.call("GET", bucket, "link", params={"versionId": old})
    assert resp.status_code == 403 and SECRET not in resp.content
    assert accounts.owner.call("GET", bucket, "link", params={"versionId": old}).content == SECRET


def test_a_link_whose_target_is_gone_is_still_404(accounts):
    bucket = accounts.bucket("public-read")
    assert accounts.link(bucket, "dangling", "nothing-here").status_code == 200
    resp = accounts.anon.call("GET", bucket, "dangling")
    assert resp.status_code == 404 and error_code(resp) == "SymlinkTargetNotExist"
