"""oss2 (V1 and V4) against the embedded server: symlinks, storage classes and restore, gzip answers,
PostObject form uploads, and the header details OSS's own SDK tests look at."""

import base64
import gzip
import hashlib
import hmac
import json
import os
import time

import oss2
import pytest
import requests

from ossh.client.crc import crc64

from .conftest import REGION, fresh_name

TEXT = b"".join(b"line %d of a text object\n" % i for i in range(400))  # ~10 KB of text


def _code(exc_info) -> str:
    return exc_info.value.details["Code"]


# ------------------------------------------------------------------ symlinks


def test_symlink_put_get_and_follow(oss2_bucket):
    oss2_bucket.put_object("dir/target.txt", TEXT, headers={"Content-Type": "text/plain"})
    oss2_bucket.put_symlink("dir/target.txt", "link 中文")
    assert oss2_bucket.get_symlink("link 中文").target_key == "dir/target.txt"
    got = oss2_bucket.get_object("link 中文")
    assert got.read() == TEXT and got.headers["x-oss-object-type"] == "Symlink"
    assert int(got.headers["x-oss-hash-crc64ecma"]) == crc64(TEXT)
    head = oss2_bucket.head_object("link 中文")
    assert head.object_type == "Symlink" and head.content_length == len(TEXT)
    listed = {o.key: o for o in oss2.ObjectIterator(oss2_bucket)}
    assert listed["link 中文"].type == "Symlink" and listed["link 中文"].size == 0
    # a range through the link is the target's range
    assert oss2_bucket.get_object("link 中文", byte_range=(5, 9)).read() == TEXT[5:10]


def test_symlink_errors(oss2_bucket):
    oss2_bucket.put_symlink("missing-target", "dangling")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.get_object("dangling")
    assert err.value.status == 404 and _code(err) == "SymlinkTargetNotExist"
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.head_object("dangling")
    assert err.value.status == 404 and _code(err) == "SymlinkTargetNotExist"
    oss2_bucket.put_object("plain", b"x")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.get_symlink("plain")
    assert err.value.status == 400 and _code(err) == "NotSymlink"
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss2_bucket.get_symlink("nothing-here")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.put_symlink("plain", "dangling", headers={"x-oss-forbid-overwrite": "true"})
    assert err.value.status == 409 and _code(err) == "FileAlreadyExists"
    oss2_bucket.put_symlink("dangling", "chain")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.get_object("chain")
    assert _code(err) == "InvalidTargetType"


# ------------------------------------------------------------------ storage classes and restore


@pytest.mark.parametrize("storage_class", ["IA", "Archive", "ColdArchive", "DeepColdArchive"])
def test_storage_class_on_put_copy_and_multipart(oss2_bucket, storage_class):
    hdrs = {"x-oss-storage-class": storage_class}
    oss2_bucket.put_object("put", b"abc", headers=hdrs)
    assert oss2_bucket.head_object("put").headers["x-oss-storage-class"] == storage_class
    oss2_bucket.put_object("src", b"abc")
    oss2_bucket.copy_object(oss2_bucket.bucket_name, "src", "copied", headers=hdrs)
    assert oss2_bucket.head_object("copied").headers["x-oss-storage-class"] == storage_class
    upload = oss2_bucket.init_multipart_upload("mp", headers=hdrs)
    part = oss2_bucket.upload_part("mp", upload.upload_id, 1, b"part")
    oss2_bucket.complete_multipart_upload("mp", upload.upload_id, [oss2.models.PartInfo(1, part.etag)])
    assert oss2_bucket.head_object("mp").headers["x-oss-storage-class"] == storage_class
    listed = {o.key: o.storage_class for o in oss2.ObjectIterator(oss2_bucket)}
    assert listed == {"put": storage_class, "copied": storage_class, "mp": storage_class, "src": "Standard"}
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.put_object("bad", b"x", headers={"x-oss-storage-class": "Glacier"})
    assert _code(err) == "InvalidArgument"


def test_archive_restore_state_machine(oss2_bucket, oss2_clock):
    server_clock = oss2_clock
    oss2_bucket.put_object("cold", TEXT, headers={"x-oss-storage-class": "Archive"})
    assert "x-oss-restore" not in oss2_bucket.head_object("cold").headers  # HEAD works while frozen
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.get_object("cold")
    assert err.value.status == 403 and _code(err) == "InvalidObjectState"
    with pytest.raises(oss2.exceptions.ServerError) as err:  # nor can it be copied
        oss2_bucket.copy_object(oss2_bucket.bucket_name, "cold", "warm")
    assert _code(err) == "InvalidObjectState"

    assert oss2_bucket.restore_object("cold").status == 202
    assert oss2_bucket.head_object("cold").headers["x-oss-restore"] == 'ongoing-request="true"'
    with pytest.raises(oss2.exceptions.RestoreAlreadyInProgress):
        oss2_bucket.restore_object("cold")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.get_object("cold")
    assert _code(err) == "InvalidObjectState"
    listed = {o.key: o for o in oss2.ObjectIterator(oss2_bucket)}
    assert listed["cold"].restore_info == 'ongoing-request="true"'

    server_clock.advance(server_clock.delay)
    restored = oss2_bucket.head_object("cold").headers["x-oss-restore"]
    expiry = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(server_clock.now + 86400))
    assert restored == f'ongoing-request="false", expiry-date="{expiry}"'
    assert oss2_bucket.get_object("cold").read() == TEXT
    oss2_bucket.copy_object(oss2_bucket.bucket_name, "cold", "warm")
    assert oss2_bucket.get_object("warm").read() == TEXT
    # again once restored: 200, and the copy stays readable longer
    config = oss2.models.RestoreConfiguration(days=3)
    assert oss2_bucket.restore_object("cold", input=config).status == 200
    server_clock.advance(2 * 86400)
    assert oss2_bucket.get_object("cold").read() == TEXT
    server_clock.advance(86400)  # expired: frozen again
    assert "x-oss-restore" not in oss2_bucket.head_object("cold").headers
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.get_object("cold")
    assert _code(err) == "InvalidObjectState"


def test_cold_archive_restore_body_and_errors(oss2_bucket, server_clock):
    oss2_bucket.put_object("icy", b"frozen", headers={"x-oss-storage-class": "ColdArchive"})
    job = oss2.models.RestoreJobParameters(oss2.models.RESTORE_TIER_BULK)
    bad = oss2.models.RestoreConfiguration(days=400, job_parameters=job)
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.restore_object("icy", input=bad)
    config = oss2.models.RestoreConfiguration(days=30, job_parameters=job)
    started = oss2_bucket.restore_object("icy", input=config)
    assert started.status == 202 and started.headers["x-oss-object-restore-priority"] == "Bulk"
    server_clock.advance(server_clock.delay)
    got = oss2_bucket.get_object("icy")
    assert got.read() == b"frozen" and got.headers["x-oss-object-restore-priority"] == "Bulk"
    with pytest.raises(oss2.exceptions.MalformedXml):  # Archive takes no tier
        oss2_bucket.put_object("arch-tier", b"x", headers={"x-oss-storage-class": "Archive"})
        oss2_bucket.restore_object("arch-tier", input=config)
    wrong = oss2.models.RestoreConfiguration(days=1, job_parameters=oss2.models.RestoreJobParameters("Fast"))
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.restore_object("icy", input=wrong)

    oss2_bucket.put_object("deep", b"x", headers={"x-oss-storage-class": "DeepColdArchive"})
    bulk = oss2.models.RestoreConfiguration(days=1, job_parameters=job)
    with pytest.raises(oss2.exceptions.InvalidArgument):  # DeepColdArchive has no Bulk tier
        oss2_bucket.restore_object("deep", input=bulk)
    with pytest.raises(oss2.exceptions.InvalidArgument):  # Archive keeps a copy 7 days at most
        oss2_bucket.put_object("arch", b"x", headers={"x-oss-storage-class": "Archive"})
        oss2_bucket.restore_object("arch", input=oss2.models.RestoreConfiguration(days=8))
    oss2_bucket.put_object("std", b"x")
    with pytest.raises(oss2.exceptions.OperationNotSupported):
        oss2_bucket.restore_object("std")
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss2_bucket.restore_object("absent")


# ------------------------------------------------------------------ gzip


def test_accept_encoding_gzip(oss2_bucket, server):
    oss2_bucket.put_object("page.json", TEXT, headers={"Content-Type": "application/json"})
    oss2_bucket.put_object("small.txt", b"tiny", headers={"Content-Type": "text/plain"})
    oss2_bucket.put_object("blob.bin", TEXT, headers={"Content-Type": "application/octet-stream"})
    url = oss2_bucket.sign_url("GET", "page.json", 600)
    resp = requests.get(url, headers={"Accept-Encoding": "gzip"}, stream=True)
    assert resp.status_code == 200 and resp.headers["Content-Encoding"] == "gzip"
    assert resp.headers["Transfer-Encoding"] == "chunked" and resp.headers["Vary"] == "Accept-Encoding"
    for absent in ("ETag", "Content-Length", "Accept-Ranges"):
        assert absent not in resp.headers
    raw = resp.raw.read(decode_content=False)
    assert len(raw) < len(TEXT) and gzip.decompress(raw) == TEXT
    assert int(resp.headers["x-oss-hash-crc64ecma"]) == crc64(TEXT)
    # oss2 itself asks for gzip when told to, and reads the object back whole
    got = oss2_bucket.get_object("page.json", headers={"Accept-Encoding": "gzip"})
    assert got.headers["Content-Encoding"] == "gzip" and got.read() == TEXT
    for key in ("small.txt", "blob.bin"):  # under 1 KB, or not a text type: as stored
        plain = requests.get(oss2_bucket.sign_url("GET", key, 600), headers={"Accept-Encoding": "gzip"})
        assert "Content-Encoding" not in plain.headers and "ETag" in plain.headers
    refused = requests.get(url, headers={"Accept-Encoding": "gzip;q=0, identity"})
    assert "Content-Encoding" not in refused.headers and refused.content == TEXT
    ranged = requests.get(url, headers={"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert ranged.status_code == 206 and ranged.content == TEXT[:10]


# ------------------------------------------------------------------ PostObject


def _policy(bucket: str, **extra) -> str:
    expiration = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(time.time() + 600))
    conditions = [{"bucket": bucket}, ["starts-with", "$key", "up/"], ["content-length-range", 1, 1 << 20]]
    doc = {"expiration": extra.pop("expiration", expiration), "conditions": extra.pop("conditions", conditions)}
    return base64.b64encode(json.dumps(doc).encode()).decode()


def _v1_form(server, policy: str) -> dict:
    sig = base64.b64encode(hmac.new(server.access_key_secret.encode(), policy.encode(), hashlib.sha1).digest())
    return {"OSSAccessKeyId": server.access_key_id, "policy": policy, "Signature": sig.decode()}


def _v4_form(server, policy: str) -> dict:
    day = time.strftime("%Y%m%d", time.gmtime())
    key = hmac.new(("aliyun_v4" + server.access_key_secret).encode(), day.encode(), hashlib.sha256).digest()
    for part in (REGION, "oss", "aliyun_v4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return {
        "x-oss-signature-version": "OSS4-HMAC-SHA256",
        "x-oss-credential": f"{server.access_key_id}/{day}/{REGION}/oss/aliyun_v4_request",
        "x-oss-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()),
        "policy": policy,
        "x-oss-signature": hmac.new(key, policy.encode(), hashlib.sha256).hexdigest(),
    }


def _post(server, bucket: str, fields: dict, data: bytes = b"form body", filename: str = "local.txt"):
    return requests.post(
        f"{server.endpoint}/{bucket}",
        data=fields,
        allow_redirects=False,
        files={"file": (filename, data, "text/plain")},
    )


@pytest.mark.parametrize("signed", ["v1", "v4"])
def test_post_object_with_policy(server, oss2_bucket, signed):
    name = oss2_bucket.bucket_name
    form = (_v1_form if signed == "v1" else _v4_form)(server, _policy(name))
    fields = {"key": "up/${filename}", "x-oss-meta-from": "form", "success_action_status": "201", **form}
    data = bytes(range(256)) * 500
    resp = _post(server, name, fields, data)
    assert resp.status_code == 201, resp.text
    assert "<Key>up/local.txt</Key>" in resp.text and int(resp.headers["x-oss-hash-crc64ecma"]) == crc64(data)
    got = oss2_bucket.get_object("up/local.txt")
    assert got.read() == data and got.headers["x-oss-meta-from"] == "form"
    assert got.headers["Content-Type"] == "text/plain"
    assert _post(server, name, {"key": "up/plain", **form}).status_code == 204
    redirect = _post(server, name, {"key": "up/r", "success_action_redirect": "http://example.com/done", **form})
    assert resp.status_code == 201 and redirect.status_code == 303
    assert redirect.headers["Location"].startswith("http://example.com/done?bucket=" + name + "&key=up%2Fr&etag=")


def test_post_object_refusals(server, oss2_bucket):
    name = oss2_bucket.bucket_name
    form = _v1_form(server, _policy(name))
    outside = _post(server, name, {"key": "elsewhere/x", **form})
    assert outside.status_code == 403 and "<Code>AccessDenied</Code>" in outside.text
    too_big = _post(server, name, {"key": "up/big", **form}, b"x" * ((1 << 20) + 1))
    assert too_big.status_code == 400 and "<Code>EntityTooLarge</Code>" in too_big.text
    expired = _v1_form(server, _policy(name, expiration="2020-01-01T00:00:00.000Z"))
    resp = _post(server, name, {"key": "up/late", **expired})
    assert resp.status_code == 403 and "Policy expired" in resp.text
    forged = {**form, "Signature": base64.b64encode(b"x" * 20).decode()}
    resp = _post(server, name, {"key": "up/forged", **forged})
    assert resp.status_code == 403 and "<Code>SignatureDoesNotMatch</Code>" in resp.text
    bad_policy = _v1_form(server, base64.b64encode(b"not json").decode())
    resp = _post(server, name, {"key": "up/x", **bad_policy})
    assert resp.status_code == 400 and "<Code>InvalidPolicyDocument</Code>" in resp.text
    anonymous = _post(server, name, {"key": "up/anon"})  # a private bucket
    assert anonymous.status_code == 403 and "<Code>AccessDenied</Code>" in anonymous.text
    nofile = requests.post(
        f"{server.endpoint}/{name}", files={"key": (None, "up/k"), **{k: (None, v) for k, v in form.items()}}
    )
    assert nofile.status_code == 400 and "file" in nofile.text
    keys = [o.key for o in oss2.ObjectIterator(oss2_bucket)]
    assert keys == []


def test_plain_form_upload_to_public_bucket(server, oss2_auth):
    """What `curl -F key=k -F file=@f` sends: once refused as a malformed header, now an anonymous upload."""
    bucket = oss2.Bucket(oss2_auth, server.endpoint, fresh_name("form"), region=REGION)
    bucket.create_bucket(oss2.BUCKET_ACL_PUBLIC_READ_WRITE)
    resp = requests.post(
        f"{server.endpoint}/{bucket.bucket_name}", files={"key": (None, "k"), "file": ("f", b"curl bytes")}
    )
    assert resp.status_code == 204, resp.text
    assert bucket.get_object("k").read() == b"curl bytes"


# ------------------------------------------------------------------ header details


def test_precondition_condition_names(oss2_bucket):
    oss2_bucket.put_object("k", b"v")
    cases = [
        ("get", {"If-Match": '"0000"'}, "If-Match"),
        ("get", {"If-Unmodified-Since": "Sat, 01 Jan 2000 00:00:00 GMT"}, "If-Unmodified-Since"),
        ("copy", {"x-oss-copy-source-if-match": '"0000"'}, "x-oss-copy-source-If-Match"),
        (
            "copy",
            {"x-oss-copy-source-if-unmodified-since": "Sat, 01 Jan 2000 00:00:00 GMT"},
            "x-oss-copy-source-If-Unmodified-Since",
        ),
    ]
    for op, headers, condition in cases:
        with pytest.raises(oss2.exceptions.PreconditionFailed) as err:
            if op == "get":
                oss2_bucket.get_object("k", headers=headers)
            else:
                oss2_bucket.copy_object(oss2_bucket.bucket_name, "k", "k2", headers=headers)
        assert err.value.details["Condition"] == condition


def test_bucket_acl_location_and_append_message(oss2_bucket):
    assert oss2_bucket.put_bucket_acl(oss2.BUCKET_ACL_PUBLIC_READ).headers["Location"] == "/" + oss2_bucket.bucket_name
    oss2_bucket.append_object("log", 0, b"abc")
    with pytest.raises(oss2.exceptions.PositionNotEqualToLength) as err:
        oss2_bucket.append_object("log", 1, b"d")
    assert err.value.message == "Position is not equal to file length" and err.value.next_position == 3
    assert err.value.details["EC"] == "0026-00000016"


def test_multipart_acl_part_headers_and_copy_details(oss2_bucket):
    upload = oss2_bucket.init_multipart_upload("mp", headers={"x-oss-object-acl": "public-read"})
    data = b"part data"
    part = oss2_bucket.upload_part("mp", upload.upload_id, 1, data)
    assert part.headers["Content-MD5"] == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert part.crc == crc64(data)
    oss2_bucket.complete_multipart_upload("mp", upload.upload_id, [oss2.models.PartInfo(1, part.etag)])
    assert oss2_bucket.get_object_acl("mp").acl == "public-read"
    # Complete may set the ACL too
    upload = oss2_bucket.init_multipart_upload("mp2")
    part = oss2_bucket.upload_part("mp2", upload.upload_id, 1, data)
    oss2_bucket.complete_multipart_upload(
        "mp2", upload.upload_id, [oss2.models.PartInfo(1, part.etag)], headers={"x-oss-object-acl": "private"}
    )
    assert oss2_bucket.get_object_acl("mp2").acl == "private"

    oss2_bucket.put_object("src.txt", data, headers={"Content-Type": "text/x-src"})
    copied = oss2_bucket.copy_object(oss2_bucket.bucket_name, "src.txt", "dst.html")
    assert copied.crc == crc64(data)
    assert oss2_bucket.head_object("dst.html").content_type == "text/x-src"
    oss2_bucket.copy_object(
        oss2_bucket.bucket_name,
        "src.txt",
        "new.html",
        headers={"x-oss-metadata-directive": "REPLACE", "Content-Type": "text/x-new"},
    )
    assert oss2_bucket.head_object("new.html").content_type == "text/x-new"
    oss2_bucket.copy_object(
        oss2_bucket.bucket_name,
        "src.txt",
        "page.html",  # REPLACE, no type given:
        headers={"x-oss-metadata-directive": "REPLACE"},
    )  # named after the key
    assert oss2_bucket.head_object("page.html").content_type == "text/html"
    oss2_bucket.update_object_meta("src.txt", {"x-oss-meta-a": "1", "Content-Type": "text/x-updated"})
    head = oss2_bucket.head_object("src.txt")
    assert head.content_type == "text/x-updated" and head.headers["x-oss-meta-a"] == "1"


@pytest.mark.parametrize("algorithm", ["AES256", "KMS", "SM4"])
def test_server_side_encryption_headers(oss2_bucket, algorithm):
    sse = {"x-oss-server-side-encryption": algorithm}
    put = oss2_bucket.put_object("enc", b"secret", headers=sse)
    assert put.headers["x-oss-server-side-encryption"] == algorithm
    for resp in (oss2_bucket.get_object("enc"), oss2_bucket.head_object("enc")):
        assert resp.headers["x-oss-server-side-encryption"] == algorithm
        assert ("x-oss-server-side-encryption-key-id" in resp.headers) == (algorithm == "KMS")
    plain = oss2_bucket.copy_object(oss2_bucket.bucket_name, "enc", "plain-copy")  # a copy is encrypted
    assert "x-oss-server-side-encryption" not in plain.headers  # only when asked to
    copied = oss2_bucket.copy_object(oss2_bucket.bucket_name, "enc", "enc-copy", headers=sse)
    assert copied.headers["x-oss-server-side-encryption"] == algorithm
    upload = oss2_bucket.init_multipart_upload("enc-mp", headers=sse)
    assert upload.headers["x-oss-server-side-encryption"] == algorithm
    with pytest.raises(oss2.exceptions.InvalidArgument):  # parts take the upload's encryption
        oss2_bucket.upload_part("enc-mp", upload.upload_id, 1, b"p", headers=sse)
    part = oss2_bucket.upload_part("enc-mp", upload.upload_id, 1, b"p")
    assert part.headers["x-oss-server-side-encryption"] == algorithm  # the upload's, echoed
    parts = [oss2.models.PartInfo(1, part.etag)]
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.complete_multipart_upload("enc-mp", upload.upload_id, parts, headers=sse)
    done = oss2_bucket.complete_multipart_upload("enc-mp", upload.upload_id, parts)
    assert done.headers["x-oss-server-side-encryption"] == algorithm
    assert oss2_bucket.head_object("enc-mp").headers["x-oss-server-side-encryption"] == algorithm


def test_server_side_encryption_refusals(oss2_bucket):
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.put_object("enc", b"x", headers={"x-oss-server-side-encryption": "DES"})
    assert err.value.status == 400 and _code(err) == "InvalidEncryptionAlgorithmError"
    # a key id or a data algorithm goes with KMS only; OSS ignores them with the others
    put = oss2_bucket.put_object(
        "aes",
        b"x",
        headers={
            "x-oss-server-side-encryption": "AES256",
            "x-oss-server-side-encryption-key-id": "k",
            "x-oss-server-side-data-encryption": "SM4",
        },
    )
    assert "x-oss-server-side-encryption-key-id" not in put.headers
    assert "x-oss-server-side-data-encryption" not in put.headers
    kms = {
        "x-oss-server-side-encryption": "KMS",
        "x-oss-server-side-encryption-key-id": "my-key",
        "x-oss-server-side-data-encryption": "SM4",
    }
    oss2_bucket.put_object("kms", b"x", headers=kms)
    head = oss2_bucket.head_object("kms").headers
    assert head["x-oss-server-side-encryption-key-id"] == "my-key"
    assert head["x-oss-server-side-data-encryption"] == "SM4"
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.put_object("kms", b"x", headers={**kms, "x-oss-server-side-data-encryption": "AES"})


def test_traffic_limit_range(oss2_bucket):
    limit = oss2.models.OSS_TRAFFIC_LIMIT
    oss2_bucket.put_object("t", b"x", headers={limit: "819200"})
    assert oss2_bucket.get_object("t", headers={limit: "838860800"}).read() == b"x"
    for bad in ("819199", "838860801", "abc", "-1"):
        with pytest.raises(oss2.exceptions.InvalidArgument) as err:
            oss2_bucket.put_object("t", b"x", headers={limit: bad})
        assert err.value.details["EC"] == "0004-00000502"
    url = oss2_bucket.sign_url("GET", "t", 600, params={limit: "100"})
    resp = requests.get(url)
    assert resp.status_code == 400 and "<ArgumentName>x-oss-traffic-limit</ArgumentName>" in resp.text
    assert requests.get(oss2_bucket.sign_url("GET", "t", 600, params={limit: "8192000"})).content == b"x"


def test_traffic_limit_paces_uploads_and_downloads(oss2_bucket):
    """819200 bit/s is 100 KB/s: 60 KB each way takes about 0.6 s, unlimited it takes milliseconds."""
    limit = {oss2.models.OSS_TRAFFIC_LIMIT: "819200"}
    data = os.urandom(60 * 1024)
    started = time.monotonic()
    oss2_bucket.put_object("paced", data, headers=limit)
    put_took = time.monotonic() - started
    started = time.monotonic()
    assert oss2_bucket.get_object("paced", headers=limit).read() == data
    get_took = time.monotonic() - started
    started = time.monotonic()
    assert oss2_bucket.get_object("paced").read() == data
    free_took = time.monotonic() - started
    assert 0.5 < put_took < 5 and 0.5 < get_took < 5 and free_took < 0.5
