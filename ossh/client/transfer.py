"""File transfers: upload_file (one PUT, or parallel multipart with combined CRC-64 above a threshold) and
downloads written to a temporary file in the target directory, renamed only once complete and verified."""
from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from .api_multipart import MAX_PARTS
from .body import Progress, file_slice
from .errors import ClientError, OssError
from .models import ObjectMeta, PartResult, PutResult

MIN_PART_SIZE = 100 * 1024
DEFAULT_PART_SIZE = 32 << 20
DEFAULT_THRESHOLD = 64 << 20


def choose_part_size(size: int, wanted: int | None = None) -> int:
    """`wanted` (or the default), raised so the file fits in 10,000 parts and to the 100 KiB minimum."""
    part = max(wanted or DEFAULT_PART_SIZE, MIN_PART_SIZE, -(-size // MAX_PARTS))
    if -(-size // part) > MAX_PARTS:
        raise ClientError(f"{size} bytes do not fit in {MAX_PARTS} parts")
    return part


class _SharedProgress:
    """Sums the progress of parts moving in several threads into one callback."""

    def __init__(self, total: int, callback: Progress | None):
        self.total = total
        self.done = 0
        self._callback = callback
        self._lock = threading.Lock()

    def for_part(self) -> Progress | None:
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


class TransferOps:
    """Mixed into OssClient; builds on its object and multipart operations."""

    def upload_file(self, bucket: str, key: str, path: str | os.PathLike, part_size: int | None = None,
                    threshold: int = DEFAULT_THRESHOLD, threads: int = 4, progress: Progress | None = None,
                    content_type: str | None = None, metadata: dict | None = None,
                    acl: str | None = None) -> PutResult:
        path = os.fspath(path)
        try:
            size = os.path.getsize(path)
        except OSError as exc:
            raise ClientError(f"cannot read {path}: {exc.strerror}") from None
        if size <= threshold:
            with open(path, "rb") as f:
                return self.put_object(bucket, key, f, content_type=content_type, metadata=metadata, acl=acl,
                                       progress=progress)
        part = choose_part_size(size, part_size)
        upload_id = self.init_multipart_upload(bucket, key, content_type=content_type, metadata=metadata, acl=acl)
        try:
            parts = self._upload_parts(bucket, key, upload_id, path, size, part, threads,
                                       _SharedProgress(size, progress))
            done = self.complete_multipart_upload(bucket, key, upload_id, parts)
        except BaseException:
            self._abort_quietly(bucket, key, upload_id)
            raise
        return PutResult(done.etag, done.crc64)

    def _upload_parts(self, bucket, key, upload_id, path, size, part, threads, shared) -> list[PartResult]:
        def one(number: int, offset: int) -> PartResult:
            body = file_slice(path, offset, min(part, size - offset), shared.for_part())
            return self.upload_part(bucket, key, upload_id, number, body)

        with ThreadPoolExecutor(max(1, threads), thread_name_prefix="ossh-upload") as pool:
            futures = [pool.submit(one, n, off) for n, off in enumerate(range(0, size, part), start=1)]
            finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
            if any(f.exception() for f in finished):
                for f in futures:
                    f.cancel()
            return [f.result() for f in futures]

    def _abort_quietly(self, bucket: str, key: str, upload_id: str) -> None:
        try:
            self.abort_multipart_upload(bucket, key, upload_id)
        except OssError:  # the original failure is what the caller needs to see
            pass

    def get_object_to_file(self, bucket: str, key: str, path: str | os.PathLike, byte_range=None,
                           progress: Progress | None = None) -> ObjectMeta:
        """Streams the object (or a range) into a temporary file beside `path`, renamed into place only
        after the last byte arrived and the CRC-64 matched."""
        path = os.fspath(path)
        directory = os.path.dirname(os.path.abspath(path))
        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".ossh-part", dir=directory)
        except OSError as exc:
            raise ClientError(f"cannot write in {directory}: {exc.strerror}") from None
        try:
            with os.fdopen(fd, "wb") as out, self.get_object(bucket, key, byte_range=byte_range,
                                                             progress=progress) as reader:
                for chunk in reader.iter_chunks():
                    out.write(chunk)
                meta = reader.meta
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
        return meta

    def download_file(self, bucket: str, key: str, path: str | os.PathLike,
                      progress: Progress | None = None) -> ObjectMeta:
        return self.get_object_to_file(bucket, key, path, progress=progress)


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
