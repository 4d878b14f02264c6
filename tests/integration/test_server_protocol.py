"""The embedded server's protocol over real HTTP: validation, signatures, time, presigned expiry, ACLs,
other accounts, malformed XML, NotImplemented, error headers, virtual-hosted addressing."""

import base64
import hashlib
import json
import re
import time
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import pytest
import requests

from ossh.client.auth import Credentials, SignableRequest, SignerV1, SignerV4
from ossh.server import LocalServer

REGION = "cn-hangzhou"


def call(
    server,
    method,
    bucket=None,
    key=None,
    params=None,
    headers=None,
    data=None,
    signer=None,
    creds=None,
    now=None,
    host=None,
):
    """One request signed by the client's signers (V4 unless told), or anonymous with signer=False."""
    req = SignableRequest(method, bucket, key, dict(params or {}), dict(headers or {}))
    if host:
        req.headers["Host"] = host
    if signer is not False:
        creds = creds or Credentials(server.access_key_id, server.access_key_secret)
        (signer or SignerV4(REGION)).sign(req, creds, now=now)
    path = "/" if bucket is None else f"/{bucket}/" + (quote(key, safe="/") if key else "")
    url = server.endpoint + ("/" + quote(key, safe="/") if host and key else ("/" if host else path))
    return requests.request(method, url, params=req.params, headers=req.headers, data=data)


def error(resp) -> dict:
    found = dict(re.findall(r"<(\w+)>([^<]*)</\1>", resp.text))
    return found


@pytest.fixture
def bkt(server):
    name = f"proto-{time.monotonic_ns() % 10**9}"
    assert call(server, "PUT", name).status_code == 200
    return name


def test_every_response_carries_oss_headers(server, bkt):
    for resp in (call(server, "GET", bkt), call(server, "GET", bkt, "missing"), call(server, "GET")):
        assert re.fullmatch(r"[0-9A-F]{24}", resp.headers["x-oss-request-id"])
        assert resp.headers["Server"] == "AliyunOSS" and resp.headers["Date"].endswith("GMT")
    missing = call(server, "GET", bkt, "missing")
    assert missing.status_code == 404 and error(missing)["Code"] == "NoSuchKey"
    assert missing.headers["x-oss-ec"] == error(missing)["EC"] and missing.headers["Content-Type"] == "application/xml"


def test_head_errors_travel_in_x_oss_err(server, bkt):
    resp = call(server, "HEAD", bkt, "missing")
    assert resp.status_code == 404 and resp.content == b""
    assert error_from_b64(resp)["Code"] == "NoSuchKey"
    assert error_from_b64(call(server, "HEAD", "no-such-bucket-x", "k"))["Code"] == "NoSuchBucket"


def error_from_b64(resp):
    return dict(re.findall(r"<(\w+)>([^<]*)</\1>", base64.b64decode(resp.headers["x-oss-err"]).decode()))


@pytest.mark.parametrize("name", ["Upper", "ab", "-lead", "trail-", "under_score", "x" * 64])
def test_bad_bucket_names(server, name):
    resp = call(server, "PUT", name)
    assert resp.status_code == 400 and error(resp)["Code"] == "InvalidBucketName"


def test_bad_object_names(server, bkt):
    for raw in ("%2Flead", "%5Cback", quote("k" * 1024)):
        resp = requests.put(f"{server.endpoint}/{bkt}/{raw}", data=b"x")
        assert resp.status_code == 400 and error(resp)["Code"] == "InvalidObjectName", raw
    resp = call(server, "PUT", bkt, "é" * 511 + "x", data=b"ok")  # 1023 bytes exactly
    assert resp.status_code == 200


def test_bad_names_in_copy_sources_and_batch_deletes(server, bkt):
    call(server, "PUT", bkt, "src", data=b"x" * 10)
    upload = re.search(r"<UploadId>(\w+)</UploadId>", call(server, "POST", bkt, "mp", params={"uploads": ""}).text)[1]
    for source, code in (
        (f"/{bkt}/%2Fsrc", "InvalidObjectName"),
        (f"/{bkt}/%5Csrc", "InvalidObjectName"),
        (f"/{bkt}/" + "k" * 1024, "InvalidObjectName"),
        ("/Bad_Bucket/src", "InvalidBucketName"),
    ):
        for params in ({}, {"uploadId": upload, "partNumber": "1"}):
            resp = call(
                server, "PUT", bkt, "mp" if params else "dst", params=params, headers={"x-oss-copy-source": source}
            )
            assert resp.status_code == 400 and error(resp)["Code"] == code, (source, params)
    assert call(server, "HEAD", bkt, "dst").status_code == 404
    body = b"<Delete><Object><Key>/src</Key></Object></Delete>"
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    resp = call(server, "POST", bkt, params={"delete": ""}, headers={"Content-MD5": md5}, data=body)
    assert resp.status_code == 400 and error(resp)["Code"] == "InvalidObjectName"
    call(server, "DELETE", bkt, "mp", params={"uploadId": upload})


@pytest.mark.parametrize("signer", [SignerV1(), SignerV4(REGION)], ids=["v1", "v4"])
def test_wrong_secret_is_signature_mismatch_with_string_to_sign(server, bkt, signer):
    creds = Credentials(server.access_key_id, "not-the-secret")
    resp = call(server, "GET", bkt, "k", params={"acl": ""}, signer=signer, creds=creds)
    body = error(resp)
    assert resp.status_code == 403 and body["Code"] == "SignatureDoesNotMatch"
    if isinstance(signer, SignerV1):
        assert body["StringToSign"].endswith(f"/{bkt}/k?acl")
    else:
        assert body["StringToSign"].startswith("OSS4-HMAC-SHA256\n") and f"/{REGION}/oss/" in body["StringToSign"]


def test_unknown_key_and_skewed_time(server, bkt):
    resp = call(server, "GET", bkt, creds=Credentials("nobody", "x"))
    assert resp.status_code == 403 and error(resp)["Code"] == "InvalidAccessKeyId"
    for signer in (SignerV1(), SignerV4(REGION)):
        resp = call(server, "GET", bkt, signer=signer, now=time.time() - 16 * 60)
        assert resp.status_code == 403 and error(resp)["Code"] == "RequestTimeTooSkewed"
    assert call(server, "GET", bkt, now=time.time() - 10 * 60).status_code == 200


def test_wrong_region_is_invalid_argument(server, bkt):
    resp = call(server, "GET", bkt, signer=SignerV4("cn-beijing"))
    assert resp.status_code == 400 and error(resp)["Code"] == "InvalidArgument"


def test_presigned_urls_expire(server, bkt):
    assert call(server, "PUT", bkt, "p", data=b"presigned").status_code == 200
    creds = Credentials(server.access_key_id, server.access_key_secret)
    for expires, status in ((time.time() + 60, 200), (time.time() - 1, 403)):
        req = SignableRequest("GET", bkt, "p")
        SignerV1().presign(req, creds, int(expires))
        resp = requests.get(f"{server.endpoint}/{bkt}/p", params=req.params)
        assert resp.status_code == status
    req = SignableRequest("GET", bkt, "p")
    SignerV4(REGION).presign(req, creds, 60, now=time.time() - 120)
    resp = requests.get(f"{server.endpoint}/{bkt}/p", params=req.params)
    assert resp.status_code == 403 and error(resp)["Message"] == "Request has expired."
    req.params["x-oss-signature"] = "0" * 64
    SignerV4(REGION).presign(req, creds, 60)
    assert requests.get(f"{server.endpoint}/{bkt}/p", params=req.params).content == b"presigned"


def test_acl_rules_for_anonymous_requests(server, bkt):
    call(server, "PUT", bkt, "obj", data=b"data")
    anon = {"signer": False}
    assert error(call(server, "GET", bkt, "obj", **anon))["Code"] == "AccessDenied"
    assert error(call(server, "GET", bkt, **anon))["Code"] == "AccessDenied"
    assert error(call(server, "GET", **anon))["Code"] == "AccessDenied"
    call(server, "PUT", bkt, params={"acl": ""}, headers={"x-oss-acl": "public-read"})
    assert call(server, "GET", bkt, "obj", **anon).content == b"data"
    assert call(server, "GET", bkt, **anon).status_code == 200
    assert error(call(server, "PUT", bkt, "obj", data=b"x", **anon))["Code"] == "AccessDenied"
    assert error(call(server, "DELETE", bkt, "obj", **anon))["Code"] == "AccessDenied"
    assert error(call(server, "GET", bkt, params={"acl": ""}, **anon))["Code"] == "AccessDenied"
    call(server, "PUT", bkt, "obj", params={"acl": ""}, headers={"x-oss-object-acl": "private"})
    assert error(call(server, "GET", bkt, "obj", **anon))["Code"] == "AccessDenied"
    call(server, "PUT", bkt, params={"acl": ""}, headers={"x-oss-acl": "public-read-write"})
    assert call(server, "PUT", bkt, "anon-upload", data=b"a", **anon).status_code == 200
    assert call(server, "DELETE", bkt, "anon-upload", **anon).status_code == 204
    resp = call(server, "PUT", bkt, params={"acl": ""}, headers={"x-oss-acl": "world"})
    assert resp.status_code == 400 and error(resp)["Code"] == "InvalidArgument"


def test_another_accounts_bucket(tmp_path):
    with LocalServer(tmp_path, credentials={"ak-one": "sk-one", "ak-two": "sk-two"}) as srv:
        one, two = Credentials("ak-one", "sk-one"), Credentials("ak-two", "sk-two")
        assert call(srv, "PUT", "shared-name", creds=one).status_code == 200
        assert call(srv, "PUT", "shared-name", creds=one).status_code == 200  # the owner again: fine
        assert call(srv, "PUT", "shared-name", "k", data=b"mine", creds=one).status_code == 200
        assert error(call(srv, "PUT", "shared-name", creds=two))["Code"] == "BucketAlreadyExists"
        for method, key, params in (
            ("GET", "k", {}),
            ("GET", None, {}),
            ("PUT", None, {"acl": ""}),
            ("DELETE", None, {}),
            ("GET", None, {"bucketInfo": ""}),
        ):
            resp = call(srv, method, "shared-name", key, params=params, creds=two)
            assert resp.status_code == 403 and error(resp)["Code"] == "AccessDenied", (method, params)
        assert "shared-name" not in call(srv, "GET", creds=two).text
        assert "shared-name" in call(srv, "GET", creds=one).text


def test_security_tokens(tmp_path):
    (tmp_path / "accounts.json").write_text(
        json.dumps([{"access_key_id": "STS.temp", "access_key_secret": "sts-secret", "security_token": "tok-123"}])
    )
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        good = Credentials("STS.temp", "sts-secret", "tok-123")
        assert call(srv, "GET", creds=good).status_code == 200
        for creds in (Credentials("STS.temp", "sts-secret"), Credentials("STS.temp", "sts-secret", "forged")):
            resp = call(srv, "GET", creds=creds)
            assert resp.status_code == 403 and error(resp)["Code"] == "InvalidSecurityToken"


def test_malformed_and_oversized_xml(server, bkt):
    for body in (b"<Delete><Object><Key>a</Key>", b"not xml at all", b"<Other/>"):
        md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
        resp = call(server, "POST", bkt, params={"delete": ""}, headers={"Content-MD5": md5}, data=body)
        assert resp.status_code == 400 and error(resp)["Code"] == "MalformedXML", body
    upload = re.search(r"<UploadId>(\w+)</UploadId>", call(server, "POST", bkt, "mp", params={"uploads": ""}).text)[1]
    resp = call(server, "POST", bkt, "mp", params={"uploadId": upload}, data=b"<CompleteMultipartUpload><Part>")
    assert resp.status_code == 400 and error(resp)["Code"] == "MalformedXML"
    big = b"<CompleteMultipartUpload>" + b"<Part><PartNumber>1</PartNumber></Part>" * 200_000
    resp = call(server, "POST", bkt, "mp", params={"uploadId": upload}, data=big)
    assert resp.status_code == 400 and error(resp)["Code"] == "MalformedXML"
    call(server, "DELETE", bkt, "mp", params={"uploadId": upload})


def test_part_order_and_numbers(server, bkt):
    upload = re.search(r"<UploadId>(\w+)</UploadId>", call(server, "POST", bkt, "o", params={"uploads": ""}).text)[1]
    etags = [
        call(server, "PUT", bkt, "o", params={"partNumber": str(n), "uploadId": upload}, data=b"x" * 102400).headers[
            "ETag"
        ]
        for n in (1, 2)
    ]
    xml = (
        "<CompleteMultipartUpload>"
        + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{e}</ETag></Part>" for n, e in ((2, etags[1]), (1, etags[0]))
        )
        + "</CompleteMultipartUpload>"
    )
    resp = call(server, "POST", bkt, "o", params={"uploadId": upload}, data=xml.encode())
    assert error(resp)["Code"] == "InvalidPartOrder"
    for number in ("0", "10001", "x"):
        resp = call(server, "PUT", bkt, "o", params={"partNumber": number, "uploadId": upload}, data=b"x")
        assert error(resp)["Code"] == "InvalidArgument"
    resp = call(server, "PUT", bkt, "o", params={"partNumber": "1", "uploadId": "NOPE"}, data=b"x")
    assert resp.status_code == 404 and error(resp)["Code"] == "NoSuchUpload"


def test_not_implemented(server, bkt):
    for method, params in (("GET", {"worm": ""}), ("PUT", {"inventory": ""}), ("GET", {"cname": ""})):
        resp = call(server, method, bkt, params=params)
        assert resp.status_code == 501 and error(resp)["Code"] == "NotImplemented"
    resp = requests.request("PATCH", f"{server.endpoint}/{bkt}/k")
    assert resp.status_code == 501 and error(resp)["Code"] == "NotImplemented"


def test_ranges_and_conditions(server, bkt):
    data = bytes(range(100)) * 10
    etag = call(server, "PUT", bkt, "r", data=data).headers["ETag"]
    std = {"x-oss-range-behavior": "standard"}
    resp = call(server, "GET", bkt, "r", headers={"Range": "bytes=500-2000", **std})
    assert (
        resp.status_code == 206 and resp.content == data[500:] and resp.headers["Content-Range"] == "bytes 500-999/1000"
    )
    assert call(server, "GET", bkt, "r", headers={"Range": "bytes=1000-", **std}).status_code == 416
    assert call(server, "GET", bkt, "r", headers={"Range": "bytes=500-2000"}).status_code == 200
    part = call(server, "GET", bkt, "r", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == data[10:20]
    assert part.headers["Content-Range"] == "bytes 10-19/1000"
    # the CRC-64 header describes the whole object even when a range is sent
    assert part.headers["x-oss-hash-crc64ecma"] == call(server, "HEAD", bkt, "r").headers["x-oss-hash-crc64ecma"]
    assert call(server, "GET", bkt, "r", headers={"If-None-Match": etag}).status_code == 304
    assert call(server, "GET", bkt, "r", headers={"If-Match": etag.strip('"').lower()}).status_code == 200
    assert call(server, "GET", bkt, "r", headers={"If-Match": '"0000"'}).status_code == 412
    resp = call(server, "GET", bkt, "r", params={"response-content-type": "text/csv"})
    assert resp.headers["Content-Type"] == "text/csv"


def test_content_md5_and_chunked_body(server, bkt):
    resp = call(server, "PUT", bkt, "m", headers={"Content-MD5": "eB5eJF1ptWaXm4bijSPyxw=="}, data=b"0123456789")
    assert resp.status_code == 200 and resp.headers["ETag"] == '"781E5E245D69B566979B86E28D23F2C7"'
    resp = call(server, "PUT", bkt, "m", headers={"Content-MD5": "eB5eJF1ptWaXm4bijSPyxw=="}, data=b"other")
    assert error(resp)["Code"] == "InvalidDigest"
    assert call(server, "GET", bkt, "m").content == b"0123456789"
    resp = call(server, "PUT", bkt, "c", data=(bytes([i]) * 300_000 for i in range(4)))
    assert resp.status_code == 200
    assert call(server, "GET", bkt, "c").content == b"".join(bytes([i]) * 300_000 for i in range(4))


def test_virtual_hosted_addressing(server, bkt):
    port = server.endpoint.rsplit(":", 1)[1]
    host = f"{bkt}.localhost:{port}"
    assert call(server, "PUT", bkt, "dir/v h", data=b"virtual", host=host).status_code == 200
    assert call(server, "GET", bkt, "dir/v h", host=host).content == b"virtual"
    assert "<Key>dir/v h</Key>" in call(server, "GET", bkt, host=host).text
    upload = re.search(
        r"<UploadId>(\w+)</UploadId>", call(server, "POST", bkt, "mp", params={"uploads": ""}, host=host).text
    )[1]
    call(server, "PUT", bkt, "mp", params={"uploadId": upload, "partNumber": "1"}, data=b"p", host=host)
    done = call(
        server, "POST", bkt, "mp", params={"uploadId": upload}, headers={"x-oss-complete-all": "yes"}, host=host
    )
    assert done.status_code == 200 and f"<Location>http://{host}/mp</Location>" in done.text


def test_client_mistakes_never_yield_a_500(server, bkt):
    """Odd but possible requests: each gets a 4xx/501 in OSS's format, and the connection keeps working."""
    session = requests.Session()
    base = f"{server.endpoint}/{bkt}"
    odd = [
        ("GET", f"{base}/%FF%FE", {}, None),
        ("GET", f"{base}/?max-keys=abc", {}, None),
        ("GET", f"{base}/?max-keys=5000", {}, None),
        ("GET", f"{base}/?encoding-type=base64", {}, None),
        ("GET", f"{base}/?list-type=2&continuation-token=%%%", {}, None),
        ("PUT", f"{base}/k?partNumber=1", {}, b"x"),
        ("POST", f"{base}/k", {}, b"x"),
        ("POST", f"{base}/k?append&position=-4", {}, b"x"),
        ("POST", f"{base}/k?append&position=zz", {}, b"x"),
        ("PUT", f"{base}/k", {"x-oss-storage-class": "Gold"}, b"x"),
        ("PUT", f"{base}/k", {"Content-MD5": "not base64!"}, b"x"),
        ("PUT", f"{base}/k", {"x-oss-copy-source": "/nobucket"}, None),
        ("PUT", f"{base}/k", {"x-oss-copy-source": f"/{bkt}/missing"}, None),
        ("PUT", f"{base}/k", {"x-oss-object-acl": "everyone"}, b"x"),
        ("GET", f"{base}/k", {"Authorization": "Bearer abc"}, None),
        ("GET", f"{base}/k", {"Authorization": "OSS nocolon"}, None),
        ("GET", f"{base}/k", {"Authorization": "OSS4-HMAC-SHA256 Credential=x"}, None),
        ("GET", f"{base}/k", {"Authorization": "OSS ak:sig", "Date": "yesterday"}, None),
        ("GET", f"{base}/k?x-oss-signature-version=OSS4-HMAC-SHA256&x-oss-credential=a/b", {}, None),
        ("GET", f"{base}/k?OSSAccessKeyId=a&Expires=soon&Signature=x", {}, None),
        ("GET", f"{base}/k?x-oss-signature-version=OSS9", {}, None),
        ("DELETE", f"{base}/k?uploadId=nope", {}, None),
        ("GET", f"{base}/k?uploadId=nope", {}, None),
        ("POST", f"{base}/k?uploadId=nope", {}, b"<CompleteMultipartUpload/>"),
        ("POST", f"{base}/?delete", {"Content-MD5": "1B2M2Y8AsgTpgAmY7PhCfg=="}, b""),
        ("PUT", f"{server.endpoint}/Bad..Name/k", {}, b"x"),
        ("HEAD", f"{base}/%FF%FE", {}, None),
        ("HEAD", f"{base}/k?uploadId=nope", {}, None),
    ]
    call(server, "PUT", bkt, "k", data=b"exists")
    creds = Credentials(server.access_key_id, server.access_key_secret)
    for method, url, headers, data in odd:
        if "Authorization" not in headers and "Signature" not in url and "x-oss-signature" not in url:
            headers = _signed_for_raw_url(method, url, headers, creds)
        resp = session.request(method, url, headers=headers, data=data)
        assert 400 <= resp.status_code < 500 or resp.status_code == 501, (method, url, resp.status_code, resp.text)
        assert resp.headers.get("x-oss-request-id"), (method, url)
        if method == "HEAD":  # no body: the error document travels base64-encoded in x-oss-err
            assert resp.content == b"" and error_from_b64(resp)["Code"] != "InternalError", (method, url)
        elif resp.content:
            assert "<Code>" in resp.text and "InternalError" not in resp.text, (method, url, resp.text)


def _signed_for_raw_url(method, url, headers, creds):
    """V1-sign a hand-written URL, so that the request gets past authentication to the odd part."""
    path, _, query = urlsplit(url).path, None, urlsplit(url).query
    bucket, _, key = path.lstrip("/").partition("/")
    req = SignableRequest(
        method,
        bucket,
        unquote(key, errors="replace") or None,
        dict(parse_qsl(query, keep_blank_values=True)),
        dict(headers),
    )
    SignerV1().sign(req, creds)
    return req.headers


def test_utf8_metadata_is_signed_and_returned_as_utf8(server, bkt):
    req = SignableRequest("PUT", bkt, "meta", {}, {"x-oss-meta-city": "杭州"})
    SignerV4(REGION).sign(req, Credentials(server.access_key_id, server.access_key_secret))
    wire = {k: v.encode("utf-8") for k, v in req.headers.items()}  # requests sends bytes as they are
    resp = requests.put(f"{server.endpoint}/{bkt}/meta", headers=wire, data=b"m")
    assert resp.status_code == 200, resp.text
    raw = call(server, "HEAD", bkt, "meta").headers["x-oss-meta-city"]
    assert raw.encode("latin-1").decode("utf-8") == "杭州"


def test_batch_delete_quiet_and_url_encoding(server, bkt):
    for key in ("a b", "ü/x"):
        call(server, "PUT", bkt, key, data=b"1")
    body = "<Delete><Quiet>{}</Quiet><Object><Key>a b</Key></Object><Object><Key>ü/x</Key></Object></Delete>"

    def delete(quiet):
        data = body.format(quiet).encode()
        md5 = base64.b64encode(hashlib.md5(data).digest()).decode()
        return call(
            server, "POST", bkt, params={"delete": "", "encoding-type": "url"}, headers={"Content-MD5": md5}, data=data
        )

    loud = delete("false").text
    assert "<Key>a%20b</Key>" in loud and "<Key>%C3%BC%2Fx</Key>" in loud
    call(server, "PUT", bkt, "a b", data=b"1")
    quiet = delete("true")
    assert quiet.status_code == 200 and "<Deleted>" not in quiet.text
    assert call(server, "HEAD", bkt, "a b").status_code == 404


def test_single_put_over_5_gb_is_refused_before_the_body(server, bkt):
    import socket

    req = SignableRequest("PUT", bkt, "huge", {}, {})
    SignerV1().sign(req, Credentials(server.access_key_id, server.access_key_secret))
    host, port = server.endpoint.split("//")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in req.headers.items())
        sock.sendall(
            f"PUT /{bkt}/huge HTTP/1.1\r\nHost: {host}:{port}\r\n{head}Content-Length: {6 << 30}\r\n\r\n".encode()
            + b"x" * 1000
        )
        reply = sock.recv(65536).decode()
    assert reply.startswith("HTTP/1.1 400") and "<Code>EntityTooLarge</Code>" in reply
    assert "Connection: close" in reply
