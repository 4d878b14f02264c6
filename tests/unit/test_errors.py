"""Service errors parsed from OSS's XML body, and from x-oss-err when a HEAD has no body."""

import base64

from ossh.client import errors

BODY = b"""<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist.</Message>
<RequestId>566B6C3D6086505A0CFF0F68</RequestId><HostId>b.example</HostId><BucketName>b</BucketName>
<EC>0015-00000101</EC></Error>"""


def test_body_is_parsed_into_the_right_class():
    err = errors.ServiceError.from_response(404, {"x-oss-request-id": "X"}, BODY)
    assert isinstance(err, errors.NoSuchBucket) and isinstance(err, errors.OssError)
    assert (err.status, err.code, err.request_id, err.host_id, err.ec) == (
        404,
        "NoSuchBucket",
        "566B6C3D6086505A0CFF0F68",
        "b.example",
        "0015-00000101",
    )
    assert err.details == {"BucketName": "b"}
    assert str(err) == "The specified bucket does not exist. (NoSuchBucket, request 566B6C3D6086505A0CFF0F68)"


def test_head_error_uses_x_oss_err():
    headers = {"X-Oss-Err": base64.b64encode(BODY).decode(), "x-oss-request-id": "R"}
    err = errors.ServiceError.from_response(404, headers, b"")
    assert isinstance(err, errors.NoSuchBucket)


def test_head_error_without_x_oss_err_falls_back_to_status():
    err = errors.ServiceError.from_response(404, {"x-oss-request-id": "R1"}, None)
    assert isinstance(err, errors.NoSuchKey) and err.request_id == "R1"
    assert errors.ServiceError.from_response(403, {}, b"").code == "AccessDenied"


def test_non_xml_body_keeps_a_one_line_message():
    err = errors.ServiceError.from_response(502, {}, b"<html>\nBad gateway</html>")
    assert "\n" not in str(err) and err.status == 502
