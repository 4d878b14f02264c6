"""The embedded server keeps its resources and its objects consistent: connections release their SQLite
handles, appends never race a Put or Delete (or another server on the same root) into a corrupt object,
malformed headers are refused, copy-source conditions and page sizes follow OSS."""

import http.client
import os
import socket
import threading
import time

import pytest
import requests

from ossh.client import OssClient
from ossh.client.auth import Credentials, SignableRequest, SignerV4
from ossh.client.errors import ServiceError
from ossh.server import LocalServer

REGION = "cn-hangzhou"
AK, SK = "integrity-ak", "integrity-sk"


def _signed(endpoint_owner, method, bucket, key=None, params=None, headers=None) -> dict:
    creds = Credentials(endpoint_owner.access_key_id, endpoint_owner.access_key_secret)
    req = SignableRequest(method, bucket, key, dict(params or {}), dict(headers or {}))
    SignerV4(REGION).sign(req, creds)
    return req.headers


def _host_port(server) -> tuple[str, int]:
    host, port = server.endpoint.split("//")[1].split(":")
    return host, int(port)


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def _raw_request(server, method, target, headers, body_start=b"") -> socket.socket:
    """A connection with the request head (and the first bytes of its body) sent."""
    host, port = _host_port(server)
    sock = socket.create_connection((host, port), timeout=10)
    head = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    sock.sendall(f"{method} {target} HTTP/1.1\r\nHost: {host}:{port}\r\n{head}\r\n".encode() + body_start)
    return sock


def _read_response(sock) -> http.client.HTTPResponse:
    resp = http.client.HTTPResponse(sock, method="POST")
    resp.begin()
    resp.body = resp.read()
    return resp


@pytest.fixture
def own_server(tmp_path):
    with LocalServer(tmp_path / "root", credentials={AK: SK}) as srv:
        yield srv


@pytest.fixture
def own_client(own_server):
    client = OssClient(own_server.endpoint, AK, SK, region=REGION)
    client.create_bucket("integrity")
    return client


def test_finished_connections_release_their_database_handles(own_server):
    host, port = _host_port(own_server)

    def one_connection():
        conn = http.client.HTTPConnection(host, port, timeout=10)
        conn.request("GET", "/no-such-bucket-here")  # a database lookup before any signature check
        assert conn.getresponse().status == 404
        conn.close()

    for _ in range(5):
        one_connection()
    time.sleep(0.2)
    before = _open_fds()
    for _ in range(150):
        one_connection()
    deadline = time.monotonic() + 5
    while _open_fds() > before + 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _open_fds() <= before + 10


def _start_append(server, key, position, total, first) -> socket.socket:
    params = {"append": "", "position": str(position)}
    headers = _signed(server, "POST", "integrity", key, params, {"Content-Length": str(total)})
    return _raw_request(server, "POST", f"/integrity/{key}?append&position={position}", headers, first)


@pytest.mark.parametrize("meanwhile", ["put", "delete"])
def test_an_append_overtaken_by_a_put_or_delete_is_a_conflict(own_server, own_client, meanwhile):
    own_client.append_object("integrity", "log", 0, b"0123456789")
    sock = _start_append(own_server, "log", 10, 20, b"a" * 10)
    time.sleep(0.2)
    if meanwhile == "put":
        own_client.put_object("integrity", "log", b"thirteen byte")
    else:
        own_client.delete_object("integrity", "log")
    sock.sendall(b"b" * 10)
    resp = _read_response(sock)
    sock.close()
    assert resp.status == 409
    if meanwhile == "put":
        assert b"<Code>ObjectNotAppendable</Code>" in resp.body
        meta = own_client.head_object("integrity", "log")
        assert (meta.object_type, meta.size) == ("Normal", 13)
        with own_client.get_object("integrity", "log") as reader:
            assert reader.read() == b"thirteen byte"
    else:
        assert b"<Code>PositionNotEqualToLength</Code>" in resp.body
        assert resp.getheader("x-oss-next-append-position") == "0"
        assert not own_client.object_exists("integrity", "log")


def test_two_servers_on_one_root_append_one_at_a_time(tmp_path, own_server, own_client):
    own_client.append_object("integrity", "shared", 0, b"0123456789")
    with LocalServer(own_server.root, credentials={AK: SK}) as other:
        other_client = OssClient(other.endpoint, AK, SK, region=REGION)
        sock = _start_append(own_server, "shared", 10, 20, b"a" * 10)
        time.sleep(0.2)
        outcome = {}

        def rival():
            try:
                outcome["ok"] = other_client.append_object("integrity", "shared", 10, b"RIVAL")
            except ServiceError as err:
                outcome["err"] = err

        thread = threading.Thread(target=rival)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive(), "the second server appended while the first one was writing"
        sock.sendall(b"b" * 10)
        resp = _read_response(sock)
        sock.close()
        thread.join(10)
        assert resp.status == 200 and resp.getheader("x-oss-next-append-position") == "30"
        assert outcome["err"].code == "PositionNotEqualToLength"
        with other_client.get_object("integrity", "shared") as reader:
            assert reader.read() == b"0123456789" + b"a" * 10 + b"b" * 10


def test_two_position_zero_appends_create_one_object(own_server, own_client):
    sock = _start_append(own_server, "fresh", 0, 6, b"abc")
    time.sleep(0.2)
    impatient = OssClient(own_server.endpoint, AK, SK, region=REGION, read_timeout=5, max_retries=0)
    impatient.append_object("integrity", "fresh", 0, b"first")  # not held up by the unfinished append
    sock.sendall(b"def")
    resp = _read_response(sock)
    sock.close()
    assert resp.status == 409 and resp.getheader("x-oss-next-append-position") == "5"
    with own_client.get_object("integrity", "fresh") as reader:
        assert reader.read() == b"first"


def test_servers_starting_together_on_a_new_root_agree_on_one_key_pair(tmp_path):
    barrier = threading.Barrier(8)
    pairs = []

    def start_one():
        barrier.wait()
        srv = LocalServer(tmp_path / "fresh", credentials="stored")
        pairs.append((srv.access_key_id, srv.access_key_secret))

    threads = [threading.Thread(target=start_one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(pairs) == 8 and len(set(pairs)) == 1
    assert sorted(p.name for p in (tmp_path / "fresh").iterdir()) == ["credentials.json"]


@pytest.mark.parametrize("bad_line", ["x-oss-meta-a b: v", "x-oss-m\u00e9ta: v"])
def test_a_malformed_header_line_is_refused_and_the_connection_closed(own_server, own_client, bad_line):
    headers = _signed(own_server, "PUT", "integrity", "hdr", headers={"Content-Length": "5"})
    lines = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    host, port = _host_port(own_server)
    sock = socket.create_connection((host, port), timeout=10)
    # the bad line comes first: http.server would stop there and never see Content-Length
    sock.sendall(f"PUT /integrity/hdr HTTP/1.1\r\nHost: {host}:{port}\r\n{bad_line}\r\n{lines}\r\nhello".encode())
    resp = _read_response(sock)
    assert resp.status == 400 and b"<Code>InvalidArgument</Code>" in resp.body
    assert resp.getheader("Connection") == "close"
    assert sock.recv(100) == b""  # the unread body was not taken for a next request
    sock.close()
    assert not own_client.object_exists("integrity", "hdr")


def test_a_user_metadata_name_that_is_not_a_token_is_invalid(own_server, own_client):
    headers = _signed(own_server, "PUT", "integrity", "meta", headers={"x-oss-meta-a(b": "v"})
    resp = requests.put(f"{own_server.endpoint}/integrity/meta", data=b"x", headers=headers)
    assert resp.status_code == 400 and "<Code>InvalidArgument</Code>" in resp.text
    assert not own_client.object_exists("integrity", "meta")


FUTURE, PAST = "Wed, 01 Jan 2098 00:00:00 GMT", "Sat, 01 Jan 2000 00:00:00 GMT"


@pytest.mark.parametrize(
    "header,value,status",
    [
        ("if-match", "etag", 200),
        ("if-match", '"0000"', 412),
        ("if-none-match", "etag", 304),
        ("if-none-match", '"0000"', 200),
        ("if-modified-since", FUTURE, 304),
        ("if-modified-since", PAST, 200),
        ("if-unmodified-since", PAST, 412),
        ("if-unmodified-since", FUTURE, 200),
    ],
)
def test_copy_source_conditions(own_server, own_client, header, value, status):
    etag = own_client.put_object("integrity", "src", b"source bytes").etag
    value = f'"{etag}"' if value == "etag" else value
    cond = {"x-oss-copy-source": "/integrity/src", "x-oss-copy-source-" + header: value}
    resp = requests.put(
        f"{own_server.endpoint}/integrity/dst-{status}",
        headers=_signed(own_server, "PUT", "integrity", f"dst-{status}", headers=cond),
    )
    assert resp.status_code == status, resp.text
    assert own_client.object_exists("integrity", f"dst-{status}") == (status == 200)
    upload_id = own_client.init_multipart_upload("integrity", "mp")
    params = {"partNumber": "1", "uploadId": upload_id}
    resp = requests.put(
        f"{own_server.endpoint}/integrity/mp",
        params=params,
        headers=_signed(own_server, "PUT", "integrity", "mp", params, cond),
    )
    assert resp.status_code == status, resp.text
    assert len(own_client.list_parts("integrity", "mp", upload_id).parts) == (status == 200)


@pytest.mark.parametrize(
    "key,params",
    [
        (None, {"max-keys": "0"}),
        (None, {"list-type": "2", "max-keys": "0"}),
        (None, {"uploads": "", "max-uploads": "0"}),
        ("mp", {"max-parts": "0"}),
        ("service", {"max-keys": "0"}),
    ],
)
def test_a_zero_page_size_is_an_invalid_argument(own_server, own_client, key, params):
    bucket = None if key == "service" else "integrity"
    key = None if key == "service" else key
    if key:
        params = {**params, "uploadId": own_client.init_multipart_upload("integrity", key)}
    url = f"{own_server.endpoint}/" + "/".join(p for p in (bucket, key) if p)
    resp = requests.get(url, params=params, headers=_signed(own_server, "GET", bucket, key, params))
    assert resp.status_code == 400 and "<Code>InvalidArgument</Code>" in resp.text, resp.text


def test_an_append_to_an_object_whose_body_file_is_gone_fails_promptly(tmp_path):
    srv = LocalServer(tmp_path / "root", credentials={AK: SK}).start()
    try:
        client = OssClient(srv.endpoint, AK, SK, region=REGION, read_timeout=5, max_retries=0)
        client.create_bucket("integrity")
        client.append_object("integrity", "log", 0, b"0123456789")
        srv.store.blobs.path(srv.store.get("integrity", "log").body).unlink()  # damage behind the server
        started = time.monotonic()
        with pytest.raises(ServiceError) as err:
            client.append_object("integrity", "log", 10, b"more")
        assert time.monotonic() - started < 2
        assert err.value.status == 500 and err.value.code == "InternalError"
        client.append_object("integrity", "other", 0, b"still serving")
        with client.get_object("integrity", "other") as reader:
            assert reader.read() == b"still serving"
    finally:
        started = time.monotonic()
        srv.stop(grace=10)
    assert time.monotonic() - started < 2  # no handler left spinning for stop() to wait on
