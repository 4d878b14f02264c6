"""Which OSS keys can become local files, and creating their directories without ever leaving the root.

A key is hostile input: `a/../b`, `..`, `/etc/passwd`, `a//b`, a NUL, a name longer than the file system
takes, or a key ending in `/` (a directory marker, not a file) cannot be written as-is under a directory,
so sync reports it and goes on instead of guessing a name.
"""

from __future__ import annotations

import os

NAME_MAX = 255  # bytes per path component on Linux, macOS and Windows file systems
PATH_MAX = 4096


class UnsafeName(ValueError):
    """A key that cannot be a path under the destination; str() says why."""


def local_problem(rel: str) -> str | None:
    """Why `rel` (a key below the synced prefix) cannot be a file under a directory; None when it can."""
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
    if os.sep != "/" and os.sep in rel or os.altsep and os.altsep != "/" and os.altsep in rel:
        return f"holds {os.sep!r}, a path separator here"
    return None


def target(root: str, rel: str) -> str:
    """The local path of `rel` under `root`; UnsafeName when the key cannot be one."""
    problem = local_problem(rel)
    if problem is None and len(os.fsencode(os.path.join(root, rel))) >= PATH_MAX:
        problem = f"makes a path longer than {PATH_MAX} bytes"
    if problem:
        raise UnsafeName(problem)
    return os.path.join(root, *rel.split("/"))


def make_parents(root: str, rel: str) -> None:
    """Create the directories above `rel` under `root`, one at a time, refusing to go through a symlink
    that leads outside `root` (a key must never be written anywhere else)."""
    real_root = os.path.realpath(root)
    os.makedirs(root, exist_ok=True)
    current = root
    for part in rel.split("/")[:-1]:
        current = os.path.join(current, part)
        try:
            os.mkdir(current)
        except FileExistsError:
            pass
        if os.path.islink(current):
            real = os.path.realpath(current)
            if os.path.commonpath([real_root, real]) != real_root:
                raise UnsafeName(f"{current} is a symlink that leads outside {root}")
        if not os.path.isdir(current):
            raise UnsafeName(f"{current} exists and is not a directory")
