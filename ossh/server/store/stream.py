"""Streaming a request body to a file: MD5 and CRC-64 on the fly (MD5 on its own thread for large bodies), and
write-back as it goes, so the final fsync has little left to do and the page cache is not flooded."""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
import os
import queue
import threading

from ossh.client.crc import Crc64

from ..wire.errors import OssServerError

BLOCK = 1 << 20

DEPTH = 4  # blocks in flight between the receiving thread and the MD5 thread
WRITEBACK_EVERY = 8 * BLOCK
DROP_BEHIND = 32 * BLOCK  # how much of a body being written stays in the page cache


def _load_sync_file_range():
    """Linux's sync_file_range(2), absent from the os module; None elsewhere."""
    try:
        func = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True).sync_file_range
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint]
    return func


_SYNC_FILE_RANGE = _load_sync_file_range()
_START, _FINISH = 2, 1 | 2 | 4  # SYNC_FILE_RANGE_WRITE; WAIT_BEFORE | WRITE | WAIT_AFTER


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


def pump(fd: int, readinto, length: int | None, limit: int, faults, want_md5: bool) -> tuple[bytes, int, int]:
    """Copy a stream into `fd` (at its offset), up to `length` (None: to the end) and never past `limit`;
    returns (MD5 or b"", CRC-64, size). The MD5 of a body larger than a block is computed on its own thread."""
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
            faults.take(got)
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


def _fill(readinto, view: memoryview) -> int:
    """Read until `view` is full or the stream ends."""
    got = 0
    while got < len(view):
        n = readinto(view[got:])
        if not n:
            break
        got += n
    return got
