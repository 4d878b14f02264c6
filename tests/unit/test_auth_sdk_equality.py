"""ossh's signers produce exactly the signatures of the official SDKs, oss2 and alibabacloud-oss-v2.

Real OSS cannot be reached from here, so agreement with both SDKs' signers, over awkward keys,
sub-resources, metadata and tokens, is what tells us real OSS would accept ossh's requests.
"""

import calendar
import datetime
import time
from urllib.parse import parse_qsl, urlsplit

import oss2
import oss2.http
import pytest
from alibabacloud_oss_v2 import signer as v2signer
from alibabacloud_oss_v2.types import Credentials as V2Credentials
from alibabacloud_oss_v2.types import HttpRequest, SigningContext

from ossh.client.auth import Credentials, SignableRequest, SignerV1, SignerV4, uri_encode

AK, SK, REGION = "LTAI5tExampleKeyId", "example/secret+key=", "cn-hangzhou"

KEYS = [
    "plain.txt",
    "dir/sub/file.bin",
    "with space.txt",
    "a+b=c&d",
    "100%",
    "what?",
    "hash#tag",
    "../up/../and-down",
    "中文/目录/文件.txt",
    "emoji-\U0001f600",
    "tilde~and*star",
    "x" * 1023,
]
CASES = [
    ("GET", {}, {}),
    (
        "PUT",
        {},
        {
            "Content-Type": "text/plain",
            "Content-MD5": "eB5eJF1ptWaXm4bijSPyxw==",
            "x-oss-meta-Author": "alice",
            "x-oss-object-acl": "private",
        },
    ),
    ("GET", {"acl": ""}, {}),
    ("PUT", {"partNumber": "3", "uploadId": "0004B9894A22E5B1888A1E29F823****"}, {}),
    ("GET", {"response-content-type": "text/html; charset=utf-8", "prefix": "a b/"}, {}),
    ("POST", {"append": "", "position": "1024"}, {"Content-Type": "application/octet-stream"}),
]


def _ids(cases):
    return [f"{m}-{'-'.join(p) or 'plain'}" for m, p, _ in cases]


def _epoch(iso):
    return calendar.timegm(time.strptime(iso, "%Y%m%dT%H%M%SZ"))


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
@pytest.mark.parametrize("method,params,headers", CASES, ids=_ids(CASES))
@pytest.mark.parametrize("token", [None, "sts-token/with+chars="])
def test_v1_header_matches_oss2(key, method, params, headers, token):
    auth = oss2.StsAuth(AK, SK, token) if token else oss2.Auth(AK, SK)
    theirs = oss2.http.Request(method, "http://example/", params=dict(params), headers=dict(headers))
    auth._sign_request(theirs, "bucket", key)
    ours = SignableRequest(method, "bucket", key, dict(params), {**headers, "Date": theirs.headers["date"]})
    SignerV1().sign(ours, Credentials(AK, SK, token))
    assert ours.headers["Authorization"] == theirs.headers["authorization"]


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
@pytest.mark.parametrize("method,params,headers", CASES, ids=_ids(CASES))
@pytest.mark.parametrize("token", [None, "sts-token/with+chars="])
def test_v4_header_matches_oss2(key, method, params, headers, token):
    if token:
        auth = oss2.ProviderAuthV4(oss2.credentials.StaticCredentialsProvider(AK, SK, token))
    else:
        auth = oss2.AuthV4(AK, SK)
    theirs = oss2.http.Request(
        method, "http://example/", params=dict(params), headers=dict(headers), region=REGION, product="oss"
    )
    auth._sign_request(theirs, "bucket", key)
    ours = SignableRequest(method, "bucket", key, dict(params), dict(headers))
    SignerV4(REGION).sign(ours, Credentials(AK, SK, token), now=_epoch(theirs.headers["x-oss-date"]))
    sig = lambda a: a.replace(" ", "").split("Signature=")[1].split(",")[0]  # noqa: E731
    assert sig(ours.headers["Authorization"]) == sig(theirs.headers["authorization"])


def _v2_request(method, bucket, key, params, headers):
    url = "http://example/" + uri_encode(f"{bucket}/{key}", keep_slash=True)
    if params:
        url += "?" + "&".join(f"{uri_encode(k)}={uri_encode(v)}" if v else uri_encode(k) for k, v in params.items())
    return HttpRequest(method, url, headers=dict(headers))


@pytest.mark.parametrize("key", KEYS, ids=range(len(KEYS)))
@pytest.mark.parametrize("method,params,headers", CASES, ids=_ids(CASES))
@pytest.mark.parametrize("version", ["v1", "v4"])
def test_header_signatures_match_v2_sdk(key, method, params, headers, version):
    now = datetime.datetime(2026, 11, 25, 8, 30, 5, tzinfo=datetime.timezone.utc)
    theirs = _v2_request(method, "bucket", key, params, headers)
    ctx = SigningContext(
        product="oss",
        region=REGION,
        bucket="bucket",
        key=key,
        request=theirs,
        credentials=V2Credentials(AK, SK),
        signing_time=now,
    )
    (v2signer.SignerV1() if version == "v1" else v2signer.SignerV4()).sign(ctx)
    ours = SignableRequest(method, "bucket", key, dict(params), dict(headers))
    signer = SignerV1() if version == "v1" else SignerV4(REGION)
    signer.sign(ours, Credentials(AK, SK), now=now.timestamp())
    assert ours.headers["Authorization"] == theirs.headers["Authorization"]


@pytest.mark.parametrize("key", KEYS[:10], ids=range(10))
def test_presigned_v1_matches_oss2(key):
    theirs = oss2.http.Request("GET", "http://example/", params={"response-content-type": "text/plain"}, headers={})
    url = oss2.Auth(AK, SK)._sign_url(theirs, "bucket", key, 300)
    q = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    ours = SignableRequest("GET", "bucket", key, {"response-content-type": "text/plain"}, {})
    SignerV1().presign(ours, Credentials(AK, SK), int(q["Expires"]))
    assert ours.params["Signature"] == q["Signature"]


@pytest.mark.parametrize("key", KEYS[:10], ids=range(10))
def test_presigned_v4_matches_v2_sdk(key):
    now = datetime.datetime(2026, 11, 25, 8, 30, 5, tzinfo=datetime.timezone.utc)
    theirs = _v2_request("GET", "bucket", key, {"versionId": "v 1"}, {})
    ctx = SigningContext(
        product="oss",
        region=REGION,
        bucket="bucket",
        key=key,
        request=theirs,
        credentials=V2Credentials(AK, SK, "tok"),
        signing_time=now,
    )
    ctx.auth_method_query = True
    ctx.expiration_time = now + datetime.timedelta(seconds=900)
    v2signer.SignerV4().sign(ctx)
    q = dict(parse_qsl(urlsplit(theirs.url).query, keep_blank_values=True))
    ours = SignableRequest("GET", "bucket", key, {"versionId": "v 1"}, {})
    SignerV4(REGION).presign(ours, Credentials(AK, SK, "tok"), 900, now=now.timestamp())
    assert ours.params["x-oss-signature"] == q["x-oss-signature"]
    assert ours.params["x-oss-credential"] == q["x-oss-credential"]
