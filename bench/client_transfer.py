"""Upload and download throughput of one large file through an `ossh serve` subprocess: OssClient
(upload_file, upload_stream, put_object, download_file, get_object_to_file) vs oss2
(put_object_from_file, resumable_upload, get_object_to_file) vs `cp`, measured in one run on the same
machine, printed as MB/s and ratios.

    python bench/client_transfer.py [SIZE_MIB]   (default 1024; files live on /dev/shm when it exists)
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from ossh.client import OssClient  # noqa: E402

AK, SK, BUCKET = "bench-ak", "bench-secret-key", "bench"
RUNS = 2


def start_server(root: str):
    env = {**os.environ, "OSS_ACCESS_KEY_ID": AK, "OSS_ACCESS_KEY_SECRET": SK, "PYTHONPATH": ROOT}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from ossh.server.serve import main; sys.exit(main(sys.argv[1:]))",
            "--port",
            "0",
            "--root",
            root,
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline().strip()
    if not line.startswith("endpoint: "):
        proc.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return proc, line.split(": ", 1)[1]


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def main() -> None:
    size = int(sys.argv[1] if len(sys.argv) > 1 else 1024) << 20
    base = "/dev/shm" if os.path.isdir("/dev/shm") else None
    work = tempfile.mkdtemp(prefix="ossh-bench-", dir=base)
    proc, endpoint = start_server(os.path.join(work, "server"))
    try:
        src = os.path.join(work, "src.bin")
        with open(src, "wb") as f:
            block = os.urandom(16 << 20)
            for _ in range(size // len(block)):
                f.write(block)
            f.write(block[: size % len(block)])
        dst = os.path.join(work, "dst.bin")
        client = OssClient(endpoint, AK, SK, region="cn-hangzhou")
        client.create_bucket(BUCKET)

        import oss2

        bucket = oss2.Bucket(oss2.Auth(AK, SK), endpoint, BUCKET)

        def put_stream():
            with open(src, "rb") as f:
                client.put_object(BUCKET, "ossh-put", f)

        def upload_stream():
            with open(src, "rb") as f:
                client.upload_stream(BUCKET, "ossh-stream", f)

        def cp():
            subprocess.run(["cp", src, dst], check=True)

        cp()  # warm-up: the first write into a fresh tmpfs pays for page allocation
        rows = [
            ("up", "cp", cp),
            ("up", "ossh upload_file", lambda: client.upload_file(BUCKET, "ossh-up", src)),
            ("up", "ossh put_object (one stream)", put_stream),
            ("up", "ossh upload_stream (32 MiB parts)", upload_stream),
            ("up", "oss2 put_object_from_file", lambda: bucket.put_object_from_file("oss2-put", src)),
            (
                "up",
                "oss2 resumable_upload",
                lambda: oss2.resumable_upload(bucket, "oss2-resumable", src, store=oss2.ResumableStore(root=work)),
            ),
            ("down", "cp", cp),
            ("down", "ossh download_file", lambda: client.download_file(BUCKET, "ossh-up", dst)),
            ("down", "ossh get_object_to_file (one stream)", lambda: client.get_object_to_file(BUCKET, "ossh-up", dst)),
            ("down", "oss2 get_object_to_file", lambda: bucket.get_object_to_file("ossh-up", dst)),
        ]
        results = {}
        for direction, name, fn in rows:
            best = float("inf")
            for _ in range(RUNS):  # best of RUNS: the first write into fresh tmpfs pages is slower
                if os.path.exists(dst):
                    os.unlink(dst)
                best = min(best, timed(fn))
                for key in ("ossh-put", "ossh-stream", "oss2-put", "oss2-resumable"):  # keep tmpfs (RAM) use down
                    client.delete_object(BUCKET, key)
            results[(direction, name)] = size / best / 1e6
        print(f"{size >> 20} MiB file, best of {RUNS} runs, server {endpoint}, files in {work}")
        for direction in ("up", "down"):
            ossh = max(v for (d, n), v in results.items() if d == direction and n.startswith("ossh"))
            for (d, name), mbs in results.items():
                if d == direction:
                    print(f"{direction:5} {name:36} {mbs:9.0f} MB/s   ossh-best/this {ossh / mbs:5.2f}x")
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
