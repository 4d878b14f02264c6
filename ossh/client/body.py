"""Request payloads streamed from bytes, str, files, file slices or iterators, with CRC-64 and progress
counted as the bytes leave; memory stays at one chunk whatever the size, and a stopping transfer stops its
body at the next chunk."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable

from . import cancel
from .crc import Crc64
from .errors import ClientError

Progress = Callable[[int, "int | None"], None]


class Payload:
    """A file-like body for requests/urllib3 (they call read(blocksize)); rewindable when its source is seekable."""

    def __init__(self, source, length: int | None, progress: Progress | None = None, own: bool = False):
        self._source = source
        self.length = length
        self._progress = progress
        self._own = own
        self._start = _tell(source)
        self.rewindable = self._start is not None
        self.crc = Crc64()
        self.sent = 0

    def read(self, size: int = -1) -> bytes:
        if self.length is not None:
            left = self.length - self.sent
            size = left if size is None or size < 0 else min(size, left)
            if size <= 0:
                return b""  # all sent: the part may finish even when its transfer is stopping
        cancel.check()  # a stopping transfer ends its parts in flight here, one block at a time
        data = self._source.read(size)
        if data:
            self.crc.update(data)
            self.sent += len(data)
            if self._progress:
                self._progress(self.sent, self.length)
        return data

    def rewind(self) -> None:
        """Back to the first byte for a retry or a redirect; only valid when `rewindable`."""
        self._source.seek(self._start)
        self.crc = Crc64()
        self.sent = 0

    def close(self) -> None:
        if self._own:
            self._source.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _IterReader(io.RawIOBase):
    """read() over an iterable of bytes chunks (a generator, a requests response iterator, …)."""

    def __init__(self, chunks: Iterable):
        self._it = iter(chunks)
        self._buf = bytearray()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self._buf) < size:
            try:
                chunk = next(self._it)
            except StopIteration:
                break
            self._buf += chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        size = len(self._buf) if size < 0 else min(size, len(self._buf))
        data = bytes(self._buf[:size])
        del self._buf[:size]
        return data


def _tell(source) -> int | None:
    try:
        if hasattr(source, "seekable") and not source.seekable():
            return None
        return source.tell()
    except (AttributeError, OSError, ValueError):
        return None


def _remaining(source, start: int | None) -> int | None:
    if start is None:
        return None
    try:
        return os.fstat(source.fileno()).st_size - start
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        pass
    try:
        end = source.seek(0, io.SEEK_END)
        source.seek(start)
        return end - start
    except (AttributeError, OSError, ValueError):
        return None


def make_payload(data, progress: Progress | None = None) -> Payload:
    """Wrap what a caller may pass as an object body: bytes, str, a binary file-like or an iterable of bytes."""
    reader = as_reader(b"" if data is None else data)
    return Payload(reader, _remaining(reader, _tell(reader)), progress, own=reader is not data)


def as_reader(data):
    """Something with read(n) over a binary file-like, an iterable of bytes, or bytes/str."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return io.BytesIO(data)
    if hasattr(data, "read"):
        if isinstance(data, io.TextIOBase):
            raise ClientError("a stream must be opened in binary mode")
        return data
    if hasattr(data, "__iter__"):
        return _IterReader(data)
    raise ClientError(f"cannot read a {type(data).__name__} as a stream")


def file_slice(path: str, offset: int, size: int, progress: Progress | None = None) -> Payload:
    """`size` bytes of a local file from `offset`, read as they are sent (one multipart part)."""
    f = open(path, "rb")
    f.seek(offset)
    return Payload(f, size, progress, own=True)
