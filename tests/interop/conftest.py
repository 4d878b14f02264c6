"""Fixtures for driving the embedded server with the official SDKs (oss2, alibabacloud-oss-v2)."""
import itertools
import os

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
    cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(server.access_key_id,
                                                                         server.access_key_secret)
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
