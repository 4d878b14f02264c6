"""GetObject with `Accept-Encoding: gzip`, as OSS answers it: objects of 1 KB or more whose Content-Type is on
OSS's list of web text types go out gzip-compressed, chunked, without ETag, Content-Length or Accept-Ranges
(and with `Vary: Accept-Encoding`). The body is compressed while it streams: memory does not grow with size.
"""

from __future__ import annotations

import os
import zlib

from .message import Request, Response

MIN_SIZE = 1024
# The Content-Types OSS compresses (its "How do I compress objects ... in the GZIP format" page).
COMPRESSIBLE = frozenset(
    {
        "text/cache-manifest",
        "text/xml",
        "text/css",
        "text/html",
        "text/plain",
        "application/javascript",
        "application/x-javascript",
        "application/rss+xml",
        "application/json",
        "text/json",
    }
)
_READ = 1 << 20


def accepts_gzip(header: str) -> bool:
    """Whether an Accept-Encoding value lists gzip (or *) without refusing it with q=0."""
    for item in header.split(","):
        name, _, params = item.strip().partition(";")
        if name.strip().lower() not in ("gzip", "*"):
            continue
        q = params.strip().lower()
        if q.startswith("q="):
            try:
                return float(q[2:]) > 0
            except ValueError:
                return False
        return True
    return False


def wanted(req: Request, record, headers: dict[str, str]) -> bool:
    base = record.attrs.content_type.split(";", 1)[0].strip().lower()
    return (
        record.size >= MIN_SIZE
        and base in COMPRESSIBLE
        and "Content-Encoding" not in headers
        and accepts_gzip(req.header("accept-encoding"))
    )


class GzipBody:
    """A held object body read and gzip-compressed on the fly; the HTTP front sends `chunks()` chunked."""

    def __init__(self, held):
        self.held = held

    def chunks(self):
        packer = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: the gzip wrapper
        for f, offset, count in self.held.segments(0, self.held.record.size):
            while count > 0:
                data = os.pread(f.fileno(), min(count, _READ), offset)
                if not data:
                    raise OSError("an object body is shorter than its size")
                offset, count = offset + len(data), count - len(data)
                out = packer.compress(data)
                if out:
                    yield out
        yield packer.flush()

    def close(self) -> None:
        self.held.close()


def response(headers: dict[str, str], held, head: bool) -> Response:
    headers = {k: v for k, v in headers.items() if k not in ("ETag", "Content-Length", "Accept-Ranges")}
    headers.update({"Content-Encoding": "gzip", "Vary": "Accept-Encoding", "Transfer-Encoding": "chunked"})
    if head:
        held.close()
        return Response(200, headers)
    return Response(200, headers, stream=GzipBody(held))
