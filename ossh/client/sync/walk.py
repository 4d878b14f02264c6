"""Both sides as sorted streams in OSS listing order, and the filters that apply to both.

OSS lists keys in UTF-8 byte order of the whole key, `/` included, which is also the code point order
of Python strings. A local directory is listed one directory at a time, its entries sorted by the key
they stand for (a directory as `name/`), and a subdirectory is walked when its turn comes in that
order: the files come out in exactly the order OSS would list their keys, and memory holds the
listings of the directories on the current path only, never the whole tree.
"""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Iterator

from ..errors import OssError
from .model import Action, LocalFile, RemoteObject


class ListingError(OssError):
    """A listing that cannot be trusted (out of order, or a key outside the prefix asked for)."""


class Filters:
    """--include/--exclude in the order given, the last rule that matches a path winning (aws s3 sync);
    everything is included when no rule matches. --exclude-dir GLOB drops a whole directory, whatever the
    rules say of the files in it: GLOB is matched against the directory's name and its path under the
    root (`.git`, `build/cache`). `*` matches across `/` in --include and --exclude, as in aws s3 sync."""

    def __init__(self, rules: list[tuple[str, str]] = (), exclude_dirs: list[str] = ()):
        self.rules = list(rules)
        self.exclude_dirs = [d.strip("/") for d in exclude_dirs]

    def dir_excluded(self, rel_dir: str) -> bool:
        """rel_dir: a directory's path under the root, without its trailing /."""
        name = rel_dir.rsplit("/", 1)[-1]
        return any(fnmatch.fnmatchcase(name, g) or fnmatch.fnmatchcase(rel_dir, g) for g in self.exclude_dirs)

    def included(self, rel: str) -> bool:
        keep = True
        for kind, glob in self.rules:
            if fnmatch.fnmatchcase(rel, glob):
                keep = kind == "include"
        return keep

    def key_included(self, rel: str) -> bool:
        """For a listed key: every directory above it is checked too (a listing cannot be pruned)."""
        if self.exclude_dirs:
            parts = rel.split("/")[:-1]
            if any(self.dir_excluded("/".join(parts[: i + 1])) for i in range(len(parts))):
                return False
        return self.included(rel)


def walk_local(root: str, filters: Filters, follow_symlinks: bool = True) -> Iterator[LocalFile | Action]:
    """Regular files under root in OSS key order, with Actions for what is left out and why: skip for a
    name that cannot be a key or a symlink loop, note for an empty directory, a symlink not followed, or a
    device/socket/FIFO. A directory that cannot be listed or an entry that cannot be stat'ed (a broken
    symlink) is a `failed` Action: the caller then knows the tree was not seen whole."""
    top = os.stat(root)
    yield from _walk_dir(root, root, "", filters, follow_symlinks, {(top.st_dev, top.st_ino)})


def _walk_dir(
    root: str, path: str, rel_dir: str, filters: Filters, follow: bool, ancestors: set
) -> Iterator[LocalFile | Action]:
    try:
        with os.scandir(path) as it:
            entries = list(it)
    except OSError as exc:
        yield Action("failed", src=path, reason=exc.strerror or str(exc), op="list")
        return
    items = []
    for e in entries:
        rel = rel_dir + e.name
        try:
            rel.encode("utf-8")
        except UnicodeEncodeError:
            yield Action("skip", src=e.path, reason="its name is not UTF-8, so it cannot be an OSS key")
            continue
        try:
            link = e.is_symlink()
            if link and not follow:
                yield Action("note", src=e.path, reason="a symlink, not followed (--no-follow-symlinks)")
                continue
            st = os.stat(e.path) if link else e.stat(follow_symlinks=False)
        except OSError as exc:  # a failure, so that --delete does not remove its copy in DST
            yield Action("failed", src=e.path, reason=exc.strerror or str(exc), op="stat")
            continue
        if stat.S_ISDIR(st.st_mode):
            items.append((rel + "/", e.path, st))
        elif stat.S_ISREG(st.st_mode):
            items.append((rel, e.path, st))
        else:
            yield Action("note", src=e.path, reason="not a regular file or directory, left out")
    if not items and rel_dir:
        yield Action("note", src=path + os.sep, reason="an empty directory, not created on OSS (it has no directories)")
    items.sort(key=lambda item: item[0])
    del entries
    for rel, full, st in items:
        if rel.endswith("/"):
            if filters.dir_excluded(rel[:-1]):
                continue
            ident = (st.st_dev, st.st_ino)
            if ident in ancestors:
                yield Action("skip", src=full, reason="a symlink loop (it leads to a directory above it)")
                continue
            yield from _walk_dir(root, full, rel, filters, follow, ancestors | {ident})
        elif filters.included(rel):
            yield LocalFile(rel, full, st)


def walk_remote(client, bucket: str, prefix: str, filters: Filters) -> Iterator[RemoteObject]:
    """Objects under the prefix in key order, checked to be in order (the merge-join relies on it)."""
    last = None
    for item in client.iter_objects(bucket, prefix=prefix):
        if isinstance(item, str):
            continue
        if not item.key.startswith(prefix):
            raise ListingError(f"the listing of oss://{bucket}/{prefix} returned a key outside it")
        rel = item.key[len(prefix) :]
        if not rel:
            continue  # the prefix's own directory marker
        if last is not None and rel <= last:
            raise ListingError(f"the listing of oss://{bucket}/{prefix} is not in key order")
        last = rel
        if filters.key_included(rel):
            yield RemoteObject(rel, item.key, item.size, item.etag, item.last_modified, item.type)
