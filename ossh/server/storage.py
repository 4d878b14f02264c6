"""The embedded server's store: buckets, objects and ACLs in SQLite, bodies in BlobStore files.

Every change follows one order: body durable on disk, then the metadata row committed, then the replaced
body removed — a crash anywhere leaves either the old object or the new one, plus at most an orphan file
that the next start deletes.
"""
from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from ossh.client.crc import crc64_combine

from .blobs import BlobStore, Staged
from .db import Database
from .errors import OssServerError


@dataclass
class Bucket:
    name: str
    owner: str
    acl: str
    storage_class: str
    location: str
    created: float


@dataclass
class ObjectAttrs:
    """What a writer says about an object besides its bytes."""

    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)  # Cache-Control, Content-Disposition, ...
    meta: dict[str, str] = field(default_factory=dict)     # x-oss-meta-* without the prefix
    acl: str = "default"
    storage_class: str = "Standard"


@dataclass
class ObjectRecord:
    bucket: str
    key: str
    body: str
    size: int
    etag: str
    crc64: int
    type: str
    attrs: ObjectAttrs
    mtime: float


def object_from_row(row) -> ObjectRecord:
    attrs = ObjectAttrs(row["content_type"], json.loads(row["headers"]), json.loads(row["meta"]), row["acl"],
                        row["storage_class"])
    return ObjectRecord(row["bucket"], bytes(row["key"]).decode("utf-8"), row["body"], row["size"], row["etag"],
                        int(row["crc64"]), row["type"], attrs, row["mtime"])


def md5_etag(digest: bytes) -> str:
    return digest.hex().upper()


class Store:
    def __init__(self, root: Path):
        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        self.blobs = BlobStore(root)
        self.db = Database(root / "meta.db")
        self._append_lock = threading.Lock()
        self.recovered = self._recover()

    def _recover(self) -> int:
        referenced = {r[0] for r in self.db.query("SELECT body FROM objects UNION SELECT body FROM parts")}
        return self.blobs.cleanup(referenced)

    def close(self) -> None:
        self.db.close()

    # ------------------------------------------------------------------ buckets

    def bucket(self, name: str) -> Bucket | None:
        row = self.db.one("SELECT * FROM buckets WHERE name=?", (name,))
        return Bucket(**dict(row)) if row else None

    def require_bucket(self, name: str) -> Bucket:
        bucket = self.bucket(name)
        if bucket is None:
            raise OssServerError("NoSuchBucket", BucketName=name)
        return bucket

    def create_bucket(self, name: str, owner: str, acl: str | None, storage_class: str, location: str) -> None:
        with self.db.write() as conn:
            row = conn.execute("SELECT owner, storage_class FROM buckets WHERE name=?", (name,)).fetchone()
            if row is None:
                conn.execute("INSERT INTO buckets VALUES(?,?,?,?,?,?)",
                             (name, owner, acl or "private", storage_class, location, time.time()))
            elif row["owner"] != owner or row["storage_class"] != storage_class:
                raise OssServerError("BucketAlreadyExists", BucketName=name)
            elif acl:
                conn.execute("UPDATE buckets SET acl=? WHERE name=?", (acl, name))

    def list_buckets(self, owner: str, prefix: str, marker: str, max_keys: int) -> tuple[list[Bucket], bool]:
        rows = self.db.query(
            "SELECT * FROM buckets WHERE owner=? AND name>? AND substr(name,1,?)=? ORDER BY name LIMIT ?",
            (owner, marker, len(prefix), prefix, max_keys + 1))
        buckets = [Bucket(**dict(r)) for r in rows]
        return buckets[:max_keys], len(buckets) > max_keys

    def delete_bucket(self, name: str) -> None:
        with self.db.write() as conn:
            for table in ("objects", "uploads"):
                if conn.execute(f"SELECT 1 FROM {table} WHERE bucket=? LIMIT 1", (name,)).fetchone():
                    raise OssServerError("BucketNotEmpty", BucketName=name)
            conn.execute("DELETE FROM buckets WHERE name=?", (name,))

    def set_bucket_acl(self, name: str, acl: str) -> None:
        with self.db.write() as conn:
            conn.execute("UPDATE buckets SET acl=? WHERE name=?", (acl, name))

    def bucket_stat(self, name: str) -> dict[str, int]:
        row = self.db.one("SELECT count(*) AS n, coalesce(sum(size),0) AS s FROM objects WHERE bucket=?", (name,))
        uploads = self.db.one("SELECT count(*) AS n FROM uploads WHERE bucket=?", (name,))["n"]
        return {"Storage": row["s"], "ObjectCount": row["n"], "MultipartUploadCount": uploads}

    # ------------------------------------------------------------------ objects

    def get(self, bucket: str, key: str) -> ObjectRecord | None:
        row = self.db.one("SELECT * FROM objects WHERE bucket=? AND key=?", (bucket, key.encode("utf-8")))
        return object_from_row(row) if row else None

    def require(self, bucket: str, key: str) -> ObjectRecord:
        record = self.get(bucket, key)
        if record is None:
            raise OssServerError("NoSuchKey", Key=key)
        return record

    def open_body(self, bucket: str, key: str):
        """(record, open file): retried because an overwrite may remove the body between lookup and open."""
        for _ in range(5):
            record = self.require(bucket, key)
            try:
                return record, self.blobs.open(record.body)
            except FileNotFoundError:
                continue
        raise OssServerError("InternalError", "The object changed too often while being read.", status=500)

    def put_staged(self, bucket: str, key: str, staged: Staged, attrs: ObjectAttrs,
                   forbid_overwrite: bool = False, etag: str | None = None, obj_type: str = "Normal") -> ObjectRecord:
        body_id = self.blobs.place(staged)
        return self.put_body(bucket, key, body_id, staged.size, etag or md5_etag(staged.md5), staged.crc,
                             obj_type, attrs, forbid_overwrite)

    def put_body(self, bucket: str, key: str, body_id: str, size: int, etag: str, crc: int, obj_type: str,
                 attrs: ObjectAttrs, forbid_overwrite: bool, before_commit=None) -> ObjectRecord:
        """Publish a body already in the store as `key`; `before_commit(conn)` runs in the same transaction."""
        record = ObjectRecord(bucket, key, body_id, size, etag, crc, obj_type, attrs, time.time())
        try:
            with self.db.write() as conn:
                if conn.execute("SELECT 1 FROM buckets WHERE name=?", (bucket,)).fetchone() is None:
                    raise OssServerError("NoSuchBucket", BucketName=bucket)
                old = conn.execute("SELECT body FROM objects WHERE bucket=? AND key=?",
                                   (bucket, key.encode("utf-8"))).fetchone()
                if old is not None and forbid_overwrite:
                    raise OssServerError("FileAlreadyExists", Key=key)
                if before_commit is not None:
                    before_commit(conn)
                conn.execute("INSERT OR REPLACE INTO objects VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             (bucket, key.encode("utf-8"), body_id, size, etag, str(crc), obj_type,
                              attrs.storage_class, attrs.acl, attrs.content_type, json.dumps(attrs.headers),
                              json.dumps(attrs.meta), record.mtime))
        except BaseException:
            self.blobs.remove(body_id)
            raise
        if old is not None:
            self.blobs.remove(old["body"])
        return record

    def copy_body(self, src: ObjectRecord) -> tuple[str, str]:
        """A private body for a copy of `src`, and its ETag (a hard link unless the source can still grow)."""
        if src.type != "Appendable":
            return self.blobs.link(src.body), src.etag
        staged = self.blobs.copy_range(src.body, 0, src.size)
        return self.blobs.place(staged), md5_etag(staged.md5)

    def delete(self, bucket: str, keys: list[str]) -> None:
        encoded = [k.encode("utf-8") for k in keys]
        bodies = []
        with self.db.write() as conn:
            for key in encoded:
                row = conn.execute("DELETE FROM objects WHERE bucket=? AND key=? RETURNING body",
                                   (bucket, key)).fetchone()
                if row is not None:
                    bodies.append(row["body"])
        self.blobs.remove(*bodies)

    def set_object_acl(self, bucket: str, key: str, acl: str) -> None:
        with self.db.write() as conn:
            cur = conn.execute("UPDATE objects SET acl=? WHERE bucket=? AND key=?", (acl, bucket, key.encode()))
            if cur.rowcount == 0:
                raise OssServerError("NoSuchKey", Key=key)

    def append(self, bucket: str, key: str, position: int, readinto, length: int | None, limit: int,
               attrs: ObjectAttrs) -> ObjectRecord:
        """AppendObject: bytes land past the recorded length; the row grows only once they are durable."""
        with self._append_lock:
            record = self.get(bucket, key)
            current = record.size if record else 0
            if record is not None and record.type != "Appendable":
                raise OssServerError("ObjectNotAppendable", Key=key)
            if position != current:
                raise OssServerError("PositionNotEqualToLength", Key=key,
                                     headers={"x-oss-next-append-position": str(current)})
            if record is None:
                body_id = self.blobs.create_empty()
                try:
                    size, crc = self.blobs.append(body_id, 0, readinto, length, limit)
                except BaseException:
                    self.blobs.remove(body_id)
                    raise
                return self.put_body(bucket, key, body_id, size, _append_etag(crc, size), crc, "Appendable",
                                     attrs, False)
            size, crc = self.blobs.append(record.body, current, readinto, length, limit - current)
            record.size = current + size
            record.crc64 = crc64_combine(record.crc64, crc, size)
            record.etag = _append_etag(record.crc64, record.size)
            record.mtime = time.time()
            with self.db.write() as conn:
                conn.execute("UPDATE objects SET size=?, crc64=?, etag=?, mtime=? WHERE bucket=? AND key=?",
                             (record.size, str(record.crc64), record.etag, record.mtime, bucket, key.encode()))
            return record


def _append_etag(crc: int, size: int) -> str:
    # An appendable object's ETag is not its MD5 on OSS either; this one changes with every append.
    return hashlib.md5(f"{crc}:{size}".encode()).hexdigest().upper()
