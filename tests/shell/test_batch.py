"""ossh's command line (in-process through cli.main; a real pipe and `serve` as child processes): batch mode
from stdin, -b FILE, -c, one-shot commands, osscmd names, errors."""

import json
import os
import re
import subprocess
import sys

from .conftest import LAUNCHER

ERROR_LINE = re.compile(r"^ossh: line (\d+): ([^:\s]+(?: [^:\s]+)?): (.+)$")


def test_batch_session_from_stdin(ossh_process, client, bucket, tmp_path):
    """Through a real pipe, as `ossh < script` runs."""
    (tmp_path / "report 2024.txt").write_text("quarterly")
    (tmp_path / "数据.csv").write_text("a,b\n")
    script = f"""
# a comment, then a blank line

cd oss://{bucket}
put 'report 2024.txt' 数据.csv docs/
ls docs/
cp "docs/report 2024.txt" archive/
cat archive/report\\ 2024.txt
get docs/数据.csv fetched.csv
rm -r docs/
ls
"""
    r = ossh_process(input=script)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    out = r.stdout.splitlines()
    assert "report 2024.txt" in out and "数据.csv" in out
    assert "quarterly" in r.stdout and out[-1] == "archive/" and "/> " not in r.stdout  # no prompt
    assert (tmp_path / "fetched.csv").read_text() == "a,b\n"
    assert [s.key for s in client.iter_objects(bucket)] == ["archive/report 2024.txt"]


def test_first_failure_aborts_with_line_number(ossh, client, bucket):
    r = ossh(input=f"cd oss://{bucket}\n\n# comment\ncat missing.txt\nmkbucket {bucket}-never\n")
    assert r.returncode == 1
    m = ERROR_LINE.match(r.stderr.strip())
    assert m and m.group(1) == "4" and m.group(2) == "cat", r.stderr
    assert m.group(3).startswith(f"oss://{bucket}/missing.txt: The specified key does not exist.")
    assert re.search(r"\(NoSuchKey, request \w+\)$", m.group(3))
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    assert f"{bucket}-never" not in [b.name for b in client.iter_buckets()]


def test_dash_commands_may_fail(ossh, client, bucket):
    """sftp -b: a `-cmd` failure is reported, the run goes on, and the exit status ignores it."""
    r = ossh(input=f"-rm oss://{bucket}/nothing\n-frob\n-ls --bad\nmkbucket {bucket}-made\n")
    assert r.returncode == 0, r.stderr  # 0: every command written without `-` succeeded
    lines = r.stderr.splitlines()
    assert lines[0].startswith("ossh: line 1: rm: ")
    assert lines[1] == "ossh: line 2: frob: unknown command (try 'help')"
    assert lines[2] == "ossh: line 3: ls: unrecognized arguments: --bad"
    assert f"{bucket}-made" in [b.name for b in client.iter_buckets()]
    # a failure without `-` after tolerated ones still decides the status, and stops the run
    r = ossh(input=f"-cat oss://{bucket}/nothing\ncat oss://{bucket}/nothing\npwd\n")
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr.count("\n") == 2 and r.stderr.splitlines()[1].startswith("ossh: line 2: cat: ")
    r = ossh("-c", f"-rmbucket {bucket}-absent; pwd")
    assert (r.returncode, r.stdout) == (0, "oss://\n") and "line 1: rmbucket" in r.stderr


def test_bad_arguments_and_quotes_fail_cleanly(ossh):
    r = ossh(input="ls --frob\npwd\n")  # a usage error: exit status 2, and the run stops
    assert (r.returncode, r.stdout, r.stderr) == (2, "", "ossh: line 1: ls: unrecognized arguments: --frob\n")
    r = ossh(input="pwd\nls 'unterminated\n")
    assert (r.returncode, r.stdout, r.stderr) == (2, "oss://\n", "ossh: line 2: unterminated quote\n")


def test_c_and_b(ossh, bucket, tmp_path):
    r = ossh("-c", f"cd oss://{bucket}; pwd; cd ..; pwd")
    assert (r.returncode, r.stdout) == (0, f"oss://{bucket}/\noss://\n")
    r = ossh("-c", "pwd; cat oss://nope-bucket-x/k; pwd")
    assert r.returncode == 1 and r.stdout == "oss://\n"
    assert r.stderr.startswith("ossh: line 2: cat: ") and "NoSuchBucket" in r.stderr
    batch = tmp_path / "cmds.txt"
    batch.write_text(f"mkbucket {bucket}-b\n-rmbucket {bucket}-absent\nls -d oss://{bucket}-b/\n")
    r = ossh("-b", str(batch))
    assert r.returncode == 0 and r.stdout.splitlines()[-1] == f"oss://{bucket}-b/"
    assert f"line 2: rmbucket: oss://{bucket}-absent/" in r.stderr
    r = ossh("-b", str(tmp_path / "absent.txt"))
    assert r.returncode == 2 and "absent.txt" in r.stderr


def test_one_shot_commands_and_json(ossh, client, bucket, tmp_path):
    (tmp_path / "x.txt").write_text("xx")
    assert ossh("put", "x.txt", f"oss://{bucket}/d/").returncode == 0
    r = ossh("--json", "ls", "-l", f"oss://{bucket}/d/")
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert rows[0]["name"] == "x.txt" and rows[0]["size"] == 2 and rows[0]["last_modified"].endswith("Z")
    r = ossh("stat", f"oss://{bucket}/d/nope")
    assert r.returncode == 1 and r.stderr.startswith("ossh: stat: ") and "NoSuchKey" in r.stderr
    r = ossh("cat", f"oss://{bucket}/d/x.txt")
    assert (r.returncode, r.stdout) == (0, "xx")
    r = ossh("get", f"oss://{bucket}/d/x.txt", "-")
    assert r.stdout == "xx"
    r = ossh("put", "-", f"oss://{bucket}/d/stdin.txt", input="piped")
    assert r.returncode == 0 and client.get_object(bucket, "d/stdin.txt").read() == b"piped"
    r = ossh("help", "mpu")
    assert "usage:   mpu abort" in r.stdout and "example:" in r.stdout


def test_osscmd_names(ossh, client, bucket, tmp_path):
    name = f"{bucket}-osscmd"
    local = tmp_path / "my_local_file"
    local.write_bytes(b"osscmd body")
    assert ossh("createbucket", name).returncode == 0
    r = ossh("getallbucket")
    assert r.returncode == 0 and any(line.endswith(" " + name) for line in r.stdout.splitlines())
    assert ossh("put", str(local), f"oss://{name}/myobject").returncode == 0
    r = ossh("list", f"oss://{name}/")  # osscmd's shape: a line per object, then totals
    assert r.stdout.splitlines()[2].endswith(f" oss://{name}/myobject") and "object list number is: 1 " in r.stdout
    assert ossh("get", f"oss://{name}/myobject", "local_file").returncode == 0
    assert (tmp_path / "local_file").read_bytes() == b"osscmd body"
    assert ossh("multiupload", str(local), f"oss://{name}/multi").returncode == 0
    assert client.head_object(name, "multi").object_type == "Multipart"
    uid = client.init_multipart_upload(name, "pending")
    r = ossh("listparts", f"oss://{name}/")
    assert uid in r.stdout
    assert ossh("listpart", f"oss://{name}/pending", f"--upload_id={uid}").returncode == 0
    assert ossh("cancel", f"oss://{name}/pending", f"--upload_id={uid}").returncode == 0
    assert ossh("delete", f"oss://{name}/myobject").returncode == 0
    assert ossh("delete", f"oss://{name}/multi").returncode == 0
    r = ossh("deletebucket", name)
    assert r.returncode == 0, r.stderr
    assert name not in [b.name for b in client.iter_buckets()]


def test_embedded_server_when_nothing_is_configured(ossh, user_dirs):
    r = ossh("--verbose", "-c", "mkbucket local-one; ls", env={})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == "local-one"
    notice = r.stderr.splitlines()
    assert len(notice) == 1 and "embedded server" in notice[0] and user_dirs["XDG_DATA_HOME"] in notice[0]
    r = ossh("-c", "ls", env={})  # scripts get a clean stderr without --verbose
    assert (r.returncode, r.stdout, r.stderr) == (0, "local-one\n", "")
    again = ossh("ls", env={})  # the store persists between runs
    assert again.stdout.split() == ["local-one"]
    assert ossh("-c", "pwd", env={}).stderr == ""  # no client needed: no server started


def test_debug_shows_traceback_only_when_asked(ossh):
    r = ossh("--debug", "cat", "oss://no-such-bucket-zz/k")
    assert r.returncode == 1 and "Traceback" in r.stderr
    assert r.stderr.splitlines()[-1].startswith("ossh: cat: ")
    r = ossh("--debug=true", "cat", "oss://no-such-bucket-zz/k")  # osscmd's spelling
    assert r.returncode == 1 and "Traceback" in r.stderr
    r = ossh("--debug=false", "cat", "oss://no-such-bucket-zz/k")
    assert r.returncode == 1 and "Traceback" not in r.stderr and r.stderr.count("\n") == 1


def test_flags_override_the_environment(ossh, server, bucket):
    flags = [
        "--endpoint",
        server.endpoint,
        "--region",
        "cn-hangzhou",
        "--access-key-id",
        server.access_key_id,
        "--access-key-secret",
        server.access_key_secret,
    ]
    r = ossh(*flags, "ls", "-d", f"oss://{bucket}/", env={"OSS_ENDPOINT": "http://127.0.0.1:1"})
    assert (r.returncode, r.stdout, r.stderr) == (0, f"oss://{bucket}/\n", "")
    r = ossh("--access-key-secret", "wrong", "ls", f"oss://{bucket}/")
    assert r.returncode == 1 and "SignatureDoesNotMatch" in r.stderr and "wrong" not in r.stderr


def test_serve_is_dispatched(tmp_path, user_dirs):
    env = dict(os.environ, **user_dirs)
    proc = subprocess.Popen(
        [sys.executable, LAUNCHER, "serve", "--port", "0", "--root", str(tmp_path / "srv")],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert re.fullmatch(r"endpoint: http://127\.0\.0\.1:\d+\n", proc.stdout.readline())
    finally:
        proc.terminate()
        proc.wait(10)
