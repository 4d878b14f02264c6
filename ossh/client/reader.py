"""ObjectReader: a streaming GetObject body that counts a CRC-64 as it reads and checks it at the end."""

from __future__ import annotations

import requests
import urllib3

from .body import Progress
from .crc import Crc64
from .errors import TransportError
from .failure import causes, why
from .headers import check_crc
from .models import ObjectMeta

_READ_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)


class ObjectReader:
    """Read with read(n) or iter_chunks(); the whole object's CRC is verified once the last byte is read
    (ranged reads are not checked: the server's CRC covers the whole object)."""

    def __init__(
        self, resp: requests.Response, meta: ObjectMeta, chunk_size: int, verify: bool, progress: Progress | None = None
    ):
        self.meta = meta
        self._resp = resp
        self._chunk_size = chunk_size
        self._crc = Crc64() if verify and meta.crc64 is not None else None
        self._progress = progress
        self._total = as_total(resp)
        self.bytes_read = 0
        self._done = False

    def _account(self, data: bytes) -> bytes:
        if data:
            if self._crc:
                self._crc.update(data)
            self.bytes_read += len(data)
            if self._progress:
                self._progress(self.bytes_read, self._total)
            if self.bytes_read == self._total:
                self._finish()
        return data

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._resp.close()
            if self._crc:
                check_crc(self._crc.value, self.meta.crc64, f"get {self.meta.key}", self.meta.request_id)

    def unverified(self) -> ObjectReader:
        """This reader, no longer comparing the CRC-64 at the end (a transfer told not to verify)."""
        self._crc = None
        return self

    def read(self, n: int = -1) -> bytes:
        if self._done:
            return b""
        try:
            if n is None or n < 0:
                data = b"".join(self._resp.raw.stream(self._chunk_size, decode_content=False))
                self._account(data)
                self._finish()
                return data
            data = self._resp.raw.read(n, decode_content=False)
        except _READ_ERRORS as exc:
            self.close()
            raise TransportError(f"reading {self.meta.key} failed ({why(causes(exc))})") from None
        if not data:
            self._finish()
        return self._account(data)

    def iter_chunks(self, size: int | None = None):
        size = size or self._chunk_size
        while True:
            data = self.read(size)
            if not data:
                return
            yield data

    def __iter__(self):
        return self.iter_chunks()

    def close(self) -> None:
        self._done = True
        self._resp.close()

    def __enter__(self) -> ObjectReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def as_total(resp: requests.Response) -> int | None:
    try:
        return int(resp.headers["Content-Length"])
    except (KeyError, ValueError):
        return None
