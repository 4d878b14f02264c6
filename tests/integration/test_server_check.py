"""`ossh serve --check [--repair]`: planted damage is found and repaired, a running server's store is not
touched, and a server killed with kill -9 mid-upload leaves a store whose only findings are crash debris."""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from ossh.client import OssClient
from ossh.server import LocalServer

ROOT = Path(__file__).resolve().parents[2]


def check(root: Path, *flags: str) -> tuple[int, list[str]]:
    run = subprocess.run(
        [sys.executable, "ossh.py", "serve", "--check", *flags, "--root", str(root)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "Traceback" not in run.stderr, run.stderr
    return run.returncode, (run.stdout + run.stderr).splitlines()


def test_check_finds_and_repairs_planted_damage(tmp_path):
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        client = OssClient(srv.endpoint, "ak", "sk")
        client.create_bucket("chk")
        for key in ("whole", "lost", "short", "tail"):
            client.put_object("chk", key, b"x" * 1000)
        client.append_object("chk", "appended", 0, b"a" * 100)
        upload_id = client.init_multipart_upload("chk", "mp")
        client.upload_part("chk", "mp", upload_id, 1, b"p" * 100)
        bodies = {key: srv.store.blobs.path(srv.store.get("chk", key).body) for key in ("lost", "short", "appended")}
    assert check(tmp_path) == (0, ["checked 5 object(s), 1 part(s), 6 file(s): the store is consistent"])

    orphan = tmp_path / "data" / "ab" / ("ab" + "1" * 30)
    orphan.write_bytes(b"renamed, never committed")
    (tmp_path / "tmp" / "dead.tmp").write_bytes(b"half a body")
    bodies["lost"].unlink()
    bodies["short"].write_bytes(b"x" * 10)
    with open(bodies["appended"], "ab") as f:
        f.write(b"bytes of an append that never committed")
    with sqlite3.connect(tmp_path / "meta.db") as db:
        db.execute("DELETE FROM uploads")  # its part stays behind
        part_body = db.execute("SELECT body FROM parts").fetchone()[0]
    status, lines = check(tmp_path)
    assert status == 1
    assert sorted(lines[:-1]) == sorted(
        [
            "missing body: oss://chk/lost: " + str(bodies["lost"].relative_to(tmp_path)) + " is gone",
            "size mismatch: oss://chk/short: "
            + str(bodies["short"].relative_to(tmp_path))
            + " holds 10 bytes, the record says 1000",
            "bytes past an append: oss://chk/appended: "
            + str(bodies["appended"].relative_to(tmp_path))
            + " holds 139 bytes, the object 100",
            f"orphan part: part 1 of upload {upload_id} (the upload is gone)",
            "unfinished temp file: tmp/dead.tmp (11 bytes, no record names it)",
            f"orphan file: data/ab/{orphan.name} (24 bytes, no record names it)",
            f"orphan file: data/{part_body[:2]}/{part_body} (100 bytes, no record names it)",
        ]
    )
    assert lines[-1].endswith(
        "7 finding(s) (1 bytes past an append, 1 missing body, 2 orphan file, 1 orphan part, "
        "1 size mismatch, 1 unfinished temp file); --repair fixes what it can"
    )
    assert orphan.exists()  # a check alone changes nothing

    status, lines = check(tmp_path, "--repair")
    assert status == 1
    repaired = [line for line in lines if line.startswith("repaired: ")]
    assert len(repaired) == 6 and "repaired: removed the record of oss://chk/lost (its body is gone)" in repaired
    assert lines[-1].endswith("; repaired 6, 1 left (1 size mismatch)")
    assert not orphan.exists() and not any((tmp_path / "tmp").iterdir())

    status, lines = check(tmp_path)
    assert status == 1 and len(lines) == 2 and lines[0].startswith("size mismatch: oss://chk/short")
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        client = OssClient(srv.endpoint, "ak", "sk")
        assert client.get_object("chk", "appended").read() == b"a" * 100
        assert sorted(o.key for o in client.iter_objects("chk")) == ["appended", "short", "tail", "whole"]
        client.delete_object("chk", "short")
    assert check(tmp_path)[0] == 0


def test_check_refuses_a_store_in_use_and_a_directory_that_is_not_a_store(tmp_path):
    with LocalServer(tmp_path / "live", credentials={"ak": "sk"}):
        status, lines = check(tmp_path / "live", "--repair")
        assert status == 1 and lines == [
            f"ossh: serve: the store at {tmp_path / 'live'} is in use by a running server; stop it, then check again"
        ]
    status, lines = check(tmp_path)
    assert status == 1 and lines == [f"ossh: serve: {tmp_path} is not an ossh store (no meta.db)"]


def test_kill_9_of_the_server_mid_upload_leaves_a_consistent_store(tmp_path):
    env = {**os.environ, "OSS_ACCESS_KEY_ID": "ak", "OSS_ACCESS_KEY_SECRET": "sk"}
    proc = subprocess.Popen(
        [sys.executable, "ossh.py", "serve", "--port", "0", "--root", str(tmp_path)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        endpoint = proc.stdout.readline().split(" ", 1)[1].strip()
        client = OssClient(endpoint, "ak", "sk")
        client.create_bucket("crash")
        client.put_object("crash", "kept", b"acknowledged before the crash")
        upload_id = client.init_multipart_upload("crash", "mp")
        first = client.upload_part("crash", "mp", upload_id, 1, b"1" * (100 << 10))
        sending = threading.Event()

        def endless():
            for i in range(1000):
                if i == 4:
                    sending.set()
                yield b"n" * (1 << 20)
                time.sleep(0.01)

        def doomed(call):
            try:
                call()
            except Exception:  # noqa: BLE001 - the server dies under it
                pass

        writers = [
            threading.Thread(target=doomed, args=(call,))
            for call in (
                lambda: client.put_object("crash", "kept", endless()),
                lambda: client.upload_part("crash", "mp", upload_id, 2, endless()),
            )
        ]
        for writer in writers:
            writer.start()
        assert sending.wait(30)
        time.sleep(0.2)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        for writer in writers:
            writer.join(30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    status, lines = check(tmp_path)
    kinds = {line.split(":")[0] for line in lines[:-1]}
    assert kinds <= {"unfinished temp file", "orphan file"} and "unfinished temp file" in kinds, lines
    check(tmp_path, "--repair")
    assert check(tmp_path) == (0, ["checked 1 object(s), 1 part(s), 2 file(s): the store is consistent"])
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        client = OssClient(srv.endpoint, "ak", "sk")
        assert client.get_object("crash", "kept").read() == b"acknowledged before the crash"
        client.complete_multipart_upload("crash", "mp", upload_id, [first])
        assert client.get_object("crash", "mp").read() == b"1" * (100 << 10)
