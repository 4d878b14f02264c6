"""HTTP/1.1 message framing for the embedded server, strict as RFC 9112 asks of a server facing hostile
clients: the request line and header fields read within size and count limits, field names and values
checked, the body's length decided from Content-Length or chunked coding without guessing, and response
header values checked before they are written. Everything refused raises an OssServerError whose status
is the HTTP answer (400, 411, 413, 414, 431, 501); `close` on it says the connection cannot be reused."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import OssServerError

_TOKEN = re.compile(rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_TARGET = re.compile(rb"[\x21-\x7e]+")  # visible ASCII: a target is percent-encoded
_FIELD_CTL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")  # controls but HTAB; a bare CR is one of them
# Characters no header value may carry, as text: C0 and C1 controls but HTAB, DEL, and the Unicode line
# separators some client libraries split lines on.
_UNSAFE_TEXT = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]")
_TOKEN_TEXT = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_VERSIONS = {b"HTTP/1.1": (1, 1), b"HTTP/1.0": (1, 0)}
MAX_LENGTH = 1 << 62  # a Content-Length beyond this is refused before anything else looks at it
_SINGLE = {"host", "content-length"}  # a second line of these makes the framing itself ambiguous
# Fields that hold one value (RFC 9110 5.3: only list-valued fields may repeat): a second line, in whatever
# spelling, would let one value be verified and the other acted on, so it is refused. Every x-oss-* is one.
_ONE_VALUE = frozenset(
    "authorization content-md5 content-type content-disposition date expires range if-range "
    "if-modified-since if-unmodified-since origin referer".split()
)


@dataclass(frozen=True)
class HeadLimits:
    max_line: int = 16 << 10  # request line (414 beyond) and any one header line (431 beyond)
    max_head: int = 64 << 10  # request line and header fields together (431 beyond)
    max_fields: int = 100  # header field lines (431 beyond); http.client refuses more too


class Fields(dict):
    """Header fields keyed by lowercased name, so a lookup in any spelling finds the one value there is.
    `Fields(d)` takes d's names as lowercased already (the head parser's); `Fields.of(d)` lowercases them."""

    __slots__ = ()

    @classmethod
    def of(cls, headers: dict[str, str]) -> Fields:
        fields = cls()
        for name, value in headers.items():
            fields[name] = value
        return fields

    def get(self, name: str, default=None):
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name: str) -> str:
        return dict.__getitem__(self, name.lower())

    def __setitem__(self, name: str, value: str) -> None:
        dict.__setitem__(self, name.lower(), value)

    def __contains__(self, name) -> bool:
        return dict.__contains__(self, name.lower())


@dataclass
class Head:
    method: str
    target: str
    version: tuple[int, int]
    headers: Fields  # repeated fields joined with ", " (RFC 9110 5.3)
    repeated: str | None = None  # a one-value field that came more than once (its second spelling)

    def __post_init__(self):
        if not isinstance(self.headers, Fields):
            self.headers = Fields.of(self.headers)

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    @property
    def keep_alive(self) -> bool:
        tokens = {t.strip().lower() for t in (self.get("Connection") or "").split(",")}
        return "close" not in tokens if self.version >= (1, 1) else "keep-alive" in tokens


def refused(code: str, message: str, status: int | None = None, close: bool = True, **details) -> OssServerError:
    err = OssServerError(code, message, status=status, **details)
    err.close = close
    return err


def escape_char(match: re.Match) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 256 else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with its control characters as \\xNN escapes: fit for an error message or an XML element."""
    return _UNSAFE_TEXT.sub(escape_char, text)


def read_head(rfile, limits: HeadLimits) -> Head:
    """The request line and header fields. An EOF before the blank line ending them is InvalidRequest."""
    line = b""
    for _ in range(4):  # RFC 9112 2.2: empty lines before a request line are ignored
        line = rfile.readline(limits.max_line + 1)
        if len(line) > limits.max_line:
            raise refused("RequestURITooLong", f"The request line is longer than {limits.max_line} bytes.")
        if line not in (b"\r\n", b"\n"):
            break
    used = len(line)
    method, target, version = _request_line(_chomp(line))
    headers: dict[str, str] = {}  # lowercased name -> value
    repeated = None
    count = 0
    while True:
        line = rfile.readline(limits.max_line + 1)
        used += len(line)
        if len(line) > limits.max_line or used > limits.max_head:
            raise refused(
                "RequestHeaderFieldsTooLarge",
                f"The request head is larger than {limits.max_head} bytes "
                f"or a header line is longer than {limits.max_line} bytes.",
                status=431,
            )
        line = _chomp(line)
        if not line:
            break
        count += 1
        if count > limits.max_fields:
            raise refused(
                "RequestHeaderFieldsTooLarge",
                f"The request has more than {limits.max_fields} header fields.",
                status=431,
            )
        name, value = _field(line)
        low = name.lower()
        if low in headers:
            if low in _SINGLE:
                raise refused("InvalidRequest", f"The request has more than one {name} header.")
            if repeated is None and (low in _ONE_VALUE or low.startswith("x-oss-")):
                repeated = name
            headers[low] += ", " + value
        else:
            headers[low] = value
    head = Head(method, target, version, Fields(headers), repeated)
    if version >= (1, 1) and head.get("Host") is None:
        raise refused("InvalidRequest", "An HTTP/1.1 request must have a Host header.")
    return head


def _chomp(line: bytes) -> bytes:
    """The line without its CRLF (or bare LF, which RFC 9112 lets a recipient accept); no terminator is EOF."""
    if line.endswith(b"\r\n"):
        return line[:-2]
    if line.endswith(b"\n"):
        return line[:-1]
    raise refused("InvalidRequest", "The connection ended inside the request head.")


def _request_line(line: bytes) -> tuple[str, str, tuple[int, int]]:
    parts = line.split(b" ")
    if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]) or not _TARGET.fullmatch(parts[1]):
        raise refused(
            "InvalidRequest", "The request line must be METHOD TARGET HTTP/1.1, with a percent-encoded target."
        )
    if parts[2] not in _VERSIONS:
        raise refused("InvalidRequest", "Only HTTP/1.1 and HTTP/1.0 are supported.")
    return parts[0].decode("ascii"), parts[1].decode("ascii"), _VERSIONS[parts[2]]


def _field(line: bytes) -> tuple[str, str]:
    if line[:1] in (b" ", b"\t"):
        raise refused("InvalidArgument", "A header line is folded (obs-fold), which HTTP/1.1 no longer allows.")
    name, sep, value = line.partition(b":")
    if not sep or not _TOKEN.fullmatch(name):
        raise refused("InvalidArgument", "A request header line is malformed.")
    value = value.strip(b" \t")
    text_name = name.decode("ascii")
    if _FIELD_CTL.search(value):
        raise refused(
            "InvalidArgument",
            f"The {text_name} header contains a control character.",
            ArgumentName=text_name,
            ArgumentValue=printable(value.decode("latin-1")),
        )
    return text_name, _utf8(value)


def _utf8(value: bytes) -> str:
    """Header bytes as the client meant them: UTF-8 text (what clients sign), else latin-1."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def body_length(head: Head) -> tuple[int | None, bool]:
    """(Content-Length, chunked) for the request body, by RFC 9112 6.1-6.3; (None, True) when chunked.
    A request with both a Transfer-Encoding and a Content-Length is taken as chunked, and its connection
    must be closed afterwards (the caller checks `must_close`)."""
    te, cl = head.get("Transfer-Encoding"), head.get("Content-Length")
    if te is not None:
        if head.version < (1, 1):
            raise refused("InvalidRequest", "Transfer-Encoding is not allowed in an HTTP/1.0 request.")
        codings = [c.strip().lower() for c in te.split(",")]
        unknown = [c for c in codings if c != "chunked"]
        if unknown:
            raise refused(
                "NotImplemented",
                f"Transfer-Encoding {printable(unknown[0])!r} is not supported; "
                "send the body as it is, with Content-Length or chunked.",
                Header="Transfer-Encoding",
            )
        if len(codings) != 1:
            raise refused("InvalidRequest", "Transfer-Encoding must name chunked once.")
        return None, True
    if cl is None:
        if head.method in ("PUT", "POST"):
            raise refused(
                "MissingContentLength", "You must provide the Content-Length HTTP header (or send the body chunked)."
            )
        return 0, False
    if not (cl.isascii() and cl.isdigit()):
        raise refused(
            "InvalidRequest", "Content-Length must be a decimal number of bytes.", ContentLength=printable(cl[:64])
        )
    length = uint(cl, MAX_LENGTH)
    if length is None:
        raise refused(
            "EntityTooLarge", "The Content-Length is larger than any request this server accepts.", status=413
        )
    return length, False


def check_repeats(head: Head) -> None:
    """InvalidArgument when a one-value field came twice; the framing is intact, the connection serves on.
    The values are not echoed: one may be a signature or a security token."""
    if head.repeated is not None:
        raise refused(
            "InvalidArgument",
            f"The request has more than one {head.repeated} header (names are case-insensitive); send it once.",
            close=False,
            ArgumentName=head.repeated.lower(),
        )


def must_close(head: Head) -> bool:
    """RFC 9112 6.3: a request with both Transfer-Encoding and Content-Length may be a smuggling attempt."""
    return head.get("Transfer-Encoding") is not None and head.get("Content-Length") is not None


def uint(raw: str, high: int) -> int | None:
    """`raw` as an integer in 0..high when it is ASCII digits, else None. The digit count is bounded before
    int() runs, so thousands of digits cost nothing (and never reach int's own 4300-digit error)."""
    if not raw or not raw.isascii() or not raw.isdigit() or len(raw.lstrip("0")) > len(str(high)):
        return None
    value = int(raw.lstrip("0") or "0")  # int() itself refuses over 4300 digits, leading zeros included
    return value if value <= high else None


def check_value(name: str, value: str) -> str:
    """A value about to become a response header: control characters (CR, LF, ...) are InvalidArgument."""
    if _UNSAFE_TEXT.search(value):
        raise refused(
            "InvalidArgument",
            f"The value for {name} contains a control character.",
            close=False,
            ArgumentName=name,
            ArgumentValue=printable(value),
        )
    return value


def unsafe_header(headers: dict[str, str]) -> str | None:
    """The first header name (or value) that may not be written as it is, else None: the last check before
    anything reaches the wire, whatever path the value took through the server."""
    for name, value in headers.items():
        if not _TOKEN_TEXT.fullmatch(name) or _UNSAFE_TEXT.search(value):
            return name
    return None
