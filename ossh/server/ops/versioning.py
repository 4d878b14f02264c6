"""Versioning operations: Put/GetBucketVersioning, ListObjectVersions, DeleteObject and DeleteMultipleObjects in
a versioned bucket or with version ids, and the `versionId` parameter of the object operations (the record it
names, the body it reads, the `x-oss-version-id` headers the answers carry).

The store side (tables, moves between current and noncurrent, version ids) is store/versions.py.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qs

from ossh.protocol import (
    H_COPY_SOURCE_VERSION_ID,
    H_DELETE_MARKER,
    H_VERSION_ID,
    MAX_KEY_BYTES,
    MAX_LIST,
    NULL_VERSION,
    VERSIONING_STATES,
)

from ..checks.names import encoder
from ..store import versions
from ..store.configs import TAGS_FIELD
from ..store.pieces import body_ids
from ..store.store import HeldBody, object_from_row
from ..store.version_listing import list_versions
from ..wire.errors import OssServerError, invalid_argument
from ..wire.message import Request, Response
from ..wire.records import ObjectRecord
from ..wire.xmlio import document, iso_time, owner, parse, quoted_etag
from .restore import restore_header

# ---------------------------------------------------------------- bucket state


def state(app, bucket: str) -> str | None:
    return versions.state(app.store.db.conn(), bucket)


def put_bucket_versioning(app, req: Request) -> Response:
    """Enabled or Suspended; a bucket never goes back to unversioned, so any other value is MalformedXML."""
    doc = parse(req.body.read_all(), "VersioningConfiguration")
    status = doc.get("Status")
    status = status.strip() if isinstance(status, str) else ""
    if status not in VERSIONING_STATES:
        raise OssServerError("MalformedXML", "Status must be Enabled or Suspended.")
    app.store.db.commit(lambda conn: versions.set_state(conn, req.bucket, status))
    return Response(200)


def get_bucket_versioning(app, req: Request) -> Response:
    status = state(app, req.bucket)
    return Response.xml(document("VersioningConfiguration", [("Status", status)] if status else []))


# ---------------------------------------------------------------- listing


def _checked_length(req: Request, name: str) -> str:
    value = req.param(name)
    if len(value.encode("utf-8")) > MAX_KEY_BYTES + 1:  # OSS: at most 1024 bytes
        raise invalid_argument(f"The {name} is too long.", name, value[:64])
    return value


def list_object_versions(app, req: Request) -> Response:
    enc, encoding = encoder(req)
    prefix, delimiter = _checked_length(req, "prefix"), _checked_length(req, "delimiter")
    key_marker, version_marker = _checked_length(req, "key-marker"), _checked_length(req, "version-id-marker")
    if version_marker:
        if not key_marker:
            raise invalid_argument("A version-id-marker needs a key-marker.", "version-id-marker", version_marker)
        versions.check_version_id(version_marker, "version-id-marker")
    max_keys = req.int_param("max-keys", 100, 1, MAX_LIST)
    page = list_versions(app.store.db, req.bucket, prefix, key_marker, version_marker, delimiter, max_keys)
    children = [
        ("Name", req.bucket),
        ("Prefix", enc(prefix)),
        ("KeyMarker", enc(key_marker)),
        ("VersionIdMarker", version_marker),
        ("MaxKeys", max_keys),
        ("Delimiter", enc(delimiter)),
        ("IsTruncated", page.truncated),
    ]
    if page.truncated:
        children += [("NextKeyMarker", enc(page.next_key)), ("NextVersionIdMarker", page.next_version)]
    children += encoding
    bucket_owner, now = owner(req.bucket_row.owner), app.clock()
    for row, latest in page.entries:
        key, version_id = enc(bytes(row["key"]).decode("utf-8")), row["version_id"]
        if versions.is_marker(row):
            children.append(
                (
                    "DeleteMarker",
                    [
                        ("Key", key),
                        ("VersionId", version_id),
                        ("IsLatest", latest),
                        ("LastModified", iso_time(row["mtime"])),
                        ("Owner", bucket_owner),
                    ],
                )
            )
            continue
        record = object_from_row(row)
        entry = [
            ("Key", key),
            ("VersionId", version_id),
            ("IsLatest", latest),
            ("LastModified", iso_time(record.mtime)),
            ("ETag", quoted_etag(record.etag)),
            ("Type", record.type),
            ("Size", record.size),
            ("StorageClass", record.attrs.storage_class),
        ]
        if restoring := restore_header(record, now):
            entry.append(("RestoreInfo", restoring))
        children.append(("Version", entry + [("Owner", bucket_owner)]))
    children += [("CommonPrefixes", [("Prefix", enc(p))]) for p in page.prefixes]
    return Response.xml(document("ListVersionsResult", children))


# ---------------------------------------------------------------- one version


def requested(req: Request) -> str | None:
    """The request's versionId, checked; None when it names none."""
    if "versionId" not in req.params:
        return None
    return versions.check_version_id(req.params["versionId"])


def find(app, bucket: str, key: str, version_id: str) -> ObjectRecord:
    """The object version `version_id` of `key`: NoSuchVersion when there is none, MethodNotAllowed for a
    delete marker."""
    row, _latest = versions.find(app.store.db.conn(), bucket, key.encode("utf-8"), version_id)
    if row is None:
        raise versions.no_such_version(key, version_id)
    if versions.is_marker(row):
        raise versions.delete_marker_refused(key, version_id)
    return object_from_row(row)


def require(app, req: Request) -> ObjectRecord:
    """The record an object operation addresses: the version its versionId names, or the current one."""
    version_id = requested(req)
    if version_id is None:
        return app.store.require(req.bucket, req.key)
    return find(app, req.bucket, req.key, version_id)


def open_version(app, bucket: str, key: str, version_id: str) -> HeldBody:
    """A version's body, held as Store.open_body holds the current one (see blobs.py)."""
    while True:
        record = find(app, bucket, key, version_id)
        try:
            held = HeldBody(app.store, record)
        except FileNotFoundError:
            if app.store.names_body(bucket, key, record.body):
                raise OssServerError("InternalError", "The object's stored body is missing.", Key=key) from None
            continue
        if app.store.names_body(bucket, key, record.body):
            return held
        held.close()


def open_requested(app, req: Request) -> HeldBody | None:
    """For GET/HEAD: the body of the version the request names (None: it names none, read the current one)."""
    version_id = requested(req)
    return None if version_id is None else open_version(app, req.bucket, req.key, version_id)


def add_marker_headers(app, req: Request, err: OssServerError) -> None:
    """A GET or HEAD of a key whose newest version is a delete marker says so, as OSS does."""
    if err.code == "NoSuchKey" and req.key:
        marker = versions.latest_marker(app.store.db.conn(), req.bucket, req.key.encode("utf-8"))
        if marker is not None:
            err.headers.update(versions.marker_headers(marker))


def version_header(app, record) -> dict[str, str]:
    """x-oss-version-id for an answer about `record`: only in a bucket that has (or had) versioning."""
    version_id = record.version_id
    if version_id == NULL_VERSION and state(app, record.bucket) is None:
        return {}
    return {H_VERSION_ID: version_id} if version_id else {}


def set_acl(app, req: Request, acl: str) -> None:
    version_id = requested(req)
    if version_id is None:
        app.store.set_object_acl(req.bucket, req.key, acl)
        return
    _update(app, req, version_id, "acl", lambda _old: acl)


def set_tags(app, req: Request, encoded: str | None) -> None:
    """Replace the tags of the addressed version (None removes them)."""
    version_id = requested(req)
    if version_id is None:
        app.configs.set_object_tags(req.bucket, req.key, encoded)
        return

    def change(headers: dict) -> dict:
        headers.pop(TAGS_FIELD, None)
        return {**headers, TAGS_FIELD: encoded} if encoded else headers

    set_headers(app, req, version_id, change)


def set_headers(app, req: Request, version_id: str, change) -> None:
    """Replace the stored headers of one version with `change(headers)` (tags, restore state)."""
    _update(app, req, version_id, "headers", lambda old: json.dumps(change(json.loads(old))))


def _update(app, req: Request, version_id: str, column: str, value) -> None:
    key = req.key.encode("utf-8")

    def work(conn):
        row, _latest = versions.find(conn, req.bucket, key, version_id)
        if row is None:
            raise versions.no_such_version(req.key, version_id)
        if versions.is_marker(row):
            raise versions.delete_marker_refused(req.key, version_id)
        versions.update(conn, req.bucket, key, version_id, column, value(row[column]))

    app.store.db.commit(work)


# ---------------------------------------------------------------- copy source


def copy_source_version(raw: str) -> str | None:
    """The versionId of an x-oss-copy-source (`/bucket/key?versionId=...`), checked; None when absent."""
    _, sep, query = raw.partition("?")
    if not sep:
        return None
    values = parse_qs(query, keep_blank_values=True).get("versionId")
    if values is None:
        return None
    return versions.check_version_id(values[0], "x-oss-copy-source")


def copy_source_headers(app, req: Request, src: ObjectRecord) -> dict[str, str]:
    if copy_source_version(req.header("x-oss-copy-source")) is None:
        return {}
    return {H_COPY_SOURCE_VERSION_ID: src.version_id}


# ---------------------------------------------------------------- deletes


def delete_object(app, req: Request) -> Response | None:
    """DeleteObject in a versioned bucket or of one version; None: a plain delete, the caller's to do."""
    version_id = requested(req)
    status = state(app, req.bucket)
    if version_id is None and status is None:
        return None
    result = _delete(app, req.bucket, [(req.key, version_id)], status)[0]
    return Response(204, _delete_headers(result))


def delete_keys(app, bucket: str, keys: list[str]) -> int:
    """Delete current objects as DeleteObject without a versionId would (a delete marker when the bucket is
    versioned); for lifecycle expiration. Returns how many were deleted."""
    return len(_delete(app, bucket, [(key, None) for key in keys], state(app, bucket))) if keys else 0


def delete_versions(app, bucket: str, entries: list[tuple[str, str]]) -> int:
    """Delete (key, version id) versions for good, as DeleteObject with a versionId would; for lifecycle."""
    return len(_delete(app, bucket, entries, state(app, bucket))) if entries else 0


def _delete(app, bucket: str, entries: list[tuple[str, str | None]], status: str | None):
    """Delete each (key, version id or None) in one transaction; returns per entry (key, version id asked,
    marker flag, marker version id)."""
    results = []

    def change(conn):
        results.clear()
        freed = []
        for key, version_id in entries:
            raw = key.encode("utf-8")
            if version_id is None and status is not None:
                marker_id, bodies = versions.delete_current(conn, bucket, raw, status, app.store.clock())
                results.append((key, None, True, marker_id))
            elif version_id is None:
                row = conn.execute(
                    "DELETE FROM objects WHERE bucket=? AND key=? RETURNING body", (bucket, raw)
                ).fetchone()
                bodies = [body_ids(row["body"])] if row is not None else []
                results.append((key, None, False, None))
            else:
                was_marker, bodies = versions.delete_version(conn, bucket, raw, version_id)
                results.append((key, version_id, bool(was_marker), version_id if was_marker else None))
            freed += bodies
        return freed

    app.store.free(change)
    return list(results)


def _delete_headers(result) -> dict[str, str]:
    _key, version_id, marker, marker_id = result
    headers = {H_DELETE_MARKER: "true"} if marker else {}
    if marker_id or version_id:
        headers[H_VERSION_ID] = marker_id or version_id
    return headers


def delete_entries(app, req: Request, entries: list[tuple[str, str | None]], quiet: bool) -> Response | None:
    """DeleteMultipleObjects when the bucket is versioned or an entry names a version (None otherwise: the
    caller deletes plain keys). Each Deleted element says what happened, as OSS answers it."""
    status = state(app, req.bucket)
    if status is None and all(version_id is None for _, version_id in entries):
        return None
    enc, encoding = encoder(req)
    results = _delete(app, req.bucket, entries, status)
    children = list(encoding)
    if not quiet:
        for key, version_id, marker, marker_id in results:
            deleted = [("Key", enc(key))]
            if version_id is not None:
                deleted.append(("VersionId", version_id))
            if marker:
                deleted += [("DeleteMarker", True), ("DeleteMarkerVersionId", marker_id)]
            children.append(("Deleted", deleted))
    return Response.xml(document("DeleteResult", children))


def entry_version(obj: dict) -> str | None:
    """The VersionId of one DeleteMultipleObjects entry, checked; None when it names none."""
    if "VersionId" not in obj:
        return None
    value = obj["VersionId"]
    return versions.check_version_id(value if isinstance(value, str) else "", "VersionId")
