"""Two `ossh serve` processes on one root: while one overwrites keys, every GET served by either process
returns one whole version of the object (old or new), never a cut or mixed body."""

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

from ossh.client import OssClient

ROOT = Path(__file__).resolve().parents[2]
AK, SK = "shared-ak", "shared-sk"
READS = 2000


def serve(root: Path) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "OSS_ACCESS_KEY_ID": AK, "OSS_ACCESS_KEY_SECRET": SK}
    proc = subprocess.Popen(
        [sys.executable, "ossh.py", "serve", "--root", str(root), "--port", "0"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    first = proc.stdout.readline().strip()
    assert first.startswith("endpoint: "), first
    return proc, first.split(" ", 1)[1]


def versions(tag: str, size: int) -> list[bytes]:
    """Bodies that differ in every block, so a body stitched from two versions matches none of them."""
    return [hashlib.sha256(f"{tag}{v}".encode()).digest() * (size // 32) for v in range(3)]


def test_two_processes_overwriting_and_reading_one_store_never_serve_a_broken_body(tmp_path):
    first, first_url = serve(tmp_path)
    second, second_url = serve(tmp_path)
    try:
        writers = [OssClient(url, AK, SK) for url in (first_url, second_url)]
        writers[0].create_bucket("shared", acl="public-read")
        small, multi = versions("small", 64 << 10), versions("multi", 256 << 10)
        writers[0].put_object("shared", "small", small[0])
        _put_multipart(writers[0], "multi", multi[0])
        stop, problems, reads, seen = threading.Event(), [], [0], set()

        def overwrite(client, key, bodies, multipart):
            i = 1
            while not stop.is_set():
                if multipart:
                    _put_multipart(client, key, bodies[i % 3])
                else:
                    client.put_object("shared", key, bodies[i % 3])
                i += 1

        def read(url, key, bodies):
            session = requests.Session()
            while not stop.is_set():
                try:
                    resp = session.get(f"{url}/shared/{key}", timeout=30)
                    body = resp.content
                except requests.RequestException as exc:  # a response cut short
                    problems.append(f"{key} via {url}: {exc!r}")
                    session = requests.Session()
                    continue
                if resp.status_code != 200 or body not in bodies:
                    problems.append(f"{key} via {url}: {resp.status_code}, {len(body)} bytes")
                seen.add((key, body[:32]))
                reads[0] += 1
                if reads[0] >= READS:
                    stop.set()

        threads = [
            threading.Thread(target=overwrite, args=(writers[0], "small", small, False)),
            threading.Thread(target=overwrite, args=(writers[1], "multi", multi, True)),
        ]
        # each process serves reads of the key the other one overwrites, and of its own
        threads += [
            threading.Thread(target=read, args=(url, key, bodies))
            for url in (first_url, second_url)
            for key, bodies in (("small", small), ("multi", multi))
        ]
        for t in threads:
            t.start()
        stop.wait(120)
        stop.set()
        for t in threads:
            t.join(60)
        assert not problems, f"{len(problems)} broken of {reads[0]} reads: {problems[:5]}"
        assert reads[0] >= READS
        assert len(seen) >= 4  # both keys really changed under the readers
    finally:
        for proc in (first, second):
            proc.send_signal(signal.SIGTERM)
        for proc in (first, second):
            proc.wait(30)
            proc.stdout.close()
    # every replaced body was removed in the end, by whichever process let go of it last
    time.sleep(0.1)
    bodies = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert len(bodies) == 1 + 2, bodies  # "small" and the two parts of "multi"


def _put_multipart(client, key, body):
    upload_id = client.init_multipart_upload("shared", key)
    half = len(body) // 2
    parts = [
        client.upload_part("shared", key, upload_id, n + 1, chunk) for n, chunk in enumerate((body[:half], body[half:]))
    ]
    client.complete_multipart_upload("shared", key, upload_id, parts)
