"""The sync command: its output (a line per action, a summary, JSON), exit statuses, local paths taken
against the shell's local directory, and Ctrl-C followed by a re-run that finishes the job."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from .conftest import LAUNCHER


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def make_tree(root, n=3):
    (root / "sub").mkdir(parents=True)
    for i in range(n):
        (root / f"f{i}.txt").write_bytes(b"x" * (i + 1))
    (root / "sub" / "with space é.txt").write_bytes(b"hello")


def test_dry_run_then_sync_then_nothing_to_do(sh, client, bucket, tmp_path):
    make_tree(tmp_path / "src")
    out = sh.ok(f"sync -n src oss://{bucket}/p")  # relative to the shell's local directory
    lines = out.splitlines()
    assert f"(dry run) upload: {tmp_path}/src/f0.txt -> oss://{bucket}/p/f0.txt (1B)" in lines
    assert (
        f"(dry run) upload: {tmp_path}/src/sub/with space é.txt -> oss://{bucket}/p/sub/with space é.txt (5B)" in lines
    )
    assert lines[-1] == "(dry run) uploaded 4 (0.00 MiB), unchanged 0, deleted 0, failed 0"
    assert list(client.iter_objects(bucket)) == []
    out = sh.ok(f"cd oss://{bucket}; sync src oss://{bucket}/p/")
    assert out.splitlines()[-1] == "uploaded 4 (0.00 MiB), unchanged 0, deleted 0, failed 0"
    assert sh.ok(f"sync src oss://{bucket}/p/").splitlines() == [
        "uploaded 0 (0.0 MiB), unchanged 4, deleted 0, failed 0"
    ]
    assert sh.ok("ls p/sub/").strip().endswith("with space é.txt")  # the listing cache saw the change
    out = sh.ok(f"sync --delete oss://{bucket}/p/sub/ back")
    assert (tmp_path / "back" / "with space é.txt").read_bytes() == b"hello"
    assert out.splitlines()[-1] == "downloaded 1 (0.00 MiB), unchanged 0, deleted 0, failed 0"


def test_json_lines_and_failures_exit_1(ossh, client, bucket, tmp_path):
    make_tree(tmp_path / "src")
    client.put_object(bucket, "p/extra", b"e")
    client.put_object(bucket, "p/../evil", b"e")
    result = ossh("--json", "sync", "--delete", "src", f"oss://{bucket}/p/")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows[-1]["action"] == "summary" and rows[-1]["uploaded"] == 4 and rows[-1]["deleted"] == 2
    assert {"action": "delete", "src": None, "dst": f"oss://{bucket}/p/extra", "size": 1} in rows
    assert all(r["action"] == "upload" for r in rows[:-3])  # every key in DST not in SRC is deleted
    client.put_object(bucket, "p/../evil", b"e")
    result = ossh("sync", f"oss://{bucket}/", "down")
    assert result.returncode == 1
    assert result.stderr.splitlines() == ["ossh: sync: 1 skipped (listed above)"]
    assert (
        f"skip: oss://{bucket}/p/../evil: the key cannot be a local file name: it holds a '..' path component"
        in result.stdout.splitlines()
    )
    assert (tmp_path / "down" / "p" / "f2.txt").read_bytes() == b"xxx" and not (tmp_path / "evil").exists()


def test_usage_errors(sh, bucket, tmp_path):
    assert sh.fails("sync a b") == (
        "ossh: sync: sync a b: neither is a local directory; write the OSS side as oss://BUCKET/PREFIX/"
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert sh.fails("sync a b") == (
        "ossh: sync: sync a b: both are local directories; write the OSS side as oss://BUCKET/PREFIX/"
    )
    assert sh.fails("sync a .") == "ossh: sync: .: name a bucket (oss://BUCKET/PREFIX/)"  # . is remote: the root
    assert "1 to 64" in sh.fails(f"sync -j 0 a oss://{bucket}/")
    assert sh.fails(f"sync nosuchdir oss://{bucket}/").endswith("nosuchdir: no such directory")
    assert "overlap" in sh.fails(f"sync oss://{bucket}/a/ oss://{bucket}/a/b/")


def test_in_the_shell_the_side_that_is_not_a_local_directory_is_relative_to_the_current_prefix(
    sh, client, bucket, tmp_path
):
    make_tree(tmp_path / "src")
    client.put_object(bucket, "p/", b"")  # a directory marker, so cd can go there
    out = sh.ok(f"cd oss://{bucket}/p/; sync src .")
    assert out.splitlines()[-1] == "uploaded 4 (0.00 MiB), unchanged 0, deleted 0, failed 0"
    assert sorted(o.key for o in client.iter_objects(bucket)) == [
        "p/",
        "p/f0.txt",
        "p/f1.txt",
        "p/f2.txt",
        "p/sub/with space é.txt",
    ]
    (tmp_path / "back").mkdir()
    out = sh.ok(f"cd oss://{bucket}/p/; sync sub back")  # the remote side, without its trailing /
    assert out.splitlines()[-1] == "downloaded 1 (0.00 MiB), unchanged 0, deleted 0, failed 0"
    assert os.listdir(tmp_path / "back") == ["with space é.txt"]
    out = sh.ok(f"cd oss://{bucket}/; sync -n p/sub/ ~/ossh-nothing-here")  # ~ always means local
    home = os.path.expanduser("~")
    assert (
        f"(dry run) download: oss://{bucket}/p/sub/with space é.txt -> {home}/ossh-nothing-here/with space é.txt (5B)"
    ) in out.splitlines()
    assert not os.path.exists(f"{home}/ossh-nothing-here")


def test_ctrl_c_stops_and_a_rerun_finishes(ossh, oss_env, user_dirs, client, bucket, tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(400):
        (src / f"f{i:03}").write_bytes(os.urandom(2000))
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    env.update(user_dirs, **oss_env)
    proc = subprocess.Popen(
        [sys.executable, LAUNCHER, "-c", f"sync -j 1 src oss://{bucket}/p/"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not any(True for _ in client.iter_objects(bucket, "p/")) and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    assert "sync: cancelled" in err and "Traceback" not in err
    done = sum(1 for _ in client.iter_objects(bucket, "p/"))
    assert 0 < done < 400
    result = ossh("sync", "src", f"oss://{bucket}/p/")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].startswith(f"uploaded {400 - done} (")
    assert f"unchanged {done}," in result.stdout


def test_sides_are_exact_paths_and_filters_are_patterns(sh, client, bucket, tmp_path):
    make_tree(tmp_path / "src")
    assert "one exact path wanted" in sh.fails(f"sync sr* oss://{bucket}/p/")
    out = sh.ok(f"sync -n --exclude * --include *.txt --exclude sub/* src oss://{bucket}/p/")
    assert [line.rsplit("/", 1)[1] for line in out.splitlines()[:-1]] == ["f0.txt (1B)", "f1.txt (2B)", "f2.txt (3B)"]
    out = sh.ok(f"sync -n --exclude-dir sub 'src' oss://{bucket}/p/")
    assert "sub/" not in out and out.splitlines()[-1].startswith("(dry run) uploaded 3 (")


def test_a_name_that_is_not_utf8_is_skipped_and_reported_in_json(ossh, client, bucket, tmp_path):
    make_tree(tmp_path / "src")
    with open(os.path.join(os.fsencode(tmp_path / "src"), b"caf\xe9.txt"), "wb") as f:  # Latin-1, not UTF-8
        f.write(b"x")
    result = ossh("--json", "sync", "src", f"oss://{bucket}/p/")
    assert result.returncode == 1
    assert json.loads(result.stderr) == {"command": "sync", "message": "1 skipped (listed above)"}
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert {
        "action": "skip",
        "src": f"{tmp_path}/src/caf\udce9.txt",
        "dst": None,
        "size": None,
        "reason": "its name is not UTF-8, so it cannot be an OSS key",
    } in rows
    assert rows[-1]["uploaded"] == 4 and rows[-1]["skipped"] == 1


def test_hostile_names_are_shown_escaped(sh, client, bucket, tmp_path):
    client.put_object(bucket, "p/red\x1b[31mALERT", b"x")
    client.put_object(bucket, "p/../\x1b]0;title\x07", b"x")
    ok, out, err = sh(f"sync oss://{bucket}/p/ down")
    assert not ok and "\x1b" not in out + err and "\x07" not in out
    assert f"download: oss://{bucket}/p/red\\x1b[31mALERT -> {tmp_path}/down/red\\x1b[31mALERT (1B)" in out
    assert f"skip: oss://{bucket}/p/../\\x1b]0;title\\x07: the key cannot be a local file name" in out
    assert (tmp_path / "down" / "red\x1b[31mALERT").read_bytes() == b"x"
