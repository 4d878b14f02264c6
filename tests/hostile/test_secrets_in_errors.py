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
