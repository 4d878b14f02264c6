"""Header names are case-insensitive: whatever spelling a client uses for a header, the server verifies and
acts on the same one value, and a header that must come once is refused when it comes twice in two
spellings. Raw-socket requests, so the names reach the server exactly as written here. Some cases held
before (lookups that lowercased already): they keep every lookup on the one mapping honest."""

import base64
import hashlib
import hmac
import json
import time

import pytest
import requests

from ossh.client.auth import SignableRequest, SignerV1, SignerV4, v4_scope

from .conftest import AK, BUCKET, REGION, SK

BODY = b"the body that was sent"
OTHER = b"a body nobody sent"
SHA256_SPELLINGS = ["x-oss-content-sha256", "X-Oss-Content-Sha256", "X-OSS-CONTENT-SHA256"]


def v4_raw(h, method, key, headers, body=b"", params=None, length=True) -> bytes:
    """A V4-signed request whose headers keep the spelling given (the signer lowercases names to sign)."""
    iso = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    headers = {"x-oss-date": iso, **headers}
    if not any(k.lower() == "x-oss-content-sha256" for k in headers):
        headers["x-oss-content-sha256"] = "UNSIGNED-PAYLOAD"
    req = SignableRequest(method, BUCKET, key, dict(params or {}), dict(headers))
    scope = v4_scope(iso[:8], REGION)
    sts = SignerV4.string_to_sign(SignerV4.canonical_request(req), iso, scope)
    headers["Authorization"] = f"OSS4-HMAC-SHA256 Credential={AK}/{scope},Signature=" + SignerV4.signature(
        SK, iso[:8], REGION, sts
    )
    return _raw(h, method, key, headers, body, params, length)


def v1_raw(h, method, key, headers, body=b"", params=None, length=True) -> bytes:
    """A V1-signed request whose headers keep the spelling given."""
    headers = {"Date": time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime()), **headers}
    req = SignableRequest(method, BUCKET, key, dict(params or {}), dict(headers))
    date = req.header("date")
    headers["Authorization"] = f"OSS {AK}:" + SignerV1.signature(SK, SignerV1.string_to_sign(req, date))
    return _raw(h, method, key, headers, body, params, length)


def _raw(h, method, key, headers, body, params, length) -> bytes:
    if length:
        headers = {**headers, "Content-Length": str(len(body))}
    query = "&".join(f"{k}={v}" if v else k for k, v in (params or {}).items())
    target = f"/{BUCKET}/{key}" + (f"?{query}" if query else "")
    return h.head_bytes(method, target, headers) + body


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md5_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def put(h, key, data=BODY, **headers):
    return h.call("PUT", BUCKET, key, headers=headers, data=data)


def content(h, key) -> bytes | None:
    resp = h.call("GET", BUCKET, key)
    return resp.content if resp.status_code == 200 else None


# --- the body's digests --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", SHA256_SPELLINGS)
def test_a_v4_body_that_does_not_match_its_sha256_is_refused_in_every_spelling(hostile, name):
    key = f"case/sha-{name}"
    reply = hostile.raw(v4_raw(hostile, "PUT", key, {name: sha256(OTHER)}, BODY))
    assert (reply.status, reply.code) == (400, "InvalidDigest"), reply.body
    assert not hostile.exists(key), "a body that failed its signed digest was stored"
    hostile.healthy()


@pytest.mark.parametrize("name", SHA256_SPELLINGS)
def test_a_chunked_body_that_does_not_match_its_sha256_is_refused_in_every_spelling(hostile, name):
    key = f"case/sha-chunked-{name}"
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(BODY), BODY)
    data = v4_raw(hostile, "PUT", key, {name: sha256(OTHER), "TRANSFER-ENCODING": "chunked"}, chunked, length=False)
    reply = hostile.raw(data)
    assert (reply.status, reply.code) == (400, "InvalidDigest"), reply.body
    assert not hostile.exists(key)


@pytest.mark.parametrize("name", SHA256_SPELLINGS)
def test_a_v1_request_with_a_wrong_sha256_is_refused_too(hostile, name):
    key = f"case/sha-v1-{name}"
    reply = hostile.raw(v1_raw(hostile, "PUT", key, {name: sha256(OTHER)}, BODY))
    assert (reply.status, reply.code) == (400, "InvalidDigest"), reply.body
    assert not hostile.exists(key)


def test_a_malformed_sha256_in_capitals_is_refused_before_the_body_is_taken(hostile):
    reply = hostile.raw(v4_raw(hostile, "PUT", "case/sha-bad", {"X-OSS-CONTENT-SHA256": "not-a-digest"}, BODY))
    assert (reply.status, reply.code) == (400, "InvalidArgument"), reply.body
    assert not hostile.exists("case/sha-bad")


@pytest.mark.parametrize("name", ["content-md5", "CONTENT-MD5", "cOnTeNt-Md5"])
def test_a_body_that_does_not_match_its_content_md5_is_refused_in_every_spelling(hostile, name):
    key = f"case/md5-{name}"
    reply = hostile.raw(v4_raw(hostile, "PUT", key, {name: md5_b64(OTHER)}, BODY))
    assert (reply.status, reply.code) == (400, "InvalidDigest"), reply.body
    assert not hostile.exists(key)


# --- one value per header ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "first,second",
    [
        ({"x-oss-content-sha256": sha256(BODY)}, {"X-OSS-CONTENT-SHA256": sha256(OTHER)}),
        ({"Content-MD5": md5_b64(BODY)}, {"CONTENT-MD5": md5_b64(OTHER)}),
        ({"x-oss-object-acl": "private"}, {"X-OSS-OBJECT-ACL": "public-read"}),
        ({"x-oss-forbid-overwrite": "true"}, {"X-Oss-Forbid-Overwrite": "true"}),
        ({"x-oss-meta-colour": "red"}, {"X-OSS-META-COLOUR": "blue"}),
        ({"Content-Type": "text/plain"}, {"content-type": "text/html"}),
        ({"x-oss-storage-class": "Standard"}, {"X-OSS-STORAGE-CLASS": "Archive"}),
    ],
    ids=lambda d: next(iter(d)),
)
def test_a_header_sent_twice_in_two_spellings_is_refused(hostile, first, second):
    """Both lines are signed (joined, as HTTP joins repeated fields), so the signature holds: the server must
    still not verify one of them and act on the other, nor act on a list of two where one value belongs."""
    (name, value), (name2, value2) = next(iter(first.items())), next(iter(second.items()))
    key = "case/twice-" + name.lower()
    assert put(hostile, key, b"before").status_code == 200
    signed = v1_raw(hostile, "PUT", key, {name: f"{value}, {value2}"}, BODY)
    data = signed.replace(f"{name}: {value}, {value2}".encode(), f"{name}: {value}\r\n{name2}: {value2}".encode())
    reply = hostile.raw(data)
    assert (reply.status, reply.code) == (400, "InvalidArgument"), reply.body
    assert name.lower().encode() in reply.body.lower()
    assert content(hostile, key) == b"before"
    hostile.healthy()


def test_an_authorization_sent_twice_is_refused(hostile):
    data = v4_raw(hostile, "GET", "case/none", {})
    auth = next(line for line in data.split(b"\r\n") if line.startswith(b"Authorization:"))
    data = data.replace(b"\r\n\r\n", b"\r\n" + auth.replace(b"Authorization", b"AUTHORIZATION") + b"\r\n\r\n", 1)
    reply = hostile.raw(data)
    assert (reply.status, reply.code) == (400, "InvalidArgument"), reply.body
    assert b"Signature=" not in reply.body, "the refusal does not echo the signatures"


def test_headers_that_are_lists_may_still_repeat(hostile):
    assert put(hostile, "case/list", BODY).status_code == 200
    etag = hostile.call("HEAD", BUCKET, "case/list").headers["ETag"]
    headers = {"If-None-Match": '"nope"', "IF-NONE-MATCH": etag, "Accept": "*/*", "ACCEPT": "text/plain"}
    assert hostile.raw(v4_raw(hostile, "GET", "case/list", headers)).status == 304


# --- each header that changes what a write does, in capitals ------------------------------------------------


def test_forbid_overwrite_in_capitals_is_honoured(hostile):
    assert put(hostile, "case/forbid", b"first").status_code == 200
    reply = hostile.raw(v4_raw(hostile, "PUT", "case/forbid", {"X-OSS-FORBID-OVERWRITE": "true"}, BODY))
    assert (reply.status, reply.code) == (409, "FileAlreadyExists"), reply.body
    assert content(hostile, "case/forbid") == b"first"


def test_object_acl_in_capitals_is_honoured(hostile):
    reply = hostile.raw(v4_raw(hostile, "PUT", "case/acl", {"X-OSS-OBJECT-ACL": "public-read"}, BODY))
    assert reply.status == 200, reply.body
    assert hostile.call("GET", BUCKET, "case/acl", signed=False).content == BODY
    assert "<Grant>public-read</Grant>" in hostile.call("GET", BUCKET, "case/acl", params={"acl": ""}).text


def test_user_metadata_in_capitals_is_stored_lowercased(hostile):
    headers = {"X-OSS-META-Colour": "Red", "X-Oss-Meta-Size": "XL", "CONTENT-TYPE": "text/x-odd"}
    assert hostile.raw(v4_raw(hostile, "PUT", "case/meta", headers, BODY)).status == 200
    got = hostile.call("HEAD", BUCKET, "case/meta").headers
    assert (got["x-oss-meta-colour"], got["x-oss-meta-size"], got["Content-Type"]) == ("Red", "XL", "text/x-odd")
    assert not [k for k in got if k.startswith("x-oss-meta-") and k != k.lower()]


def test_copy_source_and_its_conditions_in_capitals(hostile):
    assert put(hostile, "case/src", BODY).status_code == 200
    source = {"X-OSS-COPY-SOURCE": f"/{BUCKET}/case/src"}
    refused = hostile.raw(
        v4_raw(hostile, "PUT", "case/copy", {**source, "X-OSS-COPY-SOURCE-IF-MATCH": '"0000"'}),
    )
    assert refused.status == 412, refused.body
    assert not hostile.exists("case/copy")
    reply = hostile.raw(v4_raw(hostile, "PUT", "case/copy", {**source, "X-OSS-METADATA-DIRECTIVE": "REPLACE"}))
    assert reply.status == 200, reply.body
    assert content(hostile, "case/copy") == BODY


def test_range_and_conditions_in_capitals(hostile):
    assert put(hostile, "case/range", BODY).status_code == 200
    etag = hostile.call("HEAD", BUCKET, "case/range").headers["ETag"]
    ranged = hostile.raw(v4_raw(hostile, "GET", "case/range", {"RANGE": "bytes=0-2"}))
    assert (ranged.status, ranged.body) == (206, BODY[:3])
    assert hostile.raw(v4_raw(hostile, "GET", "case/range", {"IF-NONE-MATCH": etag})).status == 304
    assert hostile.raw(v4_raw(hostile, "GET", "case/range", {"if-match": '"0000"'})).status == 412
    stale = {"IF-UNMODIFIED-SINCE": "Sat, 01 Jan 2000 00:00:00 GMT"}
    assert hostile.raw(v4_raw(hostile, "GET", "case/range", stale)).status == 412


def test_traffic_limit_and_security_token_in_capitals(hostile):
    reply = hostile.raw(v4_raw(hostile, "GET", "case/none", {"X-OSS-TRAFFIC-LIMIT": "1"}))
    assert (reply.status, reply.code) == (400, "InvalidArgument"), reply.body
    reply = hostile.raw(v4_raw(hostile, "GET", "case/none", {"X-OSS-SECURITY-TOKEN": "a-token-nobody-issued"}))
    assert (reply.status, reply.code) == (403, "InvalidSecurityToken"), reply.body


def test_signatures_verify_whatever_the_spelling(hostile):
    headers = {"X-OSS-META-A": "1", "CONTENT-TYPE": "text/plain", "CONTENT-MD5": md5_b64(BODY)}
    assert hostile.raw(v1_raw(hostile, "PUT", "case/v1", headers, BODY)).status == 200
    assert hostile.raw(v4_raw(hostile, "PUT", "case/v4", headers, BODY)).status == 200
    tampered = v1_raw(hostile, "PUT", "case/v1-tampered", headers, BODY).replace(b"X-OSS-META-A: 1", b"X-OSS-META-A: 2")
    reply = hostile.raw(tampered)
    assert (reply.status, reply.code) == (403, "SignatureDoesNotMatch")
    assert not hostile.exists("case/v1-tampered")


# --- PostObject form fields --------------------------------------------------------------------------------


def _policy() -> str:
    expiration = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 600))
    conditions = [{"bucket": BUCKET}, ["starts-with", "$key", "form/"]]
    return base64.b64encode(json.dumps({"expiration": expiration, "conditions": conditions}).encode()).decode()


def _post(h, fields):
    policy = _policy()
    signature = base64.b64encode(hmac.new(SK.encode(), policy.encode(), hashlib.sha1).digest()).decode()
    signed = [("OSSACCESSKEYID", AK), ("Policy", policy), ("SIGNATURE", signature)]
    return requests.post(h.url(BUCKET), data=signed + fields, files={"file": ("f.txt", BODY, "text/plain")})


def test_form_field_names_are_case_insensitive(hostile):
    fields = [("Key", "form/caps"), ("X-OSS-META-Colour", "Red"), ("Success_Action_Status", "201")]
    fields += [("X-OSS-OBJECT-ACL", "public-read"), ("Content-Type", "text/x-form")]
    resp = _post(hostile, fields)
    assert resp.status_code == 201, resp.text
    got = hostile.call("GET", BUCKET, "form/caps", signed=False)
    assert got.status_code == 200 and got.content == BODY
    assert (got.headers["x-oss-meta-colour"], got.headers["Content-Type"]) == ("Red", "text/x-form")


@pytest.mark.parametrize(
    "fields",
    [
        [("key", "form/one"), ("KEY", "form/two")],
        [("key", "form/acl"), ("x-oss-object-acl", "private"), ("X-OSS-OBJECT-ACL", "public-read")],
        [("key", "form/forbid"), ("x-oss-forbid-overwrite", "true"), ("X-Oss-Forbid-Overwrite", "false")],
    ],
    ids=["key", "acl", "forbid-overwrite"],
)
def test_a_form_field_sent_twice_in_two_spellings_is_refused(hostile, fields):
    resp = _post(hostile, fields)
    assert resp.status_code == 400 and "<Code>InvalidArgument</Code>" in resp.text, resp.text
    for _, value in fields:
        if value.startswith("form/"):
            assert not hostile.exists(value)
