"""Downloads to local files: one streamed GET, or parallel ranged GETs pinned to the ETag; either way
into a temporary file beside the target, renamed into place only once complete and its CRC-64 verified."""
from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from typing import Iterator

from .body import Progress
from .crc import Crc64
from .errors import IntegrityError, LocalFileError
from .headers import check_crc
from .models import ObjectMeta
from .parts import DEFAULT_PART_SIZE, SharedProgress, run_bounded

DEFAULT_THRESHOLD = 64 << 20


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
                      threads: int = 4, part_size: int | None = None,
                      threshold: int = DEFAULT_THRESHOLD) -> ObjectMeta:
        """Above `threshold`, parallel ranged GETs (pinned to the object's ETag) write into one temporary
        file; their CRCs, combined in order, must equal the object's before it is renamed into place."""
        meta = self.head_object(bucket, key)
        if meta.size is None or meta.size <= threshold or threads <= 1:
            return self.get_object_to_file(bucket, key, path, progress=progress)
        size, part = meta.size, part_size or DEFAULT_PART_SIZE
        shared = SharedProgress(size, progress)

        def ranged(tmp: str, offset: int) -> tuple[int, int]:
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

        with _temp_beside(path) as (fd, tmp):
            os.ftruncate(fd, size)
            whole = Crc64()
            jobs = (lambda off=off: ranged(tmp, off) for off in range(0, size, part))
            for value, length in run_bounded(jobs, threads, "ossh-download"):
                whole.combine(value, length)
            check_crc(whole.value, meta.crc64, f"get {key}", meta.request_id)
        return meta


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
            raise LocalFileError(f"cannot write {path}: {exc.strerror or exc}") from None
        raise


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
        tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(4)}.ossh-part")
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
