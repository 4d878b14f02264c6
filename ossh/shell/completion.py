"""Completion as a pure function: line text + shell state + a listing cache -> suggestions.

Remote listings come from a ListingCache (one delimiter listing per level, kept for TTL seconds and
dropped sooner when one of the shell's own commands changes that level) with a per-call fetch budget, so
completion never lists more than a page or two per keystroke. What a positional argument completes to is
its command's declared kind, looked up in KINDS. Tested without a terminal.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from .commands import REGISTRY
from .paths import SCHEME, PathError, RemotePath, local_path, resolve
from .registry import HIDDEN, Registry
from .state import ShellState
from .words import Word, quote, split

TTL = 30.0  # seconds a listing is trusted: others (another shell, a program) change buckets too


@dataclass(frozen=True)
class Suggestion:
    text: str  # replaces the word under the cursor
    start: int  # where that word starts, relative to the cursor (<= 0)
    display: str = ""
    meta: str = ""


@dataclass
class Listing:
    names: list[str]  # relative to the listed prefix; prefixes end with /
    truncated: bool = False


class Lister(Protocol):
    def children(self, bucket: str, prefix: str, level: str) -> Listing: ...  # names relative to level
    def buckets(self) -> Listing: ...
    def upload_ids(self, bucket: str, key: str) -> Listing: ...


class ListingCache:
    """Listings keyed by (kind, bucket, prefix), each kept ttl seconds by clock; a Budget limits fetches per
    completion. The shell drops what its own commands change (invalidate) and everything when it switches
    account (clear)."""

    def __init__(self, lister: Lister, ttl: float = TTL, clock: Callable[[], float] = time.monotonic):
        self.lister = lister
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple, tuple[Listing, float]] = {}  # key -> (listing, when fetched)
        self._lock = threading.Lock()

    def get(self, key: tuple, fetch: Callable[[], Listing], budget: Budget) -> Listing | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None and self.clock() - found[1] < self.ttl:
                return found[0]
        if not budget.take():
            return None
        fetched = self.clock()
        listing = fetch()
        with self._lock:
            self._entries[key] = (listing, fetched)
        return listing

    def invalidate(self, path: RemotePath) -> None:
        """Drop listings that may show path: its ancestors' levels, its own and those below it."""
        with self._lock:
            for key in list(self._entries):
                kind, bucket, prefix = key
                if path.bucket is None or kind == "buckets" and not path.key:
                    del self._entries[key]
                elif bucket == path.bucket and (path.key.startswith(prefix) or prefix.startswith(path.key)):
                    del self._entries[key]

    def clear(self) -> None:
        """Drop every listing (another account, another endpoint)."""
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class Budget:
    def __init__(self, fetches: int):
        self.left = fetches

    def take(self) -> bool:
        if self.left <= 0:
            return False
        self.left -= 1
        return True


@dataclass
class Query:
    """What a completion kind gets: the word being typed, the command's positionals before it, and where to look."""

    word: str
    positionals: list[str]
    state: ShellState
    cache: ListingCache
    budget: Budget
    listdir: Callable[[str], list[str]]
    registry: Registry


Found = list[tuple[str, str, str]]  # (new word value, display, meta)
KINDS: dict[str, Callable[[Query], Found]] = {}


def kind(*names: str):
    """Register the decorated function as the completer of positionals declared `complete=(NAME, ...)`."""

    def deco(func: Callable[[Query], Found]) -> Callable[[Query], Found]:
        for name in names:
            KINDS[name] = func
        return func

    return deco


def _remote(q: Query, dirs_only=False, buckets_only=False) -> Found:
    """(new word value, display, meta) for a remote path being typed."""
    word, state, cache, budget = q.word, q.state, q.cache, q.budget
    cut = word.rfind("/") + 1
    head, partial = word[:cut], word[cut:]
    if word.startswith(SCHEME) and "/" not in word[len(SCHEME) :]:
        head, partial = SCHEME, word[len(SCHEME) :]
        level = RemotePath()
    else:
        try:
            level = resolve(head, state.bucket, state.prefix) if head else state.location
        except PathError:
            return []
    if level.is_root:
        listing = cache.get(("buckets", None, ""), cache.lister.buckets, budget)
        names = [n if buckets_only else n + "/" for n in (listing.names if listing else [])]
        meta = "bucket"
    else:
        level = level.as_prefix()
        lister = cache.lister
        listing = cache.get(
            ("children", level.bucket, level.key), lambda: lister.children(level.bucket, level.key, level.key), budget
        )
        if listing and listing.truncated and partial:
            listing = cache.get(
                ("children", level.bucket, level.key + partial),
                lambda: lister.children(level.bucket, level.key + partial, level.key),
                budget,
            )
        names = listing.names if listing else []
        meta = ""
    out = []
    for n in sorted(names):
        if n.startswith(partial) and not (dirs_only and not n.endswith("/")):
            out.append((head + n, n, meta or ("prefix" if n.endswith("/") else "object")))
    return out


def _local(q: Query, dirs_only=False) -> Found:
    word = q.word
    cut = word.rfind("/") + 1
    head, partial = word[:cut], word[cut:]
    directory = local_path(head or ".", q.state.local_cwd, q.state.home)
    try:
        names = sorted(q.listdir(directory))
    except OSError:
        return []
    out = []
    for n in names:
        if not n.startswith(partial) or (n.startswith(".") and not partial.startswith(".")):
            continue
        is_dir = os.path.isdir(os.path.join(directory, n))
        if dirs_only and not is_dir:
            continue
        shown = n + ("/" if is_dir else "")
        out.append((head + shown, shown, "dir" if is_dir else "file"))
    return out


@kind("remote")
def _remote_path(q: Query) -> Found:
    return _remote(q)


@kind("remote_dir")
def _remote_dir(q: Query) -> Found:
    return _remote(q, dirs_only=True)


@kind("bucket")
def _bucket(q: Query) -> Found:
    return _remote(q, buckets_only=True)


@kind("local")
def _local_path(q: Query) -> Found:
    return _local(q)


@kind("local_dir")
def _local_dir(q: Query) -> Found:
    return _local(q, dirs_only=True)


@kind("put")
def _put_source(q: Query) -> Found:
    """A local file, unless the word starts with oss:// (put's source is local)."""
    return _remote(q) if q.word.startswith(SCHEME) else _local(q)


@kind("remote_or_local")
def _either(q: Query) -> Found:
    return _remote(q) if q.word.startswith(SCHEME) else _local(q) + _remote(q)


@kind("command")
def _command(q: Query) -> Found:
    return _choices(q.word, sorted(set(q.registry.names())), "command")


@kind("upload_id")
def _upload_id(q: Query) -> Found:
    """The upload ids of the key named by the first positional."""
    if not q.positionals:
        return []
    try:
        path = resolve(q.positionals[0], q.state.bucket, q.state.prefix)
    except PathError:
        return []
    if path.bucket is None or path.is_prefix:
        return []
    lister = q.cache.lister
    listing = q.cache.get(
        ("uploads", path.bucket, path.key), lambda: lister.upload_ids(path.bucket, path.key), q.budget
    )
    return _choices(q.word, listing.names if listing else (), "upload id")


def _choices(word: str, values, meta="") -> list[tuple[str, str, str]]:
    return [(v, v, meta) for v in values if v.startswith(word)]


def complete(
    line: str,
    state: ShellState,
    cache: ListingCache,
    registry: Registry = REGISTRY,
    budget: int = 2,
    listdir=os.listdir,
) -> list[Suggestion]:
    """Suggestions for the word that ends `line` (the text before the cursor)."""
    parsed = split(line)
    words = parsed.commands[-1]
    if parsed.trailing_space:
        current, before = Word("", len(line)), words
    else:
        current, before = words[-1], words[:-1]
    start = current.start - len(line)
    raw = line[current.start :] if not parsed.trailing_space else ""
    found = _candidates(current.value, [w.value for w in before], state, cache, registry, Budget(budget), listdir)
    return [
        Suggestion(continue_word(raw, current, text), start, display or text, meta) for text, display, meta in found
    ]


_SPECIAL = frozenset(" \t\r\n'\"\\;*?[]")  # what split() or globbing would read: escaped in a completion


def _escape(text: str, at_start: bool) -> str:
    out = "".join("\\" + c if c in _SPECIAL else c for c in text)
    return "\\" + out if at_start and out.startswith("#") else out


def continue_word(raw: str, typed: Word, value: str) -> str:
    """The raw text of a completed word, given the raw text typed so far: it starts with what was typed, so
    prompt_toolkit inserts a unique match in place and closes the menu (a completion that rewrites the
    typed text, as quoting it would, leaves the menu open instead). Quotes the user opened are continued,
    and closed after a name that is complete (not a prefix, which the user goes on typing); otherwise only
    what split() or globbing would read is backslash-escaped: `café/` stays as it is, `my dog.jpg`
    becomes `my\\ dog.jpg`, a key holding `*` gets `\\*` so that it is not a pattern."""
    if not value or not value.startswith(typed.value):
        return quote(value) if value else value
    rest = value[len(typed.value) :]
    close = "" if value.endswith("/") else typed.quote
    if typed.quote == "'":
        return raw + rest.replace("'", "'\\''") + close
    if typed.quote == '"':
        return raw + "".join("\\" + c if c in '"\\$`' else c for c in rest) + close
    if typed.quote == "\\":  # the typed backslash escapes the next character, whatever it is
        return raw + rest[:1] + _escape(rest[1:], False)
    return raw + _escape(rest, not raw)


def _candidates(word, before, state, cache, registry, budget, listdir):
    if not before:
        names = registry.names()
        return [(n, n, _summary(registry, n)) for n in names if n.startswith(word)]
    words = registry.unalias(before)
    name, args = words[0], words[1:]
    if name in registry.groups():
        if not args:
            subs = sorted(n.split(" ", 1)[1] for n in registry.commands if n.startswith(name + " "))
            return _choices(word, subs, name)
        name, args = f"{name} {args[0]}", args[1:]
    cmd = registry.commands.get(name)
    if cmd is None:
        return []
    options = cmd.options()
    if word.startswith("--") and "=" in word:
        opt, _, value = word.partition("=")
        action = options.get(opt)
        return [(f"{opt}={v}", v, "") for v in (action.choices or ()) if v.startswith(value)] if action else []
    if args and args[-1] in options and options[args[-1]].nargs != 0:
        return _choices(word, options[args[-1]].choices or (), args[-1])
    if word.startswith("-"):
        return [(o, o, option_help(a)) for o, a in sorted(options.items()) if a.help != HIDDEN and o.startswith(word)]
    positionals, skip = [], False
    for w in args:
        if skip:
            skip = False
        elif w in options:
            skip = options[w].nargs != 0
        elif not (w.startswith("-") and w != "-"):
            positionals.append(w)
    kind = cmd.positional_kind(len(positionals))
    return _by_kind(kind, Query(word, positionals, state, cache, budget, listdir, registry))


def _by_kind(kind, query: Query) -> Found:
    """A declared kind: a tuple of fixed choices, or a name in KINDS."""
    if kind is None:
        return []
    if isinstance(kind, tuple):
        return _choices(query.word, kind)
    return KINDS[kind](query)


def option_help(action) -> str:
    """What the menu says about an option: its help, or what it takes when it has none."""
    if action.help:
        return action.help
    if action.choices:
        return "one of " + ", ".join(action.choices)
    return f"takes {action.metavar or action.dest.upper()}" if action.nargs != 0 else "option"


def _summary(registry: Registry, name: str) -> str:
    if name in registry.commands:
        return registry.commands[name].summary
    if name in registry.aliases:
        a = registry.aliases[name]
        return f"= {a.target} {' '.join(a.preset)}".rstrip()
    return "multipart uploads" if name == "mpu" else ""
