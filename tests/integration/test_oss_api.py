"""The 2013 OssAPI facade: the seed README's example program runs unchanged but for print() and the import,
and every facade method answers like httplib (status, headers, body; errors returned, not raised)."""

import re
import subprocess
import sys
import textwrap
from pathlib import Path
from xml.etree import ElementTree

from ossh.oss_api import OssAPI

ROOT = Path(__file__).resolve().parents[2]

# The README's section 10 program, as Python 3: only print() and the import changed.
EXAMPLE = textwrap.dedent("""\
    #!/usr/bin/env python
    #coding=utf8
    import time
    from ossh.oss_api import *
    HOST="{host}"
    ACCESS_ID = "{ak}"
    SECRET_ACCESS_KEY = "{sk}"
    #ACCESS_ID and SECRET_ACCESS_KEY 默认是空,
    #请填入您申请的正确的ID和KEY.
    BUCKET = "{bucket}"
    #bucket 默认是空,请填入唯一的bucket名称
    #例如test-bucket-20130101等带唯一日期的bucket名字.

    def check_not_empty(input, msg=""):
        if not input:
            print("Please make sure %s not empty!" % msg)
            exit(-1)
    def check_res(res, msg=""):
        if res.status / 100 == 2:
            print("%s OK" % msg)
        else:
            print("%s FAIL" % msg)
            print("ret:%s" % res.status)
            print("request-id:%s" % res.getheader("x-oss-request-id"))
            print("reason:%s" % res.read())
            exit(-1)

    if __name__ == "__main__":
        #初始化
        check_not_empty(ACCESS_ID, "ACCESS_ID")
        check_not_empty(SECRET_ACCESS_KEY, "SECRET_ACCESS_KEY")
        oss = OssAPI(HOST, ACCESS_ID, SECRET_ACCESS_KEY)
        #创建属于自己的bucket
        bucket = BUCKET
        check_not_empty(bucket, "bucket")
        acl = 'private'
        headers = {{}}
        res = oss.put_bucket(bucket, acl, headers)
        check_res(res, "create bucket")

        #列出创建的bucket
        res = oss.get_service()
        check_res(res, "list all buckets")
        #把指定的字符串内容上传到bucket中,在bucket中的文件名叫object。
        object = "object_test"
        input_content = "hello, OSS"
        content_type = "text/HTML"
        headers = {{}}
        res = oss.put_object_from_string(bucket, object, input_content, content_type, headers)
        check_res(res, "upload from string")
        #指定文件名, 把这个文件上传到bucket中,在bucket中的文件名叫object。
        object = "object_test"
        filename = __file__
        content_type = "text/HTML"
        headers = {{}}
        res = oss.put_object_from_file(bucket, object, filename, content_type, headers)
        check_res(res, "upload from localfile")
        #下载bucket中的object,内容在body中
        object = "object_test"
        headers = {{}}
        res = oss.get_object(bucket, object, headers)
        check_res(res, "download object")
        #下载bucket中的object,把内容写入到本地文件中
        object = "object_test"
        headers = {{}}
        filename = "get_object_test_file"
        res = oss.get_object_to_file(bucket, object, filename, headers)
        if os.path.isfile(filename):
            os.remove(filename)
        check_res(res, "download object to localfile")
        #查看bucket中所拥有的权限
        res = oss.get_bucket_acl(bucket)
        check_res(res, "get bucket acl")
        #列出bucket中所拥有的object
        prefix = ""
        marker = ""
        delimiter = "/"
        maxkeys = "100"
        headers = {{}}
        res = oss.get_bucket(bucket, prefix, marker, delimiter, maxkeys, headers)
        check_res(res, "list objects in bucket")
        #删除bucket中的object
        object = "object_test"
        headers = {{}}
        res = oss.delete_object(bucket, object, headers)
        check_res(res, "delete object")
        #删除bucket
        res = oss.delete_bucket(bucket)
        check_res(res, "delete bucket")
""")

EXPECTED = """create bucket OK
list all buckets OK
upload from string OK
upload from localfile OK
download object OK
download object to localfile OK
get bucket acl OK
list objects in bucket OK
delete object OK
delete bucket OK
"""


def test_seed_readme_example_prints_its_ten_ok_lines(server, client, tmp_path):
    host = server.endpoint.split("://", 1)[1]
    script = tmp_path / "test.py"
    script.write_text(
        EXAMPLE.format(host=host, ak=server.access_key_id, sk=server.access_key_secret, bucket="test-bucket-20130101"),
        encoding="utf-8",
    )
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert done.stdout == EXPECTED, done.stderr
    assert done.returncode == 0
    assert "test-bucket-20130101" not in [b.name for b in client.iter_buckets()]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["test.py"]


def _api(server):
    return OssAPI(server.endpoint.split("://", 1)[1], server.access_key_id, server.access_key_secret)


def test_responses_are_httplib_like_and_errors_are_returned(server, bucket):
    oss = _api(server)
    res = oss.put_object_from_string(bucket, "k", "hello", "text/plain")
    assert res.status == 200 and re.fullmatch(r"[0-9A-F]{24}", res.getheader("x-oss-request-id"))
    assert res.getheader("ETAG") == res.getheader("etag") and res.getheader("missing", "d") == "d"
    assert ("x-oss-request-id", res.getheader("x-oss-request-id")) in res.getheaders()
    res = oss.get_object(bucket, "k")
    assert res.read(2) == b"he" and res.read() == b"llo"
    res = oss.get_object(bucket, "absent")
    assert res.status == 404 and b"<Code>NoSuchKey</Code>" in res.read()
    res = oss.head_object(bucket, "absent")
    assert res.status == 404 and res.read() == b""
    assert oss.delete_bucket("test-facade-missing").status == 404
    assert OssAPI(server.endpoint.split("://", 1)[1], server.access_key_id, "wrong").get_service().status == 403


def test_bucket_and_object_methods(server, bucket, tmp_path):
    oss = _api(server)
    assert oss.create_bucket("test-facade-b", "public-read").status == 200
    acl = ElementTree.fromstring(oss.get_bucket_acl("test-facade-b").read()).findtext(".//Grant")
    assert acl == "public-read"
    assert oss.put_bucket_with_location("test-facade-loc", "", "oss-cn-hangzhou").status == 200
    loc = oss.get_bucket_location("test-facade-loc").read()
    assert b"oss-cn-hangzhou" in loc
    names = [e.text for e in ElementTree.fromstring(oss.list_all_my_buckets(maxKeys="1000").read()).iter("Name")]
    assert {"test-facade-b", "test-facade-loc", bucket} <= set(names)
    src = tmp_path / "src.txt"
    src.write_bytes(b"file content")
    assert oss.put_object_from_file(bucket, "d/f.txt", str(src)).status == 200
    assert oss.copy_object(bucket, "d/f.txt", "test-facade-b", "copy.txt").status == 200
    assert oss.head_object("test-facade-b", "copy.txt").getheader("Content-Length") == "12"
    out = tmp_path / "out.txt"
    assert oss.get_object_to_file("test-facade-b", "copy.txt", str(out)).status == 200
    assert out.read_bytes() == b"file content"
    listing = ElementTree.fromstring(oss.list_bucket(bucket, "", "", "/", "10").read())
    assert [e.text for e in listing.iter("Prefix") if e.text] == ["d/"]
    assert oss.delete_object("test-facade-b", "copy.txt").status == 204
    for b in ("test-facade-b", "test-facade-loc"):
        assert oss.delete_bucket(b).status == 204


def test_multipart_helpers(server, bucket, tmp_path):
    oss = _api(server)
    oss.set_send_buf_size(64 * 1024)
    oss.set_recv_buf_size(64 * 1024)
    upload_id = ElementTree.fromstring(oss.init_multi_upload(bucket, "mp").read()).findtext("UploadId")
    part_file = tmp_path / "p1"
    part_file.write_bytes(b"a" * 102400)
    r1 = oss.upload_part(bucket, "mp", str(part_file), upload_id, 1)
    r2 = oss.upload_part_from_string(bucket, "mp", b"tail", upload_id, 2)
    assert r1.status == r2.status == 200
    parts = ElementTree.fromstring(oss.get_all_parts(bucket, "mp", upload_id).read())
    assert [e.text for e in parts.iter("PartNumber")] == ["1", "2"]
    uploads = ElementTree.fromstring(oss.get_all_multipart_uploads(bucket).read())
    assert [e.text for e in uploads.iter("UploadId")] == [upload_id]
    xml = (
        "<CompleteMultipartUpload>"
        + "".join(
            f"<Part><PartNumber>{n}</PartNumber><ETag>{r.getheader('ETag')}</ETag></Part>"
            for n, r in ((1, r1), (2, r2))
        )
        + "</CompleteMultipartUpload>"
    )
    assert oss.complete_upload(bucket, "mp", upload_id, xml).status == 200
    assert oss.get_object(bucket, "mp").read() == b"a" * 102400 + b"tail"
    other = ElementTree.fromstring(oss.init_multi_upload(bucket, "mp2").read()).findtext("UploadId")
    assert oss.cancel_upload(bucket, "mp2", other).status == 204
    assert oss.list_parts(bucket, "mp2", other).status == 404
