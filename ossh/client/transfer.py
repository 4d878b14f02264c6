"""TransferManager: transfers of any size between local files or streams and OSS, and server-side copies,
driven by a TransferConfig and built on a client's single-request operations (as s3transfer's
`TransferManager(client, config)`).

Uploads go as one PUT up to the threshold, else as parallel parts read from the file (resumable with a
checkpoint) or from a stream of unknown length (at most `concurrency` parts in memory); copies as CopyObject
up to its 1 GB limit, parallel UploadPartCopy above; all of them on the one multipart engine (parts.py).
Downloads go as one streamed GET, or parallel ranged GETs pinned to the ETag (download.py), into a temporary
file beside the target (tempfiles.py), renamed into place only once complete and its CRC-64 verified."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator

from . import cancel
from .body import Progress, as_reader, file_slice
from .checkpoint import UploadCheckpoint
from .download import copy_range, fetch_parts, resume_download
from .errors import LocalFileError, NoSuchUpload
from .headers import check_crc
from .models import CopyResult, ObjectMeta, PartResult, PutResult
from .parts import (
    SharedProgress,
    abort_quietly,
    check_threads,
    choose_part_size,
    part_jobs,
    run_upload,
    verify_published,
)
from .tempfiles import sweep, temp_beside
from .transfer_config import DEFAULT_PART_SIZE, TransferConfig

COPY_LIMIT = 1 << 30  # CopyObject's largest source; bigger objects are copied part by part
COPY_PART_SIZE = 256 << 20
STREAM_GROWTH = 1000  # a stream's part size doubles every 1,000 parts: 10,000 parts hold ~32 TB


class TransferManager:
    """`TransferManager(client, config)`: upload_file, upload_stream, copy, download_file, get_object_to_file.
    Every request goes through `client`'s public operations (put_object, upload_part, get_object...), besides
    `client.multipart.complete_unverified` (the engine checks the CRC-64 itself) and `client.transport.retry`
    (how often a broken body is continued): `client` is an OssClient, or something that forwards to one. An
    argument given to a call (threshold, part_size, threads, checkpoint_dir) overrides the config's for that
    call; None takes the config's."""

    def __init__(self, client, config: TransferConfig | None = None):
        if config is not None and not isinstance(config, TransferConfig):
            raise TypeError(f"config must be a TransferConfig, not {type(config).__name__}")
        self._client = client
        self.config = config or TransferConfig()

    def _threads(self, threads: int | None) -> int:
        return self.config.concurrency if threads is None else check_threads(threads)

    def _checkpoints(self, checkpoint_dir):
        return self.config.checkpoint_dir if checkpoint_dir is None else checkpoint_dir

    # ---------------------------------------------------------------- uploads

    def upload_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike,
        part_size: int | None = None,
        threshold: int | None = None,
        threads: int | None = None,
        progress: Progress | None = None,
        content_type: str | None = None,
        metadata: dict | None = None,
        acl: str | None = None,
        checkpoint_dir: str | os.PathLike | None = None,
        storage_class: str | None = None,
    ) -> PutResult:
        """One PUT up to `threshold`, else a parallel multipart upload. Without `checkpoint_dir` a failed
        multipart upload is aborted; with it, the upload is kept and a later call with the same file and
        directory sends only the parts still missing."""
        client, path = self._client, os.fspath(path)
        threads, checkpoint_dir = self._threads(threads), self._checkpoints(checkpoint_dir)
        threshold = self.config.threshold if threshold is None else threshold
        try:
            size = os.path.getsize(path)
            if size <= threshold:
                with open(path, "rb") as f:
                    return client.put_object(
                        bucket,
                        key,
                        f,
                        content_type=content_type,
                        metadata=metadata,
                        acl=acl,
                        storage_class=storage_class,
                        progress=progress,
                    )
        except OSError as exc:
            raise LocalFileError(f"cannot read {path}: {exc.strerror or exc}") from None
        part = choose_part_size(size, part_size or self.config.part_size)
        ckpt = UploadCheckpoint(checkpoint_dir, bucket, key, path, part) if checkpoint_dir else None
        upload_id, done = ckpt.load() if ckpt else (None, {})
        if upload_id:
            upload_id, done = self._still_uploaded(bucket, key, upload_id, done)
        if not upload_id:
            upload_id = client.init_multipart_upload(
                bucket, key, content_type=content_type, metadata=metadata, acl=acl, storage_class=storage_class
            )
        if ckpt:
            ckpt.start(upload_id, done)
        shared = SharedProgress(size, progress, done=sum(p.size for p in done.values()))

        def send(number: int) -> PartResult:
            offset = (number - 1) * part
            body = file_slice(path, offset, min(part, size - offset), shared.for_part())
            result = client.upload_part(bucket, key, upload_id, number, body)
            if ckpt:
                ckpt.record(result)
            return result

        count = -(-size // part)
        jobs = part_jobs(range(1, count + 1), done, send)
        try:
            result = run_upload(
                client,
                bucket,
                key,
                upload_id,
                jobs,
                threads,
                keep_on_failure=ckpt is not None,
                verify=self.config.verify_crc,
            )
        except (KeyboardInterrupt, cancel.Cancelled):
            if ckpt:
                kept = cancel.Kept("upload", bucket, key, path, *ckpt.recorded(), count, size, upload_id=upload_id)
                cancel.keep_or_drop(kept, lambda: (abort_quietly(client, bucket, key, upload_id), ckpt.remove()))
            raise
        if ckpt:
            ckpt.remove()
        return PutResult(result.etag, result.crc64, result.request_id, result.version_id)

    def _still_uploaded(self, bucket, key, upload_id, done) -> tuple[str | None, dict[int, PartResult]]:
        """The recorded parts the server still holds unchanged (none, and no id, if the upload is gone)."""
        try:
            listed = {p.part_number: p for p in self._client.iter_parts(bucket, key, upload_id)}
        except NoSuchUpload:
            return None, {}
        return upload_id, {
            n: p for n, p in done.items() if n in listed and listed[n].etag == p.etag and listed[n].size == p.size
        }

    def upload_stream(
        self,
        bucket: str,
        key: str,
        stream,
        part_size: int | None = None,
        threads: int | None = None,
        progress: Progress | None = None,
        content_type: str | None = None,
        metadata: dict | None = None,
        acl: str | None = None,
        multipart: bool = False,
        storage_class: str | None = None,
    ) -> PutResult:
        """Upload a binary stream (file-like or iterable of bytes) of unknown length. Less than one part
        (and not `multipart`) goes as one PUT; otherwise parts are read one at a time and sent `threads` at
        once, so memory stays near threads x part_size. Any failure, Ctrl-C included, aborts the upload."""
        client = self._client
        part = choose_part_size(0, part_size or self.config.part_size)
        threads = self._threads(threads)
        reader = as_reader(stream)
        first = _read_part(reader, part)
        if len(first) < part and not multipart:
            return client.put_object(
                bucket,
                key,
                first,
                content_type=content_type,
                metadata=metadata,
                acl=acl,
                storage_class=storage_class,
                progress=progress,
            )
        upload_id = client.init_multipart_upload(
            bucket, key, content_type=content_type, metadata=metadata, acl=acl, storage_class=storage_class
        )
        shared = SharedProgress(None, progress)

        def jobs(body: bytes) -> Iterator[Callable[[], PartResult]]:
            number = 1
            while True:
                yield lambda n=number, b=body: client.upload_part(
                    bucket, key, upload_id, n, b, progress=shared.for_part()
                )
                if len(body) < part << ((number - 1) // STREAM_GROWTH):
                    return  # a short read is the end of the stream
                body = _read_part(reader, part << (number // STREAM_GROWTH))
                number += 1
                if not body:
                    return

        parts = jobs(first)
        del first  # only the jobs in flight hold parts of the stream
        result = run_upload(client, bucket, key, upload_id, parts, threads, verify=self.config.verify_crc)
        return PutResult(result.etag, result.crc64, result.request_id)

    # ---------------------------------------------------------------- server-side copies

    def copy(
        self,
        src_bucket: str,
        src_key: str,
        dst_bucket: str,
        dst_key: str,
        metadata: dict | None = None,
        content_type: str | None = None,
        acl: str | None = None,
        part_size: int | None = None,
        threads: int | None = None,
        threshold: int | None = None,
        progress: Progress | None = None,
        size: int | None = None,
        storage_class: str | None = None,
    ) -> CopyResult:
        """Server-side copy of any size: CopyObject up to `threshold` (at most CopyObject's 1 GB limit, which
        None means), parallel UploadPartCopy above it, keeping the source's content type and metadata unless
        new ones are given (as CopyObject's COPY/REPLACE directive does). The copy's CRC-64 must equal the
        source's. `size`, the source's size when the caller already knows it (a listing), saves a HEAD below
        the limit. Parts are COPY_PART_SIZE unless `part_size` says otherwise (the config's is for transfers
        that move the bytes)."""
        client, threads = self._client, self._threads(threads)
        limit = COPY_LIMIT if threshold is None else min(threshold, COPY_LIMIT)
        src = client.head_object(src_bucket, src_key) if size is None or size > limit else None
        if src is None or src.size is None or src.size <= limit:
            result = client.copy_object(
                src_bucket,
                src_key,
                dst_bucket,
                dst_key,
                metadata=metadata,
                content_type=content_type,
                acl=acl,
                storage_class=storage_class,
            )
            moved = size if src is None else src.size
            if progress and moved is not None:
                progress(moved, moved)
            return result
        if metadata is None and content_type is None:
            content_type, metadata = src.content_type, dict(src.metadata or {})
        size, part = src.size, choose_part_size(src.size, part_size or COPY_PART_SIZE)
        upload_id = client.init_multipart_upload(
            dst_bucket, dst_key, content_type=content_type, metadata=metadata, acl=acl, storage_class=storage_class
        )
        shared = SharedProgress(size, progress)

        def copy_part(number: int, start: int) -> PartResult:
            # Pinned to the source's ETag: a source overwritten mid-copy fails the part (412), and the
            # upload is aborted instead of completing a mix of two versions.
            result = client.upload_part_copy(
                dst_bucket,
                dst_key,
                upload_id,
                number,
                src_bucket,
                src_key,
                (start, min(start + part, size) - 1),
                source_if_match=src.etag,
            )
            shared.add(result.size)
            return result

        jobs = (lambda n=n, s=start: copy_part(n, s) for n, start in enumerate(range(0, size, part), start=1))
        done = run_upload(client, dst_bucket, dst_key, upload_id, jobs, threads, verify=self.config.verify_crc)
        if self.config.verify_crc:  # never leave a copy that is not the source
            verify_published(client, dst_bucket, dst_key, done, src.crc64, f"copy {src_key} to {dst_key}")
        return CopyResult(done.etag, done.crc64, None)

    # ---------------------------------------------------------------- downloads

    def get_object_to_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike,
        byte_range=None,
        progress: Progress | None = None,
        version_id: str | None = None,
        size: int | None = None,
    ) -> ObjectMeta:
        """Streams the object (or a range) into a temporary file beside `path`, renamed into place only
        after the last byte arrived and the CRC-64 matched. A whole object whose body is cut is continued
        from the byte reached (pinned to the ETag the first answer gave); leftovers of killed downloads of
        `path` are removed first. `size`, the object's size when known (a listing, a HEAD), bounds a body
        that declares no length of its own."""
        sweep(path)
        with temp_beside(path) as (fd, _):
            with os.fdopen(fd, "wb", closefd=False) as out:
                reader = self._client.get_object(bucket, key, byte_range=byte_range, version_id=version_id)
                if not self.config.verify_crc:
                    reader.unverified()
                meta = reader.meta
                if meta.size is None and byte_range is None and size is not None:
                    meta = dataclasses.replace(meta, size=size)  # an endless body stops at the object's end
                if byte_range is not None or meta.etag is None or meta.size is None:
                    with reader:  # nothing to pin a continuation to: one stream, whole or failed
                        for chunk in reader.iter_chunks():
                            cancel.check()
                            out.write(chunk)
                            if progress:
                                progress(reader.bytes_read, meta.size)
                    return meta
                crc, _ = copy_range(
                    self._client, bucket, key, meta.etag, out, 0, meta.size, progress, reader, version_id
                )
                if self.config.verify_crc:
                    check_crc(crc, meta.crc64, f"get {key}", meta.request_id)
                return meta

    def download_file(
        self,
        bucket: str,
        key: str,
        path: str | os.PathLike,
        progress: Progress | None = None,
        threads: int | None = None,
        part_size: int | None = None,
        threshold: int | None = None,
        checkpoint_dir: str | os.PathLike | None = None,
        size: int | None = None,
        meta: ObjectMeta | None = None,
        version_id: str | None = None,
    ) -> ObjectMeta:
        """Above `threshold`, parallel ranged GETs (pinned to the object's ETag) write into one temporary
        file; their CRCs, combined in order, must equal the object's before it is renamed into place.
        Without `checkpoint_dir` a failed download leaves nothing; with it (ranged even on one thread), the
        temporary file and a record of its finished parts are kept, and a later call for the same object
        version (ETag and size) fetches only the missing parts. A changed object starts over.
        `meta` (the object's head_object answer) or `size` (its size from a listing), when the caller knows
        them, save the HEAD that otherwise decides: a single GET needs neither ETag nor CRC beforehand (its
        own headers carry the CRC), so a known size at or below the threshold goes straight to it."""
        config = self.config
        threads = config.concurrency if threads is None else threads
        threshold = config.threshold if threshold is None else threshold
        checkpoint_dir = self._checkpoints(checkpoint_dir)
        part = part_size or config.part_size or DEFAULT_PART_SIZE

        def ranged(known: int | None) -> bool:
            return known is not None and known > threshold and (threads > 1 or checkpoint_dir is not None)

        if meta is None and (size is None or ranged(size)):
            meta = self._client.head_object(bucket, key, version_id=version_id)
        if meta is None or not ranged(meta.size):
            known = meta.size if meta is not None else size
            return self.get_object_to_file(bucket, key, path, progress=progress, version_id=version_id, size=known)
        if checkpoint_dir is not None:
            return resume_download(
                self._client,
                bucket,
                key,
                os.fspath(path),
                meta,
                part,
                threads,
                progress,
                checkpoint_dir,
                config.verify_crc,
                version_id,
            )
        sweep(path)
        with temp_beside(path) as (fd, tmp):
            os.ftruncate(fd, meta.size)
            fetch_parts(
                self._client,
                bucket,
                key,
                meta,
                tmp,
                part,
                {},
                threads,
                progress,
                verify=config.verify_crc,
                version_id=version_id,
            )
        return meta


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
