"""Parsing OSS response bodies into records (force_list, URL-decoding, UTC times) and building request bodies."""

from datetime import datetime, timezone

import xmltodict

from ossh.client import xmlbuild, xmlparse

UTC = timezone.utc


def test_bucket_page_one_bucket_is_still_a_list():
    body = b"""<?xml version="1.0" encoding="UTF-8"?>
<ListAllMyBucketsResult><Owner><ID>512</ID><DisplayName>512</DisplayName></Owner>
<Prefix>te</Prefix><Marker></Marker><MaxKeys>1</MaxKeys><IsTruncated>true</IsTruncated><NextMarker>test-b</NextMarker>
<Buckets><Bucket><CreationDate>2015-02-02T05:15:13.000Z</CreationDate><ExtranetEndpoint>oss-cn-hangzhou.aliyuncs.com</ExtranetEndpoint>
<IntranetEndpoint>oss-cn-hangzhou-internal.aliyuncs.com</IntranetEndpoint><Location>oss-cn-hangzhou</Location>
<Name>test-a</Name><Region>cn-hangzhou</Region><StorageClass>Standard</StorageClass></Bucket></Buckets>
</ListAllMyBucketsResult>"""
    page = xmlparse.bucket_page(body)
    assert [b.name for b in page.buckets] == ["test-a"]
    b = page.buckets[0]
    assert b.creation_date == datetime(2015, 2, 2, 5, 15, 13, tzinfo=UTC)
    assert (b.location, b.region, b.storage_class) == ("oss-cn-hangzhou", "cn-hangzhou", "Standard")
    assert page.is_truncated and page.next_marker == "test-b" and page.prefix == "te" and page.marker == ""
    assert page.owner.id == "512"


def test_empty_bucket_list():
    page = xmlparse.bucket_page(b"<ListAllMyBucketsResult><Buckets/></ListAllMyBucketsResult>")
    assert page.buckets == [] and not page.is_truncated


def test_object_page_decodes_url_encoded_names():
    body = b"""<ListBucketResult><Name>b</Name><Prefix>a%2F</Prefix><Marker></Marker><MaxKeys>2</MaxKeys>
<Delimiter>%2F</Delimiter><EncodingType>url</EncodingType><IsTruncated>true</IsTruncated><NextMarker>a%2Fsub%2F</NextMarker>
<Contents><Key>a%2Fx%20y%2Bz.txt</Key><LastModified>2023-01-01T00:00:00.000Z</LastModified><ETag>"5B3C"</ETag>
<Type>Normal</Type><Size>10</Size><StorageClass>Standard</StorageClass><Owner><ID>9</ID><DisplayName>9</DisplayName></Owner></Contents>
<CommonPrefixes><Prefix>a%2Fsub%2F</Prefix></CommonPrefixes></ListBucketResult>"""
    page = xmlparse.object_page(body)
    obj = page.objects[0]
    assert obj.key == "a/x y+z.txt" and obj.size == 10 and obj.etag == "5B3C" and obj.owner_id == "9"
    assert obj.last_modified == datetime(2023, 1, 1, tzinfo=UTC) and obj.type == "Normal"
    assert page.prefixes == ["a/sub/"] and page.next_marker == "a/sub/" and page.is_truncated


def test_object_page_without_encoding_keeps_percent_signs():
    body = b"<ListBucketResult><Contents><Key>100%25</Key><Size>1</Size></Contents></ListBucketResult>"
    assert xmlparse.object_page(body).objects[0].key == "100%25"


def test_object_page_v2_token_and_key_count():
    body = b"""<ListBucketResult><EncodingType>url</EncodingType><KeyCount>0</KeyCount><IsTruncated>true</IsTruncated>
<NextContinuationToken>tok%3D%3D</NextContinuationToken></ListBucketResult>"""
    page = xmlparse.object_page(body)
    assert page.objects == [] and page.prefixes == [] and page.key_count == 0
    assert page.next_continuation_token == "tok=="


def test_bucket_info_acl_location():
    info = xmlparse.bucket_info(b"""<BucketInfo><Bucket><CreationDate>2013-07-31T10:56:21.000Z</CreationDate>
<ExtranetEndpoint>e</ExtranetEndpoint><IntranetEndpoint>i</IntranetEndpoint><Location>oss-cn-hangzhou</Location>
<StorageClass>IA</StorageClass><Name>bkt</Name><Region>cn-hangzhou</Region><Owner><DisplayName>u</DisplayName><ID>u1</ID></Owner>
<AccessControlList><Grant>public-read</Grant></AccessControlList></Bucket></BucketInfo>""")
    assert (info.name, info.storage_class, info.acl, info.owner_id, info.region) == (
        "bkt",
        "IA",
        "public-read",
        "u1",
        "cn-hangzhou",
    )
    assert (
        xmlparse.acl(
            b"<AccessControlPolicy><Owner><ID>1</ID></Owner><AccessControlList><Grant>default</Grant>"
            b"</AccessControlList></AccessControlPolicy>"
        )
        == "default"
    )
    assert (
        xmlparse.location(b'<?xml version="1.0"?><LocationConstraint>oss-cn-hangzhou</LocationConstraint>')
        == "oss-cn-hangzhou"
    )


def test_parts_uploads_deleted():
    parts = xmlparse.part_page(b"""<ListPartsResult><IsTruncated>true</IsTruncated><NextPartNumberMarker>2</NextPartNumberMarker>
<Part><PartNumber>1</PartNumber><LastModified>2023-01-01T00:00:00.000Z</LastModified><ETag>"A"</ETag><Size>102400</Size></Part>
<Part><PartNumber>2</PartNumber><ETag>"B"</ETag><Size>5</Size></Part></ListPartsResult>""")
    assert [(p.part_number, p.etag, p.size) for p in parts.parts] == [(1, "A", 102400), (2, "B", 5)]
    assert parts.is_truncated and parts.next_part_number_marker == 2
    ups = xmlparse.upload_page(b"""<ListMultipartUploadsResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>
<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>
<Upload><Key>a%20b</Key><UploadId>U1</UploadId><Initiated>2023-01-01T00:00:00.000Z</Initiated></Upload>
<CommonPrefixes><Prefix>d%2F</Prefix></CommonPrefixes></ListMultipartUploadsResult>""")
    assert [(u.key, u.upload_id) for u in ups.uploads] == [("a b", "U1")] and ups.prefixes == ["d/"]
    assert not ups.is_truncated and ups.next_key_marker == ""
    assert xmlparse.deleted_keys(
        b"<DeleteResult><EncodingType>url</EncodingType><Deleted><Key>%26x</Key></Deleted></DeleteResult>"
    ) == ["&x"]
    assert xmlparse.deleted_keys(b"<DeleteResult/>") == []


def test_http_and_iso_times_are_utc():
    assert xmlparse.http_time("Sat, 12 Dec 2015 00:35:53 GMT") == datetime(2015, 12, 12, 0, 35, 53, tzinfo=UTC)
    assert xmlparse.iso_time("2015-02-02T05:15:13.000Z").tzinfo == UTC
    assert xmlparse.http_time("garbage") is None and xmlparse.iso_time("") is None


def test_built_bodies_round_trip():
    doc = xmltodict.parse(xmlbuild.delete_objects(["a&b", "<c>", "d e"], quiet=True))
    assert doc["Delete"]["Quiet"] == "true"
    assert [o["Key"] for o in doc["Delete"]["Object"]] == ["a&b", "<c>", "d e"]
    doc = xmltodict.parse(xmlbuild.complete_multipart([(1, "AA"), (2, "BB")]))
    assert [(p["PartNumber"], p["ETag"]) for p in doc["CompleteMultipartUpload"]["Part"]] == [
        ("1", '"AA"'),
        ("2", '"BB"'),
    ]
    assert xmlbuild.create_bucket(None) == b""
    assert xmltodict.parse(xmlbuild.create_bucket("IA"))["CreateBucketConfiguration"]["StorageClass"] == "IA"
