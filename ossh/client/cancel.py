"""Stopping transfers under way: the stop events of the pools a job runs under, checked by request bodies and
download loops between chunks, so that parts in flight end within one chunk once their caller stops (Ctrl-C,
a failed part); and Interrupted, the KeyboardInterrupt of a transfer that says what it kept for resuming."""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

# the stop events of every pool the current job runs under (a sync's, then its transfer's parts')
_stops: contextvars.ContextVar[tuple[threading.Event, ...]] = contextvars.ContextVar("ossh_stops", default=())


class Cancelled(BaseException):
    """Raised inside a job once its transfer is stopping: not an error to retry or to report (a
    BaseException, so that no `except Exception` on the way takes it for a failure of the request)."""


def check() -> None:
    """Raise Cancelled when a pool the current job runs under is stopping."""
    for stop in _stops.get():
        if stop.is_set():
            raise Cancelled()


def submit(pool: ThreadPoolExecutor, stop: threading.Event, job) -> Future:
    """pool.submit(job), the job seeing `stop` (and the stops of its submitter's pools) through check()."""
    context = contextvars.copy_context()
    context.run(_stops.set, (*_stops.get(), stop))
    return pool.submit(context.run, job)


@dataclass(frozen=True)
class Kept:
    """What an interrupted transfer left for the same transfer to resume: the parts done (and their bytes)
    of all, and where they are (a multipart upload's id, or a download's temporary file)."""

    direction: str  # "upload" or "download"
    bucket: str
    key: str
    local: str
    parts_done: int
    bytes_done: int
    parts: int
    size: int
    upload_id: str | None = None
    temp: str | None = None


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during transfers that kept their finished parts for resuming (`kept` says which, one Kept for
    each transfer)."""

    def __init__(self, kept: list[Kept]):
        super().__init__(kept)
        self.kept = list(kept)


def keep_or_drop(kept: Kept, drop: Callable[[], object]) -> None:
    """In the handler of a stopped transfer: raise Interrupted when it finished parts worth resuming, else
    drop() what it started (nothing to resume from) and return, for the caller to raise what stopped it."""
    if kept.parts_done:
        raise Interrupted([kept]) from None
    drop()
