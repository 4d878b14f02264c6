"""Only OssError subclasses leave OssClient: bad arguments are ClientErrors before anything is sent, and
UTF-8 metadata (which http.client alone would refuse) goes up and comes back intact."""

import pytest

from ossh.client import ClientError


@pytest.mark.parametrize(
    "call",
    [
        lambda c, b: c.upload_part(b, "k", "id", "x", b""),
        lambda c, b: c.get_object(b, "k", byte_range=(1,)),
        lambda c, b: c.presign("GET", b, "k", expires="soon"),
        lambda c, b: c.delete_objects(b, None),
        lambda c, b: c.get_object(b, "k", if_modified_since=object()),
        lambda c, b: c.put_object(b, "", b"x"),
        lambda c, b: c.put_object(b, "k", b"", metadata={"k": "line\nbreak"}),
        lambda c, b: c.upload_stream(b, "k", 5),
    ],
    ids=["part-number", "range", "expires", "keys", "time", "empty-key", "header-newline", "stream"],
)
def test_bad_arguments_are_client_errors(client, bucket, call):
    with pytest.raises(ClientError):
        call(client, bucket)
    assert [s.key for s in client.iter_objects(bucket)] == []


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_utf8_metadata_round_trips(server, bucket, version):
    from ossh.client import OssClient

    c = OssClient(server.endpoint, server.access_key_id, server.access_key_secret, signature_version=version)
    for value in ("数据 é", "café", "plain"):
        c.put_object(bucket, "m", b"", metadata={"note": value})
        assert c.head_object(bucket, "m").metadata == {"note": value}


@pytest.mark.parametrize("version,signer", [("v1", "SignerV1"), ("V4", "SignerV4"), ("4", "SignerV4")])
def test_signature_version_picks_the_signer(server, version, signer):
    from ossh.client import OssClient

    c = OssClient(server.endpoint, server.access_key_id, server.access_key_secret, signature_version=version)
    assert type(c.transport.signer(c.transport.endpoint)).__name__ == signer


def test_signature_version_v2_is_refused(server):
    from ossh.client import OssClient

    with pytest.raises(ClientError, match="must be v1 or v4, not 'v2'"):
        OssClient(server.endpoint, signature_version="v2")
