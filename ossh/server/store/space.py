"""Disk space and a store that cannot be written: the error a client sees, the reserve that lets deletes
run on a full disk, and the fault injector tests use to fill the disk on purpose.

A full (or read-only) disk answers 507 InsufficientStorage naming the cause. It is not a transient fault:
retrying the same write cannot succeed until someone frees space, so clients must not retry it.

Deleting needs a little space too: SQLite appends the change to its WAL before any page is freed, and a
WAL that has to grow on a full disk fails with "database or disk is full". The store therefore keeps a
reserve file (`reserve`, RESERVE bytes really allocated); a delete or an abort that fails for want of space
releases it and tries again, and the reserve is remade once deletes have freed enough space.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from pathlib import Path

from ..wire.errors import OssServerError

RESERVE = 8 << 20
_NO_SPACE = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY = {errno.EROFS}


class StorageFull(OssServerError):
    """A write the store cannot make: no space left, or a read-only file system."""

    def __init__(self, cause: str):
        super().__init__(
            "InsufficientStorage",
            f"The server cannot store data: {cause}. Free space on the server or delete objects, then try again.",
            status=507,
        )
        self.cause = cause


def storage_error(exc: BaseException) -> StorageFull | None:
    """The StorageFull an OSError or SQLite error stands for, None when it is something else."""
    if isinstance(exc, StorageFull):
        return exc
    if isinstance(exc, OSError) and exc.errno in _NO_SPACE:
        return StorageFull(f"no space left on its disk ({errno.errorcode[exc.errno]})")
    if isinstance(exc, OSError) and exc.errno in _READ_ONLY:
        return StorageFull("its file system is read-only (EROFS)")
    if isinstance(exc, sqlite3.OperationalError):
        code = getattr(exc, "sqlite_errorcode", None)
        if code == sqlite3.SQLITE_FULL or "disk is full" in str(exc):
            return StorageFull("no space left on its disk (SQLITE_FULL)")
        if code == sqlite3.SQLITE_READONLY or "readonly database" in str(exc):
            return StorageFull("its database is read-only (SQLITE_READONLY)")
    return None


class Faults:
    """Test hook: a model of the free space on the store's disk. `free` None (the default) injects nothing;
    a number of bytes makes every write the store makes take from it, and fail with ENOSPC (or, for a
    database commit, SQLite's SQLITE_FULL) when it is not there; removing files gives their size back."""

    COMMIT_COST = 16 << 10  # the WAL frames of one commit

    def __init__(self):
        self.free: int | None = None
        self.refused = 0  # writes refused for want of space
        self.sync_errno: int | None = None  # set: the index's sync to disk fails with this error
        self._lock = threading.Lock()

    def check_sync(self) -> None:
        if self.sync_errno is not None:
            raise OSError(self.sync_errno, os.strerror(self.sync_errno))

    def take(self, n: int) -> None:
        with self._lock:
            if self.free is None:
                return
            if n > self.free:
                self.refused += 1
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.free -= n

    def take_commit(self) -> None:
        try:
            self.take(self.COMMIT_COST)
        except OSError:
            raise sqlite3.OperationalError("database or disk is full") from None

    def give(self, n: int) -> None:
        with self._lock:
            if self.free is not None:
                self.free += n


class Reserve:
    """RESERVE bytes of allocated disk kept in one file, given up so that deletes can run on a full disk."""

    def __init__(self, path: Path, tmp_dir: Path, faults: Faults, size: int = RESERVE):
        self.path, self.tmp_dir, self.faults, self.size = path, tmp_dir, faults, size
        self._lock = threading.Lock()

    def ensure(self) -> bool:
        """Make the reserve if it is missing; False when there is not the space for it (tried again later)."""
        with self._lock:
            if self.path.exists():
                return True
            tmp = self.tmp_dir / f"{self.path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
            try:
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            except OSError:
                return False
            taken = made = False
            try:
                self.faults.take(self.size)
                taken = True
                os.posix_fallocate(fd, 0, self.size)
                os.fsync(fd)
                os.link(tmp, self.path)  # whole or not at all; another process may have made it first
                made = True
            except OSError:
                pass
            finally:
                os.close(fd)
                tmp.unlink(missing_ok=True)
                if taken and not made:
                    self.faults.give(self.size)
            return self.path.exists()

    def release(self) -> bool:
        """Free the reserve's space; False when there was none to free."""
        with self._lock:
            try:
                size = self.path.stat().st_size
                self.path.unlink()
            except FileNotFoundError:
                return False
            self.faults.give(size)
            return size > 0
