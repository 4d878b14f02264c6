"""SQLite metadata of the embedded server: schema, one WAL connection per thread (closed when the thread's
connection ends), write transactions.

Keys are stored as BLOBs (UTF-8 bytes) so index order is OSS's byte order and range scans need no collation.
"""
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS buckets(
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, acl TEXT NOT NULL, storage_class TEXT NOT NULL,
    location TEXT NOT NULL, created REAL NOT NULL);
CREATE INDEX IF NOT EXISTS buckets_owner ON buckets(owner, name);
CREATE TABLE IF NOT EXISTS objects(
    bucket TEXT NOT NULL, key BLOB NOT NULL, body TEXT NOT NULL, size INTEGER NOT NULL, etag TEXT NOT NULL,
    crc64 TEXT NOT NULL, type TEXT NOT NULL, storage_class TEXT NOT NULL, acl TEXT NOT NULL,
    content_type TEXT NOT NULL, headers TEXT NOT NULL, meta TEXT NOT NULL, mtime REAL NOT NULL,
    PRIMARY KEY(bucket, key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS uploads(
    upload_id TEXT PRIMARY KEY, bucket TEXT NOT NULL, key BLOB NOT NULL, initiated REAL NOT NULL,
    storage_class TEXT NOT NULL, acl TEXT NOT NULL, content_type TEXT NOT NULL, headers TEXT NOT NULL,
    meta TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS uploads_key ON uploads(bucket, key, upload_id);
CREATE TABLE IF NOT EXISTS parts(
    upload_id TEXT NOT NULL, part_number INTEGER NOT NULL, body TEXT NOT NULL, size INTEGER NOT NULL,
    etag TEXT NOT NULL, crc64 TEXT NOT NULL, mtime REAL NOT NULL,
    PRIMARY KEY(upload_id, part_number)) WITHOUT ROWID;
"""


class Database:
    """Hands each thread its own connection to one WAL database."""

    def __init__(self, path: Path):
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self.conn().executescript(SCHEMA)

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE in write()).
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
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

    @contextmanager
    def write(self):
        """One write transaction; BEGIN IMMEDIATE takes the write lock up front so readers never deadlock."""
        conn = self.conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                try:
                    conn.close()
                except sqlite3.ProgrammingError:
                    pass  # created in a thread that already ended; sqlite closes it with the object
            self._all.clear()
        self._local = threading.local()
