"""The embedded server's storage: range-scan listings, path safety, persistence, concurrent readers,
and crash consistency when `ossh serve` is killed with SIGKILL in the middle of a streaming put."""

import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import oss2
import pytest

from ossh.server import LocalServer
from ossh.server.store.listing import list_objects

ROOT = Path(__file__).resolve().parents[2]


def _bucket(srv, name="store"):
    bucket = oss2.Bucket(oss2.Auth(srv.access_key_id, srv.access_key_secret), srv.endpoint, name)
    bucket.create_bucket()
    return bucket


def test_delimiter_listing_skips_rolled_up_prefixes(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        bucket.put_object("dir-0/seed", b"")
        seed = srv.store.get("store", "dir-0/seed")
        rows = [(f"dir-{d}/{i:05d}".encode(), seed.body) for d in range(4) for i in range(5000)]
        rows += [(f"file-{i}".encode(), seed.body) for i in range(3)]
        with srv.store.db.write() as conn:  # 20,003 rows without 20,003 fsynced bodies
            conn.executemany(
                "INSERT OR REPLACE INTO objects(bucket, key, body, size, etag, crc64, type, storage_class, acl, "
                "content_type, headers, meta, mtime) VALUES('store',?,?,0,'E',0,'Normal','Standard','default',"
                "'application/octet-stream','{}','{}',0)",
                rows,
            )
        page = list_objects(srv.store.db, "store", "", "", "/", 1000)
        assert page.prefixes == [f"dir-{d}/" for d in range(4)]
        assert [o.key for o in page.entries] == ["file-0", "file-1", "file-2"]
        assert page.rows_read <= 10
        listed = list(oss2.ObjectIterator(bucket, delimiter="/", max_keys=2))
        assert [o.key for o in listed] == [f"dir-{d}/" for d in range(4)] + ["file-0", "file-1", "file-2"]
        page = list_objects(srv.store.db, "store", "dir-2/", "dir-2/04000", "", 1000)
        assert len(page.entries) == 999 and page.rows_read == 999 and not page.truncated
        started = time.monotonic()
        assert sum(1 for _ in oss2.ObjectIterator(bucket, prefix="dir-1/", max_keys=1000)) == 5000
        assert time.monotonic() - started < 10


def test_keys_never_leave_the_store(tmp_path):
    root = tmp_path / "root"
    with LocalServer(root, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        keys = ["../escape", "../../etc/passwd-x", "a/../../b", "a\\..\\..\\c", "./.", "a", "a/b", "~/x"]
        for key in keys:
            bucket.put_object(key, key.encode())
        for key in keys:
            assert bucket.get_object(key).read() == key.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["root"]
    data_files = [p for p in (root / "data").rglob("*") if p.is_file()]
    # each body is a file named by its id (never by its key) under data/<first two hex digits>/
    assert sorted(p.read_bytes() for p in data_files) == sorted(k.encode() for k in keys)
    for p in data_files:
        assert re.fullmatch(r"[0-9a-f]{32}", p.name) and p.relative_to(root / "data").parts == (p.name[:2], p.name), p
    assert not [p for p in root.rglob("*") if any(part in p.name for part in ("escape", "passwd", "~"))]


def test_objects_survive_a_restart(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        _bucket(srv).put_object("kept", b"still here")
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = oss2.Bucket(oss2.Auth("ak", "sk"), srv.endpoint, "store")
        assert bucket.get_object("kept").read() == b"still here"


def test_readers_never_see_half_an_object(tmp_path):
    versions = [bytes([i]) * 3_000_000 for i in range(1, 4)]
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        bucket.put_object("hot", versions[0])
        stop, seen, problems = threading.Event(), set(), []

        def writer():
            i = 0
            while not stop.is_set():
                bucket.put_object("hot", versions[i % 3])
                i += 1

        def reader():
            while not stop.is_set():
                body = bucket.get_object("hot").read()
                if body not in versions:
                    problems.append(len(body))
                seen.add(body[:1])

        threads = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        time.sleep(2)
        stop.set()
        for t in threads:
            t.join()
        assert not problems and len(seen) >= 2


def _serve(root: Path, env: dict) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "ossh", "serve", "--port", "0", "--root", str(root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    first = proc.stdout.readline().strip()
    assert first.startswith("endpoint: http://127.0.0.1:"), first
    return proc, first.split(" ", 1)[1]


def test_kill_9_during_a_streaming_put_leaves_a_consistent_store(tmp_path):
    env = {**os.environ, "OSS_ACCESS_KEY_ID": "ak", "OSS_ACCESS_KEY_SECRET": "sk"}
    proc, endpoint = _serve(tmp_path, env)
    try:
        bucket = oss2.Bucket(oss2.Auth("ak", "sk"), endpoint, "crash")
        bucket.create_bucket()
        bucket.put_object("big", b"old version " * 1000)
        sent = threading.Event()

        def body():
            for i in range(400):  # up to 400 MiB, never finished: the server dies first
                if i == 20:
                    sent.set()
                yield b"n" * (1 << 20)
                if i >= 20:
                    time.sleep(0.01)

        failure = []
        putter = threading.Thread(target=lambda: _capture(failure, bucket.put_object, "big", body()))
        putter2 = threading.Thread(target=lambda: _capture(failure, bucket.put_object, "new", body()))
        putter.start()
        putter2.start()
        assert sent.wait(30)
        time.sleep(0.3)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        putter.join(30)
        putter2.join(30)
        assert len(failure) == 2
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert any((tmp_path / "tmp").iterdir())  # the interrupted bodies were left behind...
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        assert not any((tmp_path / "tmp").iterdir())  # ...and the next start removes them
        bucket = oss2.Bucket(oss2.Auth("ak", "sk"), srv.endpoint, "crash")
        assert bucket.get_object("big").read() == b"old version " * 1000
        assert not bucket.object_exists("new")
        referenced = srv.store.referenced_bodies()
        on_disk = {p.name for p in (tmp_path / "data").rglob("*") if p.is_file()}
        assert on_disk == referenced
    check = sqlite3.connect(tmp_path / "meta.db").execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok"


def _capture(failures, fn, *args):
    try:
        fn(*args)
    except Exception as exc:  # the connection dies with the server
        failures.append(exc)


@pytest.mark.parametrize("partial", [True, False])
def test_orphans_from_a_crash_are_cleaned(tmp_path, partial):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        _bucket(srv).put_object("k", b"v")
    (tmp_path / "tmp" / "dead.tmp").write_bytes(b"half")
    orphan = tmp_path / "data" / "ab" / ("ab" + "0" * 30)
    if partial:
        orphan.write_bytes(b"renamed but never committed")
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        assert srv.store.recovered == (2 if partial else 1)
        assert not orphan.exists() and not any((tmp_path / "tmp").iterdir())
        assert oss2.Bucket(oss2.Auth("ak", "sk"), srv.endpoint, "store").get_object("k").read() == b"v"


def _files(root: Path) -> set[str]:
    return {p.name for p in (root / "data").rglob("*") if p.is_file()}


def test_a_multipart_object_is_its_parts_without_a_copy(tmp_path):
    part = 100 * 1024
    data = os.urandom(3 * part - 7)
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        upload_id = bucket.init_multipart_upload("mp").upload_id
        infos = [
            oss2.models.PartInfo(
                n + 1, bucket.upload_part("mp", upload_id, n + 1, data[n * part : (n + 1) * part]).etag
            )
            for n in range(3)
        ]
        bucket.upload_part("mp", upload_id, 4, b"listed nowhere")
        bucket.complete_multipart_upload("mp", upload_id, infos)
        assert len(_files(tmp_path)) == 3  # the three listed parts, nothing else
        for first, last in ((0, part - 1), (part - 10, part + 10), (part + 5, 3 * part - 8), (2 * part, 2 * part)):
            assert bucket.get_object("mp", byte_range=(first, last)).read() == data[first : last + 1]
        bucket.copy_object("store", "mp", "copy")
        upload_id = bucket.init_multipart_upload("from-copy").upload_id
        piece = bucket.upload_part_copy("store", "mp", (part - 50, part + 49), "from-copy", upload_id, 1)
        bucket.complete_multipart_upload("from-copy", upload_id, [oss2.models.PartInfo(1, piece.etag)])
        bucket.delete_object("mp")
        assert bucket.get_object("copy").read() == data
        assert bucket.get_object("from-copy").read() == data[part - 50 : part + 50]
        bucket.batch_delete_objects(["copy", "from-copy"])
        assert _files(tmp_path) == set()


def test_a_body_being_read_outlives_its_deletion(tmp_path):
    data = os.urandom(20 << 20)
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        bucket = _bucket(srv)
        bucket.put_object("big", data)
        reader = bucket.get_object("big")
        head = reader.read(1 << 20)
        bucket.put_object("big", b"replaced")  # the old body is released only when the reader ends
        bucket.delete_object("big")
        rest = reader.read()
        assert head + rest == data
        time.sleep(0.2)
        assert _files(tmp_path) == set()


def test_two_servers_can_share_a_root(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as first:
        in_flight = tmp_path / "tmp" / "being-written.tmp"
        in_flight.write_bytes(b"a PUT the first server is still receiving")
        with LocalServer(tmp_path, credentials={"ak": "sk"}) as second:
            assert in_flight.exists() and second.store.recovered == 0
            _bucket(first).put_object("k", b"from the first")
            other = oss2.Bucket(oss2.Auth("ak", "sk"), second.endpoint, "store")
            assert other.get_object("k").read() == b"from the first"
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as alone:
        assert alone.store.recovered == 1 and not in_flight.exists()
