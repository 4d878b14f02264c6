"""OSS's names and limits: the one vocabulary that client, server and shell all speak.

Plain constants and a few enums, no behaviour beyond spelling checks; importing it costs nothing.
Anything OSS itself defines (ACL names, storage classes, header names, size and count limits) lives
here; a default ossh chose for itself (part size, thresholds, concurrency) lives with its owner.
"""

from __future__ import annotations

import enum
import re

DEFAULT_REGION = "cn-hangzhou"


class Acl(str, enum.Enum):
    """A canned ACL. An object's may also be `default` (it follows its bucket's)."""

    DEFAULT = "default"
    PRIVATE = "private"
    PUBLIC_READ = "public-read"
    PUBLIC_READ_WRITE = "public-read-write"

    def __str__(self) -> str:
        return self.value


BUCKET_ACLS = (Acl.PRIVATE.value, Acl.PUBLIC_READ.value, Acl.PUBLIC_READ_WRITE.value)
OBJECT_ACLS = (Acl.DEFAULT.value,) + BUCKET_ACLS

STANDARD, IA, ARCHIVE, COLD_ARCHIVE, DEEP_COLD_ARCHIVE = STORAGE_CLASSES = (
    "Standard",
    "IA",
    "Archive",
    "ColdArchive",
    "DeepColdArchive",
)
COLDNESS = {name: i for i, name in enumerate(STORAGE_CLASSES)}  # transitions only ever go up this order
COLD_CLASSES = (ARCHIVE, COLD_ARCHIVE, DEEP_COLD_ARCHIVE)  # unreadable until restored
RESTORE_MAX_DAYS = {ARCHIVE: 7, COLD_ARCHIVE: 365, DEEP_COLD_ARCHIVE: 365}
RESTORE_TIERS = {COLD_ARCHIVE: ("Expedited", "Standard", "Bulk"), DEEP_COLD_ARCHIVE: ("Expedited", "Standard")}

VERSIONING_ENABLED, VERSIONING_SUSPENDED = VERSIONING_STATES = ("Enabled", "Suspended")
NULL_VERSION = "null"  # the version id of an object written while versioning was off or suspended

# Bucket names: 3-63 characters of lowercase letters, digits and hyphens, no hyphen at either end.
BUCKET_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")
BUCKET_NAME_RULE = (
    "a bucket name has 3-63 characters: lowercase letters, digits and hyphens, not starting or ending with a hyphen"
)

MAX_KEY_BYTES = 1023  # UTF-8 bytes of an object key
MAX_OBJECT_SIZE = 5 << 30  # one PutObject, one part, one CopyObject
MAX_USER_META = 8 << 10  # all x-oss-meta-* headers of one object together
MIN_PART_SIZE = 100 << 10  # every part but the last
MAX_PARTS = 10_000  # part numbers run 1..MAX_PARTS
MAX_LIST = 1000  # max-keys, max-uploads, max-parts at most
MAX_DELETE_BATCH = 1000  # keys in one DeleteMultipleObjects
MAX_OBJECT_TAGS, MAX_BUCKET_TAGS = 10, 20
MAX_V4_EXPIRES = 7 * 24 * 3600  # seconds a V4 presigned URL may live

# Header names (lower case, as the server's and the signer's maps hold them).
OSS_PREFIX = "x-oss-"
META_PREFIX = "x-oss-meta-"
H_REQUEST_ID = "x-oss-request-id"
H_DATE = "x-oss-date"
H_SECURITY_TOKEN = "x-oss-security-token"
H_CONTENT_SHA256 = "x-oss-content-sha256"
H_CRC64 = "x-oss-hash-crc64ecma"
H_ACL = "x-oss-acl"
H_OBJECT_ACL = "x-oss-object-acl"
H_STORAGE_CLASS = "x-oss-storage-class"
H_OBJECT_TYPE = "x-oss-object-type"
H_NEXT_APPEND_POSITION = "x-oss-next-append-position"
H_COPY_SOURCE = "x-oss-copy-source"
H_COPY_SOURCE_RANGE = "x-oss-copy-source-range"
H_COPY_SOURCE_VERSION_ID = "x-oss-copy-source-version-id"
COPY_SOURCE_IF_PREFIX = "x-oss-copy-source-if-"  # + match, none-match, modified-since, unmodified-since
H_METADATA_DIRECTIVE = "x-oss-metadata-directive"
H_TAGGING = "x-oss-tagging"
H_TAGGING_DIRECTIVE = "x-oss-tagging-directive"
H_TAGGING_COUNT = "x-oss-tagging-count"
H_FORBID_OVERWRITE = "x-oss-forbid-overwrite"
H_SYMLINK_TARGET = "x-oss-symlink-target"
H_RESTORE = "x-oss-restore"
H_SSE = "x-oss-server-side-encryption"
H_SSE_KEY_ID = "x-oss-server-side-encryption-key-id"
H_SSE_DATA = "x-oss-server-side-data-encryption"
H_TRAFFIC_LIMIT = "x-oss-traffic-limit"
H_REQUEST_PAYER = "x-oss-request-payer"
H_VERSION_ID = "x-oss-version-id"
H_DELETE_MARKER = "x-oss-delete-marker"
H_EC = "x-oss-ec"
H_ERR = "x-oss-err"  # a HEAD error's document, base64-encoded
H_COMPLETE_ALL = "x-oss-complete-all"  # "yes": complete with every uploaded part
H_RANGE_BEHAVIOR = "x-oss-range-behavior"  # "standard": an unsatisfiable range is an error, not the whole body
