"""Hashes of local files (CRC-64 always, MD5 when one was needed), kept in a small SQLite file so an
unchanged tree is not read again. An entry is valid only while the file keeps its size, mtime_ns,
ctime_ns and inode: any write, rename over, or chmod changes one of them."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
from dataclasses import dataclass

from ..crc import Crc64

CHUNK = 1 << 20
_COMMIT_EVERY = 500


@dataclass
class Hashes:
    crc64: int
    md5: str | None = None


def identity(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


class FileChanged(OSError):
    """The file changed while it was read: its hashes describe no version of it."""


def hash_file(path: str, md5: bool, between=None) -> tuple[Hashes, os.stat_result]:
    """CRC-64 (and MD5 when asked) of a file in one read, with its stat; FileChanged if it moved meanwhile.
    `between()`, when given, is called before each chunk (it may raise to stop a long read)."""
    crc, digest = Crc64(), hashlib.md5() if md5 else None
    with open(path, "rb") as f:
        before = os.fstat(f.fileno())
        while (between is None or between() is None) and (chunk := f.read(CHUNK)):
            crc.update(chunk)
            if digest is not None:
                digest.update(chunk)
        after = os.fstat(f.fileno())
    if identity(before) != identity(after) or crc.length != after.st_size:
        raise FileChanged(f"{path} changed while it was read")
    return Hashes(crc.value, digest.hexdigest() if digest else None), after


class HashCache:
    """Thread-safe and best effort: a cache that cannot be opened or written (a read-only home, another
    process holding the lock too long) only costs reads, never the sync. `None` path keeps nothing.
    Created 0600 in a 0700 directory."""

    def __init__(self, path: str | os.PathLike | None):
        self._lock = threading.Lock()
        self._db = None
        self._pending = 0
        if path is None:
            return
        path = os.path.expanduser(os.fspath(path))
        try:
            directory = os.path.dirname(os.path.abspath(path))
            os.makedirs(directory, mode=0o700, exist_ok=True)
            os.chmod(directory, 0o700)
            try:
                self._db = _connect(path)
            except sqlite3.DatabaseError:  # a damaged cache: start a new one
                os.unlink(path)
                self._db = _connect(path)
        except (OSError, sqlite3.Error):
            self._db = None

    def get(self, path: str, st: os.stat_result) -> Hashes | None:
        if self._db is None:
            return None
        try:
            with self._lock:
                row = self._db.execute(
                    "SELECT size, mtime_ns, ctime_ns, inode, crc64, md5 FROM hashes WHERE path = ?", (_key(path),)
                ).fetchone()
        except sqlite3.Error:
            return None
        if row is None or tuple(row[:4]) != identity(st):
            return None
        try:
            return Hashes(int(row[4], 16), row[5])
        except (TypeError, ValueError):
            return None

    def put(self, path: str, st: os.stat_result, hashes: Hashes) -> None:
        if self._db is None:
            return
        try:
            with self._lock:
                self._db.execute(
                    "INSERT OR REPLACE INTO hashes VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (_key(path), *identity(st), format(hashes.crc64, "016x"), hashes.md5),
                )
                self._pending += 1
                if self._pending >= _COMMIT_EVERY:
                    self._db.commit()
                    self._pending = 0
        except sqlite3.Error:
            pass

    def close(self) -> None:
        if self._db is None:
            return
        with self._lock:
            try:
                self._db.commit()
            except sqlite3.Error:
                pass
            self._db.close()
            self._db = None


def _connect(path: str) -> sqlite3.Connection:
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    os.chmod(path, 0o600)
    db = sqlite3.connect(path, check_same_thread=False)
    db.execute(
        "CREATE TABLE IF NOT EXISTS hashes (path TEXT PRIMARY KEY, size INTEGER, mtime_ns INTEGER, "
        "ctime_ns INTEGER, inode INTEGER, crc64 TEXT, md5 TEXT)"
    )
    db.commit()
    return db


def _key(path: str) -> str:
    # surrogate-escaped names (not UTF-8) still get a stable key
    return os.fsencode(os.path.abspath(path)).decode("utf-8", "backslashreplace")
