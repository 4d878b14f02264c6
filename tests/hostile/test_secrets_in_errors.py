"""An endpoint that echoes the credentials it was sent in an error's texts never gets them shown: the STS
token and the key secret are masked in the message (and code, request id, details) before any error line.

The endpoint is a small malicious HTTP server on 127.0.0.1 inside the test.
"""

import http.server
import threading

import pytest

from ossh.client import OssClient, ServiceError
from tests.shell.conftest import Shell

TOKEN = "STS.echoed-token-0123456789abcdef"
SECRET = "echoed-secret-0123456789"


class Echo(http.server.BaseHTTPRequestHandler):
    """Answers every request with a 403 whose texts repeat the x-oss-security-token header it received."""

    def do_GET(self):
        token = self.headers.get("x-oss-security-token", "")
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
            f"<Message>The security token {token} is not allowed; secret {SECRET} neither</Message>"
            f"<RequestId>RID-{token}</RequestId><HostId>h</HostId><Echo>{token}</Echo></Error>"
        ).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_client():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}"
        yield OssClient(endpoint, "echo-ak", SECRET, security_token=TOKEN, region="cn-hangzhou")
    finally:
        server.shutdown()
        server.server_close()


def test_the_client_error_holds_neither_token_nor_secret(echo_client):
    with pytest.raises(ServiceError) as caught:
        echo_client.get_object("bucket", "key")
    err = caught.value
    shown = f"{err} {err.message} {err.request_id} {err.details} {err.args}"
    assert TOKEN not in shown and SECRET not in shown
    assert "The security token *** is not allowed" in str(err) and err.code == "AccessDenied"


@pytest.mark.parametrize("line", ["ls oss://bucket/", "cat oss://bucket/key", "get -r oss://bucket/p/ out"])
def test_the_shell_error_line_holds_neither(echo_client, tmp_path, line):
    ok, out, err = Shell(echo_client, tmp_path)(line)
    assert not ok and "AccessDenied" in err
    assert TOKEN not in out + err and SECRET not in out + err


# ---------------------------------------------------------------- echoed where no error document holds it


def _echo_token(a) -> str:
    return a.seen.headers.get("x-oss-security-token", "") or a.seen.headers.get("X-Oss-Security-Token", "")


ECHOES = {
    # a refused redirect names where it was sent: the token in the Location's host
    "location host": lambda a: a.send(302, b"", {"Location": f"http://{_echo_token(a).lower()}.evil.example/"}),
    "endpoint": lambda a: a.error(301, "PermanentRedirect", "moved", f"<Endpoint>x{_echo_token(a)}</Endpoint>"),
    # the request id header of answers that are no error document
    "html": lambda a: a.send(200, b"<html>hi</html>", {"x-oss-request-id": _echo_token(a)}),
    "too large": lambda a: a.send(500, b" " * (2 << 20), {"x-oss-request-id": _echo_token(a)}),
    "not decodable": lambda a: a.send(200, b"xx", {"x-oss-request-id": _echo_token(a), "Content-Encoding": "br"}),
    "plain error": lambda a: a.send(403, b"no", {"x-oss-request-id": _echo_token(a)}),
}


@pytest.fixture
def evil_echo(evil):
    from .evil import AK

    def make(answer):
        evil.answer = answer
        return OssClient(evil.endpoint, AK, SECRET, security_token=TOKEN, region="cn-hangzhou", max_retries=0)

    return make


@pytest.mark.parametrize("echo", sorted(ECHOES))
def test_a_token_echoed_outside_the_error_document_is_masked(evil_echo, tmp_path, echo, caplog):
    client = evil_echo(ECHOES[echo])
    with caplog.at_level("DEBUG", logger="ossh.client"):
        with pytest.raises(Exception) as caught:
            list(client.iter_objects("bucket"))
    err = caught.value
    shown = f"{err} {err.args} {vars(err)}"
    assert TOKEN not in shown and TOKEN.lower() not in shown, shown
    assert TOKEN not in caplog.text
    ok, out, err_text = Shell(client, tmp_path)("ls oss://bucket/")
    assert not ok and TOKEN not in out + err_text and TOKEN.lower() not in out + err_text


def test_debug_output_of_the_shell_holds_no_echoed_token(evil, tmp_path):
    from .evil import run_ossh

    evil.answer = ECHOES["html"]
    run = run_ossh(["--debug", "ls", "oss://bucket/"], evil.endpoint, tmp_path, OSS_SESSION_TOKEN=TOKEN)
    assert run.returncode == 1 and "is a <html> document" in run.stderr
    assert TOKEN not in run.stdout + run.stderr
