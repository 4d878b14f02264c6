"""The embedded server under clients that misbehave or push hard: resets mid-body, signed payload hashes,
memory that must not grow with object size."""

import hashlib
import socket
import struct
import threading
import time

import pytest
import requests

from ossh.client.auth import Credentials, SignableRequest, SignerV4

REGION = "cn-hangzhou"


def _signed(server, method, bucket, key=None, headers=None, payload_sha256=None) -> dict:
    """V4 headers; with payload_sha256, signed over that hash instead of UNSIGNED-PAYLOAD."""
    creds = Credentials(server.access_key_id, server.access_key_secret)
    req = SignableRequest(method, bucket, key, {}, dict(headers or {}))
    SignerV4(REGION).sign(req, creds)
    if payload_sha256 is not None:
        req.headers["x-oss-content-sha256"] = payload_sha256
        iso = req.headers["x-oss-date"]
        scope = f"{iso[:8]}/{REGION}/oss/aliyun_v4_request"
        sts = SignerV4.string_to_sign(SignerV4.canonical_request(req, ()), iso, scope)
        signature = SignerV4.signature(creds.access_key_secret, iso[:8], REGION, sts)
        req.headers["Authorization"] = (
            req.headers["Authorization"].rsplit("Signature=", 1)[0] + "Signature=" + signature
        )
    return req.headers


@pytest.fixture
def bkt(server):
    name = f"robust-{time.monotonic_ns() % 10**9}"
    assert requests.put(f"{server.endpoint}/{name}", headers=_signed(server, "PUT", name)).status_code == 200
    return name


def test_a_client_reset_mid_body_is_quiet_and_leaves_nothing(server, bkt, capfd):
    host, port = server.endpoint.split("//")[1].split(":")
    headers = _signed(server, "PUT", bkt, "cut", {"Content-Length": str(32 << 20)})
    with socket.create_connection((host, int(port))) as sock:
        head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        sock.sendall(f"PUT /{bkt}/cut HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode() + b"x" * (4 << 20))
        time.sleep(0.2)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with RST
    deadline = time.monotonic() + 5
    while any((server.root / "tmp").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any((server.root / "tmp").iterdir())
    resp = requests.head(f"{server.endpoint}/{bkt}/cut", headers=_signed(server, "HEAD", bkt, "cut"))
    assert resp.status_code == 404
    assert "Traceback" not in capfd.readouterr().err


def test_a_signed_payload_hash_is_checked_against_the_body(server, bkt):
    url = f"{server.endpoint}/{bkt}/hashed"
    body = b"payload signed by hash"
    good = hashlib.sha256(body).hexdigest()
    assert requests.put(url, data=body, headers=_signed(server, "PUT", bkt, "hashed", payload_sha256=good)).ok
    wrong = hashlib.sha256(b"something else").hexdigest()
    resp = requests.put(url, data=b"tampered", headers=_signed(server, "PUT", bkt, "hashed", payload_sha256=wrong))
    assert resp.status_code == 400 and "<Code>InvalidDigest</Code>" in resp.text
    resp = requests.put(url, data=body, headers=_signed(server, "PUT", bkt, "hashed", payload_sha256="STREAMING"))
    assert resp.status_code == 400 and "x-oss-content-sha256" in resp.text
    empty = hashlib.sha256(b"").hexdigest()
    got = requests.get(url, headers=_signed(server, "GET", bkt, "hashed", payload_sha256=empty))
    assert got.content == body  # the failed PUTs changed nothing


def _rss() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) << 10 for line in f if line.startswith("VmRSS:"))


def test_memory_does_not_grow_with_object_size(server, bkt):
    """A 256 MiB PUT (sent chunked) and GET move through the in-process server in fixed blocks."""
    size, block = 256 << 20, b"z" * (1 << 20)
    peak, done = [_rss()], threading.Event()

    def sample():
        while not done.wait(0.01):
            peak.append(_rss())

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        url = f"{server.endpoint}/{bkt}/big"
        headers = _signed(server, "PUT", bkt, "big")
        put = requests.put(url, data=(block for _ in range(size >> 20)), headers=headers)
        assert put.ok, put.text
        with requests.get(url, headers=_signed(server, "GET", bkt, "big"), stream=True) as resp:
            assert sum(len(c) for c in resp.iter_content(1 << 20)) == size
    finally:
        done.set()
        sampler.join()
    assert max(peak) - peak[0] < 64 << 20
