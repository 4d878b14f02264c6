"""Temporary files beside a download's target: created with the target's mode and held under an exclusive
flock while their download runs, renamed into place only when complete, and swept up once their writer is gone
(so a later download of the same target tells a live one from the leftover of a killed one)."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Iterator

try:
    import fcntl
except ImportError:  # no flock (Windows): leftovers are not swept
    fcntl = None

from .errors import LocalFileError

TEMP_SUFFIX = ".ossh-part"
_NAME_MAX = 255  # bytes per file name
_TEMP_RE = re.compile(r"\..*\.[0-9a-f]{8}" + re.escape(TEMP_SUFFIX), re.DOTALL)
TEMP_OVERHEAD = len(f"..{'0' * 8}{TEMP_SUFFIX}")  # what a temporary file's name adds to its target's


def is_temp_name(name: str) -> bool:
    """Whether `name` is named as a temporary file (which sweep removes): no download may land there."""
    return bool(_TEMP_RE.fullmatch(name))


def _stem(path: str) -> str:
    """`.NAME.`, the start of the temporary files' names for `path`; for a name too long to take the
    additions (the longest names a file system holds), a shortened one made unique by a hash of it."""
    base = os.path.basename(path)
    raw = os.fsencode(base)
    if len(raw) + TEMP_OVERHEAD <= _NAME_MAX:
        return f".{base}."
    digest = hashlib.sha256(raw).hexdigest()[:16]
    cut = base[: _NAME_MAX - TEMP_OVERHEAD - len(digest) - 1]
    while len(os.fsencode(cut)) + TEMP_OVERHEAD + len(digest) + 1 > _NAME_MAX:  # whole characters only
        cut = cut[:-1]
    return f".{cut}~{digest}."


def holds(tmp: str, path: str, size: int) -> bool:
    """Whether a recorded temporary file is still ours and still the object's size (so its parts can stay)."""
    try:
        return _ours(tmp, path) and os.path.isfile(tmp) and os.path.getsize(tmp) == size
    except OSError:
        return False


def _ours(tmp: str, path: str) -> bool:
    """Whether `tmp` is named as create_beside names temporary files for `path` (a record is never trusted
    to point anywhere else)."""
    path = os.path.abspath(path)
    return (
        os.path.dirname(os.path.abspath(tmp)) == os.path.dirname(path)
        and os.path.basename(tmp).startswith(_stem(path))
        and tmp.endswith(TEMP_SUFFIX)
    )


def claim(tmp: str, path: str) -> int | None:
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
    except OSError:  # a file system without flock: treat the file as ours
        return True


def sweep(path: str | os.PathLike, keep: str | None = None) -> None:
    """Remove the temporary files of earlier downloads of `path` whose writer is gone (killed, crashed):
    those no process holds a flock on. `keep` (a recorded, resumable one) stays."""
    if fcntl is None:
        return
    path = os.path.abspath(os.fspath(path))
    directory, base = os.path.split(path)
    pattern = re.compile(re.escape(_stem(base)) + r"[0-9a-f]{8}" + re.escape(TEMP_SUFFIX))
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
                unlink(tmp)
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


def discard(tmp: str | None, path: str) -> None:
    """Remove the temporary file of an abandoned download of `path`."""
    if tmp and _ours(tmp, path):
        unlink(tmp)


@contextlib.contextmanager
def temp_beside(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """A new file in the target's directory (so the final rename stays on one filesystem), renamed
    to `path` when the block ends normally and removed when it fails. Local I/O failures (disk full,
    permissions) become LocalFileError."""
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = create_beside(path, directory)
    try:
        try:
            yield fd, tmp
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except BaseException as exc:
        unlink(tmp)
        if isinstance(exc, OSError):
            raise local_error(path, exc) from None
        raise


def local_error(path: str, exc: OSError) -> LocalFileError:
    return LocalFileError(f"cannot write {path}: {exc.strerror or exc}")


def check_target(path: str | os.PathLike) -> None:
    """Raise LocalFileError naming why `path` cannot be written (its directory missing or not a directory,
    the path itself a directory, no permission, a file system that takes no new files), so a caller can
    refuse a download before fetching a byte or drawing a progress bar."""
    path = os.fspath(path)
    fd, tmp = create_beside(path, os.path.dirname(os.path.abspath(path)))
    os.close(fd)
    unlink(tmp)


def create_beside(path: str, directory: str) -> tuple[int, str]:
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
        tmp = os.path.join(directory, f"{_stem(path)}{secrets.token_hex(4)}{TEMP_SUFFIX}")
        try:
            fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise LocalFileError(f"cannot write {path}: {_refusal(directory, exc)}") from None
        _lock(fd)
        if os.fstat(fd).st_nlink:
            break
        os.close(fd)  # swept between its creation and the lock: make another
    if mode is not None:
        try:
            os.fchmod(fd, mode)
        except OSError:
            os.close(fd)
            unlink(tmp)
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


def unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
