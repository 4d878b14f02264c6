"""Request headers an object write or a request carries, checked as OSS checks them: user metadata, storage
class, server-side encryption, Content-MD5, the traffic limit; and which headers an object keeps."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re

from ossh.protocol import H_SSE, H_SSE_DATA, H_SSE_KEY_ID, H_TRAFFIC_LIMIT, MAX_USER_META, META_PREFIX, STORAGE_CLASSES

from ..wire.errors import OssServerError, invalid_argument

_META_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")  # an HTTP token (RFC 9110)
SSE_PREFIX = "x-oss-server-side-"  # the algorithm, the KMS key id, the data algorithm
SSE_ALGORITHMS = ("AES256", "KMS", "SM4")
TRAFFIC_RANGE = (819200, 838860800)  # bit/s: 100 KB/s to 100 MB/s
# Headers a writer sets that the object keeps and sends back: stored name -> name sent.
STORED_HEADERS = {
    "cache-control": "Cache-Control",
    "content-disposition": "Content-Disposition",
    "content-encoding": "Content-Encoding",
    "content-language": "Content-Language",
    "expires": "Expires",
    **{h: h for h in (H_SSE, H_SSE_KEY_ID, H_SSE_DATA)},
}


def user_meta(fields: dict[str, str]) -> dict[str, str]:
    """The x-oss-meta-* fields of `fields` (lowercased names) without the prefix, names and size checked."""
    meta = {k[len(META_PREFIX) :]: v for k, v in fields.items() if k.startswith(META_PREFIX)}
    for name in meta:
        if not _META_NAME.match(name):
            raise invalid_argument("The user metadata name is not valid.", META_PREFIX + name, name)
    if sum(len(k) + len(v) for k, v in meta.items()) > MAX_USER_META:
        raise invalid_argument("User metadata is over 8 KB.", META_PREFIX + "*", "")
    return meta


def check_storage_class(value: str, name: str) -> str:
    if value not in STORAGE_CLASSES:
        raise invalid_argument("Invalid storage class.", name, value)
    return value


def check_sse(headers: dict[str, str]) -> dict[str, str]:
    """Server-side encryption headers checked (AES256, KMS or SM4) and kept as OSS keeps them: a key id and a
    data algorithm only go with KMS (OSS ignores them otherwise); `headers` is returned."""
    algorithm = headers.get(H_SSE)
    if algorithm != "KMS":
        headers.pop(H_SSE_KEY_ID, None)
        headers.pop(H_SSE_DATA, None)
    if algorithm is None:
        return headers
    if algorithm not in SSE_ALGORITHMS:
        raise OssServerError("InvalidEncryptionAlgorithmError", ArgumentName=H_SSE, ArgumentValue=algorithm)
    data = headers.get(H_SSE_DATA)
    if data is not None and data != "SM4":
        raise invalid_argument("Only SM4 is a valid data encryption.", H_SSE_DATA, data)
    if algorithm == "KMS" and not headers.get(H_SSE_KEY_ID):
        headers[H_SSE_KEY_ID] = hashlib.md5(b"ossh-kms-default").hexdigest()  # OSS's managed key stand-in
    return headers


def encryption_of(headers: dict[str, str]) -> dict[str, str]:
    """The server-side encryption fields among `headers`."""
    return {k: v for k, v in headers.items() if k.startswith(SSE_PREFIX)}


def kept_headers(headers: dict[str, str]) -> dict[str, str]:
    """The stored headers a copy or an upload carries over (not the internal ones: symlink target, restore)."""
    return {k: v for k, v in headers.items() if k in STORED_HEADERS}


def expected_md5(req) -> bytes | None:
    """The digest Content-MD5 names, None without one; InvalidDigest when it is not 16 bytes of base64."""
    value = req.header("content-md5")
    if not value:
        return None
    try:
        digest = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        digest = b""
    if len(digest) != 16:
        raise OssServerError("InvalidDigest", ContentMD5=value)
    return digest


def check_md5(req, body: bytes) -> None:
    expected = expected_md5(req)
    if expected is not None and expected != hashlib.md5(body).digest():
        raise OssServerError("InvalidDigest", ContentMD5=req.header("content-md5"))


def check_traffic_limit(req) -> None:
    """x-oss-traffic-limit (header, or parameter of a presigned URL) must be within OSS's range."""
    raw = req.header(H_TRAFFIC_LIMIT) or req.params.get(H_TRAFFIC_LIMIT)
    if raw is None or raw == "":
        return
    if not raw.isdigit() or not TRAFFIC_RANGE[0] <= int(raw) <= TRAFFIC_RANGE[1]:
        err = invalid_argument(
            f"The traffic limit must be an integer between {TRAFFIC_RANGE[0]} and {TRAFFIC_RANGE[1]} (bit/s).",
            H_TRAFFIC_LIMIT,
            raw,
        )
        err.ec = "0004-00000502"
        raise err
