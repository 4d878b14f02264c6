"""Range-scan listings over the key index: prefix, marker, delimiter and max-keys without loading all keys.

A common prefix is emitted once and the scan then seeks straight past every key under it, so a listing
touches about one row per entry it returns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .db import Database
from .store import object_from_row


@dataclass
class ListPage:
    entries: list = field(default_factory=list)  # rows in key order (objects or uploads)
    prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    next_marker: str = ""  # the last key or common prefix emitted
    rows_read: int = 0


def successor(prefix: bytes) -> bytes | None:
    """The smallest byte string above every string that starts with `prefix` (None: there is none)."""
    head = bytearray(prefix)
    while head and head[-1] == 0xFF:
        head.pop()
    if not head:
        return None
    head[-1] += 1
    return bytes(head)


def _scan(first_cursor, fetch_from, prefix: bytes, after: bytes, delimiter: bytes, max_keys: int) -> ListPage:
    """Walk rows from `first_cursor`; after a common prefix, continue with `fetch_from(lower_inclusive)`."""
    page = ListPage()
    cursor = first_cursor
    count = 0
    last = b""
    while cursor is not None:
        next_lower = None
        for row in cursor:
            page.rows_read += 1
            key = bytes(row["key"])
            common = None
            if delimiter:
                cut = key.find(delimiter, len(prefix))
                if cut >= 0:
                    common = key[: cut + len(delimiter)]
            if common is not None and common <= after:
                next_lower = successor(common)  # emitted on an earlier page
                break
            if count == max_keys:
                page.truncated = True
                break
            count += 1
            if common is not None:
                page.prefixes.append(common.decode("utf-8"))
                last = common
                next_lower = successor(common)
                break
            page.entries.append(row)
            last = key
        cursor.close()
        cursor = fetch_from(next_lower) if next_lower is not None and not page.truncated else None
    page.next_marker = last.decode("utf-8")
    return page


def _bounds(prefix: bytes) -> tuple[str, tuple]:
    upper = successor(prefix) if prefix else None
    return ("AND key<?", (upper,)) if upper is not None else ("", ())


def list_objects(db: Database, bucket: str, prefix: str, after: str, delimiter: str, max_keys: int) -> ListPage:
    """Objects after `after` (exclusive) under `prefix`; entries are ObjectRecords."""
    p, a, d = prefix.encode(), after.encode(), delimiter.encode()
    upper_sql, upper_args = _bounds(p)
    base = "SELECT * FROM objects WHERE bucket=? AND key{op}? " + upper_sql + " ORDER BY key"

    def fetch_from(lower: bytes):
        return db.cursor(base.format(op=">="), (bucket, lower, *upper_args))

    first = db.cursor(base.format(op=">"), (bucket, a, *upper_args)) if a >= p else fetch_from(p)
    page = _scan(first, fetch_from, p, a, d, max_keys)
    page.entries = [object_from_row(r) for r in page.entries]
    return page


def list_uploads(
    db: Database, bucket: str, prefix: str, key_marker: str, upload_id_marker: str, delimiter: str, max_uploads: int
) -> ListPage:
    """Multipart uploads in (key, upload id) order; entries are rows of the uploads table."""
    p, k, d = prefix.encode(), key_marker.encode(), delimiter.encode()
    upper_sql, upper_args = _bounds(p)
    cols = "SELECT upload_id, key, initiated FROM uploads WHERE bucket=? "
    order = upper_sql + " ORDER BY key, upload_id"

    def fetch_from(lower: bytes):
        return db.cursor(cols + "AND key>=? " + order, (bucket, lower, *upper_args))

    if k and upload_id_marker:
        first = db.cursor(
            cols + "AND (key>? OR (key=? AND upload_id>?)) AND key>=? " + order,
            (bucket, k, k, upload_id_marker, p, *upper_args),
        )
    elif k and k >= p:
        first = db.cursor(cols + "AND key>? " + order, (bucket, k, *upper_args))
    else:
        first = fetch_from(p)
    return _scan(first, fetch_from, p, k, d, max_uploads)
