"""Embedded server throughput: PUT and GET of one large object and of many small ones, the server in its own
process (`python -m ossh serve`), next to `cp` of the same file on the same disk; then small PUTs from
several concurrent clients, durable (the server's default) against `--no-sync` (acknowledged before the
directory and index are synced), measured in the same run.

    python bench/server_throughput.py [--size-mib 1024] [--small 1000] [--clients 8] [--dir DIR] [--no-large]

The client is plain requests (1 MiB send blocks) signed with ossh.client.auth, so the figures are the
server's. The server fsyncs every body before answering; `cp` does not, so `cp + fsync` is shown as well.
A simple PUT's ETag is the body's MD5, which one core computes at ~0.75 GB/s: that, not the disk or the
network, bounds one PUT stream; a multipart upload hashes its parts in parallel, one stream per connection.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ossh.client.auth import Credentials, SignableRequest, SignerV4  # noqa: E402
from ossh.client.crc import Crc64  # noqa: E402

BLOCK = 1 << 20
CREDS = Credentials("bench-ak", "bench-sk")
SIGNER = SignerV4("cn-hangzhou")


class BigBlocks(HTTPAdapter):
    def init_poolmanager(self, *args, **kwargs):
        kwargs["blocksize"] = BLOCK
        super().init_poolmanager(*args, **kwargs)


def start_server(root: Path, *flags: str) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "OSS_ACCESS_KEY_ID": CREDS.access_key_id, "OSS_ACCESS_KEY_SECRET": CREDS.access_key_secret}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ossh", "serve", "--port", "0", "--root", str(root), *flags],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("endpoint: "):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.split(" ", 1)[1]


def request(session, endpoint, method, bucket, key=None, params=None, **kwargs):
    req = SignableRequest(method, bucket, key, dict(params or {}), dict(kwargs.pop("headers", {})))
    SIGNER.sign(req, CREDS)
    url = f"{endpoint}/{bucket}/" + (quote(key, safe="/") if key else "")
    resp = session.request(method, url, headers=req.headers, params=params, **kwargs)
    if resp.status_code >= 300:
        raise SystemExit(f"{method} {key}: {resp.status_code} {resp.text[:300]}")
    return resp


def timed(fn) -> float:
    """Seconds for fn(), starting from a clean page cache state (os.sync) so that one step's writeback
    does not throttle the next."""
    os.sync()
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def best(fn, runs: int) -> float:
    return min(timed(fn) for _ in range(runs))


def make_source(path: Path, size: int) -> int:
    crc = Crc64()
    with open(path, "wb") as f:
        left = size
        while left:
            block = os.urandom(min(BLOCK * 8, left))
            crc.update(block)
            f.write(block)
            left -= len(block)
    return crc.value


def cp_rates(src: Path, work: Path, runs: int) -> tuple[float, float]:
    """`cp`, and `cp` followed by an fsync of the copy (the durability the server gives every PUT)."""
    dst = work / "cp.out"

    def cp():
        dst.unlink(missing_ok=True)
        subprocess.run(["cp", str(src), str(dst)], check=True)

    def cp_fsync():
        cp()
        fd = os.open(dst, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)

    rates = best(cp, runs), best(cp_fsync, runs)
    dst.unlink()
    return rates


def large(session, endpoint, src: Path, work: Path, size: int, crc: int, runs: int):
    """Best PUT, GET into memory, and GET into a file on the same disk (seconds)."""

    def put():
        with open(src, "rb") as f:
            resp = request(session, endpoint, "PUT", "bench", "large.bin", data=f)
        if int(resp.headers["x-oss-hash-crc64ecma"]) != crc:
            raise SystemExit("CRC mismatch after PUT")

    out = work / "get.out"

    def get(sink):
        got = 0
        with request(session, endpoint, "GET", "bench", "large.bin", stream=True) as resp:
            for chunk in resp.iter_content(BLOCK):
                sink(chunk)
                got += len(chunk)
        if got != size:
            raise SystemExit("short GET")

    def get_to_file():
        with open(out, "wb") as f:
            get(f.write)

    times = best(put, runs), best(lambda: get(len), runs), best(get_to_file, runs)
    out.unlink()
    return times


def multipart(endpoint, src: Path, size: int, crc: int, part_size: int, threads: int, runs: int) -> float:
    """Best multipart upload of the source: parts sent in parallel, one connection per thread (seconds)."""
    sessions = [requests.Session() for _ in range(threads)]
    for s in sessions:
        s.mount("http://", BigBlocks())

    def upload_part(upload_id, number):
        offset = (number - 1) * part_size
        with open(src, "rb") as f:
            f.seek(offset)
            body = PartReader(f, min(part_size, size - offset))
            resp = request(
                sessions[number % threads],
                endpoint,
                "PUT",
                "bench",
                "multipart.bin",
                {"partNumber": str(number), "uploadId": upload_id},
                data=body,
                headers={"Content-Length": str(body.left)},
            )
        return number, resp.headers["ETag"]

    def upload():
        init = request(sessions[0], endpoint, "POST", "bench", "multipart.bin", {"uploads": ""})
        upload_id = init.text.split("<UploadId>")[1].split("</UploadId>")[0]
        numbers = range(1, (size + part_size - 1) // part_size + 1)
        with ThreadPoolExecutor(threads) as pool:
            parts = list(pool.map(lambda n: upload_part(upload_id, n), numbers))
        xml = (
            "<CompleteMultipartUpload>"
            + "".join(f"<Part><PartNumber>{n}</PartNumber><ETag>{etag}</ETag></Part>" for n, etag in parts)
            + "</CompleteMultipartUpload>"
        )
        resp = request(
            sessions[0], endpoint, "POST", "bench", "multipart.bin", {"uploadId": upload_id}, data=xml.encode()
        )
        if int(resp.headers["x-oss-hash-crc64ecma"]) != crc:
            raise SystemExit("CRC mismatch after multipart upload")

    return best(upload, runs)


class PartReader:
    """A window of an open file, read in 1 MiB blocks by requests."""

    def __init__(self, f, length: int):
        self.f, self.left = f, length

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.f.read(n)
        self.left -= len(data)
        return data


def small(session, endpoint, count: int, size: int) -> tuple[float, float]:
    body = os.urandom(size)
    put_s = timed(
        lambda: [request(session, endpoint, "PUT", "bench", f"small/{i:05d}", data=body) for i in range(count)]
    )
    get_s = timed(lambda: [request(session, endpoint, "GET", "bench", f"small/{i:05d}").content for i in range(count)])
    return put_s, get_s


def _client(args) -> None:
    """One concurrent client (its own process, so the clients' Python does not share one GIL)."""
    endpoint, keys, size = args
    session = requests.Session()
    body = os.urandom(size)
    for key in keys:
        request(session, endpoint, "PUT", "bench", key, data=body)


def burst(pool, endpoint: str, prefix: str, count: int, clients: int, size: int) -> float:
    """Seconds for `clients` concurrent clients to PUT `count` objects of `size` bytes."""
    jobs = [(endpoint, [f"{prefix}/{i:06d}" for i in range(c, count, clients)], size) for c in range(clients)]
    started = time.perf_counter()
    pool.map(_client, jobs, chunksize=1)
    return time.perf_counter() - started


def concurrent(args, servers: dict[str, tuple] | None = None) -> dict[str, float]:
    """Small PUTs from concurrent clients against each server (label -> serve flags), in short bursts that
    alternate between the servers, so that both see the same machine load; returns objects/s by label."""
    servers = servers or {"durable": (), "--no-sync": ("--no-sync",)}
    work = Path(tempfile.mkdtemp(prefix="ossh-bench-", dir=args.dir))
    procs, endpoints = [], {}
    seconds = dict.fromkeys(servers, 0.0)
    rounds = max(1, args.concurrent // args.burst)
    try:
        for n, (label, flags) in enumerate(servers.items()):
            proc, endpoints[label] = start_server(work / f"root{n}", *flags)
            procs.append(proc)
            request(requests.Session(), endpoints[label], "PUT", "bench")
        with multiprocessing.get_context("fork").Pool(args.clients) as pool:
            for label in servers:  # warm up: connections, SQLite pages, directories
                burst(pool, endpoints[label], "warm", args.burst, args.clients, args.small_size)
            for r in range(rounds):
                order = list(servers) if r % 2 == 0 else list(servers)[::-1]
                for label in order:
                    seconds[label] += burst(pool, endpoints[label], f"r{r}", args.burst, args.clients, args.small_size)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    rates = {label: rounds * args.burst / s for label, s in seconds.items()}
    first = next(iter(rates))
    print(
        f"{args.clients} clients, {rounds} x {args.burst} PUTs of {args.small_size} B each: "
        + ", ".join(f"{label} {rate:.0f} objects/s" for label, rate in rates.items())
        + "".join(f", {first}/{label} {rates[first] / rate:.2f}" for label, rate in list(rates.items())[1:])
    )
    return rates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--small-size", type=int, default=4096)
    parser.add_argument("--dir", type=Path, default=None, help="work directory (default: a temp dir)")
    parser.add_argument("--runs", type=int, default=2, help="best of this many runs per step")
    parser.add_argument("--part-mib", type=int, default=64, help="multipart upload part size")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2, help="parallel parts")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients of the small-PUT case")
    parser.add_argument(
        "--concurrent",
        type=int,
        default=6000,
        help="objects PUT by the concurrent clients, per server (0: skip this case)",
    )
    parser.add_argument("--burst", type=int, default=400, help="objects per alternating burst")
    parser.add_argument("--no-large", action="store_true", help="only the concurrent small-PUT case")
    args = parser.parse_args()
    if args.no_large:
        concurrent(args)
        return 0
    work = Path(tempfile.mkdtemp(prefix="ossh-bench-", dir=args.dir))
    size = args.size_mib * BLOCK
    proc = None
    try:
        src = work / "source.bin"
        crc = make_source(src, size)
        cp_s, cp_sync_s = cp_rates(src, work, args.runs)
        proc, endpoint = start_server(work / "root")
        session = requests.Session()
        session.mount("http://", BigBlocks())
        request(session, endpoint, "PUT", "bench")
        put_s, get_s, get_file_s = large(session, endpoint, src, work, size, crc, args.runs)
        mpu_s = multipart(endpoint, src, size, crc, args.part_mib * BLOCK, args.threads, args.runs)
        sput_s, sget_s = small(session, endpoint, args.small, args.small_size)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(30)
        shutil.rmtree(work, ignore_errors=True)
    mb = size / 1e6

    def line(label, seconds, ref=None):
        rate = mb / seconds
        ratios = f"   {cp_s / seconds:5.0%} of cp, {cp_sync_s / seconds:5.0%} of cp + fsync" if ref else ""
        print(f"{label:<22}{rate:8.0f} MB/s{ratios}")

    print(f"work dir: {work.parent}; object {args.size_mib} MiB; best of {args.runs}")
    line("cp", cp_s)
    line("cp + fsync", cp_sync_s)
    line("server PUT", put_s, True)
    line(f"server multipart x{args.threads}", mpu_s, True)
    line("server GET (memory)", get_s, True)
    line("server GET (to file)", get_file_s, True)
    n = args.small
    print(f"{n} x {args.small_size} B  PUT {n / sput_s:7.0f} objects/s   GET {n / sget_s:7.0f} objects/s")
    if args.concurrent:
        concurrent(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
