"""x-oss-traffic-limit: one request's body paced to the asked rate (bit/s), uploads and downloads alike.

The pace is kept by sleeping until the bytes moved so far are due at that rate, in slices of a tenth of a
second's worth, so a limited request never bursts far ahead of its rate and never falls behind it either.
"""

from __future__ import annotations

import time

from ossh.protocol import H_TRAFFIC_LIMIT

from .message import Request

MIN_SLICE = 8 << 10


def limit_of(req: Request) -> int | None:
    """The request's traffic limit in bit/s (header, or presigned URL parameter), range-checked before."""
    raw = req.header(H_TRAFFIC_LIMIT) or req.params.get(H_TRAFFIC_LIMIT)
    return int(raw) if raw else None


class Pace:
    """Bytes moved against the time they are due at a rate."""

    def __init__(self, bits_per_second: int, clock=time.monotonic, sleep=time.sleep):
        self.rate = bits_per_second / 8
        self.slice = max(MIN_SLICE, int(self.rate / 10))
        self.clock, self.sleep = clock, sleep
        self.start = clock()
        self.moved = 0

    def account(self, n: int) -> None:
        """`n` more bytes moved: wait until they are due."""
        self.moved += n
        delay = self.start + self.moved / self.rate - self.clock()
        if delay > 0:
            self.sleep(delay)

    def readinto(self, readinto):
        """A readinto that takes at most a slice at a time, at the pace."""

        def paced(view: memoryview) -> int:
            n = readinto(view[: self.slice])
            self.account(n)
            return n

        return paced


class PacedBody:
    """A held object body whose segments go out a slice at a time, at the pace (sendfile each slice)."""

    def __init__(self, held, pace: Pace):
        self.held, self.pace = held, pace

    def segments(self, offset: int, length: int):
        for f, start, count in self.held.segments(offset, length):
            while count > 0:
                n = min(count, self.pace.slice)
                yield f, start, n
                self.pace.account(n)
                start, count = start + n, count - n

    def close(self) -> None:
        self.held.close()


def paced_readinto(req: Request):
    """The request body's readinto, paced when the request asks for a traffic limit."""
    limit = limit_of(req)
    return Pace(limit).readinto(req.body.readinto) if limit else req.body.readinto


def paced_stream(req: Request, held):
    limit = limit_of(req)
    return PacedBody(held, Pace(limit)) if limit else held
