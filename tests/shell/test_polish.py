"""What a user notices: listings that say what is (not) there, hints, presign limits, one-line flag errors with
exit status 2, `exit N`, JSON errors, and notices only where a person is looking."""

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from ossh.client import ClientError, OssClient

from .conftest import LAUNCHER

# ---------------------------------------------------------------- listings and hints


def test_ls_of_a_prefix_that_does_not_exist_says_so(sh, client, bucket):
    client.put_object(bucket, "2024/a.jpg", b"x")
    client.put_object(bucket, "marked/", b"")  # a directory marker alone: the prefix exists
    sh.ok(f"cd oss://{bucket}")
    assert sh.fails("ls nosuch/") == "ossh: ls: nosuch/: no such prefix"
    assert sh.fails("ls -r nosuch/") == "ossh: ls: nosuch/: no such prefix"
    assert sh.fails("ls -l 2024/a.jpg/") == "ossh: ls: 2024/a.jpg/: no such prefix"
    assert sh.ok("ls 2024/") == "a.jpg\n"
    assert sh.ok("ls marked/") == ""
    assert sh.fails("cd nosuch/") == "ossh: cd: nosuch/: no such prefix"  # the same words as cd


def test_ls_of_an_empty_bucket_is_fine(sh, bucket):
    assert sh.ok(f"ls oss://{bucket}/") == ""
    sh.ok(f"cd oss://{bucket}")
    assert sh.ok("ls") == ""


def test_rm_of_a_prefix_named_without_its_slash_hints_at_rm_r(sh, client, bucket):
    client.put_object(bucket, "2024/beach.jpg", b"x")
    client.put_object(bucket, "my trip/1.jpg", b"x")
    sh.ok(f"cd oss://{bucket}")
    err = sh.fails("rm 2024")
    assert err == f"ossh: rm: oss://{bucket}/2024: no such object; 2024/ is a prefix (rm -r 2024/)"
    assert "(rm -r 'my trip/')" in sh.fails("rm 'my trip'")  # the hint can be pasted as it is
    sh.ok("cd")  # elsewhere: the hint is absolute
    assert sh.fails(f"rm oss://{bucket}/2024").endswith(f"(rm -r oss://{bucket}/2024/)")
    sh.ok(f"cd oss://{bucket}")
    assert client.object_exists(bucket, "2024/beach.jpg")
    assert sh.fails("rm nothing-here") == f"ossh: rm: oss://{bucket}/nothing-here: no such object"
    assert sh.ok("rm -r 2024") == f"removed 1 object under oss://{bucket}/2024/\n"


def test_mpu_ls_with_no_uploads_says_so(sh, client, bucket):
    assert sh.ok(f"mpu ls oss://{bucket}/") == "no uploads\n"
    sh.ctx.state.format = "json"
    assert sh.ok(f"mpu ls oss://{bucket}/") == ""  # JSON: no rows, no lines
    sh.ctx.state.format = "text"
    uid = client.init_multipart_upload(bucket, "big.iso")
    out = sh.ok(f"mpu ls oss://{bucket}/")
    assert any(line.split()[:3] == ["AGE", "PARTS", "BYTES"] for line in out.splitlines()) and uid in out
    assert "no uploads" not in out


def test_no_buckets_says_so_in_text_and_nothing_in_json(ossh):
    # (osscmd's getallbucket keeps osscmd's shape instead: its header and `Bucket Number is: 0`)
    for argv in (["ls"], ["ls", "-l", "oss://"]):
        r = ossh(*argv, env={})
        assert (r.returncode, r.stdout, r.stderr) == (0, "no buckets\n", ""), argv
    r = ossh("--json", "ls", "-l", "oss://", env={})
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
    r = ossh("-c", "mkbucket first-one; ls -l oss://", env={})
    assert r.stdout.splitlines()[-1].endswith(" first-one") and "no buckets" not in r.stdout


# ---------------------------------------------------------------- presign


def test_presign_refuses_what_oss_refuses_up_front(sh, client, bucket):
    client.put_object(bucket, "f.txt", b"12345")
    sh.ok(f"cd oss://{bucket}")
    assert sh.fails("presign f.txt --expires 604801") == (
        "ossh: presign: --expires must be from 1 to 604800 seconds (7 days) with V4 signatures, not 604801"
    )
    assert sh.fails("presign f.txt --expires -5") == (
        "ossh: presign: --expires must be a positive number of seconds, not -5"
    )
    url = sh.ok("presign f.txt --expires 604800").strip()
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"12345"  # the longest OSS takes still works
    for expires in (604801, 0):  # Python callers get the same check
        with pytest.raises(ClientError, match="from 1 to 604800"):
            client.presign("GET", bucket, "f.txt", expires=expires)


def test_v1_presigned_urls_have_no_seven_day_limit(server, bucket, client):
    from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET

    client.put_object(bucket, "f.txt", b"v1")
    v1 = OssClient(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, signature_version="v1")
    url = v1.presign("GET", bucket, "f.txt", expires=30 * 86400)  # an absolute Expires time: no cap
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"v1"


def test_presign_on_the_embedded_server_warns_that_the_url_dies_with_ossh(ossh, oss_env, bucket):
    r = ossh("-c", "mkbucket warn-me; put - oss://warn-me/k; presign oss://warn-me/k", input="x", env={})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1].startswith("http://127.0.0.1:")
    warning = r.stderr.splitlines()
    assert len(warning) == 1 and warning[0].startswith("ossh: presign: warning: ") and "ossh serve" in warning[0]
    r = ossh("--json", "presign", "oss://warn-me/k", env={})
    assert json.loads(r.stderr)["warning"] == warning[0][len("ossh: presign: warning: ") :]
    assert json.loads(r.stdout)["url"].startswith("http://127.0.0.1:")
    assert ossh("-q", "presign", "oss://warn-me/k", env={}).stderr == ""
    r = ossh("-c", f"put - oss://{bucket}/k; presign oss://{bucket}/k", input="x")  # a real endpoint: no warning
    assert (r.returncode, r.stderr) == (0, "")


# ---------------------------------------------------------------- flags


@pytest.mark.parametrize(
    "args, says",
    [
        (["--port", "99999"], "--port: must be a port number from 0 to 65535"),
        (["--port", "-1"], "--port: must be a port number"),
        (["--port", "http"], "--port: must be a port number"),
        (["--host", "no such host"], "--host: not a host name or address"),
        (["--host", "nosuchhost.invalid"], "--host: cannot resolve 'nosuchhost.invalid'"),
        (["--host", ""], "--host: not a host name or address"),
        (["--root", "FILE"], "--root: FILE: not a directory"),
        (["--root", "FILE/below"], "is not a directory"),
        (["--root", ""], "--root: give a directory"),
        (["--region", "cn hangzhou"], "--region: not a region id"),
        (["--region", "a\nb"], "--region: not a region id"),
        (["--accounts", "MISSING"], "--accounts: MISSING: No such file or directory"),
        (["--accounts", "FILE"], "--accounts: FILE: not JSON"),
        (["--accounts", "LIST"], '--accounts: LIST: want {"AccessKeyId": "AccessKeySecret", ...}'),
        (["--restore-delay", "-1"], "--restore-delay: must be a number of seconds from 0 to 604800, not '-1'"),
        (["--restore-delay", "nan"], "--restore-delay: must be a number of seconds"),
        (["--lifecycle-interval", "week"], "--lifecycle-interval: must be a number of seconds"),
        (["--frobnicate"], "unrecognized arguments: --frobnicate"),
        (["--port"], "--port: expected one argument"),
    ],
)
def test_serve_refuses_bad_flags_in_one_line_with_status_2(args, says, tmp_path, user_dirs):
    (tmp_path / "FILE").write_text("not json")
    (tmp_path / "LIST").write_text("[1, 2]")
    names = {
        "FILE": str(tmp_path / "FILE"),
        "FILE/below": str(tmp_path / "FILE" / "below"),
        "MISSING": str(tmp_path / "missing.json"),
        "LIST": str(tmp_path / "LIST"),
    }
    args = [names.get(a, a) for a in args]
    says = says.replace("FILE", names["FILE"]).replace("MISSING", names["MISSING"]).replace("LIST", names["LIST"])
    env = dict(os.environ, **user_dirs)
    r = subprocess.run(
        [sys.executable, LAUNCHER, "serve", "--root", str(tmp_path / "root"), "--port", "0", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert r.returncode == 2, r.stderr
    assert r.stderr.startswith("ossh: serve: ") and r.stderr.count("\n") == 1, r.stderr
    assert says in r.stderr and "Traceback" not in r.stderr and r.stdout == ""


def test_serve_on_a_port_in_use_says_so_in_one_line(tmp_path, user_dirs):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        r = subprocess.run(
            [sys.executable, LAUNCHER, "serve", "--root", str(tmp_path / "root"), "--port", str(port)],
            capture_output=True,
            text=True,
            env=dict(os.environ, **user_dirs),
            timeout=30,
        )
    assert r.returncode == 1  # the machine's state, not a malformed argument
    assert r.stderr == f"ossh: serve: cannot listen on 127.0.0.1:{port}: Address already in use\n"


@pytest.mark.parametrize(
    "args, env, says",
    [
        (
            ["--endpoint", "http://[::1", "ls"],
            {},
            "ossh: --endpoint: invalid endpoint 'http://[::1' (Invalid IPv6 URL)",
        ),
        (["--endpoint", "http://127.0.0.1:99999", "ls"], {}, "ossh: --endpoint: invalid endpoint"),
        (["--endpoint", "ftp://example.com", "ls"], {}, "ossh: --endpoint: invalid endpoint 'ftp://example.com'"),
        (["ls"], {"OSS_ENDPOINT": "http://[::1"}, "ossh: OSS_ENDPOINT: invalid endpoint"),
        (["--region", "cn hangzhou", "ls"], {"OSS_ENDPOINT": "http://127.0.0.1:1"}, "ossh: --region: not a region id"),
        (["ls"], {"OSS_ENDPOINT": "http://127.0.0.1:1", "OSS_REGION": "x\x1b[2J"}, "ossh: OSS_REGION: not a region id"),
        (
            ["--access-key-id", "caf\u00e9", "--access-key-secret", "s", "--endpoint", "http://127.0.0.1:1", "ls"],
            {},
            "ossh: --access-key-id: not an access key id",
        ),
        (
            ["--access-key-id", "ak", "--access-key-secret", "top secret", "--endpoint", "http://127.0.0.1:1", "ls"],
            {},
            "ossh: --access-key-secret: not an access key secret (printable ASCII, no spaces)",
        ),
        (["--access-key-id", "ak", "--endpoint", "http://127.0.0.1:1", "ls"], {}, "ossh: give both the access key id"),
        (["--frobnicate"], {}, "ossh: unrecognized arguments: --frobnicate (see ossh --help)"),
        (["--verbose", "--quiet", "ls"], {}, "ossh: argument --quiet/-q: not allowed with argument --verbose/-v"),
        (["-b"], {}, "ossh: argument -b: expected one argument"),
        (["-b", "MISSING"], {}, "ossh: -b: MISSING: No such file or directory"),
        (["-b", "DIR"], {}, "ossh: -b: DIR: Is a directory"),
        (["-b", "BINARY"], {}, "ossh: -b: BINARY: not a text file (UTF-8)"),
    ],
)
def test_ossh_refuses_bad_flags_in_one_line_with_status_2(ossh, tmp_path, args, env, says):
    (tmp_path / "BINARY").write_bytes(b"\xff\xfe\x00binary")
    (tmp_path / "DIR").mkdir()
    r = ossh(*args, env=env)
    assert r.returncode == 2, r.stderr
    assert r.stderr.count("\n") == 1 and r.stderr.startswith(says), r.stderr
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    assert "top secret" not in r.stderr and "\x1b" not in r.stderr


def test_a_one_shot_command_with_bad_arguments_exits_2(ossh, bucket):
    r = ossh("ls", "--frob")
    assert (r.returncode, r.stderr) == (2, "ossh: ls: unrecognized arguments: --frob\n")
    r = ossh("presign", f"oss://{bucket}/k", "--expires", "604801")
    assert r.returncode == 2 and r.stderr.startswith("ossh: presign: --expires must be from 1 to 604800")
    assert ossh("cat", f"oss://{bucket}/missing").returncode == 1  # a command that failed: 1
    assert ossh("-c", "ls --frob").returncode == 2  # the same in every mode


# ---------------------------------------------------------------- exit N and --json errors


def test_exit_n_sets_the_exit_status_in_every_mode(ossh, tmp_path):
    assert ossh("-c", "pwd; exit 3; pwd").returncode == 3
    r = ossh("-c", "pwd; exit 3; pwd")
    assert r.stdout == "oss://\n"  # nothing after exit runs
    assert ossh("exit", "4").returncode == 4
    assert ossh(input="pwd\nexit 5\npwd\n").returncode == 5
    batch = tmp_path / "b.txt"
    batch.write_text("-cat oss://no-such-bucket-zz/k\nexit 0\n")
    assert ossh("-b", str(batch)).returncode == 0  # an explicit 0 wins over the tolerated failure
    batch.write_text("-cat oss://no-such-bucket-zz/k\nexit\n")
    assert ossh("-b", str(batch)).returncode == 0  # sftp -b: the tolerated failure does not count
    r = ossh("-c", "exit 256")
    assert (r.returncode, r.stderr) == (2, "ossh: line 1: exit: STATUS must be a number from 0 to 255, not '256'\n")
    assert ossh("-c", "exit -1").returncode == 2  # a usage error, as in every mode


def test_exit_n_in_the_interactive_shell(cached_sh, tmp_path):
    from .test_prompt import Terminal

    def script(t, send):
        t.wait_for("oss://>")
        send("exit 7\r")

    assert Terminal(cached_sh, tmp_path / "history").run(script) == 7


def test_json_errors_are_json_objects_on_stderr(ossh, bucket):
    r = ossh("--json", "-c", f"pwd; cat oss://{bucket}/missing")
    assert r.returncode == 1 and json.loads(r.stdout) == {"uri": "oss://"}
    lines = r.stderr.splitlines()
    assert len(lines) == 1
    err = json.loads(lines[0])
    assert err["where"] == "line 2" and err["command"] == "cat" and err["code"] == "NoSuchKey"
    assert err["message"] == f"oss://{bucket}/missing: The specified key does not exist."
    assert len(err["request_id"]) >= 16
    r = ossh("--json", "ls", "--frob")  # a usage error has no code or request id
    assert json.loads(r.stderr) == {"command": "ls", "message": "unrecognized arguments: --frob"}
    r = ossh("--json", input="pwd 'open\n")
    assert json.loads(r.stderr) == {"where": "line 1", "message": "unterminated quote"}


def test_set_format_json_makes_errors_json_too(sh):
    sh("set format json")
    ok, out, err = sh("frobnicate")
    assert not ok and json.loads(err) == {"command": "frobnicate", "message": "unknown command (try 'help')"}


# ---------------------------------------------------------------- the embedded server notice


def test_the_embedded_server_notice_only_where_someone_looks(ossh):
    assert ossh("ls", env={}).stderr == ""  # one-shot
    assert ossh(input="ls\n", env={}).stderr == ""  # piped
    r = ossh("-v", "ls", env={})
    assert r.stderr.startswith("ossh: no endpoint configured; started the embedded server at http://127.0.0.1:")
    r = ossh("--json", "--verbose", "ls", env={})
    assert json.loads(r.stderr)["notice"].startswith("no endpoint configured; started the embedded server")


def _interactive(user_dirs, tmp_path, *args) -> str:
    """Run `ossh ARGS` on a pseudo-terminal with nothing configured, type `exit`, return what the terminal got."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("OSS_")}
    env.update(user_dirs, TERM="dumb")
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, LAUNCHER, *args],
        stdin=child,
        stdout=child,
        stderr=child,
        env=env,
        cwd=tmp_path,
        close_fds=True,
    )
    os.close(child)
    seen, deadline, sent = b"", time.monotonic() + 30, False
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if select.select([main], [], [], 0.1)[0]:
                try:
                    seen += os.read(main, 65536)
                except OSError:
                    break
            if b"oss://>" in seen and not sent:
                os.write(main, b"exit\r")
                sent = True
        assert proc.wait(10) == 0, seen
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(main)
    return seen.decode("utf-8", "replace")


def test_the_interactive_shell_says_it_started_the_embedded_server(user_dirs, tmp_path):
    assert "no endpoint configured; started the embedded server" in _interactive(user_dirs, tmp_path)
    assert "no endpoint configured" not in _interactive(user_dirs, tmp_path, "--quiet")
