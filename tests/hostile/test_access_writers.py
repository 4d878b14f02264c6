"""Every write and delete path honours the object's own ACL: in a public-read-write bucket a private object is
its owner's to replace or remove, whether by PutObject, PostObject, DeleteObject, DeleteMultipleObjects, a
copy, an append, a symlink or a multipart upload."""

import json
import socket

import pytest

from .conftest import error_code, wait_until

PRIVATE = b"the owner's private bytes"


@pytest.fixture
def shared(accounts):
    """A public-read-write bucket with a private object `mine` and a public-read-write object `loose`."""
    bucket = accounts.bucket("public-read-write")
    accounts.put(bucket, "mine", PRIVATE, acl="private")
    accounts.put(bucket, "loose", b"anyone may change me", acl="public-read-write")
    return bucket


def _unchanged(accounts, bucket):
    assert accounts.body(bucket, "mine") == PRIVATE and accounts.acl(bucket, "mine") == "private"


@pytest.mark.parametrize("who", ["anon", "other"])
def test_a_form_cannot_overwrite_a_private_object(accounts, shared, who):
    actor = getattr(accounts, who)
    resp = actor.post_form(shared, {"key": "mine"}, b"overwritten")
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    by_filename = actor.post_form(shared, {"key": "${filename}"}, b"overwritten")  # local.txt: not a private one
    assert by_filename.status_code == 204
    renamed = actor.session.post(
        f"{accounts.server.endpoint}/{shared}", data={"key": "${filename}"}, files={"file": ("mine", b"x")}
    )
    assert error_code(renamed) == "AccessDenied"
    _unchanged(accounts, shared)


def test_a_form_still_writes_what_the_bucket_lets_anyone_write(accounts, shared):
    assert accounts.anon.post_form(shared, {"key": "new-one"}, b"new").status_code == 204
    assert accounts.anon.post_form(shared, {"key": "loose"}, b"changed").status_code == 204
    assert accounts.body(shared, "loose") == b"changed"
    assert accounts.owner.post_form(shared, {"key": "mine"}, b"the owner's own").status_code == 204


@pytest.mark.parametrize("who", ["anon", "other"])
def test_delete_multiple_objects_refuses_a_private_key(accounts, shared, who):
    actor = getattr(accounts, who)
    resp = actor.delete_objects(shared, "loose", "mine")
    assert resp.status_code == 403 and error_code(resp) == "AccessDenied"
    _unchanged(accounts, shared)
    assert accounts.body(shared, "loose") is not None  # refused as a whole: nothing was deleted
    ok = actor.delete_objects(shared, "loose", "never-was")
    assert ok.status_code == 200 and accounts.body(shared, "loose") is None
    assert accounts.owner.delete_objects(shared, "mine").status_code == 200


def test_every_other_writer_refuses_a_private_object(accounts, shared):
    anon = accounts.anon
    source = f"/{shared}/loose"
    refused = [
        anon.call("PUT", shared, "mine", data=b"x"),
        anon.call("DELETE", shared, "mine"),
        anon.call("PUT", shared, "mine", headers={"x-oss-copy-source": source}),
        anon.call("POST", shared, "mine", params={"append": "", "position": "0"}, data=b"x"),
        anon.call("PUT", shared, "mine", params={"symlink": ""}, headers={"x-oss-symlink-target": "loose"}),
        anon.call("POST", shared, "mine", params={"uploads": ""}),
        anon.call("POST", shared, "mine", params={"restore": ""}),
        anon.call("PUT", shared, "mine", params={"tagging": ""}, data=b"<Tagging><TagSet/></Tagging>"),
        anon.call("PUT", shared, "mine", params={"acl": ""}, headers={"x-oss-object-acl": "public-read-write"}),
    ]
    assert [error_code(r) for r in refused] == ["AccessDenied"] * len(refused)
    _unchanged(accounts, shared)


def test_a_multipart_upload_cannot_complete_over_a_private_object(accounts, shared):
    upload = accounts.anon.initiate(shared, "later")
    part = accounts.anon.call("PUT", shared, "later", params={"partNumber": "1", "uploadId": upload}, data=b"p")
    accounts.put(shared, "later", PRIVATE, acl="private")  # the owner writes the key meanwhile
    resp = accounts.anon.complete(shared, "later", upload, part.headers["ETag"])
    assert error_code(resp) == "AccessDenied" and accounts.body(shared, "later") == PRIVATE


SUSPENDED = b"<VersioningConfiguration><Status>Suspended</Status></VersioningConfiguration>"


@pytest.fixture
def suspended(accounts):
    """A public-read-write bucket whose versioning was suspended, where `doc` has a private `null` version
    (written before versioning) under a public-read-write current one: a suspended bucket's write or delete of
    `doc` replaces its null version, so that version's own ACL decides too."""
    bucket = accounts.bucket("public-read-write")
    accounts.put(bucket, "doc", PRIVATE, acl="private")
    accounts.put(bucket, "later", PRIVATE, acl="private")
    body = SUSPENDED.replace(b"Suspended", b"Enabled")
    assert accounts.owner.call("PUT", bucket, params={"versioning": ""}, data=body).status_code == 200
    accounts.put(bucket, "doc", b"anyone may change me", acl="public-read-write")
    assert accounts.owner.call("DELETE", bucket, "later").status_code == 204  # a delete marker over it
    assert accounts.owner.call("PUT", bucket, params={"versioning": ""}, data=SUSPENDED).status_code == 200
    accounts.put(bucket, "open", b"an open source", acl="public-read")
    return bucket


def _null_version(accounts, bucket, key):
    return accounts.owner.call("GET", bucket, key, params={"versionId": "null"}).content


@pytest.mark.parametrize("key", ["doc", "later"])
@pytest.mark.parametrize("who", ["anon", "other"])
def test_a_suspended_bucket_keeps_a_private_null_version_from_others(accounts, suspended, who, key):
    actor = getattr(accounts, who)
    refused = [
        actor.call("PUT", suspended, key, data=b"x"),
        actor.call("DELETE", suspended, key),
        actor.delete_objects(suspended, key),
        actor.post_form(suspended, {"key": key}, b"x"),
        actor.call("PUT", suspended, key, headers={"x-oss-copy-source": f"/{suspended}/open"}),
        actor.call("POST", suspended, key, params={"append": "", "position": "0"}, data=b"x"),
        actor.call("PUT", suspended, key, params={"symlink": ""}, headers={"x-oss-symlink-target": "open"}),
        actor.call("POST", suspended, key, params={"uploads": ""}),
    ]
    assert [error_code(r) for r in refused] == ["AccessDenied"] * len(refused)
    assert _null_version(accounts, suspended, key) == PRIVATE
    fresh = f"fresh-{who}-{key}"  # where nothing private is replaced, anyone still writes and deletes
    assert [actor.call("PUT", suspended, fresh, data=b"x").status_code for _ in range(2)] == [200, 200]
    assert actor.call("DELETE", suspended, fresh).status_code == 204


def _slow_write(accounts, head: bytes, first: bytes, rest: bytes, meanwhile) -> bytes:
    """Send a request's head and the start of its body, run `meanwhile` once the server is receiving the body
    (its staging file exists: the request was authorised), then send the rest: the answer."""

    def staging() -> set:
        return set(accounts.server.root.glob("**/tmp/*.tmp"))

    before = staging()
    with socket.create_connection(("127.0.0.1", accounts.server.port), timeout=10) as sock:
        sock.sendall(head + first)
        assert wait_until(lambda: staging() - before)
        meanwhile()
        sock.sendall(rest)
        answer = b""
        while b"</Error>" not in answer and not answer.startswith(b"HTTP/1.1 2"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
        return answer


def test_a_write_that_took_its_time_does_not_replace_what_became_private_meanwhile(accounts, shared):
    body = b"x" * 1000
    head = (
        f"PUT /{shared}/slow HTTP/1.1\r\nHost: 127.0.0.1:{accounts.server.port}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode()
    answer = _slow_write(
        accounts, head, body[:500], body[500:], lambda: accounts.put(shared, "slow", PRIVATE, "private")
    )
    assert b"403" in answer.split(b"\r\n", 1)[0] and b"<Code>AccessDenied</Code>" in answer, answer
    assert accounts.body(shared, "slow") == PRIVATE


def _bucket_private(accounts, bucket):
    assert accounts.owner.call("PUT", bucket, params={"acl": ""}, headers={"x-oss-acl": "private"}).ok


def _deny_writes(accounts, bucket):
    statement = {
        "Effect": "Deny",
        "Principal": ["*"],
        "Action": ["oss:PutObject"],
        "Resource": [f"acs:oss:*:*:{bucket}/*"],
    }
    document = json.dumps({"Version": "1", "Statement": [statement]}).encode()
    assert accounts.owner.call("PUT", bucket, params={"policy": ""}, data=document).ok


@pytest.mark.parametrize("meanwhile", [_bucket_private, _deny_writes])
def test_a_write_that_took_its_time_is_refused_once_the_bucket_refuses_it(accounts, shared, meanwhile):
    body = b"z" * 1000
    head = (
        f"PUT /{shared}/slow-new HTTP/1.1\r\nHost: 127.0.0.1:{accounts.server.port}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    answer = _slow_write(accounts, head, body[:500], body[500:], lambda: meanwhile(accounts, shared))
    assert b"<Code>AccessDenied</Code>" in answer, answer
    assert accounts.body(shared, "slow-new") is None


def test_a_form_that_took_its_time_does_not_replace_what_became_private_meanwhile(accounts, shared):
    form = (
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="key"\r\n\r\nslow-form\r\n'
        b'--BOUNDARY\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n\r\n'
        + b"y" * (300 << 10)
        + b"\r\n--BOUNDARY--\r\n"
    )
    head = (
        f"POST /{shared} HTTP/1.1\r\nHost: 127.0.0.1:{accounts.server.port}\r\n"
        f"Content-Type: multipart/form-data; boundary=BOUNDARY\r\nContent-Length: {len(form)}\r\n\r\n"
    ).encode()
    owner_writes = lambda: accounts.put(shared, "slow-form", PRIVATE, "private")  # noqa: E731
    answer = _slow_write(accounts, head, form[: 100 << 10], form[100 << 10 :], owner_writes)
    assert b"403" in answer.split(b"\r\n", 1)[0] and b"<Code>AccessDenied</Code>" in answer, answer
    assert accounts.body(shared, "slow-form") == PRIVATE


def test_a_completion_that_took_its_time_does_not_replace_what_became_private_meanwhile(accounts, shared):
    upload = accounts.anon.initiate(shared, "slow-mp")
    part = accounts.anon.call("PUT", shared, "slow-mp", params={"partNumber": "1", "uploadId": upload}, data=b"p")
    body = (
        f"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{part.headers['ETag']}</ETag></Part>"
        "</CompleteMultipartUpload>"
    ).encode()
    head = (
        f"POST /{shared}/slow-mp?uploadId={upload} HTTP/1.1\r\nHost: 127.0.0.1:{accounts.server.port}\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    answer = _withheld_body(accounts, head, body, lambda: accounts.put(shared, "slow-mp", PRIVATE, acl="private"))
    assert b"<Code>AccessDenied</Code>" in answer, answer
    assert accounts.body(shared, "slow-mp") == PRIVATE


def _unread(server_port: int, client_port: int) -> int | None:
    """The bytes the server has not yet read from the connection client_port -> server_port (Linux's
    /proc/net/tcp receive queue of the server's end), None when the connection is not listed."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in open("/proc/net/tcp").read().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[2] == remote:
            return int(fields[4].split(":")[1], 16)
    return None


def _withheld_body(accounts, head: bytes, body: bytes, meanwhile) -> bytes:
    """Send a request head and the first bytes of its body, run `meanwhile` once the server has read them (only
    the operation reads a body: the request was authorised), then send the rest: the answer."""
    port = accounts.server.port
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        mine = sock.getsockname()[1]
        for chunk in (head, body[:3]):
            sock.sendall(chunk)
            assert wait_until(lambda: _unread(port, mine) == 0)
        meanwhile()
        sock.sendall(body[3:])
        return sock.recv(65536)


def test_an_append_that_took_its_time_does_not_grow_what_became_private_meanwhile(accounts, shared):
    first = accounts.anon.call("POST", shared, "log", params={"append": "", "position": "0"}, data=b"first;")
    assert first.status_code == 200
    head = (
        f"POST /{shared}/log?append&position=6 HTTP/1.1\r\nHost: 127.0.0.1:{accounts.server.port}\r\n"
        "Content-Length: 7\r\n\r\n"
    ).encode()

    def owner_locks_it():
        lock = accounts.owner.call("PUT", shared, "log", params={"acl": ""}, headers={"x-oss-object-acl": "private"})
        assert lock.status_code == 200

    answer = _withheld_body(accounts, head, b"second;", owner_locks_it)
    assert b"<Code>AccessDenied</Code>" in answer, answer
    assert accounts.body(shared, "log") == b"first;"
    more = accounts.owner.call("POST", shared, "log", params={"append": "", "position": "6"}, data=b"owner;")
    assert more.status_code == 200 and accounts.body(shared, "log") == b"first;owner;"
