"""An explicit Deny in a bucket policy is honoured before any ACL, on the object actually read or written:
Principal (`*`, an empty list, an account id), Action and Resource (a string or a list, `*` wildcards,
NotAction, NotResource). A statement with a Condition the server cannot evaluate matches nothing. The bucket's
owner is not denied: OSS applies a `*` statement without a Condition to everyone but the owner."""

import json

import pytest

from .conftest import error_code


def _policy(accounts, bucket, *statements):
    doc = {"Version": "1", "Statement": [{"Effect": "Deny", **s} for s in statements]}
    resp = accounts.owner.call("PUT", bucket, params={"policy": ""}, data=json.dumps(doc).encode())
    assert resp.status_code == 200, resp.text


def _objects(bucket, pattern):
    return f"acs:oss:*:*:{bucket}/{pattern}"


@pytest.fixture
def public(accounts):
    """A public-read bucket with secret/x.txt and open/x.txt."""
    bucket = accounts.bucket("public-read")
    accounts.put(bucket, "secret/x.txt", b"secret bytes")
    accounts.put(bucket, "open/x.txt", b"open bytes")
    return bucket


def test_a_deny_of_get_object_refuses_anyone_but_the_owner(accounts, public):
    _policy(
        accounts, public, {"Principal": ["*"], "Action": ["oss:GetObject"], "Resource": [_objects(public, "secret/*")]}
    )
    for actor in (accounts.anon, accounts.other):
        for method in ("GET", "HEAD"):
            resp = actor.call(method, public, "secret/x.txt")
            assert resp.status_code == 403 and error_code(resp) == "AccessDenied", (method, resp.text)
        assert actor.call("GET", public, "open/x.txt").content == b"open bytes"
    assert b"secret bytes" not in accounts.anon.call("GET", public, "secret/x.txt").content
    assert accounts.owner.call("GET", public, "secret/x.txt").content == b"secret bytes"


def test_a_denied_object_is_not_read_another_way(accounts, public):
    _policy(accounts, public, {"Principal": "*", "Action": "oss:GetObject", "Resource": _objects(public, "secret/*")})
    assert accounts.link(public, "open/link", "secret/x.txt").status_code == 200
    assert error_code(accounts.anon.call("GET", public, "open/link")) == "AccessDenied"
    mine = accounts.bucket(account=accounts.other)
    for source in ("secret/x.txt", "open/link"):
        copy = accounts.other.call("PUT", mine, "loot", headers={"x-oss-copy-source": f"/{public}/{source}"})
        assert error_code(copy) == "AccessDenied", source
    site = b"<WebsiteConfiguration><IndexDocument><Suffix>x.txt</Suffix><SupportSubDir>true</SupportSubDir>"
    site += b"</IndexDocument></WebsiteConfiguration>"
    assert accounts.owner.call("PUT", public, params={"website": ""}, data=site).status_code == 200
    assert error_code(accounts.anon.call("GET", public, "secret/")) == "AccessDenied"
    assert accounts.anon.call("GET", public, "open/").content == b"open bytes"


def test_wildcards_in_action_and_resource(accounts, public):
    _policy(accounts, public, {"Principal": [], "Action": "oss:Get*", "Resource": f"acs:oss:*:*:{public}/*"})
    assert error_code(accounts.anon.call("GET", public, "open/x.txt")) == "AccessDenied"
    assert accounts.anon.call("GET", public).status_code == 200  # listing is oss:ListObjects, on the bucket
    _policy(accounts, public, {"Principal": ["*"], "Action": ["oss:*"], "Resource": ["*"]})
    assert error_code(accounts.anon.call("GET", public)) == "AccessDenied"
    assert error_code(accounts.anon.call("GET", public, "open/x.txt")) == "AccessDenied"


def test_actions_are_named_case_insensitively(accounts, public):
    _policy(accounts, public, {"Principal": ["*"], "Action": ["OSS:getobject"], "Resource": [_objects(public, "*")]})
    assert error_code(accounts.anon.call("GET", public, "open/x.txt")) == "AccessDenied"


def test_a_principal_names_one_account(accounts, public):
    other = accounts.other.owner_id
    _policy(accounts, public, {"Principal": [other], "Action": ["oss:GetObject"], "Resource": [_objects(public, "*")]})
    assert error_code(accounts.other.call("GET", public, "open/x.txt")) == "AccessDenied"
    assert accounts.anon.call("GET", public, "open/x.txt").status_code == 200
    _policy(accounts, public, {"Principal": ["someone-else"], "Action": "oss:*", "Resource": "*"})
    assert accounts.other.call("GET", public, "open/x.txt").status_code == 200
    # the owner's own account is never denied by its bucket's policy, even by name: it can always repair it
    _policy(accounts, public, {"Principal": [accounts.owner.owner_id], "Action": "oss:*", "Resource": "*"})
    assert accounts.owner.call("GET", public, "open/x.txt").status_code == 200
    assert accounts.owner.call("GET", public, params={"policy": ""}).status_code == 200


def test_a_statement_with_a_condition_never_matches(accounts, public):
    condition = {"IpAddress": {"acs:SourceIp": ["127.0.0.0/8"]}}
    _policy(
        accounts,
        public,
        {"Principal": ["*"], "Action": ["oss:GetObject"], "Resource": [_objects(public, "*")], "Condition": condition},
    )
    assert accounts.anon.call("GET", public, "secret/x.txt").content == b"secret bytes"
    assert accounts.owner.call("GET", public, "secret/x.txt").status_code == 200


def test_not_action_and_not_resource(accounts):
    bucket = accounts.bucket("public-read-write")
    accounts.put(bucket, "a.txt", b"a")
    _policy(accounts, bucket, {"Principal": ["*"], "NotAction": ["oss:GetObject"], "Resource": [_objects(bucket, "*")]})
    assert accounts.anon.call("GET", bucket, "a.txt").content == b"a"
    assert error_code(accounts.anon.call("PUT", bucket, "b.txt", data=b"b")) == "AccessDenied"
    assert error_code(accounts.anon.call("DELETE", bucket, "a.txt")) == "AccessDenied"
    _policy(accounts, bucket, {"Principal": ["*"], "Action": "oss:GetObject", "NotResource": _objects(bucket, "pub/*")})
    assert error_code(accounts.anon.call("GET", bucket, "a.txt")) == "AccessDenied"
    assert accounts.anon.call("PUT", bucket, "pub/p.txt", data=b"p").status_code == 200
    assert accounts.anon.call("GET", bucket, "pub/p.txt").content == b"p"


def test_denied_writes_and_deletes(accounts):
    bucket = accounts.bucket("public-read-write")
    accounts.put(bucket, "keep/a.txt", b"a")
    _policy(
        accounts,
        bucket,
        {"Principal": ["*"], "Action": ["oss:PutObject"], "Resource": [_objects(bucket, "uploads/*")]},
        {"Principal": ["*"], "Action": ["oss:DeleteObject"], "Resource": [_objects(bucket, "keep/*")]},
    )
    assert error_code(accounts.anon.call("PUT", bucket, "uploads/x", data=b"x")) == "AccessDenied"
    assert error_code(accounts.anon.post_form(bucket, {"key": "uploads/x"})) == "AccessDenied"
    assert error_code(accounts.other.post_form(bucket, {"key": "uploads/x"})) == "AccessDenied"
    assert accounts.anon.call("PUT", bucket, "other/x", data=b"x").status_code == 200
    assert error_code(accounts.anon.call("DELETE", bucket, "keep/a.txt")) == "AccessDenied"
    assert error_code(accounts.anon.delete_objects(bucket, "other/x", "keep/a.txt")) == "AccessDenied"
    assert accounts.body(bucket, "keep/a.txt") == b"a" and accounts.body(bucket, "other/x") == b"x"
    assert accounts.owner.call("PUT", bucket, "uploads/x", data=b"mine").status_code == 200


def test_a_named_version_needs_its_version_action_too(accounts):
    bucket = accounts.bucket("public-read", versioned=True)
    version = accounts.put(bucket, "doc", b"v1").headers["x-oss-version-id"]
    _policy(
        accounts, bucket, {"Principal": ["*"], "Action": ["oss:GetObjectVersion"], "Resource": _objects(bucket, "*")}
    )
    assert accounts.anon.call("GET", bucket, "doc").content == b"v1"
    assert error_code(accounts.anon.call("GET", bucket, "doc", params={"versionId": version})) == "AccessDenied"
    mine = accounts.bucket(account=accounts.other)
    copy = accounts.other.call("PUT", mine, "k", headers={"x-oss-copy-source": f"/{bucket}/doc?versionId={version}"})
    assert error_code(copy) == "AccessDenied"
    _policy(accounts, bucket, {"Principal": ["*"], "Action": ["oss:GetObject"], "Resource": _objects(bucket, "*")})
    assert error_code(accounts.anon.call("GET", bucket, "doc", params={"versionId": version})) == "AccessDenied"


def test_a_policy_with_a_bad_principal_or_action_and_not_action_is_refused(accounts, public):
    bad = {"Version": "1", "Statement": [{"Effect": "Deny", "Principal": {"x": 1}, "Action": "*", "Resource": "*"}]}
    resp = accounts.owner.call("PUT", public, params={"policy": ""}, data=json.dumps(bad).encode())
    assert resp.status_code == 400 and error_code(resp) == "InvalidPolicyDocument"
    both = {"Version": "1", "Statement": [{"Effect": "Deny", "Action": "*", "NotAction": "*", "Resource": "*"}]}
    resp = accounts.owner.call("PUT", public, params={"policy": ""}, data=json.dumps(both).encode())
    assert resp.status_code == 400 and error_code(resp) == "InvalidPolicyDocument"


def test_a_resource_names_the_bucket_or_its_objects_and_its_owner(accounts, public):
    _policy(accounts, public, {"Principal": ["*"], "Action": ["oss:*"], "Resource": [f"acs:oss:*:*:{public}"]})
    assert error_code(accounts.anon.call("GET", public)) == "AccessDenied"  # ListObjects is on the bucket
    assert accounts.anon.call("GET", public, "open/x.txt").status_code == 200
    owner = accounts.owner.owner_id
    _policy(accounts, public, {"Principal": ["*"], "Action": "oss:GetObject", "Resource": f"acs:oss:*:{owner}:*/*"})
    assert error_code(accounts.anon.call("GET", public, "open/x.txt")) == "AccessDenied"
    _policy(accounts, public, {"Principal": ["*"], "Action": "oss:GetObject", "Resource": "acs:oss:*:1234567890:*/*"})
    assert accounts.anon.call("GET", public, "open/x.txt").status_code == 200
