"""What sync does once it decided: uploads, downloads and server-side copies (each able to stop at its next
block when the sync is stopping), and the deletions, carried out from the spool after the walks."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator

from ...protocol import MAX_DELETE_BATCH
from ..cancel import Cancelled
from ..crc import crc64
from ..errors import LocalFileError, OssError
from ..localpath import target, writable_target
from ..models import ObjectMeta
from .hashcache import Hashes, identity
from .model import Action, LocalFile, OssPrefix, RemoteObject, plain_md5

SMALL_FILE = 4 << 20  # read whole: hashed (CRC-64 and MD5) and sent from one read


class Acting:
    """Mixed into Syncer; relies on its client, transfers (a TransferManager), sides, options, cache, lock and
    counters."""

    def _transfer(self, s) -> int:
        with self._lock:
            self._total += s.size or 0
        if self.verb == "upload":
            return self._upload(s)
        if self.verb == "download":
            return self._download(s)
        self.transfers.copy(
            self.src.bucket, s.key, self.dst.bucket, self.dst.key(s.rel), size=s.size, progress=self._progress_for()
        )
        return s.size

    def _upload(self, local: LocalFile) -> int:
        key, progress = self.dst.key(local.rel), self._progress_for()
        if local.size <= min(SMALL_FILE, self.options.multipart_threshold):
            try:
                with open(local.path, "rb") as f:
                    before = os.fstat(f.fileno())
                    data = f.read()
                    after = os.fstat(f.fileno())
            except OSError as exc:
                raise LocalFileError(f"cannot read {local.path}: {exc.strerror or exc}") from None
            md5 = hashlib.md5(data).hexdigest()
            result = self.client.put_object(self.dst.bucket, key, data, progress=progress)
            if identity(before) == identity(after) and len(data) == after.st_size:
                # the client checked the server's CRC-64 against the bytes it sent: it is these bytes'
                crc = result.crc64 if result.crc64 is not None else crc64(data)
                self.cache.put(local.path, after, Hashes(crc, md5))
            return len(data)
        before = os.stat(local.path)
        result = self.transfers.upload_file(self.dst.bucket, key, local.path, progress=progress)
        after = os.stat(local.path)
        if identity(before) == identity(after) and result.crc64 is not None:
            self.cache.put(local.path, after, Hashes(result.crc64))
        return after.st_size

    def _download(self, obj: RemoteObject) -> int:
        path = target(self.dst.path, obj.rel)  # as the local walk names it: the hash cache's key
        meta: ObjectMeta = self.transfers.download_file(
            self.src.bucket,
            obj.key,
            writable_target(self.dst.path, obj.rel),
            size=obj.size,
            progress=self._progress_for(),
        )
        when = meta.last_modified or obj.last_modified
        if when is not None:  # as aws s3 sync: the file carries the object's time
            ns = int(when.timestamp()) * 1_000_000_000
            os.utime(path, ns=(ns, ns))
        st = os.stat(path)
        if meta.crc64 is not None:
            self.cache.put(path, st, Hashes(meta.crc64, plain_md5(meta.etag, meta.object_type)))
        return st.st_size

    def _check_stop(self) -> None:
        if self.stop.is_set():
            raise Cancelled()

    def _progress_for(self) -> Callable[[int, int | None], None]:
        """A per-transfer callback adding to the whole sync's bytes done, and the point where a running
        transfer notices that the sync is stopping."""
        last = 0

        def update(sent: int, _total) -> None:
            nonlocal last
            self._check_stop()
            with self._lock:
                self._done += sent - last
                last = sent
                done, total = self._done, self._total
            if self.progress is not None:
                self.progress(done, max(done, total))

        return update

    def _file_done(self) -> None:
        with self._lock:
            self._files_done += 1
            done, total = self._done, self._total
        if self.progress is not None:
            self.progress(done, max(done, total))

    # ------------------------------------------------------------------ deleting

    def _deletes(self, spool) -> Iterator[Action]:
        if not self.options.delete:
            return
        if self._incomplete:
            yield self._counted(
                Action(
                    "note",
                    dst=self.dst.show(),
                    reason="nothing deleted: a listing failed, so the source was not seen whole",
                )
            )
            return
        spool.seek(0)
        batch: list[tuple[str, int]] = []
        for line in spool:
            batch.append(tuple(json.loads(line)))
            if len(batch) == MAX_DELETE_BATCH:
                yield from self._delete_batch(batch)
                batch = []
        if batch:
            yield from self._delete_batch(batch)

    def _delete_batch(self, batch: list[tuple[str, int]]) -> Iterator[Action]:
        if self.stop.is_set():
            return
        if self.options.dry_run:
            for rel, size in batch:
                yield self._counted(Action("delete", dst=self.dst.show(rel), size=size))
            return
        if isinstance(self.dst, OssPrefix):
            try:
                deleted = set(self.client.delete_objects(self.dst.bucket, [self.dst.key(rel) for rel, _ in batch]))
                failure = "the server did not report it deleted"
            except OssError as exc:
                deleted, failure = set(), reason_of(exc)
            for rel, size in batch:
                ok = self.dst.key(rel) in deleted
                yield self._counted(
                    Action(
                        "delete" if ok else "failed",
                        dst=self.dst.show(rel),
                        size=size,
                        reason="" if ok else failure,
                        op="delete",
                    )
                )
            return
        for rel, size in batch:
            path = self.dst.show(rel)
            try:
                os.unlink(path)
                _prune_empty(self.dst.path, os.path.dirname(path))
                yield self._counted(Action("delete", dst=path, size=size))
            except OSError as exc:
                yield self._counted(Action("failed", dst=path, size=size, reason=exc.strerror or str(exc), op="delete"))


def _prune_empty(root: str, directory: str) -> None:
    """Remove the directories a deletion left empty, up to (not including) the root, as rsync --delete."""
    root = os.path.abspath(root)
    directory = os.path.abspath(directory)
    while directory != root and directory.startswith(root + os.sep):
        try:
            os.rmdir(directory)
        except OSError:
            return
        directory = os.path.dirname(directory)


def reason_of(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
