"""SQLite metadata of the embedded server: schema, one WAL connection per thread (closed when the thread's
connection ends), and durable writes committed in groups.

Keys are stored as BLOBs (UTF-8 bytes) so index order is OSS's byte order and range scans need no collation.

Durability: with `durable` (the default) SQLite runs synchronous=FULL, so a commit returns only once its WAL
frames are on disk, and a write is acknowledged only after its commit. A commit's fsync costs as much for one
change as for fifty, so concurrent writers share it (group commit, as databases do): each writer hands its
change to `commit()` as a function; one of the waiting threads becomes the leader, fsyncs the directories the
batch's new body files were renamed into (a renamed file is durable only once its directory is), then runs
every change in its own SAVEPOINT of one transaction and commits once. A change that raises is rolled back
alone and its writer gets the error; the others still commit. While a leader works, newcomers queue up and
form the next batch, so the batch grows by itself under load and is a single change when idle.

Files are created 0600: meta.db is made before SQLite opens it, and SQLite gives its -wal and -shm files the
database file's own mode, whatever the umask (which is process-wide, so it is never touched).
"""

import os
import sqlite3
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from ossh.protocol import NULL_VERSION

from ..wire.errors import OssServerError
from .files import private_file
from .space import Faults, storage_error

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS buckets(
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, acl TEXT NOT NULL, storage_class TEXT NOT NULL,
    location TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS buckets_owner ON buckets(owner, name);
CREATE TABLE IF NOT EXISTS objects(
    bucket TEXT NOT NULL, key BLOB NOT NULL, body TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
    crc64 TEXT NOT NULL, type TEXT NOT NULL, storage_class TEXT NOT NULL, acl TEXT NOT NULL,
    content_type TEXT NOT NULL, headers TEXT NOT NULL, meta TEXT NOT NULL, mtime REAL NOT NULL,
    version_id TEXT NOT NULL DEFAULT '{NULL_VERSION}',
    PRIMARY KEY(bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS versions(
    bucket TEXT NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL, version_id TEXT NOT NULL,
    marker INTEGER NOT NULL, body TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
    crc64 TEXT NOT NULL, type TEXT NOT NULL, storage_class TEXT NOT NULL, acl TEXT NOT NULL,
    content_type TEXT NOT NULL, headers TEXT NOT NULL, meta TEXT NOT NULL, mtime REAL NOT NULL,
    PRIMARY KEY(bucket, key, seq)) WITHOUT ROWID;
CREATE UNIQUE INDEX IF NOT EXISTS versions_id ON versions(bucket, key, version_id);
CREATE TABLE IF NOT EXISTS uploads(
    upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, initiated REAL NOT NULL,
    storage_class TEXT NOT NULL, acl TEXT NOT NULL, content_type TEXT NOT NULL, headers TEXT NOT NULL,
    meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_key ON uploads(bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts(
    upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, body TEXT NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, crc64 TEXT NOT NULL, mtime REAL NOT NULL,
    PRIMARY KEY(upload_id, part_number)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS bucket_config(
    bucket TEXT NOT NULL, name TEXT NOT NULL, value BLOB NOT NULL, PRIMARY KEY(bucket, name)) WITHOUT ROWID;
"""


def _add_version_column(conn: sqlite3.Connection) -> None:
    """A store made before versioning has no objects.version_id: add it (last, where a new store has it),
    under the write lock, so that two servers opening the same store do not both try."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if "version_id" not in {row[1] for row in conn.execute("PRAGMA table_info(objects)")}:
            conn.execute(f"ALTER TABLE objects ADD COLUMN version_id TEXT NOT NULL DEFAULT '{NULL_VERSION}'")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


class NotDurable(OssServerError):
    """A change committed (and visible) whose sync to disk failed; `result` is what the change returned."""

    def __init__(self, exc: OSError, result):
        super().__init__("InternalError", f"The server could not sync its index to disk: {exc.strerror}.")
        self.result = result


class _Change:
    """One writer's change waiting for a group commit."""

    __slots__ = ("work", "result", "error", "taken", "done")

    def __init__(self, work):
        self.work = work
        self.result, self.error, self.taken, self.done = None, None, False, False


class Database:
    """Hands each thread its own connection to one WAL database; writes go through commit()."""

    def __init__(self, path: Path, durable: bool = True, faults: Faults | None = None):
        self.path = path
        self.wal = path.with_name(path.name + "-wal")
        self.durable = durable
        self.faults = faults or Faults()
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer = threading.Lock()  # one writing transaction at a time in this process
        self._queue: list[_Change] = []
        self._leading = False
        self._turn = threading.Condition()
        private_file(path)
        self.conn().executescript(SCHEMA)
        _add_version_column(self.conn())
        self.batches = self.changes = 0  # group commit statistics

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE in commit() and write()).
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")  # commits are synced by sync() (see above)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def release(self) -> None:
        """Close the calling thread's connection: the HTTP server runs one thread per TCP connection, and
        an open SQLite connection (two file descriptors) per finished thread would pile up."""
        conn = getattr(self._local, "conn", None)
        if conn is None:
            return
        self._local.conn = None
        with self._lock:
            if conn in self._all:
                self._all.remove(conn)
        conn.close()

    def query(self, sql: str, args=()) -> list[sqlite3.Row]:
        return self.conn().execute(sql, args).fetchall()

    def one(self, sql: str, args=()) -> sqlite3.Row | None:
        return self.conn().execute(sql, args).fetchone()

    def cursor(self, sql: str, args=()) -> sqlite3.Cursor:
        """A lazily stepped cursor: rows are read from the index only as they are consumed."""
        return self.conn().execute(sql, args)

    def commit(self, work: Callable[[sqlite3.Connection], object]) -> object:
        """Run `work(conn)` in a transaction and return its result once durable, sharing the commit with
        concurrent writers. An exception from `work` rolls back that change alone and is raised here."""
        change = _Change(work)
        lead = None
        with self._turn:
            self._queue.append(change)
            while not change.done:
                if not self._leading and not change.taken:
                    self._leading = True
                    lead, self._queue = self._queue, []
                    for queued in lead:
                        queued.taken = True
                    break
                self._turn.wait()  # for a leader to take it, or for its batch to be durable
        if lead is not None:
            self._lead(lead)
        if change.error is not None:
            raise change.error
        return change.result

    def _lead(self, batch: list[_Change]) -> None:
        """Commit one batch, pass the lead on, sync; every change of the batch is done when this returns."""
        try:
            try:
                with self._transaction() as conn:
                    for change in batch:
                        self._apply(conn, change)
            finally:
                with self._turn:
                    self._leading = False
                    self._turn.notify_all()
        except BaseException as exc:  # noqa: B036 - the commit failed: nothing was written
            for change in batch:
                change.error = change.error or storage_error(exc) or exc
        else:
            try:
                self.sync()
            except OSError as exc:  # committed, but perhaps not durable: say so, and let the client retry
                for change in batch:
                    change.error = change.error or NotDurable(exc, change.result)
        self.batches += 1
        self.changes += len(batch)
        with self._turn:
            for change in batch:
                change.done = True
            self._turn.notify_all()

    @staticmethod
    def _apply(conn: sqlite3.Connection, change: _Change) -> None:
        conn.execute("SAVEPOINT change")
        try:
            change.result = change.work(conn)
        except BaseException as exc:  # noqa: B036 - handed to the writer, who raises it
            if not conn.in_transaction:
                raise  # SQLite gave up the whole transaction (a full disk)
            conn.execute("ROLLBACK TO change")
            change.error = storage_error(exc) or exc
        conn.execute("RELEASE change")

    def sync(self) -> None:
        """Make every transaction committed so far durable (nothing when not `durable`)."""
        if not self.durable:
            return
        self.faults.check_sync()
        try:
            fd = os.open(self.wal, os.O_RDONLY)
        except FileNotFoundError:
            return  # no WAL: every commit was checkpointed into the synced database
        try:
            os.fdatasync(fd)
        finally:
            os.close(fd)

    @contextmanager
    def write(self):
        """One write transaction, committed alone and synced (for rare writes: bucket changes)."""
        with self._transaction() as conn:
            yield conn
        self.sync()

    @contextmanager
    def _transaction(self):
        """BEGIN IMMEDIATE takes the write lock up front so readers never deadlock; one writer at a time in
        this process. A full or read-only disk comes out as StorageFull."""
        conn = self.conn()
        with self._writer:
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise (storage_error(exc) or exc) from None
            try:
                yield conn
                self.faults.take_commit()
                conn.execute("COMMIT")
            except BaseException as exc:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                full = storage_error(exc)
                if full is not None:
                    raise full from exc
                raise

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # created in a thread that already ended; sqlite closes it with the object
            self._all.clear()
        self._local = threading.local()
