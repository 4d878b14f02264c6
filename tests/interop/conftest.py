"""Fixtures for driving the embedded server with the official SDKs (oss2, alibabacloud-oss-v2)."""

import itertools
import os
import time

import pytest

REGION = "cn-hangzhou"
_names = itertools.count(1)


def fresh_name(tag: str) -> str:
    return f"{tag}-{os.getpid()}-{next(_names)}"


@pytest.fixture(params=["v1", "v4"])
def oss2_auth(request, server):
    import oss2

    if request.param == "v1":
        return oss2.Auth(server.access_key_id, server.access_key_secret)
    return oss2.AuthV4(server.access_key_id, server.access_key_secret)


@pytest.fixture
def oss2_bucket(server, oss2_auth):
    """An oss2.Bucket on a fresh bucket, created through oss2 itself."""
    import oss2

    bucket = oss2.Bucket(oss2_auth, server.endpoint, fresh_name("oss2"), region=REGION)
    bucket.create_bucket()
    return bucket


@pytest.fixture
def v2_client(server):
    import alibabacloud_oss_v2 as oss

    cfg = oss.config.load_default()
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(server.access_key_id, server.access_key_secret)
    cfg.region = REGION
    cfg.endpoint = server.endpoint
    cfg.use_path_style = True
    return oss.Client(cfg)


@pytest.fixture
def v2_bucket(v2_client):
    import alibabacloud_oss_v2 as oss

    name = fresh_name("ossv2")
    v2_client.put_bucket(oss.PutBucketRequest(bucket=name))
    return name


@pytest.fixture
def oss2_clock(server_clock, monkeypatch):
    """The session server's frozen clock, which oss2 then signs by too (V1 and V2 Date headers, V4 x-oss-date and
    presigned expiry): a test can move time by days without the signatures going stale."""
    import datetime
    import email.utils

    import oss2

    class FollowingDatetime(datetime.datetime):
        @classmethod
        def utcnow(cls):
            return datetime.datetime.fromtimestamp(server_clock(), datetime.UTC).replace(tzinfo=None)

    class FollowingTime:
        def __getattr__(self, name):
            return getattr(time, name)

        @staticmethod
        def time():
            return server_clock()

    monkeypatch.setattr(
        oss2.utils,
        "http_date",
        lambda timeval=None: email.utils.formatdate(server_clock() if timeval is None else timeval, usegmt=True),
    )
    monkeypatch.setattr(oss2.auth, "datetime", FollowingDatetime)
    monkeypatch.setattr(oss2.auth, "time", FollowingTime())
    return server_clock
