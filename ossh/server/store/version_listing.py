"""ListObjectVersions as range scans: the objects table (current versions) and the versions table (the rest)
merged in key order, newest first within a key, with prefix, delimiter, key and version-id markers and
max-keys. Like listing.py, a common prefix is emitted once and both scans then seek past every key under it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .db import Database
from .listing import _scan, successor


class _Entry:
    """A row of either table, and whether it is its key's latest version; reads like the row (listing._scan
    reads keys from it)."""

    __slots__ = ("row", "latest")

    def __init__(self, row, latest: bool):
        self.row, self.latest = row, latest

    def __getitem__(self, name):
        return self.row[name]


@dataclass
class VersionPage:
    entries: list = field(default_factory=list)  # (row, is latest); a versions row has `marker`
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    next_key: str = ""
    next_version: str = ""


def _merged(db: Database, bucket: str, lower: bytes, inclusive: bool, upper: bytes | None):
    """Every version of every key from `lower` (_Entry), keys in order, newest version first."""
    op = ">=" if inclusive else ">"
    bound, args = (" AND key<?", (bucket, lower, upper)) if upper is not None else ("", (bucket, lower))
    current = db.cursor(f"SELECT * FROM objects WHERE bucket=? AND key{op}?{bound} ORDER BY key", args)
    older = db.cursor(f"SELECT * FROM versions WHERE bucket=? AND key{op}?{bound} ORDER BY key, seq DESC", args)
    try:
        cur, old = next(current, None), next(older, None)
        last = None
        while cur is not None or old is not None:
            if old is None or (cur is not None and bytes(cur["key"]) <= bytes(old["key"])):
                last = bytes(cur["key"])
                yield _Entry(cur, True)
                cur = next(current, None)
            else:
                key = bytes(old["key"])
                yield _Entry(old, key != last)  # the newest of a key with no current version: a delete marker
                last = key
                old = next(older, None)
    finally:
        current.close()
        older.close()


def _rest_of_key(db: Database, bucket: str, key: bytes, version_id: str):
    """The versions of `key` older than `version_id` (none when that version is unknown)."""
    if db.one("SELECT 1 FROM objects WHERE bucket=? AND key=? AND version_id=?", (bucket, key, version_id)):
        below = None  # the current version: every noncurrent one follows
    else:
        mark = db.one("SELECT seq FROM versions WHERE bucket=? AND key=? AND version_id=?", (bucket, key, version_id))
        if mark is None:
            return
        below = mark["seq"]
    rows = db.cursor(
        "SELECT * FROM versions WHERE bucket=? AND key=? AND seq<? ORDER BY seq DESC",
        (bucket, key, below if below is not None else 1 << 62),
    )
    try:
        for row in rows:
            yield _Entry(row, False)
    finally:
        rows.close()


def list_versions(
    db: Database, bucket: str, prefix: str, key_marker: str, version_marker: str, delimiter: str, max_keys: int
) -> VersionPage:
    p, k = prefix.encode(), key_marker.encode()
    upper = successor(p) if p else None

    def first():
        if k and version_marker and k.startswith(p):
            yield from _rest_of_key(db, bucket, k, version_marker)
        yield from _merged(db, bucket, k, False, upper) if k >= p else _merged(db, bucket, p, True, upper)

    scan = _scan(first(), lambda lower: _merged(db, bucket, lower, True, upper), p, k, delimiter.encode(), max_keys)
    page = VersionPage(
        entries=[(e.row, e.latest) for e in scan.entries], prefixes=scan.prefixes, truncated=scan.truncated
    )
    if scan.truncated:
        last = scan.entries[-1] if scan.entries else None
        page.next_key = scan.next_marker  # the last key or common prefix; a version id only after a key
        if last is not None and bytes(last["key"]) == scan.next_marker.encode():
            page.next_version = last["version_id"]
    return page
