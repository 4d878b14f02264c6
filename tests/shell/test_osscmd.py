"""osscmd's command names and argument orders, each run for real against the test server, and the
osscmd-only listings printed in osscmd's shape."""

import json
import re

import pytest

from ossh.shell.commands import REGISTRY


def keys(client, bucket):
    return [o.key for o in client.iter_objects(bucket)]


def test_bucket_commands(sh, client, bucket):
    for alias in ("createbucket", "cb", "mb", "pb"):
        sh.ok(f"{alias} oss://{bucket}-{alias}")
    names = [b.name for b in client.iter_buckets()]
    assert all(f"{bucket}-{a}" in names for a in ("createbucket", "cb", "mb", "pb"))
    out = sh.ok("getallbucket")
    assert out.splitlines()[0].split() == ["CreateTime", "BucketLocation", "BucketName"]
    assert re.search(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d\s+oss-cn-hangzhou\s+{bucket}-cb$", out, re.M)
    assert re.search(r"\n\nBucket Number is: \d+\n$", out) and sh.ok("gs") == out
    assert sh.ok(f"getbucketlocation oss://{bucket}-cb") == "oss-cn-hangzhou\n"
    sh.ok(f"deletebucket oss://{bucket}-createbucket")
    sh.ok(f"db {bucket}-cb")
    client.put_object(f"{bucket}-mb", "k", b"x")
    assert "BucketNotEmpty" in sh.fails(f"deletebucket {bucket}-mb")
    sh.ok(f"deletewholebucket oss://{bucket}-mb")
    client.put_object(f"{bucket}-pb", "a/b", b"x")
    upload = client.init_multipart_upload(f"{bucket}-pb", "big")
    sh.ok(f"deleteallobject oss://{bucket}-pb/ --force true")
    assert keys(client, f"{bucket}-pb") == []
    assert "BucketNotEmpty" in sh.fails(f"deletebucket {bucket}-pb")  # a multipart upload remains
    sh.ok(f"cancel oss://{bucket}-pb/big --upload_id {upload}")
    sh.ok(f"deletebucket {bucket}-pb")
    names = [b.name for b in client.iter_buckets()]
    assert not any(f"{bucket}-{a}" in names for a in ("createbucket", "cb", "mb", "pb"))


def test_acl_commands(sh, bucket):
    sh.ok(f"setacl oss://{bucket} --acl public-read")
    assert "public-read" in sh.ok(f"getacl oss://{bucket}")
    sh.ok(f"setacl oss://{bucket} --acl=private")
    assert "private" in sh.ok(f"getacl oss://{bucket}")


def test_object_commands(sh, client, bucket, tmp_path):
    (tmp_path / "a.txt").write_text("alpha")
    (tmp_path / "dir" / "sub").mkdir(parents=True)
    (tmp_path / "dir" / "sub" / "c.txt").write_text("gamma")
    sh.ok(f"upload a.txt oss://{bucket}/up/a.txt")
    sh.ok(f"multiupload a.txt oss://{bucket}/mu/a.txt --thread_num 10")
    sh.ok(f"uploadfromdir dir oss://{bucket}/tree/")
    sh.ok(f"copy oss://{bucket}/up/a.txt oss://{bucket}/copied.txt")
    assert keys(client, bucket) == ["copied.txt", "mu/a.txt", "tree/sub/c.txt", "up/a.txt"]
    sh.ok(f"multiget oss://{bucket}/mu/a.txt got.txt --thread_num 5")
    assert (tmp_path / "got.txt").read_text() == "alpha"
    sh.ok(f"downloadtodir oss://{bucket}/tree/ out --replace false")
    assert (tmp_path / "out" / "sub" / "c.txt").read_text() == "gamma"
    for alias in ("meta", "info"):
        assert "5" in sh.ok(f"{alias} oss://{bucket}/copied.txt")
    url = sh.ok(f"signurl oss://{bucket}/copied.txt --timeout 60").strip()
    assert url.startswith("http") and "x-oss-expires=60" in url, url
    sh.ok(f"delete oss://{bucket}/copied.txt")
    assert "copied.txt" not in keys(client, bucket)
    sh.ok(f"deleteallobject oss://{bucket}/tree/ --force=true")
    assert keys(client, bucket) == ["mu/a.txt", "up/a.txt"]


def test_osscmd_listings_keep_osscmds_shape(sh, client, bucket):
    client.put_object(bucket, "logs/a.log", b"x" * 3000)
    client.put_object(bucket, "logs/2024/b.log", b"y")
    out = sh.ok(f"list oss://{bucket}/logs/")
    lines = out.splitlines()
    assert lines[:2] == ["prefix list is: ", "object list is: "]
    assert re.match(rf"^\d{{4}}-\d\d-\d\d \d\d:\d\d\s+1\.00B\s+Standard\s+oss://{bucket}/logs/2024/b\.log$", lines[2])
    assert re.match(rf"^.*2\.93KB\s+Standard\s+oss://{bucket}/logs/a\.log$", lines[3])
    assert lines[-2:] == ["prefix list number is: 0 ", "object list number is: 2 "]
    out = sh.ok(f"list oss://{bucket}/logs/ '' /")  # osscmd's positional marker, delimiter
    assert out.splitlines()[:3] == ["prefix list is: ", "logs/2024/", "object list is: "]
    assert "prefix list number is: 1 \nobject list number is: 1 \n" in out
    out = sh.ok(f"listallobject oss://{bucket}/")
    assert out.splitlines()[-2:] == ["object list number is: 2 ", "totalsize is: real:3001, format:2.93KB "]
    sh.ctx.state.format = "json"
    rows = [json.loads(line) for line in sh.ok(f"list oss://{bucket}/logs/").splitlines()]
    assert [r.get("key") for r in rows[:2]] == ["logs/2024/b.log", "logs/a.log"]
    assert rows[-1] == {"prefix_list_number": 0, "object_list_number": 2}


def test_multipart_commands(sh, client, bucket, tmp_path):
    (tmp_path / "p1").write_bytes(b"1" * 100)
    out = sh.ok(f"init oss://{bucket}/big")
    upload = re.search(r"[0-9A-F]{32}", out).group(0)
    sh.ok(f"uploadpartfromfile p1 oss://{bucket}/big --upload_id={upload} --part_number=1")
    assert upload in sh.ok(f"listparts oss://{bucket}")
    assert upload in sh.ok(f"getallpartsize oss://{bucket}")
    assert re.search(r"^\s*1\s+100\b", sh.ok(f"listpart oss://{bucket}/big --upload_id {upload}"), re.M)
    sh.ok(f"cancel oss://{bucket}/big --upload_id={upload}")
    assert list(client.iter_uploads(bucket)) == []


@pytest.mark.parametrize(
    "alias",
    [
        "getallbucket",
        "createbucket",
        "deletebucket",
        "deletewholebucket",
        "getbucketlocation",
        "getacl",
        "setacl",
        "list",
        "listallobject",
        "deleteallobject",
        "upload",
        "multiget",
        "meta",
        "info",
        "copy",
        "delete",
        "signurl",
        "uploadfromdir",
        "downloadtodir",
        "init",
        "listpart",
        "listparts",
        "getallpartsize",
        "multiupload",
        "cancel",
        "config",
    ],
)
def test_every_osscmd_name_is_known_and_explained(sh, alias):
    assert alias in REGISTRY.names()
    assert sh.ok(f"help {alias}").startswith(("runs:", "usage:"))


def test_osscmd_options_ossh_cannot_honour_are_refused(sh, bucket, tmp_path):
    (tmp_path / "a.txt").write_text("alpha")
    err = sh.fails(f"upload a.txt oss://{bucket}/a.txt --headers 'x-oss-meta-a:b'")
    assert "unrecognized arguments: --headers" in err
    assert "--thread_num needs a value" in sh.fails(f"multiget oss://{bucket}/a.txt x --thread_num")


def test_osscmd_listings_escape_names_from_the_server(sh, client, bucket):
    client.put_object(bucket, "evil\x1b[2Jname", b"x")
    for line in (f"list oss://{bucket}/", f"listallobject oss://{bucket}/"):
        out = sh.ok(line)
        assert "\x1b" not in out and f"oss://{bucket}/evil\\x1b[2Jname" in out
