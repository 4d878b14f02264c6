"""Accounts that persist, driven as a user would, in a temporary HOME and XDG directories: osscmd's
walkthrough, ossutil 2.0 profiles, `ossh config`, `profile` in the shell, and the exit statuses.
Every captured stream is searched for the secrets."""

import hashlib
import io
import os
import pty
import re
import select
import stat
import subprocess
import sys
import time

import pytest

from ossh.config import Accounts
from ossh.shell.completion import Budget, Listing, ListingCache
from ossh.shell.executor import Executor, Outcome

from .conftest import LAUNCHER, Shell

WALK_ID = "LTAI5tWalkthroughId01"
WALK_SECRET = "walkthrough-secret-value-0123456789"
DEV_SECRET = "dev-profile-secret-987654321"


class Captured:
    """Every stdout and stderr a test saw, to prove no secret ever reached one."""

    def __init__(self, ossh):
        self.ossh = ossh
        self.streams = []

    def __call__(self, *args, **kw):
        r = self.ossh(*args, **kw)
        self.streams += [r.stdout, r.stderr]
        return r

    def assert_no(self, *secrets):
        for text in self.streams:
            for secret in secrets:
                assert secret not in text and secret[2:-2] not in text, text


@pytest.fixture
def fresh_server(tmp_path):
    """A server of its own, so that the walkthrough starts from an account with no bucket."""
    from ossh.server import LocalServer

    root = tmp_path / "fresh-store"
    root.mkdir()
    with LocalServer(root, port=0, credentials={WALK_ID: WALK_SECRET}) as srv:
        yield srv


def md5(path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_osscmd_walkthrough_steps_2_to_11(ossh, fresh_server, user_dirs, tmp_path):
    run = Captured(lambda *a, **kw: ossh(*a, env={}, **kw))  # no OSS_* variable: the file is all there is
    # 2. config --id --key (--host: osscmd's endpoint option, here the test server)
    r = run("config", f"--id={WALK_ID}", f"--key={WALK_SECRET}", f"--host={fresh_server.endpoint}")
    assert r.returncode == 0 and r.stderr == "", r.stderr
    config = tmp_path / "home" / "config" / "ossh" / "config"
    assert r.stdout == f"saved accessKeyID, accessKeySecret, endpoint in profile default of {config}\n"
    assert stat.S_IMODE(config.stat().st_mode) == 0o600 and stat.S_IMODE(config.parent.stat().st_mode) == 0o700
    # 3. getallbucket: a new account has no bucket
    r = run("getallbucket")
    assert (r.returncode, r.stdout.splitlines()[-1]) == (0, "Bucket Number is: 0")
    # 4., 5. createbucket, then it is listed
    assert run("createbucket", "mybucket").returncode == 0
    r = run("getallbucket")
    assert r.stdout.split()[-5:] == ["mybucket", "Bucket", "Number", "is:", "1"]
    # 6. an empty listing
    r = run("list", "oss://mybucket/")
    assert r.returncode == 0 and r.stdout.endswith("prefix list number is: 0 \nobject list number is: 0 \n")
    # 7., 8. put, then list shows it
    local = tmp_path / "my_local_file"
    local.write_bytes(os.urandom(100_000))
    assert run("put", "my_local_file", "oss://mybucket/myobject").returncode == 0
    r = run("list", "oss://mybucket/")
    assert "oss://mybucket/myobject" in r.stdout and "object list number is: 1 " in r.stdout
    # 11. (before 10) the bucket cannot be deleted while it holds an object
    r = run("deletebucket", "mybucket")
    assert r.returncode == 1 and "BucketNotEmpty" in r.stderr
    # 9. get, and the md5 of the copy matches
    assert run("get", "oss://mybucket/myobject", "local_file").returncode == 0
    assert md5(tmp_path / "local_file") == md5(local)
    # 10. delete the object
    assert run("delete", "oss://mybucket/myobject").returncode == 0
    # 11. nor while a multipart upload holds parts; then it goes
    r = run("init", "oss://mybucket/big")
    upload = re.search(r"\b[0-9A-F]{32}\b", r.stdout).group(0)
    r = run("deletebucket", "mybucket")
    assert r.returncode == 1 and "BucketNotEmpty" in r.stderr
    assert run("cancel", "oss://mybucket/big", f"--upload_id={upload}").returncode == 0
    r = run("deletebucket", "mybucket")
    assert r.returncode == 0, r.stderr
    assert run("getallbucket").stdout.splitlines()[-1] == "Bucket Number is: 0"
    run.assert_no(WALK_SECRET)


def test_walkthrough_without_host_uses_the_embedded_server(ossh, user_dirs):
    run = Captured(lambda *a, **kw: ossh(*a, env={}, **kw))
    assert run("config", "--id=LTAIlocal0123", f"--key={WALK_SECRET}").returncode == 0
    r = run("--verbose", "createbucket", "mybucket")
    assert r.returncode == 0 and "embedded server" in r.stderr
    assert "mybucket" in run("getallbucket").stdout
    assert run("deletebucket", "mybucket").returncode == 0
    run.assert_no(WALK_SECRET)


OSSUTIL_CONFIG = """\
[default]
endpoint = http://127.0.0.1:1
accessKeyID = default-id
accessKeySecret = default-secret-value

[profile dev]
Access-Key-ID = {id}
access_key_secret = {secret}
Region = cn-hangzhou
endPoint = {endpoint}
sign_version = v4
"""


@pytest.fixture
def ossutil_home(user_dirs, server):
    from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET

    home = user_dirs["HOME"]
    with open(os.path.join(home, ".ossutilconfig"), "w") as f:
        f.write(OSSUTIL_CONFIG.format(id=ACCESS_KEY_ID, secret=ACCESS_KEY_SECRET, endpoint=server.endpoint))
    return ACCESS_KEY_SECRET


def test_an_ossutil_profile_works_unchanged(ossh, ossutil_home, client, bucket, user_dirs):
    client.put_object(bucket, "k", b"hello")
    run = Captured(ossh)
    r = run("--profile", "dev", "cat", f"oss://{bucket}/k", env={})
    assert (r.returncode, r.stdout, r.stderr) == (0, "hello", "")
    r = run("cat", f"oss://{bucket}/k", env={"OSSUTIL_PROFILE": "dev"})
    assert (r.returncode, r.stdout) == (0, "hello")
    # [default] points nowhere: without the profile the command fails
    assert run("cat", f"oss://{bucket}/k", env={}).returncode == 1
    # environment credentials are not combined with the profile's endpoint: one line says so
    r = run(
        "--profile",
        "dev",
        "cat",
        f"oss://{bucket}/k",
        env={"OSS_ACCESS_KEY_ID": "env-id", "OSS_ACCESS_KEY_SECRET": "env-secret-value-xyz"},
    )
    assert (r.returncode, r.stdout) == (0, "hello")
    assert r.stderr == (
        "ossh: profile dev brings its own credentials; ignoring "
        "OSS_ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET from the environment\n"
    )
    r = run("config", "show", "--profile", "dev", env={})
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in r.stdout.splitlines()[1:]}
    ossutil_file = os.path.join(user_dirs["HOME"], ".ossutilconfig")
    assert rows["endpoint"][1] == f"file:dev {ossutil_file}"
    assert rows["signVersion"] == ["v4", f"file:dev {ossutil_file}"]
    assert rows["accessKeySecret"][0] == ossutil_home[:2] + "****" + ossutil_home[-2:]
    r = run("config", "list-profiles", env={})
    assert [line.split() for line in r.stdout.splitlines()] == [["default", ossutil_file], ["dev", ossutil_file]]
    run.assert_no(ossutil_home, "default-secret-value", "env-secret-value-xyz")


def test_config_show_names_each_source(ossh, user_dirs, server):
    run = Captured(ossh)
    config = os.path.join(user_dirs["XDG_CONFIG_HOME"], "ossh", "config")
    assert run("config", "set", "region", "cn-beijing", env={}).returncode == 0
    env = {"OSS_ACCESS_KEY_ID": "env-id-0123456", "OSS_ACCESS_KEY_SECRET": DEV_SECRET}
    r = run("--endpoint", server.endpoint, "config", "show", env=env)
    rows = {line.split()[0]: line.split(None, 2)[1:] for line in r.stdout.splitlines()}
    assert rows["profile"] == ["default", "default"]
    assert rows["endpoint"] == [server.endpoint, "flag --endpoint"]
    assert rows["region"] == ["cn-beijing", f"file:default {config}"]
    assert rows["accessKeyID"] == ["en****56", "env OSS_ACCESS_KEY_ID"]
    assert rows["accessKeySecret"] == [DEV_SECRET[:2] + "****" + DEV_SECRET[-2:], "env OSS_ACCESS_KEY_SECRET"]
    r = run("config", "show", env={})
    assert "embedded server" in r.stdout
    assert run("config", "get", "Region", env={}).stdout == "cn-beijing\n"
    assert run("config", "set", "region", "", env={}).returncode == 0  # '' removes the key
    assert run("config", "get", "region", env={}).stdout == ""
    r = run("config", "set", "nonsense", "1", env={})
    assert r.returncode == 2 and "unknown key 'nonsense'" in r.stderr
    # the profile the command line names is the one config writes and reads
    assert run("--profile", "work", "config", "set", "region", "eu-central-1", env={}).returncode == 0
    assert run("config", "get", "region", env={"OSSUTIL_PROFILE": "work"}).stdout == "eu-central-1\n"
    assert "[profile work]\nregion = eu-central-1\n" in open(config).read()
    run.assert_no(DEV_SECRET)


def test_interactive_config_hides_the_secret(ossh, user_dirs, server):
    run = Captured(ossh)
    answers = f"LTAIasked0123\n{DEV_SECRET}\n\ncn-hangzhou\n{server.endpoint}\n"
    r = run("config", "--profile", "asked", input=answers, env={})
    assert r.returncode == 0, r.stderr
    assert "Access key secret" in r.stderr and "profile asked" in r.stdout
    config = os.path.join(user_dirs["XDG_CONFIG_HOME"], "ossh", "config")
    text = open(config).read()
    assert f"[profile asked]\naccessKeyID = LTAIasked0123\naccessKeySecret = {DEV_SECRET}\n" in text
    assert "stsToken" not in text  # an empty answer keeps (here: no) value
    assert stat.S_IMODE(os.stat(config).st_mode) == 0o600
    # Enter keeps every value; the prompt shows the secret masked
    r = run("config", "--profile", "asked", input="\n\n\n\n\n", env={})
    assert r.stdout == "nothing changed\n" and "[LT****23]" in r.stderr
    assert open(config).read() == text
    r = run("config", "--profile", "asked", input="\n\n\n-\n\n", env={})  # - removes the region
    assert r.stdout.startswith("saved region") and open(config).read() == text.replace("region = cn-hangzhou\n", "")
    r = run("config", "--profile", "asked", input="\n", env={})  # the input ends mid-way
    assert (r.returncode, r.stderr.splitlines()[-1]) == (2, "ossh: config: no answer (end of input)")
    r = run("config", "set", "accessKeySecret", "--profile", "asked", input="new-secret-value-abcdef\n", env={})
    assert r.returncode == 0 and "new-secret-value-abcdef" in open(config).read()
    run.assert_no(DEV_SECRET, "new-secret-value-abcdef")


def test_profile_switches_account_inside_the_shell(client, server, bucket, tmp_path):
    from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET

    home = tmp_path / "h"
    (home / ".config" / "ossh").mkdir(parents=True)
    (home / ".config" / "ossh" / "config").write_text(
        f"[profile test]\nendpoint = {server.endpoint}\naccessKeyID = {ACCESS_KEY_ID}\n"
        f"accessKeySecret = {ACCESS_KEY_SECRET}\n[profile broken]\nendpoint = http://127.0.0.1:1\n"
    )
    sh = Shell(client, tmp_path)
    made = []

    def connect(settings):
        from ossh.client import OssClient

        made.append(settings)
        return lambda: OssClient(
            settings.endpoint, settings.access_key_id, settings.access_key_secret, **settings.client_options()
        )

    sh.ctx.accounts = Accounts({}, {"HOME": str(home)})
    sh.ctx.connect = connect
    sh.ctx.cache = ListingCache(lister=None)
    sh.ctx.cache.get(("children", bucket, ""), lambda: Listing(["stale"]), Budget(1))
    sh.ok(f"cd oss://{bucket}/")
    assert sh.ok("profile").split() == [
        "broken",
        str(home / ".config/ossh/config"),
        "test",
        str(home / ".config/ossh/config"),
    ]
    assert sh.ok("profile test") == f"using profile test ({server.endpoint})\n"
    assert sh.ok("pwd") == "oss://\n" and len(sh.ctx.cache) == 0 and sh.ctx.profile == "test"
    assert bucket in sh.ok("ls")
    assert "*  test" in sh.ok("profile")
    err = sh.fails("profile nosuch")
    assert err == (
        "ossh: profile: no profile named 'nosuch' (known profiles: broken, test; "
        "`ossh config list-profiles` shows where each is defined)"
    )
    assert sh.ctx.profile == "test" and len(made) == 1  # a failed switch changes nothing
    sh.ok("profile broken")
    assert not sh("ls")[0]
    out = io.StringIO()
    assert Executor(sh.ctx, out, io.StringIO()).run(["profile", "nosuch"]) is Outcome.USAGE


def test_profile_in_a_batch(ossh, ossutil_home, bucket):
    r = ossh("-c", f"profile dev; ls -d oss://{bucket}/", env={})
    assert (r.returncode, r.stdout.splitlines()[-1]) == (0, f"oss://{bucket}/")


@pytest.mark.parametrize(
    "args, status",
    [
        (("ls", "--frob"), 2),
        (("frob",), 2),
        (("-c", "pwd; ls --frob"), 2),
        (("-c", "ls 'open"), 2),
        (("--profile", "nosuch", "pwd"), 2),
        (("cat", "oss://no-such-bucket-ossh/k"), 1),
        (("-c", "exit"), 0),
        (("-c", "-frob; pwd"), 0),
        (("--frob",), 2),
    ],
)
def test_exit_statuses(ossh, args, status):
    r = ossh(*args)
    assert r.returncode == status, r.stderr
    assert "Traceback" not in r.stderr


def test_unknown_profile_names_it_and_the_known_ones(ossh, ossutil_home):
    r = ossh("--profile", "prod", "ls", env={})
    assert r.returncode == 2
    assert r.stderr == (
        "ossh: config: no profile named 'prod' (known profiles: default, dev; "
        "`ossh config list-profiles` shows where each is defined)\n"
    )


def test_help_shows_accounts_and_exit_statuses(ossh, sh):
    text = ossh("--help").stdout
    for needle in (
        "--profile NAME",
        "--config-file PATH",
        "~/.config/ossh/config",
        "~/.ossutilconfig",
        "OSSUTIL_PROFILE",
        "~/.osscredentials",
        "flags > environment",
        "2 usage error",
    ):
        assert needle in text, needle
    text = sh.ok("help")
    for needle in ("~/.config/ossh/config", "~/.ossutilconfig", "flags > environment", "--profile"):
        assert needle in text, needle
    assert "profile" in sh.ok("help profile") and "list-profiles" in sh.ok("help config")


def test_on_a_terminal_the_secret_is_not_echoed(user_dirs, tmp_path):
    """`ossh config` on a pseudo-terminal: what the user types for the secret never shows on screen."""
    primary, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OSS_", "OSSUTIL_"))}
    env.update(user_dirs)
    proc = subprocess.Popen(
        [sys.executable, LAUNCHER, "config"],
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        env=env,
        cwd=tmp_path,
        close_fds=True,
    )
    os.close(secondary)
    screen = b""

    def read_until(text: bytes, timeout: float = 30) -> None:
        nonlocal screen
        deadline = time.monotonic() + timeout
        while text not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([primary], [], [], 0.2)
            if ready:
                try:
                    screen += os.read(primary, 4096)
                except OSError:
                    break
        assert text in screen, screen

    try:
        for prompt, answer in (
            (b"Access key id", "LTAItyped0123"),
            (b"Access key secret", DEV_SECRET),
            (b"STS token", ""),
            (b"Region", "cn-hangzhou"),
            (b"Endpoint", ""),
        ):
            read_until(prompt)
            os.write(primary, answer.encode() + b"\r")
        read_until(b"saved ")
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(primary)
    assert b"LTAItyped0123" in screen  # the id is echoed as typed
    assert DEV_SECRET.encode() not in screen and DEV_SECRET[2:-2].encode() not in screen
    config = os.path.join(user_dirs["XDG_CONFIG_HOME"], "ossh", "config")
    assert f"accessKeySecret = {DEV_SECRET}\n" in open(config).read()


def test_a_buckets_section_sends_a_bucket_to_its_own_endpoint(ossh, user_dirs, server, client, bucket, tmp_path):
    """ossutil's [buckets NAME]: one bucket lives behind another endpoint; the rest of the profile is unchanged."""
    from ossh.client import OssClient
    from ossh.server import LocalServer
    from tests.conftest import ACCESS_KEY_ID, ACCESS_KEY_SECRET, REGION

    root = tmp_path / "other-store"
    root.mkdir()
    with LocalServer(root, port=0, credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}) as other:
        OssClient(other.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION).create_bucket("faraway")
        OssClient(other.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION).put_object(
            "faraway", "k", b"from the other endpoint"
        )
        client.put_object(bucket, "k", b"from the profile's endpoint")
        with open(os.path.join(user_dirs["HOME"], ".ossutilconfig"), "w") as f:
            f.write(
                f"[profile dev]\naccessKeyID = {ACCESS_KEY_ID}\naccessKeySecret = {ACCESS_KEY_SECRET}\n"
                f"region = {REGION}\nendpoint = {server.endpoint}\nbuckets = mine\n\n"
                f"[buckets mine]\nfaraway =\n  endpoint={other.endpoint}\n"
            )
        r = ossh("--profile", "dev", "-c", f"cat oss://faraway/k; cat oss://{bucket}/k", env={})
        assert (r.returncode, r.stdout) == (0, "from the other endpointfrom the profile's endpoint"), r.stderr
        r = ossh("--profile", "dev", "config", "show", env={})
        assert re.search(
            rf"^bucket faraway\s+{re.escape(other.endpoint)} \({REGION}, auto\)\s+"
            rf"\[buckets mine\] of file:dev ",
            r.stdout,
            re.M,
        ), r.stdout


def test_a_bad_value_in_a_profile_is_named_by_its_profile(ossh, user_dirs):
    path = os.path.join(user_dirs["HOME"], ".ossutilconfig")
    with open(path, "w") as f:
        f.write("[profile bad]\nendpoint = http://127.0.0.1:1\nregion = Not A Region\n")
    r = ossh("--profile", "bad", "pwd", env={})
    assert r.returncode == 2 and r.stderr.startswith(f"ossh: file:bad ({path}): not a region id"), r.stderr
