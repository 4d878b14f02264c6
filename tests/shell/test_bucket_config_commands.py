"""bucket info|stat, bucket <configuration> get|set|rm, tag, put/cp --tag: in-process and in batch mode."""

import json
import re

from ossh.shell.commands import REGISTRY

CORS_XML = (
    "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>"
    "<MaxAgeSeconds>60</MaxAgeSeconds></CORSRule></CORSConfiguration>"
)
LIFECYCLE_JSON = {
    "LifecycleConfiguration": {
        "Rule": [{"ID": "tmp", "Prefix": "tmp/", "Status": "Enabled", "Expiration": {"Days": 3}}]
    }
}
POLICY = {"Version": "1", "Statement": [{"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": ["*"]}]}


def test_bucket_info_and_stat(sh, client, bucket, server):
    client.put_object(bucket, "a", b"12345")
    client.put_object(bucket, "b", b"12", storage_class="IA")
    sh.ok(f"cd {bucket}")
    info = sh.ok("bucket info")
    assert f"Bucket: {bucket}" in info.replace("  ", " ") or bucket in info
    assert "Versioning" in info and "off" in info and "Encryption" in info
    assert re.search(rf"Owner:\s+{server.owner_id}\b", info) and server.access_key_id not in info
    stat = sh.ok(f"bucket stat {bucket}")
    for line in ("Object-Count", "Standard-Object-Count", "Infrequent-Access-Storage"):
        assert line in stat
    record = json.loads(sh.ok("set format json; bucket stat").strip().splitlines()[-1])
    assert record["object_count"] == 2 and record["storage"] == 7 and record["infrequent_access_object_count"] == 1
    sh.ok("set format text")
    assert "NoSuchBucket" in sh.fails("bucket info oss://no-such-bucket-cfg/")


def test_config_set_get_rm_xml_json_policy(sh, client, bucket, tmp_path):
    (tmp_path / "cors.xml").write_text(CORS_XML)
    (tmp_path / "life.json").write_text(json.dumps(LIFECYCLE_JSON))
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    (tmp_path / "bad.xml").write_text(
        "<CORSConfiguration><CORSRule><AllowedOrigin>*</AllowedOrigin>"
        "<AllowedMethod>PATCH</AllowedMethod></CORSRule></CORSConfiguration>"
    )
    assert "set the cors configuration" in sh.ok(f"bucket cors {bucket} set cors.xml")
    assert "<AllowedMethod>GET</AllowedMethod>" in sh.ok(f"bucket cors {bucket}")
    sh.ok(f"cd {bucket}")
    sh.ok("bucket lifecycle set life.json")
    assert "<Days>3</Days>" in sh.ok("bucket lifecycle get")
    sh.ok("bucket policy set policy.json")
    assert json.loads(sh.ok("bucket policy")) == POLICY
    err = sh.fails("bucket cors set bad.xml")
    assert "InvalidArgument" in err and "request" in err
    assert "<AllowedMethod>GET</AllowedMethod>" in sh.ok("bucket cors")  # unchanged by the refusal
    assert "removed the cors configuration" in sh.ok("bucket cors rm")
    assert "NoSuchCORSConfiguration" in sh.fails("bucket cors get")
    sh.ok("bucket policy rm")
    assert "NoSuchBucketPolicy" in sh.fails("bucket policy")
    # configurations without a DELETE in OSS are reset to their default
    (tmp_path / "ref.json").write_text(json.dumps({"AllowEmptyReferer": False, "RefererList": {"Referer": ["a.com"]}}))
    sh.ok("bucket referer set ref.json")
    assert "<AllowEmptyReferer>false</AllowEmptyReferer>" in sh.ok("bucket referer")
    sh.ok("bucket referer rm")
    assert "<AllowEmptyReferer>true</AllowEmptyReferer>" in sh.ok("bucket referer")
    assert "<Payer>BucketOwner</Payer>" in sh.ok("bucket request-payment")
    assert "<BlockPublicAccess>false</BlockPublicAccess>" in sh.ok("bucket public-access-block")


def test_config_usage_errors(sh, bucket, tmp_path):
    sh.ok(f"cd {bucket}")
    assert "action" in sh.fails(f"bucket cors {bucket} frobnicate")
    assert "one FILE" in sh.fails("bucket cors set")
    assert "one FILE" in sh.fails("bucket cors rm extra")
    assert "nope.xml" in sh.fails("bucket website set nope.xml")
    (tmp_path / "broken.json").write_text("{broken")
    assert "not valid JSON" in sh.fails("bucket website set broken.json")


def test_tag_objects_and_buckets(sh, client, bucket, tmp_path):
    client.put_object(bucket, "doc.txt", b"x")
    sh.ok(f"cd {bucket}")
    assert "tagged" in sh.ok("tag doc.txt project=apollo 'stage=final draft'")
    assert client.get_object_tagging(bucket, "doc.txt") == [("project", "apollo"), ("stage", "final draft")]
    listing = sh.ok("tag doc.txt")
    assert "project" in listing and "apollo" in listing
    assert "InvalidTag" in sh.fails("tag doc.txt 'bad%=x'")
    assert "twice" in sh.fails("tag doc.txt a=1 a=2")
    sh.ok("tag --rm doc.txt")
    assert client.get_object_tagging(bucket, "doc.txt") == []
    sh.ok(f"tag oss://{bucket}/ team=infra")
    assert client.get_bucket_tagging(bucket) == [("team", "infra")]
    sh.ok(f"tag --rm oss://{bucket}/")
    assert client.get_bucket_tagging(bucket) == []
    assert "NoSuchKey" in sh.fails("tag missing.txt")
    (tmp_path / "up.txt").write_text("hello")
    sh.ok("put --tag a=1 --tag b=2 up.txt")
    assert client.get_object_tagging(bucket, "up.txt") == [("a", "1"), ("b", "2")]
    sh.ok("cp --tag c=3 up.txt copy.txt")
    assert client.get_object_tagging(bucket, "copy.txt") == [("c", "3")]
    assert client.head_object(bucket, "copy.txt") is not None


def test_completion_knows_the_new_commands(sh, bucket):
    names = REGISTRY.names()
    assert "bucket" in names and "tag" in names
    subs = {n.split(" ", 1)[1] for n in REGISTRY.commands if n.startswith("bucket ")}
    assert {"info", "stat", "cors", "lifecycle", "policy", "website", "referer", "encryption", "logging"} <= subs
    assert "--tag" in REGISTRY.commands["put"].options() and "--tag" in REGISTRY.commands["cp"].options()
    assert REGISTRY.commands["bucket cors"].positional_kind(1) == ("get", "set", "rm")


def test_batch_mode_runs_every_new_command(ossh, client, bucket, tmp_path):
    (tmp_path / "cors.xml").write_text(CORS_XML)
    (tmp_path / "f.txt").write_text("data")
    batch = tmp_path / "batch.txt"
    batch.write_text(
        "\n".join(
            [
                f"cd oss://{bucket}/",
                "put --tag k=v f.txt",
                "tag f.txt",
                "tag f.txt k2=v2",
                "bucket cors set cors.xml",
                "bucket cors get",
                "bucket info",
                "bucket stat",
                "bucket encryption rm",
                "tag --rm f.txt",
                "bucket cors rm",
            ]
        )
        + "\n"
    )
    run = ossh("-b", str(batch))
    assert run.returncode == 0, run.stderr
    assert "<AllowedOrigin>*</AllowedOrigin>" in run.stdout and "Object-Count" in run.stdout
    assert client.get_object_tagging(bucket, "f.txt") == []
    failing = ossh("-c", f"bucket website oss://{bucket}/ get; pwd")
    assert failing.returncode == 1 and "NoSuchWebsiteConfiguration" in failing.stderr
    assert "oss://" not in failing.stdout  # the batch stopped at the failing line
