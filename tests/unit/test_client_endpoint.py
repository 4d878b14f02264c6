"""Endpoint parsing and URL building: scheme defaults, regions, path vs virtual-hosted, key quoting."""

import pytest

from ossh.client.endpoint import Endpoint, is_ip_or_localhost, query_string, quote_key, region_from_host
from ossh.client.errors import ClientError, OssError


@pytest.mark.parametrize(
    "text, scheme",
    [
        ("oss-cn-hangzhou.aliyuncs.com", "https"),
        ("127.0.0.1:9000", "http"),
        ("localhost:8080", "http"),
        ("[::1]:9000", "http"),
        ("http://oss-cn-hangzhou.aliyuncs.com", "http"),
        ("https://10.0.0.1", "https"),
    ],
)
def test_scheme_defaults_to_https_except_ip_and_localhost(text, scheme):
    assert Endpoint.parse(text).scheme == scheme


@pytest.mark.parametrize(
    "host, region",
    [
        ("oss-cn-hangzhou.aliyuncs.com", "cn-hangzhou"),
        ("oss-cn-beijing-internal.aliyuncs.com", "cn-beijing"),
        ("oss-ap-southeast-1.aliyuncs.com", "ap-southeast-1"),
        ("cn-shanghai.oss.aliyuncs.com", "cn-shanghai"),
        ("oss-accelerate.aliyuncs.com", None),
        ("example.com", None),
        ("127.0.0.1", None),
    ],
)
def test_region_from_host(host, region):
    assert region_from_host(host) == region


def test_explicit_region_wins_over_host():
    assert Endpoint.parse("oss-cn-hangzhou.aliyuncs.com", region="cn-beijing").region == "cn-beijing"


def test_virtual_hosted_for_domains():
    ep = Endpoint.parse("oss-cn-hangzhou.aliyuncs.com")
    assert ep.object_url("my-bucket", "a/b.txt") == "https://my-bucket.oss-cn-hangzhou.aliyuncs.com/a/b.txt"
    assert ep.object_url("my-bucket") == "https://my-bucket.oss-cn-hangzhou.aliyuncs.com/"
    assert ep.object_url(None) == "https://oss-cn-hangzhou.aliyuncs.com/"


def test_path_style_for_ip_localhost_forced_or_invalid_bucket_names():
    assert Endpoint.parse("127.0.0.1:9000").object_url("bkt", "k") == "http://127.0.0.1:9000/bkt/k"
    assert Endpoint.parse("localhost").object_url("bkt") == "http://localhost/bkt/"
    forced = Endpoint.parse("oss.example.com", addressing="path")
    assert forced.object_url("bkt", "k") == "https://oss.example.com/bkt/k"
    assert Endpoint.parse("oss.example.com").object_url("Bad_Name", "k") == "https://oss.example.com/Bad_Name/k"
    assert Endpoint.parse("127.0.0.1", addressing="virtual").object_url("bkt", "k") == "http://bkt.127.0.0.1/k"


def test_key_quoting_keeps_slash_and_escapes_everything_else():
    assert quote_key("dir/a b+c&d?e#f%g") == "dir/a%20b%2Bc%26d%3Fe%23f%25g"
    assert quote_key("中文/ü") == "%E4%B8%AD%E6%96%87/%C3%BC"


def test_dot_segments_survive():
    assert quote_key("a/../b/./c") == "a/%2E%2E/b/%2E/c"
    assert quote_key("..") == "%2E%2E"
    assert quote_key("a..b/.c") == "a..b/.c"


def test_query_string_empty_values_are_bare_names():
    assert query_string({"acl": ""}) == "acl"
    assert query_string({"uploadId": "X Y", "partNumber": "3"}) == "uploadId=X%20Y&partNumber=3"
    assert query_string({"prefix": "a/b"}) == "prefix=a%2Fb"
    assert query_string(None) == ""


def test_moved_to_strips_bucket_label_and_learns_region():
    ep = Endpoint.parse("oss-cn-hangzhou.aliyuncs.com")
    moved = ep.moved_to("https://bkt.oss-cn-shanghai.aliyuncs.com/key?x=1", "bkt")
    assert (moved.netloc, moved.region, moved.scheme) == ("oss-cn-shanghai.aliyuncs.com", "cn-shanghai", "https")
    bare = ep.moved_to("oss-cn-beijing.aliyuncs.com", "bkt")
    assert (bare.netloc, bare.region, bare.scheme) == ("oss-cn-beijing.aliyuncs.com", "cn-beijing", "https")


def test_moved_to_refuses_leaving_https():
    ep = Endpoint.parse("https://oss-cn-hangzhou.aliyuncs.com")
    for location in ("http://bkt.oss-cn-shanghai.aliyuncs.com/key", "ftp://elsewhere/"):
        with pytest.raises(OssError, match="refusing a redirect from https://oss-cn-hangzhou.aliyuncs.com") as exc:
            ep.moved_to(location, "bkt")
        assert exc.value.code == "InsecureRedirect"
    assert ep.moved_to("oss-cn-beijing.aliyuncs.com").scheme == "https"
    assert Endpoint.parse("http://127.0.0.1:1").moved_to("https://127.0.0.1:2").scheme == "https"


def test_is_ip_or_localhost():
    assert is_ip_or_localhost("127.0.0.1") and is_ip_or_localhost("[::1]") and is_ip_or_localhost("LOCALHOST")
    assert not is_ip_or_localhost("oss-cn-hangzhou.aliyuncs.com")


@pytest.mark.parametrize("bad", ["", "ftp://host", "http://", "  "])
def test_invalid_endpoints(bad):
    with pytest.raises(ClientError):
        Endpoint.parse(bad)


def test_invalid_addressing():
    with pytest.raises(ClientError):
        Endpoint.parse("localhost", addressing="cname")


def test_a_refused_place_is_named_escaped():
    ep = Endpoint.parse("https://oss-cn-hangzhou.aliyuncs.com")
    for location in ("http://x\x1bc.evil/", "http://\x07.evil/", "https://\x1bc.evil/x", "\x1b[2J"):
        with pytest.raises(OssError) as exc:
            ep.moved_to(location, "bkt")
        assert str(exc.value).isprintable(), str(exc.value)
