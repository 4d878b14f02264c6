"""`ossh serve --check [--repair]`: an offline consistency check of a store.

Checks SQLite's own integrity, then every record against the body files: a record whose body file is missing,
a body file whose size differs from its record, a part whose upload is gone, and files no record names (bodies
left by a crash between rename and commit, temporary files of unfinished writes). One line per finding, then
a summary; the exit status is 0 for a clean store and 1 when anything was found (repaired or not).

`--repair` fixes what can be fixed without guessing: it removes orphan files and orphan parts, truncates the
bytes a crashed append left past an appendable object's length, and removes records whose body file is gone
(the object cannot be read any more; its record would only make listings lie and GETs fail). A body whose
size differs from its record in any other way is reported and left alone.

The check runs only while no server uses the store (it takes the root's lock exclusively): a live server's
freshly renamed bodies would look just like orphans.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .store.blobs import BlobStore
from .store.pieces import decode_pieces
from .store.store import StoreUnavailable


@dataclass
class Finding:
    kind: str  # counted in the summary
    text: str  # what is wrong
    fix: Callable[[], str] | None = None  # repairs it, returns what was done


def check_store(root: Path, repair: bool, say: Callable[[str], None] = print) -> int:
    """Check (and with `repair` fix) the store at `root`; returns the exit status."""
    root = Path(root)
    if not (root / "meta.db").is_file():
        raise StoreUnavailable(f"{root} is not an ossh store (no meta.db)")
    lock_fd = os.open(root / "lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreUnavailable(
                f"the store at {root} is in use by a running server; stop it, then check again"
            ) from None
        conn = sqlite3.connect(root / "meta.db", isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            return _run(root, conn, repair, say)
        finally:
            conn.close()
    finally:
        os.close(lock_fd)


def _run(root: Path, conn: sqlite3.Connection, repair: bool, say) -> int:
    blobs = BlobStore(root, create=False)
    findings: list[Finding] = []
    damaged = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
    findings += [Finding("database damage", f"database: {line}") for line in damaged]
    referenced: set[str] = set()
    objects = parts = 0
    for table in _object_tables(conn):  # current versions, then noncurrent ones (not delete markers)
        extra = ", version_id" if table != "objects" else ""
        for row in conn.execute(f"SELECT bucket, key, body, size, type{extra} FROM {table}"):
            objects += 1
            name = f"oss://{row['bucket']}/{_printable(bytes(row['key']).decode('utf-8', 'replace'))}"
            if table != "objects":
                name += f" (version {row['version_id']})"
            findings += _check_body(conn, blobs, row, name, referenced, _delete_object(conn, blobs, row, table))
    uploads = {r[0] for r in conn.execute("SELECT upload_id FROM uploads")}
    for row in conn.execute("SELECT upload_id, part_number, body, size, 'Part' AS type FROM parts"):
        parts += 1
        name = f"part {row['part_number']} of upload {row['upload_id']}"
        remove = _delete_part(conn, row)
        if row["upload_id"] not in uploads:
            findings.append(Finding("orphan part", f"orphan part: {name} (the upload is gone)", remove))
            continue  # its body is then an orphan file too
        findings += _check_body(conn, blobs, row, name, referenced, remove)
    files = 0
    if blobs.data.is_dir() and blobs.tmp.is_dir():
        for path in blobs.unreferenced(referenced):
            files += 1
            kind = "unfinished temp file" if path.parent == blobs.tmp else "orphan file"
            findings.append(
                Finding(
                    kind, f"{kind}: {path.relative_to(root)} ({_size(path)} bytes, no record names it)", _remover(path)
                )
            )
    for finding in findings:
        say(finding.text)
    fixed, left = Counter(), Counter(f.kind for f in findings)
    if repair:
        for finding in findings:
            if finding.fix is not None:
                say("repaired: " + finding.fix())
                fixed[finding.kind] += 1
                left[finding.kind] -= 1
    checked = f"checked {objects} object(s), {parts} part(s), {len(referenced) + files} file(s)"
    if not findings:
        say(f"{checked}: the store is consistent")
        return 0
    summary = f"{checked}: {len(findings)} finding(s) ({_tally(Counter(f.kind for f in findings))})"
    if repair:
        remaining = +left
        summary += f"; repaired {sum(fixed.values())}" + (
            f", {sum(remaining.values())} left ({_tally(remaining)})" if remaining else ", none left"
        )
    elif any(f.fix for f in findings):
        summary += "; --repair fixes what it can"
    say(summary)
    return 1


def _check_body(conn, blobs: BlobStore, row, name: str, referenced: set[str], remove) -> list[Finding]:
    pieces = decode_pieces(row["body"], row["size"])
    referenced.update(piece for piece, _ in pieces)
    found = []
    if sum(n for _, n in pieces) != row["size"]:
        found.append(
            Finding(
                "size mismatch",
                f"size mismatch: {name}: its pieces add up to "
                f"{sum(n for _, n in pieces)} bytes, the record says {row['size']}",
            )
        )
    for piece, expected in pieces:
        path = blobs.path(piece)
        rel = path.relative_to(blobs.data.parent)
        try:
            actual = path.stat().st_size
        except FileNotFoundError:
            found.append(Finding("missing body", f"missing body: {name}: {rel} is gone", remove))
            break
        if actual > expected and row["type"] == "Appendable":
            found.append(
                Finding(
                    "bytes past an append",
                    f"bytes past an append: {name}: {rel} holds {actual} bytes, the object {expected}",
                    _truncator(path, expected),
                )
            )
        elif actual != expected:
            found.append(
                Finding(
                    "size mismatch", f"size mismatch: {name}: {rel} holds {actual} bytes, the record says {expected}"
                )
            )
    return found


def _object_tables(conn) -> list[str]:
    """The tables of object records: the versions table (noncurrent versions) only in a store that has one."""
    has_versions = conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='versions'").fetchone()
    return ["objects", "versions WHERE marker=0"] if has_versions else ["objects"]


def _delete_object(conn, blobs: BlobStore, row, table: str = "objects"):
    def fix() -> str:
        conn.execute(
            f"DELETE FROM {table.split()[0]} WHERE bucket=? AND key=? AND body=?",
            (row["bucket"], row["key"], row["body"]),
        )
        for piece, _ in decode_pieces(row["body"], row["size"]):  # what is left of it
            blobs.path(piece).unlink(missing_ok=True)
        key = _printable(bytes(row["key"]).decode("utf-8", "replace"))
        return f"removed the record of oss://{row['bucket']}/{key} (its body is gone)"

    return fix


def _delete_part(conn, row):
    def fix() -> str:
        conn.execute("DELETE FROM parts WHERE upload_id=? AND part_number=?", (row["upload_id"], row["part_number"]))
        return f"removed part {row['part_number']} of upload {row['upload_id']}"

    return fix


def _remover(path: Path):
    def fix() -> str:
        size = _size(path)
        path.unlink(missing_ok=True)
        return f"removed {path.parent.name}/{path.name} ({size} bytes)"

    return fix


def _truncator(path: Path, length: int):
    def fix() -> str:
        fd = os.open(path, os.O_WRONLY)
        try:
            os.ftruncate(fd, length)
            os.fsync(fd)
        finally:
            os.close(fd)
        return f"truncated {path.parent.name}/{path.name} to {length} bytes"

    return fix


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _tally(counts: Counter) -> str:
    return ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items()) if n > 0)


def _printable(text: str) -> str:
    """A key as one safe line: control characters escaped."""
    return "".join(
        (f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}") if unicodedata.category(c).startswith("C") else c
        for c in text
    )
