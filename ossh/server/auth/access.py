"""Authorisation: whether a request's account may do what an operation needs on a bucket or object — the owner
always; others as the effective ACL grants (the object's, else the bucket's), unless the bucket blocks public
access or its referer rules turn the request away. Every ACL decision of the server is made here."""

from __future__ import annotations

from ossh.protocol import Acl

from ..checks.acl import PUBLIC_ACLS, Permission, grants
from ..store.configs import ConfigStore
from ..store.store import Store
from ..wire.errors import OssServerError
from ..wire.records import Bucket
from . import referer


class Access:
    def __init__(self, store: Store, configs: ConfigStore):
        self.store, self.configs = store, configs

    def authorize(self, req, permission: Permission, bucket: Bucket | None, key: str | None = None) -> None:
        """Raise AccessDenied unless `req.account` may do `permission` on the bucket (and key, by default the
        request's own)."""
        if permission is Permission.FORM:
            return
        if permission is Permission.ACCOUNT:
            if req.account is None:
                raise OssServerError("AccessDenied", "Anonymous access is forbidden for this operation.")
            return
        if req.account is not None and req.account.owner_id == bucket.owner:
            return
        if permission is Permission.OWNER:
            raise OssServerError("AccessDenied", "You are forbidden to access this resource.")
        if self.blocks_public_access(bucket.name):
            raise OssServerError("AccessDenied", "Public access to this bucket is blocked.")
        referer.check(self.configs, bucket.name, req.header("referer"))
        acl = bucket.acl
        key = key if key is not None else req.key
        if permission in (Permission.READ, Permission.WRITE) and key:
            record = self._addressed(req, bucket.name, key)
            if record is not None and record.attrs.acl != Acl.DEFAULT:
                acl = record.attrs.acl
        if not grants(acl, permission):
            raise OssServerError(
                "AccessDenied",
                "You have no right to access this object because of bucket acl."
                if acl == bucket.acl
                else "You have no right to access this object.",
            )

    def check_public_acl(self, bucket: str, acl: str) -> None:
        """A public ACL cannot be set while the bucket blocks public access."""
        if acl in PUBLIC_ACLS and self.blocks_public_access(bucket):
            raise OssServerError(
                "AccessDenied", "Public access is blocked for this bucket: a public ACL cannot be set."
            )

    def _addressed(self, req, bucket: str, key: str):
        """The record whose ACL decides: the version the request names (when it names an existing version of
        this very key), else the current one."""
        version_id = req.params.get("versionId") if (bucket, key) == (req.bucket, req.key) else None
        record = self.store.get_version(bucket, key, version_id) if version_id else None
        return record if record is not None else self.store.get(bucket, key)

    def blocks_public_access(self, bucket: str) -> bool:
        config = self.configs.document(bucket, "publicAccessBlock")
        return config is not None and config.get("BlockPublicAccess") == "true"
