"""HTTP for the client: a pooled requests.Session with 1 MiB send blocks, signing, retries with backoff,
per-bucket region switches within the endpoint's OSS domain (no other redirect is followed), bounded
answers, and debug logging that never shows a secret."""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from requests.structures import CaseInsensitiveDict

from ..protocol import DEFAULT_REGION, H_REQUEST_ID
from .auth import Credentials, SignableRequest, SignerV1, SignerV4, make_signer
from .body import Payload
from .endpoint import Endpoint
from .errors import ClientError, InvalidResponse, OssError, RedirectRefused, ServiceError, TransportError, masked
from .failure import describe
from .reader import DOCUMENT_LIMIT, ERROR_LIMIT, read_document

log = logging.getLogger("ossh.client")

_SECRET_PARAMS = {"signature", "x-oss-signature", "security-token", "x-oss-security-token"}
_REDIRECTS = (301, 302, 307, 308)
_THROTTLE_CODES = {"Throttling", "SlowDown", "RequestTimeout", "ServiceUnavailable", "InternalError"}
# 5xx answers that say the same request will fail again: not implemented (501), HTTP version (505), a full
# store (507 Insufficient Storage), loops and policy (508, 510, 511). Retrying them only delays the error.
_PERMANENT_STATUSES = {501, 505, 507, 508, 510, 511}
# Codes that name a lasting condition whatever the status a server pairs them with (a disk full, a quota).
_PERMANENT_CODES = {"InsufficientStorage", "NotImplemented", "QuotaExceeded", "StorageFull", "NoSpaceLeft"}
USER_AGENT = "ossh/0.1.0"


class _BigBlockAdapter(HTTPAdapter):
    """urllib3 sends bodies in 16 KiB blocks by default, which halves PUT throughput; send bigger ones
    (the client's upload chunk size, 1 MiB by default)."""

    def __init__(self, blocksize: int, **kwargs):
        self.blocksize = blocksize
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["blocksize"] = self.blocksize
        super().init_poolmanager(*args, **kwargs)


@dataclass
class RetryPolicy:
    """Which failures to retry and how long to wait: exponential backoff with full jitter."""

    max_retries: int = 3
    base_delay: float = 0.2
    max_delay: float = 20.0

    def should_retry(self, attempt: int, replayable: bool, status: int | None = None, code: str | None = None) -> bool:
        """attempt counts the retries already made; status None means the connection failed."""
        if attempt >= self.max_retries or not replayable or code in _PERMANENT_CODES:
            return False
        if status is None:
            return True
        return (status >= 500 and status not in _PERMANENT_STATUSES) or status == 429 or code in _THROTTLE_CODES

    def delay(self, attempt: int) -> float:
        return random.uniform(0, min(self.max_delay, self.base_delay * (2**attempt)))


@dataclass
class Call(SignableRequest):
    """One logical request; the transport may send it several times (retries, redirects)."""

    body: Payload | None = None

    @property
    def replayable(self) -> bool:
        return self.body is None or self.body.rewindable


def redact_url(url: str) -> str:
    """The URL with signature and token parameters replaced, fit for a log line."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    pairs = [
        (k, "***" if k.lower() in _SECRET_PARAMS else v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
    ]
    return urlunsplit(parts._replace(query=urlencode(pairs)))


class Transport:
    """Sends Calls to OSS: signs each attempt, retries what can be retried, follows moved buckets."""

    def __init__(
        self,
        endpoint: Endpoint,
        credentials: Credentials | None,
        signature_version: str = "v4",
        connect_timeout: float = 10,
        read_timeout: float = 120,
        retry: RetryPolicy | None = None,
        pool_size: int = 16,
        send_block: int = 1 << 20,
    ):
        self.signature_version = (signature_version or "v4").lower()
        self.endpoint = endpoint
        self.signer(endpoint)  # an unknown signature version fails here, not at the first request
        self.credentials = credentials
        self.timeout = (connect_timeout, read_timeout)
        self.retry = retry or RetryPolicy()
        self._pinned: dict[str, Endpoint] = {}  # a bucket's endpoint as configured
        self._moved: dict[str, Endpoint] = {}  # a bucket's region endpoint, as its answers taught
        self._settings: dict[str, dict] = {}
        self._lock = threading.Lock()
        self.session = requests.Session()
        self._pool_size = pool_size
        self.set_send_block(send_block)

    def set_send_block(self, size: int) -> None:
        """How many bytes each socket send takes from a body (a new connection pool)."""
        adapter = _BigBlockAdapter(size, pool_connections=4, pool_maxsize=self._pool_size, max_retries=0)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    def pin(self, bucket: str, endpoint: Endpoint) -> None:
        """Send this bucket's requests to its own endpoint (configured, so trusted like the main one)."""
        with self._lock:
            self._pinned[bucket] = endpoint
            self._moved.pop(bucket, None)

    def home_for(self, bucket: str | None) -> Endpoint:
        """The configured endpoint of a bucket's requests: what their credentials may be sent to."""
        return self._pinned.get(bucket, self.endpoint) if bucket else self.endpoint

    def endpoint_for(self, bucket: str | None) -> Endpoint:
        return self._moved.get(bucket) or self.home_for(bucket) if bucket else self.endpoint

    def signer(self, endpoint: Endpoint) -> SignerV1 | SignerV4:
        return make_signer(self.signature_version, endpoint.region or self.endpoint.region or DEFAULT_REGION)

    def close(self) -> None:
        self.session.close()

    def _environment(self, endpoint: Endpoint) -> dict:
        """Proxies (HTTPS_PROXY, NO_PROXY, …) and CA bundle (REQUESTS_CA_BUNDLE, …) for an endpoint, looked
        up once: what Session.request would merge in on every call."""
        found = self._settings.get(endpoint.url)
        if found is None:
            merged = self.session.merge_environment_settings(endpoint.url, {}, True, None, None)
            found = {k: merged[k] for k in ("proxies", "verify", "cert")}
            self._settings[endpoint.url] = found
        return found

    # ------------------------------------------------------------------ sending

    def send(self, call: Call, stream: bool = False, raise_errors: bool = True) -> requests.Response:
        """The final response: 2xx, or (raise_errors=False) whatever error OSS gave after retries."""
        home = self.home_for(call.bucket)
        endpoint = self.endpoint_for(call.bucket)
        attempt = hops = 0
        while True:
            if (attempt or hops) and call.body is not None:
                call.body.rewind()
            try:
                resp = self._send_once(endpoint, call, stream)
                if resp.status_code < 300:
                    return resp
                err = _error(resp)
                self._scrub(err)
            except InvalidResponse as exc:  # an answer too large, or not decodable
                exc.bucket, exc.key = call.bucket, call.key
                self._scrub(exc)
                raise
            except requests.RequestException as exc:
                if self.retry.should_retry(attempt, call.replayable):
                    self._sleep(attempt, call, f"{type(exc).__name__}")
                    attempt += 1
                    continue
                raise TransportError(describe(exc, endpoint.netloc)) from None
            try:
                moved = self._region_move(home, endpoint, call, resp, err, hops)
            except OssError as refused:
                if not raise_errors:  # the answer as it came: nothing went anywhere else
                    return resp
                refused.request_id, refused.status = err.request_id, resp.status_code
                refused.bucket, refused.key = call.bucket, call.key
                self._scrub(refused)  # the place named may echo the token
                raise
            if moved is not None and call.replayable:
                hops += 1
                endpoint = moved
                continue
            if self.retry.should_retry(attempt, call.replayable, resp.status_code, err.code):
                self._sleep(attempt, call, f"{resp.status_code} {err.code}")
                attempt += 1
                continue
            if raise_errors:
                err.bucket, err.key = call.bucket, call.key
                raise err
            return resp

    def _secrets(self) -> tuple[str, ...]:
        creds = self.credentials
        found = (creds.security_token, creds.access_key_secret) if creds is not None else ()
        return tuple(s for s in found if s and len(s) >= 4)

    def _scrub(self, err: OssError) -> None:
        """Keep the secret, the token and the signature out of an error's message and details (a
        SignatureDoesNotMatch answer echoes them: the V1 StringToSign holds x-oss-security-token)."""
        err.redact(*self._secrets())
        if "SignatureProvided" in err.details:
            err.details["SignatureProvided"] = "***"

    def _scrub_headers(self, resp: requests.Response) -> None:
        """The answer's headers with the secret and the token masked: a server echoing them in its
        x-oss-request-id would have them shown in every error, result and log line naming the request."""
        for secret in self._secrets():
            for name, value in list(resp.headers.items()):
                if secret.lower() in value.lower():
                    resp.headers[name] = masked(value, secret)

    def _sleep(self, attempt: int, call: Call, why: str) -> None:
        delay = self.retry.delay(attempt)
        log.debug(
            "retry %d of %s %s after %s in %.2fs",
            attempt + 1,
            call.method,
            _loggable(f"{call.bucket or ''}/{call.key or ''}"),
            _loggable(why),
            delay,
        )
        time.sleep(delay)

    def _region_move(
        self, home: Endpoint, endpoint: Endpoint, call: Call, resp: requests.Response, err: ServiceError, hops: int
    ) -> Endpoint | None:
        """The bucket's own region endpoint that a redirect (a Location) or a wrong-endpoint answer (301
        PermanentRedirect, 403 AccessDenied naming an <Endpoint>) points to, re-signed there; None when the
        answer names no other place. Only a sibling of `home` in the same OSS domain (same scheme and port)
        is followed, once per request: anything else raises RedirectRefused, and the request, its
        signature and its body go nowhere else. A permanent move is remembered for the bucket."""
        where = resp.headers.get("Location") if resp.status_code in _REDIRECTS else None
        bare = where is None
        if bare and resp.status_code in (301, 403) and call.bucket:
            where = err.details.get("Endpoint")
        if not where:
            return None
        target = endpoint.moved_to(where, call.bucket, bare)
        if (target.scheme, target.netloc.lower()) == (endpoint.scheme, endpoint.netloc.lower()):
            return None
        if hops or not call.bucket or not home.same_domain(target):
            code = err.code or ("PermanentRedirect" if resp.status_code in (301, 308) else "TemporaryRedirect")
            place = shown_place(where, endpoint.scheme)
            raise RedirectRefused(
                f"refusing a redirect of {call.method} {_loggable(_what(call))} to {_loggable(place)}: "
                f"requests go only to {home.url} and its bucket's region endpoints",
                code=code,
            )
        if resp.status_code in (301, 308, 403):
            with self._lock:
                self._moved[call.bucket] = target
        log.debug(
            "%s %s moved to %s (%s)", call.method, _loggable(_what(call)), _loggable(target.netloc), resp.status_code
        )
        return target

    def build(self, endpoint: Endpoint, call: Call, presign_expires: int | None = None) -> tuple[str, dict]:
        """URL and signed headers for one attempt (or, with presign_expires, a presigned URL)."""
        req = SignableRequest(call.method, call.bucket, call.key, dict(call.params), dict(call.headers))
        signer = self.signer(endpoint)
        creds = self.credentials
        if presign_expires is not None:
            if creds is None:
                raise ClientError("presigning needs credentials")
            if isinstance(signer, SignerV1):
                signer.presign(req, creds, int(time.time()) + presign_expires)
            else:
                signer.presign(req, creds, presign_expires)
        elif creds is not None:
            signer.sign(req, creds)
        return endpoint.object_url(call.bucket, call.key, req.params), req.headers

    def _send_once(self, endpoint: Endpoint, call: Call, stream: bool) -> requests.Response:
        url, headers = self.build(endpoint, call)
        headers.setdefault("User-Agent", USER_AGENT)
        body = call.body
        if body is not None:
            if body.length is not None:
                headers["Content-Length"] = str(body.length)
            elif not any(k.lower() == "content-length" for k in headers):
                headers["Transfer-Encoding"] = "chunked"
        prep = requests.PreparedRequest()
        prep.method = call.method
        prep.url = url  # set as built: requests' own preparation would re-quote the key
        # Signed as text, sent as UTF-8 (OSS's encoding for metadata): http.client would refuse non-Latin-1.
        prep.headers = CaseInsensitiveDict({k: v if v.isascii() else v.encode("utf-8") for k, v in headers.items()})
        prep.body = body if body is not None and body.length != 0 else (b"" if body is not None else None)
        started = time.monotonic()
        # The adapter directly (urlopen with redirect=False): Session.send would follow redirects to any host
        # with the body, and keep cookies; _region_move alone decides where a request may go.
        try:
            resp = self.session.get_adapter(url).send(
                prep, stream=True, timeout=self.timeout, **self._environment(endpoint)
            )
        except ValueError as exc:  # http.client refuses a header value: the caller's argument
            if isinstance(exc, requests.RequestException):
                raise
            raise ClientError(
                f"{call.method} {call.key or call.bucket or '/'}: a header value holds a line "
                "break or a character outside Latin-1"
            ) from None
        self._scrub_headers(resp)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %s request %s %.3fs",
                call.method,
                redact_url(url),
                resp.status_code,
                _loggable(resp.headers.get(H_REQUEST_ID, "-")),
                time.monotonic() - started,
            )
        if not stream:  # a failure while reading the body is retried like a connection failure
            read_document(resp, ERROR_LIMIT if resp.status_code >= 300 else DOCUMENT_LIMIT)
        return resp


def _loggable(text: str) -> str:
    """text for a log line: keys and server answers may hold control characters, which repr() escapes."""
    return text if text.isprintable() else repr(text)


def _what(call: Call) -> str:
    return f"{call.bucket or ''}/{call.key or ''}"


def shown_place(where: str, scheme: str) -> str:
    """scheme://host[:port] of a redirect's target (a bare host takes `scheme`), for a message: its path
    and query are the server's."""
    parts = urlsplit(where if "://" in where else f"{scheme}://{where}")
    return f"{parts.scheme}://{parts.netloc or where}"[:200]


def _error(resp: requests.Response) -> ServiceError:
    """The error answer parsed from its whole (bounded) body; a failure reading it raises requests' exceptions."""
    return ServiceError.from_response(resp.status_code, resp.headers, read_document(resp, ERROR_LIMIT))
