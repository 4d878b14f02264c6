"""Session: what every group of operations shares (the endpoint, the transport with its signer, retries and
connection pool, the read chunk size) and the one signed request they are all made of."""

from __future__ import annotations

from collections.abc import Callable

import requests

from .auth import presign_expires_problem
from .body import Payload, make_payload
from .endpoint import Endpoint
from .errors import ClientError, whole_number
from .transport import Call, Transport


class Session:
    """Made once per OssClient and handed to each operations group (buckets, objects, multipart, configs)."""

    def __init__(self, endpoint: Endpoint, transport: Transport, download_chunk_size: int):
        self.endpoint = endpoint
        self.transport = transport
        self.download_chunk_size = download_chunk_size

    @property
    def region(self) -> str | None:
        return self.endpoint.region

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
        """One signed request, returned raw. With raise_errors=False an error answer is returned, not raised."""
        if key == "" or (key is not None and not bucket):
            raise ClientError("an object needs a bucket and a non-empty key")
        body = data if isinstance(data, Payload) or data is None else make_payload(data, progress)
        call = Call(
            method.upper(),
            bucket,
            key,
            {k: "" if v is None else str(v) for k, v in (params or {}).items()},
            dict(headers or {}),
            body,
        )
        return self.transport.send(call, stream=stream, raise_errors=raise_errors)

    @staticmethod
    def payload(data, progress: Callable | None = None) -> Payload:
        """A request body over bytes, str, a binary file-like or an iterable of bytes (CRC-64 counted as sent)."""
        return make_payload(data, progress)

    def presign(
        self,
        method: str,
        bucket: str,
        key: str | None = None,
        expires: int = 3600,
        headers: dict | None = None,
        params: dict | None = None,
    ) -> str:
        """A URL that works without credentials for `expires` seconds, signed with the transport's version."""
        expires = whole_number(expires, "expires")
        if problem := presign_expires_problem(self.transport.signature_version, expires):
            raise ClientError(f"expires {problem}")
        call = Call(method.upper(), bucket, key, dict(params or {}), dict(headers or {}))
        url, _ = self.transport.build(self.transport.endpoint_for(bucket), call, presign_expires=expires)
        return url


class Operations:
    """Base of the operations groups: each holds the client's Session and sends its requests through it."""

    def __init__(self, session: Session):
        self._session = session
