"""Helpers shared by commands: resolving arguments to remote paths, glob expansion, listings.

A word globs only where its glob characters were typed bare (words.Arg.pattern): commands that take
patterns call expand() (or objects()) first; remote() and in_bucket() take one exact path and refuse
a word that would glob, so a command that does not glob says so instead of guessing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass

import ossh.client as oss  # its parts load on first use: start-up stays light

from ..paths import PathError, RemotePath, bucket_name, glob_match, literal_head, split_glob
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


def pattern_of(text: str) -> str | None:
    """The glob pattern a word carries (None: the word is one exact path; a plain str never globs)."""
    return getattr(text, "pattern", None)


def _resolve(ctx: Context, text: str) -> RemotePath:
    try:
        return ctx.state.resolve(text)
    except PathError as e:
        raise UsageError(str(e)) from None


def exact(text: str) -> None:
    """Refuse a word that would glob where one exact path is wanted."""
    if pattern_of(text) is not None:
        raise UsageError(
            f"{text}: one exact path wanted here, not a pattern (quote or escape *, ? and [ to use them literally)"
        )


def bucket_arg(text: str) -> str:
    """A bucket named as NAME, oss://NAME or oss://NAME/: one exact name, never a pattern."""
    exact(text)
    try:
        return bucket_name(text)
    except PathError as e:
        raise UsageError(str(e)) from None


def remote(ctx: Context, text: str, glob: bool = False) -> RemotePath:
    """The path a word names (glob=True: the caller expands patterns itself)."""
    if not glob:
        exact(text)
    return _resolve(ctx, text)


def in_bucket(ctx: Context, text: str, glob: bool = False) -> RemotePath:
    path = remote(ctx, text, glob)
    if path.bucket is None:
        raise UsageError(f"{text or '.'}: not inside a bucket (cd into one or use oss://BUCKET/KEY)")
    return path


def children(ctx: Context, prefix: RemotePath, head: str = "") -> Iterator[Entry]:
    """One level under a prefix (delimiter listing), optionally only names starting with head."""
    for item in ctx.client.iter_objects(prefix.bucket, prefix=prefix.key + head, delimiter="/"):
        if isinstance(item, str):
            yield Entry(RemotePath(prefix.bucket, item))
        elif item.key != prefix.key:  # a "directory marker" object is the level itself, not an entry
            yield Entry(RemotePath(prefix.bucket, item.key), item)


def walk(ctx: Context, prefix: RemotePath) -> Iterator:
    """Every object summary under a prefix, recursively, in key order."""
    for item in ctx.client.iter_objects(prefix.bucket, prefix=prefix.key):
        if not isinstance(item, str):
            yield item


def expand(ctx: Context, text: str, nothing_ok: bool = False) -> list[Entry] | None:
    """Entries a word's pattern matches, in key order (None when the word holds no bare glob character).

    As in a POSIX shell, a pattern that matches nothing stands for itself: the object with that very
    key, when there is one (`rm lit[X]star` typed bare removes the key `lit[X]star`); else "no match",
    or no entries with nothing_ok (rm -f)."""
    pattern = pattern_of(text)
    if pattern is None:
        return None
    try:
        base, last = split_glob(_resolve(ctx, pattern))
    except PathError as e:
        raise UsageError(str(e)) from None
    matches = [e for e in children(ctx, base, literal_head(last)) if glob_match(e.path.key[len(base.key) :], last)]
    if not matches:
        path = _resolve(ctx, text)
        if path.bucket is not None and not path.is_prefix and (meta := lookup(ctx, path)) is not None:
            return [Entry(path, meta)]
        if nothing_ok:
            return []
        raise CommandError(f"{text}: no match")
    return matches


def objects(ctx: Context, text: str) -> list[RemotePath]:
    """The objects a word names: its pattern's matches (prefixes left out), or the one path it is."""
    matches = expand(ctx, text)
    if matches is None:
        return [in_bucket(ctx, text)]
    found = [e.path for e in matches if not e.is_prefix]
    if not found:
        raise CommandError(f"{text}: matches only prefixes")
    return found


def pattern_uri(ctx: Context, text: str) -> str:
    """How a pattern argument is shown in messages: resolved, as oss://bucket/pattern."""
    return _resolve(ctx, pattern_of(text) or text).uri()


def confirm_many(ctx: Context, question: str, count: int, force: bool = False) -> bool:
    """A pattern that matched more than one thing: ask in the interactive shell (not with -f); batch
    and one-shot runs go ahead (and report the count)."""
    return count <= 1 or force or not ctx.interactive or ctx.confirm(question)


def local_matches(ctx: Context, text: str) -> list[str]:
    """The local paths a word names: its pattern's matches, sorted (dot files only when the pattern
    starts with a dot, as in a shell), or the one path it is when it holds no bare glob or matches nothing."""
    import glob

    pattern = pattern_of(text)
    if pattern is None:
        return [ctx.state.local(text)]
    # ~ and the local directory are literal text, whatever characters they hold
    head, sep, rest = pattern.partition("/") if pattern.startswith("~") else ("", "", pattern)
    rooted = glob.escape(ctx.state.expand(head)) + sep + rest if head else rest
    if not os.path.isabs(rooted):
        rooted = os.path.join(glob.escape(ctx.state.local_cwd), rooted)
    return sorted(glob.glob(os.path.normpath(rooted))) or [ctx.state.local(text)]


def is_nonempty_prefix(ctx: Context, path: RemotePath) -> bool:
    page = ctx.client.list_objects(path.bucket, prefix=path.as_prefix().key, max_keys=1)
    return bool(page.objects or page.prefixes)


def lookup(ctx: Context, path: RemotePath):
    """The object's metadata (head_object), None when no object has that key."""

    try:
        return ctx.client.head_object(path.bucket, path.key)
    except oss.errors.NoSuchKey:
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
