"""Authorisation: whether a request's account may do an operation on a bucket or on the object it actually reads
or writes. The bucket's owner always may; for anyone else, in OSS's order: an explicit Deny of the bucket policy,
then blocked public access, the referer rules, and the effective ACL (the object's, else the bucket's). Every
access decision of the server is made here: the route's check before a handler runs, and the handler's calls
for the records it resolves on the way (a symlink's target, a named version, a copy source, a form's key, an
index document), so that what is authorised is always what is read, written or copied."""

from __future__ import annotations

from dataclasses import dataclass

from ossh.protocol import NULL_VERSION, VERSIONING_SUSPENDED, Acl

from ..checks.acl import PUBLIC_ACLS, Permission, grants
from ..store import versions
from ..store.configs import ConfigStore, parse_document
from ..store.store import Store
from ..wire.errors import OssServerError
from ..wire.records import Bucket, ObjectRecord
from . import policy, referer

# The action an operation on one named version needs besides its own (OSS asks for both, so a Deny of either
# refuses it). An operation whose action is not here does not address versions: it acts on the current object
# whatever versionId the request carries.
VERSION_ACTIONS = {
    "oss:GetObject": "oss:GetObjectVersion",
    "oss:DeleteObject": "oss:DeleteObjectVersion",
    "oss:GetObjectAcl": "oss:GetObjectVersionAcl",
    "oss:PutObjectAcl": "oss:PutObjectVersionAcl",
    "oss:GetObjectTagging": "oss:GetObjectVersionTagging",
    "oss:PutObjectTagging": "oss:PutObjectVersionTagging",
    "oss:DeleteObjectTagging": "oss:DeleteObjectVersionTagging",
    "oss:RestoreObject": "oss:RestoreObjectVersion",
}
# The writes that replace or remove what a key holds: in a bucket whose versioning is suspended they replace the
# key's `null` version too, current or not, so that version's own ACL is asked as well.
REPLACING = ("oss:PutObject", "oss:DeleteObject")
_RULES = ("policy", "publicAccessBlock", "referer")


@dataclass(frozen=True)
class _Rules:
    """A bucket's configurations that bear on others than its owner, read together."""

    policy: bytes | None
    blocked: bool
    referer: dict | None


class Access:
    def __init__(self, store: Store, configs: ConfigStore, region: str):
        self.store, self.configs, self.region = store, configs, region

    # ------------------------------------------------------------------ the decisions

    def authorize(self, req, permission: Permission, action: str, bucket: Bucket | None) -> None:
        """The route's check: the identity, then the addressed bucket and object (the version the request
        names, for an operation that takes one). Raise AccessDenied unless `req.account` may."""
        if permission is Permission.FORM:
            return  # the form carries its own credentials: its handler authorises once it has read them
        if permission is Permission.ACCOUNT:
            if req.account is None:
                raise OssServerError("AccessDenied", "Anonymous access is forbidden for this operation.")
            return
        version_id = req.params.get("versionId") if action in VERSION_ACTIONS else None
        self.authorize_key(req, permission, action, bucket, req.key, version_id)

    def authorize_key(
        self,
        req,
        permission: Permission,
        action: str,
        bucket: Bucket,
        key: str | None,
        version_id: str | None = None,
    ) -> None:
        """An object by name (None: the bucket itself): the version `version_id` names, else the current one
        (a name with no object: the bucket's ACL decides). The object is looked up only for others than the
        owner."""
        if self.owns(req, bucket):
            return
        if permission is Permission.OWNER:
            raise OssServerError("AccessDenied", "You are forbidden to access this resource.")
        rules = self._rules(bucket.name)
        if key is None or permission not in _BY_ACL:
            self._decide(req, permission, action, bucket, rules, key, None, version_id is not None)
            return
        for record in self._lookup(bucket.name, key, version_id, permission, action):
            self._decide(req, permission, action, bucket, rules, key, record, version_id is not None)

    def authorize_keys(
        self, req, permission: Permission, action: str, bucket: Bucket, entries: list[tuple[str, str | None]]
    ) -> None:
        """Every (key, version id or None) of a batch, as authorize_key would: one refused entry refuses the
        whole request, before anything is done."""
        if self.owns(req, bucket):
            return
        rules = self._rules(bucket.name)
        for key, version_id in entries:
            for record in self._lookup(bucket.name, key, version_id, permission, action):
                self._decide(req, permission, action, bucket, rules, key, record, version_id is not None)

    def authorize_record(self, req, permission: Permission, action: str, bucket: Bucket, record: ObjectRecord):
        """A record a handler resolved and is about to read or write (a symlink's target, an index document)."""
        if self.owns(req, bucket):
            return
        self._decide(req, permission, action, bucket, self._rules(bucket.name), record.key, record, False)

    def check_public_acl(self, bucket: str, acl: str | None) -> None:
        """A public ACL cannot be set while the bucket blocks public access."""
        if acl in PUBLIC_ACLS and self.blocks_public_access(bucket):
            raise OssServerError(
                "AccessDenied", "Public access is blocked for this bucket: a public ACL cannot be set."
            )

    def blocks_public_access(self, bucket: str) -> bool:
        return _blocked(self.configs.document(bucket, "publicAccessBlock"))

    # ------------------------------------------------------------------ how

    @staticmethod
    def owns(req, bucket: Bucket) -> bool:
        """Whether the request's account owns `bucket` (its owner may do anything there)."""
        return req.account is not None and req.account.owner_id == bucket.owner

    def _lookup(self, bucket: str, key: str, version_id: str | None, permission, action) -> list[ObjectRecord | None]:
        """The records the operation reads or changes (None: no object, the bucket's ACL decides)."""
        if version_id:  # a named version stands alone: never the current object's record in its place
            return [self.store.get_version(bucket, key, version_id)]
        found = [self.store.get(bucket, key)]
        if permission is Permission.WRITE and action in REPLACING:
            conn = self.store.db.conn()
            if versions.state(conn, bucket) == VERSIONING_SUSPENDED:
                null = self.store.get_version(bucket, key, NULL_VERSION)
                if null is not None and (found[0] is None or found[0].version_id != NULL_VERSION):
                    found.append(null)
        return found

    def _rules(self, bucket: str) -> _Rules:
        found = self.configs.several(bucket, _RULES)
        return _Rules(
            found.get("policy"),
            _blocked(parse_document("publicAccessBlock", found.get("publicAccessBlock"))),
            parse_document("referer", found.get("referer")),
        )

    def _decide(self, req, permission, action, bucket, rules: _Rules, key, record, versioned: bool) -> None:
        """The decision for others than the owner, in OSS's order; the first refusal wins."""
        actions = (action, VERSION_ACTIONS[action]) if versioned and action in VERSION_ACTIONS else (action,)
        resource = policy.resource_name(self.region, bucket.owner, bucket.name, key)
        if policy.denies(rules.policy, req.account.owner_id if req.account else None, actions, resource):
            raise OssServerError("AccessDenied", "Access denied by bucket policy.")
        if rules.blocked:
            raise OssServerError("AccessDenied", "Public access to this bucket is blocked.")
        referer.check(rules.referer, req.header("referer"))
        acl = bucket.acl
        if permission in _BY_ACL and record is not None and record.attrs.acl != Acl.DEFAULT:
            acl = record.attrs.acl
        if not grants(acl, permission):
            raise OssServerError(
                "AccessDenied",
                "You have no right to access this object because of bucket acl."
                if acl == bucket.acl
                else "You have no right to access this object.",
            )


_BY_ACL = (Permission.READ, Permission.WRITE)  # the permissions an object's own ACL can decide


def _blocked(config: dict | None) -> bool:
    return config is not None and config.get("BlockPublicAccess") == "true"
