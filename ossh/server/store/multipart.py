"""Multipart uploads in the store: parts as body files; Complete hands the listed parts' files to the object
as its pieces, so it costs no copy whatever the object's size."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable

from ossh.client.crc import Crc64
from ossh.client.xmlparse import unquote_etag
from ossh.protocol import MIN_PART_SIZE

from ..wire.errors import OssServerError
from ..wire.records import ObjectAttrs, ObjectRecord
from .blobs import Staged
from .store import Store, md5_etag


class Multipart:
    def __init__(self, store: Store):
        self.store = store
        self.db = store.db

    def initiate(self, bucket: str, key: str, attrs: ObjectAttrs) -> str:
        upload_id = uuid.uuid4().hex.upper()
        self.db.commit(
            lambda conn: conn.execute(
                "INSERT INTO uploads VALUES(?,?,?,?,?,?,?,?,?)",
                (
                    upload_id,
                    bucket,
                    key.encode(),
                    self.store.clock(),
                    attrs.storage_class,
                    attrs.acl,
                    attrs.content_type,
                    json.dumps(attrs.headers),
                    json.dumps(attrs.meta),
                ),
            )
        )
        return upload_id

    def upload(self, bucket: str, key: str, upload_id: str, conn=None):
        row = (
            (conn or self.db.conn())
            .execute(
                "SELECT * FROM uploads WHERE upload_id=? AND bucket=? AND key=?", (upload_id, bucket, key.encode())
            )
            .fetchone()
        )
        if row is None:
            raise OssServerError("NoSuchUpload", UploadId=upload_id)
        return row

    def put_part(self, bucket: str, key: str, upload_id: str, number: int, staged: Staged) -> str:
        """Store (or replace) part `number`; returns its ETag (the part's MD5)."""
        blobs = self.store.blobs
        body_id = blobs.place(staged)
        etag = md5_etag(staged.md5)

        def change(conn):
            self.upload(bucket, key, upload_id, conn)
            old = conn.execute(
                "SELECT body FROM parts WHERE upload_id=? AND part_number=?", (upload_id, number)
            ).fetchone()
            conn.execute(
                "INSERT OR REPLACE INTO parts VALUES(?,?,?,?,?,?,?)",
                (upload_id, number, body_id, staged.size, etag, str(staged.crc), self.store.clock()),
            )
            return old

        try:
            old = self.db.commit(change)
        except BaseException:
            blobs.remove([body_id])
            raise
        if old is not None:
            blobs.remove([old["body"]])
        return etag

    def list_parts(self, upload_id: str, marker: int, max_parts: int) -> tuple[list, bool]:
        rows = self.db.query(
            "SELECT * FROM parts WHERE upload_id=? AND part_number>? ORDER BY part_number LIMIT ?",
            (upload_id, marker, max_parts + 1),
        )
        return rows[:max_parts], len(rows) > max_parts

    def complete(
        self,
        bucket: str,
        key: str,
        upload_id: str,
        wanted: list[tuple[int, str]] | None,
        forbid_overwrite: bool,
        acl: str | None = None,
        vet_acl: Callable[[str], None] | None = None,
    ) -> ObjectRecord:
        """`wanted` = [(part number, etag)] as the client listed them, or None for every part (complete-all).
        `acl` replaces the one the upload was initiated with; `vet_acl(acl)` may refuse the one the object
        would get (it raises)."""
        upload = self.upload(bucket, key, upload_id)
        if vet_acl is not None:
            vet_acl(acl or upload["acl"])
        stored = {r["part_number"]: r for r in self.db.query("SELECT * FROM parts WHERE upload_id=?", (upload_id,))}
        if wanted is None:
            chosen = [stored[n] for n in sorted(stored)]
        else:
            chosen = self._check_listed(wanted, stored)
        if not chosen:
            raise OssServerError("InvalidPart", "At least one part must be specified.")
        for part in chosen[:-1]:
            if part["size"] < MIN_PART_SIZE:
                raise OssServerError("EntityTooSmall", PartNumber=str(part["part_number"]))
        crc = Crc64()
        for part in chosen:
            crc.combine(int(part["crc64"]), part["size"])
        digest = hashlib.md5(b"".join(bytes.fromhex(p["etag"]) for p in chosen)).hexdigest().upper()
        attrs = ObjectAttrs(
            upload["content_type"],
            json.loads(upload["headers"]),
            json.loads(upload["meta"]),
            acl or upload["acl"],
            upload["storage_class"],
        )
        pieces = [(p["body"], p["size"]) for p in chosen]
        kept = {p["body"] for p in chosen}
        leftovers: list[str] = []

        def finish(conn):
            # Checked in the transaction that publishes the object: a concurrent Complete or Abort makes this
            # one fail rather than publish twice, and a part re-uploaded meanwhile fails it too.
            self.upload(bucket, key, upload_id, conn)
            now = {r["body"] for r in conn.execute("SELECT body FROM parts WHERE upload_id=?", (upload_id,))}
            if not kept <= now:
                raise OssServerError("InvalidPart", "A part changed while the upload was being completed.")
            conn.execute("DELETE FROM parts WHERE upload_id=?", (upload_id,))
            conn.execute("DELETE FROM uploads WHERE upload_id=?", (upload_id,))
            leftovers.extend(now - kept)

        record = self.store.put_body(
            bucket,
            key,
            pieces,
            crc.length,
            f"{digest}-{len(chosen)}",
            crc.value,
            "Multipart",
            attrs,
            forbid_overwrite,
            before_commit=finish,
            fresh=False,
        )
        self.store.blobs.remove(*([body] for body in leftovers))
        return record

    @staticmethod
    def _check_listed(wanted, stored):
        chosen, previous = [], 0
        for number, etag in wanted:
            if number <= previous:
                raise OssServerError("InvalidPartOrder", PartNumber=str(number))
            previous = number
            part = stored.get(number)
            if part is None or part["etag"] != unquote_etag(etag).upper():
                raise OssServerError("InvalidPart", PartNumber=str(number), ETag=etag)
            chosen.append(part)
        return chosen

    def abort(self, bucket: str, key: str, upload_id: str) -> None:
        def change(conn):
            self.upload(bucket, key, upload_id, conn)
            bodies = [
                [r["body"]] for r in conn.execute("DELETE FROM parts WHERE upload_id=? RETURNING body", (upload_id,))
            ]
            conn.execute("DELETE FROM uploads WHERE upload_id=?", (upload_id,))
            return bodies

        self.store.free(change)
