"""Uploads and server-side copies of any size: upload_file (one PUT, or parallel parts read from the file,
resumable with a checkpoint), upload_stream (a stream of unknown length, at most `threads` parts in memory)
and copy (CopyObject up to its 1 GB limit, parallel UploadPartCopy above), all on the one multipart engine."""
from __future__ import annotations

import os
from typing import Callable, Iterator

from .body import Progress, as_reader, file_slice
from .checkpoint import UploadCheckpoint
from .errors import LocalFileError, NoSuchUpload
from .models import CopyResult, PartResult, PutResult
from .parts import SharedProgress, check_threads, choose_part_size, part_jobs

DEFAULT_THRESHOLD = 64 << 20
COPY_LIMIT = 1 << 30        # CopyObject's largest source; bigger objects are copied part by part
COPY_PART_SIZE = 256 << 20
STREAM_GROWTH = 1000        # a stream's part size doubles every 1,000 parts: 10,000 parts hold ~32 TB


class TransferOps:
    """Mixed into OssClient; builds on its object and multipart operations and the parts engine."""

    def upload_file(self, bucket: str, key: str, path: str | os.PathLike, part_size: int | None = None,
                    threshold: int = DEFAULT_THRESHOLD, threads: int = 4, progress: Progress | None = None,
                    content_type: str | None = None, metadata: dict | None = None, acl: str | None = None,
                    checkpoint_dir: str | os.PathLike | None = None, storage_class: str | None = None) -> PutResult:
        """One PUT up to `threshold`, else a parallel multipart upload. Without `checkpoint_dir` a failed
        multipart upload is aborted; with it, the upload is kept and a later call with the same file and
        directory sends only the parts still missing."""
        path = os.fspath(path)
        check_threads(threads)
        try:
            size = os.path.getsize(path)
            if size <= threshold:
                with open(path, "rb") as f:
                    return self.put_object(bucket, key, f, content_type=content_type, metadata=metadata,
                                           acl=acl, storage_class=storage_class, progress=progress)
        except OSError as exc:
            raise LocalFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        part = choose_part_size(size, part_size)
        ckpt = UploadCheckpoint(checkpoint_dir, bucket, key, path, part) if checkpoint_dir else None
        upload_id, done = ckpt.load() if ckpt else (None, {})
        if upload_id:
            upload_id, done = self._still_uploaded(bucket, key, upload_id, done)
        if not upload_id:
            upload_id = self.init_multipart_upload(bucket, key, content_type=content_type, metadata=metadata,
                                                   acl=acl, storage_class=storage_class)
        if ckpt:
            ckpt.start(upload_id, done)
        shared = SharedProgress(size, progress, done=sum(p.size for p in done.values()))

        def send(number: int) -> PartResult:
            offset = (number - 1) * part
            body = file_slice(path, offset, min(part, size - offset), shared.for_part())
            result = self.upload_part(bucket, key, upload_id, number, body)
            if ckpt:
                ckpt.record(result)
            return result

        jobs = part_jobs(range(1, -(-size // part) + 1), done, send)
        result = self._run_upload(bucket, key, upload_id, jobs, threads, keep_on_failure=ckpt is not None)
        if ckpt:
            ckpt.remove()
        return PutResult(result.etag, result.crc64, result.request_id)

    def _still_uploaded(self, bucket, key, upload_id, done) -> tuple[str | None, dict[int, PartResult]]:
        """The recorded parts the server still holds unchanged (none, and no id, if the upload is gone)."""
        try:
            listed = {p.part_number: p for p in self.iter_parts(bucket, key, upload_id)}
        except NoSuchUpload:
            return None, {}
        return upload_id, {n: p for n, p in done.items()
                           if n in listed and listed[n].etag == p.etag and listed[n].size == p.size}

    def upload_stream(self, bucket: str, key: str, stream, part_size: int | None = None, threads: int = 4,
                      progress: Progress | None = None, content_type: str | None = None,
                      metadata: dict | None = None, acl: str | None = None, multipart: bool = False,
                      storage_class: str | None = None) -> PutResult:
        """Upload a binary stream (file-like or iterable of bytes) of unknown length. Less than one part
        (and not `multipart`) goes as one PUT; otherwise parts are read one at a time and sent `threads` at
        once, so memory stays near threads x part_size. Any failure, Ctrl-C included, aborts the upload."""
        part = choose_part_size(0, part_size)
        check_threads(threads)
        reader = as_reader(stream)
        first = _read_part(reader, part)
        if len(first) < part and not multipart:
            return self.put_object(bucket, key, first, content_type=content_type, metadata=metadata, acl=acl,
                                   storage_class=storage_class, progress=progress)
        upload_id = self.init_multipart_upload(bucket, key, content_type=content_type, metadata=metadata, acl=acl,
                                               storage_class=storage_class)
        shared = SharedProgress(None, progress)

        def jobs(body: bytes) -> Iterator[Callable[[], PartResult]]:
            number = 1
            while True:
                yield lambda n=number, b=body: self.upload_part(bucket, key, upload_id, n, b,
                                                                progress=shared.for_part())
                if len(body) < part << ((number - 1) // STREAM_GROWTH):
                    return      # a short read is the end of the stream
                body = _read_part(reader, part << (number // STREAM_GROWTH))
                number += 1
                if not body:
                    return

        parts = jobs(first)
        del first               # only the jobs in flight hold parts of the stream
        result = self._run_upload(bucket, key, upload_id, parts, threads)
        return PutResult(result.etag, result.crc64, result.request_id)

    def copy(self, src_bucket: str, src_key: str, dst_bucket: str, dst_key: str, metadata: dict | None = None,
             content_type: str | None = None, acl: str | None = None, part_size: int | None = None,
             threads: int = 4, threshold: int | None = None, progress: Progress | None = None,
             size: int | None = None, storage_class: str | None = None) -> CopyResult:
        """Server-side copy of any size: CopyObject up to `threshold` (at most CopyObject's 1 GB limit),
        parallel UploadPartCopy above it, keeping the source's content type and metadata unless new ones
        are given (as CopyObject's COPY/REPLACE directive does). The copy's CRC-64 must equal the source's.
        `size`, the source's size when the caller already knows it (a listing), saves a HEAD below the limit."""
        check_threads(threads)
        limit = COPY_LIMIT if threshold is None else min(threshold, COPY_LIMIT)
        src = self.head_object(src_bucket, src_key) if size is None or size > limit else None
        if src is None or src.size is None or src.size <= limit:
            result = self.copy_object(src_bucket, src_key, dst_bucket, dst_key, metadata=metadata,
                                      content_type=content_type, acl=acl, storage_class=storage_class)
            moved = size if src is None else src.size
            if progress and moved is not None:
                progress(moved, moved)
            return result
        if metadata is None and content_type is None:
            content_type, metadata = src.content_type, dict(src.metadata or {})
        size, part = src.size, choose_part_size(src.size, part_size or COPY_PART_SIZE)
        upload_id = self.init_multipart_upload(dst_bucket, dst_key, content_type=content_type, metadata=metadata,
                                               acl=acl, storage_class=storage_class)
        shared = SharedProgress(size, progress)

        def copy_part(number: int, start: int) -> PartResult:
            # Pinned to the source's ETag: a source overwritten mid-copy fails the part (412), and the
            # upload is aborted instead of completing a mix of two versions.
            result = self.upload_part_copy(dst_bucket, dst_key, upload_id, number, src_bucket, src_key,
                                           (start, min(start + part, size) - 1), source_if_match=src.etag)
            shared.add(result.size)
            return result

        jobs = (lambda n=n, s=start: copy_part(n, s) for n, start in enumerate(range(0, size, part), start=1))
        done = self._run_upload(dst_bucket, dst_key, upload_id, jobs, threads)
        # never leave a copy that is not the source
        self._verify_published(dst_bucket, dst_key, done, src.crc64, f"copy {src_key} to {dst_key}")
        return CopyResult(done.etag, done.crc64, None)


def _read_part(reader, size: int) -> bytes:
    """Up to size bytes (fewer only at the end of the stream: pipes return short reads)."""
    chunks, left = [], size
    try:
        while left and (chunk := reader.read(left)):
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as exc:
        raise LocalFileError(f"reading the input failed: {exc.strerror or exc}") from None
    return b"".join(chunks)
