"""The HTTP face of the embedded server: ThreadingHTTPServer with keep-alive, OSS addressing (path-style
and virtual-hosted), streamed bodies, sendfile for object bodies, OSS error documents."""
from __future__ import annotations

import base64
import ipaddress
import re
import secrets
import socket
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote

from .app import App
from .context import BodyReader, ClientGone, Request, Response
from .errors import OssServerError
from .xmlio import document

_HEX64 = re.compile(r"^[0-9a-fA-F]{64}$")
DRAIN_LIMIT = 64 << 20   # after an early error, read at most this much of a body to keep the connection


def error_response(err: OssServerError, request_id: str, host: str, bucket: str | None) -> Response:
    children = [("Code", err.code), ("Message", err.message), ("RequestId", request_id),
                ("HostId", f"{bucket}.{host}" if bucket else host)]
    children += list(err.details.items())
    children += [("EC", err.ec), ("RecommendDoc", f"https://api.aliyun.com/troubleshoot?q={err.ec}")]
    headers = {"x-oss-ec": err.ec, **err.headers}
    return Response.xml(document("Error", children), err.status, headers)


class OssHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address, app: App):
        self.app = app
        self.connections: set[socket.socket] = set()
        self.conn_lock = threading.Lock()
        super().__init__(address, OssRequestHandler)

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return   # the client went away (or was shut down by stop()): nothing to report
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        """Wake keep-alive connections blocked waiting for a next request, so their threads end."""
        with self.conn_lock:
            for conn in list(self.connections):
                try:
                    conn.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


class OssRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AliyunOSS"
    sys_version = ""
    timeout = 300
    disable_nagle_algorithm = True   # headers and body leave in separate writes: no 40 ms delayed-ACK stalls
    server: OssHTTPServer

    def setup(self):
        super().setup()
        with self.server.conn_lock:
            self.server.connections.add(self.connection)

    def finish(self):
        with self.server.conn_lock:
            self.server.connections.discard(self.connection)
        self.server.app.store.db.release()
        super().finish()

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        pass

    def send_error(self, code, message=None, explain=None):
        """Protocol-level failures (bad request line, unknown method) in OSS's XML, not stdlib HTML."""
        rid = _request_id()
        name = "NotImplemented" if code == 501 else "InvalidArgument"
        err = OssServerError(name, message or explain, status=code if code >= 400 else 400)
        self.close_connection = True
        self._send(error_response(err, rid, self.server.app.host, None), rid)

    def _dispatch(self):
        with self.server.app.busy():
            self._serve_one()

    def _serve_one(self):
        request_id = _request_id()
        app = self.server.app
        req = None
        bucket = None
        try:
            req = self._parse(request_id)
            bucket = req.bucket
            resp = app.handle(req)
        except OssServerError as err:
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

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _dispatch

    def _parse(self, request_id: str) -> Request:
        app = self.server.app
        if self.headers.defects or self.headers.get_payload():
            # http.server stops at a malformed header line and takes the rest (Content-Length included) as
            # a body it never reads: the request cannot be understood, and the connection cannot be reused.
            self.close_connection = True
            raise OssServerError("InvalidArgument", "A request header line is malformed.")
        target = self.path
        if "://" in target.split("?", 1)[0]:      # absolute-form request target
            target = "/" + target.split("://", 1)[1].partition("/")[2]
        raw_path, _, query = target.partition("?")
        host_header = self.headers.get("Host", app.host)
        bucket, service_host = _bucket_from_host(host_header, app.host)
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
            raise OssServerError("InvalidObjectName" if raw_key else "InvalidArgument",
                                 "The request is not valid UTF-8.") from None
        chunked = "chunked" in self.headers.get("Transfer-Encoding", "").lower()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0:
            self.close_connection = True
            raise OssServerError("InvalidArgument", "Invalid Content-Length.")
        body = BodyReader(self.rfile, length, chunked, _signed_payload_hash(self.headers))
        headers = {name: _utf8(value) for name, value in self.headers.items()}
        return Request(self.command, bucket, req_key, params, headers, body, request_id, service_host)

    def _send(self, resp: Response, request_id: str) -> None:
        head = self.command == "HEAD"
        self.send_response(resp.status)
        headers = resp.headers
        if head and resp.status >= 300 and resp.body:
            # HEAD has no body: the error document travels base64-encoded in x-oss-err, as on OSS.
            headers = {**headers, "x-oss-err": base64.b64encode(resp.body).decode()}
        for name, value in headers.items():
            self.send_header(name, _wire(value))
        self.send_header("x-oss-request-id", request_id)
        length = resp.length if resp.stream is not None else len(resp.body)
        if "Content-Length" not in headers:
            self.send_header("Content-Length", str(length))
        if self.close_connection:
            self.send_header("Connection", "close")
        if not head and resp.status not in (204, 304) and resp.stream is None and resp.body:
            # headers and a small body in one write: one packet, and a client never sees one without the other
            self._headers_buffer.append(b"\r\n" + resp.body)
            self.flush_headers()
            return
        self.end_headers()
        if not head and resp.status not in (204, 304) and resp.stream is not None:
            for f, offset, count in resp.stream.segments(resp.offset, resp.length):
                self.connection.sendfile(f, offset, count)


def _signed_payload_hash(headers) -> str | None:
    """The body's SHA-256 that a V4 client signed, None for UNSIGNED-PAYLOAD (what both SDKs send)."""
    value = headers.get("x-oss-content-sha256", "UNSIGNED-PAYLOAD").strip()
    if value == "UNSIGNED-PAYLOAD":
        return None
    if not _HEX64.match(value):
        raise OssServerError("InvalidArgument", "x-oss-content-sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 "
                             "of the body.", ArgumentName="x-oss-content-sha256", ArgumentValue=value)
    return value.lower()


def _utf8(value: str) -> str:
    """http.server decodes header bytes as latin-1; clients sign (and mean) UTF-8 text."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


def _wire(value: str) -> str:
    """A header value as http.server will write it (latin-1): text beyond latin-1 goes out as UTF-8 bytes."""
    try:
        value.encode("latin-1")
        return value
    except UnicodeEncodeError:
        return value.encode("utf-8").decode("latin-1")


def _request_id() -> str:
    return secrets.token_hex(12).upper()


def _split_port(host: str) -> tuple[str, str]:
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest
    name, sep, port = host.rpartition(":")
    return (name, sep + port) if sep and port.isdigit() else (host, "")


def _bucket_from_host(host_header: str, own_host: str) -> tuple[str | None, str]:
    """(bucket, service host) for `bucket.<host>` virtual-hosted requests; (None, host) for path style."""
    name, port = _split_port(host_header.strip().lower())
    own_name, _ = _split_port(own_host.lower())
    try:
        ipaddress.ip_address(name.strip("[]"))
        return None, host_header
    except ValueError:
        pass
    for base in {own_name, "localhost"}:
        if base and name.endswith("." + base):
            return name[: -len(base) - 1], base + port
    return None, host_header
