"""Profiles from files: ossutil 2.0's layout and spellings, ossh's file over ossutil's, source_profile,
osscmd's ~/.osscredentials, the precedence key by key, and the writer (in place, atomic, private)."""

import os
import stat
from pathlib import Path

import pytest

from ossh.config import Accounts, ConfigError, mask, resolve
from ossh.config.write import set_values

OSSUTIL_FILE = """\
# ossutil 2.0, keys spelled every way it accepts
[default]
accessKeyID = "default-id"
access_key_secret = default-secret-value
Region = cn-hangzhou
endpoint = https://oss-cn-hangzhou.aliyuncs.com

[profile dev]
ACCESS-KEY-ID = dev-id
accessKeySecret = dev-secret-value
sts_token = dev-token-value
region=cn-beijing
Endpoint = http://dev.example:9000
sign-version = V1
addressingStyle = path
loglevel = debug

[buckets dev-buckets]
photos =
  region = cn-shanghai
"""


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    return home


def env_of(home: Path, **extra) -> dict:
    return {"HOME": str(home), "XDG_CONFIG_HOME": str(home / "cfg"), **extra}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_an_ossutil_file_in_mixed_spellings_is_used_unchanged(home):
    write(home / ".ossutilconfig", OSSUTIL_FILE)
    s = resolve({"profile": "dev"}, env_of(home))
    assert (s.endpoint, s.region, s.access_key_id, s.access_key_secret, s.security_token) == (
        "http://dev.example:9000",
        "cn-beijing",
        "dev-id",
        "dev-secret-value",
        "dev-token-value",
    )
    assert (s.sign_version, s.addressing_style, s.profile) == ("v1", "path", "dev")
    assert s.client_options()["signature_version"] == "v1" and s.client_options()["addressing"] == "path"
    assert s.origins["region"] == f"file:dev {home / '.ossutilconfig'}"
    d = resolve({}, env_of(home))
    assert (d.access_key_id, d.access_key_secret, d.region) == ("default-id", "default-secret-value", "cn-hangzhou")


PRECEDENCE_KEYS = {
    "endpoint": ("--endpoint", "OSS_ENDPOINT", "endpoint", "host"),
    "region": ("--region", "OSS_REGION", "region", None),
    "access_key_id": ("--access-key-id", "OSS_ACCESS_KEY_ID", "accessKeyID", "accessid"),
    "access_key_secret": ("--access-key-secret", "OSS_ACCESS_KEY_SECRET", "access-key-secret", "accesskey"),
    "security_token": ("--sts-token", "OSS_SESSION_TOKEN", "stsToken", "sts_token"),
}


@pytest.mark.parametrize("field", sorted(PRECEDENCE_KEYS))
def test_precedence_key_by_key(home, field):
    """flags > environment > [default] > ~/.osscredentials > nothing, each key on its own."""
    flag, var, file_key, cred_key = PRECEDENCE_KEYS[field]
    # the other keys come from [default], so that each stage below is a usable account
    others = "".join(f"{PRECEDENCE_KEYS[f][2]} = base\n" for f in PRECEDENCE_KEYS if f != field)
    config = home / "cfg" / "ossh" / "config"
    write(config, f"[default]\n{others}{file_key} = from-file\n")
    if cred_key:
        write(home / ".osscredentials", f"[OSSCredentials]\n{cred_key} = from-osscredentials\n")
    env = env_of(home, **{var: "from-env"})
    got = resolve({field: "from-flag"}, env)
    assert (getattr(got, field), got.origins[field]) == ("from-flag", f"flag {flag}")
    got = resolve({}, env)
    assert (getattr(got, field), got.origins[field]) == ("from-env", f"env {var}")
    got = resolve({}, env_of(home))
    assert getattr(got, field) == "from-file" and got.origins[field] == f"file:default {config}"
    write(config, f"[default]\n{others}")
    if cred_key:
        got = resolve({}, env_of(home))
        assert getattr(got, field) == "from-osscredentials"
        assert got.origins[field] == f"osscredentials {home / '.osscredentials'}"
        (home / ".osscredentials").unlink()
    write(config, "")
    got = resolve({}, env_of(home))
    assert getattr(got, field) is None and field not in got.origins and got.embedded


def test_nothing_anywhere_means_the_embedded_server(home):
    s = resolve({}, env_of(home))
    assert s.embedded and s.origins == {} and s.profile == "default"


def test_a_named_profile_brings_its_own_credentials(home):
    write(home / ".ossutilconfig", OSSUTIL_FILE)
    env = env_of(home, OSS_ACCESS_KEY_ID="env-id", OSS_ACCESS_KEY_SECRET="env-secret", OSS_REGION="us-west-1")
    for flags, extra in (({"profile": "dev"}, {}), ({}, {"OSSUTIL_PROFILE": "dev"})):
        s = resolve(flags, {**env, **extra})
        assert (s.access_key_id, s.access_key_secret, s.security_token) == (
            "dev-id",
            "dev-secret-value",
            "dev-token-value",
        )
        assert s.region == "us-west-1"  # other keys keep the usual order
        assert s.notes == [
            "profile dev brings its own credentials; ignoring OSS_ACCESS_KEY_ID, "
            "OSS_ACCESS_KEY_SECRET from the environment"
        ]
    plain = resolve({}, env)  # [default] is not named: the environment wins
    assert (plain.access_key_id, plain.notes) == ("env-id", [])


def test_osshs_section_wins_whole_over_ossutils(home):
    write(home / ".ossutilconfig", OSSUTIL_FILE)
    write(home / "cfg" / "ossh" / "config", "[profile dev]\naccess-key-id = ossh-id\naccess-key-secret = s\n")
    s = resolve({"profile": "dev"}, env_of(home))
    assert (s.access_key_id, s.access_key_secret) == ("ossh-id", "s")
    assert s.endpoint is None and s.region is None and s.security_token is None  # not merged
    assert Accounts({}, env_of(home)).profiles().names() == ["default", "dev"]


def test_config_file_and_ossutil_variable(home, tmp_path):
    write(home / ".ossutilconfig", OSSUTIL_FILE)
    other = write(tmp_path / "elsewhere.ini", "[profile dev]\naccessKeyID = elsewhere\naccessKeySecret = s\n")
    # --config-file: that file alone
    assert resolve({"profile": "dev", "config_file": str(other)}, env_of(home)).access_key_id == "elsewhere"
    with pytest.raises(ConfigError):
        resolve({"config_file": str(other), "profile": "default"}, env_of(home))
    # $OSSUTIL_CONFIG_FILE: where ossutil's file is, instead of ~/.ossutilconfig
    s = resolve({"profile": "dev"}, env_of(home, OSSUTIL_CONFIG_FILE=str(other)))
    assert s.access_key_id == "elsewhere"
    # ossh writes its own file, or the one --config-file names (leaving that file's directory as it is)
    assert Accounts({}, env_of(home)).sources.target == home / "cfg" / "ossh" / "config"
    chosen = Accounts({"config_file": str(other)}, env_of(home)).sources
    assert (chosen.target, chosen.own_target) == (other, False)


def test_source_profile_inherits_and_loops_are_refused(home):
    write(
        home / ".ossutilconfig",
        OSSUTIL_FILE + "\n[profile child]\nsource_profile = dev\nregion = eu-west-1\n"
        "[profile a]\nsource-profile = b\n[profile b]\nsourceProfile = a\n",
    )
    s = resolve({"profile": "child"}, env_of(home))
    assert (s.region, s.access_key_id, s.endpoint) == ("eu-west-1", "dev-id", "http://dev.example:9000")
    with pytest.raises(ConfigError, match="source_profile loops back"):
        resolve({"profile": "a"}, env_of(home))


def test_unknown_profile_names_it_and_lists_the_known_ones(home):
    write(home / ".ossutilconfig", OSSUTIL_FILE)
    with pytest.raises(ConfigError) as e:
        resolve({"profile": "prod"}, env_of(home))
    assert "'prod'" in str(e.value) and "known profiles: default, dev" in str(e.value)


def test_osscmd_and_ossutil1_files(home):
    write(
        home / ".osscredentials",
        "[OSSCredentials]\nhost = oss-cn-qingdao.aliyuncs.com\n"
        "accessid = osscmd-id\naccesskey = osscmd-secret\nsts_token = tok\n",
    )
    s = resolve({}, env_of(home))
    assert (s.endpoint, s.access_key_id, s.access_key_secret, s.security_token) == (
        "oss-cn-qingdao.aliyuncs.com",
        "osscmd-id",
        "osscmd-secret",
        "tok",
    )
    write(home / ".ossutilconfig", "[Credentials]\nendpoint = e1\naccessKeyID = v1-id\naccessKeySecret = v1-s\n")
    assert resolve({}, env_of(home)).access_key_id == "v1-id"  # ossutil 1.0's only section


@pytest.mark.parametrize(
    "text, message",
    [
        ("accessKeyID = before-any-section\n", "line 1: a setting before any [section]"),
        ("[default]\nendpoint = x\nSECRET-LIKE-LINE-WITHOUT-EQUALS\n", "line 3: not `key = value`"),
        ("[default]\nsignVersion = v9\n", "signVersion must be one of v1, v4"),
        ("[default]\naddressing-style = cname\n", "cname is not supported"),
        ("[default]\nmode = RamRoleArn\n", "mode RamRoleArn is not supported"),
        ("[default]\nregion = a\x1bb\n", "control character"),
    ],
)
def test_bad_files_are_one_line_errors_without_their_content(home, text, message):
    write(home / ".ossutilconfig", text)
    with pytest.raises(ConfigError) as e:
        resolve({}, env_of(home))
    assert message in str(e.value) and "SECRET-LIKE" not in str(e.value) and "\n" not in str(e.value)


def test_a_profile_ossh_cannot_use_does_not_stop_the_others(home):
    write(
        home / ".ossutilconfig",
        "[default]\nregion = r\noutput-format = yaml\n[profile role]\nmode = RamRoleArn\nroleArn = acs:ram::1:role/x\n",
    )
    assert (resolve({}, env_of(home)).region, resolve({}, env_of(home)).output_format) == ("r", "text")
    with pytest.raises(ConfigError, match=r"\[profile role\]: mode RamRoleArn is not supported"):
        resolve({"profile": "role"}, env_of(home))


def test_buckets_sections_give_buckets_their_own_endpoint(home):
    write(
        home / ".ossutilconfig",
        """\
[profile dev]
region = cn-hangzhou
endpoint = http://main:1
addressing-style = path
buckets = dev-buckets

[buckets dev-buckets]
near =
  endpoint=http://other:2
far =
  region = cn-beijing
styled =
  addressingStyle=virtual
inline = region=eu-west-1

[profile broken]
buckets = nowhere

[profile cname]
buckets = cnames
[buckets cnames]
b =
  addressing-style=cname
""",
    )
    s = resolve({"profile": "dev"}, env_of(home))
    assert s.bucket_endpoints == {
        "near": ("http://other:2", "cn-hangzhou", "path"),
        "far": ("oss-cn-beijing.aliyuncs.com", "cn-beijing", "path"),
        "styled": ("http://main:1", "cn-hangzhou", "virtual"),
        "inline": ("oss-eu-west-1.aliyuncs.com", "eu-west-1", "path"),
    }
    pinned = []

    class Client:
        def use_endpoint(self, *args):
            pinned.append(args)

    s.configure(Client())
    assert ("near", "http://other:2", "cn-hangzhou", "path") in pinned and len(pinned) == 4
    with pytest.raises(ConfigError, match=r"buckets = nowhere, but no \[buckets nowhere\] section"):
        resolve({"profile": "broken"}, env_of(home))
    with pytest.raises(ConfigError, match="cname is not supported"):
        resolve({"profile": "cname"}, env_of(home))
    assert resolve({}, env_of(home)).bucket_endpoints == {}  # [default] names no buckets section


def test_anonymous_mode_drops_credentials(home):
    write(home / ".ossutilconfig", "[profile pub]\nmode = Anonymous\nendpoint = http://e:1\n")
    s = resolve({"profile": "pub"}, env_of(home, OSS_ACCESS_KEY_ID="a", OSS_ACCESS_KEY_SECRET="b"))
    assert (s.endpoint, s.access_key_id, s.access_key_secret) == ("http://e:1", None, None)


def test_writing_keeps_the_file_and_is_private(home):
    target = write(
        home / "cfg" / "ossh" / "config",
        "# mine\n[default]\naccess-key-id = old  \nACCESS_KEY_ID = dup\nregion = r\n\n[buckets b]\nx =\n  region = y\n",
    )
    os.chmod(target, 0o644)
    os.chmod(target.parent, 0o755)
    set_values(target, "default", {"access_key_id": "new", "accessKeySecret": "sk-value"}, own_dir=True)
    set_values(target, "dev", {"region": "cn-beijing"}, own_dir=True)
    set_values(target, "default", {"region": None}, own_dir=True)
    assert target.read_text() == (
        "# mine\n[default]\naccess-key-id = new\naccessKeySecret = sk-value\n\n"
        "[buckets b]\nx =\n  region = y\n\n[profile dev]\nregion = cn-beijing\n"
    )
    assert stat.S_IMODE(target.stat().st_mode) == 0o600 and stat.S_IMODE(target.parent.stat().st_mode) == 0o700
    assert [p.name for p in target.parent.iterdir()] == ["config"]  # no temporary file left
    with pytest.raises(ConfigError, match="control character"):
        set_values(target, "default", {"region": "a\nb"}, own_dir=True)
    with pytest.raises(ConfigError, match="signVersion must be one of v1, v4"):
        set_values(target, "default", {"sign-version": "v9"}, own_dir=True)
    with pytest.raises(ConfigError, match="bad profile name"):
        set_values(target, "x]\n[default", {"region": "r"}, own_dir=True)


def test_a_symlinked_file_is_written_where_it_lives(home, tmp_path):
    real = write(tmp_path / "dotfiles" / "ossh-config", "[default]\nregion = a\n")
    link = home / "cfg" / "ossh" / "config"
    link.parent.mkdir(parents=True)
    link.symlink_to(real)
    set_values(link, "default", {"region": "b"}, own_dir=True)
    assert link.is_symlink() and real.read_text() == "[default]\nregion = b\n"


def test_mask_shows_at_most_two_characters_each_end():
    assert mask("ABCDEFGHIJKLMNOP") == "AB****OP"
    assert mask("short") == "****" and mask(None) == ""
