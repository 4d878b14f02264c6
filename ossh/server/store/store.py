"""The embedded server's store: buckets, objects and ACLs in SQLite, bodies in BlobStore files.

Every change follows one order: body renamed into place and fsynced with its directory, then the metadata
row committed and its WAL synced (group commit: see db.py), then the answer, then the replaced body removed —
a crash or power loss anywhere leaves either the old object or the new one, plus at most an orphan file that
the next start deletes, and nothing acknowledged is lost. The store is private: directories 0700, files 0600.
"""

from __future__ import annotations

import fcntl
import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ossh.protocol import NULL_VERSION, Acl

from ..wire.errors import OssServerError
from ..wire.records import Account, Bucket, ObjectAttrs, ObjectRecord
from . import versions
from .blobs import BlobStore, Staged
from .db import Database, NotDurable
from .files import private_dir, private_file
from .owners import adopt_accounts
from .pieces import body_ids, decode_pieces, encode_pieces
from .space import Faults, Reserve, StorageFull


class HeldBody:
    """An object's body, open under a shared lock (blobs.Held): kept on disk, even if the object is replaced
    or deleted meanwhile, until closed."""

    def __init__(self, store: Store, record: ObjectRecord):
        self.store, self.record = store, record
        self.held = store.blobs.hold(record.pieces)

    def segments(self, offset: int, length: int):
        return self.held.segments(offset, length)

    def still_named(self) -> bool:
        return self.store.names_body(self.record.bucket, self.record.key, self.record.body)

    def close(self) -> None:
        self.held.close(self.still_named)


def object_from_row(row) -> ObjectRecord:
    attrs = ObjectAttrs(
        row["content_type"], json.loads(row["headers"]), json.loads(row["meta"]), row["acl"], row["storage_class"]
    )
    return ObjectRecord(
        row["bucket"],
        bytes(row["key"]).decode("utf-8"),
        row["body"],
        row["size"],
        row["etag"],
        int(row["crc64"]),
        row["type"],
        attrs,
        row["mtime"],
        decode_pieces(row["body"], row["size"]),
        row["version_id"],
    )


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
    def __init__(
        self,
        root: Path,
        durable: bool = True,
        faults: Faults | None = None,
        clock: Callable[[], float] = time.time,
        accounts: Iterable[Account] = (),
    ):
        """`clock`: what creation and modification times are read from (tests drive a fake one); `accounts`:
        the accounts the server accepts, whose ids the buckets' owners are brought to (see owners.py)."""
        self.root = root
        self.clock = clock
        self.faults = faults or Faults()
        self._root_lock = None
        try:
            private_dir(root)
            self.blobs = BlobStore(root, self.faults, durable=durable)
            self.db = Database(root / "meta.db", durable, self.faults)
            if adopt_accounts(self.db.conn(), accounts):
                self.db.sync()
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
        rows = self.db.query(
            "SELECT body FROM objects UNION SELECT body FROM parts UNION SELECT body FROM versions WHERE marker=0"
        )
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
        except NotDurable as done:  # it did happen: a delete that took effect is not reported as failed
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
                conn.execute(
                    "INSERT INTO buckets VALUES(?,?,?,?,?,?)",
                    (name, owner, acl or Acl.PRIVATE.value, storage_class, location, self.clock()),
                )
            elif row["owner"] != owner or row["storage_class"] != storage_class:
                raise OssServerError("BucketAlreadyExists", BucketName=name)
            elif acl:
                conn.execute("UPDATE buckets SET acl=? WHERE name=?", (acl, name))

    def list_buckets(self, owner: str, prefix: str, marker: str, max_keys: int) -> tuple[list[Bucket], bool]:
        rows = self.db.query(
            "SELECT * FROM buckets WHERE owner=? AND name>? AND substr(name,1,?)=? ORDER BY name LIMIT ?",
            (owner, marker, len(prefix), prefix, max_keys + 1),
        )
        buckets = [Bucket(**dict(r)) for r in rows]
        return buckets[:max_keys], len(buckets) > max_keys

    def delete_bucket(self, name: str) -> None:
        with self.db.write() as conn:
            for table in ("objects", "uploads", "versions"):
                if conn.execute(f"SELECT 1 FROM {table} WHERE bucket=? LIMIT 1", (name,)).fetchone():
                    raise OssServerError("BucketNotEmpty", BucketName=name)
            conn.execute("DELETE FROM buckets WHERE name=?", (name,))
            conn.execute("DELETE FROM bucket_config WHERE bucket=?", (name,))  # its configurations go with it

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

    def put_staged(
        self, bucket: str, key: str, staged: Staged, attrs: ObjectAttrs, forbid_overwrite: bool = False
    ) -> ObjectRecord:
        body_id = self.blobs.place(staged)
        return self.put_body(
            bucket, key, body_id, staged.size, md5_etag(staged.md5), staged.crc, "Normal", attrs, forbid_overwrite
        )

    def put_body(
        self,
        bucket: str,
        key: str,
        body: str | list[tuple[str, int]],
        size: int,
        etag: str,
        crc: int,
        obj_type: str,
        attrs: ObjectAttrs,
        forbid_overwrite: bool,
        before_commit=None,
        fresh: bool = True,
    ) -> ObjectRecord:
        """Publish body files already in the store as `key` (a body id, or pieces in order);
        `before_commit(conn)` runs in the same transaction. `fresh`: the files were just named (they are
        removed if the change fails); False for files that already belong to a record (an upload's parts)."""
        body_id = body if isinstance(body, str) else encode_pieces(body)
        record = ObjectRecord(
            bucket, key, body_id, size, etag, crc, obj_type, attrs, self.clock(), decode_pieces(body_id, size)
        )
        ids = body_ids(body_id)

        def change(conn):
            if conn.execute("SELECT 1 FROM buckets WHERE name=?", (bucket,)).fetchone() is None:
                raise OssServerError("NoSuchBucket", BucketName=bucket)
            old = conn.execute(
                "SELECT body FROM objects WHERE bucket=? AND key=?", (bucket, key.encode("utf-8"))
            ).fetchone()
            if old is not None and forbid_overwrite:
                raise OssServerError("FileAlreadyExists", Key=key)
            if before_commit is not None:
                before_commit(conn)
            # versioning: keeps or drops the current version, names the new one
            record.version_id, freed = versions.make_room(conn, bucket, key.encode("utf-8"))
            conn.execute(
                "INSERT OR REPLACE INTO objects VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    bucket,
                    key.encode("utf-8"),
                    body_id,
                    size,
                    etag,
                    str(crc),
                    obj_type,
                    attrs.storage_class,
                    attrs.acl,
                    attrs.content_type,
                    json.dumps(attrs.headers),
                    json.dumps(attrs.meta),
                    record.mtime,
                    record.version_id or NULL_VERSION,
                ),
            )
            return freed

        try:
            freed = self.db.commit(change)
        except BaseException:
            if fresh:
                self.blobs.remove(ids)
            raise
        self.blobs.remove(*freed)
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
                row = conn.execute(
                    "DELETE FROM objects WHERE bucket=? AND key=? RETURNING body", (bucket, key)
                ).fetchone()
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
            cur = conn.execute(
                "UPDATE objects SET headers=? WHERE bucket=? AND key=? AND body=?",
                (json.dumps(headers), bucket, key.encode(), body),
            )
            if cur.rowcount == 0:
                raise OssServerError("NoSuchKey", "The object changed while it was being updated.", Key=key)

        self.db.commit(change)

    def names_body(self, bucket: str, key: str, body: str) -> bool:
        row = self.db.one("SELECT body FROM objects WHERE bucket=? AND key=?", (bucket, key.encode("utf-8")))
        if row is not None and row["body"] == body:
            return True
        return versions.names_body(self.db.conn(), bucket, key.encode("utf-8"), body)  # a noncurrent version's

    def get_version(self, bucket: str, key: str, version_id: str) -> ObjectRecord | None:
        """One version of an object, current or not (None: no such version, or a delete marker)."""
        row, _latest = versions.find(self.db.conn(), bucket, key.encode("utf-8"), version_id)
        return object_from_row(row) if row is not None and not versions.is_marker(row) else None
