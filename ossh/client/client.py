"""OssClient: the configured entry point (endpoint, credentials, signature, retries, chunk sizes) that the
service, bucket, object, multipart and transfer operations are mixed into."""
from __future__ import annotations

from typing import Callable

import requests

from .api_bucket import BucketOps
from .api_config import ConfigOps
from .api_multipart import MultipartOps
from .api_object import ObjectOps
from .auth import Credentials, presign_expires_problem
from .body import Payload, make_payload
from .endpoint import Endpoint
from .errors import ClientError, whole_number
from .download import DownloadOps
from .parts import PartsEngine
from .transfer import TransferOps
from .transport import Call, RetryPolicy, Transport


class OssClient(BucketOps, ConfigOps, ObjectOps, MultipartOps, PartsEngine, TransferOps, DownloadOps):
    """Every OSS operation the shell needs; all methods raise only OssError subclasses."""

    def __init__(self, endpoint: str, access_key_id: str | None = None, access_key_secret: str | None = None,
                 region: str | None = None, security_token: str | None = None, signature_version: str = "v4",
                 addressing: str = "auto", connect_timeout: float = 10, read_timeout: float = 120,
                 max_retries: int = 3, upload_chunk_size: int = 1 << 20, download_chunk_size: int = 1 << 20,
                 retry_base_delay: float = 0.2, pool_size: int = 16):
        if bool(access_key_id) != bool(access_key_secret):
            raise ClientError("give both the access key id and the secret, or neither (anonymous)")
        creds = Credentials(access_key_id, access_key_secret, security_token) if access_key_id else None
        self._endpoint = Endpoint.parse(endpoint, region, addressing)
        self.transport = Transport(self._endpoint, creds, signature_version, connect_timeout, read_timeout,
                                   RetryPolicy(max_retries, retry_base_delay), pool_size, _positive(upload_chunk_size))
        self.upload_chunk_size = upload_chunk_size
        self.download_chunk_size = _positive(download_chunk_size)

    @property
    def endpoint(self) -> str:
        return self._endpoint.url

    @property
    def region(self) -> str | None:
        return self._endpoint.region

    @property
    def signature_version(self) -> str:
        return self.transport.signature_version

    def use_endpoint(self, bucket: str, endpoint: str, region: str | None = None, addressing: str = "auto") -> None:
        """Address one bucket through another endpoint and region (ossutil's `[buckets NAME]` section)."""
        self.transport.pin(bucket, Endpoint.parse(endpoint, region, addressing))

    def set_upload_chunk_size(self, size: int) -> None:
        """Bytes per socket send of request bodies."""
        self.upload_chunk_size = _positive(size)
        self.transport.set_send_block(self.upload_chunk_size)

    def set_download_chunk_size(self, size: int) -> None:
        """Bytes per read of response bodies (ObjectReader.iter_chunks, downloads to files)."""
        self.download_chunk_size = _positive(size)

    def close(self) -> None:
        self.transport.close()

    def __enter__(self) -> "OssClient":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OssClient({self.endpoint!r}, signature_version={self.signature_version!r})"

    def request(self, method: str, bucket: str | None = None, key: str | None = None,
                params: dict | None = None, headers: dict | None = None, data=None, stream: bool = False,
                raise_errors: bool = True, progress: Callable | None = None) -> requests.Response:
        """One signed request, returned raw: the escape hatch for operations without a method (and the
        2013 facade). With raise_errors=False an error answer is returned instead of raised."""
        if key == "" or (key is not None and not bucket):
            raise ClientError("an object needs a bucket and a non-empty key")
        body = data if isinstance(data, Payload) or data is None else self._payload(data, progress)
        call = Call(method.upper(), bucket, key, {k: "" if v is None else str(v) for k, v in (params or {}).items()},
                    dict(headers or {}), body)
        return self.transport.send(call, stream=stream, raise_errors=raise_errors)

    @staticmethod
    def _payload(data, progress: Callable | None = None) -> Payload:
        return make_payload(data, progress)

    def presign(self, method: str, bucket: str, key: str | None = None, expires: int = 3600,
                headers: dict | None = None, params: dict | None = None) -> str:
        """A URL that works without credentials for `expires` seconds, signed with the client's version.
        Headers signed here (Content-Type, x-oss-*) must be sent with the URL."""
        expires = whole_number(expires, "expires")
        if problem := presign_expires_problem(self.signature_version, expires):
            raise ClientError(f"expires {problem}")
        call = Call(method.upper(), bucket, key, dict(params or {}), dict(headers or {}))
        url, _ = self.transport.build(self.transport.endpoint_for(bucket), call, presign_expires=expires)
        return url


def _positive(size: int) -> int:
    if int(size) <= 0:
        raise ClientError("chunk size must be positive")
    return int(size)
