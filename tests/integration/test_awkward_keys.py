"""Every key the server takes can be listed and deleted exactly, one by one and in batches.

Keys are exact strings: controls, edge whitespace, CR next to LF, XML's own characters, a literal
character reference, a private-use character (what the server's XML reading uses as a stand-in),
CJK and 1,023-byte names. The client against the embedded server, over HTTP.
"""

import base64
import hashlib

import pytest

from ossh.client import OssError
from ossh.client.errors import NoSuchBucket

AWKWARD = [
    "a/es\x1bc",
    "trail-space ",
    "trail-space",
    " lead",
    "tab\t",
    "trail\t",
    "cr\rx",
    "crlf\r\n",
    "nl\nx",
    "\r",
    " ",
    "  ",
    "\n",
    "中文/键 名",
    "全角\u3000空格",
    "nbsp\u00a0",
    "nel\x85",
    "amp&<>\"'",
    "]]>",
    "ctl" + "".join(map(chr, range(1, 32))),
    "nul\x00x",
    "del\x7f",
    "pct%41",
    "pct%",
    "plus+sp ace",
    "&#27;",
    "&amp;",
    "&#x1B;",
    "\ue000",
    "\ue000\x1b",
    "\ufffe\uffff",
    "emoji \U0001f600",
    "k" * 1023,
    "é" * 511 + "k",
]


def _put_all(client, bucket, keys):
    for key in keys:
        client.put_object(bucket, key, key.encode("utf-8", "surrogatepass"))


def _listed(client, bucket, **kw):
    return [o.key for o in client.iter_objects(bucket, **kw)]


def test_the_table_is_what_it_says():
    assert len(set(AWKWARD)) == len(AWKWARD)
    assert {len(k.encode()) for k in AWKWARD if k[0] in "ké"} == {1023}


def test_awkward_keys_list_exactly(client, bucket):
    _put_all(client, bucket, AWKWARD)
    assert _listed(client, bucket) == sorted(AWKWARD, key=lambda k: k.encode())
    v1 = client.list_objects(bucket, max_keys=1000)
    assert sorted(o.key for o in v1.objects) == sorted(AWKWARD)
    for key in AWKWARD:
        assert client.get_object(bucket, key).read() == key.encode()
    # names as prefixes and delimiters stay exact too
    assert [o.key for o in client.list_objects(bucket, prefix="trail-space ").objects] == ["trail-space "]
    assert client.list_objects(bucket, prefix="trail", delimiter=" ").prefixes == ["trail-space "]


def test_awkward_keys_delete_one_by_one(client, bucket):
    _put_all(client, bucket, AWKWARD)
    for n, key in enumerate(AWKWARD, 1):
        client.delete_object(bucket, key)
        assert not client.object_exists(bucket, key)
        assert len(_listed(client, bucket)) == len(AWKWARD) - n


def test_awkward_keys_delete_in_one_batch(client, bucket):
    _put_all(client, bucket, AWKWARD)
    assert client.delete_objects(bucket, AWKWARD) == AWKWARD
    assert _listed(client, bucket) == []


@pytest.mark.parametrize(
    "key, neighbour",
    [
        ("trail-space ", "trail-space"),
        ("trail-space", "trail-space "),
        (" lead", "lead"),
        ("tab\t", "tab"),
        ("cr\rx", "cr\nx"),
        ("crlf\r\n", "crlf\n"),
        ("&#27;", "\x1b"),
        ("\x1b", "&#27;"),
        ("&amp;", "&"),
        ("\ue000", "\ue000\x1b"),
        (" ", "  "),
        ("nbsp\u00a0", "nbsp"),
        ("pct%41", "pctA"),
    ],
)
def test_a_batch_deletes_the_named_key_and_not_its_neighbour(client, bucket, key, neighbour):
    _put_all(client, bucket, [key, neighbour])
    assert client.delete_objects(bucket, [key]) == [key]
    assert _listed(client, bucket) == [neighbour]


def test_batches_beyond_a_thousand_keys_mixing_awkward_ones(client, bucket):
    keys = [f"{i:04d}{AWKWARD[i % len(AWKWARD)][:40]}" for i in range(1001)]  # two requests
    keep = ["0001trail-space", "trail-space"]  # neighbours of keys in the batch (key order)
    _put_all(client, bucket, keys + keep)
    assert sorted(client.delete_objects(bucket, iter(keys))) == sorted(keys)
    assert _listed(client, bucket) == keep


def test_a_quiet_batch_answers_nothing_and_deletes_all(client, bucket):
    _put_all(client, bucket, AWKWARD)
    assert client.delete_objects(bucket, AWKWARD, quiet=True) == []
    assert _listed(client, bucket) == []


def _post_delete(client, bucket, body: bytes, encoding_type="url"):
    params = {"delete": ""}
    if encoding_type:
        params["encoding-type"] = encoding_type
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode(), "Content-Type": "application/xml"}
    return client.request("POST", bucket, params=params, headers=headers, data=body, raise_errors=False)


def test_the_answer_lists_keys_url_encoded_when_asked(client, bucket):
    _put_all(client, bucket, ["a b/c", "x\x1by"])
    body = b"<Delete><Object><Key>a b/c</Key></Object><Object><Key>x&#27;y</Key></Object></Delete>"
    resp = _post_delete(client, bucket, body)
    assert resp.status_code == 200
    assert b"<EncodingType>url</EncodingType>" in resp.content
    assert b"<Key>a%20b%2Fc</Key>" in resp.content and b"<Key>x%1By</Key>" in resp.content
    assert _listed(client, bucket) == []
    client.put_object(bucket, "a b/c", b"")
    resp = _post_delete(client, bucket, b"<Delete><Object><Key>a b/c</Key></Object></Delete>", encoding_type="")
    assert resp.status_code == 200 and b"<Key>a b/c</Key>" in resp.content and b"EncodingType" not in resp.content


def test_request_keys_are_xml_text_even_with_encoding_type_url(client, bucket):
    """Both SDKs send encoding-type=url with plain keys: "pct%41" must not be read as "pctA"."""
    _put_all(client, bucket, ["pct%41", "pctA"])
    resp = _post_delete(client, bucket, b"<Delete><Object><Key>pct%41</Key></Object></Delete>")
    assert resp.status_code == 200 and b"<Key>pct%2541</Key>" in resp.content
    assert _listed(client, bucket) == ["pctA"]


def test_a_raw_control_character_is_malformed_xml_and_deletes_nothing(client, bucket):
    """XML 1.0 cannot carry ESC raw (oss2 writes it so); the request fails whole, as OSS and S3 answer."""
    _put_all(client, bucket, ["a/es\x1bc", "plain"])
    body = b"<Delete><Object><Key>plain</Key></Object><Object><Key>a/es\x1bc</Key></Object></Delete>"
    resp = _post_delete(client, bucket, body)
    assert resp.status_code == 400 and b"<Code>MalformedXML</Code>" in resp.content
    assert _listed(client, bucket) == ["a/es\x1bc", "plain"]


def test_a_raw_cr_is_kept_not_read_as_lf(client, bucket):
    """oss2 writes CR raw; an XML parser would make it LF and delete another key."""
    _put_all(client, bucket, ["cr\rx", "cr\nx", "crlf\r\n", "crlf\n"])
    body = (
        b"<?xml version='1.0' encoding='utf-8'?>\r\n<Delete>\r\n  <Quiet>false</Quiet>\r\n"
        b"  <Object>\r\n    <Key>cr\rx</Key>\r\n  </Object>\r\n"
        b"  <Object><Key><![CDATA[crlf\r\n]]></Key></Object>\r\n</Delete>\r\n"
    )
    resp = _post_delete(client, bucket, body)
    assert resp.status_code == 200, resp.content
    assert _listed(client, bucket) == ["cr\nx", "crlf\n"]


def test_pretty_printed_bodies_still_parse(client, bucket):
    """Whitespace between elements is layout, in every body the server reads."""
    _put_all(client, bucket, ["k1", " k2 "])
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<Delete>
    <Quiet> true </Quiet>
    <Object>
        <Key>k1</Key>
    </Object>
    <Object>
        <Key> k2 </Key>
    </Object>
</Delete>
"""
    resp = _post_delete(client, bucket, body)
    assert resp.status_code == 200 and b"<Deleted>" not in resp.content
    assert _listed(client, bucket) == []

    upload = client.init_multipart_upload(bucket, "mp")
    etag = client.upload_part(bucket, "mp", upload, 1, b"part").etag
    body = f"""<CompleteMultipartUpload>
  <Part>
    <PartNumber>1</PartNumber>
    <ETag>"{etag}"</ETag>
  </Part>
</CompleteMultipartUpload>
""".encode()
    headers = {"Content-MD5": base64.b64encode(hashlib.md5(body).digest()).decode()}
    client.request("POST", bucket, "mp", params={"uploadId": upload}, headers=headers, data=body)
    assert client.get_object(bucket, "mp").read() == b"part"

    name = bucket + "-ia"
    client.request(
        "PUT",
        name,
        data=b"<CreateBucketConfiguration>\n  <StorageClass>IA</StorageClass>\n</CreateBucketConfiguration>\n",
    )
    assert client.get_bucket_info(name).storage_class == "IA"
    client.delete_bucket(name)


def test_a_key_that_fails_is_named_in_the_error(client, bucket):
    too_long = "k" * 1024
    with pytest.raises(OssError) as one:
        client.delete_objects(bucket, [too_long])
    assert (one.value.code, one.value.bucket, one.value.key) == ("InvalidObjectName", bucket, too_long)
    with pytest.raises(OssError) as batch:
        client.delete_objects(bucket, ["fine", "x\x1by", too_long])
    assert (batch.value.code, batch.value.key) == ("InvalidObjectName", too_long)
    with pytest.raises(NoSuchBucket) as bucketwide:
        client.delete_objects(bucket + "-nosuch", ["a", "b"])
    assert (bucketwide.value.bucket, bucketwide.value.key) == (bucket + "-nosuch", None)


@pytest.mark.parametrize("key", ["a/es\x1bc", "trail-space ", "ctl\x01\x1f", "nul\x00x", "cr\rx"])
def test_multipart_uploads_of_awkward_keys_complete_list_and_abort(client, bucket, key):
    """Initiate, Complete and ListParts answers name the key: the client asks for it URL-encoded."""
    upload = client.init_multipart_upload(bucket, key)
    part = client.upload_part(bucket, key, upload, 1, b"part")
    assert [p.part_number for p in client.iter_parts(bucket, key, upload)] == [1]
    assert [(u.key, u.upload_id) for u in client.iter_uploads(bucket)] == [(key, upload)]
    client.complete_multipart_upload(bucket, key, upload, [part])
    assert client.get_object(bucket, key).read() == b"part"
    second = client.init_multipart_upload(bucket, key)
    client.abort_multipart_upload(bucket, key, second)
    assert list(client.iter_uploads(bucket)) == []
    assert client.delete_objects(bucket, [key]) == [key] and _listed(client, bucket) == []
