"""alibabacloud-oss-v2 against the embedded server: symlinks, storage classes and restore, gzip answers and
the header details (encryption, part digests, copy CRC, traffic limit, append and precondition errors)."""

import base64
import hashlib

import alibabacloud_oss_v2 as oss
import pytest
import requests

from ossh.client.crc import crc64

TEXT = b"".join(b"row %d, some text that compresses\n" % i for i in range(300))


def _service_error(exc_info) -> oss.exceptions.ServiceError:
    return exc_info.value.unwrap()


def _fails(call, code: str, status: int):
    with pytest.raises(oss.exceptions.OperationError) as err:
        call()
    found = _service_error(err)
    assert (found.code, found.status_code) == (code, status), found
    return found


def test_symlinks(v2_client, v2_bucket):
    c, b = v2_client, v2_bucket
    c.put_object(oss.PutObjectRequest(bucket=b, key="t.txt", body=TEXT, content_type="text/plain"))
    c.put_symlink(oss.PutSymlinkRequest(bucket=b, key="to-t", target="t.txt", metadata={"who": "link"}))
    assert c.get_symlink(oss.GetSymlinkRequest(bucket=b, key="to-t")).target == "t.txt"
    got = c.get_object(oss.GetObjectRequest(bucket=b, key="to-t"))
    assert got.body.read() == TEXT and got.object_type == "Symlink" and got.metadata == {"who": "link"}
    head = c.head_object(oss.HeadObjectRequest(bucket=b, key="to-t"))
    assert head.object_type == "Symlink" and head.content_length == len(TEXT)
    listed = {o.key: o.object_type for o in c.list_objects_v2(oss.ListObjectsV2Request(bucket=b)).contents}
    assert listed == {"t.txt": "Normal", "to-t": "Symlink"}
    c.put_symlink(oss.PutSymlinkRequest(bucket=b, key="gone", target="nowhere"))
    _fails(lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="gone")), "SymlinkTargetNotExist", 404)
    _fails(lambda: c.get_symlink(oss.GetSymlinkRequest(bucket=b, key="t.txt")), "NotSymlink", 400)
    _fails(
        lambda: c.put_symlink(oss.PutSymlinkRequest(bucket=b, key="to-t", target="x", forbid_overwrite=True)),
        "FileAlreadyExists",
        409,
    )


def test_storage_classes_and_restore(v2_client, v2_bucket, server_clock):
    c, b = v2_client, v2_bucket
    c.put_object(oss.PutObjectRequest(bucket=b, key="ia", body=b"i", storage_class="IA"))
    assert c.get_object(oss.GetObjectRequest(bucket=b, key="ia")).body.read() == b"i"  # IA reads directly
    c.put_object(oss.PutObjectRequest(bucket=b, key="deep", body=TEXT, storage_class="DeepColdArchive"))
    c.copy_object(oss.CopyObjectRequest(bucket=b, key="ia-copy", source_key="ia", storage_class="Archive"))
    assert c.head_object(oss.HeadObjectRequest(bucket=b, key="ia-copy")).storage_class == "Archive"
    _fails(lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="deep")), "InvalidObjectState", 403)
    request = oss.RestoreRequest(days=5, job_parameters=oss.JobParameters(tier="Expedited"))
    started = c.restore_object(oss.RestoreObjectRequest(bucket=b, key="deep", restore_request=request))
    assert started.status_code == 202
    assert c.head_object(oss.HeadObjectRequest(bucket=b, key="deep")).restore == 'ongoing-request="true"'
    _fails(lambda: c.restore_object(oss.RestoreObjectRequest(bucket=b, key="deep")), "RestoreAlreadyInProgress", 409)
    server_clock.advance(server_clock.delay)
    assert c.head_object(oss.HeadObjectRequest(bucket=b, key="deep")).restore.startswith(
        'ongoing-request="false", expiry-date="'
    )
    assert c.get_object(oss.GetObjectRequest(bucket=b, key="deep")).body.read() == TEXT
    _fails(lambda: c.restore_object(oss.RestoreObjectRequest(bucket=b, key="ia")), "OperationNotSupported", 400)
    _fails(
        lambda: c.put_object(oss.PutObjectRequest(bucket=b, key="x", body=b"x", storage_class="Cold")),
        "InvalidArgument",
        400,
    )


def test_multipart_storage_class_acl_and_part_headers(v2_client, v2_bucket):
    c, b = v2_client, v2_bucket
    init = c.initiate_multipart_upload(
        oss.InitiateMultipartUploadRequest(
            bucket=b, key="mp", storage_class="ColdArchive", server_side_encryption="KMS"
        )
    )
    assert init.headers.get("x-oss-server-side-encryption") == "KMS"
    data = b"a part"
    part = c.upload_part(oss.UploadPartRequest(bucket=b, key="mp", upload_id=init.upload_id, part_number=1, body=data))
    assert part.content_md5 == base64.b64encode(hashlib.md5(data).digest()).decode()
    assert int(part.hash_crc64) == crc64(data)
    c.complete_multipart_upload(
        oss.CompleteMultipartUploadRequest(
            bucket=b,
            key="mp",
            upload_id=init.upload_id,
            acl="public-read",  # the v2 SDK sets it here
            complete_multipart_upload=oss.CompleteMultipartUpload(
                parts=[oss.UploadPart(part_number=1, etag=part.etag)]
            ),
        )
    )
    head = c.head_object(oss.HeadObjectRequest(bucket=b, key="mp"))
    assert head.storage_class == "ColdArchive" and head.server_side_encryption == "KMS"
    assert c.get_object_acl(oss.GetObjectAclRequest(bucket=b, key="mp")).acl == "public-read"


def test_copy_details_and_encryption(v2_client, v2_bucket):
    c, b = v2_client, v2_bucket
    c.put_object(
        oss.PutObjectRequest(bucket=b, key="src", body=TEXT, content_type="text/x-a", server_side_encryption="AES256")
    )
    copied = c.copy_object(oss.CopyObjectRequest(bucket=b, key="dst", source_key="src"))
    assert int(copied.hash_crc64) == crc64(TEXT) and copied.server_side_encryption is None
    c.copy_object(
        oss.CopyObjectRequest(
            bucket=b,
            key="dst2",
            source_key="src",
            metadata_directive="REPLACE",
            content_type="text/x-b",
            server_side_encryption="SM4",
        )
    )
    head = c.head_object(oss.HeadObjectRequest(bucket=b, key="dst2"))
    assert head.content_type == "text/x-b" and head.server_side_encryption == "SM4"
    _fails(
        lambda: c.put_object(oss.PutObjectRequest(bucket=b, key="e", body=b"x", server_side_encryption="RSA")),
        "InvalidEncryptionAlgorithmError",
        400,
    )


def test_gzip_answers_and_sdk_reads(v2_client, v2_bucket, server):
    c, b = v2_client, v2_bucket
    c.put_object(oss.PutObjectRequest(bucket=b, key="page.html", body=TEXT, content_type="text/html"))
    # whatever the SDK asks for, it reads the object back whole
    assert c.get_object(oss.GetObjectRequest(bucket=b, key="page.html")).body.read() == TEXT
    url = c.presign(oss.GetObjectRequest(bucket=b, key="page.html")).url
    resp = requests.get(url, headers={"Accept-Encoding": "gzip"})
    assert resp.headers["Content-Encoding"] == "gzip" and "ETag" not in resp.headers and resp.content == TEXT
    head = c.head_object(oss.HeadObjectRequest(bucket=b, key="page.html"))
    assert head.content_length == len(TEXT) and head.etag  # HEAD without gzip: as stored


def test_errors_named_as_oss_does(v2_client, v2_bucket):
    c, b = v2_client, v2_bucket
    c.append_object(oss.AppendObjectRequest(bucket=b, key="log", position=0, body=b"abc"))
    err = _fails(
        lambda: c.append_object(oss.AppendObjectRequest(bucket=b, key="log", position=7, body=b"d")),
        "PositionNotEqualToLength",
        409,
    )
    assert err.message == "Position is not equal to file length" and err.ec == "0026-00000016"
    err = _fails(
        lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="log", if_match='"nope"')), "PreconditionFailed", 412
    )
    assert err.error_fileds.get("Condition") == "If-Match"
    err = _fails(
        lambda: c.get_object(oss.GetObjectRequest(bucket=b, key="log", traffic_limit=100)), "InvalidArgument", 400
    )
    assert err.ec == "0004-00000502"
    assert c.get_object(oss.GetObjectRequest(bucket=b, key="log", traffic_limit=1 << 20)).body.read() == b"abc"
    acl = c.put_bucket_acl(oss.PutBucketAclRequest(bucket=b, acl="private"))
    assert acl.headers.get("Location") == "/" + b
