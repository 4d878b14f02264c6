"""Request dispatch for the embedded server: route by method/scope/sub-resource, validate names,
authenticate, then apply bucket and object ACLs before an operation handler runs."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable

from ossh.client.auth import SUB_RESOURCES

from . import (bucket_ops, multipart_ops, object_ops, object_read, post_object, restore, symlink_ops,
               throttle)
from .auth_check import Account, authenticate
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
}


def route(req: Request) -> Op:
    scope = "object" if req.key else ("bucket" if req.bucket else "service")
    subs = frozenset(p for p in req.params if p in SUB_RESOURCES and p not in _NEUTRAL
                     and not p.startswith("response-"))
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
            return op.handler(self, req)
        except object_read.NotModified as unchanged:   # GET/HEAD, and copies with x-oss-copy-source-if-*
            return unchanged.response()

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
