"""Response bodies: documents (listings, configurations, errors) read whole but bounded, decoded size included;
and ObjectReader, a streaming GetObject body that counts a CRC-64 as it reads and checks it at the end."""

from __future__ import annotations

import zlib

import requests
import urllib3

from .body import Progress
from .crc import Crc64
from .errors import InvalidResponse, TransportError
from .failure import causes, why
from .headers import check_crc
from .models import ObjectMeta

_READ_ERRORS = (requests.RequestException, urllib3.exceptions.HTTPError, OSError)

# 1,000 URL-encoded keys of 1,023 bytes make a listing page of about 7 MB; an error document is a few hundred bytes.
DOCUMENT_LIMIT = 32 << 20
ERROR_LIMIT = 1 << 20
_RAW_BLOCK = 64 << 10
_DECODED_STEP = 1 << 20  # zlib output taken per call, so one small block of a bomb never expands at once


def _decoder(resp: requests.Response):
    """A zlib decompressor for the answer's Content-Encoding, None for identity. Decoded here, not by urllib3,
    so that no single read expands without a bound; an encoding ossh never asks for otherwise is refused."""
    encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
    if encoding in ("identity", ""):
        return None
    if encoding in ("gzip", "x-gzip"):
        return zlib.decompressobj(16 + zlib.MAX_WBITS)
    if encoding == "deflate":
        return _Deflate()
    raise InvalidResponse.of(resp, f"the answer is encoded as {encoding[:40]!r}, which ossh does not decode")


class _Deflate:
    """A decompressor for `Content-Encoding: deflate`, which servers send zlib-framed (as HTTP says), as
    gzip, or raw (as many do): the framing is told from the first bytes, as urllib3 does."""

    def __init__(self):
        self._inner = None

    def decompress(self, data: bytes, max_length: int) -> bytes:
        if self._inner is None:
            zlib_header = len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
            framed = zlib_header or data[:2] == b"\x1f\x8b"
            self._inner = zlib.decompressobj(zlib.MAX_WBITS | 32 if framed else -zlib.MAX_WBITS)
        return self._inner.decompress(data, max_length)

    def __getattr__(self, name: str):  # unconsumed_tail, unused_data, eof, flush
        return getattr(self._inner or zlib.decompressobj(), name)


def read_document(resp: requests.Response, limit: int) -> bytes:
    """The whole body of an answer held in memory (a listing, a configuration, an error document), stopped
    with InvalidResponse past `limit` bytes raw or decoded: the connection is then closed, not returned to
    the pool. Kept as resp.content; a failure while reading raises requests' exceptions (retried as a
    connection failure is)."""
    if resp._content_consumed:
        return resp.content
    decoder = _decoder(resp) if resp.request is None or resp.request.method != "HEAD" else None
    chunks: list[bytes] = []
    raw_total = decoded = 0
    try:
        while True:
            block = _raw_read(resp, _RAW_BLOCK)
            if not block:
                break
            raw_total += len(block)
            if decoder is None:
                decoded += len(block)
                chunks.append(block)
            while decoder is not None and block and decoded <= limit:
                out = decoder.decompress(block, _DECODED_STEP)
                block = decoder.unconsumed_tail
                decoded += len(out)
                chunks.append(out)
                if decoder.eof:  # a gzip body may hold several members, one after the other
                    block, decoder = decoder.unused_data, _decoder(resp)
            if decoded > limit or raw_total > limit:
                _abandon(resp)
                raise InvalidResponse.of(
                    resp,
                    f"the server's answer ({resp.status_code}) is larger than {limit >> 20} MiB; stopped reading it",
                    code="ResponseTooLarge",
                )
        if decoder is not None and not decoder.eof and raw_total:
            chunks.append(decoder.flush())  # what a cut-off stream still holds: the XML parse finds it short
    except zlib.error as exc:
        _abandon(resp)
        raise InvalidResponse.of(resp, f"the server's answer does not decode ({exc})") from None
    body = b"".join(chunks)
    resp._content = body
    resp._content_consumed = True
    resp.close()  # read to the end: the connection goes back to the pool
    return body


def _raw_read(resp: requests.Response, size: int) -> bytes:
    """Up to `size` bytes as they came off the wire; urllib3's failures as the requests exceptions that
    Response.content would raise."""
    try:
        return resp.raw.read(size, decode_content=False)
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from exc
    except (urllib3.exceptions.ProtocolError, urllib3.exceptions.SSLError, OSError) as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc


def _abandon(resp: requests.Response) -> None:
    """Close the connection under an answer left unread: the rest of it must never be taken for the next one."""
    try:
        resp.raw.close()
    finally:
        resp.close()


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
                # read() in blocks, not raw.stream(): urllib3's own chunked reader takes a chunk-size
                # line of any length into memory, where http.client's stops at 64 KiB
                blocks = iter(lambda: self._resp.raw.read(self._chunk_size, decode_content=False), b"")
                data = b"".join(blocks)
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
