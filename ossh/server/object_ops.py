"""Object writes: PutObject, CopyObject, AppendObject, Delete(Multiple)Object, object ACLs; plus the request
helpers (metadata headers, Content-MD5, copy sources) that multipart operations share."""
from __future__ import annotations

import base64
import binascii
import hashlib
import re
from urllib.parse import unquote

from ossh.client.headers import guess_content_type

from . import tagging
from .bucket_config_ops import default_encryption
from .bucket_ops import STORAGE_CLASSES, check_acl, check_bucket_name, encoder
from .config_store import TAGS_FIELD
from .context import Request, Response
from .errors import OssServerError, invalid_argument
from .framing import uint
from .object_read import STORED_HEADERS, check_conditions, kept_headers, open_target, sse_headers
from .restore import check_readable
from .throttle import paced_readinto
from .storage import DEFAULT_ACL, OBJECT_ACLS, ObjectAttrs
from .xmlio import acl_policy, document, iso_time, parse, quoted_etag

MAX_OBJECT = 5 << 30
MAX_KEY_BYTES = 1023
MAX_META = 8 << 10
_META_NAME = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$")   # an HTTP token (RFC 9110)
SSE = "x-oss-server-side-encryption"
SSE_PREFIX = "x-oss-server-side-"      # the algorithm, the KMS key id, the data algorithm
SSE_DATA = "x-oss-server-side-data-encryption"
SSE_ALGORITHMS = ("AES256", "KMS", "SM4")


def check_key(key: str) -> str:
    if not key or len(key.encode("utf-8")) > MAX_KEY_BYTES or key[0] in "/\\":
        raise OssServerError("InvalidObjectName", Key=key)
    return key


def attrs_from_headers(app, req: Request, tags: bool = True) -> ObjectAttrs:
    """The object attributes a write's headers ask for; `tags`: take x-oss-tagging too (an append to an
    existing object ignores it, as OSS does)."""
    meta = {k[len("x-oss-meta-"):]: v for k, v in req.headers_with_prefix("x-oss-meta-").items()}
    for name in meta:
        if not _META_NAME.match(name):
            raise invalid_argument("The user metadata name is not valid.", "x-oss-meta-" + name, name)
    if sum(len(k) + len(v) for k, v in meta.items()) > MAX_META:
        raise invalid_argument("User metadata is over 8 KB.", "x-oss-meta-*", "")
    acl = check_acl(req.header("x-oss-object-acl") or DEFAULT_ACL, OBJECT_ACLS, "x-oss-object-acl")
    app.check_public_acl(req.bucket, acl)
    storage_class = req.header("x-oss-storage-class") or req.bucket_row.storage_class
    if storage_class not in STORAGE_CLASSES:
        raise invalid_argument("Invalid storage class.", "x-oss-storage-class", storage_class)
    headers = {k: v for k, v in req.headers_with_prefix("").items() if k in STORED_HEADERS}
    encoded = tagging.from_header(req.header("x-oss-tagging")) if tags else None
    if encoded:
        headers[TAGS_FIELD] = encoded
    if SSE not in headers:
        headers.update(default_encryption(app, req.bucket))     # the bucket's rule, when it has one
    # OSS names the type after the key's extension when the writer gives none
    return ObjectAttrs(req.header("content-type") or guess_content_type(req.key or ""), check_sse(headers),
                       meta, acl, storage_class)


def check_sse(headers: dict[str, str]) -> dict[str, str]:
    """Server-side encryption headers checked (AES256, KMS or SM4) and kept as OSS keeps them: a key id and a
    data algorithm only go with KMS (OSS ignores them otherwise); `headers` is returned."""
    algorithm = headers.get(SSE)
    if algorithm != "KMS":
        headers.pop(SSE + "-key-id", None)
        headers.pop(SSE_DATA, None)
    if algorithm is None:
        return headers
    if algorithm not in SSE_ALGORITHMS:
        raise OssServerError("InvalidEncryptionAlgorithmError", ArgumentName=SSE, ArgumentValue=algorithm)
    data = headers.get(SSE_DATA)
    if data is not None and data != "SM4":
        raise invalid_argument("Only SM4 is a valid data encryption.", SSE_DATA, data)
    if algorithm == "KMS" and not headers.get(SSE + "-key-id"):
        headers[SSE + "-key-id"] = hashlib.md5(b"ossh-kms-default").hexdigest()   # OSS's managed key stand-in
    return headers


def _expected_md5(req: Request) -> bytes | None:
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


def receive(app, req: Request, limit: int = MAX_OBJECT):
    """Stream the request body into a staged file, checking Content-MD5 when one was sent."""
    expected = _expected_md5(req)
    staged = app.store.blobs.receive(paced_readinto(req), req.body.length, limit)
    if expected is not None and expected != staged.md5:
        app.store.blobs.discard(staged)
        raise OssServerError("InvalidDigest", ContentMD5=req.header("content-md5"))
    return staged


def check_md5(req: Request, body: bytes) -> None:
    expected = _expected_md5(req)
    if expected is not None and expected != hashlib.md5(body).digest():
        raise OssServerError("InvalidDigest", ContentMD5=req.header("content-md5"))


def forbid_overwrite(app, req: Request) -> bool:
    forbid = req.header("x-oss-forbid-overwrite").lower() == "true"
    if forbid and app.store.get(req.bucket, req.key) is not None:
        raise OssServerError("FileAlreadyExists", Key=req.key)
    return forbid


def write_headers(record) -> dict[str, str]:
    return {"ETag": quoted_etag(record.etag), "x-oss-hash-crc64ecma": str(record.crc64), **sse_headers(record)}


def copy_source(app, req: Request):
    """The body named by x-oss-copy-source (a HeldBody: close it), after checking the requester may read it."""
    raw = req.header("x-oss-copy-source")
    path = unquote(raw.split("?", 1)[0]).lstrip("/")
    src_bucket, _, src_key = path.partition("/")
    if not src_bucket or not src_key:
        raise invalid_argument("Copy Source must mention the source bucket and key.", "x-oss-copy-source", raw)
    check_bucket_name(src_bucket)
    check_key(src_key)
    bucket = app.store.require_bucket(src_bucket)
    app.authorize(req, "read", bucket, src_key)
    held, _link = open_target(app, src_bucket, src_key)      # a symlink copies its target's bytes
    try:
        check_conditions(req, held.record, prefix="x-oss-copy-source-")
        check_readable(app, held.record)
    except BaseException:
        held.close()
        raise
    return held


def put_or_copy_object(app, req: Request) -> Response:
    if req.header("x-oss-copy-source"):
        return copy_object(app, req)
    attrs = attrs_from_headers(app, req)
    forbid = forbid_overwrite(app, req)
    staged = receive(app, req)
    record = app.store.put_staged(req.bucket, req.key, staged, attrs, forbid)
    headers = write_headers(record)
    headers["Content-MD5"] = base64.b64encode(staged.md5).decode()
    return Response(200, headers)


def copy_object(app, req: Request) -> Response:
    held = copy_source(app, req)
    try:
        return _copy(app, req, held.record)
    finally:
        held.close()


def _copy(app, req: Request, src) -> Response:
    directive = (req.header("x-oss-metadata-directive") or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise invalid_argument("Invalid metadata directive.", "x-oss-metadata-directive", directive)
    tag_directive = (req.header("x-oss-tagging-directive") or "COPY").upper()
    if tag_directive not in ("COPY", "REPLACE"):
        raise invalid_argument("Invalid tagging directive.", "x-oss-tagging-directive", tag_directive)
    attrs = attrs_from_headers(app, req, tags=tag_directive == "REPLACE")
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
    raw = req.params.get("position", "")
    position = uint(raw, MAX_OBJECT)
    if position is None:
        raise invalid_argument("Position is not valid.", "position", raw[:64])
    record = app.store.append(req.bucket, req.key, position, paced_readinto(req), req.body.length, MAX_OBJECT,
                              attrs_from_headers(app, req, tags=position == 0))
    headers = write_headers(record)
    headers["x-oss-next-append-position"] = str(record.size)
    return Response(200, headers)


def delete_object(app, req: Request) -> Response:
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
    if len(objects) > 1000:
        raise OssServerError("MalformedXML", "At most 1000 objects can be deleted in one request.")
    keys = []
    for obj in objects:
        key = obj.get("Key") if isinstance(obj, dict) else None
        if not key or not isinstance(key, str):
            raise OssServerError("MalformedXML", "An object key is missing or not valid.")
        keys.append(check_key(key))
    app.store.delete(req.bucket, keys)
    quiet = str(doc.get("Quiet") or "false").strip().lower() == "true"
    children = list(encoding)
    if not quiet:
        children += [("Deleted", [("Key", enc(k))]) for k in keys]
    return Response.xml(document("DeleteResult", children))


def get_object_acl(app, req: Request) -> Response:
    return Response.xml(acl_policy(req.bucket_row.owner, app.store.require(req.bucket, req.key).attrs.acl))


def put_object_acl(app, req: Request) -> Response:
    acl = check_acl(req.header("x-oss-object-acl"), OBJECT_ACLS, "x-oss-object-acl")
    app.check_public_acl(req.bucket, acl)
    app.store.set_object_acl(req.bucket, req.key, acl)
    return Response(200)

