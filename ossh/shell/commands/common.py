"""Helpers shared by commands: resolving arguments to remote paths, glob expansion, listings."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from ..paths import PathError, RemotePath, glob_match, literal_head, split_glob
from ..registry import CommandError, UsageError
from ..state import Context


@dataclass
class Entry:
    """One listed thing: an object (summary set) or a prefix (summary None)."""
    path: RemotePath
    summary: object = None

    @property
    def is_prefix(self) -> bool:
        return self.summary is None


def remote(ctx: Context, text: str) -> RemotePath:
    try:
        return ctx.state.resolve(text)
    except PathError as e:
        raise UsageError(str(e)) from None


def in_bucket(ctx: Context, text: str) -> RemotePath:
    path = remote(ctx, text)
    if path.bucket is None:
        raise UsageError(f"{text or '.'}: not inside a bucket (cd into one or use oss://BUCKET/KEY)")
    return path


def children(ctx: Context, prefix: RemotePath, head: str = "") -> Iterator[Entry]:
    """One level under a prefix (delimiter listing), optionally only names starting with head."""
    for item in ctx.client.iter_objects(prefix.bucket, prefix=prefix.key + head, delimiter="/"):
        if isinstance(item, str):
            yield Entry(RemotePath(prefix.bucket, item))
        elif item.key != prefix.key:     # a "directory marker" object is the level itself, not an entry
            yield Entry(RemotePath(prefix.bucket, item.key), item)


def walk(ctx: Context, prefix: RemotePath) -> Iterator:
    """Every object summary under a prefix, recursively, in key order."""
    for item in ctx.client.iter_objects(prefix.bucket, prefix=prefix.key):
        if not isinstance(item, str):
            yield item


def expand(ctx: Context, text: str) -> list[Entry] | None:
    """Entries a glob argument matches (None when text holds no glob)."""
    path = remote(ctx, text)
    try:
        parts = split_glob(path)
    except PathError as e:
        raise UsageError(str(e)) from None
    if parts is None:
        return None
    base, pattern = parts
    matches = [e for e in children(ctx, base, literal_head(pattern))
               if glob_match(e.path.key[len(base.key):], pattern)]
    if not matches:
        if (meta := lookup(ctx, path)) is not None:   # a key that really holds * or ?
            return [Entry(path, meta)]
        raise CommandError(f"{text}: no match")
    return matches


def is_nonempty_prefix(ctx: Context, path: RemotePath) -> bool:
    page = ctx.client.list_objects(path.bucket, prefix=path.as_prefix().key, max_keys=1)
    return bool(page.objects or page.prefixes)


def lookup(ctx: Context, path: RemotePath):
    """The object's metadata (head_object), None when no object has that key."""
    from ossh.client.errors import NoSuchKey   # the client is loaded by now

    try:
        return ctx.client.head_object(path.bucket, path.key)
    except NoSuchKey:
        return None


def settled(ctx: Context, path: RemotePath) -> tuple[RemotePath, object]:
    """A path typed without its trailing / names a prefix when no object has that key but keys exist below;
    with the object's metadata when it names one (so callers need not ask for it again), else None."""
    if path.is_prefix:
        return path, None
    meta = lookup(ctx, path)
    if meta is not None or not is_nonempty_prefix(ctx, path):
        return path, meta
    return path.as_prefix(), None


def settle(ctx: Context, path: RemotePath) -> RemotePath:
    return settled(ctx, path)[0]


def delete_under(ctx: Context, prefix: RemotePath) -> int:
    """Delete every object under a prefix (the client sends 1,000 keys a request); returns how many."""
    deleted = ctx.client.delete_objects(prefix.bucket, (s.key for s in walk(ctx, prefix)))
    ctx.changed(prefix)
    return len(deleted)


def parse_meta(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    meta = {}
    for pair in pairs:
        k, sep, v = pair.partition("=")
        if not sep or not k:
            raise UsageError(f"--meta wants KEY=VALUE, got {pair!r}")
        meta[k] = v
    return meta


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
