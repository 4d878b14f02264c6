"""Block public access cannot be side-stepped: while it is on, no path that sets an ACL sets a public one —
PutBucketAcl, PutBucket again on one's own bucket, PutObjectAcl, PutObject, CopyObject, AppendObject,
PutSymlink, InitiateMultipartUpload, CompleteMultipartUpload (its own ACL or the upload's) and PostObject."""

import pytest

from .conftest import error_code

BLOCK = b"<PublicAccessBlockConfiguration><BlockPublicAccess>true</BlockPublicAccess></PublicAccessBlockConfiguration>"


def _block(accounts, bucket, on=True):
    body = BLOCK if on else BLOCK.replace(b"true", b"false")
    assert accounts.owner.call("PUT", bucket, params={"publicAccessBlock": ""}, data=body).status_code == 200


@pytest.fixture
def blocked(accounts):
    bucket = accounts.bucket("private")
    accounts.put(bucket, "obj", b"bytes")
    _block(accounts, bucket)
    return bucket


def _bucket_acl(accounts, bucket):
    text = accounts.owner.call("GET", bucket, params={"acl": ""}).text
    return text.split("<Grant>", 1)[1].split("</Grant>", 1)[0]


@pytest.mark.parametrize("acl", ["public-read", "public-read-write"])
def test_put_bucket_again_cannot_make_the_bucket_public(accounts, blocked, acl):
    resp = accounts.owner.call("PUT", blocked, headers={"x-oss-acl": acl})
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    assert _bucket_acl(accounts, blocked) == "private"
    assert accounts.owner.call("PUT", blocked, headers={"x-oss-acl": "private"}).status_code == 200
    fresh = f"{blocked}-new"  # a new bucket has no block to honour
    assert accounts.owner.call("PUT", fresh, headers={"x-oss-acl": acl}).status_code == 200


def _upload(accounts, bucket, key, headers=None):
    upload = accounts.owner.initiate(bucket, key, headers)
    part = accounts.owner.call("PUT", bucket, key, params={"partNumber": "1", "uploadId": upload}, data=b"part")
    return upload, part.headers["ETag"]


def test_complete_multipart_upload_cannot_set_a_public_acl(accounts, blocked):
    upload, etag = _upload(accounts, blocked, "mp")
    resp = accounts.owner.complete(blocked, "mp", upload, etag, {"x-oss-object-acl": "public-read"})
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    assert accounts.body(blocked, "mp") is None
    assert accounts.owner.complete(blocked, "mp", upload, etag, {"x-oss-object-acl": "private"}).status_code == 200


def test_an_upload_begun_public_cannot_complete_once_the_block_is_on(accounts):
    bucket = accounts.bucket("private")
    upload, etag = _upload(accounts, bucket, "mp", {"x-oss-object-acl": "public-read"})
    _block(accounts, bucket)
    assert error_code(accounts.owner.complete(bucket, "mp", upload, etag)) == "AccessDenied"
    _block(accounts, bucket, on=False)
    assert accounts.owner.complete(bucket, "mp", upload, etag).status_code == 200
    assert accounts.acl(bucket, "mp") == "public-read"


def test_an_owner_signed_form_cannot_set_a_public_acl(accounts, blocked):
    resp = accounts.owner.post_form(blocked, {"key": "form", "x-oss-object-acl": "public-read"})
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    assert accounts.body(blocked, "form") is None
    assert accounts.owner.post_form(blocked, {"key": "form", "x-oss-object-acl": "private"}).status_code == 204


def test_every_other_acl_path_refuses_a_public_acl(accounts, blocked):
    owner, public = accounts.owner, {"x-oss-object-acl": "public-read"}
    refused = [
        owner.call("PUT", blocked, params={"acl": ""}, headers={"x-oss-acl": "public-read"}),
        owner.call("PUT", blocked, "obj", params={"acl": ""}, headers=public),
        owner.call("PUT", blocked, "new", headers=public, data=b"x"),
        owner.call("PUT", blocked, "copy", headers={**public, "x-oss-copy-source": f"/{blocked}/obj"}),
        owner.call("POST", blocked, "app", params={"append": "", "position": "0"}, headers=public, data=b"x"),
        owner.call("PUT", blocked, "link", params={"symlink": ""}, headers={**public, "x-oss-symlink-target": "obj"}),
        owner.call("POST", blocked, "mp", params={"uploads": ""}, headers=public),
    ]
    assert [error_code(r) for r in refused] == ["AccessDenied"] * len(refused)
    assert accounts.acl(blocked, "obj") == "default"
