"""Symlinks: PutSymlink and GetSymlink. A symlink is an object of type Symlink with an empty body whose
stored headers name its target; GET and HEAD follow it (ops.object_read.open_target)."""

from __future__ import annotations

import hashlib
from urllib.parse import quote, unquote

from ossh.client.auth import http_date
from ossh.protocol import H_SYMLINK_TARGET, H_VERSION_ID

from ..checks.names import check_key
from ..wire.errors import OssServerError, invalid_argument
from ..wire.message import Request, Response
from ..wire.xmlio import quoted_etag
from . import versioning
from .object_write import attrs_from_headers, forbid_overwrite


def put_symlink(app, req: Request) -> Response:
    raw = req.header(H_SYMLINK_TARGET)
    if not raw:
        raise invalid_argument("The symlink target is missing.", H_SYMLINK_TARGET, "")
    target = unquote(raw)  # oss2 sends it URL-encoded; a plain name decodes to itself
    try:
        check_key(target)
    except OssServerError:
        raise invalid_argument("The symlink target is not a valid object name.", H_SYMLINK_TARGET, raw) from None
    attrs = attrs_from_headers(app, req)
    attrs.headers[H_SYMLINK_TARGET] = target
    forbid = forbid_overwrite(app, req)
    etag = hashlib.md5(target.encode("utf-8")).hexdigest().upper()
    record = app.store.put_body(
        req.bucket, req.key, app.store.blobs.create_empty(), 0, etag, 0, "Symlink", attrs, forbid
    )
    versioned = {H_VERSION_ID: record.version_id} if record.version_id else {}
    return Response(200, {"ETag": quoted_etag(etag), **versioned})


def get_symlink(app, req: Request) -> Response:
    record = versioning.require(app, req)
    if record.type != "Symlink":
        raise OssServerError("NotSymlink", Key=req.key)
    target = record.attrs.headers.get(H_SYMLINK_TARGET, "")
    return Response(
        200,
        {
            H_SYMLINK_TARGET: quote(target, safe=""),
            "ETag": quoted_etag(record.etag),
            "Last-Modified": http_date(record.mtime),
            "Content-Length": "0",
            **versioning.version_header(app, record),
        },
    )
