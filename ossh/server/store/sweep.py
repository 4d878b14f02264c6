"""Whole-bucket reads and small writes for background sweeps (lifecycle rules): objects under a prefix a page
at a time, noncurrent versions with the time each stopped being current, old multipart uploads, a storage
class changed in place."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass

from ..wire.records import ObjectRecord
from .listing import successor
from .store import Store, object_from_row

PAGE = 1000  # rows per read: a sweep never holds a bucket's index in memory


def buckets_with_config(store: Store, name: str) -> list[str]:
    return [r["bucket"] for r in store.db.query("SELECT bucket FROM bucket_config WHERE name=?", (name,))]


def _range(prefix: str, column: str = "key") -> tuple[str, tuple]:
    low, high = prefix.encode("utf-8"), successor(prefix.encode("utf-8"))
    if high is None:
        return f"{column} >= ?", (low,)
    return f"{column} >= ? AND {column} < ?", (low, high)


def objects_under(store: Store, bucket: str, prefix: str) -> Iterator[ObjectRecord]:
    """Every current object whose key starts with `prefix`, in key order."""
    where, args = _range(prefix)
    after = b""
    while True:
        rows = store.db.query(
            f"SELECT * FROM objects WHERE bucket=? AND {where} AND key > ? ORDER BY key LIMIT {PAGE}",
            (bucket, *args, after),
        )
        for row in rows:
            yield object_from_row(row)
        if len(rows) < PAGE:
            return
        after = bytes(rows[-1]["key"])


def uploads_before(store: Store, bucket: str, prefix: str, before: float) -> list[tuple[str, str]]:
    """(key, upload id) of the multipart uploads under `prefix` initiated before `before`."""
    where, args = _range(prefix)
    rows = store.db.query(
        f"SELECT key, upload_id FROM uploads WHERE bucket=? AND {where} AND initiated < ?", (bucket, *args, before)
    )
    return [(bytes(r["key"]).decode("utf-8"), r["upload_id"]) for r in rows]


def set_storage_class(store: Store, record: ObjectRecord, storage_class: str) -> bool:
    """Move the object to another class, if it is still the one read (same body); False when it changed."""

    def change(conn):
        cur = conn.execute(
            "UPDATE objects SET storage_class=? WHERE bucket=? AND key=? AND body=?",
            (storage_class, record.bucket, record.key.encode("utf-8"), record.body),
        )
        return cur.rowcount == 1

    return store.db.commit(change)


@dataclass
class Noncurrent:
    key: str
    version_id: str
    marker: bool
    storage_class: str
    since: float  # when it stopped being current: the next newer version's time
    alone: bool  # a delete marker with no other version of its key left (ExpiredObjectDeleteMarker)
    headers: dict  # the version's stored headers (its tags among them)


def noncurrent_under(store: Store, bucket: str, prefix: str) -> Iterator[Noncurrent]:
    """Every noncurrent version and delete marker whose key starts with `prefix`, keys in order, newest first.
    Read through a stepped cursor: callers collect what they will change and change it afterwards."""
    where, args = _range(prefix, "v.key")
    rows = store.db.cursor(
        "SELECT v.key, v.version_id, v.marker, v.storage_class, v.mtime, v.headers, o.mtime AS current, "
        "(SELECT count(*) FROM versions w WHERE w.bucket=v.bucket AND w.key=v.key) AS versions "
        "FROM versions v LEFT JOIN objects o ON o.bucket=v.bucket AND o.key=v.key "
        f"WHERE v.bucket=? AND {where} ORDER BY v.key, v.seq DESC",
        (bucket, *args),
    )
    key, newer = None, None
    for row in rows:
        if row["key"] != key:
            key, newer = row["key"], row["current"]  # the newest noncurrent one gave way to the current one
        yield Noncurrent(
            bytes(row["key"]).decode("utf-8"),
            row["version_id"],
            bool(row["marker"]),
            row["storage_class"],
            newer if newer is not None else row["mtime"],
            bool(row["marker"]) and row["current"] is None and row["versions"] == 1,
            json.loads(row["headers"] or "{}"),
        )
        newer = row["mtime"]


def set_version_class(store: Store, bucket: str, key: str, version_id: str, storage_class: str) -> bool:
    def change(conn):
        cur = conn.execute(
            "UPDATE versions SET storage_class=? WHERE bucket=? AND key=? AND version_id=? AND marker=0",
            (storage_class, bucket, key.encode("utf-8"), version_id),
        )
        return cur.rowcount == 1

    return store.db.commit(change)
