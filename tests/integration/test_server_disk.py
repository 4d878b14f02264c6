"""The store's disk: full (ENOSPC injected in the store's write path), read-only at start, and private
(directories 0700, files 0600 whatever the umask)."""

import errno
import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ossh.client import OssClient
from ossh.client.errors import ServiceError
from ossh.server import LocalServer
from ossh.server.store.space import RESERVE, Faults

ROOT = Path(__file__).resolve().parents[2]


def _files(root: Path) -> set[Path]:
    return {p for p in (root / "data").rglob("*") if p.is_file()}


@pytest.fixture
def faulty(tmp_path):
    """(fault injector, client) of a server on tmp_path with bucket "disk" holding "k" = b"v"."""
    faults = Faults()
    with LocalServer(tmp_path, credentials={"ak": "sk"}, faults=faults) as srv:
        client = OssClient(srv.endpoint, "ak", "sk")
        client.create_bucket("disk")
        client.put_object("disk", "k", b"v")
        yield faults, client


def test_a_full_disk_refuses_writes_at_once_and_still_deletes(tmp_path):
    faults = Faults()
    with LocalServer(tmp_path, credentials={"ak": "sk"}, faults=faults) as srv:
        client = OssClient(srv.endpoint, "ak", "sk")
        client.create_bucket("full")
        for key in ("a", "b", "c"):
            client.put_object("full", key, os.urandom(64 << 10))
        upload_id = client.init_multipart_upload("full", "mp")
        client.upload_part("full", "mp", upload_id, 1, os.urandom(200 << 10))
        before = _files(tmp_path)
        assert (tmp_path / "reserve").stat().st_size == RESERVE

        faults.free = 0  # the disk is full from now on
        started = time.monotonic()
        for write in (
            lambda: client.put_object("full", "new", os.urandom(4096)),
            lambda: client.upload_part("full", "mp", upload_id, 2, os.urandom(4096)),
            lambda: client.put_object("full", "a", b"overwrite"),
        ):
            with pytest.raises(ServiceError) as failed:
                write()
            assert failed.value.status == 507 and failed.value.code == "InsufficientStorage"
            assert "no space left" in failed.value.message
        assert time.monotonic() - started < 2  # no retries with backoff
        assert faults.refused == 3  # one attempt each, no retry storm
        assert _files(tmp_path) == before and not any((tmp_path / "tmp").iterdir())  # nothing half-written
        assert client.get_object("full", "a").read() != b"overwrite"

        # SQLite's commit needs space: the delete gives up the reserve, commits, removes the body, and remakes
        # the reserve from the space it freed
        client.delete_object("full", "a")
        assert faults.free == (64 << 10) - Faults.COMMIT_COST
        assert (tmp_path / "reserve").stat().st_size == RESERVE
        client.abort_multipart_upload("full", "mp", upload_id)
        client.delete_objects("full", ["b"])
        assert len(_files(tmp_path)) == len(before) - 3
        assert [o.key for o in client.iter_objects("full")] == ["c"]
        assert not client.list_multipart_uploads("full").uploads
        faults.free = None
        client.put_object("full", "new", b"fits again")
        assert client.get_object("full", "new").read() == b"fits again"


def test_a_delete_that_cannot_commit_even_with_the_reserve_is_not_reported_done(tmp_path, faulty):
    faults, client = faulty
    (tmp_path / "reserve").unlink()  # nothing left to give up
    faults.free = 0
    with pytest.raises(ServiceError) as failed:
        client.delete_object("disk", "k")
    assert failed.value.status == 507
    faults.free = None
    assert client.get_object("disk", "k").read() == b"v"


def _serve_exit(root: Path, read_only: Path | None = None) -> tuple[int, str]:
    """Run `ossh serve --root root`; (exit status, stderr). With `read_only` (as root, whom permission bits
    do not stop): first mount an empty read-only file system there, in a private mount namespace that
    vanishes with the command."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    serve = [sys.executable, "ossh.py", "serve", "--port", "0", "--root", str(root)]
    if read_only is not None:
        script = 'mount -t tmpfs -o ro,size=1m none "$0" && exec "$@"'
        serve = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, str(read_only), *serve]
    run = subprocess.run(serve, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    return run.returncode, run.stderr


@pytest.mark.parametrize("where", ["root", "inside"])
def test_an_unwritable_store_is_a_one_line_error_at_start(tmp_path, where):
    """The root itself not writable: a usage error (2) naming it. The root writable but the store inside it
    not (its data directory, its index): the store cannot open (1), and the line says which file."""
    root = tmp_path / "store"
    if where == "inside":
        LocalServer(root).start().stop()
    if os.geteuid() == 0:
        status, err = _serve_exit(root, read_only=tmp_path if where == "root" else root / "data")
        reason = "read-only file system"
    else:
        for path in [tmp_path] if where == "root" else [root / "meta.db"]:
            path.chmod(path.stat().st_mode & ~0o222)
        status, err = _serve_exit(root)
        reason = "permission denied"
    assert err.count("\n") == 1 and "Traceback" not in err, err
    if where == "root":
        assert status == 2 and err.startswith(f"ossh: serve: argument --root: {root}: {reason}"), err
    else:
        assert status == 1 and err.startswith(f"ossh: serve: cannot open the store at {root}: {reason} ("), err


def _modes(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root.parent)): oct(stat.S_IMODE(p.stat().st_mode)) for p in [root, *root.rglob("*")]}


def _loose(root: Path) -> dict[str, str]:
    """Paths whose mode is not 0700 (directories) or 0600 (files)."""
    return {
        path: mode
        for path, mode in _modes(root).items()
        if mode != ("0o700" if (root.parent / path).is_dir() else "0o600")
    }


def test_a_new_store_is_private_whatever_the_umask(tmp_path):
    root = tmp_path / "new"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OSS_")},
        "OSS_ACCESS_KEY_ID": "ak",
        "OSS_ACCESS_KEY_SECRET": "sk",
    }
    proc = subprocess.Popen(
        [sys.executable, "ossh.py", "serve", "--port", "0", "--root", str(root)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.umask(0o022),
    )
    try:
        endpoint = proc.stdout.readline().split(" ", 1)[1].strip()
        client = OssClient(endpoint, "ak", "sk")
        client.create_bucket("private")
        client.put_object("private", "k", b"secret")
        client.upload_part("private", "mp", client.init_multipart_upload("private", "mp"), 1, b"part")
        created = _modes(root)  # while the server runs: its WAL, shared memory and lock files exist
        assert {
            "new/meta.db",
            "new/meta.db-wal",
            "new/meta.db-shm",
            "new/lock",
            "new/reserve",
            "new/data",
            "new/tmp",
            "new/data/00",
        } <= set(created)
        assert len([p for p in created if p.startswith("new/data/") and len(p) > 12]) == 2  # the two bodies
        assert _loose(root) == {}
    finally:
        proc.terminate()
        proc.wait(30)
        proc.stdout.close()


def test_the_default_embedded_store_is_private(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("OSS_")},
        "XDG_DATA_HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "HOME": str(tmp_path),
    }
    run = subprocess.run(
        [sys.executable, "ossh.py", "-c", "mb oss://private; put ossh.py oss://private/k"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=lambda: os.umask(0o022),
    )
    assert run.returncode == 0, run.stderr
    root = tmp_path / "ossh"
    assert {"ossh/meta.db", "ossh/lock", "ossh/credentials.json", "ossh/data/ff"} <= set(_modes(root))
    assert _loose(root) == {}


def test_an_existing_store_made_with_a_lax_umask_is_tightened(tmp_path):
    with LocalServer(tmp_path / "old", credentials={"ak": "sk"}) as srv:
        OssClient(srv.endpoint, "ak", "sk").create_bucket("lax")
    for path in [tmp_path / "old", *(tmp_path / "old").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)  # as earlier versions left it
    LocalServer(tmp_path / "old", credentials={"ak": "sk"}).start().stop()
    assert _loose(tmp_path / "old") == {}


def test_a_delete_is_not_reported_failed_when_only_the_sync_after_it_fails(tmp_path, faulty):
    faults, client = faulty
    faults.sync_errno = errno.EIO
    client.delete_object("disk", "k")  # it took effect: 204, and the body is gone
    assert _files(tmp_path) == set()
    with pytest.raises(ServiceError) as failed:  # a write that may not be durable is not acknowledged
        client.put_object("disk", "new", b"v")
    assert failed.value.status == 500 and "could not sync" in failed.value.message
