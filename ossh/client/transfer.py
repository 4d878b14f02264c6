"""File transfers: upload_file (one PUT, or parallel multipart with combined CRC-64 above a threshold) and
downloads written to a temporary file in the target directory, renamed only once complete and verified."""
from __future__ import annotations

import os
import tempfile
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait

from .api_multipart import MAX_PARTS
from .body import Progress, file_slice
from .checkpoint import UploadCheckpoint
from .crc import Crc64
from .errors import ClientError, IntegrityError, NoSuchUpload, OssError
from .headers import check_crc
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
                    content_type: str | None = None, metadata: dict | None = None, acl: str | None = None,
                    checkpoint_dir: str | os.PathLike | None = None) -> PutResult:
        """One PUT up to `threshold`, else a parallel multipart upload. Without `checkpoint_dir` a failed
        multipart upload is aborted; with it, the upload is kept and a later call with the same file and
        directory sends only the parts still missing."""
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
        ckpt = UploadCheckpoint(checkpoint_dir, bucket, key, path, part) if checkpoint_dir else None
        upload_id, done = ckpt.load() if ckpt else (None, {})
        if upload_id:
            upload_id, done = self._still_uploaded(bucket, key, upload_id, done)
        if not upload_id:
            upload_id = self.init_multipart_upload(bucket, key, content_type=content_type, metadata=metadata,
                                                   acl=acl)
        if ckpt:
            ckpt.start(upload_id, done)
        try:
            parts = self._upload_parts(bucket, key, upload_id, path, size, part, threads, progress, done, ckpt)
            result = self.complete_multipart_upload(bucket, key, upload_id, parts)
        except BaseException:
            if ckpt is None:
                self._abort_quietly(bucket, key, upload_id)
            raise
        if ckpt:
            ckpt.remove()
        return PutResult(result.etag, result.crc64)

    def _still_uploaded(self, bucket, key, upload_id, done) -> tuple[str | None, dict[int, PartResult]]:
        """The recorded parts the server still holds unchanged (none, and no id, if the upload is gone)."""
        try:
            listed = {p.part_number: p for p in self.iter_parts(bucket, key, upload_id)}
        except NoSuchUpload:
            return None, {}
        return upload_id, {n: p for n, p in done.items()
                           if n in listed and listed[n].etag == p.etag and listed[n].size == p.size}

    def _upload_parts(self, bucket, key, upload_id, path, size, part, threads, progress, done,
                      ckpt) -> list[PartResult]:
        shared = _SharedProgress(size, progress)
        shared.done = sum(p.size for p in done.values())

        def one(number: int, offset: int) -> PartResult:
            if number in done:
                return done[number]
            body = file_slice(path, offset, min(part, size - offset), shared.for_part())
            result = self.upload_part(bucket, key, upload_id, number, body)
            if ckpt:
                ckpt.record(result)
            return result

        return _parallel(one, list(enumerate(range(0, size, part), start=1)), threads, "ossh-upload")

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
        fd, tmp = _temp_beside(path)
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

    def download_file(self, bucket: str, key: str, path: str | os.PathLike, progress: Progress | None = None,
                      threads: int = 4, part_size: int | None = None,
                      threshold: int = DEFAULT_THRESHOLD) -> ObjectMeta:
        """Above `threshold`, parallel ranged GETs (pinned to the object's ETag) write into one temporary
        file; their CRCs, combined in order, must equal the object's before it is renamed into place."""
        meta = self.head_object(bucket, key)
        if meta.size is None or meta.size <= threshold or threads <= 1:
            return self.get_object_to_file(bucket, key, path, progress=progress)
        path = os.fspath(path)
        size, part = meta.size, part_size or DEFAULT_PART_SIZE
        shared = _SharedProgress(size, progress)
        fd, tmp = _temp_beside(path)

        def one(offset: int) -> tuple[int, int]:
            crc = Crc64()
            with open(tmp, "r+b") as out, self.get_object(
                    bucket, key, byte_range=(offset, min(offset + part, size) - 1), if_match=meta.etag,
                    headers={"x-oss-range-behavior": "standard"}, progress=shared.for_part()) as reader:
                out.seek(offset)
                for chunk in reader.iter_chunks():
                    out.write(chunk)
                    crc.update(chunk)
            if crc.length != min(part, size - offset):
                raise IntegrityError(f"get {key}: range at {offset} came back short", code="IncompleteBody")
            return crc.value, crc.length

        try:
            try:
                os.ftruncate(fd, size)
            finally:
                os.close(fd)
            whole = Crc64()
            for value, length in _parallel(one, [(off,) for off in range(0, size, part)], threads, "ossh-download"):
                whole.combine(value, length)
            check_crc(whole.value, meta.crc64, f"get {key}", meta.request_id)
            os.replace(tmp, path)
        except BaseException:
            _unlink(tmp)
            raise
        return meta


def _parallel(fn, calls: list[tuple], threads: int, name: str) -> list:
    """fn(*args) for each tuple on a thread pool; results in order; the first failure cancels the rest."""
    with ThreadPoolExecutor(max(1, threads), thread_name_prefix=name) as pool:
        futures = [pool.submit(fn, *args) for args in calls]
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        if any(f.exception() for f in finished):
            for f in futures:
                f.cancel()
        return [f.result() for f in futures]


def _temp_beside(path: str) -> tuple[int, str]:
    """A new private file in the target's directory, so the final rename stays on one filesystem."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        return tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".ossh-part", dir=directory)
    except OSError as exc:
        raise ClientError(f"cannot write in {directory}: {exc.strerror}") from None


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
