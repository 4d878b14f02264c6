"""Bucket owners are account ids, never access key ids: the one-time migration of a store whose owners were
key ids (`PRAGMA user_version` records that it was done), and explicit ids taking over from derived ones."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from ..wire.records import Account, derived_owner_id

OWNER_IDS = 1  # the schema version from which buckets.owner holds account ids


def adopt_accounts(conn: sqlite3.Connection, accounts: Iterable[Account]) -> bool:
    """Bring the store's owners to the accounts' ids; True when anything was written. Run under the write
    lock, so of two servers opening one store the second sees the first's work and finds nothing to do.

    A store before OWNER_IDS has key ids as owners: each becomes its account's id, or, for a key not
    configured now, the id derived from it (which that key gets when it comes back without an explicit id).
    Then, at every open, an account with an explicit id takes over the buckets that its keys' derived ids
    hold: an id given later in the accounts file keeps the buckets the key made before."""
    accounts = list(accounts)
    moves = {derived_owner_id(a.access_key_id): a.owner_id for a in accounts}
    moves = {old: new for old, new in moves.items() if old != new}
    if _version(conn) >= OWNER_IDS and not _held_by(conn, moves):
        return False  # the usual open: no write, no commit
    conn.execute("BEGIN IMMEDIATE")
    try:
        if _version(conn) < OWNER_IDS:
            ids = {a.access_key_id: a.owner_id for a in accounts}
            rows = conn.execute("SELECT name, owner FROM buckets").fetchall()
            for name, key_id in rows:
                conn.execute(
                    "UPDATE buckets SET owner=? WHERE name=?", (ids.get(key_id) or derived_owner_id(key_id), name)
                )
            conn.execute(f"PRAGMA user_version={OWNER_IDS}")
        for old, new in moves.items():
            conn.execute("UPDATE buckets SET owner=? WHERE owner=?", (new, old))
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return True


def _version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _held_by(conn: sqlite3.Connection, owners: dict[str, str]) -> bool:
    return any(conn.execute("SELECT 1 FROM buckets WHERE owner=? LIMIT 1", (o,)).fetchone() for o in owners)
