"""The embedded server's store: buckets, objects and ACLs in SQLite, bodies in BlobStore files.

Every change follows one order: body renamed into place and fsynced with its directory, then the metadata
row committed and its WAL synced (group commit: see db.py), then the answer, then the replaced body removed —
a crash or power loss anywhere leaves either the old object or the new one, plus at most an orphan file that
the next start deletes, and nothing acknowledged is lost. The store is private: directories 0700, files 0600.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import struct
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ossh.client.crc import crc64_combine

from .blobs import BlobStore, Staged, body_ids, decode_pieces, encode_pieces
from .db import Database, NotDurable
from .files import private_dir, private_file
from .errors import OssServerError
from .space import Faults, Reserve, StorageFull

PRIVATE, PUBLIC_READ, PUBLIC_READ_WRITE = BUCKET_ACLS = ("private", "public-read", "public-read-write")
DEFAULT_ACL = "default"                     # an object ACL meaning "as its bucket's"
OBJECT_ACLS = (DEFAULT_ACL, *BUCKET_ACLS)
APPEND_OPEN_ATTEMPTS = 3    # an appendable object replaced this many times in a row is a conflict


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
    acl: str = DEFAULT_ACL
    storage_class: str = "Standard"


@dataclass
class ObjectRecord:
    bucket: str
    key: str
    body: str                 # the body column: one id, or pieces (see blobs.encode_pieces)
    size: int
    etag: str
    crc64: int
    type: str
    attrs: ObjectAttrs
    mtime: float

    @property
    def pieces(self) -> list[tuple[str, int]]:
        return decode_pieces(self.body, self.size)


class HeldBody:
    """An object's body, open under a shared lock (blobs.Held): kept on disk, even if the object is replaced
    or deleted meanwhile, until closed."""

    def __init__(self, store: "Store", record: ObjectRecord):
        self.store, self.record = store, record
        self.held = store.blobs.hold(record.pieces)

    def segments(self, offset: int, length: int):
        return self.held.segments(offset, length)

    def still_named(self) -> bool:
        return self.store.names_body(self.record.bucket, self.record.key, self.record.body)

    def close(self) -> None:
        self.held.close(self.still_named)


def object_from_row(row) -> ObjectRecord:
    attrs = ObjectAttrs(row["content_type"], json.loads(row["headers"]), json.loads(row["meta"]), row["acl"],
                        row["storage_class"])
    return ObjectRecord(row["bucket"], bytes(row["key"]).decode("utf-8"), row["body"], row["size"], row["etag"],
                        int(row["crc64"]), row["type"], attrs, row["mtime"])


def md5_etag(digest: bytes) -> str:
    return digest.hex().upper()


class StoreUnavailable(OSError):
    """The store cannot be opened (read-only or unwritable root, not a directory, damaged database)."""


def unavailable(root: Path, exc: BaseException) -> StoreUnavailable:
    """One line saying why the store at `root` cannot be used."""
    if isinstance(exc, OSError):
        reason = (exc.strerror or str(exc)).lower()
        if exc.filename and Path(exc.filename) != root:
            reason += f" ({exc.filename})"
    else:
        reason = str(exc)
    return StoreUnavailable(f"cannot open the store at {root}: {reason}")


class Store:
    def __init__(self, root: Path, durable: bool = True, faults: Faults | None = None):
        self.root = root
        self.faults = faults or Faults()
        self._root_lock = None
        try:
            private_dir(root)
            self.blobs = BlobStore(root, self.faults, durable=durable)
            self.db = Database(root / "meta.db", durable, self.faults)
            # files an earlier version made with the umask's mode
            for name in ("meta.db-wal", "meta.db-shm", "reserve", "credentials.json"):
                if (root / name).exists():
                    private_file(root / name)
            private_file(root / "lock")
            self._root_lock = open(root / "lock", "r+b")
            self.reserve = Reserve(root / "reserve", root / "tmp", self.faults)
            self.recovered = self._recover()
        except (OSError, sqlite3.Error) as exc:
            self.close()
            raise unavailable(root, exc) from exc
        self._reserve_spent = not self.reserve.ensure()

    def _recover(self) -> int:
        """Delete what a crash left behind, but only when no other server process shares this root: their
        temp files and freshly placed bodies would look just like orphans. The shared lock held afterwards
        keeps a later starter (or `--check`) from cleaning under us."""
        fd = self._root_lock.fileno()
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fcntl.flock(fd, fcntl.LOCK_SH)
            return 0
        try:
            return self.blobs.cleanup(self.referenced_bodies())
        finally:
            fcntl.flock(fd, fcntl.LOCK_SH)

    def referenced_bodies(self) -> set[str]:
        rows = self.db.query("SELECT body FROM objects UNION SELECT body FROM parts")
        return {body_id for row in rows for body_id in body_ids(row[0])}

    def close(self) -> None:
        if getattr(self, "blobs", None) is not None:
            self.blobs.close()
        if getattr(self, "db", None) is not None:
            self.db.close()
        if self._root_lock is not None:
            self._root_lock.close()
            self._root_lock = None

    def free(self, change) -> None:
        """Commit a change that frees space (a delete, an abort; it returns the bodies it unnamed), then remove
        those bodies. On a full disk the reserve is given up and the change tried again, so space can always
        be freed; the reserve is remade once there is room. Nothing after the commit can fail the request: a
        body that cannot be removed is left as an orphan for --repair."""
        try:
            try:
                bodies = self.db.commit(change)
            except StorageFull:
                # released here or by a concurrent delete that failed in the same group commit: try once more
                self.reserve.release()
                self._reserve_spent = True
                bodies = self.db.commit(change)
        except NotDurable as done:      # it did happen: a delete that took effect is not reported as failed
            print(f"ossh server: {done.message}", file=sys.stderr)
            bodies = done.result
        self.blobs.remove(*bodies)
        if self._reserve_spent and self.reserve.ensure():
            self._reserve_spent = False

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
                             (name, owner, acl or PRIVATE, storage_class, location, time.time()))
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
            conn.execute("DELETE FROM bucket_config WHERE bucket=?", (name,))   # its configurations go with it

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

    def open_body(self, bucket: str, key: str) -> HeldBody:
        """The object's body, held so that no overwrite or delete, by this process or another sharing the
        root, can remove it mid-read (the protocol is in blobs.py)."""
        while True:
            record = self.require(bucket, key)
            try:
                held = HeldBody(self, record)
            except FileNotFoundError:
                # Bodies are removed only after their row stops naming them: a row that still names a missing
                # file is damage to the store, not a race.
                if self.names_body(bucket, key, record.body):
                    raise OssServerError("InternalError", "The object's stored body is missing.", Key=key) from None
                continue
            if self.names_body(bucket, key, record.body):
                return held
            held.close()

    def put_staged(self, bucket: str, key: str, staged: Staged, attrs: ObjectAttrs,
                   forbid_overwrite: bool = False) -> ObjectRecord:
        body_id = self.blobs.place(staged)
        return self.put_body(bucket, key, body_id, staged.size, md5_etag(staged.md5), staged.crc,
                             "Normal", attrs, forbid_overwrite)

    def put_body(self, bucket: str, key: str, body: str | list[tuple[str, int]], size: int, etag: str, crc: int,
                 obj_type: str, attrs: ObjectAttrs, forbid_overwrite: bool, before_commit=None,
                 fresh: bool = True) -> ObjectRecord:
        """Publish body files already in the store as `key` (a body id, or pieces in order);
        `before_commit(conn)` runs in the same transaction. `fresh`: the files were just named (they are
        removed if the change fails); False for files that already belong to a record (an upload's parts)."""
        body_id = body if isinstance(body, str) else encode_pieces(body)
        record = ObjectRecord(bucket, key, body_id, size, etag, crc, obj_type, attrs, time.time())
        ids = body_ids(body_id)

        def change(conn):
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
            return old["body"] if old is not None else None
        try:
            old = self.db.commit(change)
        except BaseException:
            if fresh:
                self.blobs.remove(ids)
            raise
        if old is not None:
            self.blobs.remove(body_ids(old))
        return record

    def copy_body(self, src: ObjectRecord) -> tuple[list[tuple[str, int]], str]:
        """Private body files for a copy of `src`, and its ETag: hard links, unless the source can still grow."""
        if src.type != "Appendable":
            links: list[tuple[str, int]] = []
            try:
                for piece_id, size in src.pieces:
                    links.append((self.blobs.link(piece_id), size))
            except BaseException:
                self.blobs.remove([i for i, _ in links])
                raise
            return links, src.etag
        staged = self.blobs.copy_range(src.pieces, 0, src.size)
        return [(self.blobs.place(staged), staged.size)], md5_etag(staged.md5)

    def delete(self, bucket: str, keys: list[str]) -> None:
        encoded = [k.encode("utf-8") for k in keys]

        def change(conn):
            bodies = []
            for key in encoded:
                row = conn.execute("DELETE FROM objects WHERE bucket=? AND key=? RETURNING body",
                                   (bucket, key)).fetchone()
                if row is not None:
                    bodies.append(body_ids(row["body"]))
            return bodies
        self.free(change)

    def set_object_acl(self, bucket: str, key: str, acl: str) -> None:
        def change(conn):
            cur = conn.execute("UPDATE objects SET acl=? WHERE bucket=? AND key=?", (acl, bucket, key.encode()))
            if cur.rowcount == 0:
                raise OssServerError("NoSuchKey", Key=key)
        self.db.commit(change)

    def set_object_headers(self, bucket: str, key: str, body: str, headers: dict[str, str]) -> None:
        """Replace the stored headers of the object whose body is still `body` (else it changed meanwhile)."""
        def change(conn):
            cur = conn.execute("UPDATE objects SET headers=? WHERE bucket=? AND key=? AND body=?",
                               (json.dumps(headers), bucket, key.encode(), body))
            if cur.rowcount == 0:
                raise OssServerError("NoSuchKey", "The object changed while it was being updated.", Key=key)
        self.db.commit(change)

    def append(self, bucket: str, key: str, position: int, readinto, length: int | None, limit: int,
               attrs: ObjectAttrs) -> ObjectRecord:
        """AppendObject: bytes land past the recorded length; the row grows only once they are durable, and
        only if it still names the same body and length (a Put or Delete meanwhile makes this a conflict)."""
        for _ in range(APPEND_OPEN_ATTEMPTS):
            record = self.get(bucket, key)
            _check_append(record, position, key)
            if record is None:
                return self._append_new(bucket, key, readinto, length, limit, attrs)
            try:
                fd = os.open(self.blobs.path(record.body), os.O_WRONLY)
                break
            except FileNotFoundError:
                # Bodies are removed only after their row stops naming them, so a row that still names
                # a missing file is damage to the store, not a race: retrying cannot help.
                if self.names_body(bucket, key, record.body):
                    raise OssServerError("InternalError", "The object's stored body is missing.", Key=key)
        else:
            # Replaced by other writers on every attempt: answer the conflict they caused.
            now = self.get(bucket, key)
            raise OssServerError("PositionNotEqualToLength", Key=key,
                                 headers={"x-oss-next-append-position": str(now.size if now else 0)})
        try:
            _lock_for_append(fd)
            _check_same(self.get(bucket, key), record, position, key)
            size, crc = self.blobs.append(fd, position, readinto, length, limit - position)
            total_crc = crc64_combine(record.crc64, crc, size)
            grown = ObjectRecord(bucket, key, record.body, position + size, _append_etag(total_crc, position + size),
                                 total_crc, record.type, record.attrs, time.time())

            def change(conn):
                return conn.execute("UPDATE objects SET size=?, crc64=?, etag=?, mtime=? "
                                    "WHERE bucket=? AND key=? AND body=? AND size=? AND type='Appendable'",
                                    (grown.size, str(grown.crc64), grown.etag, grown.mtime, bucket, key.encode(),
                                     record.body, position)).rowcount
            if self.db.commit(change) == 0:
                os.ftruncate(fd, position)
                _check_same(self.get(bucket, key), record, position, key)
            return grown
        finally:
            os.close(fd)

    def names_body(self, bucket: str, key: str, body: str) -> bool:
        row = self.db.one("SELECT body FROM objects WHERE bucket=? AND key=?", (bucket, key.encode("utf-8")))
        return row is not None and row["body"] == body

    def _append_new(self, bucket, key, readinto, length, limit, attrs) -> ObjectRecord:
        """Position 0 on a missing key: a new Appendable object, unless another writer created the key first."""
        body_id = self.blobs.create_empty()
        fd = os.open(self.blobs.path(body_id), os.O_WRONLY)
        try:
            size, crc = self.blobs.append(fd, 0, readinto, length, limit)
        except BaseException:
            self.blobs.remove([body_id])
            raise
        finally:
            os.close(fd)

        def still_missing(conn):
            row = conn.execute("SELECT * FROM objects WHERE bucket=? AND key=?", (bucket, key.encode())).fetchone()
            if row is not None:
                _check_append(object_from_row(row), -1, key)

        return self.put_body(bucket, key, body_id, size, _append_etag(crc, size), crc, "Appendable", attrs, False,
                             before_commit=still_missing)


def _lock_for_append(fd: int) -> None:
    """One appender per body, across threads and processes sharing the root. An open-file-description lock on
    the whole file: like flock it belongs to the open file (two opens exclude each other even in one process),
    but it is a byte-range lock, separate from the readers' flock, so appending never waits for readers."""
    if hasattr(fcntl, "F_OFD_SETLKW"):
        # struct flock: l_type, l_whence, l_start, l_len (0: to the end, however far), l_pid (0 for OFD locks)
        fcntl.fcntl(fd, fcntl.F_OFD_SETLKW, struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
    else:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _check_append(record: ObjectRecord | None, position: int, key: str) -> None:
    """The conflict OSS answers when `position` cannot be appended at: ObjectNotAppendable for a Normal or
    Multipart object, PositionNotEqualToLength (with the length to use) for a wrong position."""
    if record is not None and record.type != "Appendable":
        raise OssServerError("ObjectNotAppendable", Key=key)
    current = record.size if record else 0
    if position != current:
        raise OssServerError("PositionNotEqualToLength", Key=key,
                             headers={"x-oss-next-append-position": str(current)})


def _check_same(now: ObjectRecord | None, then: ObjectRecord, position: int, key: str) -> None:
    """Raise the right conflict unless the object is still the one an append started on."""
    _check_append(now, position, key)
    if now is None or now.body != then.body:    # replaced by a new appendable object of the same length
        raise OssServerError("PositionNotEqualToLength", Key=key,
                             headers={"x-oss-next-append-position": str(now.size if now else 0)})


def _append_etag(crc: int, size: int) -> str:
    # An appendable object's ETag is not its MD5 on OSS either; this one changes with every append.
    return hashlib.md5(f"{crc}:{size}".encode()).hexdigest().upper()
