"""Typed results of client operations: small dataclasses, times as aware UTC datetimes, ETags unquoted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Owner:
    id: str | None = None
    display_name: str | None = None


@dataclass
class BucketSummary:
    name: str
    location: str | None = None
    region: str | None = None
    creation_date: datetime | None = None
    storage_class: str | None = None
    extranet_endpoint: str | None = None
    intranet_endpoint: str | None = None


@dataclass
class BucketPage:
    buckets: list[BucketSummary]
    is_truncated: bool = False
    next_marker: str = ""
    prefix: str = ""
    marker: str = ""
    owner: Owner | None = None
    request_id: str | None = None  # the answer's, for an error about the listing


@dataclass
class BucketInfo(BucketSummary):
    """A bucket's summary plus what GetBucketInfo adds."""

    acl: str | None = None
    owner_id: str | None = None


@dataclass
class ObjectSummary:
    key: str
    size: int = 0
    etag: str | None = None
    last_modified: datetime | None = None
    storage_class: str | None = None
    type: str | None = None
    owner_id: str | None = None
    restore: str | None = None  # RestoreInfo of a cold object being or having been restored


@dataclass
class ObjectPage:
    objects: list[ObjectSummary]
    prefixes: list[str]
    is_truncated: bool = False
    next_marker: str = ""
    next_continuation_token: str = ""
    key_count: int | None = None
    request_id: str | None = None  # the answer's, for an error about the listing


@dataclass
class ObjectMeta:
    key: str
    size: int | None = None
    etag: str | None = None
    content_type: str | None = None
    last_modified: datetime | None = None
    crc64: int | None = None
    object_type: str | None = None
    storage_class: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    acl: str | None = None
    next_append_position: int | None = None
    restore: str | None = None  # x-oss-restore: ongoing-request="true" | ongoing-request="false", expiry…
    version_id: str | None = None  # in a bucket that has versioning
    headers: dict[str, str] = field(default_factory=dict)
    request_id: str | None = None


@dataclass
class PutResult:
    etag: str | None
    crc64: int | None
    request_id: str | None = None
    version_id: str | None = None  # in a bucket that has versioning


@dataclass
class CopyResult:
    etag: str | None
    crc64: int | None
    last_modified: datetime | None = None
    version_id: str | None = None  # of the copy, in a bucket that has versioning
    source_version_id: str | None = None  # of the source, when one was named


@dataclass
class AppendResult:
    next_position: int
    crc64: int | None
    etag: str | None = None


@dataclass
class PartResult:
    part_number: int
    etag: str
    size: int | None = None
    crc64: int | None = None


@dataclass
class CompleteResult:
    etag: str | None
    crc64: int | None
    location: str | None = None
    request_id: str | None = None
    version_id: str | None = None  # in a bucket that has versioning


@dataclass
class PartInfo:
    part_number: int
    etag: str
    size: int
    last_modified: datetime | None = None


@dataclass
class PartPage:
    parts: list[PartInfo]
    is_truncated: bool = False
    next_part_number_marker: int = 0
    request_id: str | None = None  # the answer's, for an error about the listing


@dataclass
class UploadInfo:
    key: str
    upload_id: str
    initiated: datetime | None = None


@dataclass
class UploadPage:
    uploads: list[UploadInfo]
    prefixes: list[str]
    is_truncated: bool = False
    next_key_marker: str = ""
    next_upload_id_marker: str = ""
    request_id: str | None = None  # the answer's, for an error about the listing


@dataclass
class ObjectVersion(ObjectSummary):
    """One version of an object, or a delete marker (`delete_marker`: no body, size 0)."""

    version_id: str = ""
    is_latest: bool = False
    delete_marker: bool = False


@dataclass
class VersionPage:
    versions: list[ObjectVersion]  # versions and delete markers, keys in order, each key's newest first
    prefixes: list[str]
    is_truncated: bool = False
    next_key_marker: str = ""
    next_version_id_marker: str = ""
    request_id: str | None = None  # the answer's, for an error about the listing


@dataclass
class DeleteResult:
    """What a delete did: in a versioned bucket, the version it removed or the delete marker it made."""

    key: str
    version_id: str | None = None
    delete_marker: bool = False
    delete_marker_version_id: str | None = None
