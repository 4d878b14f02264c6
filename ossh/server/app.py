"""Request dispatch for the embedded server: route by method/scope/sub-resource, validate names,
authenticate, then apply bucket and object ACLs before an operation handler runs."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from ossh.client.auth import SUB_RESOURCES

from . import (bucket_config_ops, bucket_ops, cors, multipart_ops, object_ops, object_read, post_object, referer,
               restore, symlink_ops, tagging, throttle)
from .auth_check import Account, authenticate
from .config_store import ConfigStore
from .context import Request, Response
from .errors import OssServerError
from .multipart import Multipart
from .storage import DEFAULT_ACL, PUBLIC_READ, PUBLIC_READ_WRITE, Store

# Access an operation needs. ANY_ACCOUNT: any signed request; OWNER: the bucket's owner; READ/WRITE/LIST:
# the owner, or anyone when the effective ACL allows it.
ANY_ACCOUNT, OWNER, LIST, READ, WRITE = "account", "owner", "list", "read", "write"
FORM = "form"       # PostObject: the form carries its own signature, checked by the handler

# Parameters that may accompany any operation without selecting a different one.
_NEUTRAL = {"security-token", "continuation-token", "x-oss-traffic-limit", "x-oss-request-payer"}
# Parameters oss2 does not sign (so not sub-resources) that still select a service operation.
_SERVICE_SELECTORS = {"regions"}


@dataclass(frozen=True)
class Op:
    handler: Callable
    access: str


_ROUTES: dict[tuple[str, str, frozenset], Op] = {
    ("GET", "service", frozenset()): Op(bucket_ops.list_buckets, ANY_ACCOUNT),
    ("PUT", "bucket", frozenset()): Op(bucket_ops.create_bucket, ANY_ACCOUNT),
    ("DELETE", "bucket", frozenset()): Op(bucket_ops.delete_bucket, OWNER),
    ("GET", "bucket", frozenset()): Op(bucket_ops.list_objects, LIST),
    ("HEAD", "bucket", frozenset()): Op(bucket_ops.head_bucket, LIST),
    ("GET", "bucket", frozenset({"acl"})): Op(bucket_ops.get_bucket_acl, OWNER),
    ("PUT", "bucket", frozenset({"acl"})): Op(bucket_ops.put_bucket_acl, OWNER),
    ("GET", "bucket", frozenset({"bucketInfo"})): Op(bucket_ops.get_bucket_info, OWNER),
    ("GET", "bucket", frozenset({"location"})): Op(bucket_ops.get_bucket_location, OWNER),
    ("GET", "bucket", frozenset({"stat"})): Op(bucket_ops.get_bucket_stat, OWNER),
    ("GET", "bucket", frozenset({"uploads"})): Op(multipart_ops.list_uploads, LIST),
    ("POST", "bucket", frozenset({"delete"})): Op(object_ops.delete_objects, WRITE),
    ("POST", "bucket", frozenset()): Op(post_object.post_object, FORM),
    ("GET", "object", frozenset()): Op(object_read.get_object, READ),
    ("HEAD", "object", frozenset()): Op(object_read.head_object, READ),
    ("HEAD", "object", frozenset({"objectMeta"})): Op(object_read.get_object_meta, READ),
    ("PUT", "object", frozenset()): Op(object_ops.put_or_copy_object, WRITE),
    ("DELETE", "object", frozenset()): Op(object_ops.delete_object, WRITE),
    ("POST", "object", frozenset({"append", "position"})): Op(object_ops.append_object, WRITE),
    ("POST", "object", frozenset({"append"})): Op(object_ops.append_object, WRITE),
    ("GET", "object", frozenset({"acl"})): Op(object_ops.get_object_acl, OWNER),
    ("PUT", "object", frozenset({"acl"})): Op(object_ops.put_object_acl, OWNER),
    ("PUT", "object", frozenset({"symlink"})): Op(symlink_ops.put_symlink, WRITE),
    ("GET", "object", frozenset({"symlink"})): Op(symlink_ops.get_symlink, READ),
    ("POST", "object", frozenset({"restore"})): Op(restore.restore_object, WRITE),
    ("POST", "object", frozenset({"uploads"})): Op(multipart_ops.initiate, WRITE),
    ("PUT", "object", frozenset({"uploadId", "partNumber"})): Op(multipart_ops.upload_part, WRITE),
    ("POST", "object", frozenset({"uploadId"})): Op(multipart_ops.complete, WRITE),
    ("DELETE", "object", frozenset({"uploadId"})): Op(multipart_ops.abort, WRITE),
    ("GET", "object", frozenset({"uploadId"})): Op(multipart_ops.list_parts, WRITE),
    ("GET", "service", frozenset({"regions"})): Op(bucket_ops.describe_regions, ANY_ACCOUNT),
    ("GET", "bucket", frozenset({"live"})): Op(bucket_ops.list_live_channels, OWNER),
    ("GET", "service", frozenset({"regionList"})): Op(bucket_ops.list_buckets, ANY_ACCOUNT),   # Region is always there
    ("GET", "object", frozenset({"tagging"})): Op(tagging.get_object_tagging, OWNER),
    ("PUT", "object", frozenset({"tagging"})): Op(tagging.put_object_tagging, OWNER),
    ("DELETE", "object", frozenset({"tagging"})): Op(tagging.delete_object_tagging, OWNER),
    ("GET", "bucket", frozenset({"tagging"})): Op(tagging.get_bucket_tagging, OWNER),
    ("PUT", "bucket", frozenset({"tagging"})): Op(tagging.put_bucket_tagging, OWNER),
    ("DELETE", "bucket", frozenset({"tagging"})): Op(tagging.delete_bucket_tagging, OWNER),
}
# Bucket configurations: GET and PUT for each; DELETE where OSS has one (referer and requestPayment are reset by
# a PUT instead).
for _name in (*bucket_config_ops.KINDS, "policy"):
    _ROUTES[("GET", "bucket", frozenset({_name}))] = Op(bucket_config_ops.get_config, OWNER)
    _ROUTES[("PUT", "bucket", frozenset({_name}))] = Op(bucket_config_ops.put_config, OWNER)
    if _name not in ("referer", "requestPayment"):
        _ROUTES[("DELETE", "bucket", frozenset({_name}))] = Op(bucket_config_ops.delete_config, OWNER)


def route(req: Request) -> Op:
    scope = "object" if req.key else ("bucket" if req.bucket else "service")
    subs = frozenset(p for p in req.params if (p in SUB_RESOURCES or (scope == "service" and p in _SERVICE_SELECTORS))
                     and p not in _NEUTRAL and not p.startswith("response-"))
    op = _ROUTES.get((req.method, scope, subs))
    if op is None:
        raise OssServerError("NotImplemented", Method=req.method, ResourceType=scope,
                             SubResources=",".join(sorted(subs)) or None)
    return op


def validate_names(req: Request) -> None:
    if req.bucket is not None:
        bucket_ops.check_bucket_name(req.bucket)
    if req.key is not None:
        object_ops.check_key(req.key)


class App:
    """Everything a request needs: the store, the accounts, the region and how to reach this server."""

    def __init__(self, store: Store, accounts: dict[str, Account], region: str):
        self.store = store
        self.multipart = Multipart(store)
        self.configs = ConfigStore(store.db)
        self.accounts = accounts
        self.region = region
        self.host = ""              # host:port, set once the socket is bound
        self.clock = time.time      # what restores are timed by: tests drive a fake one
        self.restore_delay = restore.DEFAULT_RESTORE_DELAY
        self._active = 0
        self._idle = threading.Condition()

    @contextmanager
    def busy(self):
        """Marks a request in progress (body sent included): stop() waits for these to finish."""
        with self._idle:
            self._active += 1
        try:
            yield
        finally:
            with self._idle:
                self._active -= 1
                self._idle.notify_all()

    def wait_idle(self, timeout: float) -> bool:
        with self._idle:
            return self._idle.wait_for(lambda: self._active == 0, timeout)

    def handle(self, req: Request) -> Response:
        validate_names(req)
        if req.method == "OPTIONS":
            return self.preflight(req)
        op = route(req)
        throttle.check_traffic_limit(req)
        bucket = None
        if req.bucket and not (req.method == "PUT" and req.key is None):
            # Bucket existence is checked before the signature, as OSS does for everything but PutBucket(Acl).
            bucket = self.store.require_bucket(req.bucket)
        req.account = authenticate(req.signable(), self.accounts, self.region)
        if bucket is None and req.bucket and op.access != ANY_ACCOUNT:
            bucket = self.store.require_bucket(req.bucket)
        self.authorize(req, op.access, bucket)
        req.bucket_row = bucket
        try:
            resp = op.handler(self, req)
        except object_read.NotModified as unchanged:   # GET/HEAD, and copies with x-oss-copy-source-if-*
            resp = unchanged.response()
        if bucket is not None and req.header("origin"):
            cors.add_headers(self, req, resp)
        return resp

    def preflight(self, req: Request) -> Response:
        """CORS preflight: anonymous by design (browsers send no credentials), answered from the bucket's rules."""
        if not req.bucket:
            raise OssServerError("AccessForbidden", "CORSResponse: a preflight request names a bucket.", status=403)
        req.bucket_row = self.store.require_bucket(req.bucket)
        return cors.preflight(self, req)

    def authorize(self, req: Request, access: str, bucket, key: str | None = None) -> None:
        """Raise AccessDenied unless `req.account` may do `access` on the bucket (and key)."""
        if access == FORM:
            return
        if access == ANY_ACCOUNT:
            if req.account is None:
                raise OssServerError("AccessDenied", "Anonymous access is forbidden for this operation.")
            return
        if req.account is not None and req.account.owner_id == bucket.owner:
            return
        if access == OWNER:
            raise OssServerError("AccessDenied", "You are forbidden to access this resource.")
        if self.blocks_public_access(bucket.name):
            raise OssServerError("AccessDenied", "Public access to this bucket is blocked.")
        referer.check(self, bucket.name, req.header("referer"))
        acl = bucket.acl
        key = key if key is not None else req.key
        if access in (READ, WRITE) and key:
            record = self.store.get(bucket.name, key)
            if record is not None and record.attrs.acl != DEFAULT_ACL:
                acl = record.attrs.acl
        allowed = {PUBLIC_READ_WRITE} if access == WRITE else {PUBLIC_READ, PUBLIC_READ_WRITE}
        if acl not in allowed:
            raise OssServerError("AccessDenied", "You have no right to access this object because of bucket acl."
                                 if acl == bucket.acl else "You have no right to access this object.")

    def check_public_acl(self, bucket: str, acl: str) -> None:
        """A public ACL cannot be set while the bucket blocks public access."""
        if acl in (PUBLIC_READ, PUBLIC_READ_WRITE) and self.blocks_public_access(bucket):
            raise OssServerError("AccessDenied", "Public access is blocked for this bucket: a public ACL cannot "
                                 "be set.")

    def blocks_public_access(self, bucket: str) -> bool:
        config = bucket_config_ops.stored(self, bucket, "publicAccessBlock")
        return config is not None and config.get("BlockPublicAccess") == "true"
