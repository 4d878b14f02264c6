"""Requests signed by the client (V1 and V4, with or without an STS token) are accepted by the server;
presigned URLs work with plain requests; a wrong secret, token or an expired URL is refused."""

import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from ossh.client import OssClient
from ossh.client.errors import AccessDenied, OssError, SignatureDoesNotMatch
from ossh.client.transport import redact_url

SIGNATURE_PARAMS = ("signature", "x-oss-signature")


@pytest.fixture(params=["v1", "v4"])
def signed(request, server):
    return OssClient(
        server.endpoint,
        server.access_key_id,
        server.access_key_secret,
        region="cn-hangzhou",
        signature_version=request.param,
    )


def test_every_kind_of_request_is_accepted(signed, bucket):
    key = "dir/sp ace+plus&amp=eq?q#h%25/ü.txt"
    signed.put_object(bucket, key, b"data", metadata={"Author": "a b"})
    assert signed.head_object(bucket, key).metadata == {"author": "a b"}
    assert signed.get_object(bucket, key).read() == b"data"
    assert [o.key for o in signed.list_objects(bucket, prefix="dir/").objects] == [key]
    signed.put_object_acl(bucket, key, "public-read")
    assert signed.get_object_acl(bucket, key) == "public-read"
    upload = signed.init_multipart_upload(bucket, key)
    assert [u.upload_id for u in signed.iter_uploads(bucket)] == [upload]
    signed.abort_multipart_upload(bucket, key, upload)
    assert signed.delete_objects(bucket, [key]) == [key]


def test_wrong_secret_is_refused(server, bucket):
    bad = OssClient(server.endpoint, server.access_key_id, "not-the-secret", region="cn-hangzhou")
    with pytest.raises(SignatureDoesNotMatch) as exc:
        bad.list_objects(bucket)
    assert exc.value.status == 403 and "not-the-secret" not in str(exc.value)


def test_anonymous_access_follows_acl(server, client, bucket):
    anon = OssClient(server.endpoint)
    client.put_object(bucket, "private", b"p")
    client.put_object(bucket, "public", b"q", acl="public-read")
    assert anon.get_object(bucket, "public").read() == b"q"
    with pytest.raises(AccessDenied):
        anon.get_object(bucket, "private").read()


def test_presigned_get_and_put_work_with_plain_requests(signed, bucket):
    signed.put_object(bucket, "a b/c.txt", b"hello")
    url = signed.presign("GET", bucket, "a b/c.txt", expires=60)
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 200 and resp.content == b"hello"
    put_url = signed.presign("PUT", bucket, "up.bin", expires=60, headers={"Content-Type": "application/x-up"})
    resp = requests.put(put_url, data=b"uploaded", headers={"Content-Type": "application/x-up"}, timeout=10)
    assert resp.status_code == 200
    meta = signed.head_object(bucket, "up.bin")
    assert meta.content_type == "application/x-up" and meta.size == 8
    wrong_type = requests.put(put_url, data=b"x", headers={"Content-Type": "text/plain"}, timeout=10)
    assert wrong_type.status_code == 403


def test_expired_presigned_url_is_refused(server, client, bucket):
    v1 = OssClient(server.endpoint, server.access_key_id, server.access_key_secret, signature_version="v1")
    client.put_object(bucket, "k", b"v")
    url = v1.presign("GET", bucket, "k", expires=-10)
    resp = requests.get(url, timeout=10)
    assert resp.status_code == 403 and b"<Code>AccessDenied</Code>" in resp.content


def test_debug_log_never_shows_secrets(server, bucket, caplog):
    c = OssClient(
        server.endpoint,
        server.access_key_id,
        server.access_key_secret,
        region="cn-hangzhou",
        security_token=None,
        signature_version="v1",
    )
    with caplog.at_level("DEBUG", logger="ossh.client"):
        c.put_object(bucket, "logged", b"x")
        c.list_objects(bucket)
    text = caplog.text
    assert "PUT http://" in text and "-> 200" in text and "request " in text
    assert server.access_key_secret not in text and "Signature" not in text
    assert re.search(r"-> 200 request [0-9A-F]+ \d+\.\d+s", text)


def test_security_token_is_sent_and_checked(tmp_path):
    from ossh.server import LocalServer

    accounts = tmp_path / "accounts.json"
    accounts.write_text(
        json.dumps([{"access_key_id": "sts-ak", "access_key_secret": "sts-sk", "security_token": "tok-123"}])
    )
    with LocalServer(tmp_path / "root", credentials={"main-ak": "main-sk"}, accounts_file=accounts) as srv:
        for version in ("v1", "v4"):
            c = OssClient(srv.endpoint, "sts-ak", "sts-sk", security_token="tok-123", signature_version=version)
            c.create_bucket(f"sts-{version}")
            c.put_object(f"sts-{version}", "k", b"with token")
            assert requests.get(c.presign("GET", f"sts-{version}", "k"), timeout=10).content == b"with token"
            wrong = OssClient(srv.endpoint, "sts-ak", "sts-sk", security_token="tok-999", signature_version=version)
            with pytest.raises(OssError) as exc:
                wrong.get_object(f"sts-{version}", "k")
            assert exc.value.code == "InvalidSecurityToken" and "tok-" not in str(exc.value)


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_debug_logs_and_errors_with_a_token_or_presigned_urls_hide_every_secret(tmp_path, caplog, version):
    from ossh.server import LocalServer

    accounts = tmp_path / "accounts.json"
    accounts.write_text(
        json.dumps([{"access_key_id": "sts-ak", "access_key_secret": "sts-SECRET-sk", "security_token": "sts-TOKEN-1"}])
    )
    with (
        LocalServer(tmp_path / "root", credentials={"main-ak": "main-sk"}, accounts_file=accounts) as srv,
        caplog.at_level("DEBUG"),
    ):  # every logger: the client's and urllib3's
        c = OssClient(srv.endpoint, "sts-ak", "sts-SECRET-sk", security_token="sts-TOKEN-1", signature_version=version)
        c.create_bucket("sts")
        c.put_object("sts", "k", b"with token")
        assert c.get_object("sts", "k").read() == b"with token"
        urls = [c.presign("GET", "sts", "k", expires=60), c.presign("PUT", "sts", "p", expires=60)]
        signatures = [v for url in urls for k, v in parse_qsl(urlsplit(url).query) if k.lower() in SIGNATURE_PARAMS]
        assert len(signatures) == 2 and all("sts-TOKEN-1" in url for url in urls)
        logged = [redact_url(url) for url in urls]  # what the transport's log line shows of such a URL
        wrong = OssClient(
            srv.endpoint, "sts-ak", "not-the-secret", security_token="sts-TOKEN-1", signature_version=version
        )
        with pytest.raises(SignatureDoesNotMatch) as exc:
            wrong.get_object("sts", "k")
    shown = "\n".join(
        [caplog.text, *logged, str(exc.value), repr(exc.value), repr(exc.value.details), repr(c.transport.credentials)]
    )
    assert "GET http://" in caplog.text and "/sts/k" in caplog.text
    for secret in ("sts-SECRET-sk", "not-the-secret", "sts-TOKEN-1", "Authorization", *signatures):
        assert secret not in shown
    assert exc.value.details["SignatureProvided"] == "***"
