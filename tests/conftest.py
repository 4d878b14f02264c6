"""Shared fixtures: one embedded server per test session on a free loopback port, real HTTP."""

import itertools
import os
import time

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
    with LocalServer(root, port=0, credentials={ACCESS_KEY_ID: ACCESS_KEY_SECRET}, clock=SERVER_CLOCK) as srv:
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
        "OSS_ENDPOINT": server.endpoint,
        "OSS_REGION": REGION,
        "OSS_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "OSS_ACCESS_KEY_SECRET": ACCESS_KEY_SECRET,
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


class ServerClock:
    """The session server's clock: the real time until a test freezes it (server_clock), then a fake one that
    moves only when the test advances it, so tests never sleep for time to pass."""

    def __init__(self):
        self.frozen: float | None = None
        self.delay = RESTORE_DELAY  # the server's restore delay while a test holds the clock

    def __call__(self) -> float:
        return time.time() if self.frozen is None else self.frozen

    @property
    def now(self) -> float:
        return self()

    @now.setter
    def now(self, value: float) -> None:
        self.frozen = value

    def advance(self, seconds: float) -> None:
        self.frozen = self() + seconds


RESTORE_DELAY = 60.0
SERVER_CLOCK = ServerClock()


@pytest.fixture
def server_clock(server):
    """The session server's clock, frozen at the current time (and a 60 s restore delay) for the test's duration:
    `.advance(seconds)`, `.now`."""
    app = server.app
    saved = app.restore_delay
    SERVER_CLOCK.frozen, app.restore_delay = time.time(), RESTORE_DELAY
    yield SERVER_CLOCK
    SERVER_CLOCK.frozen, app.restore_delay = None, saved
