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

# Short names for the table below: the permission each operation needs (checks.acl), beside its OSS action.
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
    access: Permission  # what the requester needs: the owner, or what an ACL grants (auth.access decides)
    action: str  # OSS's name for it in policies: a bucket policy's Deny of it refuses the request


_ROUTES: dict[tuple[str, str, frozenset], Op] = {
    ("GET", "service", frozenset()): Op(buckets.list_buckets, ANY_ACCOUNT, "oss:ListBuckets"),
    ("PUT", "bucket", frozenset()): Op(buckets.create_bucket, ANY_ACCOUNT, "oss:PutBucket"),
    ("DELETE", "bucket", frozenset()): Op(buckets.delete_bucket, OWNER, "oss:DeleteBucket"),
    ("GET", "bucket", frozenset()): Op(buckets.list_objects, LIST, "oss:ListObjects"),
    ("HEAD", "bucket", frozenset()): Op(buckets.head_bucket, LIST, "oss:GetBucketInfo"),
    ("GET", "bucket", frozenset({"acl"})): Op(buckets.get_bucket_acl, OWNER, "oss:GetBucketAcl"),
    ("PUT", "bucket", frozenset({"acl"})): Op(buckets.put_bucket_acl, OWNER, "oss:PutBucketAcl"),
    ("GET", "bucket", frozenset({"bucketInfo"})): Op(buckets.get_bucket_info, OWNER, "oss:GetBucketInfo"),
    ("GET", "bucket", frozenset({"location"})): Op(buckets.get_bucket_location, OWNER, "oss:GetBucketLocation"),
    ("GET", "bucket", frozenset({"stat"})): Op(buckets.get_bucket_stat, OWNER, "oss:GetBucketStat"),
    ("GET", "bucket", frozenset({"uploads"})): Op(multipart.list_uploads, LIST, "oss:ListMultipartUploads"),
    ("POST", "bucket", frozenset({"delete"})): Op(object_write.delete_objects, WRITE, "oss:DeleteObject"),
    ("POST", "bucket", frozenset()): Op(post_object.post_object, FORM, "oss:PutObject"),
    ("GET", "object", frozenset()): Op(object_read.get_object, READ, "oss:GetObject"),
    ("HEAD", "object", frozenset()): Op(object_read.head_object, READ, "oss:GetObject"),
    ("HEAD", "object", frozenset({"objectMeta"})): Op(object_read.get_object_meta, READ, "oss:GetObject"),
    ("PUT", "object", frozenset()): Op(object_write.put_or_copy_object, WRITE, "oss:PutObject"),
    ("DELETE", "object", frozenset()): Op(object_write.delete_object, WRITE, "oss:DeleteObject"),
    # as OSS: a link is an object
    ("DELETE", "object", frozenset({"symlink"})): Op(object_write.delete_object, WRITE, "oss:DeleteObject"),
    ("POST", "object", frozenset({"append", "position"})): Op(object_write.append_object, WRITE, "oss:PutObject"),
    ("POST", "object", frozenset({"append"})): Op(object_write.append_object, WRITE, "oss:PutObject"),
    ("GET", "object", frozenset({"acl"})): Op(object_write.get_object_acl, OWNER, "oss:GetObjectAcl"),
    ("PUT", "object", frozenset({"acl"})): Op(object_write.put_object_acl, OWNER, "oss:PutObjectAcl"),
    ("PUT", "object", frozenset({"symlink"})): Op(symlink.put_symlink, WRITE, "oss:PutObject"),
    ("GET", "object", frozenset({"symlink"})): Op(symlink.get_symlink, READ, "oss:GetObject"),
    ("POST", "object", frozenset({"restore"})): Op(restore.restore_object, WRITE, "oss:RestoreObject"),
    ("POST", "object", frozenset({"uploads"})): Op(multipart.initiate, WRITE, "oss:PutObject"),
    ("PUT", "object", frozenset({"uploadId", "partNumber"})): Op(multipart.upload_part, WRITE, "oss:PutObject"),
    ("POST", "object", frozenset({"uploadId"})): Op(multipart.complete, WRITE, "oss:PutObject"),
    ("DELETE", "object", frozenset({"uploadId"})): Op(multipart.abort, WRITE, "oss:AbortMultipartUpload"),
    ("GET", "object", frozenset({"uploadId"})): Op(multipart.list_parts, WRITE, "oss:ListParts"),
    ("GET", "service", frozenset({"regions"})): Op(buckets.describe_regions, ANY_ACCOUNT, "oss:DescribeRegions"),
    ("GET", "bucket", frozenset({"live"})): Op(buckets.list_live_channels, OWNER, "oss:ListLiveChannel"),
    # the Region of every listed bucket is always there
    ("GET", "service", frozenset({"regionList"})): Op(buckets.list_buckets, ANY_ACCOUNT, "oss:ListBuckets"),
    ("GET", "object", frozenset({"tagging"})): Op(tagging.get_object_tagging, OWNER, "oss:GetObjectTagging"),
    ("PUT", "object", frozenset({"tagging"})): Op(tagging.put_object_tagging, OWNER, "oss:PutObjectTagging"),
    ("DELETE", "object", frozenset({"tagging"})): Op(tagging.delete_object_tagging, OWNER, "oss:DeleteObjectTagging"),
    ("GET", "bucket", frozenset({"tagging"})): Op(tagging.get_bucket_tagging, OWNER, "oss:GetBucketTagging"),
    ("PUT", "bucket", frozenset({"tagging"})): Op(tagging.put_bucket_tagging, OWNER, "oss:PutBucketTagging"),
    ("DELETE", "bucket", frozenset({"tagging"})): Op(tagging.delete_bucket_tagging, OWNER, "oss:DeleteBucketTagging"),
    ("GET", "bucket", frozenset({"versioning"})): Op(
        versioning.get_bucket_versioning, OWNER, "oss:GetBucketVersioning"
    ),
    ("PUT", "bucket", frozenset({"versioning"})): Op(
        versioning.put_bucket_versioning, OWNER, "oss:PutBucketVersioning"
    ),
    ("GET", "bucket", frozenset({"versions"})): Op(versioning.list_object_versions, LIST, "oss:ListObjectVersions"),
}
# Bucket configurations: GET and PUT for each; DELETE where OSS has one (referer and requestPayment are reset by
# a PUT instead). Their actions: oss:GetBucketCors, oss:PutBucketLifecycle, ...
_CONFIG_ACTIONS = {
    "lifecycle": "BucketLifecycle",
    "cors": "BucketCors",
    "referer": "BucketReferer",
    "website": "BucketWebsite",
    "encryption": "BucketEncryption",
    "logging": "BucketLogging",
    "requestPayment": "BucketRequestPayment",
    "publicAccessBlock": "BucketPublicAccessBlock",
    "qos": "BucketStorageCapacity",
    "policy": "BucketPolicy",
}
for _name in (*bucket_configs.KINDS, "policy"):
    _action = _CONFIG_ACTIONS[_name]  # a new kind needs its action named above
    _ROUTES[("GET", "bucket", frozenset({_name}))] = Op(bucket_configs.get_config, OWNER, "oss:Get" + _action)
    _ROUTES[("PUT", "bucket", frozenset({_name}))] = Op(bucket_configs.put_config, OWNER, "oss:Put" + _action)
    if _name not in ("referer", "requestPayment"):
        _ROUTES[("DELETE", "bucket", frozenset({_name}))] = Op(
            bucket_configs.delete_config, OWNER, "oss:Delete" + _action
        )


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
        self.access = Access(store, self.configs, region)
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
            self.access.authorize(req, op.access, op.action, bucket)
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
