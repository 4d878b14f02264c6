"""The PostObject form reader and policy checks, fed byte streams cut at every awkward place."""

import base64
import json

import pytest

from ossh.server.ops.post_object import FormReader, check_policy, load_policy
from ossh.server.wire.errors import OssServerError

BOUNDARY = "----b0undary"


def _form(fields: list[tuple[str, bytes]], file_data: bytes, after: list[tuple[str, bytes]] = ()) -> bytes:
    out = b"preamble to ignore\r\n"
    for name, value in fields:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
    out += (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.bin"\r\n'
            "Content-Type: application/x-a\r\n\r\n"
        ).encode()
        + file_data
        + b"\r\n"
    )
    for name, value in after:
        out += f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + value + b"\r\n"
    return out + f"--{BOUNDARY}--\r\n".encode()


def _reader(body: bytes, step: int):
    """A readinto handing out at most `step` bytes a call."""
    pos = 0

    def readinto(view):
        nonlocal pos
        n = min(step, len(view), len(body) - pos)
        view[:n] = body[pos : pos + n]
        pos += n
        return n

    return readinto


def _read_all(form: FormReader) -> bytes:
    out = bytearray()
    buf = memoryview(bytearray(4096))
    while n := form.readinto(buf):
        out += buf[:n]
    return bytes(out)


@pytest.mark.parametrize("step", [1, 2, 7, len(BOUNDARY) + 3, 4096, 1 << 20])
def test_parts_survive_any_read_size(step):
    # the file holds near-delimiters: CRLF--, the boundary without its CRLF, a partial boundary at the end
    data = b"x\r\n--" + BOUNDARY[:-1].encode() + b"\r\n" + BOUNDARY.encode() + b"\r\n-" * 50 + b"\r\n--" + b"\r\n"
    body = _form([("key", b"up/${filename}"), ("x-oss-meta-a", "ü".encode())], data, [("late", b"ignored")])
    form = FormReader(_reader(body, step), BOUNDARY)
    part = form.next_part()
    assert 'name="key"' in part["content-disposition"]
    assert form.read_value(100) == b"up/${filename}"
    form.next_part()
    assert form.read_value(100) == "ü".encode()
    part = form.next_part()
    assert part["content-type"] == "application/x-a"
    assert _read_all(form) == data
    assert form.next_part() is not None and form.read_value(100) == b"ignored"
    assert form.next_part() is None and form.finished


def test_truncated_and_malformed_forms():
    cut = _form([("key", b"k")], b"abcdef")[:-20]
    form = FormReader(_reader(cut, 5), BOUNDARY)
    form.next_part()
    form.read_value(10)
    form.next_part()
    with pytest.raises(OssServerError) as err:
        _read_all(form)
    assert err.value.status == 400
    with pytest.raises(OssServerError):
        FormReader(_reader(b"no boundary here at all", 3), BOUNDARY).next_part()
    endless = f"--{BOUNDARY}\r\n".encode() + b"X" * 20000
    with pytest.raises(OssServerError):
        FormReader(_reader(endless, 4096), BOUNDARY).next_part()
    big = _form([("key", b"v" * 5000)], b"")
    form = FormReader(_reader(big, 1000), BOUNDARY)
    form.next_part()
    with pytest.raises(OssServerError):
        form.read_value(4096)


def _encoded(doc) -> str:
    return base64.b64encode(json.dumps(doc).encode()).decode()


def test_policy_conditions():
    policy = load_policy(
        _encoded(
            {
                "expiration": "2099-01-01T00:00:00Z",
                "conditions": [
                    {"bucket": "b"},
                    ["eq", "$x-oss-meta-a", "1"],
                    ["starts-with", "$key", "up/"],
                    ["in", "$content-type", ["text/plain", "text/html"]],
                    ["not-in", "$x-oss-object-acl", ["public-read"]],
                    ["content-length-range", 2, 5],
                ],
            }
        )
    )
    good = {"bucket": "b", "x-oss-meta-a": "1", "key": "up/x", "content-type": "text/plain"}
    check_policy(policy, good, 3, 0)
    check_policy(policy, good, None, 0)  # the length is checked once the file is in
    for change, size in [
        ({"bucket": "c"}, 3),
        ({"key": "down/x"}, 3),
        ({"content-type": "image/png"}, 3),
        ({"x-oss-object-acl": "public-read"}, 3),
        ({"x-oss-meta-a": "2"}, 3),
        ({}, 6),
        ({}, 1),
    ]:
        with pytest.raises(OssServerError) as err:
            check_policy(policy, {**good, **change}, size, 0)
        assert err.value.status in (400, 403)
    with pytest.raises(OssServerError) as err:
        check_policy(policy, good, 3, 4102444800 + 1)
    assert "expired" in err.value.message
    for bad in (
        "not base64!",
        base64.b64encode(b"[1]").decode(),
        _encoded({"conditions": []}),
        _encoded({"expiration": "tomorrow", "conditions": []}),
    ):
        with pytest.raises(OssServerError) as err:
            check_policy(load_policy(bad), good, 3, 0)
        assert err.value.code == "InvalidPolicyDocument"
    with pytest.raises(OssServerError) as err:
        check_policy(
            load_policy(_encoded({"expiration": "2099-01-01T00:00:00Z", "conditions": [["matches", "$key", "x"]]})),
            good,
            3,
            0,
        )
    assert err.value.code == "InvalidPolicyDocument"
