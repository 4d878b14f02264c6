"""The one resolver of remote paths (oss://b/k, /b/k, k, dir/, .., .) and local paths (~).

Pure functions: a path text plus the current bucket and prefix give a RemotePath. A trailing
`/` names a prefix; glob characters are allowed in the last component only.

Glob patterns are fnmatch patterns whose literal glob characters are escaped as [*], [?] and [[]
(words.Arg.pattern): resolving a pattern as a path keeps those escapes, since none holds a `/`.
"""

from __future__ import annotations

import fnmatch
import os
import re
from dataclasses import dataclass

SCHEME = "oss://"
# an escaped glob character ([*], [?], [[]: literal) or a bare one (group 1: it globs)
_GLOB = re.compile(r"\[[*?\[]\]|([*?\[])")


class PathError(ValueError):
    """A path that cannot name anything (e.g. a glob before the last component)."""


@dataclass(frozen=True)
class RemotePath:
    bucket: str | None = None  # None: the root, where the entries are buckets
    key: str = ""  # "" or ending in "/": a prefix

    @property
    def is_root(self) -> bool:
        return self.bucket is None

    @property
    def is_prefix(self) -> bool:
        return self.key == "" or self.key.endswith("/")

    @property
    def name(self) -> str:
        """Last component (with its trailing / for a prefix), or the bucket name."""
        if not self.key:
            return self.bucket or ""
        stripped = self.key.rstrip("/")
        return stripped.rsplit("/", 1)[-1] + self.key[len(stripped) :]

    @property
    def parent(self) -> RemotePath:
        """The prefix holding this key or prefix (the root for a bucket)."""
        if not self.key:
            return RemotePath()
        stripped = self.key[:-1] if self.key.endswith("/") else self.key
        cut = stripped.rfind("/")
        return RemotePath(self.bucket, stripped[: cut + 1])

    def as_prefix(self) -> RemotePath:
        return self if self.is_prefix else RemotePath(self.bucket, self.key + "/")

    def child(self, name: str) -> RemotePath:
        return RemotePath(self.bucket, self.as_prefix().key + name)

    def uri(self) -> str:
        if self.bucket is None:
            return SCHEME
        return f"{SCHEME}{self.bucket}/{self.key}"

    def __str__(self) -> str:
        return self.uri()


def has_glob(pattern: str) -> bool:
    """Whether a pattern holds a glob character that is not escaped."""
    return _first_glob(pattern) >= 0


def _first_glob(pattern: str) -> int:
    for m in _GLOB.finditer(pattern):
        if m.group(1):
            return m.start()
    return -1


def unescape(pattern: str) -> str:
    """The literal text of a pattern part that holds no bare glob character."""
    return _GLOB.sub(lambda m: m.group(1) or m.group(0)[1], pattern)


def resolve(text: str, bucket: str | None = None, prefix: str = "") -> RemotePath:
    """Resolve a path typed in the shell against the current bucket and prefix.

    oss://b/k is taken literally (OSS keys may hold `..`); /b/k and relative paths are
    normalised component by component. `.` and `..` as the last component name a prefix.
    """
    if text.startswith(SCHEME):
        rest = text[len(SCHEME) :]
        if not rest:
            return RemotePath()
        b, _, key = rest.partition("/")
        if not b:
            raise PathError(f"no bucket in {text!r}")
        return RemotePath(b, key)
    if text.startswith("/"):
        parts: list[str] = []
    else:
        parts = ([bucket] if bucket else []) + [p for p in prefix.split("/") if p]
    comps = text.split("/")
    trailing = text.endswith("/") or comps[-1] in (".", "..")
    for comp in comps:
        if comp in ("", "."):
            continue
        if comp == "..":
            if parts:
                parts.pop()
        else:
            parts.append(comp)
    if not parts:
        return RemotePath()
    key = "/".join(parts[1:])
    if key and (trailing or text == ""):
        key += "/"
    if not text and prefix and bucket:
        key = prefix
    return RemotePath(parts[0], key)


def split_glob(path: RemotePath) -> tuple[RemotePath, str]:
    """For a resolved pattern, (the literal prefix to list, the pattern its last component must match)."""
    if path.bucket is None or has_glob(path.bucket):
        raise PathError(f"a pattern matches keys, not bucket names: {path.uri()}")
    base, _, pattern = path.key.rstrip("/").rpartition("/")
    if has_glob(base):
        raise PathError(f"glob only allowed in the last component: {path.uri()}")
    return RemotePath(path.bucket, unescape(base) + "/" if base else ""), pattern


def glob_match(name: str, pattern: str) -> bool:
    """Match an entry name (prefixes keep their trailing /) against a last-component pattern."""
    return fnmatch.fnmatchcase(name.rstrip("/"), pattern.rstrip("/"))


def literal_head(pattern: str) -> str:
    """The literal text before a pattern's first bare glob character (a listing prefix)."""
    cut = _first_glob(pattern)
    return unescape(pattern if cut < 0 else pattern[:cut])


def bucket_name(text: str) -> str:
    """A bucket argument given as NAME, oss://NAME or oss://NAME/."""
    name = text[len(SCHEME) :] if text.startswith(SCHEME) else text
    name = name.strip("/")
    if not name or "/" in name:
        raise PathError(f"not a bucket name: {text!r}")
    return name


def expand_home(text: str, home: str | None = None) -> str:
    """~ and ~/... as home (default: the process's $HOME); ~user as the system knows it."""
    if home is not None and (text == "~" or text.startswith("~/")):
        return home + text[1:]
    return os.path.expanduser(text)


def local_path(text: str, cwd: str, home: str | None = None) -> str:
    """A local path: ~ expanded, relative paths taken against the shell's local directory."""
    expanded = expand_home(text, home)
    return expanded if os.path.isabs(expanded) else os.path.normpath(os.path.join(cwd, expanded))
