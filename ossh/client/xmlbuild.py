"""Request bodies the client sends (bucket configuration, batch delete, multipart completion) as XML bytes."""
from __future__ import annotations

from typing import Iterable

import xmltodict


def _dump(doc: dict) -> bytes:
    return xmltodict.unparse(doc, encoding="utf-8").encode("utf-8")


def create_bucket(storage_class: str | None) -> bytes:
    return _dump({"CreateBucketConfiguration": {"StorageClass": storage_class}}) if storage_class else b""


def delete_objects(keys: Iterable[str], quiet: bool) -> bytes:
    # Keys go as escaped XML text, as both official SDKs send them; the answer lists them URL-encoded.
    return _dump({"Delete": {"Quiet": "true" if quiet else "false", "Object": [{"Key": k} for k in keys]}})


def complete_multipart(parts: Iterable[tuple[int, str]]) -> bytes:
    return _dump({"CompleteMultipartUpload": {
        "Part": [{"PartNumber": str(n), "ETag": f'"{etag}"'} for n, etag in parts]}})


def create_bucket_location(location: str) -> bytes:
    """The 2013 API's PutBucket body naming the region (`oss-cn-hangzhou`)."""
    return _dump({"CreateBucketConfiguration": {"LocationConstraint": location}})
