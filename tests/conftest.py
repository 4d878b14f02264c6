"""Shared fixtures: one embedded server per test session on a free loopback port, real HTTP."""
import itertools
import os

import pytest

ACCESS_KEY_ID = "ossh-test-ak"
ACCESS_KEY_SECRET = "ossh-test-secret"
REGION = "cn-hangzhou"

_bucket_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A running LocalServer: `.endpoint`, `.access_key_id`, `.access_key_secret`, `.root`."""
    from ossh.server import LocalServer

    root = tmp_path_factory.mktemp("oss-root")
    with LocalServer(root, port=0, credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}) as srv:
        yield srv


@pytest.fixture
def client(server):
    """An OssClient signing V4 against the session's server."""
    from ossh.client import OssClient

    return OssClient(server.endpoint, ACCESS_KEY_ID, ACCESS_KEY_SECRET, region=REGION)


@pytest.fixture
def bucket(client):
    """The name of a fresh, empty bucket that exists on the server."""
    name = f"test-{os.getpid()}-{next(_bucket_numbers)}"
    client.create_bucket(name)
    return name


@pytest.fixture
def oss_env(server, monkeypatch):
    """Environment variables that point ossh (and subprocesses) at the session's server."""
    env = {
        "OSS_ENDPOINT": server.endpoint, "OSS_REGION": REGION,
        "OSS_ACCESS_KEY_ID": ACCESS_KEY_ID, "OSS_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


class FakeClock:
    """A clock the server's restores are timed by; tests move it instead of sleeping."""

    def __init__(self, now: float, delay: float):
        self.now = now
        self.delay = delay          # the server's restore delay while this clock runs

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


RESTORE_DELAY = 60.0


@pytest.fixture
def server_clock(server):
    """The session server's clock, made a FakeClock with a 60 s restore delay for the test's duration."""
    import time

    app = server.app
    saved = app.clock, app.restore_delay
    app.clock, app.restore_delay = FakeClock(time.time(), RESTORE_DELAY), RESTORE_DELAY
    yield app.clock
    app.clock, app.restore_delay = saved
