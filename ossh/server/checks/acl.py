"""ACLs and permissions as values: the access an operation needs, which canned ACL grants it to others than
the owner, and the check of an ACL a request names."""

from __future__ import annotations

import enum

from ossh.protocol import BUCKET_ACLS, H_ACL, Acl

from ..wire.errors import invalid_argument


class Permission(enum.Enum):
    """What an operation needs of the requester. The bucket's owner may do everything; others get READ, LIST
    or WRITE only where the effective ACL (the object's, else the bucket's) grants it."""

    ACCOUNT = "account"  # any signed request (ListBuckets, PutBucket)
    OWNER = "owner"  # the bucket's owner only (ACLs, configurations, tags)
    LIST = "list"  # list the bucket: the bucket's ACL decides
    READ = "read"  # read an object: the object's ACL decides, else the bucket's
    WRITE = "write"  # write an object: likewise
    FORM = "form"  # PostObject: the form carries its own signature, which its handler checks


PUBLIC_ACLS = (Acl.PUBLIC_READ.value, Acl.PUBLIC_READ_WRITE.value)
_GRANTED_BY = {
    Permission.LIST: PUBLIC_ACLS,
    Permission.READ: PUBLIC_ACLS,
    Permission.WRITE: (Acl.PUBLIC_READ_WRITE.value,),
}


def grants(acl: str, permission: Permission) -> bool:
    """Whether the canned ACL `acl` lets anyone (not only the owner) do `permission`."""
    return acl in _GRANTED_BY.get(permission, ())


def check_acl(value: str, allowed=BUCKET_ACLS, name: str = H_ACL) -> str:
    if value not in allowed:
        raise invalid_argument("no such bucket access control exists", name, value)
    return value
