"""The official SDKs' batch delete against the embedded server, with keys that are easy to get wrong.

Both send encoding-type=url and the keys as XML text; oss2 writes controls (and CR) raw, the v2 SDK writes
C0 controls as character references. The server must delete exactly the keys named, and nothing else.
"""

import alibabacloud_oss_v2 as oss
import oss2
import pytest

# Keys XML can carry as they are (oss2 sends them raw), and neighbours a sloppy reader would confuse them with.
PLAIN = [
    "trail-space ",
    " lead",
    "tab\t",
    "cr\rx",
    "crlf\r\n",
    "nl\nx",
    " ",
    "中文/键 名",
    "全角\u3000空格",
    "nbsp\u00a0",
    "nel\x85",
    "amp&<>\"'",
    "]]>",
    "del\x7f",
    "pct%41",
    "plus+sp ace",
    "&#27;",
    "\ue000",
    "k" * 1023,
]
NEIGHBOURS = ["trail-space", "lead", "tab", "cr\nx", "crlf\n", "  ", "nbsp", "pctA", "\x1b"]
CONTROLS = ["a/es\x1bc", "ctl" + "".join(chr(c) for c in range(1, 32) if chr(c) not in "\t\n\r"), "nul\x00x"]


def _oss2_keys(bucket):
    return [o.key for o in oss2.ObjectIterator(bucket)]


def test_oss2_batch_delete_takes_exactly_the_keys_named(oss2_bucket):
    for key in PLAIN + NEIGHBOURS:
        oss2_bucket.put_object(key, b"x")
    assert sorted(_oss2_keys(oss2_bucket)) == sorted(PLAIN + NEIGHBOURS)
    result = oss2_bucket.batch_delete_objects(PLAIN)
    assert sorted(result.deleted_keys) == sorted(PLAIN)
    assert sorted(_oss2_keys(oss2_bucket)) == sorted(NEIGHBOURS)


def test_oss2_raw_controls_are_malformed_xml_and_delete_nothing(oss2_bucket):
    for key in CONTROLS + ["plain"]:
        oss2_bucket.put_object(key, b"x")
    for key in CONTROLS:
        with pytest.raises(oss2.exceptions.MalformedXml):
            oss2_bucket.batch_delete_objects(["plain", key])
    assert sorted(_oss2_keys(oss2_bucket)) == sorted(CONTROLS + ["plain"])
    for key in CONTROLS:  # one by one, the key in the URL, they go
        oss2_bucket.delete_object(key)
    assert _oss2_keys(oss2_bucket) == ["plain"]


def _v2_keys(client, bucket):
    pages = client.list_objects_v2_paginator().iter_page(oss.ListObjectsV2Request(bucket=bucket))
    return [o.key for page in pages for o in page.contents or []]


def test_v2_sdk_batch_delete_takes_controls_and_all(v2_client, v2_bucket):
    keys = PLAIN + CONTROLS
    for key in keys + NEIGHBOURS:
        v2_client.put_object(oss.PutObjectRequest(bucket=v2_bucket, key=key, body=b"x"))
    assert sorted(_v2_keys(v2_client, v2_bucket)) == sorted(keys + NEIGHBOURS)
    result = v2_client.delete_multiple_objects(
        oss.DeleteMultipleObjectsRequest(bucket=v2_bucket, objects=[oss.DeleteObject(key=k) for k in keys])
    )
    assert sorted(d.key for d in result.deleted_objects) == sorted(keys)
    assert sorted(_v2_keys(v2_client, v2_bucket)) == sorted(NEIGHBOURS)
