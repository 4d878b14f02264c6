"""oss2's other signers against the embedded server: AuthV2 (header and presigned URLs) and StsAuth."""

import json

import oss2
import pytest
import requests

from ossh.server import LocalServer

from .conftest import fresh_name


def test_auth_v2_header_and_presigned(server):
    bucket = oss2.Bucket(
        oss2.AuthV2(server.access_key_id, server.access_key_secret), server.endpoint, fresh_name("authv2")
    )
    bucket.create_bucket()
    bucket.put_object("dir/ü key+1", b"signed with V2", headers={"x-oss-meta-m": "1"})
    assert bucket.get_object("dir/ü key+1").read() == b"signed with V2"
    assert [o.key for o in oss2.ObjectIterator(bucket, prefix="dir/")] == ["dir/ü key+1"]
    assert requests.get(bucket.sign_url("GET", "dir/ü key+1", 60)).content == b"signed with V2"
    wrong = oss2.Bucket(oss2.AuthV2(server.access_key_id, "wrong"), server.endpoint, bucket.bucket_name)
    with pytest.raises(oss2.exceptions.ServerError) as err:
        wrong.get_object("dir/ü key+1")
    assert err.value.code == "SignatureDoesNotMatch"


@pytest.mark.parametrize("auth_version", [oss2.AUTH_VERSION_1, oss2.AUTH_VERSION_4])
def test_sts_tokens(tmp_path, auth_version):
    (tmp_path / "accounts.json").write_text(
        json.dumps([{"access_key_id": "STS.abc", "access_key_secret": "sts-sk", "security_token": "session-token"}])
    )
    with LocalServer(tmp_path, credentials={"ak": "sk"}) as srv:
        auth = oss2.StsAuth("STS.abc", "sts-sk", "session-token", auth_version=auth_version)
        bucket = oss2.Bucket(auth, srv.endpoint, "sts-bucket", region="cn-hangzhou")
        bucket.create_bucket()
        bucket.put_object("k", b"temporary credentials")
        assert requests.get(bucket.sign_url("GET", "k", 60)).content == b"temporary credentials"
        forged = oss2.Bucket(
            oss2.StsAuth("STS.abc", "sts-sk", "other", auth_version=auth_version),
            srv.endpoint,
            "sts-bucket",
            region="cn-hangzhou",
        )
        with pytest.raises(oss2.exceptions.ServerError) as err:
            forged.get_object("k")
        assert err.value.code == "InvalidSecurityToken"
