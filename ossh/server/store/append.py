"""AppendObject in the store: bytes written past an appendable body's recorded length, under a byte-range lock
that excludes other appenders but never readers; the row grows only once the bytes are durable."""

from __future__ import annotations

import fcntl
import hashlib
import os
import struct
from collections.abc import Callable

from ossh.client.crc import crc64_combine
from ossh.protocol import H_NEXT_APPEND_POSITION, NULL_VERSION

from ..wire.errors import OssServerError
from ..wire.records import ObjectAttrs, ObjectRecord
from .pieces import decode_pieces
from .store import Store, object_from_row

APPEND_OPEN_ATTEMPTS = 3  # an appendable object replaced this many times in a row is a conflict


def append(
    store: Store,
    bucket: str,
    key: str,
    position: int,
    readinto,
    length: int | None,
    limit: int,
    attrs: ObjectAttrs,
    vet: Callable[[], None] | None = None,
) -> ObjectRecord:
    """AppendObject: bytes land past the recorded length; the row grows only once they are durable, and
    only if it still names the same body and length (a Put or Delete meanwhile makes this a conflict).
    `vet()`, once the bytes are in, may still refuse the append (they are then dropped)."""
    for _ in range(APPEND_OPEN_ATTEMPTS):
        record = store.get(bucket, key)
        _check_append(record, position, key)
        if record is None:
            return _append_new(store, bucket, key, readinto, length, limit, attrs, vet)
        try:
            fd = os.open(store.blobs.path(record.body), os.O_WRONLY)
            break
        except FileNotFoundError:
            # Bodies are removed only after their row stops naming them, so a row that still names
            # a missing file is damage to the store, not a race: retrying cannot help.
            if store.names_body(bucket, key, record.body):
                raise OssServerError("InternalError", "The object's stored body is missing.", Key=key) from None
    else:
        # Replaced by other writers on every attempt: answer the conflict they caused.
        now = store.get(bucket, key)
        raise OssServerError(
            "PositionNotEqualToLength", Key=key, headers={H_NEXT_APPEND_POSITION: str(now.size if now else 0)}
        )
    try:
        _lock_for_append(fd)
        _check_same(store.get(bucket, key), record, position, key)
        size, crc = store.blobs.append(fd, position, readinto, length, limit - position)
        if vet is not None:
            try:
                vet()
            except BaseException:
                os.ftruncate(fd, position)
                raise
        total_crc = crc64_combine(record.crc64, crc, size)
        grown = ObjectRecord(
            bucket,
            key,
            record.body,
            position + size,
            _append_etag(total_crc, position + size),
            total_crc,
            record.type,
            record.attrs,
            store.clock(),
            decode_pieces(record.body, position + size),
            None if record.version_id == NULL_VERSION else record.version_id,
        )

        def change(conn):
            return conn.execute(
                "UPDATE objects SET size=?, crc64=?, etag=?, mtime=? "
                "WHERE bucket=? AND key=? AND body=? AND size=? AND type='Appendable'",
                (grown.size, str(grown.crc64), grown.etag, grown.mtime, bucket, key.encode(), record.body, position),
            ).rowcount

        if store.db.commit(change) == 0:
            os.ftruncate(fd, position)
            _check_same(store.get(bucket, key), record, position, key)
        return grown
    finally:
        os.close(fd)


def _append_new(store: Store, bucket, key, readinto, length, limit, attrs, vet) -> ObjectRecord:
    """Position 0 on a missing key: a new Appendable object, unless another writer created the key first."""
    body_id = store.blobs.create_empty()
    fd = os.open(store.blobs.path(body_id), os.O_WRONLY)
    try:
        size, crc = store.blobs.append(fd, 0, readinto, length, limit)
        if vet is not None:
            vet()
    except BaseException:
        store.blobs.remove([body_id])
        raise
    finally:
        os.close(fd)

    def still_missing(conn):
        row = conn.execute("SELECT * FROM objects WHERE bucket=? AND key=?", (bucket, key.encode())).fetchone()
        if row is not None:
            _check_append(object_from_row(row), -1, key)

    return store.put_body(
        bucket,
        key,
        body_id,
        size,
        _append_etag(crc, size),
        crc,
        "Appendable",
        attrs,
        False,
        before_commit=still_missing,
    )


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
        raise OssServerError("PositionNotEqualToLength", Key=key, headers={H_NEXT_APPEND_POSITION: str(current)})


def _check_same(now: ObjectRecord | None, then: ObjectRecord, position: int, key: str) -> None:
    """Raise the right conflict unless the object is still the one an append started on."""
    _check_append(now, position, key)
    if now is None or now.body != then.body:  # replaced by a new appendable object of the same length
        raise OssServerError(
            "PositionNotEqualToLength", Key=key, headers={H_NEXT_APPEND_POSITION: str(now.size if now else 0)}
        )


def _append_etag(crc: int, size: int) -> str:
    # An appendable object's ETag is not its MD5 on OSS either; this one changes with every append.
    return hashlib.md5(f"{crc}:{size}".encode()).hexdigest().upper()
