"""Object bodies on disk: streamed to a temporary file (MD5 + CRC-64 on the fly), renamed into place, fsynced
with its directory.

File names come from random ids, never from keys, so no key can reach outside the store. An object's body is
one file or, after a multipart upload, its part files in order (no copy at Complete). Files are created 0600
in directories kept 0700.

Readers and removal, across every process sharing the root. A body file is immutable once named (an
appendable body only grows past its recorded length) and its id is never reused, so what matters is that a
reader never tries to open a file that a deleter has just removed. The protocol uses flock(2) on the body's
first piece, which works between processes and between threads alike (each open() has its own lock):

- a reader reads the record, opens the first piece and takes a shared lock (Held), then re-reads the record:
  if it still names the body, the reader keeps the lock until its response is sent, opening the other pieces
  as it reaches them; otherwise (or if the open failed: removed meanwhile) it lets go and starts again;
- a deleter first commits the record change (so no new reader can pass the re-check), then takes the
  exclusive lock without waiting and, only if it got it, unlinks every piece. If a reader holds the body,
  the deleter leaves it: the last reader to let go takes the exclusive lock, sees that no record names the
  body any more and unlinks it (so a deleter that exits first loses nothing), and the deleter retries its
  leftovers at its next removal.

A reader that passed the re-check took its lock before the record changed, so the deleter's lock attempt,
which comes after the change, fails; a reader that locks after the deleter's unlink fails the re-check. The
only thing lost when a process dies is a removal, which leaves an orphan file for the next exclusive start
(or `ossh serve --check --repair`) to delete. Appenders use a separate byte-range lock (append.py), so an
append never waits for readers.
"""

from __future__ import annotations

import fcntl
import os
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..wire.errors import OssServerError
from .files import fsync_dir, no_space_errors, private_dir
from .space import Faults
from .stream import pump


@dataclass
class Staged:
    """A fully written, fsynced temporary body, not yet visible to anyone."""

    path: Path
    size: int
    md5: bytes
    crc: int


class BlobStore:
    def __init__(self, root: Path, faults: Faults | None = None, create: bool = True, durable: bool = True):
        """`create` False: only look at an existing store's files (`ossh serve --check`). `durable` False:
        a body's new name is not synced (benchmarks only)."""
        self.data = root / "data"
        self.tmp = root / "tmp"
        self.faults = faults or Faults()
        self.durable = durable
        made = [
            path
            for path in [self.tmp, self.data, *(self.data / f"{i:02x}" for i in range(256))]
            if create and private_dir(path)
        ]
        for parent in {path.parent for path in made}:  # new directories are durable before any body is
            fsync_dir(parent)
        self._pending: list[list[str]] = []  # bodies whose removal waits for their readers
        self._lock = threading.Lock()

    def path(self, body_id: str) -> Path:
        return self.data / body_id[:2] / body_id

    def _temp(self) -> Path:
        return self.tmp / (uuid.uuid4().hex + ".tmp")

    def receive(self, readinto: Callable[[memoryview], int], length: int | None, limit: int) -> Staged:
        """Stream a request body into a temp file. `length` None = until EOF (chunked)."""
        if length is not None and length > limit:
            raise OssServerError("EntityTooLarge")
        with no_space_errors():
            path = self._temp()
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                md5, crc, size = pump(fd, readinto, length, limit, self.faults, want_md5=True)
            except BaseException:
                os.close(fd)
                path.unlink(missing_ok=True)
                raise
            os.close(fd)
        return Staged(path, size, md5, crc)

    def place(self, staged: Staged) -> str:
        """Move a staged body into the store and make it durable; returns its id. Orphaned until a metadata
        row refers to it. Renamed first, then synced: the file's fsync then commits the rename in the same
        journal transaction, so the directory's fsync that follows finds nothing left to do (one journal
        commit per body, and concurrent bodies share theirs). A crash in between leaves an orphan that no
        record names."""
        body_id = uuid.uuid4().hex
        path = self.path(body_id)
        try:
            with no_space_errors():
                os.rename(staged.path, path)
        except BaseException:
            self.discard(staged)
            raise
        try:
            with no_space_errors():
                fd = os.open(path, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
                self._sync_name(body_id)
        except BaseException:
            self._unlink(path)
            raise
        return body_id

    def _sync_name(self, body_id: str) -> None:
        """Make a body's name durable before any record names it."""
        if self.durable:
            fsync_dir(self.data / body_id[:2])

    def discard(self, staged: Staged) -> None:
        self._unlink(staged.path)

    def hold(self, pieces: list[tuple[str, int]]) -> Held:
        """Open a body for reading and take the shared lock that keeps remove() from deleting it. The caller
        must then check that the body is still the one its record names (see the module docstring).
        FileNotFoundError: the body was removed meanwhile."""
        return Held(self, pieces)

    def remove(self, *bodies: list[str]) -> None:
        """Delete bodies (each a list of piece ids) no record names any more: now, or when their last reader
        lets go (the reader does it, or a later remove() retries)."""
        with self._lock:
            todo, self._pending = self._pending + [list(b) for b in bodies if b], []
        left = []
        for ids in todo:
            try:
                if not self._try_remove(ids):
                    left.append(ids)
            except OSError as exc:  # not removable now: an orphan for --repair, never a failed request
                print(f"ossh server: cannot remove body {ids[0]}: {exc.strerror}", file=sys.stderr)
        with self._lock:
            self._pending += left

    def _try_remove(self, ids: list[str]) -> bool:
        """Remove one body unless a reader holds it; True when it is gone."""
        try:
            fd = os.open(self.path(ids[0]), os.O_RDONLY)
        except FileNotFoundError:
            fd = None  # its first piece is gone already: a removal cut short
        try:
            if fd is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    return False
            for body_id in ids:
                self._unlink(self.path(body_id))
            return True
        finally:
            if fd is not None:
                os.close(fd)

    def _unlink(self, path: Path) -> None:
        """Remove a file; one that is already gone, or that cannot be removed now (left for --repair), is no
        error: the caller's change is committed and must be reported as done."""
        try:
            size = path.stat().st_size if self.faults.free is not None else 0
            path.unlink()
        except FileNotFoundError:
            return
        except OSError as exc:
            print(f"ossh server: cannot remove {path}: {exc.strerror}", file=sys.stderr)
            return
        self.faults.give(size)

    def segments(self, pieces: list[tuple[str, int]], offset: int, length: int, first=None):
        """(open file, offset, count) for the byte range [offset, offset+length) of a body, piece by piece.
        `first`: the body's first piece, already open (a Held body)."""
        start = 0
        for index, (body_id, size) in enumerate(pieces):
            end = start + size
            if length > 0 and end > offset:
                skip = max(0, offset - start)
                count = min(size - skip, length)
                if index == 0 and first is not None:
                    yield first, skip, count
                else:
                    with self.open(body_id) as f:
                        yield f, skip, count
                offset, length = offset + count, length - count
            start = end

    def open(self, body_id: str):
        return open(self.path(body_id), "rb", buffering=0)

    def link(self, body_id: str) -> str:
        """A second name for an immutable body (a whole-object copy costs no I/O)."""
        new_id = uuid.uuid4().hex
        with no_space_errors():
            os.link(self.path(body_id), self.path(new_id))
            try:
                self._sync_name(new_id)
            except BaseException:
                self._unlink(self.path(new_id))
                raise
        return new_id

    def copy_range(self, pieces: list[tuple[str, int]], offset: int, length: int) -> Staged:
        """A staged copy of part of a body, hashed as it is read (UploadPartCopy, copy of an appendable).
        The caller holds the body."""
        segments = self.segments(pieces, offset, length)
        current = {"file": None, "left": 0}

        def readinto(view):
            while current["left"] == 0:
                segment = next(segments, None)
                if segment is None:
                    return 0
                current["file"], skip, current["left"] = segment
                current["file"].seek(skip)
            n = current["file"].readinto(view[: current["left"]])
            current["left"] -= n
            return n

        try:
            return self.receive(readinto, length, limit=length)
        finally:
            segments.close()

    def append(self, fd: int, offset: int, readinto, length: int | None, limit: int) -> tuple[int, int]:
        """Write a stream at `offset` of an appendable body open as `fd`; returns (bytes written, their CRC)."""
        with no_space_errors():
            os.ftruncate(fd, offset)  # drop bytes a crashed earlier append may have left past the length
            os.lseek(fd, offset, os.SEEK_SET)
            try:
                _, crc, size = pump(fd, readinto, length, limit, self.faults, want_md5=False)
                os.fsync(fd)
            except BaseException:
                os.ftruncate(fd, offset)
                raise
        return size, crc

    def create_empty(self) -> str:
        path = self._temp()
        with no_space_errors():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        return self.place(Staged(path, 0, b"", 0))

    def close(self) -> None:
        """Last try at removals still waiting for readers; what remains is an orphan for the next start."""
        self.remove()

    def cleanup(self, referenced: set[str]) -> int:
        """Delete temp files and bodies no metadata row refers to (left by a crash); returns the count."""
        removed = 0
        for path in self.unreferenced(referenced):
            self._unlink(path)
            removed += 1
        return removed

    def unreferenced(self, referenced: set[str]):
        """Temp files, then files under data/ that no record names."""
        for entry in os.scandir(self.tmp):
            yield Path(entry.path)
        for sub in sorted(os.scandir(self.data), key=lambda e: e.name):
            if not sub.is_dir():
                yield Path(sub.path)
                continue
            for entry in os.scandir(sub.path):
                if entry.name not in referenced:
                    yield Path(entry.path)


class Held:
    """A body open for reading under a shared lock on its first piece (see the module docstring)."""

    def __init__(self, blobs: BlobStore, pieces: list[tuple[str, int]]):
        self.blobs, self.pieces = blobs, pieces
        self.file = blobs.open(pieces[0][0]) if pieces else None
        if self.file is not None:
            fcntl.flock(self.file.fileno(), fcntl.LOCK_SH)

    def segments(self, offset: int, length: int):
        return self.blobs.segments(self.pieces, offset, length, first=self.file)

    def close(self, still_named: Callable[[], bool] | None = None) -> None:
        """Let go of the body. `still_named()` tells whether a record still names it: when it does not and no
        other reader holds it, this reader removes it (its deleter could not, and may be gone)."""
        if self.file is None:
            return
        f, self.file = self.file, None
        try:
            if still_named is None or os.fstat(f.fileno()).st_nlink == 0:
                return
            try:
                fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another reader still holds it: the last one decides
            if not still_named():
                for body_id, _ in self.pieces:
                    self.blobs._unlink(self.blobs.path(body_id))
        finally:
            f.close()
