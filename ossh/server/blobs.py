"""Object bodies on disk: streamed to a temporary file (MD5 + CRC-64 on the fly), fsynced, renamed into place.

File names come from random ids, never from keys, so no key can reach outside the store. An object's body is
one file or, after a multipart upload, its part files in order (no copy at Complete). A file that readers still
hold is removed only when the last of them lets go.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import json
import os
import queue
import threading
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ossh.client.crc import Crc64

from .errors import OssServerError

BLOCK = 1 << 20

DEPTH = 4   # blocks in flight between the receiving thread and the MD5 thread
WRITEBACK_EVERY = 8 * BLOCK
DROP_BEHIND = 32 * BLOCK   # how much of a body being written stays in the page cache


def _load_sync_file_range():
    """Linux's sync_file_range(2), absent from the os module; None elsewhere."""
    try:
        func = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return func


_SYNC_FILE_RANGE = _load_sync_file_range()
_START, _FINISH = 2, 1 | 2 | 4      # SYNC_FILE_RANGE_WRITE; WAIT_BEFORE | WRITE | WAIT_AFTER


class _Writeback:
    """Moves a body to disk while it streams in: each filled range is sent to the disk at once, and a range
    already on disk is dropped from the page cache. The final fsync then has almost nothing left to do, and
    a large body cycles through a small window of cache pages instead of claiming fresh memory for every
    byte: first touches of fresh pages made 1 GiB writes 3-6x slower than the copy itself (VM memory)."""

    def __init__(self, fd: int, start: int):
        self.fd, self.started, self.dropped = fd, start, start

    def advance(self, end: int) -> None:
        """`end`: the file offset written up to."""
        if _SYNC_FILE_RANGE is None or end - self.started < WRITEBACK_EVERY:
            return
        _SYNC_FILE_RANGE(self.fd, self.started, end - self.started, _START)
        self.started = end
        behind = end - DROP_BEHIND
        if behind - self.dropped >= WRITEBACK_EVERY:
            _SYNC_FILE_RANGE(self.fd, self.dropped, behind - self.dropped, _FINISH)
            os.posix_fadvise(self.fd, self.dropped, behind - self.dropped, os.POSIX_FADV_DONTNEED)
            self.dropped = behind


def encode_pieces(pieces: list[tuple[str, int]]) -> str:
    """The `body` column: a body id, or a JSON list of [id, size] for a body made of several files."""
    return pieces[0][0] if len(pieces) == 1 else json.dumps(pieces)


def decode_pieces(body: str, size: int) -> list[tuple[str, int]]:
    if body.startswith("["):
        return [(piece_id, n) for piece_id, n in json.loads(body)]
    return [(body, size)]


def body_ids(body: str) -> list[str]:
    return [piece_id for piece_id, _ in decode_pieces(body, 0)]


class _BackgroundMd5:
    """MD5 on its own thread: hashlib releases the GIL on large buffers, so hashing block N overlaps with
    receiving and writing block N+1 — MD5 (~0.7 GB/s a core) is the slowest step of a PUT."""

    def __init__(self, md5):
        self.md5 = md5
        self.free: queue.SimpleQueue = queue.SimpleQueue()
        self.work: queue.SimpleQueue = queue.SimpleQueue()
        for _ in range(DEPTH):
            self.free.put(bytearray(BLOCK))
        self.thread = threading.Thread(target=self._run, name="ossh-md5", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (item := self.work.get()) is not None:
            buf, n = item
            self.md5.update(memoryview(buf)[:n])
            self.free.put(buf)

    def buffer(self) -> bytearray:
        return self.free.get()

    def feed(self, buf: bytearray, n: int) -> None:
        self.work.put((buf, n))

    def close(self) -> None:
        self.work.put(None)
        self.thread.join()


@dataclass
class Staged:
    """A fully written, fsynced temporary body, not yet visible to anyone."""

    path: Path
    size: int
    md5: bytes
    crc: int


class BlobStore:
    def __init__(self, root: Path):
        self.data = root / "data"
        self.tmp = root / "tmp"
        self.tmp.mkdir(parents=True, exist_ok=True)
        self._held: Counter = Counter()
        self._doomed: set[str] = set()
        self._lock = threading.Lock()
        for i in range(256):
            (self.data / f"{i:02x}").mkdir(parents=True, exist_ok=True)

    def path(self, body_id: str) -> Path:
        return self.data / body_id[:2] / body_id

    def _temp(self) -> Path:
        return self.tmp / (uuid.uuid4().hex + ".tmp")

    def receive(self, readinto: Callable[[memoryview], int], length: int | None, limit: int) -> Staged:
        """Stream a request body into a temp file. `length` None = until EOF (chunked)."""
        if length is not None and length > limit:
            raise OssServerError("EntityTooLarge")
        path = self._temp()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            md5, crc, size = self._pump(fd, readinto, length, limit, want_md5=True)
            os.fsync(fd)
        except BaseException:
            os.close(fd)
            path.unlink(missing_ok=True)
            raise
        os.close(fd)
        return Staged(path, size, md5, crc)

    @staticmethod
    def _pump(fd, readinto, length, limit, want_md5):
        md5 = hashlib.md5() if want_md5 else None
        crc = Crc64()
        # a body that fits one block is hashed inline: a thread would cost more than it saves
        hasher = _BackgroundMd5(md5) if md5 is not None and (length is None or length > BLOCK) else None
        own = bytearray(BLOCK) if hasher is None else None
        start = os.lseek(fd, 0, os.SEEK_CUR)
        writeback = _Writeback(fd, start)
        size = 0
        try:
            while length is None or size < length:
                want = BLOCK if length is None else min(BLOCK, length - size)
                buf = hasher.buffer() if hasher is not None else own
                view = memoryview(buf)[:want]
                got = _fill(readinto, view)
                if got == 0:
                    break
                size += got
                if size > limit:
                    raise OssServerError("EntityTooLarge")
                block = view[:got]
                crc.update(block)
                os.write(fd, block)  # regular files take the whole buffer in one write
                writeback.advance(start + size)
                if hasher is not None:
                    hasher.feed(buf, got)
                elif md5 is not None:
                    md5.update(block)
                if got < want:
                    break
        finally:
            if hasher is not None:
                hasher.close()
        if length is not None and size < length:
            raise OssServerError("IncompleteBody")
        return (md5.digest() if md5 is not None else b""), crc.value, size

    def place(self, staged: Staged) -> str:
        """Move a staged body into the store; returns its id. Orphaned until a metadata row refers to it."""
        body_id = uuid.uuid4().hex
        os.rename(staged.path, self.path(body_id))
        return body_id

    def discard(self, staged: Staged) -> None:
        staged.path.unlink(missing_ok=True)

    def remove(self, *ids: str) -> None:
        """Delete body files now, or when the last reader holding one releases it."""
        with self._lock:
            for body_id in ids:
                if self._held[body_id]:
                    self._doomed.add(body_id)
                else:
                    self.path(body_id).unlink(missing_ok=True)

    def hold(self, ids: list[str]) -> None:
        with self._lock:
            self._held.update(ids)

    def release(self, ids: list[str]) -> None:
        with self._lock:
            self._held.subtract(ids)
            for body_id in ids:
                if self._held[body_id] <= 0:
                    del self._held[body_id]
                    if body_id in self._doomed:
                        self._doomed.discard(body_id)
                        self.path(body_id).unlink(missing_ok=True)

    def segments(self, pieces: list[tuple[str, int]], offset: int, length: int):
        """(open file, offset, count) for the byte range [offset, offset+length) of a body, piece by piece."""
        start = 0
        for body_id, size in pieces:
            end = start + size
            if length > 0 and end > offset:
                skip = max(0, offset - start)
                count = min(size - skip, length)
                with self.open(body_id) as f:
                    yield f, skip, count
                offset, length = offset + count, length - count
            start = end

    def open(self, body_id: str):
        return open(self.path(body_id), "rb", buffering=0)

    def link(self, body_id: str) -> str:
        """A second name for an immutable body (a whole-object copy costs no I/O)."""
        new_id = uuid.uuid4().hex
        os.link(self.path(body_id), self.path(new_id))
        return new_id

    def copy_range(self, pieces: list[tuple[str, int]], offset: int, length: int) -> Staged:
        """A staged copy of part of a body, hashed as it is read (UploadPartCopy, copy of an appendable)."""
        segments = self.segments(pieces, offset, length)
        current = {"file": None, "left": 0}

        def readinto(view):
            while current["left"] == 0:
                segment = next(segments, None)
                if segment is None:
                    return 0
                current["file"], skip, current["left"] = segment
                current["file"].seek(skip)
            n = current["file"].readinto(view[:current["left"]])
            current["left"] -= n
            return n
        try:
            return self.receive(readinto, length, limit=length)
        finally:
            segments.close()

    def append(self, fd: int, offset: int, readinto, length: int | None, limit: int) -> tuple[int, int]:
        """Write a stream at `offset` of an appendable body open as `fd`; returns (bytes written, their CRC)."""
        os.ftruncate(fd, offset)  # drop bytes a crashed earlier append may have left past the length
        os.lseek(fd, offset, os.SEEK_SET)
        try:
            _, crc, size = self._pump(fd, readinto, length, limit, want_md5=False)
            os.fsync(fd)
        except BaseException:
            os.ftruncate(fd, offset)
            raise
        return size, crc

    def create_empty(self) -> str:
        staged = Staged(self._temp(), 0, b"", 0)
        staged.path.touch(mode=0o600)
        return self.place(staged)

    def cleanup(self, referenced: set[str]) -> int:
        """Delete temp files and bodies no metadata row refers to (left by a crash); returns the count."""
        removed = 0
        for entry in os.scandir(self.tmp):
            os.unlink(entry.path)
            removed += 1
        for sub in os.scandir(self.data):
            if not sub.is_dir():
                continue
            for entry in os.scandir(sub.path):
                if entry.name not in referenced:
                    os.unlink(entry.path)
                    removed += 1
        return removed


def _fill(readinto, view: memoryview) -> int:
    """Read until `view` is full or the stream ends."""
    got = 0
    while got < len(view):
        n = readinto(view[got:])
        if not n:
            break
        got += n
    return got

