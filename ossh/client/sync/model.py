"""What sync works with: the two sides (a local directory, an OSS prefix), the entries walked on each,
the options, and what it reports (one Action per thing done or refused, and a Summary)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import datetime

from ..errors import ClientError
from ..transfer_config import DEFAULT_THRESHOLD, TransferConfig

_PLAIN_MD5 = re.compile(r"[0-9a-fA-F]{32}")


@dataclass(frozen=True)
class LocalDir:
    path: str

    def show(self, rel: str = "") -> str:
        return os.path.join(self.path, *rel.split("/")) if rel else self.path


@dataclass(frozen=True)
class OssPrefix:
    bucket: str
    prefix: str = ""  # "" or ending in "/"

    def key(self, rel: str) -> str:
        return self.prefix + rel

    def show(self, rel: str = "") -> str:
        return f"oss://{self.bucket}/{self.prefix}{rel}"


Side = LocalDir | OssPrefix


def location(text: str) -> Side:
    """`oss://bucket[/prefix]` (always taken as a prefix, as aws s3 sync does) or a local directory."""
    if text.startswith("oss://"):
        bucket, _, prefix = text[len("oss://") :].partition("/")
        if not bucket:
            raise ClientError(f"no bucket in {text!r}")
        return OssPrefix(bucket, prefix if not prefix or prefix.endswith("/") else prefix + "/")
    return LocalDir(os.path.abspath(os.path.expanduser(text)))


@dataclass
class LocalFile:
    rel: str  # path under the root, `/`-separated: the key suffix it maps to
    path: str
    st: os.stat_result

    @property
    def size(self) -> int:
        return self.st.st_size

    @property
    def mtime(self) -> float:
        return self.st.st_mtime_ns / 1e9


@dataclass
class RemoteObject:
    rel: str
    key: str
    size: int
    etag: str | None = None
    last_modified: datetime | None = None
    type: str | None = None

    @property
    def mtime(self) -> float:
        return self.last_modified.timestamp() if self.last_modified else 0.0

    @property
    def md5(self) -> str | None:
        """The content MD5 when the ETag is one (a Normal object: one PUT or a copy of one), else None."""
        return plain_md5(self.etag, self.type)


def plain_md5(etag: str | None, object_type: str | None) -> str | None:
    if etag and object_type in (None, "Normal") and _PLAIN_MD5.fullmatch(etag):
        return etag.lower()
    return None


@dataclass
class SyncOptions:
    rule: str = "content"  # content | size-only | update | checksum
    delete: bool = False
    dry_run: bool = False
    filters: list[tuple[str, str]] = field(default_factory=list)  # ("include"|"exclude", glob), in order
    exclude_dirs: list[str] = field(default_factory=list)
    follow_symlinks: bool = True
    jobs: int = 8
    checkpoint_dir: str | None = None  # where big transfers keep what they need to resume
    multipart_threshold: int = DEFAULT_THRESHOLD  # bigger files go in parallel parts (resumable with checkpoint_dir)
    part_size: int | None = None

    def transfer_config(self) -> TransferConfig:
        """How each file's transfer runs (checked: a bad value is a ClientError naming it)."""
        return TransferConfig(
            threshold=self.multipart_threshold, part_size=self.part_size, checkpoint_dir=self.checkpoint_dir
        )


@dataclass
class Action:
    """One thing sync did, would do (dry run), refused or noted.
    kind: upload | download | copy | delete | unchanged | skip (a name that cannot be synced: counts as a
    failure) | note (nothing to do, worth saying: an empty directory, a symlink not followed) | failed."""

    kind: str
    src: str = ""  # what was read (a local path or oss:// URI)
    dst: str = ""  # what was written or deleted
    size: int | None = None
    reason: str = ""  # why: new / size / content / newer; or what went wrong
    op: str = ""  # for failed: the operation that failed (upload, delete, list...)


TRANSFERS = ("upload", "download", "copy")


@dataclass
class Summary:
    dry_run: bool = False
    verb: str = "upload"  # what this direction's transfers are
    transferred: int = 0
    transferred_bytes: int = 0
    unchanged: int = 0
    deleted: int = 0
    deleted_bytes: int = 0
    failed: int = 0
    skipped: int = 0
    notes: int = 0
    hashed_files: int = 0  # local files read to hash them (the cache spares the rest)
    hashed_bytes: int = 0
    heads: int = 0  # HEAD requests made to learn a CRC-64

    def count(self, action: Action) -> None:
        if action.kind in TRANSFERS:
            self.transferred += 1
            self.transferred_bytes += action.size or 0
        elif action.kind == "delete":
            self.deleted += 1
            self.deleted_bytes += action.size or 0
        elif action.kind == "unchanged":
            self.unchanged += 1
        elif action.kind == "failed":
            self.failed += 1
        elif action.kind == "skip":
            self.skipped += 1
        elif action.kind == "note":
            self.notes += 1

    @property
    def ok(self) -> bool:
        return not (self.failed or self.skipped)
