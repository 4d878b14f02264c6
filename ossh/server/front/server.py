"""The HTTP face of the embedded server: ThreadingHTTPServer with keep-alive, requests parsed from their
framing and addressing, streamed bodies, sendfile for object bodies, OSS error documents."""

from __future__ import annotations

import base64
import contextlib
import email.utils
import re
import secrets
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from ossh.protocol import H_CONTENT_SHA256, H_EC, H_REQUEST_ID

from ..app import App
from ..wire.errors import OssServerError
from ..wire.framing import (
    Fields,
    Head,
    HeadLimits,
    body_length,
    check_repeats,
    escape_char,
    must_close,
    printable,
    read_head,
    refused,
    unsafe_header,
)
from ..wire.message import BodyReader, ClientGone, Request, Response
from ..wire.xmlio import document
from .addressing import bucket_from_host
from .connections import BUSY, HEAD, IDLE, ConnectionGuard, ConnectionLimits

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
_METHODS = {"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"}  # OPTIONS: the CORS preflight
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
DRAIN_LIMIT = 64 << 20  # after an early error, read at most this much of a body to keep the connection


def error_response(err: OssServerError, request_id: str, host: str, bucket: str | None) -> Response:
    children = [
        ("Code", err.code),
        ("Message", err.message),
        ("RequestId", request_id),
        ("HostId", f"{bucket}.{host}" if bucket else host),
    ]
    # XML 1.0 cannot carry most control characters: a detail echoing one (a key, a value) shows it escaped
    children += [(k, _NOT_XML.sub(escape_char, str(v))) for k, v in err.details.items()]
    children += [("EC", err.ec), ("RecommendDoc", f"https://api.aliyun.com/troubleshoot?q={err.ec}")]
    headers = {H_EC: err.ec, **err.headers}
    return Response.xml(document("Error", children), err.status, headers)


class OssHTTPServer(ThreadingHTTPServer):
    """One thread per connection, at most `limits.max_connections` of them (see connections.py). The class
    attributes are the defaults of every server made without explicit limits."""

    daemon_threads = True
    request_queue_size = 1024  # a burst of connects waits in the kernel instead of retrying SYNs a second later
    connection_limits = ConnectionLimits()
    request_head_limits = HeadLimits()

    def __init__(
        self, address, app: App, limits: ConnectionLimits | None = None, head_limits: HeadLimits | None = None
    ):
        self.app = app
        self.limits = limits or self.connection_limits
        self.head_limits = head_limits or self.request_head_limits
        self.guard = ConnectionGuard(self.limits)  # before binding: a failed bind calls server_close()
        self._handlers = 0  # connection threads not yet ended (their database connection released)
        self._ended = threading.Condition()
        super().__init__(address, OssRequestHandler)

    def process_request(self, request, client_address) -> None:
        if not self.guard.admit(request):
            _refuse_busy(request, self.app)
            self.shutdown_request(request)
            return
        with self._ended:
            self._handlers += 1
        threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"ossh-conn:{self.server_address[1]}",
            daemon=True,
        ).start()

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.guard.release(request)
            with self._ended:
                self._handlers -= 1
                self._ended.notify_all()

    def wait_handlers(self, timeout: float) -> bool:
        """Wait until every connection thread has ended, so none touches the store once it is closed."""
        with self._ended:
            return self._ended.wait_for(lambda: self._handlers == 0, timeout)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return  # the client went away (or was shut down by stop()): nothing to report
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Wake keep-alive connections blocked waiting for a next request, so their threads end."""
        self.guard.close_all()

    def server_close(self) -> None:
        super().server_close()
        self.guard.close_all()  # and the reaper with them


def _refuse_busy(sock: socket.socket, app: App) -> None:
    """503 SlowDown on a connection that got no slot, written from the accepting thread without waiting."""
    rid = _request_id()
    resp = error_response(OssServerError("SlowDown"), rid, app.host, None)
    head = [
        f"HTTP/1.1 {resp.status} Service Unavailable",
        f"Date: {email.utils.formatdate(app.clock(), usegmt=True)}",
        "Server: AliyunOSS",
        f"x-oss-request-id: {rid}",
        f"Content-Length: {len(resp.body)}",
        "Connection: close",
        "Retry-After: 1",
        *(f"{k}: {v}" for k, v in resp.headers.items()),
    ]
    try:
        sock.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while sock.recv(65536):  # what the client already sent: closing on unread bytes would reset
                pass
        sock.send(("\r\n".join(head) + "\r\n\r\n").encode() + resp.body)
    except OSError:
        pass


class OssRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AliyunOSS"
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body leave in separate writes: no 40 ms delayed-ACK stalls
    server: OssHTTPServer

    def setup(self):
        self.timeout = self.server.limits.io_timeout
        super().setup()

    def finish(self):
        self.server.app.store.db.release()
        super().finish()

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        """The Date header, by the app's clock."""
        return email.utils.formatdate(self.server.app.clock() if timestamp is None else timestamp, usegmt=True)

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def handle_one_request(self):
        """One request: wait (idle) for its first byte, read its head under the head deadline, serve it.
        Whatever is wrong with it gets an OSS error answer; a lost framing closes the connection."""
        guard, sock = self.server.guard, self.connection
        self.close_connection = True
        self.command, self.request_version, self.requestline = None, "HTTP/1.1", ""
        guard.mark(sock, IDLE)
        try:
            if not self.rfile.peek(1):
                return  # closed between requests (by the client, or idle too long)
            guard.mark(sock, HEAD)
            head = read_head(self.rfile, self.server.head_limits)
        except OssServerError as err:
            late = guard.expired(sock)
            self._answer_error(
                OssServerError("RequestTimeout", "The request head did not arrive in time.") if late else err
            )
            return
        except TimeoutError:
            self._answer_error(OssServerError("RequestTimeout", "The request head did not arrive in time."))
            return
        except OSError:
            return
        guard.mark(sock, BUSY)
        self.command, self.path = head.method, head.target
        self.requestline = f"{head.method} {head.target} HTTP/{head.version[0]}.{head.version[1]}"
        self.close_connection = not head.keep_alive
        try:
            with self.server.app.busy():
                self._serve_one(head)
            self.wfile.flush()
        except TimeoutError:
            self.close_connection = True

    def _answer_error(self, err: OssServerError) -> None:
        """An error for a request that never reached the operations; the connection closes after it."""
        rid = _request_id()
        self.close_connection = True
        try:
            self._send(error_response(err, rid, self.server.app.host, None), rid)
            self.wfile.flush()
        except OSError:
            pass

    def _serve_one(self, head: Head):
        request_id = _request_id()
        app = self.server.app
        req = None
        bucket = None
        try:
            req = self._parse(head, request_id)
            bucket = req.bucket
            check_repeats(head)  # once the body can be drained: the connection serves on after the answer
            resp = app.handle(req)
        except OssServerError as err:
            if err.close:
                self.close_connection = True
            resp = error_response(err, request_id, app.host, bucket)
        except ClientGone:
            self.close_connection = True
            return
        except Exception:  # a server bug must still answer in OSS's format, and be visible
            traceback.print_exc(file=sys.stderr)
            resp = error_response(OssServerError("InternalError"), request_id, app.host, bucket)
        if req is None or not req.body.drain(DRAIN_LIMIT):
            self.close_connection = True
        try:
            self._send(resp, request_id)
        finally:
            if resp.stream is not None:
                resp.stream.close()

    def _parse(self, head: Head, request_id: str) -> Request:
        app = self.server.app
        if head.method not in _METHODS:
            raise refused("NotImplemented", f"The method {head.method} is not implemented.", Method=head.method)
        length, chunked = body_length(head)
        if must_close(head):
            self.close_connection = True
        expect = (head.get("Expect") or "").strip().lower()
        if expect and expect != "100-continue":
            raise refused("InvalidRequest", "Only Expect: 100-continue is supported.", status=417)
        target = head.target
        if "://" in target.split("?", 1)[0]:  # absolute-form request target
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        raw_path, _, query = target.partition("?")
        host_header = head.get("Host", app.host)
        bucket, service_host = bucket_from_host(host_header, app.host)
        raw_path = raw_path[1:] if raw_path.startswith("/") else raw_path
        if bucket is None:
            raw_bucket, _, raw_key = raw_path.partition("/")
            bucket = unquote(raw_bucket) or None
        else:
            raw_key = raw_path
        req_key = None
        try:
            if raw_key and bucket:
                req_key = unquote(raw_key, errors="strict")
            params = dict(parse_qsl(query, keep_blank_values=True, errors="strict"))
        except UnicodeDecodeError:
            raise OssServerError(
                "InvalidObjectName" if raw_key else "InvalidArgument", "The request is not valid UTF-8."
            ) from None
        body = BodyReader(self.rfile, length, chunked, _signed_payload_hash(head.headers))
        if expect and head.version >= (1, 1):
            self.send_response_only(100)
            self.end_headers()
        return Request(head.method, bucket, req_key, params, head.headers, body, request_id, service_host)

    def _send(self, resp: Response, request_id: str) -> None:
        bad = unsafe_header(resp.headers)
        if bad is not None:
            # The last line of defence: a value that slipped past the checks where it entered is never written.
            if resp.stream is not None:
                resp.stream.close()
            err = refused(
                "InvalidArgument",
                f"The value for {bad} cannot be sent in a header: it contains a control character.",
                close=False,
                ArgumentName=printable(bad),
            )
            resp = error_response(err, request_id, self.server.app.host, None)
        head = self.command == "HEAD"
        self.send_response(resp.status)
        headers = resp.headers
        if head and resp.status >= 300 and resp.body:
            # HEAD has no body: the error document travels base64-encoded in x-oss-err, as on OSS.
            headers = {**headers, "x-oss-err": base64.b64encode(resp.body).decode()}
        for name, value in headers.items():
            self.send_header(name, _wire(value))
        self.send_header(H_REQUEST_ID, request_id)
        length = resp.length if resp.stream is not None else len(resp.body)
        if "Content-Length" not in headers and "Transfer-Encoding" not in headers:
            self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        if not head and resp.status not in (204, 304) and resp.stream is None and resp.body:
            # headers and a small body in one write: one packet, and a client never sees one without the other
            self._headers_buffer.append(b"\r\n" + resp.body)
            self.flush_headers()
            return
        self.end_headers()
        if not head and resp.status not in (204, 304) and hasattr(resp.stream, "chunks"):
            for chunk in resp.stream.chunks():  # a body of unknown length (gzip): chunked framing
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        elif not head and resp.status not in (204, 304) and resp.stream is not None:
            for f, offset, count in resp.stream.segments(resp.offset, resp.length):
                self.connection.sendfile(f, offset, count)


def _signed_payload_hash(headers: Fields) -> str | None:
    """The body's SHA-256 that a V4 client signed, None for UNSIGNED-PAYLOAD (what both SDKs send)."""
    value = headers.get(H_CONTENT_SHA256, "UNSIGNED-PAYLOAD").strip()
    if value == "UNSIGNED-PAYLOAD":
        return None
    if not _HEX64.match(value):
        raise OssServerError(
            "InvalidArgument",
            "x-oss-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the body.",
            ArgumentName="x-oss-content-sha256",
            ArgumentValue=value,
        )
    return value.lower()


def _wire(value: str) -> str:
    """A header value as http.server will write it (latin-1): text beyond latin-1 goes out as UTF-8 bytes."""
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")


def _request_id() -> str:
    return secrets.token_hex(12).upper()
