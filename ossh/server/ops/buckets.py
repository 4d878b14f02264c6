"""Service and bucket operations: ListBuckets, Put/DeleteBucket, bucket info/location/stat/ACL, listings."""

from __future__ import annotations

import base64
import binascii

from ossh.protocol import H_ACL, MAX_LIST, STANDARD, STORAGE_CLASSES

from ..checks.acl import check_acl
from ..checks.headers import check_storage_class
from ..checks.names import encoder
from ..store import versions
from ..store.listing import list_objects as scan_objects
from ..wire.errors import OssServerError, invalid_argument
from ..wire.message import Request, Response
from ..wire.xmlio import acl_policy, document, iso_time, owner, parse, quoted_etag
from . import bucket_configs
from .restore import restore_header
from .tagging import bucket_tags


def _endpoints(app) -> list[tuple[str, str]]:
    return [("ExtranetEndpoint", app.host), ("IntranetEndpoint", app.host)]


def _bucket_summary(app, bucket) -> list[tuple[str, object]]:
    return [
        ("CreationDate", iso_time(bucket.created)),
        *_endpoints(app),
        ("Location", bucket.location),
        ("Name", bucket.name),
        ("Region", bucket.location.removeprefix("oss-")),
        ("StorageClass", bucket.storage_class),
    ]


def list_buckets(app, req: Request) -> Response:
    prefix, marker = req.param("prefix"), req.param("marker")
    max_keys = req.int_param("max-keys", 100, 1, MAX_LIST)
    tag_key, tag_value = req.param("tag-key"), req.param("tag-value")
    if tag_key:
        buckets, truncated = _tagged_buckets(app, req.owner_id, prefix, marker, max_keys, tag_key, tag_value)
    else:
        buckets, truncated = app.store.list_buckets(req.owner_id, prefix, marker, max_keys)
    children = [("Prefix", prefix), ("Marker", marker), ("MaxKeys", max_keys), ("IsTruncated", truncated)]
    if truncated:
        children.append(("NextMarker", buckets[-1].name))
    children += [("Owner", owner(req.owner_id)), ("Buckets", [("Bucket", _bucket_summary(app, b)) for b in buckets])]
    return Response.xml(document("ListAllMyBucketsResult", children))


def _tagged_buckets(app, owner_id, prefix, marker, max_keys, tag_key, tag_value):
    """ListBuckets with tag-key (and tag-value): the owner's buckets scanned in pages, keeping the tagged ones."""
    found = []
    while True:
        page, more = app.store.list_buckets(owner_id, prefix, marker, MAX_LIST)
        for b in page:
            tags = dict(bucket_tags(app, b.name))
            if tag_key in tags and (not tag_value or tags[tag_key] == tag_value):
                found.append(b)
                if len(found) > max_keys:
                    return found[:max_keys], True
        if not more:
            return found, False
        marker = page[-1].name


def create_bucket(app, req: Request) -> Response:
    acl = req.header(H_ACL) or None
    if acl is not None:
        check_acl(acl)
        existing = app.store.bucket(req.bucket)
        if existing is not None and existing.owner == req.owner_id:  # PutBucket again sets the ACL: as PutBucketAcl
            app.access.check_public_acl(req.bucket, acl)
    storage_class = STANDARD
    body = req.body.read_all()
    if body.strip():
        config = parse(body, "CreateBucketConfiguration")
        storage_class = check_storage_class(str(config.get("StorageClass") or STANDARD).strip(), "StorageClass")
    encryption = bucket_configs.encryption_from_headers(req)
    app.store.create_bucket(req.bucket, req.owner_id, acl, storage_class, "oss-" + app.region)
    if encryption is not None:
        bucket_configs.store_document(app, req.bucket, "encryption", encryption)
    return Response(200, {"Location": "/" + req.bucket})


def delete_bucket(app, req: Request) -> Response:
    app.store.delete_bucket(req.bucket)
    return Response(204)


def head_bucket(app, req: Request) -> Response:
    return Response(200, {"x-oss-bucket-region": app.region})


def get_bucket_acl(app, req: Request) -> Response:
    bucket = req.bucket_row
    return Response.xml(acl_policy(bucket.owner, bucket.acl))


def put_bucket_acl(app, req: Request) -> Response:
    acl = check_acl(req.header(H_ACL))
    app.access.check_public_acl(req.bucket, acl)
    app.store.set_bucket_acl(req.bucket, acl)
    return Response(200, {"Location": "/" + req.bucket})


def get_bucket_info(app, req: Request) -> Response:
    b = req.bucket_row
    info = [
        *_bucket_summary(app, b),
        ("Owner", owner(b.owner)),
        ("AccessControlList", [("Grant", b.acl)]),
        ("DataRedundancyType", "LRS"),
        ("AccessMonitor", "Disabled"),
        ("TransferAcceleration", "Disabled"),
        ("CrossRegionReplication", "Disabled"),
    ]
    versioning = app.configs.get(b.name, "versioning")
    if versioning:  # no Versioning element for a bucket that never had versioning, as on OSS
        info.append(("Versioning", versioning.decode()))
    info += [
        ("ServerSideEncryptionRule", _encryption_summary(app, b.name)),
        ("Comment", ""),
        ("BlockPublicAccess", app.access.blocks_public_access(b.name)),
    ]
    return Response.xml(document("BucketInfo", [("Bucket", info)]))


def _encryption_summary(app, bucket: str) -> list[tuple[str, object]]:
    rule = (app.configs.document(bucket, "encryption") or {}).get("ApplyServerSideEncryptionByDefault") or {}
    summary = [("SSEAlgorithm", rule.get("SSEAlgorithm") or "None")]
    for name in ("KMSMasterKeyID", "KMSDataEncryption"):
        if rule.get(name):
            summary.append((name, rule[name]))
    return summary


def get_bucket_location(app, req: Request) -> Response:
    return Response.xml(document("LocationConstraint", req.bucket_row.location))


def get_bucket_stat(app, req: Request) -> Response:
    stat = app.store.bucket_stat(req.bucket)
    by_class, newest = app.configs.class_stat(req.bucket)
    children = [*stat.items(), ("LiveChannelCount", 0), ("LastModifiedTime", newest)]
    for storage_class, prefix in _STAT_NAMES:
        size, count = by_class.get(storage_class, (0, 0))
        children.append((prefix + "Storage", size))
        if storage_class != STANDARD:
            children.append((prefix + "RealStorage", size))
        children.append((prefix + "ObjectCount", count))
    children += [
        ("MultipartPartCount", app.configs.part_count(req.bucket)),
        ("DeleteMarkerCount", versions.marker_count(app.store.db.conn(), req.bucket)),
    ]
    return Response.xml(document("BucketStat", children))


# GetBucketStat's per-class element names: <prefix>Storage, <prefix>RealStorage, <prefix>ObjectCount.
_STAT_NAMES = tuple(
    zip(STORAGE_CLASSES, ("Standard", "InfrequentAccess", "Archive", "ColdArchive", "DeepColdArchive"), strict=True)
)


def describe_regions(app, req: Request) -> Response:
    """The one region this server serves, with itself as every endpoint; another named region is NoSuchRegion."""
    wanted = req.param("regions")
    if wanted and wanted.removeprefix("oss-") != app.region:
        raise OssServerError("NoSuchRegion", f"The region {wanted} does not exist.", status=404, Region=wanted)
    info = [
        ("Region", "oss-" + app.region),
        ("InternetEndpoint", app.host),
        ("InternalEndpoint", app.host),
        ("AccelerateEndpoint", app.host),
    ]
    return Response.xml(document("RegionInfoList", [("RegionInfo", info)]))


def _contents(obj, owner_id: str | None, enc, now: float) -> list[tuple[str, object]]:
    entry = [
        ("Key", enc(obj.key)),
        ("LastModified", iso_time(obj.mtime)),
        ("ETag", quoted_etag(obj.etag)),
        ("Type", obj.type),
        ("Size", obj.size),
        ("StorageClass", obj.attrs.storage_class),
    ]
    if restoring := restore_header(obj, now):
        entry.append(("RestoreInfo", restoring))
    if owner_id is not None:
        entry.append(("Owner", owner(owner_id)))
    return entry


def _token_encode(marker: str) -> str:
    return base64.urlsafe_b64encode(marker.encode()).decode().rstrip("=")


def _token_decode(token: str) -> str:
    try:
        return base64.b64decode(token + "=" * (-len(token) % 4), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid_argument("The continuation token is not valid.", "continuation-token", token) from None


def list_objects(app, req: Request) -> Response:
    enc, encoding = encoder(req)
    bucket = req.bucket_row
    prefix, delimiter = req.param("prefix"), req.param("delimiter")
    max_keys = req.int_param("max-keys", 100, 1, MAX_LIST)
    v2 = req.param("list-type") == "2"
    if v2:
        token, start_after = req.param("continuation-token"), req.param("start-after")
        after = _token_decode(token) if token else start_after
    else:
        after = req.param("marker")
    page = scan_objects(app.store.db, req.bucket, prefix, after, delimiter, max_keys)
    head = [("Name", req.bucket), ("Prefix", enc(prefix))]
    if v2:
        if start_after:
            head.append(("StartAfter", enc(start_after)))
        if token:
            head.append(("ContinuationToken", token))
        head += [("MaxKeys", max_keys), ("Delimiter", enc(delimiter))]
    else:
        head += [("Marker", enc(after)), ("MaxKeys", max_keys), ("Delimiter", enc(delimiter))]
    head += encoding
    head.append(("IsTruncated", page.truncated))
    if v2:
        head.append(("KeyCount", len(page.entries) + len(page.prefixes)))
        if page.truncated:
            head.append(("NextContinuationToken", _token_encode(page.next_marker)))
    elif page.truncated:
        head.append(("NextMarker", enc(page.next_marker)))
    show_owner = bucket.owner if (not v2 or req.param("fetch-owner") == "true") else None
    head += [("Contents", _contents(o, show_owner, enc, app.clock())) for o in page.entries]
    head += [("CommonPrefixes", [("Prefix", enc(p))]) for p in page.prefixes]
    return Response.xml(document("ListBucketResult", head))


def list_live_channels(app, req: Request) -> Response:
    """RTMP live channels are another service; this server has none, and says so as OSS lists them (cleanup
    code such as oss2's lists them before deleting a bucket)."""
    max_keys = req.int_param("max-keys", 100, 1, MAX_LIST)
    children = [
        ("Prefix", req.param("prefix")),
        ("Marker", req.param("marker")),
        ("MaxKeys", max_keys),
        ("IsTruncated", False),
        ("NextMarker", ""),
    ]
    return Response.xml(document("ListLiveChannelResult", children))
