"""The one exception tree of the client: everything it raises is an `OssError`.

A service error is built from OSS's XML error body, or, for HEAD (no body), from the base64 XML in
`x-oss-err`, falling back to the status code so a missing key is still `NoSuchKey`.
"""

from __future__ import annotations

import base64
import binascii
import re

from ..protocol import H_EC, H_ERR, H_REQUEST_ID


class OssError(Exception):
    """Root of every error the client raises; `str()` is one line with the code and request id.
    `bucket` and `key` name what the failed request concerned (set by the client when it knows)."""

    bucket: str | None = None
    key: str | None = None

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        host_id: str | None = None,
        ec: str | None = None,
        details: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.host_id = host_id
        self.ec = ec
        self.details = details or {}

    def __str__(self) -> str:
        extra = [x for x in (self.code, f"request {self.request_id}" if self.request_id else None) if x]
        return f"{self.message} ({', '.join(extra)})" if extra else self.message

    def redact(self, *secrets: str | None) -> None:
        """Replace each of `secrets` (the caller's key secret, its STS token) wherever the server's texts
        in this error hold it (a server may echo a header it got): they are shown and logged."""
        for secret in secrets:
            if not secret or len(secret) < 4:  # a shorter one would garble the text and hides nothing
                continue
            self.message = masked(self.message, secret)
            self.args = (self.message,)
            for name in ("code", "request_id", "host_id", "ec"):
                value = getattr(self, name)
                if isinstance(value, str):
                    setattr(self, name, masked(value, secret))
            self.details = {k: masked(v, secret) if isinstance(v, str) else v for k, v in self.details.items()}


def masked(text: str, secret: str) -> str:
    """`text` with `secret` replaced by *** in any letter case (a host name echoing it comes lower-cased)."""
    return re.sub(re.escape(secret), "***", text, flags=re.IGNORECASE) if secret.lower() in text.lower() else text


class ClientError(OssError, ValueError):
    """Bad arguments, caught before anything is sent."""


def whole_number(value, name: str) -> int:
    """int(value), or a ClientError naming the argument."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ClientError(f"{name} must be a whole number, not {value!r}") from None


class TransportError(OssError):
    """The request did not get an answer: connection refused, reset, timed out."""


class LocalFileError(OssError):
    """A local file could not be read or written (missing, not permitted, disk full)."""


class IntegrityError(OssError):
    """The bytes that arrived are not the bytes that were sent (CRC-64 or MD5 mismatch)."""


class InvalidResponse(OssError):
    """The server's answer is not one OSS gives: not the XML document asked for, too large to hold, a listing
    that does not advance. Carries the answer's status and request id."""

    @classmethod
    def of(cls, resp, reason: str, code: str = "InvalidResponse") -> InvalidResponse:
        """For a requests.Response (or None): its status and request id."""
        status = getattr(resp, "status_code", None)
        request_id = _header(getattr(resp, "headers", None), H_REQUEST_ID)
        return cls(reason, status=status, code=code, request_id=request_id)


class RedirectRefused(OssError):
    """The server sent the request to another host; credentials, signatures and bodies go only to the
    configured endpoint (or a bucket's region endpoint of the same OSS domain), so it was not followed."""


class ServiceError(OssError):
    """OSS answered with an error status."""

    @classmethod
    def from_response(cls, status: int, headers, body: bytes | None = b"") -> ServiceError:
        fields = _error_fields(headers, body)
        code = fields.pop("Code", None) or _CODE_BY_STATUS.get(status)
        message = fields.pop("Message", None) or _default_message(status, code)
        request_id = fields.pop("RequestId", None) or _header(headers, H_REQUEST_ID)
        host_id = fields.pop("HostId", None)
        ec = fields.pop("EC", None) or _header(headers, H_EC)
        klass = _CLASSES.get(code, ServiceError)
        return klass(message, status=status, code=code, request_id=request_id, host_id=host_id, ec=ec, details=fields)


def _header(headers, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    if value is None and not hasattr(headers, "lower_items"):
        value = next((v for k, v in headers.items() if k.lower() == name), None)
    return value


def _error_fields(headers, body: bytes | None) -> dict:
    """The child elements of `<Error>` as strings, from the body or from `x-oss-err`."""
    raw = body or b""
    if not raw.strip():
        encoded = _header(headers, H_ERR)
        if encoded:
            try:
                raw = base64.b64decode(encoded)
            except (binascii.Error, ValueError):
                raw = b""
    if not raw.strip():
        return {}
    text = raw.decode("utf-8", "replace")
    from .xmlparse import NOT_XML_CHAR  # here, not at the top: importing the errors stays light (no xmltodict)

    try:
        doc = _parse_error(text)
    except Exception:
        try:  # an error about a key XML cannot carry (ESC, say) echoes it raw: Code and Message still count
            doc = _parse_error(NOT_XML_CHAR.sub("\ufffd", text))
        except Exception:  # not XML: a proxy's line of text is the message; markup or binary says nothing
            lines = text.strip().splitlines()
            first = lines[0].strip()[:200] if lines else ""
            plain = first.isprintable() and not first.startswith("<") and "\ufffd" not in first
            return {"Message": first} if plain else {}
    err = doc.get("Error") if isinstance(doc, dict) else None
    if not isinstance(err, dict):
        return {}
    return {k: (v if isinstance(v, str) else "" if v is None else str(v)) for k, v in err.items()}


def _parse_error(text: str) -> dict:
    import xmltodict

    from .xmlparse import trim_values

    return xmltodict.parse(text, strip_whitespace=False, postprocessor=trim_values)  # a <Key> kept exact


def _default_message(status: int, code: str | None) -> str:
    return _MESSAGES.get(code) or f"HTTP {status}"


_CODE_BY_STATUS = {
    304: "NotModified",
    400: "InvalidArgument",
    403: "AccessDenied",
    404: "NoSuchKey",
    405: "MethodNotAllowed",
    409: "Conflict",
    412: "PreconditionFailed",
    416: "InvalidRange",
    500: "InternalError",
    501: "NotImplemented",
    503: "ServiceUnavailable",
}
_MESSAGES = {
    "NoSuchKey": "The specified key does not exist.",
    "NoSuchBucket": "The specified bucket does not exist.",
    "AccessDenied": "Access denied.",
    "PreconditionFailed": "At least one of the pre-conditions you specified did not hold.",
    "NotModified": "The object matches the if-none-match or if-modified-since condition.",
}

_CLASSES: dict[str, type] = {}


def _define(code: str, doc: str) -> type:
    klass = type(code, (ServiceError,), {"__doc__": doc})
    _CLASSES[code] = klass
    return klass


NoSuchBucket = _define("NoSuchBucket", "The bucket does not exist.")
NoSuchKey = _define("NoSuchKey", "The object does not exist.")
NoSuchUpload = _define("NoSuchUpload", "The multipart upload id is unknown.")
AccessDenied = _define("AccessDenied", "The caller may not do this (ACL, wrong endpoint, expired URL).")
SignatureDoesNotMatch = _define("SignatureDoesNotMatch", "The server computed another signature.")
InvalidAccessKeyId = _define("InvalidAccessKeyId", "The access key id is unknown.")
RequestTimeTooSkewed = _define("RequestTimeTooSkewed", "The local clock is over 15 minutes off.")
BucketAlreadyExists = _define("BucketAlreadyExists", "The bucket name is taken.")
BucketNotEmpty = _define("BucketNotEmpty", "The bucket still holds objects or multipart uploads.")
FileAlreadyExists = _define("FileAlreadyExists", "forbid-overwrite was set and the object exists.")
PositionNotEqualToLength = _define("PositionNotEqualToLength", "Append position is not the length.")
ObjectNotAppendable = _define("ObjectNotAppendable", "Only Appendable objects take appends.")
InvalidArgument = _define("InvalidArgument", "A parameter is invalid.")
InvalidBucketName = _define("InvalidBucketName", "The bucket name is invalid.")
InvalidObjectName = _define("InvalidObjectName", "The key is invalid.")
InvalidDigest = _define("InvalidDigest", "Content-MD5 does not match the body.")
InvalidPart = _define("InvalidPart", "A listed part is missing or its ETag differs.")
InvalidPartOrder = _define("InvalidPartOrder", "Parts are not in ascending order.")
EntityTooSmall = _define("EntityTooSmall", "A part other than the last is too small.")
EntityTooLarge = _define("EntityTooLarge", "The body is too large.")
MalformedXML = _define("MalformedXML", "The XML body is invalid.")
PreconditionFailed = _define("PreconditionFailed", "A conditional header did not hold.")
NotModified = _define("NotModified", "An if-none-match / if-modified-since condition held (304).")
InvalidRange = _define("InvalidRange", "The range is not satisfiable.")
NotImplementedByServer = _define("NotImplemented", "The server does not support this operation.")
InvalidObjectState = _define("InvalidObjectState", "A cold (Archive...) object must be restored first.")
RestoreAlreadyInProgress = _define("RestoreAlreadyInProgress", "A restore of the object is still running.")
SymlinkTargetNotExist = _define("SymlinkTargetNotExist", "The symlink's target object does not exist.")
NotSymlink = _define("NotSymlink", "The object is not a symlink.")
