"""Downloads to local files: one streamed GET, or parallel ranged GETs pinned to the ETag (resumable with
a checkpoint); either way into a temporary file beside the target, renamed into place only once complete and
its CRC-64 verified.

Broken connections cost only what they cut: a body that stops mid-stream is continued with a Range from the
byte reached, pinned to the ETag with If-Match (see _copy_range). Each part's CRC-64 is recorded as it arrives;
a resumed download first reads its earlier parts back against those records and fetches again only the ones
changed on disk. OSS gives one CRC for the whole object, never one per range, so when the parts combined do
not match it, no part can be blamed (each is as it arrived: the object changed under its ETag or bytes were
damaged on the way): the download is discarded with an error that says so, and the next one starts over.

A temporary file is held under an exclusive flock while its download runs, so a later download of the same
target can tell a live one from the leftover of a killed one and removes only the leftovers (_sweep)."""
from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterator

try:
    import fcntl
except ImportError:                 # no flock (Windows): leftovers are not swept
    fcntl = None

from ..protocol import H_RANGE_BEHAVIOR
from .body import Progress
from .checkpoint import DownloadCheckpoint
from .crc import Crc64
from .errors import IntegrityError, LocalFileError, TransportError
from .headers import check_crc
from .models import ObjectMeta
from .parts import DEFAULT_PART_SIZE, SharedProgress, part_jobs, run_bounded

DEFAULT_THRESHOLD = 64 << 20
TEMP_SUFFIX = ".ossh-part"
MAX_RESUMES = 50        # continuations of one body at most, however much each one moved


class DownloadOps:
    """Mixed into OssClient; builds on get_object and head_object."""

    def get_object_to_file(self, bucket: str, key: str, path: str | os.PathLike, byte_range=None,
                           progress: Progress | None = None) -> ObjectMeta:
        """Streams the object (or a range) into a temporary file beside `path`, renamed into place only
        after the last byte arrived and the CRC-64 matched. A whole object whose body is cut is continued
        from the byte reached (pinned to the ETag the first answer gave); leftovers of killed downloads of
        `path` are removed first."""
        _sweep(path)
        with _temp_beside(path) as (fd, _):
            with os.fdopen(fd, "wb", closefd=False) as out:
                reader = self.get_object(bucket, key, byte_range=byte_range)
                meta = reader.meta
                if byte_range is not None or meta.etag is None or meta.size is None:
                    with reader:    # nothing to pin a continuation to: one stream, whole or failed
                        for chunk in reader.iter_chunks():
                            out.write(chunk)
                            if progress:
                                progress(reader.bytes_read, meta.size)
                    return meta
                crc, _ = self._copy_range(bucket, key, meta.etag, out, 0, meta.size, progress, reader)
                check_crc(crc, meta.crc64, f"get {key}", meta.request_id)
                return meta

    def _copy_range(self, bucket: str, key: str, etag: str, out, offset: int, length: int,
                    progress: Progress | None, reader=None) -> tuple[int, int]:
        """`length` bytes of the object from `offset` written to `out` (a binary file) at the same offset;
        returns their (CRC-64, length). `reader`, when given, is an answer already streaming from `offset`.
        A body that breaks off is continued by a ranged GET from the byte reached, pinned to `etag` (a
        changed object answers 412, never a mix of versions): up to the client's max_retries bodies in a
        row broken without a new byte, MAX_RESUMES in all. A continuation request that fails even after
        the transport's own retries ends the copy."""
        crc = Crc64()
        stalls = resumes = 0
        while True:
            if reader is None:      # the transport retries this request; if it still fails, so does the copy
                reader = self.get_object(bucket, key, byte_range=(offset + crc.length, offset + length - 1),
                                         if_match=etag, headers={H_RANGE_BEHAVIOR: "standard"})
                _check_continuation(reader.meta, offset + crc.length, key)
            before = crc.length
            try:
                out.seek(offset + crc.length)
                with reader:
                    for chunk in reader.iter_chunks():
                        chunk = chunk[:length - crc.length]    # never past the range, whatever is sent
                        out.write(chunk)
                        crc.update(chunk)
                        if progress:
                            progress(crc.length, length)
                        if crc.length == length:
                            break
                if crc.length == length:
                    return crc.value, crc.length
                why = "the body ended early"
            except TransportError as exc:
                why = exc.message
            reader = None
            stalls = 0 if crc.length > before else stalls + 1
            resumes += 1
            if stalls > self.transport.retry.max_retries or resumes > MAX_RESUMES:
                raise TransportError(f"get {key}: gave up at byte {offset + crc.length} of "
                                     f"{offset}-{offset + length - 1} after {resumes} broken answers ({why})",
                                     code="IncompleteBody") from None
            time.sleep(self.transport.retry.delay(stalls))

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
        _sweep(path)
        with _temp_beside(path) as (fd, tmp):
            os.ftruncate(fd, meta.size)
            self._fetch_parts(bucket, key, meta, tmp, part_size or DEFAULT_PART_SIZE, {}, threads, progress)
        return meta

    def _resume_download(self, bucket: str, key: str, path: str, meta: ObjectMeta, part_size: int | None,
                         threads: int, progress: Progress | None, checkpoint_dir) -> ObjectMeta:
        """download_file with a checkpoint: the recorded temporary file and parts reused when they belong
        to this object version, else a fresh start (removing the stale temporary file)."""
        try:
            ckpt = DownloadCheckpoint(checkpoint_dir, bucket, key, path, meta.etag, meta.size)
            tmp, part, done = ckpt.load()
            fd = _claim(tmp, path) if tmp is not None and _holds(tmp, path, meta.size) else None
            if fd is None:
                _discard(ckpt.previous_temp(), path)
                fd, tmp = _create_beside(path, os.path.dirname(os.path.abspath(path)))
                part, done = part_size or DEFAULT_PART_SIZE, {}
            try:
                os.ftruncate(fd, meta.size)
                _sweep(path, keep=tmp)
                done = _still_on_disk(tmp, part, meta.size, done)
                ckpt.start(tmp, part, done)
                try:
                    self._fetch_parts(bucket, key, meta, tmp, part, done, threads, progress, ckpt)
                except IntegrityError:      # every part as received, yet wrong: not worth resuming
                    _unlink(tmp)
                    ckpt.remove()
                    raise
                os.replace(tmp, path)
            finally:
                os.close(fd)
            ckpt.remove()
        except OSError as exc:
            raise _local_error(path, exc) from None
        return meta

    def _fetch_parts(self, bucket: str, key: str, meta: ObjectMeta, tmp: str, part: int,
                     done: dict[int, tuple[int, int]], threads: int, progress: Progress | None,
                     ckpt: DownloadCheckpoint | None = None) -> None:
        """Ranged GETs (pinned to the ETag) of the parts not in `done` ({index: (crc64, length)}) written
        into `tmp`, each recorded in `ckpt` once on disk; IntegrityError unless their CRC-64s, combined in
        order, equal the object's. (Parts of an earlier run were read back against their records before
        this, so every CRC here is of bytes as they arrived: a mismatch cannot be pinned on one part.)"""
        size = meta.size
        shared = SharedProgress(size, progress, done=sum(length for _, length in done.values()))

        def fetch(index: int) -> tuple[int, int]:
            offset = index * part
            with open(tmp, "r+b") as out:
                value, length = self._copy_range(bucket, key, meta.etag, out, offset, min(part, size - offset),
                                                 shared.for_part())
            if ckpt is not None:
                ckpt.record(index, value, length)
            return value, length

        parts = run_bounded(part_jobs(range(-(-size // part)), done, fetch), threads, "ossh-download")
        try:
            check_crc(_combined(parts), meta.crc64, f"get {key}", meta.request_id)
        except IntegrityError as exc:
            raise IntegrityError(f"{exc.message}: every part is as it arrived, so the object changed under its "
                                 "ETag or its bytes were damaged on the way; the partial download is discarded",
                                 code=exc.code, request_id=exc.request_id) from None


def _combined(parts: list[tuple[int, int]]) -> int:
    """The CRC-64 of parts [(crc64, length)] laid end to end."""
    whole = Crc64()
    for value, length in parts:
        whole.combine(value, length)
    return whole.value


def _check_continuation(meta: ObjectMeta, start: int, key: str) -> None:
    """A continuation must be the range asked for (206 from `start`), not the whole object again."""
    found = re.fullmatch(r"bytes (\d+)-\d+/\d+", meta.headers.get("Content-Range", "").strip())
    if not found or int(found.group(1)) != start:
        raise TransportError(f"get {key}: the server did not continue the body at byte {start}",
                             code="RangeIgnored")


def _crc_on_disk(tmp: str, offset: int, length: int) -> tuple[int, int]:
    """(CRC-64, length) of up to `length` bytes of `tmp` from `offset`, read back from disk."""
    crc = Crc64()
    with open(tmp, "rb") as f:
        f.seek(offset)
        while crc.length < length and (chunk := f.read(min(length - crc.length, 1 << 20))):
            crc.update(chunk)
    return crc.value, crc.length


def _still_on_disk(tmp: str, part: int, size: int, done: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """The recorded parts whose bytes in `tmp` still have the recorded length and CRC-64: a part changed on
    disk since it was recorded is fetched again rather than trusted (reading it back costs far less)."""
    return {index: (value, length) for index, (value, length) in done.items()
            if 0 <= index * part < size and length == min(part, size - index * part)
            and _crc_on_disk(tmp, index * part, length) == (value, length)}


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


def _claim(tmp: str, path: str) -> int | None:
    """An open, flocked descriptor of the recorded temporary file `tmp`, or None when it is gone. A live
    download holding it is another ossh writing the same target at the same time: refused."""
    try:
        fd = os.open(tmp, os.O_RDWR | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    if not _lock(fd, wait=False):
        os.close(fd)
        raise LocalFileError(f"cannot write {path}: another download to it is running")
    return fd


def _lock(fd: int, wait: bool = True) -> bool:
    """An exclusive flock on `fd` (held until it is closed, or the process dies); False when another
    process holds it and `wait` is False."""
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        return True
    except BlockingIOError:
        return False
    except OSError:             # a file system without flock: treat the file as ours
        return True


def _sweep(path: str | os.PathLike, keep: str | None = None) -> None:
    """Remove the temporary files of earlier downloads of `path` whose writer is gone (killed, crashed):
    those no process holds a flock on. `keep` (a recorded, resumable one) stays."""
    if fcntl is None:
        return
    path = os.path.abspath(os.fspath(path))
    directory, base = os.path.split(path)
    pattern = re.compile(re.escape(f".{base}.") + r"[0-9a-f]{8}" + re.escape(TEMP_SUFFIX))
    for name in list(_leftovers(directory)):
        tmp = os.path.join(directory, name)
        if not pattern.fullmatch(name) or (keep is not None and os.path.abspath(keep) == tmp):
            continue
        try:
            fd = os.open(tmp, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            _leftovers(directory).discard(name)
            continue
        try:
            if stat.S_ISREG(os.fstat(fd).st_mode) and _lock(fd, wait=False):
                _unlink(tmp)
                _leftovers(directory).discard(name)
        finally:
            os.close(fd)


_listed: dict[str, tuple[float, set[str]]] = {}
_listed_lock = threading.Lock()
LISTING_TTL = 30.0


def _leftovers(directory: str) -> set[str]:
    """Names of possible temporary files in `directory`, from a listing kept LISTING_TTL seconds: a `get -r`
    of thousands of files into one directory lists it once in a while, not once per file (leftovers come
    from processes that ended before, so a slightly old listing still holds them)."""
    now = time.monotonic()
    with _listed_lock:
        when, names = _listed.get(directory, (0.0, None))
        if names is None or now - when > LISTING_TTL:
            try:
                names = {n for n in os.listdir(directory) if n.startswith(".") and n.endswith(TEMP_SUFFIX)}
            except OSError:
                names = set()
            if len(_listed) > 64:
                _listed.clear()
            _listed[directory] = (now, names)
        return names


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
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise LocalFileError(f"cannot write {path}: {_refusal(directory, exc)}") from None
        _lock(fd)
        if os.fstat(fd).st_nlink:
            break
        os.close(fd)    # swept between its creation and the lock: make another
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
