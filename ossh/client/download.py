"""Downloads to local files: one streamed GET, or parallel ranged GETs pinned to the ETag (resumable with
a checkpoint); either way into a temporary file beside the target, renamed into place only once complete and
its CRC-64 verified."""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from typing import Iterator

from .body import Progress
from .checkpoint import DownloadCheckpoint
from .crc import Crc64
from .errors import IntegrityError, LocalFileError
from .headers import check_crc
from .models import ObjectMeta
from .parts import DEFAULT_PART_SIZE, SharedProgress, part_jobs, run_bounded

DEFAULT_THRESHOLD = 64 << 20
TEMP_SUFFIX = ".ossh-part"


class DownloadOps:
    """Mixed into OssClient; builds on get_object and head_object."""

    def get_object_to_file(self, bucket: str, key: str, path: str | os.PathLike, byte_range=None,
                           progress: Progress | None = None) -> ObjectMeta:
        """Streams the object (or a range) into a temporary file beside `path`, renamed into place only
        after the last byte arrived and the CRC-64 matched."""
        with _temp_beside(path) as (fd, _):
            with os.fdopen(fd, "wb", closefd=False) as out, self.get_object(
                    bucket, key, byte_range=byte_range, progress=progress) as reader:
                for chunk in reader.iter_chunks():
                    out.write(chunk)
                return reader.meta

    def download_file(self, bucket: str, key: str, path: str | os.PathLike, progress: Progress | None = None,
                      threads: int = 4, part_size: int | None = None, threshold: int = DEFAULT_THRESHOLD,
                      checkpoint_dir: str | os.PathLike | None = None, size: int | None = None,
                      meta: ObjectMeta | None = None) -> ObjectMeta:
        """Above `threshold`, parallel ranged GETs (pinned to the object's ETag) write into one temporary
        file; their CRCs, combined in order, must equal the object's before it is renamed into place.
        Without `checkpoint_dir` a failed download leaves nothing; with it (ranged even on one thread), the
        temporary file and a record of its finished parts are kept, and a later call for the same object
        version (ETag and size) fetches only the missing parts. A changed object starts over.
        `meta` (the object's head_object answer) or `size` (its size from a listing), when the caller knows
        them, save the HEAD that otherwise decides: a single GET needs neither ETag nor CRC beforehand (its
        own headers carry the CRC), so a known size at or below the threshold goes straight to it."""
        def ranged(known: int | None) -> bool:
            return known is not None and known > threshold and (threads > 1 or checkpoint_dir is not None)

        if meta is None and (size is None or ranged(size)):
            meta = self.head_object(bucket, key)
        if meta is None or not ranged(meta.size):
            return self.get_object_to_file(bucket, key, path, progress=progress)
        if checkpoint_dir is not None:
            return self._resume_download(bucket, key, os.fspath(path), meta, part_size, threads, progress,
                                         checkpoint_dir)
        with _temp_beside(path) as (fd, tmp):
            os.ftruncate(fd, meta.size)
            crc = self._fetch_parts(bucket, key, meta, tmp, part_size or DEFAULT_PART_SIZE, {}, threads, progress)
            check_crc(crc, meta.crc64, f"get {key}", meta.request_id)
        return meta

    def _resume_download(self, bucket: str, key: str, path: str, meta: ObjectMeta, part_size: int | None,
                         threads: int, progress: Progress | None, checkpoint_dir) -> ObjectMeta:
        """download_file with a checkpoint: the recorded temporary file and parts reused when they belong
        to this object version, else a fresh start (removing the stale temporary file)."""
        try:
            ckpt = DownloadCheckpoint(checkpoint_dir, bucket, key, path, meta.etag, meta.size)
            tmp, part, done = ckpt.load()
            if tmp is None or not _holds(tmp, path, meta.size):
                _discard(ckpt.previous_temp(), path)
                fd, tmp = _create_beside(path, os.path.dirname(os.path.abspath(path)))
                try:
                    os.ftruncate(fd, meta.size)
                finally:
                    os.close(fd)
                part, done = part_size or DEFAULT_PART_SIZE, {}
            done = _still_on_disk(tmp, part, meta.size, done)
            ckpt.start(tmp, part, done)
            crc = self._fetch_parts(bucket, key, meta, tmp, part, done, threads, progress, ckpt)
            try:
                check_crc(crc, meta.crc64, f"get {key}", meta.request_id)
            except IntegrityError:      # parts recorded wrongly: the attempt is not worth resuming
                _unlink(tmp)
                ckpt.remove()
                raise
            os.replace(tmp, path)
            ckpt.remove()
        except OSError as exc:
            raise _local_error(path, exc) from None
        return meta

    def _fetch_parts(self, bucket: str, key: str, meta: ObjectMeta, tmp: str, part: int,
                     done: dict[int, tuple[int, int]], threads: int, progress: Progress | None,
                     ckpt: DownloadCheckpoint | None = None) -> int:
        """Ranged GETs (pinned to the ETag) of the parts not in `done` ({index: (crc64, length)}) written
        into `tmp`, each recorded in `ckpt` once on disk; returns the CRC-64 of all parts combined in order."""
        size = meta.size
        shared = SharedProgress(size, progress, done=sum(length for _, length in done.values()))

        def fetch(index: int) -> tuple[int, int]:
            offset = index * part
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
            if ckpt is not None:
                ckpt.record(index, crc.value, crc.length)
            return crc.value, crc.length

        jobs = part_jobs(range(-(-size // part)), done, fetch)
        whole = Crc64()
        for value, length in run_bounded(jobs, threads, "ossh-download"):
            whole.combine(value, length)
        return whole.value


def _still_on_disk(tmp: str, part: int, size: int, done: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """The recorded parts whose bytes in `tmp` still have the recorded length and CRC-64: a part changed on
    disk since it was recorded is fetched again rather than trusted (reading it back costs far less)."""
    kept = {}
    for index, (value, length) in done.items():
        offset = index * part
        if 0 <= offset < size and length == min(part, size - offset):
            crc = Crc64()
            with open(tmp, "rb") as f:
                f.seek(offset)
                while crc.length < length and (chunk := f.read(min(length - crc.length, 1 << 20))):
                    crc.update(chunk)
            if crc.value == value and crc.length == length:
                kept[index] = (value, length)
    return kept


def _holds(tmp: str, path: str, size: int) -> bool:
    """Whether a recorded temporary file is still ours and still the object's size (so its parts can stay)."""
    try:
        return _ours(tmp, path) and os.path.isfile(tmp) and os.path.getsize(tmp) == size
    except OSError:
        return False


def _ours(tmp: str, path: str) -> bool:
    """Whether `tmp` is named as _create_beside names temporary files for `path` (a record is never trusted
    to point anywhere else)."""
    path = os.path.abspath(path)
    return (os.path.dirname(os.path.abspath(tmp)) == os.path.dirname(path)
            and os.path.basename(tmp).startswith(f".{os.path.basename(path)}.") and tmp.endswith(TEMP_SUFFIX))


def _discard(tmp: str | None, path: str) -> None:
    """Remove the temporary file of an abandoned download of `path`."""
    if tmp and _ours(tmp, path):
        _unlink(tmp)


@contextlib.contextmanager
def _temp_beside(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """A new file in the target's directory (so the final rename stays on one filesystem), renamed
    to `path` when the block ends normally and removed when it fails. Local I/O failures (disk full,
    permissions) become LocalFileError."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = _create_beside(path, directory)
    try:
        try:
            yield fd, tmp
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        _unlink(tmp)
        if isinstance(exc, OSError):
            raise _local_error(path, exc) from None
        raise


def _local_error(path: str, exc: OSError) -> LocalFileError:
    return LocalFileError(f"cannot write {path}: {exc.strerror or exc}")


def check_target(path: str | os.PathLike) -> None:
    """Raise LocalFileError naming why `path` cannot be written (its directory missing or not a directory,
    the path itself a directory, no permission, a file system that takes no new files), so a caller can
    refuse a download before fetching a byte or drawing a progress bar."""
    path = os.fspath(path)
    fd, tmp = _create_beside(path, os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    _unlink(tmp)


def _create_beside(path: str, directory: str) -> tuple[int, str]:
    """A new temporary file in `directory` with the mode the final file should have: the replaced file's,
    or 0o666 less the umask (the kernel applies it) as any program creating `path` would get. Failures are
    LocalFileErrors that name the real problem."""
    if os.path.isdir(path):
        raise LocalFileError(f"cannot write {path}: it is a directory")
    if not os.path.isdir(directory):
        problem = "is not a directory" if os.path.exists(directory) else "no such directory"
        raise LocalFileError(f"cannot write {path}: {directory}: {problem}")
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    while True:
        tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
            break
        except FileExistsError:
            continue
        except OSError as exc:
            raise LocalFileError(f"cannot write {path}: {_refusal(directory, exc)}") from None
    if mode is not None:
        try:
            os.fchmod(fd, mode)
        except OSError:
            os.close(fd)
            _unlink(tmp)
            raise
    return fd, tmp


def _refusal(directory: str, exc: OSError) -> str:
    """Why creating a file in an existing directory failed, in words that point at the cause."""
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"no permission to create files in {directory}"
    if exc.errno == errno.EROFS:
        return f"{directory} is on a read-only file system"
    if exc.errno == errno.ENOSPC:
        return f"no space left in {directory}"
    return f"{directory} does not accept new files ({exc.strerror or exc})"


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
