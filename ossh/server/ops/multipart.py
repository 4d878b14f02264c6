"""Multipart operations: Initiate, UploadPart(Copy), Complete, Abort, ListParts, ListMultipartUploads."""

from __future__ import annotations

import base64
import functools
import json

from ossh.protocol import (
    H_COPY_SOURCE,
    H_COPY_SOURCE_RANGE,
    H_CRC64,
    H_OBJECT_ACL,
    H_SSE,
    MAX_LIST,
    MAX_PARTS,
    OBJECT_ACLS,
)

from ..checks.acl import check_acl
from ..checks.headers import SSE_PREFIX, check_md5, encryption_of
from ..checks.names import encoder
from ..store.listing import list_uploads as scan_uploads
from ..wire.errors import OssServerError, invalid_argument
from ..wire.framing import uint
from ..wire.message import Request, Response
from ..wire.xmlio import document, iso_time, parse, quoted_etag
from .object_read import byte_range
from .object_write import attrs_from_headers, authorize_replacing, copy_source, receive, write_headers


def initiate(app, req: Request) -> Response:
    enc, encoding = encoder(req)
    attrs = attrs_from_headers(app, req)
    upload_id = app.multipart.initiate(req.bucket, req.key, attrs)
    children = [*encoding, ("Bucket", req.bucket), ("Key", enc(req.key)), ("UploadId", upload_id)]
    sse = encryption_of(attrs.headers)
    return Response.xml(document("InitiateMultipartUploadResult", children), headers=sse)


def _part_number(req: Request) -> int:
    raw = req.params.get("partNumber", "")
    number = uint(raw, MAX_PARTS)
    if not number:
        raise invalid_argument("Part number must be an integer between 1 and 10000, inclusive.", "partNumber", raw[:64])
    return number


def upload_part(app, req: Request) -> Response:
    number = _part_number(req)
    upload_id = req.params["uploadId"]
    upload = app.multipart.upload(req.bucket, req.key, upload_id)  # fail before receiving a body for nothing
    _no_encryption_headers(req)
    sse = encryption_of(json.loads(upload["headers"]))
    if req.header(H_COPY_SOURCE):
        return _upload_part_copy(app, req, upload_id, number)
    staged = receive(app, req)
    etag = app.multipart.put_part(req.bucket, req.key, upload_id, number, staged)
    return Response(
        200,
        {
            "ETag": quoted_etag(etag),
            H_CRC64: str(staged.crc),
            "Content-MD5": base64.b64encode(staged.md5).decode(),
            **sse,
        },
    )


def _no_encryption_headers(req: Request) -> None:
    """Parts and Complete take the encryption InitiateMultipartUpload named; OSS refuses it sent again."""
    if encryption_of(req.headers_with_prefix(SSE_PREFIX)):
        raise invalid_argument("Encryption headers belong on InitiateMultipartUpload.", H_SSE, req.header(H_SSE))


def _upload_part_copy(app, req, upload_id, number) -> Response:
    held = copy_source(app, req)
    try:
        return _copy_part(app, req, upload_id, number, held.record)
    finally:
        held.close()


def _copy_part(app, req, upload_id, number, src) -> Response:
    raw = req.header(H_COPY_SOURCE_RANGE)
    first, last = byte_range(raw, src.size, copy=True) if raw else (0, src.size - 1)
    staged = app.store.blobs.copy_range(src.pieces, first, last - first + 1)
    etag = app.multipart.put_part(req.bucket, req.key, upload_id, number, staged)
    body = document("CopyPartResult", [("LastModified", iso_time(src.mtime)), ("ETag", quoted_etag(etag))])
    return Response.xml(body, headers={"ETag": quoted_etag(etag), H_CRC64: str(staged.crc)})


def _listed_parts(req: Request) -> list[tuple[int, str]] | None:
    body = req.body.read_all()
    if req.header("x-oss-complete-all").lower() == "yes":
        if body.strip():
            raise invalid_argument("Body must be empty with x-oss-complete-all.", "x-oss-complete-all", "yes")
        return None
    check_md5(req, body)
    doc = parse(body, "CompleteMultipartUpload", force_list=("Part",))
    wanted = []
    for part in doc.get("Part") or []:
        try:
            raw, etag = str(part["PartNumber"]).strip(), str(part["ETag"]).strip()
        except (KeyError, TypeError):
            raise OssServerError("MalformedXML") from None
        if not (raw.isascii() and raw.isdigit()):
            raise OssServerError("MalformedXML", "A PartNumber is not a number.")
        number = uint(raw, MAX_PARTS)
        if not number:
            raise OssServerError("InvalidPart", "Part numbers are between 1 and 10000.", PartNumber=raw[:64])
        wanted.append((number, etag))
    if len(wanted) > MAX_PARTS:
        raise OssServerError("MalformedXML", "Too many parts.")
    return wanted


def complete(app, req: Request) -> Response:
    enc, encoding = encoder(req)
    upload_id = req.params["uploadId"]
    _no_encryption_headers(req)
    wanted = _listed_parts(req)
    authorize_replacing(app, req, req.key)
    forbid = req.header("x-oss-forbid-overwrite").lower() == "true"
    acl = req.header(H_OBJECT_ACL)  # Complete may set the object's ACL too
    if acl:
        check_acl(acl, OBJECT_ACLS, H_OBJECT_ACL)
    # whichever ACL the object gets (this one or the upload's), a public one waits for public access allowed
    vet = functools.partial(app.access.check_public_acl, req.bucket)
    record = app.multipart.complete(req.bucket, req.key, upload_id, wanted, forbid, acl or None, vet)
    children = [
        *encoding,
        ("Location", f"http://{req.bucket}.{req.host}/{enc(req.key)}"),
        ("Bucket", req.bucket),
        ("Key", enc(req.key)),
        ("ETag", quoted_etag(record.etag)),
    ]
    return Response.xml(document("CompleteMultipartUploadResult", children), headers=write_headers(record))


def abort(app, req: Request) -> Response:
    app.multipart.abort(req.bucket, req.key, req.params["uploadId"])
    return Response(204)


def list_parts(app, req: Request) -> Response:
    enc, encoding = encoder(req)
    upload_id = req.params["uploadId"]
    app.multipart.upload(req.bucket, req.key, upload_id)
    marker = req.int_param("part-number-marker", 0, 0, MAX_PARTS)
    max_parts = req.int_param("max-parts", MAX_LIST, 1, MAX_LIST)
    parts, truncated = app.multipart.list_parts(upload_id, marker, max_parts)
    children = [
        *encoding,
        ("Bucket", req.bucket),
        ("Key", enc(req.key)),
        ("UploadId", upload_id),
        ("PartNumberMarker", marker),
        ("NextPartNumberMarker", parts[-1]["part_number"] if parts else marker),
        ("MaxParts", max_parts),
        ("IsTruncated", truncated),
    ]
    children += [
        (
            "Part",
            [
                ("PartNumber", p["part_number"]),
                ("LastModified", iso_time(p["mtime"])),
                ("ETag", quoted_etag(p["etag"])),
                ("HashCrc64ecma", p["crc64"]),
                ("Size", p["size"]),
            ],
        )
        for p in parts
    ]
    return Response.xml(document("ListPartsResult", children))


def list_uploads(app, req: Request) -> Response:
    enc, encoding = encoder(req)
    prefix, delimiter = req.param("prefix"), req.param("delimiter")
    key_marker, id_marker = req.param("key-marker"), req.param("upload-id-marker")
    max_uploads = req.int_param("max-uploads", MAX_LIST, 1, MAX_LIST)
    page = scan_uploads(app.store.db, req.bucket, prefix, key_marker, id_marker, delimiter, max_uploads)
    last = page.entries[-1] if page.entries else None
    next_key = page.next_marker if page.truncated else ""
    next_id = (
        last["upload_id"]
        if (page.truncated and last is not None and bytes(last["key"]).decode() == page.next_marker)
        else ""
    )
    children = [
        *encoding,
        ("Bucket", req.bucket),
        ("KeyMarker", enc(key_marker)),
        ("UploadIdMarker", id_marker),
        ("NextKeyMarker", enc(next_key)),
        ("NextUploadIdMarker", next_id),
        ("Delimiter", enc(delimiter)),
        ("Prefix", enc(prefix)),
        ("MaxUploads", max_uploads),
        ("IsTruncated", page.truncated),
    ]
    children += [
        (
            "Upload",
            [
                ("Key", enc(bytes(u["key"]).decode())),
                ("UploadId", u["upload_id"]),
                ("Initiated", iso_time(u["initiated"])),
            ],
        )
        for u in page.entries
    ]
    children += [("CommonPrefixes", [("Prefix", enc(p))]) for p in page.prefixes]
    return Response.xml(document("ListMultipartUploadsResult", children))
