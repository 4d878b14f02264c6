"""Who sent a request: parse V1/V4/oss2-V2 Authorization headers and presigned parameters, and verify them
with the same signing code the client uses (ossh.client.auth)."""

from __future__ import annotations

import calendar
import hmac
import time
from dataclasses import dataclass

from ossh.client.auth import SignableRequest, SignerV1, SignerV4, v2_signature, v2_string_to_sign, v4_additional_headers
from ossh.client.xmlparse import http_time
from ossh.protocol import H_DATE, H_SECURITY_TOKEN, MAX_V4_EXPIRES

from ..wire.errors import OssServerError, invalid_argument
from ..wire.records import Account

MAX_SKEW = 15 * 60


@dataclass
class _Claim:
    """What a request says about itself, before checking: key id, signature, and how to recompute it."""

    access_key_id: str
    provided: str
    compute: object  # callable(secret) -> (signature, string_to_sign, canonical_request or None)
    token: str | None


def authenticate(req: SignableRequest, accounts: dict[str, Account], region: str, now: float) -> Account | None:
    """The account that signed `req`, None for an anonymous request; raises the OSS error otherwise. `now`:
    the server's time, which dates and expiry times are checked against."""
    claim = _claim(req, region, now)
    if claim is None:
        return None
    account = accounts.get(claim.access_key_id)
    if account is None:
        raise OssServerError("InvalidAccessKeyId", OSSAccessKeyId=claim.access_key_id)
    signature, string_to_sign, canonical = claim.compute(account.access_key_secret)
    if not hmac.compare_digest(signature.encode(), claim.provided.encode()):
        details = {"StringToSign": string_to_sign, "SignatureProvided": claim.provided}
        if canonical is not None:
            details["CanonicalRequest"] = canonical
        raise OssServerError("SignatureDoesNotMatch", OSSAccessKeyId=claim.access_key_id, **details)
    if (account.security_token is not None or claim.token) and not hmac.compare_digest(
        (claim.token or "").encode(), (account.security_token or "").encode()
    ):
        raise OssServerError("InvalidSecurityToken")
    return account


def _claim(req: SignableRequest, region: str, now: float) -> _Claim | None:
    auth = req.header("authorization").strip()
    params = req.params
    if auth:
        scheme, _, rest = auth.partition(" ")
        if scheme == "OSS":
            return _v1_header(req, rest, now)
        if scheme == "OSS4-HMAC-SHA256":
            return _v4(req, _fields(rest, "="), region, now, presigned=False)
        if scheme == "OSS2":
            return _v2(req, _fields(rest, ":"), now, presigned=False)
        raise invalid_argument("Authorization header is invalid.", "Authorization", scheme)
    if "OSSAccessKeyId" in params or "Signature" in params:
        return _v1_presigned(req, now)
    version = params.get("x-oss-signature-version")
    if version == "OSS4-HMAC-SHA256":
        return _v4(req, params, region, now, presigned=True)
    if version == "OSS2":
        return _v2(req, params, now, presigned=True)
    if version is not None:
        raise invalid_argument("Unsupported signature version.", "x-oss-signature-version", version)
    return None


def _fields(text: str, sep: str) -> dict[str, str]:
    """`Credential=a/b, Signature=c` (V4, either SDK's spacing) or `AccessKeyId:a,Signature:c` (OSS2)."""
    fields = {}
    for item in text.split(","):
        name, _, value = item.strip().partition(sep)
        fields[name.strip()] = value.strip()
    return fields


def _token(req: SignableRequest) -> str | None:
    return req.header(H_SECURITY_TOKEN) or req.params.get("security-token") or req.params.get("x-oss-security-token")


def _check_http_date(value: str, now: float) -> None:
    when = http_time(value)
    if when is None:
        raise OssServerError("AccessDenied", "Invalid date format in the Date header.", Date=value)
    _check_skew(when.timestamp(), now)


def _utc(ts: float) -> str:
    """A time as the RequestTimeTooSkewed and expiry errors show it: `2015-02-02T05:15:13Z`."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def _check_skew(when: float, now: float) -> None:
    if abs(when - now) > MAX_SKEW:
        raise OssServerError("RequestTimeTooSkewed", RequestTime=_utc(when), ServerTime=_utc(now))


def _expired(expires: float, now: float) -> None:
    if expires < now:
        raise OssServerError("AccessDenied", "Request has expired.", Expires=_utc(expires), ServerTime=_utc(now))


def _number(value: str | None, name: str) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise invalid_argument(f"Invalid {name}.", name, value or "") from None


def _v1_compute(req, date_line):
    def compute(secret):
        sts = SignerV1.string_to_sign(req, date_line)
        return SignerV1.signature(secret, sts), sts, None

    return compute


def _v1_header(req, rest, now) -> _Claim:
    ak, sep, provided = rest.strip().rpartition(":")
    if not sep or not ak:
        raise invalid_argument("Authorization header is invalid.", "Authorization", "OSS")
    date_line = req.header(H_DATE) or req.header("date")
    _check_http_date(date_line, now)
    return _Claim(ak, provided, _v1_compute(req, date_line), _token(req))


def _v1_presigned(req, now) -> _Claim:
    expires = req.params.get("Expires", "")
    _expired(_number(expires, "Expires"), now)
    return _Claim(
        req.params.get("OSSAccessKeyId", ""), req.params.get("Signature", ""), _v1_compute(req, expires), _token(req)
    )


def _v4(req, fields, region, now, presigned) -> _Claim:
    prefix = "x-oss-" if presigned else ""
    credential = fields.get(prefix + "credential" if presigned else "Credential", "")
    parts = credential.split("/")
    if len(parts) != 5 or parts[3] != "oss" or parts[4] != "aliyun_v4_request":
        raise invalid_argument("Invalid credential in Authorization header.", "Credential", credential)
    ak, day, signing_region = parts[0], parts[1], parts[2]
    if signing_region != region:
        err = invalid_argument("Invalid signing region in Authorization header.", "Region", signing_region)
        err.ec = "0002-00000226"
        raise err
    iso = req.params.get("x-oss-date", "") if presigned else req.header(H_DATE)
    try:
        when = calendar.timegm(time.strptime(iso, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        raise invalid_argument("Invalid x-oss-date.", "x-oss-date", iso) from None
    if iso[:8] != day:
        raise invalid_argument("Invalid date in credential scope.", "Credential", credential)
    if presigned:
        expires_in = _number(req.params.get("x-oss-expires"), "x-oss-expires")
        if not 0 < expires_in <= MAX_V4_EXPIRES:
            raise invalid_argument("Invalid x-oss-expires.", "x-oss-expires", str(expires_in))
        _expired(when + expires_in, now)
        provided = req.params.get("x-oss-signature", "")
        names = req.params.get("x-oss-additional-headers", "")
    else:
        _check_skew(when, now)
        provided = fields.get("Signature", "")
        names = fields.get("AdditionalHeaders", "")
    additional = v4_additional_headers(req, names.split(";"))
    scope = f"{day}/{region}/oss/aliyun_v4_request"

    def compute(secret):
        payload = None if not presigned else "UNSIGNED-PAYLOAD"
        canonical = SignerV4.canonical_request(req, additional, payload)
        sts = SignerV4.string_to_sign(canonical, iso, scope)
        return SignerV4.signature(secret, day, region, sts), sts, canonical

    return _Claim(ak, provided, compute, _token(req))


def _v2(req, fields, now, presigned) -> _Claim:
    if presigned:
        expires = req.params.get("x-oss-expires", "")
        _expired(_number(expires, "x-oss-expires"), now)
        ak, provided = req.params.get("x-oss-access-key-id", ""), req.params.get("x-oss-signature", "")
        date_line = expires
        names = req.params.get("x-oss-additional-headers", "")
    else:
        ak, provided = fields.get("AccessKeyId", ""), fields.get("Signature", "")
        names = fields.get("AdditionalHeaders", "")
        date_line = req.header(H_DATE) or req.header("date")
        _check_http_date(date_line, now)
    additional = [n for n in names.split(";") if n]

    def compute(secret):
        sts = v2_string_to_sign(req, additional, date_line)
        return v2_signature(secret, sts), sts, None

    return _Claim(ak, provided, compute, _token(req))
