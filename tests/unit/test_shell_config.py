"""Where settings come from (flags over OSS_* variables) and the XDG directories ossh uses."""

from pathlib import Path

from ossh.config import data_dir, resolve, state_dir


def test_flags_override_environment():
    env = {
        "OSS_ENDPOINT": "http://env:1",
        "OSS_REGION": "cn-beijing",
        "OSS_ACCESS_KEY_ID": "env-id",
        "OSS_ACCESS_KEY_SECRET": "env-secret",
        "OSS_SESSION_TOKEN": "tok",
    }
    s = resolve({"endpoint": "http://flag:2", "access_key_id": None}, env)
    assert (s.endpoint, s.region, s.access_key_id, s.access_key_secret, s.security_token) == (
        "http://flag:2",
        "cn-beijing",
        "env-id",
        "env-secret",
        "tok",
    )
    assert not s.embedded
    assert "env-secret" not in repr(s) and "tok" not in repr(s)


def test_nothing_configured_means_embedded():
    s = resolve({}, {"OSS_ACCESS_KEY_ID": "only-a-key"})
    assert s.embedded and s.endpoint is None and s.profile == "default"


def test_xdg_directories():
    assert data_dir({"XDG_DATA_HOME": "/x/data"}) == Path("/x/data/ossh")
    assert state_dir({"XDG_STATE_HOME": "/x/state"}) == Path("/x/state/ossh")
    assert data_dir({}) == Path.home() / ".local/share/ossh"
    assert state_dir({"XDG_STATE_HOME": ""}) == Path.home() / ".local/state/ossh"
