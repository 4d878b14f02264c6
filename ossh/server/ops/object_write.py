"""Object writes: PutObject, CopyObject, AppendObject, Delete(Multiple)Object, object ACLs; plus the request
helpers (metadata headers, Content-MD5, copy sources) that multipart operations share."""

from __future__ import annotations

import base64
from urllib.parse import unquote

from ossh.client.headers import guess_content_type
from ossh.protocol import (
    H_COPY_SOURCE,
    H_FORBID_OVERWRITE,
    H_METADATA_DIRECTIVE,
    H_NEXT_APPEND_POSITION,
    H_OBJECT_ACL,
    H_SSE,
    H_STORAGE_CLASS,
    H_TAGGING,
    H_TAGGING_DIRECTIVE,
    H_VERSION_ID,
    MAX_DELETE_BATCH,
    MAX_OBJECT_SIZE,
    OBJECT_ACLS,
    Acl,
)

from ..checks import tags
from ..checks.acl import Permission, check_acl
from ..checks.headers import (
    SSE_PREFIX,
    STORED_HEADERS,
    check_md5,
    check_sse,
    check_storage_class,
    expected_md5,
    kept_headers,
    user_meta,
)
from ..checks.names import check_bucket_name, check_key, encoder
from ..store.append import append
from ..store.configs import TAGS_FIELD
from ..wire.errors import OssServerError, invalid_argument
from ..wire.framing import uint
from ..wire.message import Request, Response
from ..wire.records import ObjectAttrs
from ..wire.throttle import paced_readinto
from ..wire.xmlio import acl_policy, document, iso_time, parse, quoted_etag
from . import versioning
from .bucket_configs import default_encryption
from .object_read import READ_ACTION, check_conditions, open_target, sse_headers
from .restore import check_readable

WRITE_ACTION = "oss:PutObject"  # what writing an object's bytes is called in a bucket policy


def attrs_from_headers(app, req: Request, tags_too: bool = True) -> ObjectAttrs:
    """The object attributes a write's headers ask for; `tags_too`: take x-oss-tagging too (an append to an
    existing object ignores it, as OSS does)."""
    meta = user_meta(req.headers_with_prefix(""))
    acl = check_acl(req.header(H_OBJECT_ACL) or Acl.DEFAULT.value, OBJECT_ACLS, H_OBJECT_ACL)
    app.access.check_public_acl(req.bucket, acl)
    storage_class = check_storage_class(req.header(H_STORAGE_CLASS) or req.bucket_row.storage_class, H_STORAGE_CLASS)
    headers = {k: v for k, v in req.headers_with_prefix("").items() if k in STORED_HEADERS}
    encoded = tags.from_header(req.header(H_TAGGING)) if tags_too else None
    if encoded:
        headers[TAGS_FIELD] = encoded
    if H_SSE not in headers:
        headers.update(default_encryption(app, req.bucket))  # the bucket's rule, when it has one
    # OSS names the type after the key's extension when the writer gives none
    return ObjectAttrs(
        req.header("content-type") or guess_content_type(req.key or ""), check_sse(headers), meta, acl, storage_class
    )


def receive(app, req: Request, limit: int = MAX_OBJECT_SIZE):
    """Stream the request body into a staged file, checking Content-MD5 when one was sent."""
    expected = expected_md5(req)
    staged = app.store.blobs.receive(paced_readinto(req), req.body.length, limit)
    if expected is not None and expected != staged.md5:
        app.store.blobs.discard(staged)
        raise OssServerError("InvalidDigest", ContentMD5=req.header("content-md5"))
    return staged


def authorize_replacing(app, req: Request, key: str, staged=None) -> None:
    """A write whose body has just arrived (the object's bytes, appended bytes, or the parts list that completes
    an upload) is authorised again, on what the key and its bucket hold now: a slow body must not replace an
    object that became private (or was written private) while it was on its way, nor land in a bucket that
    stopped letting anyone write. A refusal discards the staged body, if any."""
    try:
        owner = app.access.owns(req, req.bucket_row)  # the owner may anything: no need to read the bucket again
        bucket = req.bucket_row if owner else app.store.require_bucket(req.bucket)  # its ACL as it is now
        app.access.authorize_key(req, Permission.WRITE, WRITE_ACTION, bucket, key)
    except BaseException:
        if staged is not None:
            app.store.blobs.discard(staged)
        raise


def forbid_overwrite(app, req: Request) -> bool:
    forbid = req.header(H_FORBID_OVERWRITE).lower() == "true"
    if forbid and app.store.get(req.bucket, req.key) is not None:
        raise OssServerError("FileAlreadyExists", Key=req.key)
    return forbid


def write_headers(record) -> dict[str, str]:
    headers = {"ETag": quoted_etag(record.etag), "x-oss-hash-crc64ecma": str(record.crc64), **sse_headers(record)}
    if record.version_id:  # written to a bucket that has versioning
        headers[H_VERSION_ID] = record.version_id
    return headers


def copy_source(app, req: Request):
    """The body named by x-oss-copy-source (a HeldBody: close it), after checking the requester may read it."""
    raw = req.header(H_COPY_SOURCE)
    path = unquote(raw.split("?", 1)[0]).lstrip("/")
    version_id = versioning.copy_source_version(raw)
    src_bucket, _, src_key = path.partition("/")
    if not src_bucket or not src_key:
        raise invalid_argument("Copy Source must mention the source bucket and key.", H_COPY_SOURCE, raw)
    check_bucket_name(src_bucket)
    check_key(src_key)
    bucket = app.store.require_bucket(src_bucket)
    # the version named, else the current object, then a link's target: each is read, so each is authorised
    app.access.authorize_key(req, Permission.READ, READ_ACTION, bucket, src_key, version_id)
    version = versioning.open_version(app, src_bucket, src_key, version_id) if version_id else None
    held, _link = open_target(app, req, bucket, src_key, version)  # a symlink copies its target's bytes
    try:
        check_conditions(req, held.record, prefix="x-oss-copy-source-")
        check_readable(app, held.record)
    except BaseException:
        held.close()
        raise
    return held


def put_or_copy_object(app, req: Request) -> Response:
    if req.header(H_COPY_SOURCE):
        return copy_object(app, req)
    attrs = attrs_from_headers(app, req)
    forbid = forbid_overwrite(app, req)
    staged = receive(app, req)
    authorize_replacing(app, req, req.key, staged)
    record = app.store.put_staged(req.bucket, req.key, staged, attrs, forbid)
    headers = write_headers(record)
    headers["Content-MD5"] = base64.b64encode(staged.md5).decode()
    return Response(200, headers)


def copy_object(app, req: Request) -> Response:
    held = copy_source(app, req)
    try:
        resp = _copy(app, req, held.record)
        resp.headers.update(versioning.copy_source_headers(app, req, held.record))
        return resp
    finally:
        held.close()


def _copy(app, req: Request, src) -> Response:
    directive = (req.header(H_METADATA_DIRECTIVE) or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise invalid_argument("Invalid metadata directive.", H_METADATA_DIRECTIVE, directive)
    tag_directive = (req.header(H_TAGGING_DIRECTIVE) or "COPY").upper()
    if tag_directive not in ("COPY", "REPLACE"):
        raise invalid_argument("Invalid tagging directive.", H_TAGGING_DIRECTIVE, tag_directive)
    attrs = attrs_from_headers(app, req, tags_too=tag_directive == "REPLACE")
    # Tags follow their own directive, whatever the metadata directive says.
    tags = src.attrs.headers.get(TAGS_FIELD) if tag_directive == "COPY" else attrs.headers.get(TAGS_FIELD)
    if directive == "COPY":
        # the source's headers and metadata, but only the encryption the request asks for (as OSS does)
        sse = {k: v for k, v in attrs.headers.items() if k.startswith(SSE_PREFIX)}
        plain = {k: v for k, v in kept_headers(src.attrs.headers).items() if not k.startswith(SSE_PREFIX)}
        attrs.content_type, attrs.meta, attrs.headers = src.attrs.content_type, src.attrs.meta, {**plain, **sse}
    if tags:
        attrs.headers[TAGS_FIELD] = tags
    forbid = forbid_overwrite(app, req)
    pieces, etag = app.store.copy_body(src)
    obj_type = "Normal" if src.type == "Appendable" else src.type
    record = app.store.put_body(req.bucket, req.key, pieces, src.size, etag, src.crc64, obj_type, attrs, forbid)
    body = document("CopyObjectResult", [("ETag", quoted_etag(record.etag)), ("LastModified", iso_time(record.mtime))])
    return Response.xml(body, headers=write_headers(record))


def append_object(app, req: Request) -> Response:
    if "versionId" in req.params:  # appends go to the current version only, as on OSS
        raise invalid_argument("AppendObject does not take a versionId.", "versionId", req.params["versionId"])
    raw = req.params.get("position", "")
    position = uint(raw, MAX_OBJECT_SIZE)
    if position is None:
        raise invalid_argument("Position is not valid.", "position", raw[:64])
    record = append(
        app.store,
        req.bucket,
        req.key,
        position,
        paced_readinto(req),
        req.body.length,
        MAX_OBJECT_SIZE,
        attrs_from_headers(app, req, tags_too=position == 0),
        lambda: authorize_replacing(app, req, req.key),
    )
    headers = write_headers(record)
    headers[H_NEXT_APPEND_POSITION] = str(record.size)
    return Response(200, headers)


def delete_object(app, req: Request) -> Response:
    versioned = versioning.delete_object(app, req)  # a versioned bucket, or a versionId
    if versioned is not None:
        return versioned
    app.store.delete(req.bucket, [req.key])
    return Response(204)


def delete_objects(app, req: Request) -> Response:
    """Keys are XML text, taken exactly (whitespace included; controls as character references, which OSS and
    its SDKs use though XML 1.0 has no room for them); encoding-type=url asks for URL-encoded keys in the
    answer. It does not change how the request's keys are read: both SDKs always send it with plain keys, so
    decoding them would delete "a%41" as "aA"."""
    enc, encoding = encoder(req)
    if not req.header("content-md5"):
        raise OssServerError("InvalidDigest", "Missing Content-MD5 for DeleteMultipleObjects.")
    body = req.body.read_all()
    check_md5(req, body)
    doc = parse(body, "Delete", force_list=("Object",))
    objects = doc.get("Object") or []
    if len(objects) > MAX_DELETE_BATCH:
        raise OssServerError("MalformedXML", "At most 1000 objects can be deleted in one request.")
    entries = []  # (key, version id or None)
    for obj in objects:
        key = obj.get("Key") if isinstance(obj, dict) else None
        if not key or not isinstance(key, str):
            raise OssServerError("MalformedXML", "An object key is missing or not valid.")
        entries.append((check_key(key), versioning.entry_version(obj)))
    quiet = str(doc.get("Quiet") or "false").strip().lower() == "true"
    # each key as DeleteObject would authorise it; one refused key refuses the request, as OSS does
    app.access.authorize_keys(req, Permission.WRITE, "oss:DeleteObject", req.bucket_row, entries)
    versioned = versioning.delete_entries(app, req, entries, quiet)
    if versioned is not None:
        return versioned
    keys = [key for key, _ in entries]
    app.store.delete(req.bucket, keys)
    children = list(encoding)
    if not quiet:
        children += [("Deleted", [("Key", enc(k))]) for k in keys]
    return Response.xml(document("DeleteResult", children))


def get_object_acl(app, req: Request) -> Response:
    record = versioning.require(app, req)
    return Response.xml(
        acl_policy(req.bucket_row.owner, record.attrs.acl), headers=versioning.version_header(app, record)
    )


def put_object_acl(app, req: Request) -> Response:
    acl = check_acl(req.header(H_OBJECT_ACL), OBJECT_ACLS, H_OBJECT_ACL)
    app.access.check_public_acl(req.bucket, acl)
    versioning.set_acl(app, req, acl)
    return Response(200)
