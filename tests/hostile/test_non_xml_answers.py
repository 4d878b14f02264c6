"""A non-XML answer is a clean error of the client's one exception tree, with the status, the request id and a
short reason - at every place the client parses XML: HTML for a listing, an empty body, truncated XML, JSON,
another document than the one asked for; an error document that is not XML still gives the status's error."""

import pytest

from ossh.client import InvalidResponse, OssError
from ossh.client.models import PartResult

from .evil import BUCKET, REQUEST_ID, run_ossh, victim

HTML = b"<!DOCTYPE html>\n<html><head><meta charset=utf-8><title>Portal</title></head><body>Log in</body></html>"
BODIES = {
    "html": (HTML, "text/html"),
    "xhtml": (b"<html><body><p>maintenance</p></body></html>", "text/html"),
    "empty": (b"", "application/xml"),
    "truncated": (b"<?xml version='1.0'?><ListBucketResult><Contents><Key>a</Ke", "application/xml"),
    "json": (b'{"Buckets": [], "IsTruncated": false}', "application/json"),
    "text": (b"OK\n", "text/plain"),
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
    "entities": (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b"<ListBucketResult><Name>&b;</Name></ListBucketResult>",
        "application/xml",
    ),
}

OPERATIONS = {
    "list_buckets": lambda c: c.list_buckets(),
    "iter_buckets": lambda c: list(c.iter_buckets()),
    "list_objects": lambda c: c.list_objects(BUCKET),
    "list_objects_v2": lambda c: c.list_objects_v2(BUCKET),
    "iter_objects": lambda c: list(c.iter_objects(BUCKET)),
    "get_bucket_acl": lambda c: c.get_bucket_acl(BUCKET),
    "get_object_acl": lambda c: c.get_object_acl(BUCKET, "k"),
    "get_bucket_info": lambda c: c.get_bucket_info(BUCKET),
    "get_bucket_info_fields": lambda c: c.get_bucket_info_fields(BUCKET),
    "get_bucket_location": lambda c: c.get_bucket_location(BUCKET),
    "get_bucket_stat": lambda c: c.get_bucket_stat(BUCKET),
    "describe_regions": lambda c: c.describe_regions(),
    "get_bucket_versioning": lambda c: c.get_bucket_versioning(BUCKET),
    "list_object_versions": lambda c: c.list_object_versions(BUCKET),
    "iter_object_versions": lambda c: list(c.iter_object_versions(BUCKET)),
    "get_object_tagging": lambda c: c.get_object_tagging(BUCKET, "k"),
    "get_bucket_tagging": lambda c: c.get_bucket_tagging(BUCKET),
    "init_multipart_upload": lambda c: c.init_multipart_upload(BUCKET, "k"),
    "list_parts": lambda c: c.list_parts(BUCKET, "k", "u"),
    "list_multipart_uploads": lambda c: c.list_multipart_uploads(BUCKET),
    "upload_part_copy": lambda c: c.upload_part_copy(BUCKET, "k", "u", 1, BUCKET, "src"),
    "copy_object": lambda c: c.copy_object(BUCKET, "src", BUCKET, "k"),
    "complete_multipart_upload": lambda c: c.complete_multipart_upload(BUCKET, "k", "u", [PartResult(1, "e")]),
    "delete_objects": lambda c: c.delete_objects(BUCKET, ["a", "b"]),
    "delete_object_versions": lambda c: c.delete_object_versions(BUCKET, [("a", "v")]),
    **{
        f"get_bucket_config_{name}": lambda c, name=name: c.get_bucket_config(BUCKET, name)
        for name in ("cors", "lifecycle", "website", "referer", "encryption", "logging", "publicAccessBlock")
    },
}
# Answers that may rightly be empty: a Complete that has nothing to add, a quiet or empty delete result.
EMPTY_OK = {"complete_multipart_upload", "delete_objects", "delete_object_versions"}


@pytest.mark.parametrize(
    ("operation", "body"),
    [(op, body) for op in sorted(OPERATIONS) for body in sorted(BODIES) if not (body == "empty" and op in EMPTY_OK)],
)
def test_non_xml_success_answer_is_a_clean_error(evil, operation, body):
    data, ctype = BODIES[body]
    evil.answer = lambda a: a.send(200, data, {"Content-Type": ctype, "ETag": '"e"'})
    with pytest.raises(InvalidResponse) as exc:
        OPERATIONS[operation](victim(evil))
    err = exc.value
    assert err.status == 200 and err.request_id == REQUEST_ID and err.code == "InvalidResponse"
    text = str(err)
    assert "\n" not in text and len(text) < 300 and text.startswith("the server's answer (200"), text
    assert f"request {REQUEST_ID}" in text


@pytest.mark.parametrize("operation", sorted(EMPTY_OK))
def test_an_empty_answer_is_accepted_where_it_is_a_valid_one(evil, operation):
    evil.answer = lambda a: a.send(200, b"", {"Content-Type": "application/xml", "ETag": '"e"'})
    OPERATIONS[operation](victim(evil))  # no InvalidResponse: nothing was left to say


def test_another_document_is_named(evil):
    evil.answer = lambda a: a.xml(b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>")
    with pytest.raises(InvalidResponse, match="is a <ListAllMyBucketsResult> document where an XML ListBucketResult"):
        victim(evil).list_objects(BUCKET)


@pytest.mark.parametrize("status, cls", [(403, "AccessDenied"), (404, "NoSuchKey"), (400, "InvalidArgument")])
@pytest.mark.parametrize("body", ["html", "text", "json", "truncated", "binary", "empty"])
def test_non_xml_error_answer_is_the_status_error(evil, status, cls, body):
    data, ctype = BODIES[body]
    evil.answer = lambda a: a.send(status, data, {"Content-Type": ctype})
    with pytest.raises(OssError) as exc:
        victim(evil).get_object(BUCKET, "k")
    err = exc.value
    assert type(err).__name__ == cls and err.status == status and err.request_id == REQUEST_ID
    assert "\n" not in str(err) and "<" not in err.message and "\ufffd" not in err.message, err.message
    if body == "text":
        assert err.message == "OK"  # a proxy's line of text is all there is to say


@pytest.mark.parametrize("body", ["html", "empty", "truncated", "json"])
def test_shell_ls_prints_one_line(evil, tmp_path, body):
    data, ctype = BODIES[body]
    evil.answer = lambda a: a.send(200, data, {"Content-Type": ctype})
    for argv in (["ls", f"oss://{BUCKET}/"], ["ls"]):
        run = run_ossh(argv, evil.endpoint, tmp_path)
        assert run.returncode == 1 and run.stdout == "", run
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("ossh: ls: ") and "server's answer" in run.stderr
        assert "internal error" not in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("body", ["html", "empty", "truncated", "text", "binary"])
def test_a_policy_that_is_no_json_object_is_a_clean_error(evil, body):
    data, ctype = BODIES[body]
    evil.answer = lambda a: a.send(200, data, {"Content-Type": ctype})
    with pytest.raises(InvalidResponse) as exc:
        victim(evil).get_bucket_config(BUCKET, "policy")
    assert exc.value.status == 200 and exc.value.request_id == REQUEST_ID and "\n" not in str(exc.value)


def test_a_policy_document_is_given_as_stored(evil):
    policy = b'{"Version": "1", "Statement": []}'
    evil.answer = lambda a: a.send(200, policy, {"Content-Type": "application/json"})
    assert victim(evil).get_bucket_config(BUCKET, "policy") == policy


@pytest.mark.parametrize("body", ["html", "json"])
def test_shell_bucket_config_get_prints_one_line(evil, tmp_path, body):
    data, ctype = BODIES[body]
    evil.answer = lambda a: a.send(200, data, {"Content-Type": ctype})
    run = run_ossh(["bucket", "cors", BUCKET, "get"], evil.endpoint, tmp_path)
    assert run.returncode == 1 and run.stdout == "", run
    assert run.stderr.count("\n") == 1 and "server's answer" in run.stderr and "Traceback" not in run.stderr


# ---------------------------------------------------------------- XML whose values are not what they say

MISREAD = {
    "list_objects-date": (
        lambda c: c.list_objects(BUCKET),
        "<ListBucketResult><Contents><Key>k</Key><Size>1</Size><LastModified>zzz</LastModified></Contents>"
        "</ListBucketResult>",
    ),
    "iter_objects-text-entry": (
        lambda c: list(c.iter_objects(BUCKET)),
        "<ListBucketResult><Contents>text</Contents></ListBucketResult>",
    ),
    "list_buckets-text-entry": (
        lambda c: c.list_buckets(),
        "<ListAllMyBucketsResult><Buckets><Bucket>text</Bucket></Buckets></ListAllMyBucketsResult>",
    ),
    "list_buckets-date": (
        lambda c: c.list_buckets(),
        "<ListAllMyBucketsResult><Buckets><Bucket><Name>b</Name><CreationDate>zzz</CreationDate></Bucket>"
        "</Buckets></ListAllMyBucketsResult>",
    ),
    "versions-date": (
        lambda c: c.list_object_versions(BUCKET),
        "<ListVersionsResult><Version><Key>k</Key><VersionId>v</VersionId><LastModified>zzz</LastModified>"
        "</Version></ListVersionsResult>",
    ),
    "uploads-text-entry": (
        lambda c: c.list_multipart_uploads(BUCKET),
        "<ListMultipartUploadsResult><Upload>text</Upload></ListMultipartUploadsResult>",
    ),
    "copy_object-date": (
        lambda c: c.copy_object(BUCKET, "src", BUCKET, "k"),
        '<CopyObjectResult><LastModified>zzz</LastModified><ETag>"e"</ETag></CopyObjectResult>',
    ),
    "bucket_info_fields-text": (
        lambda c: c.get_bucket_info_fields(BUCKET),
        "<BucketInfo><Bucket>text</Bucket></BucketInfo>",
    ),
    "tagging-text": (
        lambda c: c.get_object_tagging(BUCKET, "k"),
        "<Tagging><TagSet>text</TagSet></Tagging>",
    ),
    "bucket_info-date": (
        lambda c: c.get_bucket_info(BUCKET),
        "<BucketInfo><Bucket><Name>b</Name><CreationDate>zzz</CreationDate></Bucket></BucketInfo>",
    ),
}


@pytest.mark.parametrize("case", sorted(MISREAD))
def test_xml_whose_values_cannot_be_read_is_a_clean_error(evil, case):
    operation, doc = MISREAD[case]
    evil.answer = lambda a: a.xml(doc.encode())
    with pytest.raises(InvalidResponse) as exc:
        operation(victim(evil))
    err = exc.value
    assert err.status == 200 and err.request_id == REQUEST_ID and "\n" not in str(err), str(err)
    assert str(err).startswith("the server's answer (200, application/xml) ")


@pytest.mark.parametrize("argv", [["ls", f"oss://{BUCKET}/"], ["ls"], ["du", f"oss://{BUCKET}/"]])
def test_shell_prints_one_line_for_xml_it_cannot_read(evil, tmp_path, argv):
    bad = {True: MISREAD["list_buckets-text-entry"][1], False: MISREAD["iter_objects-text-entry"][1]}
    evil.answer = lambda a: a.xml(bad[a.seen.path.split("?")[0] == "/"].encode())
    run = run_ossh(argv, evil.endpoint, tmp_path)
    assert run.returncode == 1 and run.stderr.count("\n") == 1, run
    assert "internal error" not in run.stderr and "server's answer" in run.stderr
