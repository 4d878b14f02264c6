"""The server keeps one injected clock: Date and Last-Modified, creation and upload times, signature dates and
presigned expiry all read it, so a test moves time instead of waiting for it."""

import base64
import email.utils
import time

import pytest
import requests

from ossh.client import OssClient
from ossh.client.auth import Credentials, SignableRequest, SignerV1, SignerV4
from ossh.server import LocalServer

AK, SK, REGION = "clock-ak", "clock-sk", "cn-hangzhou"
HOUR = 3600.0


class Shifted:
    """The real time moved by `offset` seconds."""

    def __init__(self, offset: float = 0.0):
        self.offset = offset

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture
def clocked(tmp_path):
    clock = Shifted(600.0)  # ten minutes ahead: still within the 15 minutes a signed Date may be off
    with LocalServer(tmp_path, credentials={AK: SK}, clock=clock) as srv:
        yield srv, clock, OssClient(srv.endpoint, AK, SK, region=REGION)


def _http_time(value: str) -> float:
    return email.utils.parsedate_to_datetime(value).timestamp()


def test_dates_and_times_the_server_reports_come_from_its_clock(clocked):
    srv, clock, client = clocked
    client.create_bucket("clock")
    client.put_object("clock", "k", b"body")
    resp = requests.head(f"{srv.endpoint}/clock/k", headers=_v1(srv, "HEAD", "clock", "k"))
    assert resp.status_code == 200
    for name in ("Date", "Last-Modified"):
        assert abs(_http_time(resp.headers[name]) - clock()) < 60, name
    upload = client.init_multipart_upload("clock", "mp")
    [listed] = list(client.iter_uploads("clock"))
    assert listed.upload_id == upload and abs(listed.initiated.timestamp() - clock()) < 60
    created = client.get_bucket_info("clock").creation_date
    assert abs(created.timestamp() - clock()) < 60


def test_signature_dates_and_presigned_expiry_are_checked_against_the_servers_clock(clocked):
    srv, clock, client = clocked
    client.create_bucket("skew")
    client.put_object("skew", "k", b"body")
    url = client.presign("GET", "skew", "k", expires=int(HOUR))
    assert requests.get(url).content == b"body"
    clock.offset = 2 * HOUR  # past the presigned URL's hour: expired without waiting for it
    refused = requests.get(url)
    assert refused.status_code == 403 and b"Request has expired" in refused.content
    stale = requests.head(f"{srv.endpoint}/skew/k", headers=_v1(srv, "HEAD", "skew", "k"))
    assert stale.status_code == 403 and "RequestTimeTooSkewed" in _error_code(stale)
    v4 = SignableRequest("GET", "skew", "k", {}, {})
    SignerV4(REGION).sign(v4, Credentials(AK, SK))
    assert b"RequestTimeTooSkewed" in requests.get(f"{srv.endpoint}/skew/k", headers=v4.headers).content
    clock.offset = 0.0
    assert requests.get(f"{srv.endpoint}/skew/k", headers=_v1(srv, "GET", "skew", "k")).content == b"body"


def _v1(srv, method, bucket, key) -> dict:
    req = SignableRequest(method, bucket, key, {}, {})
    SignerV1().sign(req, Credentials(AK, SK))
    return req.headers


def _error_code(resp) -> str:
    """A HEAD's error document, which travels base64-encoded in x-oss-err."""
    return base64.b64decode(resp.headers.get("x-oss-err", "")).decode()
