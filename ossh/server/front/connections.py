"""Connection admission and deadlines for the embedded server: at most `max_connections` connections (one
thread each) at a time; a keep-alive connection idle past `idle_timeout`, or a request head still arriving
`head_timeout` after its first byte (slowloris), is cut by one reaper thread. A connection over the limit
takes the slot of the longest idle one, or of a head that has been trickling for `head_grace`; failing
that it waits up to `queue_wait` for a slot, then is answered 503 SlowDown."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

IDLE, HEAD, BUSY = "idle", "head", "busy"


@dataclass(frozen=True)
class ConnectionLimits:
    max_connections: int = 128
    idle_timeout: float = 60.0  # keep-alive: how long a connection may wait for its next request
    head_timeout: float = 30.0  # from a request's first byte to the end of its head
    head_grace: float = 2.0  # a head older than this may lose its slot to a new connection when full
    io_timeout: float = 120.0  # any one read or write while a body moves
    queue_wait: float = 1.0  # how long a new connection waits for a slot when none can be freed


class _Conn:
    __slots__ = ("sock", "state", "since", "expired")

    def __init__(self, sock: socket.socket):
        self.sock, self.state, self.since, self.expired = sock, IDLE, time.monotonic(), False


class ConnectionGuard:
    """The server's live connections, their states (idle / reading a head / busy) and deadlines."""

    def __init__(self, limits: ConnectionLimits):
        self.limits = limits
        self._conns: dict[socket.socket, _Conn] = {}
        self._cond = threading.Condition()
        self._stopped = False
        self._reaper = threading.Thread(target=self._reap, name="ossh-reaper", daemon=True)
        self._reaper.start()

    def __len__(self) -> int:
        return len(self._conns)

    def admit(self, sock: socket.socket) -> bool:
        """Take a slot for a new connection; False (after at most queue_wait) when none is to be had."""
        deadline = time.monotonic() + self.limits.queue_wait
        with self._cond:
            while len(self._conns) >= self.limits.max_connections and not self._evict():
                left = deadline - time.monotonic()
                if left <= 0 or self._stopped:
                    return False
                self._cond.wait(left)
            self._conns[sock] = _Conn(sock)
            return True

    def release(self, sock: socket.socket) -> None:
        with self._cond:
            if self._conns.pop(sock, None) is not None:
                self._cond.notify_all()

    def mark(self, sock: socket.socket, state: str) -> None:
        """The connection moves to `state` now: IDLE waits for a request, HEAD reads one, BUSY serves it."""
        with self._cond:
            conn = self._conns.get(sock)
            if conn is not None:
                conn.state, conn.since = state, time.monotonic()

    def expired(self, sock: socket.socket) -> bool:
        """Whether the reaper (or an eviction) cut this connection's reads."""
        conn = self._conns.get(sock)
        return conn is None or conn.expired

    def _evict(self) -> bool:
        """Free a slot by cutting the longest idle connection, or the oldest head past its grace."""
        now = time.monotonic()
        idle = [c for c in self._conns.values() if c.state == IDLE]
        slow = [c for c in self._conns.values() if c.state == HEAD and now - c.since > self.limits.head_grace]
        victims = idle or slow
        if not victims:
            return False
        self._cut(min(victims, key=lambda c: c.since))
        return True

    def _cut(self, conn: _Conn) -> None:
        """Wake the connection's thread from its read (it sees EOF, answers if it owes an answer, and ends);
        its slot is free from now on."""
        conn.expired = True
        del self._conns[conn.sock]
        try:
            conn.sock.shutdown(socket.SHUT_RD)
        except OSError:
            pass
        self._cond.notify_all()

    def _reap(self) -> None:
        step = max(0.05, min(0.5, self.limits.idle_timeout / 4, self.limits.head_timeout / 4))
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                for conn in list(self._conns.values()):
                    timeout = {IDLE: self.limits.idle_timeout, HEAD: self.limits.head_timeout}.get(conn.state)
                    if timeout is not None and now - conn.since > timeout:
                        self._cut(conn)
                self._cond.wait(step)

    def close_all(self) -> None:
        """Wake every connection (server shutdown): blocked reads return, threads end."""
        with self._cond:
            self._stopped = True
            for conn in list(self._conns.values()):
                try:
                    conn.sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
            self._cond.notify_all()
