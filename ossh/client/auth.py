"""Request signing for OSS: V1 (HMAC-SHA1), V4 (OSS4-HMAC-SHA256) and oss2's V2 string-to-sign.

One implementation used both ways: the client signs with it and the embedded server verifies with it,
so every function here is pure (a request description in, strings out) apart from `sign`/`presign`,
which write the result into the request they are given.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass, field
from email.utils import formatdate
from urllib.parse import quote

from ..protocol import H_CONTENT_SHA256, H_DATE, H_SECURITY_TOKEN, MAX_V4_EXPIRES, OSS_PREFIX
from .errors import ClientError

UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
V4_ALGORITHM = "OSS4-HMAC-SHA256"
V4_PRODUCT = "oss"


def presign_expires_problem(version: str, seconds: int) -> str | None:
    """Why OSS would refuse a presigned URL valid for `seconds` with this signature version (None: it would
    not). A V1 URL with an Expires time already past is well formed (it is refused when used); neither SDK
    nor OSS bounds its absolute Expires time, while a V4 URL (x-oss-expires) lives at most MAX_V4_EXPIRES."""
    if version == "v4" and not 0 < seconds <= MAX_V4_EXPIRES:
        return f"must be from 1 to {MAX_V4_EXPIRES} seconds (7 days) with V4 signatures, not {seconds}"
    return None


# The union of the sub-resources oss2 and the v2 SDK put into a V1 CanonicalizedResource: a server
# accepting either SDK has to sign exactly these.
SUB_RESOURCES = frozenset(
    """
acl uploadId uploads partNumber group link delete website location objectInfo objectMeta
response-content-type response-content-language response-expires response-cache-control
response-content-disposition response-content-encoding logging cors lifecycle restore qos referer stat
bucketInfo append position security-token live comp status vod startTime endTime x-oss-process symlink
callback callback-var tagging encryption versions versioning versionId policy requestPayment
x-oss-traffic-limit qosInfo asyncFetch x-oss-request-payer sequential inventory inventoryId
continuation-token worm wormId wormExtend replication replicationLocation replicationProgress
transferAcceleration cname metaQuery x-oss-ac-source-ip x-oss-ac-subnet-mask x-oss-ac-vpc-id
x-oss-ac-forward-allow resourceGroup style styleName x-oss-async-process regionList
x-oss-write-get-object-response bucketArchiveDirectRead httpsConfig redundancyTransition
x-oss-target-redundancy-type x-oss-redundancy-transition-taskid accessPoint accessPointPolicy
publicAccessBlock x-oss-access-point-name requesterQosInfo qosRequester resourcePoolInfo resourcePool
resourcePoolBuckets cloudboxes
""".split()
)

# Headers V4 always signs besides x-oss-*; anything else is signed only when listed as "additional".
_V4_DEFAULT_SIGNED = ("content-type", "content-md5")


@dataclass
class Credentials:
    access_key_id: str
    access_key_secret: str
    security_token: str | None = None

    def __repr__(self) -> str:  # never let the secret or token reach a log or a traceback
        return f"Credentials(access_key_id={self.access_key_id!r}, access_key_secret='***')"


@dataclass
class SignableRequest:
    """The parts of an HTTP request that signatures cover, with the key and query already decoded."""

    method: str
    bucket: str | None = None
    key: str | None = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def header(self, name: str, default: str = "") -> str:
        name = name.lower()
        for k, v in self.headers.items():
            if k.lower() == name:
                return v
        return default

    def lower_headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def resource_path(self) -> str:
        """`/`, `/bucket/` or `/bucket/key`, unescaped."""
        if not self.bucket:
            return "/"
        return f"/{self.bucket}/{self.key or ''}"


def _hmac(key: bytes, msg: str, digest) -> bytes:
    return hmac.new(key, msg.encode("utf-8"), digest).digest()


def uri_encode(text: str, keep_slash: bool = False) -> str:
    """RFC 3986 encoding as both SDKs do it: unreserved characters kept, uppercase hex for the rest."""
    return quote(text, safe="-_.~/" if keep_slash else "-_.~")


def http_date(now: float | None = None) -> str:
    return formatdate(time.time() if now is None else now, usegmt=True)


def _query_line(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{k}={v}" if v else k for k, v in sorted(pairs))


# ---------------------------------------------------------------- V1


class SignerV1:
    """`Authorization: OSS ak:signature` and `?OSSAccessKeyId=&Expires=&Signature=` URLs."""

    version = "v1"

    @staticmethod
    def canonical_resource(req: SignableRequest) -> str:
        subs = [(k, v) for k, v in req.params.items() if k in SUB_RESOURCES]
        return req.resource_path() + ("?" + _query_line(subs) if subs else "")

    @staticmethod
    def string_to_sign(req: SignableRequest, date_line: str) -> str:
        headers = req.lower_headers()
        oss_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()) if k.startswith(OSS_PREFIX))
        return "\n".join(
            [
                req.method.upper(),
                headers.get("content-md5", ""),
                headers.get("content-type", ""),
                date_line,
                oss_headers + SignerV1.canonical_resource(req),
            ]
        )

    @staticmethod
    def signature(secret: str, string_to_sign: str) -> str:
        return base64.b64encode(_hmac(secret.encode("utf-8"), string_to_sign, hashlib.sha1)).decode()

    def sign(self, req: SignableRequest, creds: Credentials, now: float | None = None) -> None:
        if not req.header("date"):
            req.headers["Date"] = http_date(now)
        if creds.security_token:
            req.headers[H_SECURITY_TOKEN] = creds.security_token
        date_line = req.header(H_DATE) or req.header("date")
        sig = self.signature(creds.access_key_secret, self.string_to_sign(req, date_line))
        req.headers["Authorization"] = f"OSS {creds.access_key_id}:{sig}"

    def presign(self, req: SignableRequest, creds: Credentials, expires: int) -> None:
        if creds.security_token:
            req.params["security-token"] = creds.security_token
        req.params["OSSAccessKeyId"] = creds.access_key_id
        req.params["Expires"] = str(int(expires))
        sig = self.signature(creds.access_key_secret, self.string_to_sign(req, str(int(expires))))
        req.params["Signature"] = sig


# ---------------------------------------------------------------- V4


def v4_additional_headers(req: SignableRequest, names) -> list[str]:
    """The additional headers that count: lowercased, present in the request, not signed anyway."""
    present = req.lower_headers()
    wanted = {n.strip().lower() for n in names if n and n.strip()}
    return sorted(
        n for n in wanted if not n.startswith("x-oss-") and n not in _V4_DEFAULT_SIGNED and present.get(n, "")
    )


def v4_scope(yyyymmdd: str, region: str) -> str:
    return f"{yyyymmdd}/{region}/{V4_PRODUCT}/aliyun_v4_request"


class SignerV4:
    """OSS4-HMAC-SHA256 in the Authorization header or in `x-oss-*` query parameters."""

    version = "v4"

    def __init__(self, region: str):
        if not region:
            raise ValueError("signature V4 needs a region (for example cn-hangzhou)")
        self.region = region

    @staticmethod
    def canonical_request(req: SignableRequest, additional_headers=(), payload_hash: str | None = None) -> str:
        headers = req.lower_headers()
        extra = set(additional_headers)
        canon_headers = "".join(
            f"{k}:{v}\n"
            for k, v in sorted(headers.items())
            if k.startswith("x-oss-") or k in _V4_DEFAULT_SIGNED or k in extra
        )
        query = _query_line([(uri_encode(k), uri_encode(v)) for k, v in req.params.items() if k != "x-oss-signature"])
        if payload_hash is None:
            payload_hash = headers.get("x-oss-content-sha256", UNSIGNED_PAYLOAD)
        return "\n".join(
            [
                req.method.upper(),
                uri_encode(req.resource_path(), keep_slash=True),
                query,
                canon_headers,
                ";".join(sorted(extra)),
                payload_hash,
            ]
        )

    @staticmethod
    def string_to_sign(canonical_request: str, iso_datetime: str, scope: str) -> str:
        digest = hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()
        return "\n".join([V4_ALGORITHM, iso_datetime, scope, digest])

    @staticmethod
    def signature(secret: str, yyyymmdd: str, region: str, string_to_sign: str) -> str:
        key = _hmac(("aliyun_v4" + secret).encode("utf-8"), yyyymmdd, hashlib.sha256)
        for part in (region, V4_PRODUCT, "aliyun_v4_request"):
            key = _hmac(key, part, hashlib.sha256)
        return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()

    def _sign_parts(self, req, creds, iso, additional):
        scope = v4_scope(iso[:8], self.region)
        canonical = self.canonical_request(req, additional)
        sts = self.string_to_sign(canonical, iso, scope)
        return scope, self.signature(creds.access_key_secret, iso[:8], self.region, sts)

    def sign(self, req: SignableRequest, creds: Credentials, now: float | None = None, additional_headers=()) -> None:
        now = time.time() if now is None else now
        iso = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        req.headers[H_DATE] = iso
        req.headers[H_CONTENT_SHA256] = UNSIGNED_PAYLOAD
        if not req.header("date"):
            req.headers["Date"] = http_date(now)
        if creds.security_token:
            req.headers[H_SECURITY_TOKEN] = creds.security_token
        additional = v4_additional_headers(req, additional_headers)
        scope, sig = self._sign_parts(req, creds, iso, additional)
        auth = f"{V4_ALGORITHM} Credential={creds.access_key_id}/{scope}"
        if additional:
            auth += ",AdditionalHeaders=" + ";".join(additional)
        req.headers["Authorization"] = auth + ",Signature=" + sig

    def presign(
        self, req: SignableRequest, creds: Credentials, expires_in: int, now: float | None = None, additional_headers=()
    ) -> None:
        now = time.time() if now is None else now
        iso = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
        additional = v4_additional_headers(req, additional_headers)
        req.params.update(
            {
                "x-oss-signature-version": V4_ALGORITHM,
                "x-oss-date": iso,
                "x-oss-expires": str(int(expires_in)),
                "x-oss-credential": f"{creds.access_key_id}/{v4_scope(iso[:8], self.region)}",
            }
        )
        if creds.security_token:
            req.params["x-oss-security-token"] = creds.security_token
        if additional:
            req.params["x-oss-additional-headers"] = ";".join(additional)
        _, sig = self._sign_parts(req, creds, iso, additional)
        req.params["x-oss-signature"] = sig


# ---------------------------------------------------------------- oss2's V2 (verification only)


def v2_string_to_sign(req: SignableRequest, additional_headers, date_line: str) -> str:
    """oss2 AuthV2: x-oss and additional headers, their names, and the fully encoded resource + query."""
    headers = req.lower_headers()
    extra = {h.strip().lower() for h in additional_headers if h and h.strip()}
    canon_headers = "".join(f"{k}:{v}\n" for k, v in sorted(headers.items()) if k.startswith("x-oss-") or k in extra)
    query = _query_line([(uri_encode(k), uri_encode(v)) for k, v in req.params.items() if k != "x-oss-signature"])
    resource = uri_encode(req.resource_path()) + ("?" + query if query else "")
    return "\n".join(
        [
            req.method.upper(),
            headers.get("content-md5", ""),
            headers.get("content-type", ""),
            date_line,
            canon_headers + ";".join(sorted(extra)),
            resource,
        ]
    )


def v2_signature(secret: str, string_to_sign: str) -> str:
    return base64.b64encode(_hmac(secret.encode("utf-8"), string_to_sign, hashlib.sha256)).decode()


def make_signer(version: str, region: str | None) -> SignerV1 | SignerV4:
    """The signer for `v1` or `v4` (V4 signs for `region`); ClientError for any other version."""
    version = (version or "v4").lower()
    if version in ("v1", "1"):
        return SignerV1()
    if version in ("v4", "4"):
        return SignerV4(region or "")
    raise ClientError(f"signature version must be v1 or v4, not {version!r}")
