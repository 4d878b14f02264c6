"""OssClient: the configured entry point (endpoint, credentials, signature, retries, chunk sizes) and the flat
API over the operations groups it composes; each flat method names the group method that implements it."""

from __future__ import annotations

import functools
from collections.abc import Callable

import requests

from .api_bucket import BucketOps
from .api_config import ConfigOps
from .api_multipart import MultipartOps
from .api_object import ObjectOps
from .api_versions import VersionOps
from .auth import Credentials
from .endpoint import Endpoint
from .errors import ClientError
from .session import Session
from .transfer import TransferManager
from .transfer_config import TransferConfig
from .transport import RetryPolicy, Transport


def _via(group: str, method: Callable) -> Callable:
    """The flat OssClient method for `method` of the operations group held in attribute `group`:
    `put_object = _via("objects", ObjectOps.put_object)` calls `client.objects.put_object(...)`, with the
    group method's name, signature and docstring (for help() and editors). The call is looked up on the
    group at call time, so what replaces a group's method (or a flat method on an instance) is what runs."""
    name = method.__name__

    @functools.wraps(method)
    def flat(self, *args, **kwargs):
        return getattr(getattr(self, group), name)(*args, **kwargs)

    return flat


class OssClient:
    """Every OSS operation the shell needs; all methods raise only OssError subclasses.

    The work is done by groups sharing one Session (endpoint, transport, chunk sizes), reachable as
    attributes: `buckets` (BucketOps: the service, buckets and their listings), `objects` (ObjectOps),
    `multipart` (MultipartOps), `configs` (ConfigOps: configuration documents, tags, statistics), `versions`
    (VersionOps: versioning state, version listings, deletes by version) and
    `transfers` (TransferManager: files and streams of any size, copies, driven by a TransferConfig)."""

    def __init__(
        self,
        endpoint: str,
        access_key_id: str | None = None,
        access_key_secret: str | None = None,
        region: str | None = None,
        security_token: str | None = None,
        signature_version: str = "v4",
        addressing: str = "auto",
        connect_timeout: float = 10,
        read_timeout: float = 120,
        max_retries: int = 3,
        upload_chunk_size: int = 1 << 20,
        download_chunk_size: int = 1 << 20,
        retry_base_delay: float = 0.2,
        pool_size: int = 16,
        transfer_config: TransferConfig | None = None,
    ):
        if bool(access_key_id) != bool(access_key_secret):
            raise ClientError("give both the access key id and the secret, or neither (anonymous)")
        creds = Credentials(access_key_id, access_key_secret, security_token) if access_key_id else None
        where = Endpoint.parse(endpoint, region, addressing)
        self.transport = Transport(
            where,
            creds,
            signature_version,
            connect_timeout,
            read_timeout,
            RetryPolicy(max_retries, retry_base_delay),
            pool_size,
            _positive(upload_chunk_size),
        )
        self.session = Session(where, self.transport, _positive(download_chunk_size))
        self._upload_chunk_size = upload_chunk_size
        self.buckets = BucketOps(self.session)
        self.objects = ObjectOps(self.session)
        self.multipart = MultipartOps(self.session)
        self.configs = ConfigOps(self.session)
        self.versions = VersionOps(self.session)
        self.transfers = TransferManager(self, transfer_config)

    # ---------------------------------------------------------------- configuration

    @property
    def endpoint(self) -> str:
        return self.session.endpoint.url

    @property
    def region(self) -> str | None:
        return self.session.region

    @property
    def signature_version(self) -> str:
        return self.transport.signature_version

    @property
    def upload_chunk_size(self) -> int:
        return self._upload_chunk_size

    @property
    def download_chunk_size(self) -> int:
        return self.session.download_chunk_size

    @property
    def transfer_config(self) -> TransferConfig:
        return self.transfers.config

    def use_endpoint(self, bucket: str, endpoint: str, region: str | None = None, addressing: str = "auto") -> None:
        """Address one bucket through another endpoint and region (ossutil's `[buckets NAME]` section)."""
        self.transport.pin(bucket, Endpoint.parse(endpoint, region, addressing))

    def set_upload_chunk_size(self, size: int) -> None:
        """Bytes per socket send of request bodies."""
        self._upload_chunk_size = _positive(size)
        self.transport.set_send_block(self._upload_chunk_size)

    def set_download_chunk_size(self, size: int) -> None:
        """Bytes per read of response bodies (ObjectReader.iter_chunks, downloads to files)."""
        self.session.download_chunk_size = _positive(size)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> OssClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OssClient({self.endpoint!r}, signature_version={self.signature_version!r})"

    # ---------------------------------------------------------------- raw requests (Session)

    def request(
        self,
        method: str,
        bucket: str | None = None,
        key: str | None = None,
        params: dict | None = None,
        headers: dict | None = None,
        data=None,
        stream: bool = False,
        raise_errors: bool = True,
        progress: Callable | None = None,
    ) -> requests.Response:
        """One signed request, returned raw: the escape hatch for operations without a method (and the
        2013 facade). With raise_errors=False an error answer is returned instead of raised."""
        return self.session.request(method, bucket, key, params, headers, data, stream, raise_errors, progress)

    def presign(
        self,
        method: str,
        bucket: str,
        key: str | None = None,
        expires: int = 3600,
        headers: dict | None = None,
        params: dict | None = None,
    ) -> str:
        """A URL that works without credentials for `expires` seconds, signed with the client's version.
        Headers signed here (Content-Type, x-oss-*) must be sent with the URL."""
        return self.session.presign(method, bucket, key, expires, headers, params)

    # ---------------------------------------------------------------- the service and buckets (api_bucket.py)

    list_buckets = _via("buckets", BucketOps.list_buckets)
    iter_buckets = _via("buckets", BucketOps.iter_buckets)
    create_bucket = _via("buckets", BucketOps.create_bucket)
    delete_bucket = _via("buckets", BucketOps.delete_bucket)
    get_bucket_info = _via("buckets", BucketOps.get_bucket_info)
    get_bucket_location = _via("buckets", BucketOps.get_bucket_location)
    get_bucket_acl = _via("buckets", BucketOps.get_bucket_acl)
    put_bucket_acl = _via("buckets", BucketOps.put_bucket_acl)
    list_objects = _via("buckets", BucketOps.list_objects)
    list_objects_v2 = _via("buckets", BucketOps.list_objects_v2)
    iter_objects = _via("buckets", BucketOps.iter_objects)

    # ---------------------------------------------------------------- objects (api_object.py)

    put_object = _via("objects", ObjectOps.put_object)
    get_object = _via("objects", ObjectOps.get_object)
    head_object = _via("objects", ObjectOps.head_object)
    get_object_meta = _via("objects", ObjectOps.get_object_meta)
    object_exists = _via("objects", ObjectOps.object_exists)
    delete_object = _via("objects", ObjectOps.delete_object)
    delete_objects = _via("objects", ObjectOps.delete_objects)
    copy_object = _via("objects", ObjectOps.copy_object)
    append_object = _via("objects", ObjectOps.append_object)
    get_object_acl = _via("objects", ObjectOps.get_object_acl)
    put_object_acl = _via("objects", ObjectOps.put_object_acl)
    put_symlink = _via("objects", ObjectOps.put_symlink)
    get_symlink = _via("objects", ObjectOps.get_symlink)
    restore_object = _via("objects", ObjectOps.restore_object)

    # ---------------------------------------------------------------- multipart uploads (api_multipart.py)

    init_multipart_upload = _via("multipart", MultipartOps.init_multipart_upload)
    upload_part = _via("multipart", MultipartOps.upload_part)
    upload_part_copy = _via("multipart", MultipartOps.upload_part_copy)
    complete_multipart_upload = _via("multipart", MultipartOps.complete_multipart_upload)
    abort_multipart_upload = _via("multipart", MultipartOps.abort_multipart_upload)
    list_parts = _via("multipart", MultipartOps.list_parts)
    iter_parts = _via("multipart", MultipartOps.iter_parts)
    list_multipart_uploads = _via("multipart", MultipartOps.list_multipart_uploads)
    iter_uploads = _via("multipart", MultipartOps.iter_uploads)

    # ---------------------------------------------------------------- configurations, tags, statistics (api_config.py)

    get_bucket_config = _via("configs", ConfigOps.get_bucket_config)
    put_bucket_config = _via("configs", ConfigOps.put_bucket_config)
    delete_bucket_config = _via("configs", ConfigOps.delete_bucket_config)
    get_object_tagging = _via("configs", ConfigOps.get_object_tagging)
    put_object_tagging = _via("configs", ConfigOps.put_object_tagging)
    delete_object_tagging = _via("configs", ConfigOps.delete_object_tagging)
    get_bucket_tagging = _via("configs", ConfigOps.get_bucket_tagging)
    put_bucket_tagging = _via("configs", ConfigOps.put_bucket_tagging)
    delete_bucket_tagging = _via("configs", ConfigOps.delete_bucket_tagging)
    get_bucket_info_fields = _via("configs", ConfigOps.get_bucket_info_fields)
    get_bucket_stat = _via("configs", ConfigOps.get_bucket_stat)
    describe_regions = _via("configs", ConfigOps.describe_regions)

    # ---------------------------------------------------------------- versioning (api_versions.py)

    put_bucket_versioning = _via("versions", VersionOps.put_bucket_versioning)
    get_bucket_versioning = _via("versions", VersionOps.get_bucket_versioning)
    list_object_versions = _via("versions", VersionOps.list_object_versions)
    iter_object_versions = _via("versions", VersionOps.iter_object_versions)
    delete_object_versions = _via("versions", VersionOps.delete_object_versions)

    # ---------------------------------------------------------------- transfers (transfer.py, TransferConfig)

    upload_file = _via("transfers", TransferManager.upload_file)
    upload_stream = _via("transfers", TransferManager.upload_stream)
    copy = _via("transfers", TransferManager.copy)
    download_file = _via("transfers", TransferManager.download_file)
    get_object_to_file = _via("transfers", TransferManager.get_object_to_file)


def _positive(size: int) -> int:
    if int(size) <= 0:
        raise ClientError("chunk size must be positive")
    return int(size)
