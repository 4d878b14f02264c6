"""Stopping transfers under way: the pool their jobs run on, whose stop event (and those of the pools its
submitter runs under) request bodies and download loops check between chunks, so that parts in flight end
within one chunk once their caller stops (Ctrl-C, a failed part); and Interrupted, the KeyboardInterrupt of
a transfer that says what it kept for resuming."""

from __future__ import annotations

import contextvars
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
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


class Pool:
    """Up to `threads` worker threads running submitted jobs, each job seeing `stop` (and the stops of the
    pools its submitter runs under) through check(). The workers are daemon threads: a job stuck in a
    socket after its transfer was given up (a server that stopped answering) keeps neither the command nor
    the process's exit waiting; a caller that wants the results waits for them."""

    def __init__(self, threads: int, name: str, stop: threading.Event | None = None):
        self.stop = stop or threading.Event()
        self._threads, self._name = threads, name
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._idle = threading.Semaphore(0)
        self._lock = threading.Lock()

    def submit(self, job: Callable) -> Future:
        future: Future = Future()
        context = contextvars.copy_context()
        context.run(_stops.set, (*_stops.get(), self.stop))
        self._queue.put((future, context, job))
        if self._idle.acquire(blocking=False):  # a worker between jobs takes it (as ThreadPoolExecutor does)
            return future
        with self._lock:
            if len(self._workers) < self._threads:
                worker = threading.Thread(target=self._work, name=f"{self._name}_{len(self._workers)}", daemon=True)
                self._workers.append(worker)
                worker.start()
        return future

    def _work(self) -> None:
        while (item := self._queue.get()) is not None:
            future, context, job = item
            if future.set_running_or_notify_cancel():
                try:
                    result = context.run(job)
                except BaseException as exc:  # Cancelled and Interrupted too: the submitter decides
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del item, future, context, job  # nothing of a finished job stays alive in an idle worker
            self._idle.release()

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        """No more jobs: the queued ones cancelled first if `cancel_futures`; with `wait`, until the running
        ones are done."""
        if cancel_futures:
            while True:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is not None:
                    item[0].cancel()
        with self._lock:
            workers = list(self._workers)
        for _ in workers:
            self._queue.put(None)
        if wait:
            for worker in workers:
                worker.join()


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
