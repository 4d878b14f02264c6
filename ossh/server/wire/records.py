"""Plain records that pass between the floors: buckets, objects and their attributes, accounts. Data only,
and the owner id an account without one is given."""

from __future__ import annotations

import hashlib
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


def derived_owner_id(access_key_id: str) -> str:
    """The owner id (OSS's numeric uid) of an account known only by its key: 16 decimal digits, no leading
    zero, from a hash of the key id, so it is the same at every start and shows nothing of the key."""
    digest = int.from_bytes(hashlib.sha256(b"ossh owner id\0" + access_key_id.encode()).digest()[:8], "big")
    return str(10**15 + digest % (9 * 10**15))


@dataclass
class Account:
    """One access key of an account. The account is its owner id: buckets belong to it, listings show it,
    and two keys with one id are one account. Without an explicit `id` it is derived from the key id."""

    access_key_id: str
    access_key_secret: str
    security_token: str | None = None
    id: str = ""

    def __post_init__(self):
        if not self.id:
            self.id = derived_owner_id(self.access_key_id)

    @property
    def owner_id(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"Account({self.access_key_id!r}, id={self.id!r})"
