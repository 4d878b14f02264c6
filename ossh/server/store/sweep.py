"""Whole-bucket reads and small writes for background sweeps (lifecycle rules): objects under a prefix a page
at a time, old multipart uploads, a storage class changed in place."""

from __future__ import annotations

from collections.abc import Iterator

from ..wire.records import ObjectRecord
from .listing import successor
from .store import Store, object_from_row

PAGE = 1000  # rows per read: a sweep never holds a bucket's index in memory


def buckets_with_config(store: Store, name: str) -> list[str]:
    return [r["bucket"] for r in store.db.query("SELECT bucket FROM bucket_config WHERE name=?", (name,))]


def _range(prefix: str) -> tuple[str, tuple]:
    low, high = prefix.encode("utf-8"), successor(prefix.encode("utf-8"))
    if high is None:
        return "key >= ?", (low,)
    return "key >= ? AND key < ?", (low, high)


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
