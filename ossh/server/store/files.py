"""Files of the store: private creation (directories 0700, files 0600, whatever the umask, which is
process-wide and so never touched), directory syncs, and disk errors as the client should see them."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path

from .space import storage_error


@contextmanager
def no_space_errors():
    """A full or read-only disk becomes StorageFull (507, not retried) instead of an internal error."""
    try:
        yield
    except OSError as exc:
        full = storage_error(exc)
        if full is None:
            raise
        raise full from exc


def private_dir(path: Path) -> bool:
    """Create a directory 0700 (parents as usual), or take group and other permissions off an existing one;
    True when it was created."""
    try:
        path.mkdir(mode=0o700, parents=True)
        made = True
    except FileExistsError:
        made = False
    mode = path.stat().st_mode
    if mode & 0o077:
        path.chmod(mode & 0o700)
    return made


def fsync_dir(path) -> None:
    """Make a directory's entries (a rename, a link, a new directory) durable."""
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def private_file(path: Path) -> None:
    """Create `path` 0600 if missing, and take group and other permissions off it if present."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        mode = os.fstat(fd).st_mode
        if mode & 0o077:
            os.fchmod(fd, mode & 0o700)
    finally:
        os.close(fd)
