"""A fault-injecting HTTP/1.1 proxy for tests: it sits between a client and a real server on loopback, keeps
connections alive on both sides, and breaks them on purpose.

Faults, each decided per request so that they land on kept-alive connections as often as on fresh ones:
- cuts: the stream is broken (FIN or RST, both sockets) part-way through the request or the response, heads
  included; the chance of a cut is `cut` per `cut_span` bytes carried in that direction (10% per 4 MiB ->
  a byte-position drawn from an exponential distribution, so a 1 KiB request is almost never cut and a
  100 MiB body is cut a few times);
- busy: the request is read whole and answered `503 SlowDown` (OSS's throttling answer) on the same
  connection, which stays open;
- idle closes: after a complete exchange the connection is closed, as a server ending an idle kept-alive
  connection does; the client only learns it when it sends its next request on it.
`rate` (bytes per second per connection, both directions) slows transfers down, for tests that must kill a
client mid-way. `stall(method, target)`, when it says so, takes a request's body and never answers it (a
server that stopped answering): the connection stays open until the client gives up.

Deterministic: a request's fate comes from a random generator seeded by (seed, method, path without the
upload id, Range, how many times this same request was seen), never by thread timing, so a failing run
reproduces with the same seed. `events` lists what was done to which request.
"""

from __future__ import annotations

import math
import random
import re
import socket
import threading
import time
from dataclasses import dataclass, field

BLOCK = 64 * 1024
BUSY = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SlowDown</Code><Message>injected by the '
    b"fault proxy</Message><RequestId>FAULTPROXY00000000000000</RequestId><HostId>proxy</HostId></Error>"
)


class Cut(Exception):
    """The proxy broke the connection on purpose."""


class Closed(Exception):
    """A peer closed its side where the proxy expected more bytes."""


@dataclass
class Stats:
    connections: int = 0
    requests: int = 0
    cuts_up: int = 0  # request streams broken (client -> server)
    cuts_down: int = 0  # response streams broken (server -> client)
    busy: int = 0  # requests answered 503
    idle_closes: int = 0  # kept-alive connections closed after a complete exchange
    stalled: int = 0  # requests taken and never answered
    bytes_up: int = 0
    bytes_down: int = 0
    events: list = field(default_factory=list)

    @property
    def faults(self) -> int:
        return self.cuts_up + self.cuts_down + self.busy + self.idle_closes


class FaultProxy:
    def __init__(
        self,
        upstream: str,
        seed: int = 0,
        cut: float = 0.0,
        cut_span: int = 4 << 20,
        busy: float = 0.0,
        idle_close: float = 0.0,
        rate: float | None = None,
        stall=None,
    ):
        host, port = upstream.split("://", 1)[-1].rstrip("/").rsplit(":", 1)
        self.upstream = (host, int(port))
        self.seed = seed
        self.cut_rate = -math.log(1 - cut) / cut_span if cut > 0 else 0.0  # cuts per byte carried
        self.busy = busy
        self.idle_close = idle_close
        self.rate = rate
        self.stall = stall
        self.stats = Stats()
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._running = True
        threading.Thread(target=self._accept, daemon=True, name="faultproxy").start()

    # ------------------------------------------------------------------ plumbing

    def close(self) -> None:
        self._running = False
        self._listener.close()
        with self._lock:
            for s in list(self._conns):
                _abort(s, rst=False)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def wait_idle(self, timeout: float = 30) -> None:
        """Wait until no connection is open through the proxy: bytes a killed client left in the socket
        buffers have drained (and been counted) by then."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                if not self._conns:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"{len(self._conns)} connections still open through the proxy")
            time.sleep(0.01)

    def _accept(self) -> None:
        while self._running:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # heads and bodies go out at once
            with self._lock:
                self.stats.connections += 1
                self._conns.add(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _fate(self, method: str, target: str, headers: dict) -> random.Random:
        path = re.sub(r"([?&])uploadId=[^&]*", r"\1uploadId=*", target)
        sig = f"{method} {path} {headers.get('range', '')}"
        with self._lock:
            n = self._seen[sig] = self._seen.get(sig, 0) + 1
            self.stats.requests += 1
        return random.Random(f"{self.seed}|{sig}|{n}")

    def _event(self, what: str, method: str, target: str) -> None:
        with self._lock:
            self.stats.events.append((what, method, target))

    def _serve(self, client: socket.socket) -> None:
        upstream = None
        cin = client.makefile("rb")
        try:
            while self._running:
                head = _read_head(cin)
                if head is None:
                    return
                method, target, headers = _parse_request(head)
                rng = self._fate(method, target, headers)
                if self.stall is not None and self.stall(method, target):
                    _skip_body(cin, headers)
                    with self._lock:
                        self.stats.stalled += 1
                    self._event("stall", method, target)
                    while cin.read1(BLOCK):  # until the client closes
                        pass
                    return
                if rng.random() < self.busy:
                    _skip_body(cin, headers)
                    client.sendall(
                        b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/xml\r\n"
                        b"x-oss-request-id: FAULTPROXY00000000000000\r\nContent-Length: "
                        + str(len(BUSY)).encode()
                        + b"\r\n\r\n"
                        + BUSY
                    )
                    with self._lock:
                        self.stats.busy += 1
                    self._event("503", method, target)
                    continue
                up_cut = rng.expovariate(self.cut_rate) if self.cut_rate else math.inf
                down_cut = rng.expovariate(self.cut_rate) if self.cut_rate else math.inf
                rst = rng.random() < 0.5
                idle_close = rng.random() < self.idle_close
                if upstream is None:
                    upstream = socket.create_connection(self.upstream)
                    upstream.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    uin = upstream.makefile("rb")
                    with self._lock:
                        self._conns.add(upstream)
                try:
                    pipe = _Pipe(upstream, up_cut, self, "up")
                    pipe.send(head)
                    _copy_body(cin, pipe, headers)
                    rhead = _read_head(uin)
                    if rhead is None:
                        raise Closed
                    status, rheaders = _parse_response(rhead)
                    back = _Pipe(client, down_cut, self, "down")
                    back.send(rhead)
                    until_close = _copy_body(
                        uin, back, rheaders, method == "HEAD" or status in (204, 304) or 100 <= status < 200
                    )
                except Cut as cut:
                    with self._lock:
                        setattr(self.stats, f"cuts_{cut.args[0]}", getattr(self.stats, f"cuts_{cut.args[0]}") + 1)
                    self._event(f"cut {cut.args[0]}", method, target)
                    _abort(client, rst)
                    _abort(upstream, rst)
                    return
                if until_close or "close" in (headers.get("connection", "") + rheaders.get("connection", "")).lower():
                    return
                if idle_close:
                    with self._lock:
                        self.stats.idle_closes += 1
                    self._event("idle close", method, target)
                    return
        except (OSError, Closed, ValueError):
            return
        finally:
            for s in (client, upstream):
                if s is not None:
                    _abort(s, rst=False)
                    with self._lock:
                        self._conns.discard(s)


class _Pipe:
    """Writes to one socket, counting bytes, throttled to the proxy's rate, raising Cut at the drawn byte."""

    def __init__(self, sock: socket.socket, cut_at: float, proxy: FaultProxy, direction: str):
        self.sock, self.cut_at, self.proxy, self.direction = sock, cut_at, proxy, direction
        self.sent = 0
        self.started = time.monotonic()

    def send(self, data: bytes) -> None:
        for i in range(0, len(data), BLOCK):
            block = data[i : i + BLOCK]
            if self.sent + len(block) > self.cut_at:
                self.sock.sendall(block[: int(self.cut_at - self.sent)])
                raise Cut(self.direction)
            self.sock.sendall(block)
            self.sent += len(block)
            with self.proxy._lock:
                if self.direction == "up":
                    self.proxy.stats.bytes_up += len(block)
                else:
                    self.proxy.stats.bytes_down += len(block)
            if self.proxy.rate:
                ahead = self.sent / self.proxy.rate - (time.monotonic() - self.started)
                if ahead > 0:
                    time.sleep(ahead)


def _abort(sock: socket.socket, rst: bool) -> None:
    try:
        if rst:  # a reset rather than an orderly end: the peer's next read fails at once
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        else:
            sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()


def _read_head(f) -> bytes | None:
    """A request or status line and its headers (None when the peer closed between messages)."""
    lines = []
    while True:
        line = f.readline(65537)
        if not line:
            if lines:
                raise Closed
            return None
        lines.append(line)
        if line in (b"\r\n", b"\n"):
            if len(lines) == 1:  # stray blank line between messages
                lines = []
                continue
            return b"".join(lines)


def _headers(lines: list[bytes]) -> dict:
    found = {}
    for line in lines:
        name, _, value = line.decode("latin-1").partition(":")
        found[name.strip().lower()] = value.strip()
    return found


def _parse_request(head: bytes) -> tuple[str, str, dict]:
    lines = head.split(b"\r\n")
    method, target, _ = lines[0].decode("latin-1").split(" ", 2)
    return method, target, _headers([line for line in lines[1:] if line])


def _parse_response(head: bytes) -> tuple[int, dict]:
    lines = head.split(b"\r\n")
    return int(lines[0].split(b" ", 2)[1]), _headers([line for line in lines[1:] if line])


def _copy_body(f, pipe, headers: dict, none: bool = False) -> bool:
    """Forward one message body (Content-Length or chunked); True when it is delimited by the close."""
    if none:
        return False
    if "chunked" in headers.get("transfer-encoding", "").lower():
        while True:
            line = f.readline(65537)
            if not line:
                raise Closed
            pipe.send(line)
            size = int(line.split(b";")[0].strip(), 16)
            if size == 0:
                while True:  # trailers, then the blank line
                    line = f.readline(65537)
                    if not line:
                        raise Closed
                    pipe.send(line)
                    if line in (b"\r\n", b"\n"):
                        return False
            _copy_exact(f, pipe, size + 2)
    if "content-length" in headers:
        _copy_exact(f, pipe, int(headers["content-length"]))
        return False
    if pipe.direction == "up":
        return False  # a request without a length has no body
    while chunk := f.read1(BLOCK):
        pipe.send(chunk)
    return True


def _copy_exact(f, pipe, n: int) -> None:
    while n:
        chunk = f.read1(min(n, BLOCK))
        if not chunk:
            raise Closed
        pipe.send(chunk)
        n -= len(chunk)


def _skip_body(f, headers: dict) -> None:
    class Sink:
        direction = "up"

        def send(self, data):
            pass

    _copy_body(f, Sink(), headers)
