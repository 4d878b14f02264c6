"""Connections and threads stay bounded under clients that hold sockets open: idle floods, slowloris heads
trickled byte by byte, every slot busy. Real clients keep being served throughout."""

import socket
import threading
import time

import pytest
import requests

from ossh.server import LocalServer
from ossh.server.front import OssHTTPServer
from ossh.server.front.connections import ConnectionLimits

from .conftest import AK, BUCKET, SK, Hostile, wait_until


def _conn_threads(h: Hostile) -> int:
    """Threads serving connections of this test's server (other servers may run in the same process)."""
    return sum(1 for t in threading.enumerate() if t.name == f"ossh-conn:{h.port}")


@pytest.fixture
def limited(tmp_path, monkeypatch):
    """A server with the limits a test sets: limited(max_connections=8, ...) -> Hostile."""
    started = []

    def start(**limits) -> Hostile:
        monkeypatch.setattr(OssHTTPServer, "connection_limits", ConnectionLimits(**limits))
        server = LocalServer(tmp_path / f"root{len(started)}", credentials={AK: SK}).start()
        started.append(server)
        target = Hostile(server)
        assert target.call("PUT", BUCKET).status_code == 200
        return target

    yield start
    for server in started:
        server.stop(grace=2)


def _connect(h: Hostile, n: int) -> list[socket.socket]:
    return [socket.create_connection((h.host, h.port), timeout=5) for _ in range(n)]


def _served_quickly(h: Hostile) -> float:
    started = time.monotonic()
    resp = h.call("PUT", BUCKET, "real-client", data=b"still served")
    assert resp.status_code == 200, resp.text
    assert h.call("GET", BUCKET, "real-client").content == b"still served"
    return time.monotonic() - started


def _closed_by_server(socks) -> int:
    closed = 0
    for s in socks:
        s.setblocking(False)
        try:
            closed += s.recv(1) == b""
        except BlockingIOError:
            pass
    return closed


def test_a_thousand_idle_connections_hold_a_bounded_number_of_threads(limited):
    h = limited()  # the default limits
    cap = OssHTTPServer.connection_limits.max_connections
    socks = _connect(h, 1000)
    try:
        # each connection past the cap takes the slot of the longest idle one, which is closed
        assert wait_until(lambda: _closed_by_server(socks) >= 1000 - cap, timeout=10)
        # an evicted connection's thread ends just after its socket closes: give the last ones a moment
        assert wait_until(lambda: _conn_threads(h) <= cap)
        assert _served_quickly(h) < 2
    finally:
        for s in socks:
            s.close()
        h.session.close()
    assert wait_until(lambda: _conn_threads(h) == 0)  # each thread ends with its connection


def test_an_idle_keep_alive_connection_is_closed_after_the_idle_timeout(limited):
    h = limited(idle_timeout=0.4)
    with socket.create_connection((h.host, h.port), timeout=5) as sock:
        sock.sendall(h.head_bytes("GET", f"/{BUCKET}/"))
        assert sock.recv(65536).startswith(b"HTTP/1.1 403")  # anonymous listing: answered, kept alive
        started = time.monotonic()
        assert sock.recv(1) == b""  # then closed for idling
        assert 0.3 < time.monotonic() - started < 3


def test_a_slowloris_head_is_cut_with_request_timeout(limited):
    h = limited(head_timeout=0.6)
    with socket.create_connection((h.host, h.port), timeout=5) as sock:
        started = time.monotonic()
        reply = b""
        for byte in h.head_bytes("GET", f"/{BUCKET}/x", {"x-pad": "p" * 100}):
            try:
                sock.sendall(bytes([byte]))
            except OSError:
                break
            time.sleep(0.05)
            if time.monotonic() - started > 3:
                break
        sock.settimeout(3)
        while chunk := sock.recv(65536):
            reply += chunk
    assert reply.startswith(b"HTTP/1.1 400") and b"<Code>RequestTimeout</Code>" in reply
    assert time.monotonic() - started < 3


def test_slowloris_connections_filling_every_slot_do_not_lock_out_a_real_client(limited):
    h = limited(max_connections=6, head_grace=0.3, head_timeout=30)
    socks = _connect(h, 6)
    try:
        for s in socks:
            s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nx-slow: ")  # heads that never finish
        time.sleep(0.5)
        assert _served_quickly(h) < 2
        assert wait_until(lambda: _conn_threads(h) <= 6)
    finally:
        for s in socks:
            s.close()


def test_when_every_slot_is_busy_a_new_connection_gets_503_slowdown(limited):
    h = limited(max_connections=3, queue_wait=0.2)
    socks = _connect(h, 3)
    try:
        for s in socks:  # bodies announced and never sent: busy connections, not evictable
            s.sendall(h.signed_raw("PUT", "slow-body", {"Content-Length": "1000"}, length=False))
        assert wait_until(lambda: all(c.state == "busy" for c in h.server._httpd.guard._conns.values()))
        resp = requests.get(h.url(BUCKET, "x"), timeout=5)
        assert resp.status_code == 503 and "<Code>SlowDown</Code>" in resp.text
        assert resp.headers["Connection"] == "close" and resp.headers.get("x-oss-request-id")
    finally:
        for s in socks:
            s.close()
    assert wait_until(lambda: requests.get(h.url(BUCKET, "x"), timeout=5).status_code == 403)
    assert not h.exists("slow-body")
