"""Retry decisions, backoff bounds, replayability, log redaction and presigned URL shapes."""

import io
from urllib.parse import parse_qs, urlsplit

import pytest

from ossh.client import OssClient
from ossh.client.auth import SignableRequest, SignerV1
from ossh.client.body import make_payload
from ossh.client.transport import Call, RetryPolicy, redact_url


@pytest.mark.parametrize(
    "status, code, retry",
    [
        (None, None, True),  # connection failure
        (500, "InternalError", True),
        (503, "SlowDown", True),
        (429, None, True),
        (400, "Throttling", True),
        (404, "NoSuchKey", False),
        (403, "AccessDenied", False),
        (409, "BucketNotEmpty", False),
        (507, "InsufficientStorage", False),  # a full disk does not empty itself between retries
        (507, None, False),
        (500, "InsufficientStorage", False),
        (501, "NotImplemented", False),
        (502, None, True),
        (504, None, True),
    ],
)
def test_what_is_retried(status, code, retry):
    assert RetryPolicy(max_retries=3).should_retry(0, True, status, code) is retry


def test_retries_stop_at_the_limit_and_without_a_replayable_body():
    policy = RetryPolicy(max_retries=2)
    assert policy.should_retry(1, True, 503) and not policy.should_retry(2, True, 503)
    assert not policy.should_retry(0, False, None)


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(max_retries=10, base_delay=0.5, max_delay=4)
    for attempt in range(10):
        for _ in range(20):
            assert 0 <= policy.delay(attempt) <= min(4, 0.5 * 2**attempt)
    assert max(policy.delay(8) for _ in range(200)) > 2  # jitter spreads over the whole window


def test_replayable_bodies():
    assert Call("GET").replayable
    assert Call("PUT", body=make_payload(b"x")).replayable
    assert Call("PUT", body=make_payload(io.BytesIO(b"x"))).replayable
    assert not Call("PUT", body=make_payload(iter([b"x"]))).replayable


def test_redacted_urls_hide_signatures_and_tokens():
    url = (
        "http://h/b/k?OSSAccessKeyId=ak&Expires=1&Signature=SECRET%2B&security-token=TOK"
        "&x-oss-signature=SIG&x-oss-security-token=TOK2&acl"
    )
    red = redact_url(url)
    for secret in ("SECRET", "TOK", "SIG"):
        assert secret not in red
    assert "OSSAccessKeyId=ak" in red and "acl" in red


def test_presign_v1_shape_and_signature():
    c = OssClient("http://127.0.0.1:9", "ak", "sk", signature_version="v1")
    url = c.presign("GET", "bkt", "dir/a b.txt", expires=600)
    parts = urlsplit(url)
    assert parts.path == "/bkt/dir/a%20b.txt"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q["OSSAccessKeyId"] == "ak" and set(q) == {"OSSAccessKeyId", "Expires", "Signature"}
    sts = SignerV1.string_to_sign(SignableRequest("GET", "bkt", "dir/a b.txt"), q["Expires"])
    assert q["Signature"] == SignerV1.signature("sk", sts)


def test_presign_v4_shape_with_token():
    c = OssClient("https://oss-cn-beijing.aliyuncs.com", "ak", "sk", security_token="tok")
    url = c.presign("PUT", "my-bucket", "k", expires=300)
    parts = urlsplit(url)
    assert parts.netloc == "my-bucket.oss-cn-beijing.aliyuncs.com"
    q = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert q["x-oss-signature-version"] == "OSS4-HMAC-SHA256" and q["x-oss-expires"] == "300"
    credential = q["x-oss-credential"]
    assert credential.startswith("ak/") and credential.endswith("/cn-beijing/oss/aliyun_v4_request")
    assert q["x-oss-security-token"] == "tok" and len(q["x-oss-signature"]) == 64


def test_client_repr_and_errors_hide_the_secret():
    c = OssClient("http://127.0.0.1:9", "ak", "the-secret")
    assert "the-secret" not in repr(c) and "the-secret" not in repr(c.transport.credentials)
