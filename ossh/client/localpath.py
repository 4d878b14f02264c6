"""Where a downloaded key may be written: the one decision, for every command that writes local files.

A key is hostile input: `a/../b`, `..`, `/etc/passwd`, `a//b`, a NUL, a name longer than the file system
takes, or a key ending in `/` (a directory marker, not a file) cannot be written as-is under a directory,
and a symlink inside the destination must never carry a write outside it. Callers report such a key and
go on with the next one instead of guessing a name.
"""

from __future__ import annotations

import errno
import os

from .tempfiles import TEMP_OVERHEAD, is_temp_name

NAME_MAX = 255  # bytes per path component on Linux, macOS and Windows file systems
PATH_MAX = 4096


class UnsafeName(ValueError):
    """A key that cannot be a path under the destination; str() says why, as a clause after the key."""


def local_problem(rel: str) -> str | None:
    """Why `rel` (a key below the copied prefix) cannot be a file under a directory; None when it can."""
    if "\0" in rel:
        return "holds a NUL character"
    if rel.endswith("/"):
        return "ends in / (a directory marker, not a file)"
    if rel.startswith("/"):
        return "starts with / (an absolute path)"
    for part in rel.split("/"):
        if part == "":
            return "holds an empty path component (//)"
        if part in (".", ".."):
            return f"holds a {part!r} path component"
        if len(part.encode("utf-8", "surrogatepass")) > NAME_MAX:
            return f"has a name longer than {NAME_MAX} bytes"
    if is_temp_name(part):  # downloads sweep such files beside their targets
        return "is named as ossh's temporary files are"
    if os.sep != "/" and os.sep in rel or os.altsep and os.altsep != "/" and os.altsep in rel:
        return f"holds {os.sep!r}, a path separator here"
    return None


def target(root: str, rel: str) -> str:
    """The local path of `rel` under `root`, touching nothing; UnsafeName when the key cannot be one."""
    problem = local_problem(rel)
    if problem is None and len(os.fsencode(os.path.join(root, rel))) + TEMP_OVERHEAD >= PATH_MAX:
        problem = f"makes a path longer than {PATH_MAX} bytes"
    if problem:
        raise UnsafeName(f"the key cannot be a local file name: it {problem}")
    return os.path.join(root, *rel.split("/"))


def _under(real_root: str, path: str) -> bool:
    return os.path.commonpath([real_root, os.path.realpath(path)]) == real_root


def make_parents(root: str, rel: str) -> str:
    """Create the directories above `rel` under `root`, one at a time, refusing to go through a symlink
    that leads outside `root`; the directory that holds `rel`, with every symlink resolved."""
    if os.path.lexists(root) and not os.path.isdir(root):  # the destination itself is wrong: not one key
        raise NotADirectoryError(errno.ENOTDIR, "is not a directory", root)
    real_root = os.path.realpath(root)
    os.makedirs(root, exist_ok=True)
    current = root
    for part in rel.split("/")[:-1]:
        current = os.path.join(current, part)
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        if os.path.islink(current) and not _under(real_root, current):
            raise UnsafeName(f"{current} is a symlink that leads outside {root}")
        if not os.path.isdir(current):
            raise UnsafeName(f"{current} exists and is not a directory")
    parent = os.path.realpath(current)
    if not _under(real_root, parent):  # the root itself replaced meanwhile
        raise UnsafeName(f"{current} leads outside {root}")
    return parent


def writable_target(root: str, rel: str) -> str:
    """The path to download the key `rel` (relative to the copied prefix, or one name) to, under the
    directory `root`: a name the key can be (target), its directories made without leaving `root`, and not
    an existing symlink (whose replacement would silently drop the link) nor a directory. The directory
    part comes back resolved, so the temporary file beside it and its final rename land in the directory
    that was checked, not wherever a symlink met on the way points later. UnsafeName says why not."""
    path = target(root, rel)
    if os.path.islink(path):
        raise UnsafeName(f"{path} is a symlink; not replaced")
    final = os.path.join(make_parents(root, rel), os.path.basename(path))
    if os.path.islink(final):
        raise UnsafeName(f"{path} is a symlink; not replaced")
    if os.path.isdir(final):
        raise UnsafeName(f"{path} is a directory")
    return final


def make_directory(root: str, rel: str) -> str:
    """Create the directory a zero-byte directory marker `rel` (ending in /) stands for, as make_parents
    does; UnsafeName when it cannot be one."""
    target(root, rel[:-1])
    return make_parents(root, rel)
