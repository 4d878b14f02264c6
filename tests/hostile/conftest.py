"""Fixtures for hostile-client tests: a server of its own (so its store can be inspected), requests signed by
the client's signers, and raw-socket exchanges that can send anything at all; and a server with two accounts
where requests come from the owner, another account or anyone."""

import base64
import hashlib
import http.client
import itertools
import json
import socket
import time
from dataclasses import dataclass
from urllib.parse import quote

import pytest
import requests

from ossh.client.auth import Credentials, SignableRequest, SignerV4
from ossh.client.endpoint import quote_key
from ossh.server import LocalServer

AK, SK = "hostile-ak", "hostile-sk"
REGION = "cn-hangzhou"
BUCKET = "hostile"
PUBLIC_KEY = "public-object"
PUBLIC_BODY = b"public bytes, 0123456789" * 10


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    closed: bool | None  # the server closed the connection after answering (None: not checked)

    @property
    def code(self) -> str | None:
        text = self.body.decode("utf-8", "replace")
        return text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else None


class Hostile:
    """The server under attack, and the ways to reach it."""

    def __init__(self, server: LocalServer):
        self.server = server
        self.host, self.port = "127.0.0.1", server.port
        self.authority = f"{self.host}:{self.port}"
        self.creds = Credentials(AK, SK)
        self.session = requests.Session()

    def signed_headers(self, method, bucket=None, key=None, params=None, headers=None) -> dict[str, str]:
        req = SignableRequest(method, bucket, key, dict(params or {}), dict(headers or {}))
        SignerV4(REGION).sign(req, self.creds)
        return req.headers

    def url(self, bucket=None, key=None) -> str:
        return f"{self.server.endpoint}/" + (f"{bucket}/" if bucket else "") + (quote_key(key) if key else "")

    def call(self, method, bucket=None, key=None, params=None, headers=None, data=None, signed=True):
        headers = self.signed_headers(method, bucket, key, params, headers) if signed else dict(headers or {})
        return self.session.request(method, self.url(bucket, key), params=params, headers=headers, data=data)

    def raw(
        self,
        data: bytes,
        *,
        method: str = "GET",
        half_close: bool = False,
        check_close: bool = False,
        timeout: float = 5.0,
    ) -> Reply:
        """Send `data` on a fresh connection and read one answer; with check_close, also whether the server
        then closed the connection."""
        with socket.create_connection((self.host, self.port), timeout=timeout) as sock:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
            resp = http.client.HTTPResponse(sock, method=method)
            resp.begin()
            body = resp.read()
            closed = None
            if check_close:
                try:
                    closed = sock.recv(1) == b""
                except (TimeoutError, ConnectionResetError):
                    closed = False
            return Reply(resp.status, resp.headers, body, closed)

    def head_bytes(self, method, target, headers: dict[str, str] | None = None, host=True, version="HTTP/1.1") -> bytes:
        lines = [f"{method} {target} {version}"] + ([f"Host: {self.authority}"] if host else [])
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def signed_raw(
        self,
        method,
        key,
        extra: dict[str, str] | None = None,
        params=None,
        body=b"",
        length: bool = True,
        signed: dict[str, str] | None = None,
    ) -> bytes:
        """A signed request head (plus body) for /BUCKET/key; `signed` headers are signed, `extra` ones are
        sent as they are after them."""
        headers = self.signed_headers(method, BUCKET, key, params, signed)
        if length:
            headers["Content-Length"] = str(len(body))
        headers.update(extra or {})
        query = "&".join(f"{k}={quote(v, safe='')}" if v else k for k, v in (params or {}).items())
        target = f"/{BUCKET}/{quote_key(key)}" + (f"?{query}" if query else "")
        return self.head_bytes(method, target, headers) + body

    def healthy(self) -> None:
        """The server still serves a normal signed request after whatever came before."""
        resp = self.call("GET", BUCKET, PUBLIC_KEY)
        assert resp.status_code == 200 and resp.content == PUBLIC_BODY

    def exists(self, key: str) -> bool:
        return self.call("HEAD", BUCKET, key).status_code == 200


@pytest.fixture(scope="session")
def hostile(tmp_path_factory):
    with LocalServer(tmp_path_factory.mktemp("hostile-root"), credentials={AK: SK}) as server:
        target = Hostile(server)
        assert target.call("PUT", BUCKET).status_code == 200
        assert (
            target.call(
                "PUT", BUCKET, PUBLIC_KEY, headers={"x-oss-object-acl": "public-read"}, data=PUBLIC_BODY
            ).status_code
            == 200
        )
        yield target


def wait_until(predicate, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# ------------------------------------------------------------------ two accounts and anyone

OWNER_AK, OWNER_SK = "owner-ak", "owner-sk"
OTHER_AK, OTHER_SK = "other-ak", "other-sk"


def error_code(resp: requests.Response) -> str | None:
    """The OSS error code of an answer (a HEAD's travels base64-encoded in x-oss-err)."""
    text = resp.text or (base64.b64decode(resp.headers["x-oss-err"]).decode() if "x-oss-err" in resp.headers else "")
    return text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else None


class Actor:
    """One identity against the server: an account signing V4, or anyone (no signature at all)."""

    def __init__(self, server: LocalServer, creds: Credentials | None):
        self.server, self.creds = server, creds
        self.session = requests.Session()

    def call(self, method, bucket=None, key=None, params=None, headers=None, data=None) -> requests.Response:
        req = SignableRequest(method, bucket, key, dict(params or {}), dict(headers or {}))
        if self.creds is not None:
            SignerV4(REGION).sign(req, self.creds)
        url = f"{self.server.endpoint}/" + (f"{bucket}/" if bucket else "") + (quote_key(key) if key else "")
        return self.session.request(method, url, params=req.params, headers=req.headers, data=data)

    def delete_objects(self, bucket: str, *entries: str | tuple[str, str]) -> requests.Response:
        """DeleteMultipleObjects of keys, or of (key, version id) pairs."""
        objects = "".join(
            f"<Object><Key>{e}</Key></Object>"
            if isinstance(e, str)
            else f"<Object><Key>{e[0]}</Key><VersionId>{e[1]}</VersionId></Object>"
            for e in entries
        )
        body = f"<Delete>{objects}</Delete>".encode()
        headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        return self.call("POST", bucket, params={"delete": ""}, headers=headers, data=body)

    def initiate(self, bucket: str, key: str, headers: dict[str, str] | None = None) -> str:
        """A new multipart upload's id."""
        started = self.call("POST", bucket, key, params={"uploads": ""}, headers=headers)
        return started.text.split("<UploadId>", 1)[1].split("</UploadId>", 1)[0]

    def complete(self, bucket: str, key: str, upload: str, etag: str, headers=None) -> requests.Response:
        """CompleteMultipartUpload of the one part 1 whose ETag is `etag`."""
        body = (
            f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag></Part>"
            "</CompleteMultipartUpload>"
        ).encode()
        md5 = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
        return self.call(
            "POST", bucket, key, params={"uploadId": upload}, headers={**md5, **(headers or {})}, data=body
        )

    def part_copy(self, bucket: str, key: str, source: str) -> requests.Response:
        """UploadPartCopy of `source` (an x-oss-copy-source) as part 1 of a new upload of `key`."""
        part = {"partNumber": "1", "uploadId": self.initiate(bucket, key)}
        return self.call("PUT", bucket, key, params=part, headers={"x-oss-copy-source": source})

    def post_form(self, bucket: str, fields: dict[str, str], data: bytes = b"form bytes") -> requests.Response:
        """A PostObject form; signed (a V4 policy naming the bucket) when the actor is an account."""
        fields = dict(fields)
        if self.creds is not None:
            now = time.time()
            day = time.strftime("%Y%m%d", time.gmtime(now))
            expiration = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(now + 600))
            policy = base64.b64encode(
                json.dumps({"expiration": expiration, "conditions": [{"bucket": bucket}]}).encode()
            ).decode()
            fields.update(
                {
                    "policy": policy,
                    "x-oss-signature-version": "OSS4-HMAC-SHA256",
                    "x-oss-credential": f"{self.creds.access_key_id}/{day}/{REGION}/oss/aliyun_v4_request",
                    "x-oss-date": time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now)),
                    "x-oss-signature": SignerV4.signature(self.creds.access_key_secret, day, REGION, policy),
                }
            )
        return self.session.post(
            f"{self.server.endpoint}/{bucket}", data=fields, files={"file": ("local.txt", data, "text/plain")}
        )

    @property
    def owner_id(self) -> str:
        """The account's owner id, as the server names it (ListBuckets' Owner/ID)."""
        text = self.call("GET").text
        return text.split("<Owner><ID>", 1)[1].split("</ID>", 1)[0]


class Accounts:
    """A server with two accounts: `owner` makes the buckets, `other` is another account, `anon` is anyone."""

    def __init__(self, server: LocalServer):
        self.server = server
        self.owner = Actor(server, Credentials(OWNER_AK, OWNER_SK))
        self.other = Actor(server, Credentials(OTHER_AK, OTHER_SK))
        self.anon = Actor(server, None)
        self._numbers = itertools.count(1)

    def bucket(self, acl: str = "private", versioned: bool = False, account: Actor | None = None) -> str:
        name = f"access-{next(self._numbers)}"
        assert (account or self.owner).call("PUT", name, headers={"x-oss-acl": acl}).status_code == 200
        if versioned:
            body = b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>"
            assert self.owner.call("PUT", name, params={"versioning": ""}, data=body).status_code == 200
        return name

    def put(self, bucket: str, key: str, data: bytes, acl: str | None = None) -> requests.Response:
        resp = self.owner.call("PUT", bucket, key, headers={"x-oss-object-acl": acl} if acl else {}, data=data)
        assert resp.status_code == 200, resp.text
        return resp

    def link(self, bucket: str, key: str, target: str, actor: Actor | None = None) -> requests.Response:
        return (actor or self.owner).call(
            "PUT", bucket, key, params={"symlink": ""}, headers={"x-oss-symlink-target": target}
        )

    def body(self, bucket: str, key: str) -> bytes | None:
        """The object's bytes as its owner reads them (None: it does not exist)."""
        resp = self.owner.call("GET", bucket, key)
        return resp.content if resp.status_code == 200 else None

    def acl(self, bucket: str, key: str) -> str:
        text = self.owner.call("GET", bucket, key, params={"acl": ""}).text
        return text.split("<Grant>", 1)[1].split("</Grant>", 1)[0]


@pytest.fixture(scope="session")
def accounts(tmp_path_factory):
    root = tmp_path_factory.mktemp("accounts-root")
    with LocalServer(root, credentials={OWNER_AK: OWNER_SK, OTHER_AK: OTHER_SK}) as server:
        yield Accounts(server)


@pytest.fixture
def evil():
    """A misbehaving endpoint on 127.0.0.1 for client-side cases (see evil.py)."""
    from .evil import Evil

    server = Evil("127.0.0.1")
    yield server
    server.close()
