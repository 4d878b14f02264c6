"""Credentials stay with their host: a redirect (301/302/307/308 Location) or a wrong-endpoint answer (301
PermanentRedirect, 403 AccessDenied naming an <Endpoint>) to another host is refused with one line naming
it, and nothing - no signature, no body - reaches that host. Only a bucket's region endpoint of the same OSS
domain (same scheme and port) is followed, re-signed for its region, one hop at most."""

import re
from urllib.parse import parse_qsl, urlsplit

import pytest

from ossh.client import OssClient, RedirectRefused
from ossh.client.endpoint import Endpoint
from ossh.oss_api import OssAPI

from .evil import AK, BUCKET, REQUEST_ID, SK, Evil, error_xml, run_ossh, victim


@pytest.fixture
def witnesses(evil):
    """Listeners on 127.0.0.2, on the endpoint's own port and on another: each must see no request at all."""
    found = [Evil("127.0.0.2", evil.port), Evil("127.0.0.2")]
    for w in found:
        w.answer = lambda a: a.xml(b"<ListBucketResult/>")
    yield found
    for w in found:
        w.close()


OPERATIONS = {
    "get": lambda c: c.get_object(BUCKET, "k").read(),
    "put": lambda c: c.put_object(BUCKET, "k", b"the secret body"),
    "head": lambda c: c.head_object(BUCKET, "k"),
    "delete": lambda c: c.delete_object(BUCKET, "k"),
    "list": lambda c: list(c.iter_objects(BUCKET)),
    "service": lambda c: c.list_buckets(),
}


def _refused(exc: RedirectRefused, where: str) -> None:
    text = str(exc)
    assert "\n" not in text and text.startswith("refusing a redirect of ") and where in text, text
    assert AK not in text and SK not in text


def _untouched(witnesses) -> None:
    assert [w.seen for w in witnesses] == [[], []]


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_location_on_another_address_is_refused(evil, witnesses, status, operation):
    target = witnesses[0].endpoint
    evil.answer = lambda a: a.send(status, b"", {"Location": target + a.seen.path})
    with pytest.raises(RedirectRefused) as exc:
        OPERATIONS[operation](victim(evil.endpoint))
    _refused(exc.value, target)
    assert exc.value.status == status and exc.value.request_id == REQUEST_ID
    assert len(evil.seen) == 1
    _untouched(witnesses)


@pytest.mark.parametrize("version", ["v1", "v4"])
def test_location_on_another_port_is_refused(evil, witnesses, version):
    target = witnesses[1].endpoint
    evil.answer = lambda a: a.send(307, b"", {"Location": f"{target}/{BUCKET}/k"})
    with pytest.raises(RedirectRefused) as exc:
        victim(evil.endpoint, signature_version=version).put_object(BUCKET, "k", b"body")
    _refused(exc.value, target)
    assert exc.value.code == "TemporaryRedirect"
    _untouched(witnesses)


@pytest.mark.parametrize("status, code", [(301, "PermanentRedirect"), (403, "AccessDenied")])
@pytest.mark.parametrize("operation", ["get", "put", "head", "delete", "list"])
@pytest.mark.parametrize("form", ["{netloc}", "http://{netloc}", "{bucket}.{netloc}"])
def test_error_naming_another_endpoint_is_refused(evil, witnesses, status, code, operation, form):
    named = form.format(netloc=witnesses[0].netloc, bucket=BUCKET)
    message = "The bucket you are attempting to access must be addressed using the specified endpoint."
    evil.answer = lambda a: a.error(status, code, message, f"<Endpoint>{named}</Endpoint>")
    with pytest.raises(RedirectRefused) as exc:
        OPERATIONS[operation](victim(evil.endpoint))
    _refused(exc.value, witnesses[0].netloc)
    assert exc.value.code == code and exc.value.status == status and exc.value.request_id == REQUEST_ID
    assert len(evil.seen) == 1
    _untouched(witnesses)


@pytest.mark.parametrize(
    "named",
    ["oss-cn-shanghai.evil.example", "evil.example:{port}", "localhost:{port}", "[::1]:{port}", "user@127.0.0.2"],
)
def test_endpoint_of_another_domain_is_refused_without_contact(evil, named):
    named = named.format(port=evil.port)
    evil.answer = lambda a: a.error(301, "PermanentRedirect", "moved", f"<Endpoint>{named}</Endpoint>")
    with pytest.raises(RedirectRefused) as exc:
        victim(evil.endpoint).get_object(BUCKET, "k")
    assert "\n" not in str(exc.value) and len(evil.seen) == 1


def test_presigned_request_is_not_redirected(evil, witnesses):
    """The signature travels in the query of a presigned URL: an anonymous client sending it is not redirected."""
    url = victim(evil.endpoint).presign("GET", BUCKET, "k", expires=600)
    params = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    evil.answer = lambda a: a.send(302, b"", {"Location": witnesses[0].endpoint + a.seen.path})
    anonymous = OssClient(evil.endpoint, max_retries=0)
    with pytest.raises(RedirectRefused):
        anonymous.request("GET", BUCKET, "k", params=params)
    assert "Signature" in evil.seen[0].path or "x-oss-signature" in evil.seen[0].path
    _untouched(witnesses)


def test_2013_facade_gets_the_redirect_itself(evil, witnesses):
    """OssAPI returns answers without raising: a refused redirect comes back as the 3xx it was."""
    evil.answer = lambda a: a.send(307, b"", {"Location": witnesses[0].endpoint + a.seen.path})
    api = OssAPI(evil.netloc, AK, SK)
    assert api.put_object_from_string(BUCKET, "k", b"body").status == 307
    assert api.get_object(BUCKET, "k").status == 307
    _untouched(witnesses)


def test_endpoint_naming_itself_is_an_ordinary_error(evil):
    evil.answer = lambda a: a.error(403, "AccessDenied", "no", f"<Endpoint>{evil.netloc}</Endpoint>")
    with pytest.raises(Exception) as exc:
        victim(evil.endpoint).get_object(BUCKET, "k")
    assert type(exc.value).__name__ == "AccessDenied" and len(evil.seen) == 1


# ---------------------------------------------------------------- the bucket's own region endpoint


@pytest.fixture
def oss_domain(evil, monkeypatch):
    """Endpoints named oss-REGION.localhost:PORT, all reaching `evil` as their HTTP proxy (such names need
    no resolver then): evil sees which host each request was meant for."""
    for name in ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", evil.endpoint)
    return lambda region, port=evil.port: f"oss-{region}.localhost:{port}"


def _scope_region(seen) -> str:
    """The region a V4 Authorization header was signed for."""
    return re.search(r"Credential=[^/]+/\d{8}/([^/]+)/oss/", seen.headers["Authorization"]).group(1)


def test_region_endpoint_of_the_same_domain_is_followed_resigned_and_remembered(evil, oss_domain):
    home, region = oss_domain("cn-hangzhou"), oss_domain("cn-shanghai")

    def answer(a):
        if a.seen.host == f"{BUCKET}.{home}":
            a.error(301, "PermanentRedirect", "moved", f"<Endpoint>{region}</Endpoint>")
        else:
            a.send(200, b"the bytes", {"Content-Type": "text/plain"})

    evil.answer = answer
    c = victim(f"http://{home}")
    assert c.get_object(BUCKET, "k").read() == b"the bytes"
    assert [s.host for s in evil.seen] == [f"{BUCKET}.{home}", f"{BUCKET}.{region}"]
    assert [_scope_region(s) for s in evil.seen] == ["cn-hangzhou", "cn-shanghai"]
    c.get_object(BUCKET, "k").read()  # straight to the bucket's region now
    assert evil.seen[2].host == f"{BUCKET}.{region}" and _scope_region(evil.seen[2]) == "cn-shanghai"


def test_location_in_the_same_domain_is_followed_once(evil, oss_domain):
    home, region = oss_domain("cn-hangzhou"), oss_domain("cn-shanghai")

    def answer(a):
        if a.seen.host == f"{BUCKET}.{home}":
            a.send(307, b"", {"Location": f"http://{BUCKET}.{region}/k"})
        else:
            a.send(200, b"", {"ETag": '"x"'})

    evil.answer = answer
    victim(f"http://{home}").put_object(BUCKET, "k", b"body")
    assert [(s.host, s.body) for s in evil.seen] == [(f"{BUCKET}.{home}", b"body"), (f"{BUCKET}.{region}", b"body")]


def test_a_second_region_hop_is_refused(evil, oss_domain):
    home, first, second = oss_domain("cn-hangzhou"), oss_domain("cn-shanghai"), oss_domain("cn-beijing")
    nxt = {f"{BUCKET}.{home}": first, f"{BUCKET}.{first}": second}
    evil.answer = lambda a: a.error(301, "PermanentRedirect", "moved", f"<Endpoint>{nxt.get(a.seen.host)}</Endpoint>")
    with pytest.raises(RedirectRefused) as exc:
        victim(f"http://{home}").put_object(BUCKET, "k", b"body")
    _refused(exc.value, second)
    assert [s.host for s in evil.seen] == [f"{BUCKET}.{home}", f"{BUCKET}.{first}"]


@pytest.mark.parametrize(
    "named",
    [
        "oss-cn-shanghai.localhost:{other}",  # another port
        "https://oss-cn-shanghai.localhost:{port}",  # another scheme
        "oss-cn-shanghai.evil.localhost:{port}",  # a subdomain is another domain
        "localhost:{port}",
        "127.0.0.1:{port}",
    ],
)
def test_region_endpoint_outside_the_domain_is_refused(evil, oss_domain, named):
    home = oss_domain("cn-hangzhou")
    named = named.format(port=evil.port, other=evil.port + 1)
    evil.answer = lambda a: a.error(301, "PermanentRedirect", "moved", f"<Endpoint>{named}</Endpoint>")
    with pytest.raises(RedirectRefused):
        victim(f"http://{home}").get_object(BUCKET, "k")
    assert len(evil.seen) == 1


@pytest.mark.parametrize(
    "home, other, same",
    [
        ("oss-cn-hangzhou.aliyuncs.com", "oss-cn-shanghai.aliyuncs.com", True),
        ("http://oss-cn-hangzhou.localhost:8080", "http://oss-cn-beijing.localhost:8080", True),
        ("oss-cn-hangzhou.aliyuncs.com", "http://oss-cn-shanghai.aliyuncs.com", False),
        ("oss-cn-hangzhou.aliyuncs.com", "oss-cn-shanghai.aliyuncs.com:444", False),
        ("oss-cn-hangzhou.aliyuncs.com", "oss-cn-shanghai.aliyuncs.com.evil.example", False),
        ("oss-cn-hangzhou.aliyuncs.com", "aliyuncs.com", False),
        ("example.com", "evil.com", False),  # a top-level domain holds anyone's names
        ("localhost:8080", "evil.localhost:8080", False),
        ("127.0.0.1:8080", "127.0.0.2:8080", False),
        ("127.0.0.1:8080", "127.0.0.1:8081", False),
        ("[::1]:8080", "[::2]:8080", False),
    ],
)
def test_same_oss_domain(home, other, same):
    assert Endpoint.parse(home).same_domain(Endpoint.parse(other)) is same


# ---------------------------------------------------------------- in the shell


def test_shell_prints_one_line_and_sends_nothing_elsewhere(evil, witnesses, tmp_path):
    evil.answer = lambda a: a.send(301, error_xml("PermanentRedirect", "moved"), {"Location": witnesses[0].endpoint})
    run = run_ossh(["ls", f"oss://{BUCKET}/"], evil.endpoint, tmp_path)
    assert run.returncode == 1 and run.stdout == ""
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("ossh: ls: ")
    assert "refusing a redirect" in run.stderr and witnesses[0].endpoint in run.stderr
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    _untouched(witnesses)


@pytest.mark.parametrize(
    "kind, named",
    [
        ("Location", "http://evil\\x.localhost:{port}/k"),  # urllib3 ends the host at the backslash
        ("Location", "http://evil%2fx.localhost:{port}/k"),
        ("Location", "http://évil.localhost:{port}/k"),  # IDNA would rewrite it
        ("Endpoint", "evil\uff0elocalhost:{port}"),  # a fullwidth dot IDNA folds into `.`
        ("Endpoint", "evil\\x.localhost:{port}"),
        ("Endpoint", "oss-cn-shanghai.localhost:{port}/elsewhere"),  # an endpoint has no path
        ("Endpoint", "oss-cn-shanghai.localhost:{port}?x=1"),
    ],
)
def test_a_host_other_libraries_read_differently_is_refused(evil, oss_domain, kind, named):
    """The host is checked as the HTTP library will read it: only plain DNS names and IP literals pass."""
    named = named.format(port=evil.port)

    def answer(a):
        if kind == "Location":
            a.send(307, b"", {"Location": named})
        else:
            a.error(301, "PermanentRedirect", "moved", f"<Endpoint>{named}</Endpoint>")

    evil.answer = answer
    with pytest.raises(RedirectRefused) as exc:
        victim(f"http://{oss_domain('cn-hangzhou')}").put_object(BUCKET, "k", b"the secret body")
    assert "\n" not in str(exc.value) and "not an endpoint" in str(exc.value)
    assert [s.host for s in evil.seen] == [f"{BUCKET}.{oss_domain('cn-hangzhou')}"]
