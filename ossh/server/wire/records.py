"""Plain records that pass between the floors: buckets, objects and their attributes, accounts. Data only."""

from __future__ import annotations

from dataclasses import dataclass, field

from ossh.protocol import NULL_VERSION, STANDARD, Acl


@dataclass
class Bucket:
    name: str
    owner: str
    acl: str
    storage_class: str
    location: str
    created: float


@dataclass
class ObjectAttrs:
    """What a writer says about an object besides its bytes."""

    content_type: str = "application/octet-stream"
    headers: dict[str, str] = field(default_factory=dict)  # Cache-Control, Content-Disposition, ...
    meta: dict[str, str] = field(default_factory=dict)  # x-oss-meta-* without the prefix
    acl: str = Acl.DEFAULT.value
    storage_class: str = STANDARD


@dataclass
class ObjectRecord:
    bucket: str
    key: str
    body: str  # the body column: one id, or pieces (see store.pieces)
    size: int
    etag: str
    crc64: int
    type: str
    attrs: ObjectAttrs
    mtime: float
    pieces: list[tuple[str, int]] = field(default_factory=list)  # the body's files and sizes, in order
    version_id: str | None = NULL_VERSION  # None: written to a bucket that never had versioning


@dataclass
class Account:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    @property
    def owner_id(self) -> str:
        return self.access_key_id

    def __repr__(self) -> str:
        return f"Account({self.access_key_id!r})"
