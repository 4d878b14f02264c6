"""Bucket configurations (CORS, lifecycle, policy, tags, ...) and object tags in the store's SQLite index.

A configuration is one row of the bucket_config table, keyed by bucket and sub-resource name, written in one
transaction (durable before the answer: Database.commit) that first checks the bucket still exists: a crash
leaves the old document or the new one, and a configuration never outlives its bucket (DeleteBucket removes
the rows in its own transaction).
Object tags live in the object's row (its stored headers), so they are replaced and deleted with the object.
"""

from __future__ import annotations

import json

from ossh.protocol import H_TAGGING

from ..checks.documents import SHAPES
from ..wire.errors import OssServerError
from ..wire.xmlio import parse
from .db import Database

TAGS_FIELD = H_TAGGING  # where an object's tags (a URL-encoded query string) sit in its stored headers


def parse_document(name: str, raw: bytes | None) -> dict | None:
    """A stored configuration document parsed (the root's children), None for none."""
    return None if raw is None else parse(raw, *SHAPES[name])


class ConfigStore:
    def __init__(self, db: Database):
        self.db = db

    def get(self, bucket: str, name: str) -> bytes | None:
        row = self.db.one("SELECT value FROM bucket_config WHERE bucket=? AND name=?", (bucket, name))
        return bytes(row["value"]) if row else None

    def several(self, bucket: str, names: tuple[str, ...]) -> dict[str, bytes]:
        """The stored values of several configurations at once (absent ones left out): one read of the index."""
        rows = self.db.query(
            f"SELECT name, value FROM bucket_config WHERE bucket=? AND name IN ({','.join('?' * len(names))})",
            (bucket, *names),
        )
        return {row["name"]: bytes(row["value"]) for row in rows}

    def document(self, bucket: str, name: str) -> dict | None:
        """The parsed stored document of one configuration (the root's children), None when absent."""
        return parse_document(name, self.get(bucket, name))

    def put(self, bucket: str, name: str, value: bytes) -> None:
        def change(conn):
            if conn.execute("SELECT 1 FROM buckets WHERE name=?", (bucket,)).fetchone() is None:
                raise OssServerError("NoSuchBucket", BucketName=bucket)
            conn.execute("INSERT OR REPLACE INTO bucket_config VALUES(?,?,?)", (bucket, name, value))

        self.db.commit(change)  # durable before the answer, sharing the sync with concurrent writers

    def delete(self, bucket: str, name: str) -> None:
        self.db.commit(lambda conn: conn.execute("DELETE FROM bucket_config WHERE bucket=? AND name=?", (bucket, name)))

    def set_object_tags(self, bucket: str, key: str, encoded: str | None) -> None:
        """Replace an object's tags (None removes them) without touching its body or other attributes."""

        def change(conn):
            row = conn.execute(
                "SELECT headers FROM objects WHERE bucket=? AND key=?", (bucket, key.encode("utf-8"))
            ).fetchone()
            if row is None:
                raise OssServerError("NoSuchKey", Key=key)
            headers = json.loads(row["headers"])
            if encoded:
                headers[TAGS_FIELD] = encoded
            else:
                headers.pop(TAGS_FIELD, None)
            conn.execute(
                "UPDATE objects SET headers=? WHERE bucket=? AND key=?",
                (json.dumps(headers), bucket, key.encode("utf-8")),
            )

        self.db.commit(change)

    def class_stat(self, bucket: str) -> tuple[dict[str, tuple[int, int]], int]:
        """GetBucketStat's extra figures: {storage class: (bytes, objects)} and the newest object's mtime."""
        rows = self.db.query(
            "SELECT storage_class, coalesce(sum(size),0) AS s, count(*) AS n, max(mtime) AS m "
            "FROM objects WHERE bucket=? GROUP BY storage_class",
            (bucket,),
        )
        newest = max((r["m"] for r in rows), default=0)
        return {r["storage_class"]: (r["s"], r["n"]) for r in rows}, int(newest)

    def part_count(self, bucket: str) -> int:
        row = self.db.one(
            "SELECT count(*) AS n FROM parts JOIN uploads USING(upload_id) WHERE uploads.bucket=?", (bucket,)
        )
        return row["n"]
