"""OSS headers both ways: user metadata and options into request headers, response headers into ObjectMeta,
and the CRC-64 comparison every transfer ends with."""

from __future__ import annotations

import mimetypes
from email.utils import formatdate

from ..protocol import (
    H_CRC64,
    H_FORBID_OVERWRITE,
    H_NEXT_APPEND_POSITION,
    H_OBJECT_ACL,
    H_OBJECT_TYPE,
    H_REQUEST_ID,
    H_RESTORE,
    H_STORAGE_CLASS,
    H_VERSION_ID,
    META_PREFIX,
)
from .errors import ClientError, IntegrityError
from .models import ObjectMeta
from .xmlparse import as_int, http_time, text, unquote_etag

CRC_HEADER = H_CRC64


def guess_content_type(key: str) -> str:
    return mimetypes.guess_type(key, strict=False)[0] or "application/octet-stream"


def object_headers(
    key: str | None,
    content_type: str | None = None,
    metadata: dict | None = None,
    acl: str | None = None,
    storage_class: str | None = None,
    forbid_overwrite: bool = False,
    extra: dict | None = None,
    guess: bool = True,
) -> dict[str, str]:
    """Headers for PutObject / InitiateMultipartUpload / CopyObject(REPLACE)."""
    headers: dict[str, str] = {}
    if content_type or (guess and key):
        headers["Content-Type"] = content_type or guess_content_type(key or "")
    for name, value in (metadata or {}).items():
        name = name.lower()
        headers[name if name.startswith(META_PREFIX) else META_PREFIX + name] = str(value)
    if acl:
        headers[H_OBJECT_ACL] = acl
    if storage_class:
        headers[H_STORAGE_CLASS] = storage_class
    if forbid_overwrite:
        headers[H_FORBID_OVERWRITE] = "true"
    headers.update(extra or {})
    return headers


def http_date_header(value) -> str:
    """A datetime / unix time / ready string for If-Modified-Since and friends."""
    if isinstance(value, str):
        return value
    if hasattr(value, "timestamp"):
        value = value.timestamp()
    if not isinstance(value, (int, float)):
        raise ClientError(f"a time is a datetime, a unix time or an HTTP date, not {value!r}")
    return formatdate(float(value), usegmt=True)


def crc_of(headers) -> int | None:
    return as_int(headers.get(CRC_HEADER))


def etag_of(headers) -> str | None:
    return unquote_etag(headers.get("ETag"))


def result_etag(root: dict, headers) -> str | None:
    """The ETag a result document names, else the one in the headers."""
    return unquote_etag(text(root, "ETag")) or etag_of(headers)


def meta_from_headers(key: str, headers) -> ObjectMeta:
    size = as_int(headers.get("Content-Length"))
    content_range = headers.get("Content-Range", "")
    if "/" in content_range:  # a ranged answer: the object's size is after the slash
        size = as_int(content_range.rsplit("/", 1)[1], size)
    return ObjectMeta(
        key=key,
        size=size,
        etag=etag_of(headers),
        content_type=headers.get("Content-Type"),
        last_modified=http_time(headers.get("Last-Modified")),
        crc64=crc_of(headers),
        object_type=headers.get(H_OBJECT_TYPE),
        storage_class=headers.get(H_STORAGE_CLASS),
        metadata={
            k.lower()[len(META_PREFIX) :]: _utf8(v) for k, v in headers.items() if k.lower().startswith(META_PREFIX)
        },
        acl=headers.get(H_OBJECT_ACL),
        next_append_position=as_int(headers.get(H_NEXT_APPEND_POSITION)),
        restore=headers.get(H_RESTORE),
        version_id=headers.get(H_VERSION_ID),
        headers=dict(headers),
        request_id=headers.get(H_REQUEST_ID),
    )


def _utf8(value: str) -> str:
    """A header value as OSS meant it: http.client decodes the UTF-8 bytes OSS sends as Latin-1."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


def check_crc(local: int | None, remote: int | None, what: str, request_id: str | None = None) -> None:
    """IntegrityError when both sides know a CRC and they differ."""
    if local is not None and remote is not None and local != remote:
        raise IntegrityError(
            f"{what}: CRC-64 mismatch, local {local} != server {remote}", code="CrcMismatch", request_id=request_id
        )
