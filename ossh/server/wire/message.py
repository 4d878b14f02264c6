"""The request and response objects that pass between the HTTP layer and the operation handlers."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ossh.client.auth import SignableRequest

from .errors import OssServerError, invalid_argument
from .framing import Fields, refused, uint
from .records import Account, Bucket
from .xmlio import MAX_XML

_HEX_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")  # a chunk size: at most 16 hex digits (2**64)
_MAX_CHUNK_LINE = 4096  # a chunk-size line with extensions, or a trailer field
_MAX_TRAILERS = 100


class ClientGone(ConnectionError):
    """The client closed or reset the connection in the middle of its request body: nobody to answer."""


class BodyReader:
    """A request body as a stream: Content-Length bounded or de-chunked (Transfer-Encoding: chunked)."""

    def __init__(self, rfile, length: int | None, chunked: bool, sha256: str | None = None):
        """`sha256`: the hex digest the client signed (V4's x-oss-content-sha256); the body must match it."""
        self._rfile = rfile
        self.length = None if chunked else (length or 0)
        self._left = self.length if not chunked else 0
        self._chunked = chunked
        self._expected = sha256
        self._sha256 = hashlib.sha256() if sha256 else None
        self.done = False
        self.broken = False  # the framing was lost: the connection cannot serve another request
        if not chunked and self._left == 0:
            self._finish()

    def _finish(self) -> None:
        self.done = True
        if self._sha256 is not None and self._sha256.hexdigest() != self._expected:
            raise OssServerError(
                "InvalidDigest",
                "The x-oss-content-sha256 you specified does not match the request body.",
                **{"x-oss-content-sha256": self._expected},
            )

    def readinto(self, view: memoryview) -> int:
        if self.done:
            return 0
        if self.broken:
            raise refused("InvalidRequest", "The request body could not be read.")
        try:
            return self._readinto(view)
        except TimeoutError:
            self.broken = True
            raise refused("RequestTimeout", "The request body stopped arriving.") from None
        except OSError as exc:
            self.broken = True
            raise ClientGone(str(exc)) from None
        except OssServerError as err:
            self.broken = err.close  # a digest mismatch leaves the framing intact; a bad chunk does not
            raise

    def _readinto(self, view: memoryview) -> int:
        if self._chunked and self._left == 0 and not self._next_chunk():
            return 0
        n = self._rfile.readinto(view[: self._left])
        if not n:
            raise refused("IncompleteBody", "The connection ended before the request body did.")
        if self._sha256 is not None:
            self._sha256.update(view[:n])
        self._left -= n
        if self._left == 0:
            if self._chunked:
                if self._rfile.read(2) != b"\r\n":
                    raise refused("InvalidRequest", "A chunk of the chunked body does not end with CRLF.")
            else:
                self._finish()
        return n

    def _line(self, limit: int) -> bytes:
        """One CRLF-terminated line of chunked framing, without its CRLF."""
        line = self._rfile.readline(limit + 2)
        if not line.endswith(b"\r\n"):
            if not line:
                raise refused("IncompleteBody", "The connection ended before the request body did.")
            raise refused("InvalidRequest", "A line of the chunked body is too long or does not end with CRLF.")
        return line[:-2]

    def _next_chunk(self) -> bool:
        size_field = self._line(_MAX_CHUNK_LINE).split(b";", 1)[0].rstrip(b" \t")
        if not _HEX_SIZE.fullmatch(size_field):
            raise refused("InvalidRequest", "A chunk size of the chunked body is not valid.")
        size = int(size_field, 16)
        if size == 0:
            trailers = 0
            while self._line(_MAX_CHUNK_LINE):
                trailers += 1
                if trailers > _MAX_TRAILERS:
                    raise refused("InvalidRequest", "The chunked body has too many trailer fields.")
            self._finish()
            return False
        self._left = size
        return True

    def read_all(self, limit: int = MAX_XML) -> bytes:
        """The whole (small) body; over `limit` is MalformedXML, as for every XML request body."""
        if self.length is not None and self.length > limit:
            raise OssServerError("MalformedXML", "The XML you provided is too large.")
        out = bytearray()
        buf = memoryview(bytearray(1 << 16))
        while True:
            n = self.readinto(buf)
            if not n:
                return bytes(out)
            out += buf[:n]
            if len(out) > limit:
                raise OssServerError("MalformedXML", "The XML you provided is too large.")

    def drain(self, limit: int) -> bool:
        """Consume what is left (up to `limit` bytes) so the connection can serve another request;
        False when the connection has to be closed instead."""
        if self.done:
            return True
        if self.broken or (self.length is not None and self._left > limit):
            return False  # not worth reading: the client may not even be sending it
        buf = memoryview(bytearray(1 << 16))
        total = 0
        try:
            while not self.done and total <= limit:
                n = self.readinto(buf)
                if not n:
                    break
                total += n
        except (OSError, OssServerError):
            return False
        return self.done


@dataclass
class Request:
    method: str
    bucket: str | None
    key: str | None
    params: dict[str, str]
    headers: Fields  # one case-insensitive mapping, built by the head parser: no lookup can miss a spelling
    body: BodyReader
    request_id: str
    host: str  # the service host:port the client addressed, without a bucket label
    account: Account | None = None
    bucket_row: Bucket | None = None  # the addressed bucket, loaded once before the handler runs

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name, default)

    def headers_with_prefix(self, prefix: str) -> dict[str, str]:
        """The fields whose (lowercased) names start with `prefix`, by lowercased name."""
        prefix = prefix.lower()
        return {k: v for k, v in self.headers.items() if k.startswith(prefix)}

    def param(self, name: str) -> str:
        """A query value where empty means absent (oss2 sends `prefix=&marker=`)."""
        return self.params.get(name) or ""

    def int_param(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.param(name)
        if not raw:
            return default
        value = uint(raw, high)
        if value is None or value < low:
            raise invalid_argument(f"Argument {name} must be an integer between {low} and {high}.", name, raw)
        return value

    def signable(self) -> SignableRequest:
        return SignableRequest(self.method, self.bucket, self.key, dict(self.params), dict(self.headers))

    @property
    def owner_id(self) -> str | None:
        return self.account.owner_id if self.account else None


@dataclass
class Response:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    stream: object = None  # a HeldBody whose segments go out with sendfile instead of `body`
    offset: int = 0
    length: int = 0

    @classmethod
    def xml(cls, body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return cls(status, {"Content-Type": "application/xml", **(headers or {})}, body)
