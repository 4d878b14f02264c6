"""Object versions in the store: the versions table, version ids, and what a write or a delete does to a key's
history inside its own transaction.

The objects table stays the current view (listings and plain reads never look further): each row carries its
version id (`null` for anything written while versioning was off or suspended). The versions table holds the
rest of every key's history, noncurrent versions and delete markers, ordered per key by `seq` (higher is newer;
the objects row, when there is one, is newer than all of them). A key whose newest version is a delete marker
has no objects row.

The tables are in db.py's schema. A bucket's versioning state is the `versioning` row of bucket_config
(Enabled or Suspended; none: never versioned). Every function taking `conn` runs inside the caller's write
transaction (Database.commit), so a version moves between the tables atomically with the write that moved it,
and returns the bodies (lists of piece ids) that no version names any more: the caller removes them after the
commit, as for any delete.
"""

from __future__ import annotations

import base64
import binascii
import os
import sqlite3
import uuid

from ossh.protocol import NULL_VERSION, VERSIONING_SUSPENDED

from ..wire.errors import OssServerError, invalid_argument
from .pieces import body_ids

CONFIG_NAME = "versioning"  # the bucket_config row holding the state
# The columns an objects row and a versions row share, in the objects table's order after bucket and key.
COLUMNS = "body, size, etag, crc64, type, storage_class, acl, content_type, headers, meta, mtime"
# Version ids look like OSS's: base64 of a small protobuf-like record, here one tag and 36 hex digits. Hex
# text never yields `+` or `/` in base64, so ids need no escaping anywhere (URLs, XML, shell words).
_ID_HEAD = b"\x08\x01\x10\x01\x22\x24"
MAX_VERSION_ID = 256


def new_version_id() -> str:
    return base64.b64encode(_ID_HEAD + (uuid.uuid4().hex + os.urandom(2).hex()).encode()).decode()


def check_version_id(value: str | None, name: str = "versionId") -> str:
    """A version id from a request: `null` or one of OSS's shape (InvalidArgument otherwise, as OSS answers an
    empty or made-up id; a well-formed id that names nothing is NoSuchVersion later)."""
    if value == NULL_VERSION:
        return value
    try:
        raw = base64.b64decode(value or "", validate=True) if value and len(value) <= MAX_VERSION_ID else b""
    except (binascii.Error, ValueError):
        raw = b""
    if not raw.startswith(_ID_HEAD[:3]):
        raise invalid_argument("Invalid version id specified.", name, (value or "")[:MAX_VERSION_ID])
    return value


def no_such_version(key: str, version_id: str) -> OssServerError:
    return OssServerError(
        "NoSuchVersion", "The specified version does not exist.", status=404, Key=key, VersionId=version_id
    )


def delete_marker_refused(key: str, version_id: str) -> OssServerError:
    """What OSS answers an operation other than DELETE aimed at a delete marker by its version id."""
    return OssServerError(
        "MethodNotAllowed",
        "The specified method is not allowed against this resource.",
        status=405,
        headers=marker_headers(version_id),
        Key=key,
        VersionId=version_id,
    )


def marker_headers(version_id: str) -> dict[str, str]:
    return {"x-oss-delete-marker": "true", "x-oss-version-id": version_id}


# ---------------------------------------------------------------- state


def state(conn, bucket: str) -> str | None:
    """Enabled, Suspended, or None for a bucket that never had versioning."""
    row = conn.execute("SELECT value FROM bucket_config WHERE bucket=? AND name=?", (bucket, CONFIG_NAME)).fetchone()
    return bytes(row[0]).decode() if row else None


def set_state(conn, bucket: str, status: str) -> None:
    if conn.execute("SELECT 1 FROM buckets WHERE name=?", (bucket,)).fetchone() is None:
        raise OssServerError("NoSuchBucket", BucketName=bucket)
    conn.execute("INSERT OR REPLACE INTO bucket_config VALUES(?,?,?)", (bucket, CONFIG_NAME, status.encode()))


# ---------------------------------------------------------------- moves between the tables


def _next_seq(conn, bucket: str, key: bytes) -> int:
    row = conn.execute("SELECT max(seq) FROM versions WHERE bucket=? AND key=?", (bucket, key)).fetchone()
    return (row[0] or 0) + 1


def _demote(conn, bucket: str, key: bytes) -> None:
    """The current version becomes the newest noncurrent one; the caller replaces or deletes the objects row."""
    conn.execute(
        f"INSERT INTO versions(bucket, key, seq, version_id, marker, {COLUMNS}) "
        f"SELECT bucket, key, ?, version_id, 0, {COLUMNS} FROM objects WHERE bucket=? AND key=?",
        (_next_seq(conn, bucket, key), bucket, key),
    )


def _promote(conn, bucket: str, key: bytes) -> None:
    """With no current version, the newest noncurrent one becomes current, unless it is a delete marker."""
    if conn.execute("SELECT 1 FROM objects WHERE bucket=? AND key=?", (bucket, key)).fetchone():
        return
    row = conn.execute(
        "SELECT seq, marker FROM versions WHERE bucket=? AND key=? ORDER BY seq DESC LIMIT 1", (bucket, key)
    ).fetchone()
    if row is None or row["marker"]:
        return
    conn.execute(
        f"INSERT INTO objects(bucket, key, {COLUMNS}, version_id) "
        f"SELECT bucket, key, {COLUMNS}, version_id FROM versions WHERE bucket=? AND key=? AND seq=?",
        (bucket, key, row["seq"]),
    )
    conn.execute("DELETE FROM versions WHERE bucket=? AND key=? AND seq=?", (bucket, key, row["seq"]))


def _drop_noncurrent_null(conn, bucket: str, key: bytes) -> list[list[str]]:
    """Remove the noncurrent `null` version, if any (a suspended bucket keeps one null version per key)."""
    row = conn.execute(
        "DELETE FROM versions WHERE bucket=? AND key=? AND version_id=? RETURNING marker, body",
        (bucket, key, NULL_VERSION),
    ).fetchone()
    return [body_ids(row["body"])] if row is not None and not row["marker"] else []


def _current(conn, bucket: str, key: bytes):
    return conn.execute("SELECT body, version_id FROM objects WHERE bucket=? AND key=?", (bucket, key)).fetchone()


def make_room(conn, bucket: str, key: bytes) -> tuple[str | None, list[list[str]]]:
    """Before a write makes a new current version of `key` (INSERT OR REPLACE into objects): keep or drop the
    current one as the bucket's state says. Returns the new version's id (None: the bucket was never
    versioned) and the bodies freed."""
    status = state(conn, bucket)
    current = _current(conn, bucket, key)
    if status is None:
        return None, [body_ids(current["body"])] if current is not None else []
    freed = []
    if status == VERSIONING_SUSPENDED:
        freed += _drop_noncurrent_null(conn, bucket, key)
        if current is not None and current["version_id"] == NULL_VERSION:
            return NULL_VERSION, freed + [body_ids(current["body"])]  # replaced in place
    if current is not None:
        _demote(conn, bucket, key)
    return (NULL_VERSION if status == VERSIONING_SUSPENDED else new_version_id()), freed


def delete_current(conn, bucket: str, key: bytes, status: str, now: float) -> tuple[str, list[list[str]]]:
    """DeleteObject without a version id in a versioned bucket: a delete marker (made at `now`) becomes the
    newest version. Returns the marker's version id and the bodies freed (a suspended bucket's null version)."""
    freed = []
    current = _current(conn, bucket, key)
    if status == VERSIONING_SUSPENDED:
        freed += _drop_noncurrent_null(conn, bucket, key)
        if current is not None and current["version_id"] == NULL_VERSION:
            freed.append(body_ids(current["body"]))
            current = None
            conn.execute("DELETE FROM objects WHERE bucket=? AND key=?", (bucket, key))
        marker_id = NULL_VERSION
    else:
        marker_id = new_version_id()
    if current is not None:
        _demote(conn, bucket, key)
        conn.execute("DELETE FROM objects WHERE bucket=? AND key=?", (bucket, key))
    conn.execute(
        f"INSERT INTO versions(bucket, key, seq, version_id, marker, {COLUMNS}) "
        "VALUES(?,?,?,?,1,'',0,'','0','DeleteMarker','Standard','default','','{}','{}',?)",
        (bucket, key, _next_seq(conn, bucket, key), marker_id, now),
    )
    return marker_id, freed


def delete_version(conn, bucket: str, key: bytes, version_id: str) -> tuple[bool | None, list[list[str]]]:
    """Delete one version for good. Returns (True: it was a delete marker, False: an object version, None: no
    such version) and the bodies freed; the newest remaining version becomes current if it is no marker."""
    current = _current(conn, bucket, key)
    if current is not None and current["version_id"] == version_id:
        conn.execute("DELETE FROM objects WHERE bucket=? AND key=?", (bucket, key))
        _promote(conn, bucket, key)
        return False, [body_ids(current["body"])]
    row = conn.execute(
        "DELETE FROM versions WHERE bucket=? AND key=? AND version_id=? RETURNING marker, body",
        (bucket, key, version_id),
    ).fetchone()
    if row is None:
        return None, []
    _promote(conn, bucket, key)
    return bool(row["marker"]), [] if row["marker"] else [body_ids(row["body"])]


# ---------------------------------------------------------------- reads


def find(conn, bucket: str, key: bytes, version_id: str) -> tuple[sqlite3.Row | None, bool]:
    """(row, is current) of one version; a versions row has `marker` set for a delete marker."""
    row = conn.execute(
        "SELECT * FROM objects WHERE bucket=? AND key=? AND version_id=?", (bucket, key, version_id)
    ).fetchone()
    if row is not None:
        return row, True
    row = conn.execute(
        "SELECT * FROM versions WHERE bucket=? AND key=? AND version_id=?", (bucket, key, version_id)
    ).fetchone()
    if row is None:
        return None, False
    newest = conn.execute("SELECT max(seq) FROM versions WHERE bucket=? AND key=?", (bucket, key)).fetchone()[0]
    latest = row["seq"] == newest and _current(conn, bucket, key) is None
    return row, latest


def is_marker(row: sqlite3.Row) -> bool:
    """Whether a row of find() is a delete marker (objects rows never are)."""
    try:
        return bool(row["marker"])
    except IndexError:  # a row of the objects table has no such column
        return False


def latest_marker(conn, bucket: str, key: bytes) -> str | None:
    """The version id of the delete marker that is the key's newest version, if it is one."""
    row = conn.execute(
        "SELECT version_id, marker FROM versions WHERE bucket=? AND key=? ORDER BY seq DESC LIMIT 1", (bucket, key)
    ).fetchone()
    if row is None or not row["marker"] or _current(conn, bucket, key) is not None:
        return None
    return row["version_id"]


def names_body(conn, bucket: str, key: bytes, body: str) -> bool:
    """Whether a noncurrent version of `key` still names `body` (readers of old versions hold their body)."""
    return (
        conn.execute(
            "SELECT 1 FROM versions WHERE bucket=? AND key=? AND body=? LIMIT 1", (bucket, key, body)
        ).fetchone()
        is not None
    )


def update(conn, bucket: str, key: bytes, version_id: str, column: str, value) -> bool:
    """Set one column (acl, headers) of one object version, current or not; False when there is no such
    version (a delete marker has none of these)."""
    assert column in ("acl", "headers")
    for table, extra in (("objects", ""), ("versions", " AND marker=0")):
        cur = conn.execute(
            f"UPDATE {table} SET {column}=? WHERE bucket=? AND key=? AND version_id=?{extra}",
            (value, bucket, key, version_id),
        )
        if cur.rowcount:
            return True
    return False


def marker_count(conn, bucket: str) -> int:
    return conn.execute("SELECT count(*) FROM versions WHERE bucket=? AND marker=1", (bucket,)).fetchone()[0]
