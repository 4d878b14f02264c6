"""Object reads: GetObject (OSS range rules, conditional headers, response-* overrides), HeadObject,
GetObjectMeta. Bodies go out with sendfile straight from the body file."""

from __future__ import annotations

import re

from ossh.client.auth import http_date
from ossh.client.xmlparse import http_time, unquote_etag
from ossh.protocol import (
    H_CRC64,
    H_NEXT_APPEND_POSITION,
    H_OBJECT_TYPE,
    H_RESTORE,
    H_STORAGE_CLASS,
    H_SYMLINK_TARGET,
    META_PREFIX,
)

from ..checks.acl import Permission
from ..checks.headers import STORED_HEADERS, encryption_of
from ..wire import compress
from ..wire.errors import OssServerError, invalid_argument
from ..wire.framing import check_value, uint
from ..wire.message import Request, Response
from ..wire.records import Bucket
from ..wire.throttle import paced_stream
from ..wire.xmlio import quoted_etag
from . import versioning
from .restore import check_readable, restore_header, restore_priority
from .tagging import count_header

READ_ACTION = "oss:GetObject"  # what reading an object's bytes is called in a bucket policy
_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")
_BEYOND = 1 << 62  # a range bound of more digits than any size: past the end of every object
_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def object_headers(record, now: float | None = None) -> dict[str, str]:
    headers = {
        "Content-Type": record.attrs.content_type,
        "ETag": quoted_etag(record.etag),
        "Last-Modified": http_date(record.mtime),
        "Accept-Ranges": "bytes",
        H_OBJECT_TYPE: record.type,
        H_STORAGE_CLASS: record.attrs.storage_class,
        H_CRC64: str(record.crc64),
    }
    headers.update({STORED_HEADERS[k]: v for k, v in record.attrs.headers.items() if k in STORED_HEADERS})
    headers.update({META_PREFIX + k: v for k, v in record.attrs.meta.items()})
    if record.type == "Appendable":
        headers[H_NEXT_APPEND_POSITION] = str(record.size)
    restore = restore_header(record, now) if now is not None else None
    if restore:
        headers[H_RESTORE] = restore
        if priority := restore_priority(record, now):
            headers["x-oss-object-restore-priority"] = priority
    headers.update(count_header(record))
    return headers


def sse_headers(record) -> dict[str, str]:
    """The server-side encryption headers an object was written with, echoed by every write answer."""
    return encryption_of(record.attrs.headers)


def _etag_matches(header: str, etag: str) -> bool:
    # oss2's resumable download sends the ETag unquoted: compare without quotes, in any case
    wanted = {unquote_etag(t).upper() for t in header.split(",")}
    return "*" in wanted or etag.upper() in wanted


def _since(value: str) -> float | None:
    when = http_time(value)
    return None if when is None else when.timestamp()  # an unparsable date is ignored, as HTTP says


def check_conditions(req: Request, record, prefix: str = "") -> None:
    """If-Match/If-Unmodified-Since fail with 412; If-None-Match/If-Modified-Since raise NotModified (304).
    `prefix` "x-oss-copy-source-" applies the same rules to a copy's source, as OSS does."""
    mtime = int(record.mtime)
    if_match, if_none = req.header(prefix + "if-match"), req.header(prefix + "if-none-match")
    unmodified, modified = (
        _since(req.header(prefix + "if-unmodified-since")),
        _since(req.header(prefix + "if-modified-since")),
    )
    if (if_match and not _etag_matches(if_match, record.etag)) or (unmodified is not None and mtime > unmodified):
        raise OssServerError(
            "PreconditionFailed", Condition=prefix + ("If-Match" if if_match else "If-Unmodified-Since")
        )
    if (if_none and _etag_matches(if_none, record.etag)) or (
        not if_none and modified is not None and mtime <= modified
    ):
        raise NotModified(record)


class NotModified(Exception):
    """A conditional request whose object has not changed: the answer is 304 with the object's validators."""

    def __init__(self, record):
        super().__init__("not modified")
        self.record = record

    def response(self) -> Response:
        return Response(304, {"ETag": quoted_etag(self.record.etag), "Last-Modified": http_date(self.record.mtime)})


def byte_range(header: str, size: int, standard: bool = False, copy: bool = False) -> tuple[int, int] | None:
    """(first, last) to send, None for the whole object; GetObject ignores bad ranges unless standard.
    `copy`: x-oss-copy-source-range rules: a start is required, the end is clamped to the source, and a range
    that does not parse or starts past its end is InvalidArgument."""
    match = _RANGE.match(header.strip().replace(" ", ""))
    first, last = (_bound(g) for g in match.groups()) if match else ("", "")
    if copy:
        end = min(int(last), size - 1) if last else size - 1
        if not first or int(first) > end:
            raise invalid_argument("The copy source range is not valid.", "x-oss-copy-source-range", header)
        return int(first), end
    if not match or size == 0 or not (first or last):
        return None
    if first == "":
        n = int(last)
        if n == 0:
            return None
        if n > size:
            return (0, size - 1) if standard else None
        return size - n, size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if start >= size and (not last or start <= end):
        if standard:
            raise OssServerError("InvalidRange", headers={"Content-Range": f"bytes */{size}"})
        return None
    if start > end:
        return None
    if end >= size:
        if not standard and last:
            return None
        end = size - 1
    return start, end


def _bound(digits: str) -> str:
    """A range bound too long to be any offset stands for one past every object (checked before int())."""
    if not digits:
        return digits
    value = uint(digits, _BEYOND)
    return str(_BEYOND if value is None else value)


def open_target(app, req: Request, bucket: Bucket, key: str, held=None):
    """(held body, link) for reading `key` of `bucket` for `req`, whose access to the addressed record its caller
    checked: a Symlink's target, authorised in its own right (SymlinkTargetNotExist when it is gone,
    InvalidTargetType when it is a symlink itself), otherwise the object itself and None. `held`: the body of
    the version to read, already open (the current one when None)."""
    held = held if held is not None else app.store.open_body(bucket.name, key)
    if held.record.type != "Symlink":
        return held, None
    link = held.record
    held.close()
    target = link.attrs.headers.get(H_SYMLINK_TARGET, "")
    try:
        held = app.store.open_body(bucket.name, target)
    except OssServerError as err:
        if err.code == "NoSuchKey":
            raise OssServerError("SymlinkTargetNotExist", Key=key, SymlinkTarget=target) from None
        raise
    try:
        if held.record.type == "Symlink":
            raise OssServerError("InvalidTargetType", Key=key, SymlinkTarget=target)
        app.access.authorize_record(req, Permission.READ, READ_ACTION, bucket, held.record)  # a link is two reads
    except BaseException:
        held.close()
        raise
    return held, link


def _through_link(headers: dict[str, str], link, target) -> dict[str, str]:
    """A read through a symlink: the target's bytes (size, ETag, CRC), the link's type and metadata, and
    the later of the two modification times."""
    headers = {k: v for k, v in headers.items() if not k.startswith(META_PREFIX)}
    headers.update({META_PREFIX + k: v for k, v in link.attrs.meta.items()})
    headers[H_OBJECT_TYPE] = "Symlink"
    headers["Last-Modified"] = http_date(max(link.mtime, target.mtime))
    return headers


def _website_page(app, req: Request, err: OssServerError):
    """What a GET or HEAD of a missing key reads in a bucket set up as a website, as OSS serves it, and the
    status to answer with: for a "directory" key (one ending in /), the index document under it with
    SupportSubDir, else the bucket's root one; for any other missing key of a GET, the error document. Each is
    read only as its own ACL allows: a private index document is refused, a private error document is not
    shown (the plain error is). Returns (body, link, the error page's status or None), None when nothing
    stands in."""
    directory = req.key.endswith("/")
    if err.code != "NoSuchKey" or "versionId" in req.params or not (directory or req.method == "GET"):
        return None
    site = app.configs.document(req.bucket, "website") or {}
    index, error = site.get("IndexDocument"), site.get("ErrorDocument")
    suffix = index.get("Suffix") if isinstance(index, dict) else None
    if directory and suffix:
        key = req.key + suffix if str(index.get("SupportSubDir")).lower() == "true" else suffix
        if (record := app.store.get(req.bucket, key)) is not None:
            app.access.authorize_record(req, Permission.READ, READ_ACTION, req.bucket_row, record)
            return (*open_target(app, req, req.bucket_row, key), None)
    page = error.get("Key") if isinstance(error, dict) and req.method == "GET" else None
    if not page or (record := app.store.get(req.bucket, page)) is None:
        return None
    try:
        app.access.authorize_record(req, Permission.READ, READ_ACTION, req.bucket_row, record)
        body, link = open_target(app, req, req.bucket_row, page)
    except OssServerError:
        return None
    return body, link, 200 if str(error.get("HttpStatus")) == "200" else 404


def _read(app, req: Request, head: bool) -> Response:
    error_page = None  # the status of an error document sent in place of an error
    try:
        body, link = open_target(app, req, req.bucket_row, req.key, versioning.open_requested(app, req))
    except OssServerError as err:
        page = _website_page(app, req, err)
        if page is None:
            versioning.add_marker_headers(app, req, err)
            raise
        body, link, error_page = page
    record = body.record
    try:
        if error_page is None:  # an error page is sent whole, whatever the request's conditions and range
            check_conditions(req, record)
        if not head:
            check_readable(app, record)
        headers = object_headers(record, app.clock())
        if link is not None:
            headers = _through_link(headers, link, record)
        headers.update(versioning.version_header(app, link or record))
        for param, name in _OVERRIDES.items():
            if req.params.get(param):
                headers[name] = check_value(param, req.params[param])
        standard = req.header("x-oss-range-behavior").lower() == "standard"
        ranged = error_page is None and req.header("range")
        span = byte_range(req.header("range"), record.size, standard) if ranged else None
    except BaseException:
        body.close()
        raise
    status, offset, length = error_page or 200, 0, record.size
    if span is not None:
        status, offset, length = 206, span[0], span[1] - span[0] + 1
        headers["Content-Range"] = f"bytes {span[0]}-{span[1]}/{record.size}"
    headers["Content-Length"] = str(length)
    if status == 200 and compress.wanted(req, record, headers):
        return compress.response(headers, body, head)
    if head:
        body.close()
        return Response(status, headers)
    return Response(status, headers, stream=paced_stream(req, body), offset=offset, length=length)


def get_object(app, req: Request) -> Response:
    return _read(app, req, head=False)


def head_object(app, req: Request) -> Response:
    return _read(app, req, head=True)


def get_object_meta(app, req: Request) -> Response:
    record = versioning.require(app, req)
    return Response(
        200,
        {
            "ETag": quoted_etag(record.etag),
            "Content-Length": str(record.size),
            "Last-Modified": http_date(record.mtime),
            H_CRC64: str(record.crc64),
            **versioning.version_header(app, record),
        },
    )
