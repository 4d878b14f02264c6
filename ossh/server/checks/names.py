"""Names a request carries: bucket names, object keys, and how keys go back in an answer (encoding-type)."""

from __future__ import annotations

from ossh.client.auth import uri_encode
from ossh.protocol import BUCKET_NAME_RE, BUCKET_NAME_RULE, MAX_KEY_BYTES

from ..wire.errors import OssServerError, invalid_argument


def check_bucket_name(name: str) -> str:
    if not BUCKET_NAME_RE.match(name):
        raise OssServerError(
            "InvalidBucketName", f"The specified bucket is not valid: {BUCKET_NAME_RULE}.", BucketName=name
        )
    return name


def check_key(key: str) -> str:
    if not key or len(key.encode("utf-8")) > MAX_KEY_BYTES or key[0] in "/\\":
        raise OssServerError("InvalidObjectName", Key=key)
    return key


def encoder(req):
    """(transform, elements) for keys and prefixes in an answer: identity and no element, or for
    encoding-type=url, uri_encode and the EncodingType element that says so."""
    kind = req.param("encoding-type")
    if kind and kind != "url":
        raise invalid_argument("The encoding type is not valid.", "encoding-type", kind)
    return (uri_encode, [("EncodingType", "url")]) if kind == "url" else ((lambda s: s), [])
