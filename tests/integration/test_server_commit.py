"""Group commit: concurrent writers share commits, a failing change is rolled back alone, and every change
acknowledged is in the database."""

import threading

import pytest

from ossh.server.store.db import Database


class Refused(Exception):
    pass


def test_concurrent_changes_share_commits_and_fail_alone(tmp_path):
    db = Database(tmp_path / "meta.db")
    db.conn().execute("CREATE TABLE t(writer INTEGER, n INTEGER, PRIMARY KEY(writer, n))")
    acknowledged, refused = set(), set()
    lock = threading.Lock()

    def writer(w):
        for n in range(60):

            def change(conn, w=w, n=n):
                conn.execute("INSERT INTO t VALUES(?,?)", (w, n))
                if n % 7 == 3:
                    raise Refused(f"{w}/{n}")  # after writing: the change's savepoint must undo it
                return (w, n)

            try:
                done = db.commit(change)
            except Refused:
                with lock:
                    refused.add((w, n))
            else:
                with lock:
                    acknowledged.add(done)
        db.release()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(acknowledged) + len(refused) == 8 * 60 and len(refused) == 8 * 9
    assert set(map(tuple, db.query("SELECT writer, n FROM t"))) == acknowledged
    assert db.changes == 8 * 60 and db.batches < db.changes  # some commits carried several changes
    db.close()


def test_a_change_that_reads_then_writes_sees_the_changes_before_it_in_its_batch(tmp_path):
    db = Database(tmp_path / "meta.db")
    db.conn().execute("CREATE TABLE counter(n INTEGER)")
    db.conn().execute("INSERT INTO counter VALUES(0)")

    def bump(conn):
        (n,) = conn.execute("SELECT n FROM counter").fetchone()
        conn.execute("UPDATE counter SET n=?", (n + 1,))

    threads = [threading.Thread(target=lambda: [db.commit(bump) for _ in range(50)]) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert db.one("SELECT n FROM counter")[0] == 300
    with pytest.raises(Refused):
        db.commit(lambda conn: (_ for _ in ()).throw(Refused()))
    db.close()
