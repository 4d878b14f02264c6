"""Request dispatch for the embedded server: route by method/scope/sub-resource, validate names,
authenticate, then authorise (auth.access) before an operation handler runs."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from ossh.client.auth import SUB_RESOURCES

from .auth.access import Access
from .auth.signatures import authenticate
from .checks.acl import Permission
from .checks.headers import check_traffic_limit
from .checks.names import check_bucket_name, check_key
from .ops import (
    bucket_configs,
    buckets,
    cors,
    multipart,
    object_read,
    object_write,
    post_object,
    restore,
    symlink,
    tagging,
    versioning,
)
from .store.configs import ConfigStore
from .store.multipart import Multipart
from .store.store import Store
from .wire.errors import OssServerError
from .wire.message import Request, Response
from .wire.records import Account

# Short names for the table below: the permission each operation needs (checks.acl).
ANY_ACCOUNT, OWNER, LIST, READ, WRITE, FORM = (
    Permission.ACCOUNT,
    Permission.OWNER,
    Permission.LIST,
    Permission.READ,
    Permission.WRITE,
    Permission.FORM,
)

# Parameters that may accompany any operation without selecting a different one.
_NEUTRAL = {
    "security-token",
    "continuation-token",
    "x-oss-traffic-limit",
    "x-oss-request-payer",
    "versionId",
}  # names a version of the object an operation addresses (ops.versioning)
# Parameters oss2 does not sign (so not sub-resources) that still select a service operation.
_SERVICE_SELECTORS = {"regions"}


@dataclass(frozen=True)
class Op:
    handler: Callable
    access: Permission


_ROUTES: dict[tuple[str, str, frozenset], Op] = {
    ("GET", "service", frozenset()): Op(buckets.list_buckets, ANY_ACCOUNT),
    ("PUT", "bucket", frozenset()): Op(buckets.create_bucket, ANY_ACCOUNT),
    ("DELETE", "bucket", frozenset()): Op(buckets.delete_bucket, OWNER),
    ("GET", "bucket", frozenset()): Op(buckets.list_objects, LIST),
    ("HEAD", "bucket", frozenset()): Op(buckets.head_bucket, LIST),
    ("GET", "bucket", frozenset({"acl"})): Op(buckets.get_bucket_acl, OWNER),
    ("PUT", "bucket", frozenset({"acl"})): Op(buckets.put_bucket_acl, OWNER),
    ("GET", "bucket", frozenset({"bucketInfo"})): Op(buckets.get_bucket_info, OWNER),
    ("GET", "bucket", frozenset({"location"})): Op(buckets.get_bucket_location, OWNER),
    ("GET", "bucket", frozenset({"stat"})): Op(buckets.get_bucket_stat, OWNER),
    ("GET", "bucket", frozenset({"uploads"})): Op(multipart.list_uploads, LIST),
    ("POST", "bucket", frozenset({"delete"})): Op(object_write.delete_objects, WRITE),
    ("POST", "bucket", frozenset()): Op(post_object.post_object, FORM),
    ("GET", "object", frozenset()): Op(object_read.get_object, READ),
    ("HEAD", "object", frozenset()): Op(object_read.head_object, READ),
    ("HEAD", "object", frozenset({"objectMeta"})): Op(object_read.get_object_meta, READ),
    ("PUT", "object", frozenset()): Op(object_write.put_or_copy_object, WRITE),
    ("DELETE", "object", frozenset()): Op(object_write.delete_object, WRITE),
    ("DELETE", "object", frozenset({"symlink"})): Op(object_write.delete_object, WRITE),  # as OSS: a link is an object
    ("POST", "object", frozenset({"append", "position"})): Op(object_write.append_object, WRITE),
    ("POST", "object", frozenset({"append"})): Op(object_write.append_object, WRITE),
    ("GET", "object", frozenset({"acl"})): Op(object_write.get_object_acl, OWNER),
    ("PUT", "object", frozenset({"acl"})): Op(object_write.put_object_acl, OWNER),
    ("PUT", "object", frozenset({"symlink"})): Op(symlink.put_symlink, WRITE),
    ("GET", "object", frozenset({"symlink"})): Op(symlink.get_symlink, READ),
    ("POST", "object", frozenset({"restore"})): Op(restore.restore_object, WRITE),
    ("POST", "object", frozenset({"uploads"})): Op(multipart.initiate, WRITE),
    ("PUT", "object", frozenset({"uploadId", "partNumber"})): Op(multipart.upload_part, WRITE),
    ("POST", "object", frozenset({"uploadId"})): Op(multipart.complete, WRITE),
    ("DELETE", "object", frozenset({"uploadId"})): Op(multipart.abort, WRITE),
    ("GET", "object", frozenset({"uploadId"})): Op(multipart.list_parts, WRITE),
    ("GET", "service", frozenset({"regions"})): Op(buckets.describe_regions, ANY_ACCOUNT),
    ("GET", "bucket", frozenset({"live"})): Op(buckets.list_live_channels, OWNER),
    ("GET", "service", frozenset({"regionList"})): Op(buckets.list_buckets, ANY_ACCOUNT),  # Region is always there
    ("GET", "object", frozenset({"tagging"})): Op(tagging.get_object_tagging, OWNER),
    ("PUT", "object", frozenset({"tagging"})): Op(tagging.put_object_tagging, OWNER),
    ("DELETE", "object", frozenset({"tagging"})): Op(tagging.delete_object_tagging, OWNER),
    ("GET", "bucket", frozenset({"tagging"})): Op(tagging.get_bucket_tagging, OWNER),
    ("PUT", "bucket", frozenset({"tagging"})): Op(tagging.put_bucket_tagging, OWNER),
    ("DELETE", "bucket", frozenset({"tagging"})): Op(tagging.delete_bucket_tagging, OWNER),
    ("GET", "bucket", frozenset({"versioning"})): Op(versioning.get_bucket_versioning, OWNER),
    ("PUT", "bucket", frozenset({"versioning"})): Op(versioning.put_bucket_versioning, OWNER),
    ("GET", "bucket", frozenset({"versions"})): Op(versioning.list_object_versions, LIST),
}
# Bucket configurations: GET and PUT for each; DELETE where OSS has one (referer and requestPayment are reset by
# a PUT instead).
for _name in (*bucket_configs.KINDS, "policy"):
    _ROUTES[("GET", "bucket", frozenset({_name}))] = Op(bucket_configs.get_config, OWNER)
    _ROUTES[("PUT", "bucket", frozenset({_name}))] = Op(bucket_configs.put_config, OWNER)
    if _name not in ("referer", "requestPayment"):
        _ROUTES[("DELETE", "bucket", frozenset({_name}))] = Op(bucket_configs.delete_config, OWNER)


def route(req: Request) -> Op:
    scope = "object" if req.key else ("bucket" if req.bucket else "service")
    subs = frozenset(
        p
        for p in req.params
        if (p in SUB_RESOURCES or (scope == "service" and p in _SERVICE_SELECTORS))
        and p not in _NEUTRAL
        and not p.startswith("response-")
    )
    op = _ROUTES.get((req.method, scope, subs))
    if op is None:
        raise OssServerError(
            "NotImplemented", Method=req.method, ResourceType=scope, SubResources=",".join(sorted(subs)) or None
        )
    return op


def validate_names(req: Request) -> None:
    if req.bucket is not None:
        check_bucket_name(req.bucket)
    if req.key is not None:
        check_key(req.key)


class App:
    """Everything a request needs: the store, the accounts, the region and how to reach this server."""

    def __init__(self, store: Store, accounts: dict[str, Account], region: str, clock: Callable[[], float] = time.time):
        """`clock`: the server's time (Date checks, expiry, restores); the store's should be the same one."""
        self.store = store
        self.clock = clock
        self.multipart = Multipart(store)
        self.configs = ConfigStore(store.db)
        self.access = Access(store, self.configs)
        self.accounts = accounts
        self.region = region
        self.host = ""  # host:port, set once the socket is bound
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
        check_traffic_limit(req)
        bucket = None
        if req.bucket and not (req.method == "PUT" and req.key is None):
            # Bucket existence is checked before the signature, as OSS does for everything but PutBucket(Acl).
            bucket = self.store.require_bucket(req.bucket)
        try:
            req.account = authenticate(req.signable(), self.accounts, self.region, self.clock())
            if bucket is None and req.bucket and op.access != ANY_ACCOUNT:
                bucket = self.store.require_bucket(req.bucket)
            self.access.authorize(req, op.access, bucket)
            req.bucket_row = bucket
            try:
                resp = op.handler(self, req)
            except object_read.NotModified as unchanged:  # GET/HEAD, and copies with x-oss-copy-source-if-*
                resp = unchanged.response()
        except OssServerError as err:
            # a browser reads an error only when it carries the CORS headers: OSS sends them on errors too
            if bucket is not None and req.header("origin"):
                err.headers.update(cors.headers_for(self, req))
            raise
        if bucket is not None and req.header("origin"):
            resp.headers.update(cors.headers_for(self, req))
        return resp

    def preflight(self, req: Request) -> Response:
        """CORS preflight: anonymous by design (browsers send no credentials), answered from the bucket's rules."""
        if not req.bucket:
            raise OssServerError("AccessForbidden", "CORSResponse: a preflight request names a bucket.", status=403)
        req.bucket_row = self.store.require_bucket(req.bucket)
        return cors.preflight(self, req)
