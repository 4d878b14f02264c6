"""Bucket configurations, CORS and tagging driven through oss2 and alibabacloud-oss-v2, errors included."""

import json

import alibabacloud_oss_v2 as oss
import oss2
import pytest
import requests
from oss2 import models as m

from .conftest import REGION, fresh_name


def _other(oss2_bucket, oss2_auth, server, tag):
    return oss2.Bucket(oss2_auth, server.endpoint, fresh_name(tag), region=REGION)


# ---------------------------------------------------------------- oss2


def test_oss2_missing_bucket_and_missing_configs(oss2_bucket, oss2_auth, server):
    ghost = _other(oss2_bucket, oss2_auth, server, "ghost")
    for call in (
        ghost.get_bucket_cors,
        ghost.get_bucket_lifecycle,
        ghost.get_bucket_policy,
        ghost.get_bucket_tagging,
        ghost.get_bucket_referer,
    ):
        with pytest.raises(oss2.exceptions.NoSuchBucket):
            call()
    absent = {
        oss2_bucket.get_bucket_cors: oss2.exceptions.NoSuchCors,
        oss2_bucket.get_bucket_lifecycle: oss2.exceptions.NoSuchLifecycle,
        oss2_bucket.get_bucket_website: oss2.exceptions.NoSuchWebsite,
        oss2_bucket.get_bucket_policy: oss2.exceptions.NoSuchBucketPolicy,
        oss2_bucket.get_bucket_encryption: oss2.exceptions.NoSuchServerSideEncryptionRule,
    }
    for call, exc in absent.items():
        with pytest.raises(exc):
            call()
    # configurations with a default answer it
    assert oss2_bucket.get_bucket_referer().allow_empty_referer is True
    assert not oss2_bucket.get_bucket_logging().target_bucket
    assert oss2_bucket.get_bucket_request_payment().payer == "BucketOwner"
    assert oss2_bucket.get_bucket_tagging().tag_set.tagging_rule == {}


def test_oss2_lifecycle_round_trip_and_validation(oss2_bucket):
    rule = m.LifecycleRule(
        "r1",
        "logs/",
        status=m.LifecycleRule.ENABLED,
        expiration=m.LifecycleExpiration(days=30),
        storage_transitions=[
            m.StorageTransition(days=10, storage_class="IA"),
            m.StorageTransition(days=20, storage_class="Archive"),
        ],
    )
    oss2_bucket.put_bucket_lifecycle(m.BucketLifecycle([rule]))
    got = oss2_bucket.get_bucket_lifecycle().rules[0]
    assert (got.id, got.prefix, got.status, got.expiration.days) == ("r1", "logs/", "Enabled", 30)
    assert [(t.days, t.storage_class) for t in got.storage_transitions] == [(10, "IA"), (20, "Archive")]
    bad_rules = [
        m.LifecycleRule(
            "a",
            "p/",
            status="Enabled",
            expiration=m.LifecycleExpiration(days=3),
            storage_transitions=[m.StorageTransition(days=4, storage_class="IA")],
        ),
        m.LifecycleRule(
            "b",
            "p/",
            status="Enabled",
            expiration=m.LifecycleExpiration(days=9),
            storage_transitions=[
                m.StorageTransition(days=5, storage_class="IA"),
                m.StorageTransition(days=2, storage_class="Archive"),
            ],
        ),
        m.LifecycleRule(
            "c",
            "p/",
            status="Enabled",
            expiration=m.LifecycleExpiration(days=9),
            storage_transitions=[m.StorageTransition(days=5, storage_class="Standard")],
        ),
        m.LifecycleRule("d", "p/", status="Enabled", expiration=m.LifecycleExpiration(days=-1)),
    ]
    for bad in bad_rules:
        with pytest.raises(oss2.exceptions.InvalidArgument):
            oss2_bucket.put_bucket_lifecycle(m.BucketLifecycle([bad]))
    with pytest.raises(oss2.exceptions.MalformedXml):
        oss2_bucket.put_bucket_lifecycle("<This is a bad xml></bad as I am>")
    assert oss2_bucket.get_bucket_lifecycle().rules[0].id == "r1"  # the bad documents changed nothing
    oss2_bucket.delete_bucket_lifecycle()
    oss2_bucket.delete_bucket_lifecycle()  # deleting nothing is fine
    with pytest.raises(oss2.exceptions.NoSuchLifecycle):
        oss2_bucket.get_bucket_lifecycle()


def test_oss2_cors_and_preflight(oss2_bucket, server):
    rule = m.CorsRule(
        allowed_origins=["https://*.example.com"],
        allowed_methods=["GET", "PUT"],
        allowed_headers=["x-oss-*"],
        expose_headers=["ETag"],
        max_age_seconds=600,
    )
    oss2_bucket.put_bucket_cors(m.BucketCors([rule]))
    got = oss2_bucket.get_bucket_cors()
    assert got.rules[0].allowed_methods == ["GET", "PUT"] and got.rules[0].max_age_seconds == 600
    assert got.response_vary is False
    url = f"{server.endpoint}/{oss2_bucket.bucket_name}/some/key"
    ok = requests.options(
        url,
        headers={
            "Origin": "https://app.example.com",
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-oss-meta-a",
        },
    )
    assert ok.status_code == 200
    assert ok.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert ok.headers["Access-Control-Allow-Methods"] == "GET, PUT"
    assert ok.headers["Access-Control-Allow-Headers"] == "x-oss-meta-a"
    assert ok.headers["Access-Control-Max-Age"] == "600"
    for origin, method in (("https://evil.org", "PUT"), ("https://app.example.com", "DELETE")):
        denied = requests.options(url, headers={"Origin": origin, "Access-Control-Request-Method": method})
        assert denied.status_code == 403 and b"AccessForbidden" in denied.content
        assert "Access-Control-Allow-Origin" not in denied.headers
    # an ordinary signed request from a matching origin carries the CORS headers
    oss2_bucket.put_object("k", b"v")
    resp = oss2_bucket.get_object("k", headers={"Origin": "https://app.example.com"})
    assert resp.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    assert resp.headers["Access-Control-Expose-Headers"] == "ETag"
    # ...and so do its errors, so that a browser script can read them: a missing key, an anonymous request
    with pytest.raises(oss2.exceptions.NoSuchKey) as missing:
        oss2_bucket.get_object("nothing-here", headers={"Origin": "https://app.example.com"})
    assert missing.value.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    anonymous = requests.get(url, headers={"Origin": "https://app.example.com"})
    assert (
        anonymous.status_code == 403 and anonymous.headers["Access-Control-Allow-Origin"] == "https://app.example.com"
    )
    elsewhere = requests.get(url, headers={"Origin": "https://evil.org"})
    assert elsewhere.status_code == 403 and "Access-Control-Allow-Origin" not in elsewhere.headers
    with pytest.raises(oss2.exceptions.InvalidArgument) as err:
        oss2_bucket.put_bucket_cors(
            m.BucketCors([m.CorsRule(allowed_origins=["*"], allowed_methods=["GET"], max_age_seconds=-1)])
        )
    assert (err.value.name, err.value.value) == ("MaxAgeSeconds", "-1")
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.put_bucket_cors(m.BucketCors([m.CorsRule(allowed_origins=["*"], allowed_methods=["PATCH"])]))
    oss2_bucket.delete_bucket_cors()
    with pytest.raises(oss2.exceptions.NoSuchCors):
        oss2_bucket.get_bucket_cors()
    gone = requests.options(url, headers={"Origin": "https://app.example.com", "Access-Control-Request-Method": "GET"})
    assert gone.status_code == 403
    missing = requests.options(
        f"{server.endpoint}/no-such-bucket-x/k",
        headers={"Origin": "https://a.b", "Access-Control-Request-Method": "GET"},
    )
    assert missing.status_code == 404 and b"NoSuchBucket" in missing.content


def test_oss2_referer_website_logging_payment(oss2_bucket, oss2_auth, server):
    oss2_bucket.put_bucket_referer(
        m.BucketReferer(False, ["http://a.com", "中文+referer"], black_referers=["http://bad.com"])
    )
    got = oss2_bucket.get_bucket_referer()
    assert got.allow_empty_referer is False and got.allow_truncate_query_string is True
    assert sorted(got.referers) == ["http://a.com", "中文+referer"] and got.black_referers == ["http://bad.com"]
    oss2_bucket.put_bucket_website(m.BucketWebsite("index.html", "error.html"))
    site = oss2_bucket.get_bucket_website()
    assert (site.index_file, site.error_file) == ("index.html", "error.html")
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.put_bucket_website(m.BucketWebsite("dir/index.html", "e.html"))
    # a missing "directory" reads the root index document (no SupportSubDir), as an OSS website does
    oss2_bucket.put_object("index.html", b"<p>home</p>")
    assert oss2_bucket.get_object("docs/").read() == b"<p>home</p>"
    oss2_bucket.put_object("docs/", b"")
    assert oss2_bucket.get_object("docs/").read() == b""  # an object of that name is itself
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss2_bucket.get_object("docs")  # only keys ending in /
    oss2_bucket.delete_bucket_website()
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss2_bucket.get_object("other/")
    with pytest.raises(oss2.exceptions.NoSuchWebsite):
        oss2_bucket.get_bucket_website()
    target = _other(oss2_bucket, oss2_auth, server, "logs")
    with pytest.raises(oss2.exceptions.ServerError) as err:
        oss2_bucket.put_bucket_logging(m.BucketLogging(target.bucket_name, "p/"))
    assert err.value.code == "InvalidTargetBucketForLogging"
    target.create_bucket()
    oss2_bucket.put_bucket_logging(m.BucketLogging(target.bucket_name, "日志/"))
    logging = oss2_bucket.get_bucket_logging()
    assert (logging.target_bucket, logging.target_prefix) == (target.bucket_name, "日志/")
    oss2_bucket.delete_bucket_logging()
    assert not oss2_bucket.get_bucket_logging().target_bucket
    oss2_bucket.put_bucket_request_payment("Requester")
    assert oss2_bucket.get_bucket_request_payment().payer == "Requester"
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.put_bucket_request_payment("Nobody")


def test_oss2_policy_encryption_public_access_block(oss2_bucket, server):
    policy = {
        "Version": "1",
        "Statement": [{"Action": ["oss:GetObject"], "Effect": "Allow", "Resource": ["acs:oss:*:*:*/*"]}],
    }
    oss2_bucket.put_bucket_policy(json.dumps(policy))
    assert json.loads(oss2_bucket.get_bucket_policy().policy) == policy
    for bad in (
        "{not json",
        json.dumps({"Version": 1, "Statement": []}),
        json.dumps({"Version": "1", "Statement": [{"Effect": "Maybe", "Action": "a", "Resource": "r"}]}),
    ):
        with pytest.raises(oss2.exceptions.ServerError) as err:
            oss2_bucket.put_bucket_policy(bad)
        assert err.value.status == 400 and err.value.code == "InvalidPolicyDocument"
    oss2_bucket.delete_bucket_policy()
    with pytest.raises(oss2.exceptions.NoSuchBucketPolicy):
        oss2_bucket.get_bucket_policy()

    rule = m.ServerSideEncryptionRule()
    rule.sse_algorithm, rule.kms_master_keyid = "KMS", "key-1"
    oss2_bucket.put_bucket_encryption(rule)
    got = oss2_bucket.get_bucket_encryption()
    assert (got.sse_algorithm, got.kms_master_keyid) == ("KMS", "key-1")
    assert oss2_bucket.get_bucket_info().bucket_encryption_rule.sse_algorithm == "KMS"
    rule.sse_algorithm = "AES256"
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.put_bucket_encryption(rule)
    rule.sse_algorithm, rule.kms_master_keyid = "random", ""
    with pytest.raises(oss2.exceptions.InvalidEncryptionAlgorithmError):
        oss2_bucket.put_bucket_encryption(rule)
    oss2_bucket.delete_bucket_encryption()
    with pytest.raises(oss2.exceptions.NoSuchServerSideEncryptionRule):
        oss2_bucket.get_bucket_encryption()

    oss2_bucket.put_bucket_acl("public-read")
    oss2_bucket.put_object("pub", b"data")
    url = f"{server.endpoint}/{oss2_bucket.bucket_name}/pub"
    assert requests.get(url).status_code == 200
    oss2_bucket.put_bucket_public_access_block(True)
    assert oss2_bucket.get_bucket_public_access_block().block_public_access is True
    blocked = requests.get(url)
    assert blocked.status_code == 403 and b"AccessDenied" in blocked.content
    oss2_bucket.delete_bucket_public_access_block()
    assert requests.get(url).status_code == 200


def test_oss2_config_needs_owner(oss2_bucket, server):
    oss2_bucket.put_bucket_acl("public-read-write")
    anonymous = oss2.Bucket(oss2.AnonymousAuth(), server.endpoint, oss2_bucket.bucket_name)
    for call in (
        anonymous.get_bucket_cors,
        anonymous.get_bucket_tagging,
        anonymous.get_bucket_referer,
        lambda: anonymous.put_bucket_policy('{"Version":"1","Statement":[]}'),
        lambda: anonymous.get_object_tagging("k"),
    ):
        with pytest.raises(oss2.exceptions.AccessDenied):
            call()
    wrong = oss2.Bucket(oss2.Auth(server.access_key_id, "not-the-secret"), server.endpoint, oss2_bucket.bucket_name)
    with pytest.raises(oss2.exceptions.SignatureDoesNotMatch):
        wrong.get_bucket_lifecycle()


def test_oss2_object_tagging(oss2_bucket):
    oss2_bucket.put_object("t", b"data", headers={"x-oss-tagging": "k1=v1&k2=%E4%B8%AD%E6%96%87"})
    assert oss2_bucket.get_object_tagging("t").tag_set.tagging_rule == {"k1": "v1", "k2": "中文"}
    assert oss2_bucket.head_object("t").headers["x-oss-tagging-count"] == "2"
    assert oss2_bucket.get_object("t").headers["x-oss-tagging-count"] == "2"
    # copy: tags follow the tagging directive, not the metadata directive
    oss2_bucket.copy_object(oss2_bucket.bucket_name, "t", "t-copy")
    assert oss2_bucket.get_object_tagging("t-copy").tag_set.tagging_rule == {"k1": "v1", "k2": "中文"}
    oss2_bucket.copy_object(
        oss2_bucket.bucket_name,
        "t",
        "t-new",
        headers={"x-oss-tagging-directive": "REPLACE", "x-oss-tagging": "a=1", "x-oss-metadata-directive": "COPY"},
    )
    assert oss2_bucket.get_object_tagging("t-new").tag_set.tagging_rule == {"a": "1"}
    rule = m.TaggingRule()
    rule.add("+-.:", "_/ ")
    oss2_bucket.put_object_tagging("t", m.Tagging(rule))
    assert oss2_bucket.get_object_tagging("t").tag_set.tagging_rule == {"+-.:": "_/ "}
    for key, value in (("%@abc", "v"), ("k", "%abc"), ("a" * 129, "v"), ("k", "v" * 257)):
        bad = m.Tagging()
        bad.tag_set.tagging_rule[key] = value
        with pytest.raises(oss2.exceptions.ServerError) as err:
            oss2_bucket.put_object_tagging("t", bad)
        assert err.value.code == "InvalidTag"
    many = m.Tagging()
    for i in range(11):
        many.tag_set.tagging_rule[f"k{i}"] = "v"
    with pytest.raises(oss2.exceptions.ServerError):
        oss2_bucket.put_object_tagging("t", many)
    with pytest.raises(oss2.exceptions.ServerError):
        oss2_bucket.put_object("u", b"x", headers={"x-oss-tagging": "aa=bb=cc"})
    with pytest.raises(oss2.exceptions.NoSuchKey):
        oss2_bucket.get_object_tagging("nope")
    oss2_bucket.delete_object_tagging("t")
    assert oss2_bucket.get_object_tagging("t").tag_set.tagging_rule == {}
    assert "x-oss-tagging-count" not in oss2_bucket.head_object("t").headers
    # append (first call) and multipart init carry tags too
    oss2_bucket.append_object("ap", 0, b"a", headers={"x-oss-tagging": "x=1"})
    oss2_bucket.append_object("ap", 1, b"b", headers={"x-oss-tagging": "ignored=1"})
    assert oss2_bucket.get_object_tagging("ap").tag_set.tagging_rule == {"x": "1"}
    upload = oss2_bucket.init_multipart_upload("mp", headers={"x-oss-tagging": "m=p"}).upload_id
    part = oss2_bucket.upload_part("mp", upload, 1, b"z")
    oss2_bucket.complete_multipart_upload("mp", upload, [m.PartInfo(1, part.etag)])
    assert oss2_bucket.get_object_tagging("mp").tag_set.tagging_rule == {"m": "p"}


def test_oss2_bucket_tagging_info_stat_regions(oss2_bucket, oss2_auth, server):
    rule = m.TaggingRule()
    rule.add("%@abc", "abc")
    rule.add("123++", "++123%")
    oss2_bucket.put_bucket_tagging(m.Tagging(rule))
    assert oss2_bucket.get_bucket_tagging().tag_set.tagging_rule == {"%@abc": "abc", "123++": "++123%"}
    oss2_bucket.delete_bucket_tagging(params={"tagging": "%@abc"})
    assert oss2_bucket.get_bucket_tagging().tag_set.tagging_rule == {"123++": "++123%"}
    bad = m.Tagging()
    bad.tag_set.tagging_rule["aliyun-x"] = "v"
    with pytest.raises(oss2.exceptions.ServerError):
        oss2_bucket.put_bucket_tagging(bad)
    oss2_bucket.delete_bucket_tagging()
    assert oss2_bucket.get_bucket_tagging().tag_set.tagging_rule == {}

    info = oss2_bucket.get_bucket_info()
    assert info.comment == "" and info.versioning_status is None and info.data_redundancy_type == "LRS"
    assert info.extranet_endpoint == server.endpoint.split("://")[1]
    assert info.bucket_encryption_rule.sse_algorithm is None
    oss2_bucket.put_object("s1", b"1234567")
    oss2_bucket.put_object("s2", b"12", headers={"x-oss-storage-class": "IA"})
    oss2_bucket.init_multipart_upload("u")
    stat = oss2_bucket.get_bucket_stat()
    assert (stat.object_count, stat.storage_size_in_bytes, stat.multi_part_upload_count) == (2, 9, 1)
    assert (stat.standard_object_count, stat.standard_storage) == (1, 7)
    assert (stat.infrequent_access_object_count, stat.infrequent_access_storage) == (1, 2)
    assert stat.archive_object_count == 0 and stat.last_modified_time > 0

    service = oss2.Service(oss2_auth, server.endpoint, region=REGION)
    regions = service.describe_regions().regions
    assert [(r.region, r.internet_endpoint) for r in regions] == [("oss-cn-hangzhou", server.endpoint.split("://")[1])]
    assert service.describe_regions("oss-cn-hangzhou").regions[0].region == "oss-cn-hangzhou"
    with pytest.raises(oss2.exceptions.ServerError) as err:
        service.describe_regions("oss-xx-nowhere")
    assert err.value.code == "NoSuchRegion"


def test_configs_go_with_the_bucket(oss2_bucket, oss2_auth, server):
    oss2_bucket.put_bucket_cors(m.BucketCors([m.CorsRule(allowed_origins=["*"], allowed_methods=["GET"])]))
    oss2_bucket.delete_bucket()
    oss2_bucket.create_bucket()
    with pytest.raises(oss2.exceptions.NoSuchCors):
        oss2_bucket.get_bucket_cors()


# ---------------------------------------------------------------- alibabacloud-oss-v2


def test_v2_configs(v2_client, v2_bucket):
    c, b = v2_client, v2_bucket
    with pytest.raises(oss.exceptions.OperationError) as err:
        c.get_bucket_cors(oss.GetBucketCorsRequest(bucket=b))
    assert "NoSuchCORSConfiguration" in str(err.value)
    c.put_bucket_cors(
        oss.PutBucketCorsRequest(
            bucket=b,
            cors_configuration=oss.CORSConfiguration(
                cors_rules=[oss.CORSRule(allowed_origins=["*"], allowed_methods=["GET", "HEAD"], max_age_seconds=10)]
            ),
        )
    )
    rules = c.get_bucket_cors(oss.GetBucketCorsRequest(bucket=b)).cors_configuration.cors_rules
    assert rules[0].allowed_methods == ["GET", "HEAD"]
    pre = c.option_object(
        oss.OptionObjectRequest(bucket=b, key="k", origin="http://x.y", access_control_request_method="GET")
    )
    assert pre.access_control_allow_origin == "*" and pre.access_control_max_age == 10
    c.put_bucket_lifecycle(
        oss.PutBucketLifecycleRequest(
            bucket=b,
            lifecycle_configuration=oss.LifecycleConfiguration(
                rules=[
                    oss.LifecycleRule(
                        id="r", prefix="tmp/", status="Enabled", expiration=oss.LifecycleRuleExpiration(days=7)
                    )
                ]
            ),
        )
    )
    rule = c.get_bucket_lifecycle(oss.GetBucketLifecycleRequest(bucket=b)).lifecycle_configuration.rules[0]
    assert (rule.id, rule.prefix, rule.expiration.days) == ("r", "tmp/", 7)
    c.put_bucket_policy(
        oss.PutBucketPolicyRequest(
            bucket=b,
            body=json.dumps({"Version": "1", "Statement": [{"Effect": "Deny", "Action": "oss:*", "Resource": "*"}]}),
        )
    )
    assert json.loads(c.get_bucket_policy(oss.GetBucketPolicyRequest(bucket=b)).body)["Version"] == "1"
    aes = oss.ServerSideEncryptionRule(
        apply_server_side_encryption_by_default=oss.ApplyServerSideEncryptionByDefault(sse_algorithm="AES256")
    )
    c.put_bucket_encryption(oss.PutBucketEncryptionRequest(bucket=b, server_side_encryption_rule=aes))
    rule = c.get_bucket_encryption(oss.GetBucketEncryptionRequest(bucket=b)).server_side_encryption_rule
    assert rule.apply_server_side_encryption_by_default.sse_algorithm == "AES256"
    c.put_bucket_referer(
        oss.PutBucketRefererRequest(
            bucket=b,
            referer_configuration=oss.RefererConfiguration(
                allow_empty_referer=False, referer_list=oss.RefererList(referers=["http://a.b"])
            ),
        )
    )
    ref = c.get_bucket_referer(oss.GetBucketRefererRequest(bucket=b)).referer_configuration
    assert ref.allow_empty_referer is False and ref.referer_list.referers == ["http://a.b"]
    c.put_bucket_public_access_block(
        oss.PutBucketPublicAccessBlockRequest(
            bucket=b, public_access_block_configuration=oss.PublicAccessBlockConfiguration(block_public_access=True)
        )
    )
    got = c.get_bucket_public_access_block(oss.GetBucketPublicAccessBlockRequest(bucket=b))
    assert got.public_access_block_configuration.block_public_access is True
    for delete in (
        c.delete_bucket_cors(oss.DeleteBucketCorsRequest(bucket=b)),
        c.delete_bucket_lifecycle(oss.DeleteBucketLifecycleRequest(bucket=b)),
        c.delete_bucket_policy(oss.DeleteBucketPolicyRequest(bucket=b)),
    ):
        assert delete.status_code == 204
    with pytest.raises(oss.exceptions.OperationError) as err:
        c.get_bucket_policy(oss.GetBucketPolicyRequest(bucket=b))
    assert "NoSuchBucketPolicy" in str(err.value)
    with pytest.raises(oss.exceptions.OperationError) as err:
        c.get_bucket_lifecycle(oss.GetBucketLifecycleRequest(bucket="no-such-bucket-v2x"))
    assert "NoSuchBucket" in str(err.value)


def test_v2_tagging_stat_regions(v2_client, v2_bucket, server):
    c, b = v2_client, v2_bucket
    c.put_object(oss.PutObjectRequest(bucket=b, key="k", body=b"abc", tagging="a=1&b=2"))
    assert c.head_object(oss.HeadObjectRequest(bucket=b, key="k")).tagging_count == 2
    c.put_object_tagging(
        oss.PutObjectTaggingRequest(
            bucket=b, key="k", tagging=oss.Tagging(tag_set=oss.TagSet(tags=[oss.Tag(key="x", value="y")]))
        )
    )
    tags = c.get_object_tagging(oss.GetObjectTaggingRequest(bucket=b, key="k")).tag_set.tags
    assert [(t.key, t.value) for t in tags] == [("x", "y")]
    with pytest.raises(oss.exceptions.OperationError) as err:
        c.put_object_tagging(
            oss.PutObjectTaggingRequest(
                bucket=b, key="k", tagging=oss.Tagging(tag_set=oss.TagSet(tags=[oss.Tag(key="bad%", value="y")]))
            )
        )
    assert "InvalidTag" in str(err.value)
    c.delete_object_tagging(oss.DeleteObjectTaggingRequest(bucket=b, key="k"))
    assert not c.get_object_tagging(oss.GetObjectTaggingRequest(bucket=b, key="k")).tag_set.tags
    c.put_bucket_tags(
        oss.PutBucketTagsRequest(
            bucket=b, tagging=oss.Tagging(tag_set=oss.TagSet(tags=[oss.Tag(key="team", value="infra")]))
        )
    )
    tags = c.get_bucket_tags(oss.GetBucketTagsRequest(bucket=b)).tagging.tag_set.tags
    assert [(t.key, t.value) for t in tags] == [("team", "infra")]
    stat = c.get_bucket_stat(oss.GetBucketStatRequest(bucket=b))
    assert (stat.object_count, stat.storage, stat.standard_object_count) == (1, 3, 1)
    regions = c.describe_regions(oss.DescribeRegionsRequest()).region_info
    assert regions[0].region == "oss-cn-hangzhou"


def test_oss2_object_encryption_headers(oss2_bucket):
    put = oss2_bucket.put_object("plain", b"x")
    assert "x-oss-server-side-encryption" not in put.headers
    kms = oss2_bucket.put_object(
        "kms", b"x", headers={"x-oss-server-side-encryption": "KMS", "x-oss-server-side-data-encryption": "SM4"}
    )
    key_id = kms.headers["x-oss-server-side-encryption-key-id"]
    assert kms.headers["x-oss-server-side-data-encryption"] == "SM4" and key_id
    head = oss2_bucket.head_object("kms").headers
    assert (head["x-oss-server-side-encryption"], head["x-oss-server-side-encryption-key-id"]) == ("KMS", key_id)
    aes = oss2_bucket.put_object(
        "aes", b"x", headers={"x-oss-server-side-encryption": "AES256", "x-oss-server-side-data-encryption": "SM4"}
    )
    assert aes.headers["x-oss-server-side-encryption"] == "AES256"
    assert "x-oss-server-side-data-encryption" not in aes.headers
    with pytest.raises(oss2.exceptions.InvalidEncryptionAlgorithmError):
        oss2_bucket.put_object("bad", b"x", headers={"x-oss-server-side-encryption": "ROT13"})
    # the bucket default applies to writes that name none; the first append decides for an appendable object
    rule = m.ServerSideEncryptionRule()
    rule.sse_algorithm = "SM4"
    oss2_bucket.put_bucket_encryption(rule)
    assert oss2_bucket.put_object("dflt", b"x").headers["x-oss-server-side-encryption"] == "SM4"
    first = oss2_bucket.append_object("ap", 0, b"1", headers={"x-oss-server-side-encryption": "AES256"})
    later = oss2_bucket.append_object("ap", 1, b"2", headers={"x-oss-server-side-encryption": "KMS"})
    assert first.headers["x-oss-server-side-encryption"] == later.headers["x-oss-server-side-encryption"] == "AES256"
    # multipart: set at init, echoed by parts and complete, refused on them
    init = oss2_bucket.init_multipart_upload("mp", headers={"x-oss-server-side-encryption": "KMS"})
    assert init.headers["x-oss-server-side-encryption"] == "KMS"
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.upload_part("mp", init.upload_id, 1, b"z", headers={"x-oss-server-side-encryption": "KMS"})
    part = oss2_bucket.upload_part("mp", init.upload_id, 1, b"z")
    assert part.headers["x-oss-server-side-encryption"] == "KMS"
    done = oss2_bucket.complete_multipart_upload("mp", init.upload_id, [m.PartInfo(1, part.etag)])
    assert done.headers["x-oss-server-side-encryption"] == "KMS"
    # a copy takes the request's encryption (or the bucket default), not the source's
    assert (
        oss2_bucket.copy_object(oss2_bucket.bucket_name, "kms", "kms-copy").headers["x-oss-server-side-encryption"]
        == "SM4"
    )


def test_oss2_list_buckets_by_tag(oss2_bucket, oss2_auth, server):
    other = _other(oss2_bucket, oss2_auth, server, "tagged")
    other.create_bucket()
    unique = fresh_name("team")  # the server is shared with other tests' buckets
    rule = m.TaggingRule()
    rule.add(unique, "infra")
    other.put_bucket_tagging(m.Tagging(rule))
    service = oss2.Service(oss2_auth, server.endpoint, region=REGION)
    names = [b.name for b in service.list_buckets(params={"tag-key": unique, "tag-value": "infra"}).buckets]
    assert names == [other.bucket_name]
    assert [b.name for b in service.list_buckets(params={"tag-key": unique}).buckets] == [other.bucket_name]
    assert service.list_buckets(params={"tag-key": unique, "tag-value": "other"}).buckets == []


def test_referer_and_public_access_block_apply_to_others(oss2_bucket, server):
    oss2_bucket.put_bucket_acl("public-read")
    oss2_bucket.put_object("img", b"data")
    url = f"{server.endpoint}/{oss2_bucket.bucket_name}/img"
    oss2_bucket.put_bucket_referer(
        m.BucketReferer(False, ["https://*.example.com/*"], black_referers=["https://bad.example.com/*"])
    )
    assert requests.get(url, headers={"Referer": "https://www.example.com/page?x=1"}).status_code == 200
    for refused in ({}, {"Referer": "https://other.org/"}, {"Referer": "https://bad.example.com/x"}):
        resp = requests.get(url, headers=refused)
        assert resp.status_code == 403 and b"referer" in resp.content
    assert oss2_bucket.get_object("img").read() == b"data"  # the owner is not subject to it
    oss2_bucket.put_bucket_referer(m.BucketReferer(True, []))
    assert requests.get(url).status_code == 200
    oss2_bucket.put_bucket_public_access_block(True)
    for call in (
        lambda: oss2_bucket.put_bucket_acl("public-read-write"),
        lambda: oss2_bucket.put_object_acl("img", "public-read"),
        lambda: oss2_bucket.put_object("p", b"x", headers={"x-oss-object-acl": "public-read"}),
    ):
        with pytest.raises(oss2.exceptions.AccessDenied):
            call()
    oss2_bucket.put_bucket_acl("private")
    oss2_bucket.delete_bucket_public_access_block()
    oss2_bucket.put_object_acl("img", "public-read")
    assert requests.get(url).status_code == 200


def test_oss2_storage_capacity(oss2_bucket):
    assert oss2_bucket.get_bucket_storage_capacity().storage_capacity == -1  # no limit until one is set
    oss2_bucket.set_bucket_storage_capacity(m.BucketUserQos(100))
    assert oss2_bucket.get_bucket_storage_capacity().storage_capacity == 100
    with pytest.raises(oss2.exceptions.InvalidArgument):
        oss2_bucket.set_bucket_storage_capacity(m.BucketUserQos(-2))
    oss2_bucket.set_bucket_storage_capacity(m.BucketUserQos(-1))
    assert oss2_bucket.get_bucket_storage_capacity().storage_capacity == -1
