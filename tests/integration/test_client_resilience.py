"""Retries and refused redirects: a small front HTTP server on loopback forwards to the embedded server and
misbehaves in scripted ways (throttling, dropped connections, redirects, wrong-region answers, damage)."""

import json
import os
import ssl
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from ossh.client import IntegrityError, InvalidResponse, OssClient, RedirectRefused, TransportError
from ossh.client.checkpoint import UploadCheckpoint
from ossh.client.crc import crc64
from ossh.client.errors import AccessDenied, OssError, ServiceError

ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>{code}</Code><Message>{msg}</Message>'
    "<RequestId>0123456789ABCDEF01234567</RequestId><HostId>front</HostId>{extra}</Error>"
)


class Front:
    """Answers each request with the next scripted action (a callable is run, then the request forwarded;
    bytes are answered as a 200 XML body); `seen` records (method, path) per request, `ranges` its
    (Range, If-Match) headers."""

    def __init__(self, target: str):
        self.target = target
        self.script: list[str] = []
        self.seen: list[tuple[str, str]] = []
        self.ranges: list[tuple[str | None, str | None]] = []
        front = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                front.seen.append((self.command, self.path))
                front.ranges.append((self.headers.get("Range"), self.headers.get("If-Match")))
                action = front.script.pop(0) if front.script else "forward"
                if callable(action):  # something happening on the server just before this request
                    action()
                    action = "forward"
                if isinstance(action, bytes):
                    return self._reply(200, action, {"Content-Type": "application/xml"})
                if action in ("forward", "corrupt", "wrong-crc", "lost-answer") or action.startswith("cut"):
                    return self._forward(body, action)
                if action == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if action == "redirect":
                    return self._reply(307, b"", {"Location": front.target + self.path})
                if action == "wrong-region":
                    host = front.target.split("://", 1)[1]
                    body = ERROR.format(
                        code="AccessDenied",
                        msg="must be addressed using the specified endpoint",
                        extra=f"<Endpoint>{host}</Endpoint>",
                    )
                    return self._reply(403, body.encode(), {"Content-Type": "application/xml"})
                status, code = action.split(":")
                body = ERROR.format(code=code, msg="try again", extra="").encode()
                self._reply(int(status), body, {"Content-Type": "application/xml"})

            def _forward(self, body, action):
                """Pass the request on with its signature; "corrupt" flips one byte of whichever body is
                larger, "wrong-crc" changes the CRC-64 the answer announces, "cut:F" sends the answer's
                headers and the first fraction F of its body, then closes the connection; "lost-answer"
                closes it without answering (the server did the work)."""
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                if body and action == "corrupt":
                    body = _flip(body)
                r = requests.request(self.command, front.target + self.path, headers=headers, data=body, timeout=10)
                keep = {
                    k: v
                    for k, v in r.headers.items()
                    if k.lower() not in ("transfer-encoding", "connection")
                    and (k.lower() != "content-length" or self.command == "HEAD")
                }
                if action == "wrong-crc" and "x-oss-hash-crc64ecma" in keep:
                    keep["x-oss-hash-crc64ecma"] = str(int(keep["x-oss-hash-crc64ecma"]) ^ 1)
                if action == "lost-answer":
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                if action.startswith("cut"):
                    self.close_connection = True
                    keep["Content-Length"] = str(len(r.content))
                    self.send_response(r.status_code)
                    for k, v in keep.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(r.content[: int(len(r.content) * float(action.split(":")[1]))])
                    self.wfile.flush()
                    self.connection.shutdown(2)
                    return
                self._reply(
                    r.status_code,
                    _flip(r.content) if action == "corrupt" and self.command == "GET" else r.content,
                    keep,
                )

            def _reply(self, status, body, headers):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if "Content-Length" not in headers:
                    self.send_header("Content-Length", str(len(body)))
                self.send_header("x-oss-request-id", "0123456789ABCDEF01234567")
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = _any

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.endpoint = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def use_tls(self, tmp_path):
        """Serve https with a fresh self-signed certificate for 127.0.0.1 (returned path trusts it)."""
        key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.endpoint = self.endpoint.replace("http://", "https://")
        return cert

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def _flip(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1]) if data else data


@pytest.fixture
def front(server):
    f = Front(server.endpoint)
    yield f
    f.close()


def via(front, server, **kw):
    kw.setdefault("retry_base_delay", 0.01)
    return OssClient(front.endpoint, server.access_key_id, server.access_key_secret, region="cn-hangzhou", **kw)


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_redirect_to_another_address_is_refused(front, server, client, bucket, version):
    c = via(front, server, signature_version=version)
    front.script = ["redirect"]
    with pytest.raises(RedirectRefused, match=f"to {server.endpoint}: requests go only to {front.endpoint}"):
        c.put_object(bucket, "k", b"not through a redirect")
    assert not client.object_exists(bucket, "k") and front.seen == [("PUT", f"/{bucket}/k")]


def test_forwarded_requests_keep_their_signature(front, server, client, bucket):
    via(front, server).put_object(bucket, "k", b"through the front")
    assert client.get_object(bucket, "k").read() == b"through the front"


def test_redirect_from_https_to_http_is_refused(front, server, client, bucket, tmp_path, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(front.use_tls(tmp_path)))
    c = via(front, server)
    front.script = ["redirect"]
    with pytest.raises(OssError, match="refusing a redirect from https://127.0.0.1") as exc:
        c.put_object(bucket, "k", b"must not travel in clear text")
    assert exc.value.code == "InsecureRedirect" and not client.object_exists(bucket, "k")


def test_throttling_and_5xx_are_retried(front, server, client, bucket):
    client.put_object(bucket, "k", b"v")
    front.script = ["503:SlowDown", "500:InternalError", "429:Throttling"]
    assert via(front, server, max_retries=3).get_object(bucket, "k").read() == b"v"
    assert len(front.seen) == 4


def test_truncated_upload_listing_without_next_markers_is_an_error(front, server, client, bucket):
    upload_id = client.init_multipart_upload(bucket, "big")
    page = (
        f"<ListMultipartUploadsResult><Bucket>{bucket}</Bucket><IsTruncated>true</IsTruncated>"
        f"<Upload><Key>big</Key><UploadId>{upload_id}</UploadId></Upload></ListMultipartUploadsResult>"
    )
    front.script = [page.encode()]
    seen = []
    with pytest.raises(InvalidResponse, match="names no next marker"):
        seen.extend(u.upload_id for u in via(front, server).iter_uploads(bucket))
    assert seen == [upload_id] and len(front.seen) == 1


def test_dropped_connections_are_retried(front, server, client, bucket):
    front.script = ["drop", "drop"]
    via(front, server).put_object(bucket, "dropped", b"replayed body")
    assert client.get_object(bucket, "dropped").read() == b"replayed body"
    assert len(front.seen) == 3


def test_retries_give_up_after_max_retries(front, server, bucket):
    front.script = ["503:SlowDown"] * 5
    with pytest.raises(ServiceError) as exc:
        via(front, server, max_retries=2).list_objects(bucket)
    assert exc.value.code == "SlowDown" and exc.value.status == 503 and len(front.seen) == 3


def test_unreplayable_body_is_not_retried(front, server, bucket):
    front.script = ["503:SlowDown"]
    with pytest.raises(ServiceError):
        via(front, server).put_object(bucket, "once", iter([b"a ", b"stream"]))
    assert len(front.seen) == 1


def test_client_errors_are_not_retried(front, server, bucket):
    front.script = ["403:AccessDenied"]
    with pytest.raises(AccessDenied):
        via(front, server).list_objects(bucket)
    assert len(front.seen) == 1


@pytest.mark.parametrize("answer", ["507:InsufficientStorage", "500:InsufficientStorage", "501:NotImplemented"])
def test_lasting_server_conditions_are_not_retried(front, server, bucket, answer):
    front.script = [answer]
    with pytest.raises(ServiceError) as exc:
        via(front, server).put_object(bucket, "full", b"no room")
    assert exc.value.code == answer.split(":")[1] and len(front.seen) == 1


def test_wrong_endpoint_on_another_address_is_refused(front, server, client, bucket):
    front.script = ["wrong-region"]
    host = server.endpoint.split("://", 1)[1]
    with pytest.raises(RedirectRefused, match=f"to http://{host}: requests go only to") as exc:
        via(front, server).put_object(bucket, "moved", b"1")
    assert exc.value.code == "AccessDenied" and exc.value.request_id == "0123456789ABCDEF01234567"
    assert not client.object_exists(bucket, "moved") and len(front.seen) == 1


def test_unreachable_endpoint_is_a_transport_error():
    c = OssClient("http://127.0.0.1:9", "ak", "sk", max_retries=1, retry_base_delay=0.01, connect_timeout=2)
    with pytest.raises(TransportError) as exc:
        c.list_buckets()
    assert str(exc.value) == "cannot connect to 127.0.0.1:9 (connection refused)"


def test_dropped_connection_is_a_short_transport_error(front, server, bucket):
    front.script = ["drop"]
    with pytest.raises(TransportError) as exc:
        via(front, server, max_retries=0).get_object_meta(bucket, "k")
    host = front.endpoint.split("://", 1)[1]
    assert str(exc.value) == f"connection to {host} failed (the server closed the connection)"


def test_corrupted_download_is_an_integrity_error_and_keeps_the_old_file(front, server, client, bucket, tmp_path):
    client.put_object(bucket, "c", b"payload")
    target = tmp_path / "c.bin"
    target.write_bytes(b"old")
    front.script = ["corrupt"]
    with pytest.raises(IntegrityError) as exc:
        via(front, server).get_object_to_file(bucket, "c", target)
    assert exc.value.code == "CrcMismatch"
    assert target.read_bytes() == b"old" and sorted(p.name for p in tmp_path.iterdir()) == ["c.bin"]


def test_corrupted_upload_is_an_integrity_error(front, server, bucket):
    front.script = ["corrupt"]
    with pytest.raises(IntegrityError):
        via(front, server).put_object(bucket, "c", b"payload")


def test_failed_part_aborts_the_upload(front, server, client, bucket, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"x" * 300_000)
    front.script = ["forward", "400:InvalidArgument"]
    with pytest.raises(ServiceError) as exc:
        via(front, server).upload_file(bucket, "parts", path, part_size=100 * 1024, threshold=1, threads=1)
    assert exc.value.code == "InvalidArgument"
    assert [m for m, _ in front.seen][-1] == "DELETE"
    assert list(client.iter_uploads(bucket)) == []


def test_multipart_copy_that_fails_its_crc_check_is_removed(front, server, client, bucket):
    client.put_object(bucket, "src", os.urandom(300_000))
    front.script = ["wrong-crc"]  # the source's HEAD announces another CRC-64; the rest is forwarded
    with pytest.raises(IntegrityError):
        via(front, server).copy(bucket, "src", bucket, "dst", threshold=100 * 1024, part_size=100 * 1024)
    assert not client.object_exists(bucket, "dst") and list(client.iter_uploads(bucket)) == []


def test_upload_whose_complete_fails_its_crc_check_is_removed(front, server, client, bucket, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(os.urandom(300_000))
    # Initiate and three parts pass; the Complete answer announces another CRC-64 than the parts combine to.
    front.script = ["forward"] * 4 + ["wrong-crc"]
    with pytest.raises(IntegrityError) as exc:
        via(front, server).upload_file(bucket, "up", path, part_size=100 * 1024, threshold=1, threads=1)
    assert exc.value.code == "CrcMismatch"
    assert [m for m, _ in front.seen][-3:] == ["POST", "HEAD", "DELETE"]
    assert not client.object_exists(bucket, "up") and list(client.iter_uploads(bucket)) == []


def test_multipart_copy_whose_complete_fails_its_crc_check_is_removed(front, server, client, bucket):
    client.put_object(bucket, "src", os.urandom(300_000))
    front.script = ["forward"] * 5 + ["wrong-crc"]  # HEAD, Initiate, three part copies, then Complete
    with pytest.raises(IntegrityError):
        via(front, server).copy(bucket, "src", bucket, "dst", threshold=100 * 1024, part_size=100 * 1024, threads=1)
    assert [m for m, _ in front.seen][-3:] == ["POST", "HEAD", "DELETE"]
    assert not client.object_exists(bucket, "dst") and list(client.iter_uploads(bucket)) == []


def test_object_replaced_after_a_failed_complete_is_kept(front, server, client, bucket, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(os.urandom(300_000))
    newer = []
    # Between the bad Complete and the check of what it published, another writer replaces the object.
    front.script = ["forward"] * 4 + ["wrong-crc", lambda: newer.append(client.put_object(bucket, "up", b"n"))]
    with pytest.raises(IntegrityError):
        via(front, server).upload_file(bucket, "up", path, part_size=100 * 1024, threshold=1, threads=1)
    assert [m for m, _ in front.seen][-2:] == ["POST", "HEAD"]
    assert client.get_object(bucket, "up").read() == b"n" and client.head_object(bucket, "up").etag == newer[0].etag


def test_corrupted_range_fails_a_parallel_download(front, server, client, bucket, tmp_path):
    client.put_object(bucket, "big", b"z" * 300_000)
    front.script = ["forward", "corrupt"]  # the HEAD passes, the first ranged GET is damaged
    with pytest.raises(IntegrityError):
        via(front, server).download_file(bucket, "big", tmp_path / "big", threads=1, part_size=100_000, threshold=1)
    assert list(tmp_path.iterdir()) == []


def test_transfers_without_crc_verification_keep_what_they_moved(front, server, client, bucket, tmp_path):
    from ossh.client import TransferConfig

    unchecked = via(front, server, transfer_config=TransferConfig(verify_crc=False))
    path = tmp_path / "f"
    path.write_bytes(os.urandom(300_000))
    front.script = ["forward"] * 4 + ["wrong-crc"]  # the Complete announces another CRC-64: not compared
    unchecked.upload_file(bucket, "up", path, part_size=100 * 1024, threshold=1, threads=1)
    assert client.get_object(bucket, "up").read() == path.read_bytes()
    client.put_object(bucket, "big", b"z" * 300_000)
    front.script = ["forward", "corrupt"]  # the HEAD passes, the first ranged GET is damaged: kept as it came
    unchecked.download_file(bucket, "big", tmp_path / "big", threads=1, part_size=100_000, threshold=1)
    got = (tmp_path / "big").read_bytes()
    assert len(got) == 300_000 and got != b"z" * 300_000 and got.count(b"z") == 300_000 - 1


def test_interrupted_upload_resumes_from_its_checkpoint(front, server, client, bucket, tmp_path):
    data = os.urandom(5 * 100 * 1024)
    path = tmp_path / "f"
    path.write_bytes(data)
    ckpt = tmp_path / "ckpt"
    opts = dict(part_size=100 * 1024, threshold=1, threads=1, checkpoint_dir=ckpt)
    front.script = ["forward", "forward", "forward", "400:InvalidArgument"]  # init, parts 1-2, part 3 fails
    with pytest.raises(ServiceError):
        via(front, server).upload_file(bucket, "resumed", path, **opts)
    [record] = list(ckpt.iterdir())
    finished = json.loads(record.read_text())["parts"]
    assert {"1", "2"} <= set(finished) and "3" not in finished
    assert [u.key for u in client.iter_uploads(bucket)] == ["resumed"]  # kept for the resume

    front.seen.clear()
    seen = []
    result = via(front, server).upload_file(bucket, "resumed", path, progress=lambda d, t: seen.append(d), **opts)
    assert [m for m, _ in front.seen].count("PUT") == 5 - len(finished)
    assert seen[0] > len(finished) * 100 * 1024 - 1 and seen[-1] == len(data)
    assert result.crc64 == crc64(data) and client.get_object(bucket, "resumed").read() == data
    assert list(ckpt.iterdir()) == [] and list(client.iter_uploads(bucket)) == []


def test_checkpoint_of_a_changed_file_is_not_reused(server, client, bucket, tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"a" * 300_000)
    ckpt = tmp_path / "ckpt"
    upload = client.init_multipart_upload(bucket, "k")
    UploadCheckpoint(ckpt, bucket, "k", str(path), 100 * 1024).start(upload, {})
    path.write_bytes(b"b" * 300_001)
    client.upload_file(bucket, "k", path, part_size=100 * 1024, threshold=1, checkpoint_dir=ckpt)
    assert client.get_object(bucket, "k").read() == b"b" * 300_001
    assert [u.upload_id for u in client.iter_uploads(bucket)] == [upload]  # the stale one was left alone


def test_cut_part_is_continued_from_the_byte_reached(front, server, client, bucket, tmp_path):
    data = os.urandom(300_000)
    client.put_object(bucket, "big", data)
    etag = f'"{client.head_object(bucket, "big").etag}"'
    front.script = ["forward", "forward", "cut:0.5"]  # HEAD, part 0, then part 1 breaks off half-way
    via(front, server).download_file(
        bucket, "big", tmp_path / "big", threads=1, part_size=100_000, threshold=1, checkpoint_dir=tmp_path / "ckpt"
    )
    assert (tmp_path / "big").read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big", "ckpt"] and not any((tmp_path / "ckpt").iterdir())
    assert front.ranges[2:] == [
        ("bytes=100000-199999", etag),
        ("bytes=150000-199999", etag),
        ("bytes=200000-299999", etag),
    ]


def test_cut_single_download_is_continued_pinned_to_its_etag(front, server, client, bucket, tmp_path):
    data = os.urandom(250_000)
    client.put_object(bucket, "one", data)
    etag = f'"{client.head_object(bucket, "one").etag}"'
    front.script = ["cut:0.4", "cut:0.5"]
    seen = []
    via(front, server).get_object_to_file(bucket, "one", tmp_path / "one", progress=lambda d, t: seen.append(d))
    assert (tmp_path / "one").read_bytes() == data
    assert front.ranges == [(None, None), ("bytes=100000-249999", etag), ("bytes=175000-249999", etag)]
    assert seen == sorted(seen) and seen[-1] == len(data)  # progress never goes back


def test_continuation_of_a_changed_object_fails_and_leaves_nothing(front, server, client, bucket, tmp_path):
    client.put_object(bucket, "moving", os.urandom(200_000))
    target = tmp_path / "moving"
    front.script = ["cut:0.5", lambda: client.put_object(bucket, "moving", b"new version")]
    with pytest.raises(ServiceError) as exc:
        via(front, server).get_object_to_file(bucket, "moving", target)
    assert exc.value.status == 412 and list(tmp_path.iterdir()) == []


def test_a_body_broken_without_progress_gives_up_after_max_retries(front, server, client, bucket, tmp_path):
    client.put_object(bucket, "stuck", os.urandom(200_000))
    front.script = ["cut:0.5"] + ["cut:0"] * 10
    with pytest.raises(TransportError) as exc:
        via(front, server, max_retries=2).get_object_to_file(bucket, "stuck", tmp_path / "stuck")
    assert str(exc.value).startswith("get stuck: gave up at byte 100000 of 0-199999 after 4 broken answers (")
    assert "\n" not in str(exc.value) and len(front.seen) == 4 and list(tmp_path.iterdir()) == []


def test_complete_whose_answer_was_lost_is_a_success(front, server, client, bucket, tmp_path):
    data = os.urandom(300_000)
    path = tmp_path / "f"
    path.write_bytes(data)
    # Initiate and three parts pass; the server completes the upload but its answer never arrives, so the
    # retried Complete finds no upload: the object holding exactly the parts' bytes makes it a success.
    front.script = ["forward"] * 4 + ["lost-answer"]
    result = via(front, server).upload_file(bucket, "up", path, part_size=100 * 1024, threshold=1, threads=1)
    assert result.crc64 == crc64(data) and client.get_object(bucket, "up").read() == data
    assert [m for m, _ in front.seen][-3:] == ["POST", "POST", "HEAD"]


def test_corrupted_range_with_a_checkpoint_starts_over_with_a_clear_error(front, server, client, bucket, tmp_path):
    data = os.urandom(300_000)
    client.put_object(bucket, "big", data)
    target, ckpt = tmp_path / "big", tmp_path / "ckpt"
    opts = dict(threads=1, part_size=100_000, threshold=1, checkpoint_dir=ckpt)
    front.script = ["forward", "forward", "corrupt"]  # part 1 arrives with a flipped byte
    with pytest.raises(IntegrityError) as exc:
        via(front, server).download_file(bucket, "big", target, **opts)
    assert "every part is as it arrived" in str(exc.value) and "\n" not in str(exc.value)
    assert list(ckpt.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["ckpt"]
    via(front, server).download_file(bucket, "big", target, **opts)
    assert target.read_bytes() == data
