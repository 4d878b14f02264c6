"""The one multipart engine behind every transfer: part sizes, a pool that pulls the next part only when
fewer than `threads` are in flight, progress summed over threads, and an upload that ends completed (with
its combined CRC-64 checked, a mismatching object removed) or aborted."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import TypeVar

from ..protocol import MAX_PARTS, MIN_PART_SIZE
from . import cancel
from .api_multipart import combined_crc
from .body import Progress
from .errors import ClientError, IntegrityError, NoSuchUpload, OssError
from .headers import check_crc
from .models import CompleteResult, PartResult
from .transfer_config import DEFAULT_PART_SIZE

T = TypeVar("T")
STOP_GRACE = 1.0  # seconds the parts in flight get to stop at their next chunk once a transfer fails or stops


def choose_part_size(size: int, wanted: int | None = None) -> int:
    """`wanted` (or the default), raised so `size` bytes fit in 10,000 parts and to the 100 KiB minimum."""
    part = max(wanted or DEFAULT_PART_SIZE, MIN_PART_SIZE, -(-size // MAX_PARTS))
    if -(-size // part) > MAX_PARTS:
        raise ClientError(f"{size} bytes do not fit in {MAX_PARTS} parts")
    return part


def part_jobs(indices: Iterable[int], done: dict[int, T], run: Callable[[int], T]) -> Iterator[Callable[[], T]]:
    """One job per part: the result `done` records (a resumed transfer) handed back as is, else run(index)."""
    return ((lambda r=done[i]: r) if i in done else (lambda i=i: run(i)) for i in indices)


def check_threads(threads: int) -> int:
    if int(threads) < 1:
        raise ClientError(f"threads must be at least 1, not {threads}")
    return int(threads)


class SharedProgress:
    """Sums the progress of parts moving in several threads into one callback."""

    def __init__(self, total: int | None, callback: Progress | None, done: int = 0):
        self.total = total
        self.done = done
        self._callback = callback
        self._lock = threading.Lock()

    def for_part(self) -> Progress | None:
        """A per-part callback (bytes of this part so far); None when nobody listens."""
        if self._callback is None:
            return None
        last = 0

        def update(sent: int, _total) -> None:
            nonlocal last
            with self._lock:
                self.done += sent - last  # a retried part restarts at 0: the sum goes back with it
                last = sent
                self._callback(self.done, self.total)

        return update

    def add(self, n: int) -> None:
        """Count n bytes moved at once (a part copied on the server)."""
        if self._callback is not None:
            with self._lock:
                self.done += n
                self._callback(self.done, self.total)


def run_bounded(jobs: Iterable[Callable[[], T]], threads: int, name: str) -> list[T]:
    """Each job called on a pool; the next job is taken from `jobs` only once fewer than `threads` run, so
    jobs that carry their data (parts of a stream) keep at most `threads` parts in memory. Results come in
    job order. The first failure (or Ctrl-C in the caller) is raised once what has not started is dropped
    and the jobs in flight stopped: their bodies end at the next chunk (cancel.check), given at most
    STOP_GRACE seconds before the caller goes on without them."""
    results: dict[int, T] = {}
    running: dict[Future, int] = {}
    pool = cancel.Pool(check_threads(threads), name)

    def collect(done) -> None:
        for future in done:
            results[running.pop(future)] = future.result()

    try:
        for index, job in enumerate(_lazily(jobs, running, threads, collect)):
            running[pool.submit(job)] = index
        while running:
            collect(wait(running, return_when=FIRST_COMPLETED)[0])
    except BaseException:
        pool.stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        wait(running, timeout=STOP_GRACE)
        raise
    pool.shutdown(wait=True)
    return [results[i] for i in range(len(results))]


def _lazily(jobs: Iterable, running: dict, threads: int, collect) -> Iterable:
    """The jobs, each pulled only once a slot is free (finished jobs collected while waiting)."""
    it = iter(jobs)
    while True:
        while len(running) >= threads:
            collect(wait(running, return_when=FIRST_COMPLETED)[0])
        try:
            yield next(it)
        except StopIteration:
            return


def run_upload(
    client,
    bucket: str,
    key: str,
    upload_id: str,
    jobs: Iterable[Callable[[], PartResult]],
    threads: int,
    keep_on_failure: bool = False,
    verify: bool = True,
) -> CompleteResult:
    """Parts on the bounded pool, then CompleteMultipartUpload, through `client` (an OssClient). Any failure
    before Complete, Ctrl-C included, aborts the upload unless `keep_on_failure` (resumable uploads); with
    `verify`, an object whose CRC-64 is not what its parts combine to is removed once published (see
    verify_published)."""
    try:
        parts = run_bounded(jobs, threads, f"ossh-{key[:16]}")
        try:
            result = client.multipart.complete_unverified(bucket, key, upload_id, parts)
        except NoSuchUpload as gone:
            result = _completed_before(client, bucket, key, parts, gone)
    except BaseException:
        if not keep_on_failure:
            abort_quietly(client, bucket, key, upload_id)
        raise
    if verify:
        verify_published(client, bucket, key, result, combined_crc(parts), f"complete {key}")
    return result


def _completed_before(client, bucket: str, key: str, parts: list[PartResult], gone: NoSuchUpload) -> CompleteResult:
    """A Complete whose answer was lost on the way is retried and finds its upload gone (NoSuchUpload):
    it is a success when the object now holds exactly the bytes of `parts` (size and combined CRC-64
    agree), else the NoSuchUpload stands."""
    expected = combined_crc(parts)
    try:
        meta = client.head_object(bucket, key) if expected is not None else None
    except OssError:
        meta = None
    if meta is None or meta.crc64 != expected or meta.size != sum(p.size for p in parts):
        raise gone
    return CompleteResult(meta.etag, meta.crc64, None, meta.request_id)


def verify_published(client, bucket: str, key: str, result: CompleteResult, expected: int | None, what: str) -> None:
    """IntegrityError when the object a Complete just published does not have the `expected` CRC-64.
    The upload is gone by then, so the bad object itself is deleted first, unless HEAD shows another
    ETag than Complete returned: another writer replaced it since, and theirs is kept."""
    try:
        check_crc(expected, result.crc64, what, result.request_id)
    except IntegrityError:
        try:
            if result.etag is None or client.head_object(bucket, key).etag == result.etag:
                client.delete_object(bucket, key)
        except OssError:  # the integrity failure is what the caller needs to see
            pass
        raise


def abort_quietly(client, bucket: str, key: str, upload_id: str) -> None:
    try:
        client.abort_multipart_upload(bucket, key, upload_id)
    except OssError:  # the original failure is what the caller needs to see
        pass
