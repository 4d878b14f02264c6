"""The server's HTTP/1.1 framing rules on their own: request heads, body lengths, bounded numbers, header
values fit to be written."""

import io

import pytest

from ossh.server.wire.errors import OssServerError
from ossh.server.wire.framing import (
    Fields,
    Head,
    HeadLimits,
    body_length,
    check_repeats,
    check_value,
    printable,
    read_head,
    uint,
    unsafe_header,
)


def head_of(raw: bytes, limits=HeadLimits()) -> Head:
    return read_head(io.BufferedReader(io.BytesIO(raw)), limits)


def refusal(raw: bytes, limits=HeadLimits()) -> OssServerError:
    with pytest.raises(OssServerError) as info:
        head_of(raw, limits)
    return info.value


def test_a_head_is_read_with_its_fields_joined_under_lowercased_names():
    head = head_of(b"\r\nPUT /b/k?acl HTTP/1.1\r\nHost: h\r\nAccept: a\r\naccept: b\nContent-Length: 0\r\n\r\n")
    assert (head.method, head.target, head.version) == ("PUT", "/b/k?acl", (1, 1))
    assert head.headers == {"host": "h", "accept": "a, b", "content-length": "0"}
    assert head.get("Content-Length") == "0" and head.headers["CONTENT-LENGTH"] == "0" and "HOST" in head.headers
    assert head.keep_alive and head.repeated is None


@pytest.mark.parametrize("name", ["X-Oss-Meta-A", "x-oss-content-sha256", "Authorization", "Content-MD5", "Range"])
def test_a_one_value_field_given_twice_in_any_spelling_is_marked_and_refused(name):
    head = head_of(f"PUT /b/k HTTP/1.1\r\nHost: h\r\n{name}: 1\r\n{name.upper()}: 2\r\n\r\n".encode())
    assert head.repeated == name.upper() and head.get(name) == "1, 2"
    with pytest.raises(OssServerError) as info:
        check_repeats(head)
    assert (info.value.status, info.value.code, info.value.close) == (400, "InvalidArgument", False)


def test_fields_of_a_mixed_case_mapping_lowercase_its_names():
    fields = Fields.of({"X-Oss-Date": "d", "Content-Type": "t"})
    assert fields == {"x-oss-date": "d", "content-type": "t"}
    assert fields.get("X-OSS-DATE") == "d" and fields["content-TYPE"] == "t" and fields.get("none", "-") == "-"


def test_utf8_header_values_are_text():
    assert (
        head_of("GET / HTTP/1.1\r\nHost: h\r\nx-oss-meta-city: 杭州\r\n\r\n".encode()).get("x-oss-meta-city") == "杭州"
    )


@pytest.mark.parametrize(
    "version,connection,keep",
    [
        ("HTTP/1.1", None, True),
        ("HTTP/1.1", "close", False),
        ("HTTP/1.1", "Keep-Alive, Close", False),
        ("HTTP/1.0", None, False),
        ("HTTP/1.0", "keep-alive", True),
    ],
)
def test_keep_alive_follows_the_version_and_connection_header(version, connection, keep):
    extra = f"Connection: {connection}\r\n" if connection else ""
    assert head_of(f"GET / {version}\r\nHost: h\r\n{extra}\r\n".encode()).keep_alive is keep


def test_limits_give_414_and_431():
    limits = HeadLimits(max_line=100, max_head=300, max_fields=3)
    assert refusal(b"GET /" + b"a" * 120 + b" HTTP/1.1\r\n\r\n", limits).status == 414
    assert refusal(b"GET / HTTP/1.1\r\nx: " + b"v" * 120 + b"\r\n\r\n", limits).status == 431
    assert refusal(b"GET / HTTP/1.1\r\n" + b"x: v\r\n" * 4 + b"\r\n", limits).status == 431
    assert refusal(b"GET / HTTP/1.1\r\n" + (b"x: " + b"v" * 90 + b"\r\n") * 3 + b"\r\n", limits).status == 431
    assert head_of(b"GET / HTTP/1.1\r\nHost: h\r\n" + b"x: v\r\n" * 2 + b"\r\n", limits).get("x") == "v, v"


def test_every_refusal_closes_the_connection():
    for raw in [b"GET / HTTP/1.1\r\nHost: h\r\nx: a\x00b\r\n\r\n", b"GET / HTTP/1.1\r\nHost: h\r\n", b"GET /\r\n\r\n"]:
        assert refusal(raw).close


@pytest.mark.parametrize(
    "headers,expected",
    [
        ({}, (0, False)),
        ({"Content-Length": "007"}, (7, False)),
        ({"Transfer-Encoding": "Chunked"}, (None, True)),
        ({"Transfer-Encoding": "chunked", "Content-Length": "5"}, (None, True)),
    ],
)
def test_body_length(headers, expected):
    assert body_length(Head("GET", "/", (1, 1), headers)) == expected


@pytest.mark.parametrize(
    "method,headers,status",
    [
        ("PUT", {}, 411),
        ("PUT", {"Content-Length": "0x5"}, 400),
        ("PUT", {"Content-Length": "1" * 40}, 413),
        ("PUT", {"Transfer-Encoding": "gzip"}, 501),
        ("PUT", {"Transfer-Encoding": "chunked, chunked"}, 400),
    ],
)
def test_body_length_refusals(method, headers, status):
    with pytest.raises(OssServerError) as info:
        body_length(Head(method, "/", (1, 1), headers))
    assert info.value.status == status and info.value.close


def test_uint_bounds_digit_strings_before_parsing_them():
    assert uint("10000", 10000) == 10000 and uint("0" * 5000 + "7", 10) == 7 and uint("0", 5) == 0
    for raw in ["10001", "9" * 5000, "", "-1", "+1", " 1", "1_0", "\u0661", "1.0"]:
        assert uint(raw, 10000) is None, raw


def test_header_values_with_controls_are_refused_and_shown_escaped():
    assert check_value("response-content-type", "text/plain; charset=utf-8\tx") == "text/plain; charset=utf-8\tx"
    with pytest.raises(OssServerError) as info:
        check_value("response-content-type", "text/plain\r\nX-Injected: yes")
    assert info.value.code == "InvalidArgument" and info.value.details["ArgumentValue"] == (
        "text/plain\\x0d\\x0aX-Injected: yes"
    )
    assert printable("a\x1b[31m\u2028") == "a\\x1b[31m\\u2028"


def test_unsafe_header_finds_bad_names_and_values():
    assert unsafe_header({"ETag": '"AB"', "x-oss-meta-city": "杭州"}) is None
    assert unsafe_header({"ETag": "x", "Content-Type": "a\nb"}) == "Content-Type"
    assert unsafe_header({"Bad Name": "x"}) == "Bad Name"
    assert unsafe_header({"x-oss-meta-a": "\x85"}) == "x-oss-meta-a"
