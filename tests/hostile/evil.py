"""A misbehaving OSS endpoint on loopback for client-side hostile tests: each request is recorded and answered
by the test's own function, which may send anything (redirects, bombs, endless bodies, HTML)."""

import base64
import os
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REQUEST_ID = "EVIL0123456789ABCDEF0123"
AK, SK = "evil-ak", "evil-sk"
BUCKET = "bkt"


@dataclass
class Seen:
    method: str
    path: str  # as sent: a path, or an absolute URL when the client went through a proxy
    host: str
    headers: dict
    body: bytes


def error_xml(code: str, message: str, extra: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{message}</Message>'
        f"<RequestId>{REQUEST_ID}</RequestId><HostId>evil</HostId>{extra}</Error>"
    ).encode()


class Answer:
    """What an answering function gets: the request, and ways to reply on its connection."""

    def __init__(self, handler: BaseHTTPRequestHandler, seen: Seen):
        self._h = handler
        self.seen = seen

    def send(self, status: int, body: bytes = b"", headers: dict | None = None) -> None:
        h = self._h
        h.send_response(status)
        headers = {"x-oss-request-id": REQUEST_ID, "Connection": "close", **(headers or {})}
        for k, v in headers.items():
            h.send_header(k, v)
        if not any(k.lower() in ("content-length", "transfer-encoding") for k in headers):
            h.send_header("Content-Length", str(len(body)))
        h.end_headers()
        if self.seen.method != "HEAD":
            h.wfile.write(body)
        h.wfile.flush()

    def xml(self, body: bytes, status: int = 200, **headers) -> None:
        self.send(status, body, {"Content-Type": "application/xml", **headers})

    def error(self, status: int, code: str, message: str = "denied", extra: str = "") -> None:
        """An OSS error document; for a HEAD (no body) in x-oss-err, as OSS does."""
        body = error_xml(code, message, extra)
        if self.seen.method == "HEAD":
            self.send(status, b"", {"x-oss-err": base64.b64encode(body).decode(), "Content-Length": "0"})
        else:
            self.xml(body, status)

    def endless(self, status: int, block: bytes, headers: dict | None = None) -> int:
        """A chunked body that never ends: blocks until the client hangs up; returns the bytes written."""
        h = self._h
        h.close_connection = True
        h.send_response(status)
        endless = {"x-oss-request-id": REQUEST_ID, "Transfer-Encoding": "chunked", "Connection": "close"}
        for k, v in {**endless, **(headers or {})}.items():
            h.send_header(k, v)
        h.end_headers()
        chunk = f"{len(block):x}\r\n".encode() + block + b"\r\n"
        written = 0
        try:
            while True:
                h.wfile.write(chunk)
                written += len(block)
        except OSError:  # the client closed the connection: what it must do
            return written


class Evil:
    """A ThreadingHTTPServer on `host`; `answer(a: Answer)` replies to every request (default: 404).
    `seen` lists the requests in order. Connections close after each answer."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.seen: list[Seen] = []
        self.answer = lambda a: a.error(404, "NoSuchKey", "nothing here")
        self.written: list[int] = []  # bytes of endless bodies written, one entry per finished stream
        evil = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                self.close_connection = True
                length = int(self.headers.get("Content-Length") or 0)
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    body = self._chunked()
                else:
                    body = self.rfile.read(length) if length else b""
                seen = Seen(self.command, self.path, self.headers.get("Host", ""), dict(self.headers), body)
                evil.seen.append(seen)
                evil.answer(Answer(self, seen))

            def _chunked(self) -> bytes:
                data = b""
                while size := int(self.rfile.readline().split(b";")[0].strip() or b"0", 16):
                    data += self.rfile.read(size)
                    self.rfile.readline()
                self.rfile.readline()
                return data

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.httpd = ThreadingHTTPServer((host, port), Handler)
        self.httpd.daemon_threads = True
        self.host, self.port = host, self.httpd.server_address[1]
        self.netloc = f"{host}:{self.port}"
        self.endpoint = f"http://{self.netloc}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def victim(target, **kw):
    """An OssClient of the account the tests guard, pointed at an Evil (or an endpoint URL), without retries."""
    from ossh.client import OssClient

    kw.setdefault("region", "cn-hangzhou")
    kw.setdefault("max_retries", 0)
    return OssClient(getattr(target, "endpoint", target), AK, SK, **kw)


def run_ossh(argv: list[str], endpoint: str, home, **variables: str):
    """`ossh ARGV` in-process (cli.main) pointed at `endpoint`, HOME and XDG directories under `home`, and
    `variables` set; returns the CompletedProcess (text)."""
    from tests.shell.conftest import run_in_process

    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "OSSUTIL_"))}
    environ.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        OSS_ENDPOINT=endpoint,
        OSS_REGION="cn-hangzhou",
        OSS_ACCESS_KEY_ID=AK,
        OSS_ACCESS_KEY_SECRET=SK,
        **variables,
    )
    return run_in_process(argv, environ, home)
