"""XML values are exact strings on both sides: the server's request reading and the client's answer parsing."""

import time

import pytest

from ossh.client import xmlbuild, xmlparse
from ossh.server.wire.errors import OssServerError
from ossh.server.wire.xmlio import parse

KEYS = [
    "trail-space ",
    " lead",
    "tab\t",
    "cr\rx",
    "crlf\r\n",
    "\n",
    " ",
    "esc\x1b",
    "nul\x00",
    "ctl" + "".join(map(chr, range(1, 32))),
    "\ufffe\uffff",
    "\ue000",
    "&#27;",
    "a&<>\"'b",
    "]]>",
    "中文\u3000",
]


def _keys(doc: dict) -> list[str]:
    return [o["Key"] for o in doc.get("Object") or []]


def test_what_the_client_writes_the_server_reads_back_exactly():
    body = xmlbuild.delete_objects(KEYS, quiet=False)
    assert b"&#27;" in body and b"&#13;" in body and b"\x1b" not in body and b"\r" not in body
    doc = parse(body, "Delete", force_list=("Object",))
    assert _keys(doc) == KEYS and doc["Quiet"] == "false"


def test_alibabacloud_oss_v2_escaping_reads_back_exactly():
    """The v2 SDK writes C0 controls as references (read), U+FFFE/U+FFFF raw (not XML: MalformedXML)."""
    from alibabacloud_oss_v2.utils import escape_xml_value

    def body(keys):
        return (
            "<Delete>" + "".join(f"<Object><Key>{escape_xml_value(k)}</Key></Object>" for k in keys) + "</Delete>"
        ).encode()

    plain = [k for k in KEYS if k != "\ufffe\uffff"]
    assert _keys(parse(body(plain), "Delete", force_list=("Object",))) == plain
    with pytest.raises(OssServerError):
        parse(body(["\ufffe\uffff"]), "Delete")


def test_layout_whitespace_goes_values_stay():
    body = (
        b"<?xml version='1.0'?>\r\n<Delete>\r\n  <Quiet> true </Quiet>\r\n  <Object>\r\n    <Key> k \r</Key>\r\n"
        b"  </Object>\r\n  <Object><Key><![CDATA[\r&#27;]]></Key></Object>\r\n  <Object>\r\n  </Object>\r\n"
        b"</Delete>\r\n"
    )
    doc = parse(body, "Delete", force_list=("Object",))
    assert doc == {"Quiet": " true ", "Object": [{"Key": " k \r"}, {"Key": "\r&#27;"}, "\r\n  "]}


@pytest.mark.parametrize(
    "body",
    [
        b"<Delete><Object><Key>raw\x1bcontrol</Key></Object></Delete>",  # what oss2 writes for ESC
        b"<Delete><Object><Key>&#xD800;</Key></Object></Delete>",  # no such character
        b"<Delete><Object><Key>&#1114112;</Key></Object></Delete>",
        b"&#27;<Delete/>",  # references only inside an element
        b"<Delete><![CDATA[\r",  # left open
    ],
)
def test_what_xml_cannot_say_is_malformed(body):
    with pytest.raises(OssServerError) as err:
        parse(body, "Delete")
    assert err.value.code == "MalformedXML"


def test_hostile_documents_cost_linear_time():
    for body in (
        b"<Delete>" + b"<a/>\r" * 100_000 + b"</Delete>",
        b"<Delete>\r" + b"<![CDATA[" * 100_000,
        b"<Delete>\r" + b"<!--" * 200_000,
        b"<D><K>" + b"&#27;" * 200_000 + b"</K></D>",
    ):
        started = time.perf_counter()
        try:
            parse(body, "Delete")
        except OssServerError:
            pass
        assert time.perf_counter() - started < 10


def test_client_keeps_names_exact_and_trims_the_rest():
    body = """<?xml version="1.0"?>
<ListBucketResult>
  <Prefix> </Prefix>
  <IsTruncated> false </IsTruncated>
  <Contents>
    <Key>trail-space </Key>
    <Size> 3 </Size>
    <ETag> "AB" </ETag>
  </Contents>
  <Contents><Key> lead</Key><Size>1</Size></Contents>
  <Contents><Key>tab&#9;</Key><Size>1</Size></Contents>
  <Contents><Key>nbsp\u00a0\u3000\x85</Key><Size>1</Size></Contents>
  <CommonPrefixes>
    <Prefix>dir /</Prefix>
  </CommonPrefixes>
</ListBucketResult>""".encode()
    page = xmlparse.object_page(body)
    assert [o.key for o in page.objects] == ["trail-space ", " lead", "tab\t", "nbsp\u00a0\u3000\x85"]
    assert (page.objects[0].size, page.objects[0].etag, page.prefixes) == (3, "AB", ["dir /"])
    assert xmlparse.parse(body)["Prefix"] == " " and page.is_truncated is False
    empty = xmlparse.bucket_page(b"<ListAllMyBucketsResult>\n  <Buckets>\n  </Buckets>\n</ListAllMyBucketsResult>")
    assert empty.buckets == []


def test_an_error_echoing_a_key_xml_cannot_carry_still_reads():
    from ossh.client.errors import NoSuchKey, ServiceError

    body = (
        b"<?xml version='1.0'?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist."
        b"</Message><RequestId>R1</RequestId><Key>es\x1bc </Key></Error>"
    )
    err = ServiceError.from_response(404, {}, body)
    assert isinstance(err, NoSuchKey) and err.message == "The specified key does not exist."
    assert err.request_id == "R1" and err.details["Key"] == "es\ufffdc "
