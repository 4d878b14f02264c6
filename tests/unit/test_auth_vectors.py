"""Signatures against the published test vectors of the wire reference (AK `ak`, SK `sk`)."""

import hashlib

from ossh.client.auth import Credentials, SignableRequest, SignerV1, SignerV4, v4_scope

CREDS = Credentials("ak", "sk")
DATE = "Wed, 28 Dec 2022 10:27:41 GMT"


def _v1_put(params=None):
    return SignableRequest(
        "PUT",
        "examplebucket",
        "nelson",
        params or {},
        {
            "Content-MD5": "eB5eJF1ptWaXm4bijSPyxw==",
            "Content-Type": "text/html",
            "x-oss-meta-magic": "abracadabra",
            "x-oss-meta-author": "alice",
            "x-oss-date": DATE,
        },
    )


def test_v1_header_vector():
    sts = SignerV1.string_to_sign(_v1_put(), DATE)
    assert sts == (
        "PUT\neB5eJF1ptWaXm4bijSPyxw==\ntext/html\n"
        + DATE
        + "\nx-oss-date:"
        + DATE
        + "\nx-oss-meta-author:alice\nx-oss-meta-magic:abracadabra\n/examplebucket/nelson"
    )
    assert SignerV1.signature("sk", sts) == "kSHKmLxlyEAKtZPkJhG9bZb5k7M="


def test_v1_subresource_vector():
    sts = SignerV1.string_to_sign(_v1_put({"acl": ""}), DATE)
    assert sts.endswith("/examplebucket/nelson?acl")
    assert SignerV1.signature("sk", sts) == "/afkugFbmWDQ967j1vr6zygBLQk="


def test_v1_only_subresources_are_signed_and_sorted():
    req = SignableRequest(
        "GET", "examplebucket", None, {"resourceGroup": "", "acl": "", "non-resousce": "null"}, {"x-oss-date": DATE}
    )
    sts = SignerV1.string_to_sign(req, DATE)
    assert sts == f"GET\n\n\n{DATE}\nx-oss-date:{DATE}\n/examplebucket/?acl&resourceGroup"
    assert SignerV1.signature("sk", sts) == "x3E5TgOvl/i7PN618s5mEvpJDYk="


def test_v1_presign_vectors():
    req = SignableRequest("GET", "bucket", "key", {"versionId": "versionId"})
    SignerV1().presign(req, CREDS, 1699807420)
    assert req.params["Signature"] == "dcLTea+Yh9ApirQ8o8dOPqtvJXQ="
    assert req.params["OSSAccessKeyId"] == "ak" and req.params["Expires"] == "1699807420"
    req = SignableRequest("GET", "bucket", "key+123", {"versionId": "versionId"})
    SignerV1().presign(req, Credentials("ak", "sk", "token"), 1699808204)
    assert req.params["Signature"] == "jzKYRrM5y6Br0dRFPaTGOsbrDhY="


def _v4_req(extra_headers=None, content_type="text/plain"):
    headers = {"x-oss-head1": "value", "abc": "value", "ZAbc": "value", "XYZ": "value", "content-type": content_type}
    headers.update(extra_headers or {})
    params = {"param1": "value1", "+param1": "value3", "|param1": "value4", "+param2": "", "|param2": "", "param2": ""}
    return SignableRequest("PUT", "bucket", "1234+-/123/1.txt", params, headers)


def test_v4_canonical_request_vector():
    req = _v4_req({"x-oss-content-sha256": "UNSIGNED-PAYLOAD", "x-oss-date": "20231216T162057Z"})
    canonical = SignerV4.canonical_request(req)
    assert canonical == (
        "PUT\n/bucket/1234%2B-/123/1.txt\n"
        "%2Bparam1=value3&%2Bparam2&%7Cparam1=value4&%7Cparam2&param1=value1&param2\n"
        "content-type:text/plain\nx-oss-content-sha256:UNSIGNED-PAYLOAD\nx-oss-date:20231216T162057Z\n"
        "x-oss-head1:value\n\n\nUNSIGNED-PAYLOAD"
    )
    assert (
        hashlib.sha256(canonical.encode()).hexdigest()
        == "f4613657f1b108998e8dbd10a1aa5da621dc2c6e02c9ddec0f163664848704c4"
    )


def test_v4_header_vectors():
    req = _v4_req()
    SignerV4("cn-hangzhou").sign(req, CREDS, now=1702743657)
    assert req.headers["Authorization"] == (
        "OSS4-HMAC-SHA256 Credential=ak/20231216/cn-hangzhou/oss/aliyun_v4_request,"
        "Signature=e21d18daa82167720f9b1047ae7e7f1ce7cb77a31e8203a7d5f4624fa0284afe"
    )

    req = _v4_req()
    SignerV4("cn-hangzhou").sign(req, CREDS, now=1702747512, additional_headers={"ZAbc", "abc"})
    assert req.headers["Authorization"].endswith(
        ",AdditionalHeaders=abc;zabc,Signature=4a4183c187c07c8947db7620deb0a6b38d9fbdd34187b6dbaccb316fa251212f"
    )

    req = _v4_req()
    SignerV4("cn-hangzhou").sign(req, Credentials("ak", "sk", "token"), now=1702784856)
    assert req.headers["Authorization"].endswith(
        "Signature=b94a3f999cf85bcdc00d332fbd3734ba03e48382c36fa4d5af5df817395bd9ea"
    )


def test_v4_presign_vectors():
    headers = {"x-oss-head1": "value", "content-type": "application/octet-stream"}
    req = _v4_req(content_type="application/octet-stream")
    req.headers = dict(headers)
    SignerV4("cn-hangzhou").presign(req, CREDS, 1702782276 - 1702781677, now=1702781677)
    assert req.params["x-oss-date"] == "20231217T025437Z" and req.params["x-oss-expires"] == "599"
    assert req.params["x-oss-credential"] == "ak/" + v4_scope("20231217", "cn-hangzhou")
    assert req.params["x-oss-signature"] == "a39966c61718be0d5b14e668088b3fa07601033f6518ac7b523100014269c0fe"

    req = _v4_req(content_type="application/octet-stream")
    SignerV4("cn-hangzhou").presign(
        req, CREDS, 1702784408 - 1702783809, now=1702783809, additional_headers={"ZAbc", "abc"}
    )
    assert req.params["x-oss-additional-headers"] == "abc;zabc"
    assert req.params["x-oss-signature"] == "6bd984bfe531afb6db1f7550983a741b103a8c58e5e14f83ea474c2322dfa2b7"
