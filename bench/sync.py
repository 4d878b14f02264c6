"""sync at scale, the embedded server in its own process (`python -m ossh serve`), all figures from one run.

    python bench/sync.py [--files 10000] [--jobs 8] [--keys 20000,200000] [--dir DIR]

1. FILES small files (1-64 KiB) to an empty prefix: ossh sync vs a plain oss2 loop vs oss2 on a thread pool
   of the same width, next to raw signed PUTs of the same files at that width (plain requests, no sync
   logic): the server's small-PUT ceiling there, unless the raw client's CPU binds first (client and
   server share the machine's cores; ossh ahead of the raw PUTs means the server is not what binds).
2. The same tree synced again, unchanged: vs the floor any sync pays (list the prefix + os.stat every file).
3. Every mtime touched, content kept (a fresh checkout): ossh uploads nothing; the time to re-hash and decide.
4. Peak RSS of `ossh sync -n oss://... EMPTYDIR` (a subprocess) over 20,000 and 200,000 remote keys, the
   keys written straight into the server's index (see make_keys).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from server_throughput import CREDS, BigBlocks, request, start_server  # noqa: E402  (bench/ is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ossh.client import OssClient  # noqa: E402
from ossh.client.sync import HashCache, LocalDir, OssPrefix, Syncer, SyncOptions  # noqa: E402

ROUNDS = 4


def make_tree(root: Path, count: int) -> list[Path]:
    """count files under root/r0 .. r3 (one per round), 100 directories in all."""
    rng = random.Random(12)
    paths = []
    for i in range(count):
        path = root / f"r{i % ROUNDS}" / f"d{i % 100:02d}" / f"file-{i:05d}.bin"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(rng.randint(1024, 64 * 1024)))
        paths.append(path)
    return paths


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def ossh_sync(client, tree: Path, bucket: str, prefix: str, cache: Path, jobs: int):
    syncer = Syncer(client, LocalDir(str(tree)), OssPrefix(bucket, prefix), SyncOptions(jobs=jobs), HashCache(cache))
    for _ in syncer.run():
        pass
    if not syncer.summary.ok:
        raise SystemExit(f"sync failed: {syncer.summary}")
    return syncer.summary


def oss2_bucket(endpoint: str, bucket: str):
    import oss2

    return oss2.Bucket(oss2.Auth(CREDS.access_key_id, CREDS.access_key_secret), endpoint, bucket)


def keys_of(tree: Path, paths: list[Path], prefix: str) -> list[tuple[str, Path]]:
    return [(prefix + p.relative_to(tree).as_posix(), p) for p in paths]


def oss2_loop(b, items) -> None:
    for key, path in items:
        b.put_object_from_file(key, str(path))


def oss2_pool(b, items, width: int) -> None:
    with ThreadPoolExecutor(width) as pool:
        list(pool.map(lambda item: b.put_object_from_file(item[0], str(item[1])), items))


def raw_ceiling(endpoint: str, bucket: str, items, width: int) -> None:
    """The server's small-PUT rate at this width: signed PUTs from plain requests, one session per thread."""
    local = threading.local()

    def put(item):
        if not hasattr(local, "s"):
            local.s = requests.Session()
            local.s.mount("http://", BigBlocks())
        request(local.s, endpoint, "PUT", bucket, item[0], data=item[1].read_bytes())

    with ThreadPoolExecutor(width) as pool:
        list(pool.map(put, items))


def floor(client, tree: Path, bucket: str, prefix: str) -> None:
    """What any sync must do: list the prefix and stat every local file."""
    for _ in client.iter_objects(bucket, prefix=prefix):
        pass
    for dirpath, _, names in os.walk(tree):
        for name in names:
            os.stat(os.path.join(dirpath, name))


def key_name(prefix: str, i: int) -> str:
    return f"{prefix}d{i % 500:03d}/key-{i:06d}"


def make_keys(endpoint: str, root: Path, bucket: str, prefix: str, start: int, count: int) -> None:
    """Keys start..count-1, fast: one empty object PUT through the server, then its index row repeated
    under the other keys straight into the store's SQLite index, one transaction (the running server
    shares the store, WAL mode). Only listings read these keys; they all name the first one's empty body."""
    seed = key_name(prefix, start)
    request(requests.Session(), endpoint, "PUT", bucket, seed, data=b"")
    db = sqlite3.connect(root / "meta.db", timeout=60)
    try:
        cur = db.execute("SELECT * FROM objects WHERE bucket=? AND key=?", (bucket, seed.encode("utf-8")))
        row = cur.fetchone()
        at = [d[0] for d in cur.description].index("key")
        marks = ",".join("?" * len(row))
        with db:
            db.executemany(
                f"INSERT INTO objects VALUES({marks})",
                (row[:at] + (key_name(prefix, i).encode("utf-8"),) + row[at + 1 :] for i in range(start + 1, count)),
            )
    finally:
        db.close()


# A fresh small process starts the dry run and reports its children's peak RSS: the bench process is big,
# and a child forked from it would count the bench's pages touched before exec as its own.
_RSS_OF_CHILD = (
    "import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)"
    ".returncode; print(rc, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def dry_run_rss(endpoint: str, bucket: str, prefix: str, work: Path) -> tuple[float, int]:
    """Seconds and peak RSS (bytes) of a one-shot `ossh sync -n` downloading the prefix into an empty dir."""
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OSS_")},
        "OSS_ENDPOINT": endpoint,
        "OSS_ACCESS_KEY_ID": CREDS.access_key_id,
        "OSS_ACCESS_KEY_SECRET": CREDS.access_key_secret,
        "OSS_REGION": "cn-hangzhou",
        "XDG_CACHE_HOME": str(work / "cache"),
    }
    started = time.perf_counter()
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _RSS_OF_CHILD,
            sys.executable,
            str(ROOT / "ossh.py"),
            "sync",
            "-n",
            f"oss://{bucket}/{prefix}",
            str(work / "empty"),
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    if out[0] != "0":
        raise SystemExit(f"dry run exited {out[0]}")
    return time.perf_counter() - started, int(out[1]) * 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=8, help="ossh -j, and the oss2 pool's width")
    parser.add_argument("--keys", default="20000,200000", help="remote key counts for the dry-run RSS figures")
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ossh-bench-sync-", dir=args.dir))
    proc = None
    try:
        tree = work / "tree"
        paths = make_tree(tree, args.files)
        total = sum(p.stat().st_size for p in paths)
        proc, endpoint = start_server(work / "root")
        client = OssClient(endpoint, CREDS.access_key_id, CREDS.access_key_secret, region="cn-hangzhou")
        client.create_bucket("bench")
        b = oss2_bucket(endpoint, "bench")
        cache = work / "cache" / "hashes.sqlite"
        n, w = args.files, args.jobs
        print(f"{n} files, {total / 2**20:.0f} MiB (1-64 KiB each); width {w}; server in its own process")

        # the contenders take turns, a quarter of the tree each, so that a change in the machine's load
        # (it is shared) falls on all of them alike
        t_ossh = t_loop = t_pool = t_raw = 0.0
        for r in range(ROUNDS):
            part, mine = tree / f"r{r}", [p for p in paths if p.parts[-3] == f"r{r}"]
            t_ossh += timed(lambda: ossh_sync(client, part, "bench", f"ossh/r{r}/", cache, w))
            t_loop += timed(lambda: oss2_loop(b, keys_of(tree, mine, "loop/")))
            t_pool += timed(lambda: oss2_pool(b, keys_of(tree, mine, "pool/"), w))
            t_raw += timed(lambda: raw_ceiling(endpoint, "bench", keys_of(tree, mine, "raw/"), w))
        for label, t in (
            ("ossh sync", t_ossh),
            ("oss2 loop", t_loop),
            (f"oss2 pool x{w}", t_pool),
            (f"raw signed PUTs x{w}", t_raw),
        ):
            print(f"  {label:<30}{t:7.2f} s  {n / t:7.0f} files/s")
        print(
            f"  ossh sync: {t_loop / t_ossh:.2f}x the oss2 loop, {t_pool / t_ossh:.2f}x the oss2 pool, "
            f"{t_raw / t_ossh:.0%} of the rate of raw signed PUTs (the server's ceiling at this width, unless "
            "the client's own CPU binds first: client and server share this machine's cores)"
        )

        summaries = []
        t_again = timed(lambda: summaries.append(ossh_sync(client, tree, "bench", "ossh/", cache, w)))
        t_floor = min(timed(lambda: floor(client, tree, "bench", "ossh/")) for _ in range(3))
        s = summaries[-1]
        print(
            f"unchanged re-sync {t_again:.2f} s (uploaded {s.transferred}, read {s.hashed_files} files, "
            f"{s.heads} HEADs) vs floor {t_floor:.2f} s (list + stat): {t_again / t_floor:.2f}x"
        )

        for p in paths:
            os.utime(p)
        t_touch = timed(lambda: summaries.append(ossh_sync(client, tree, "bench", "ossh/", cache, w)))
        s = summaries[-1]
        print(
            f"every mtime touched: {t_touch:.2f} s, uploaded {s.transferred}, unchanged {s.unchanged}, "
            f"re-read {s.hashed_files} files ({s.hashed_bytes / 2**20:.0f} MiB), {s.heads} HEADs"
        )

        made = 0
        rss = []
        (work / "empty").mkdir()
        for count in [int(c) for c in args.keys.split(",") if c]:
            t_make = timed(lambda: make_keys(endpoint, work / "root", "bench", "many/", made, count))
            print(f"  made {count - made} more empty keys in {t_make:.1f} s ({(count - made) / t_make:.0f}/s)")
            made = count
            seconds, peak = dry_run_rss(endpoint, "bench", "many/", work)
            rss.append(peak)
            print(f"dry run over {count} remote keys: {seconds:.1f} s, peak RSS {peak / 2**20:.0f} MiB")
        if len(rss) > 1:
            print(f"  peak RSS ratio {rss[-1] / rss[0]:.2f}x")
    finally:
        if proc is not None:
            proc.terminate()
            proc.communicate(timeout=30)  # read what it prints on the way out: no broken pipe
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
