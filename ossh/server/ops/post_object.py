"""PostObject: browser form uploads (`multipart/form-data` POST to the bucket).

The form carries its own credentials: a base64 policy document (expiration and conditions) signed with V1
(`OSSAccessKeyId`, `Signature`: HMAC-SHA1) or V4 (`x-oss-credential`, `x-oss-date`, `x-oss-signature`:
HMAC-SHA256 with the V4 signing key), verified with the client's signing code as every other request is.
Without a signature the upload is anonymous and needs a public-read-write bucket. The form is read as a
stream: fields before the file are kept (bounded), the file part goes straight into the blob store.
"""

from __future__ import annotations

import base64
import binascii
import calendar
import hmac
import json
import re
import time
from urllib.parse import quote

from ossh.client.auth import SignerV1, SignerV4
from ossh.client.headers import guess_content_type
from ossh.protocol import H_CRC64, H_OBJECT_ACL, H_STORAGE_CLASS, H_VERSION_ID, MAX_OBJECT_SIZE, OBJECT_ACLS, Acl

from ..checks.acl import Permission, check_acl
from ..checks.headers import STORED_HEADERS, check_sse, check_storage_class
from ..checks.names import check_key
from ..wire.errors import OssServerError, invalid_argument
from ..wire.message import Request, Response
from ..wire.records import ObjectAttrs
from ..wire.xmlio import document, quoted_etag
from .object_write import WRITE_ACTION, authorize_replacing

MAX_FIELDS = 1 << 20  # all fields before the file together
_CHUNK = 1 << 16
_BOUNDARY = re.compile(r'boundary=(?:"([^"]+)"|([^;\s]+))', re.I)
_DISPOSITION = re.compile(r'([A-Za-z*]+)="((?:[^"\\]|\\.)*)"|([A-Za-z*]+)=([^;\s]+)')


def _form_error(message: str) -> OssServerError:
    return OssServerError(
        "MalformedPOSTRequest",
        f"The body of your POST request is not well-formed multipart/form-data: {message}",
        status=400,
    )


class FormReader:
    """Parts of a multipart/form-data body read from `readinto`, in order."""

    def __init__(self, readinto, boundary: str):
        self._readinto = readinto
        self._delim = b"\r\n--" + boundary.encode("latin-1")
        self._buf = bytearray(b"\r\n")  # so the first delimiter looks like every other one
        self._eof = False
        self.finished = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        chunk = bytearray(_CHUNK)
        n = self._readinto(memoryview(chunk))
        if not n:
            self._eof = True
            return False
        self._buf += chunk[:n]
        return True

    def _skip_preamble(self) -> None:
        while (i := self._buf.find(self._delim)) < 0:
            if not self._fill():
                raise _form_error("no opening boundary")
        del self._buf[:i]

    def next_part(self) -> dict[str, str] | None:
        """The headers of the next part (lowercased names), None after the closing boundary."""
        if self.finished:
            return None
        self._skip_preamble()
        while len(self._buf) < len(self._delim) + 2 and self._fill():
            pass
        tail = bytes(self._buf[len(self._delim) : len(self._delim) + 2])
        if tail == b"--":
            self.finished = True
            return None
        while (end := self._buf.find(b"\r\n\r\n")) < 0:
            if len(self._buf) > 16384 or not self._fill():
                raise _form_error("a part's headers are not terminated")
        head = bytes(self._buf[len(self._delim) : end]).decode("utf-8", "replace")
        del self._buf[: end + 4]
        headers = {}
        for line in head.split("\r\n"):
            name, sep, value = line.partition(":")
            if sep:
                headers[name.strip().lower()] = value.strip()
        return headers

    def readinto(self, view: memoryview) -> int:
        """The current part's bytes, up to the next delimiter (left in the buffer); 0 at its end."""
        while True:
            i = self._buf.find(self._delim)
            if i >= 0:
                n = min(i, len(view))
            else:
                n = min(len(self._buf) - len(self._delim), len(view))  # the tail may start a delimiter
            if n > 0:
                view[:n] = self._buf[:n]
                del self._buf[:n]
                return n
            if i == 0:
                return 0
            if not self._fill():
                raise _form_error("the body ends inside a part")

    def read_value(self, limit: int) -> bytes:
        out = bytearray()
        buf = memoryview(bytearray(_CHUNK))
        while n := self.readinto(buf):
            out += buf[:n]
            if len(out) > limit:
                raise OssServerError("InvalidArgument", "The form fields are too large.", status=400)
        return bytes(out)


def _disposition(value: str) -> dict[str, str]:
    found = {}
    for m in _DISPOSITION.finditer(value):
        if m.group(1):
            found[m.group(1).lower()] = m.group(2).replace('\\"', '"')
        else:
            found[m.group(3).lower()] = m.group(4)
    return found


def read_form(req: Request) -> tuple[dict[str, str], str | None, FormReader]:
    """(fields by lowercased name, the file's name, a reader positioned at the file's bytes)."""
    ctype = req.header("content-type")
    if not ctype.lower().startswith("multipart/form-data"):
        raise _form_error("the Content-Type is not multipart/form-data")
    m = _BOUNDARY.search(ctype)
    if not m:
        raise _form_error("the Content-Type names no boundary")
    form = FormReader(req.body.readinto, m.group(1) or m.group(2))
    fields: dict[str, str] = {}
    budget = MAX_FIELDS
    while (part := form.next_part()) is not None:
        disp = _disposition(part.get("content-disposition", ""))
        name = disp.get("name")
        if name is None:
            raise _form_error("a part has no name")
        if name.lower() == "file":
            if "content-type" in part and "content-type" not in fields:
                fields["content-type"] = part["content-type"]
            return fields, disp.get("filename", ""), form
        value = form.read_value(budget)
        budget -= len(value)
        if name.lower() in fields:  # names are case-insensitive: `key` and `Key` are one field, given twice
            raise invalid_argument(f"The form field {name} appears more than once; send it once.", name.lower(), "")
        fields[name.lower()] = value.decode("utf-8", "replace")
    raise OssServerError(
        "InvalidArgument", "The form has no file field.", status=400, ArgumentName="file", ArgumentValue=""
    )


# ------------------------------------------------------------------ policy


def _policy_fail(message: str) -> OssServerError:
    return OssServerError("AccessDenied", f"Invalid according to Policy: {message}")


def _iso_seconds(text: str) -> float:
    for fmt in ("%Y-%m-%dT%H:%M:%S.%fZ", "%Y-%m-%dT%H:%M:%SZ"):
        try:
            return calendar.timegm(time.strptime(text, fmt))
        except ValueError:
            continue
    raise OssServerError(
        "InvalidPolicyDocument", "Invalid Policy: Invalid Simple-Condition: expiration is not a valid ISO 8601 time."
    )


def load_policy(encoded: str) -> dict:
    try:
        policy = json.loads(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError):
        raise OssServerError(
            "InvalidPolicyDocument", "Invalid Policy: the policy is not base64-encoded JSON."
        ) from None
    if not isinstance(policy, dict) or "expiration" not in policy or not isinstance(policy.get("conditions", []), list):
        raise OssServerError(
            "InvalidPolicyDocument", "Invalid Policy: it needs an expiration and a list of conditions."
        )
    return policy


def check_policy(policy: dict, fields: dict[str, str], size: int | None, now: float) -> None:
    """Every condition must hold; `size` None checks all but content-length-range (known after the file)."""
    if _iso_seconds(str(policy["expiration"])) < now:
        raise _policy_fail("Policy expired.")
    for cond in policy.get("conditions", []):
        if isinstance(cond, dict):
            items = [("eq", "$" + k, v) for k, v in cond.items()]
        elif isinstance(cond, list) and cond:
            items = [tuple(cond)]
        else:
            raise OssServerError("InvalidPolicyDocument", f"Invalid Policy: Invalid Simple-Condition: {cond!r}")
        for item in items:
            _check_condition(item, fields, size)


def _check_condition(item: tuple, fields: dict[str, str], size: int | None) -> None:
    op = str(item[0]).lower()
    if op == "content-length-range":
        if len(item) != 3:
            raise OssServerError("InvalidPolicyDocument", "Invalid Policy: content-length-range needs two numbers.")
        low, high = int(item[1]), int(item[2])
        if size is not None and not low <= size <= high:
            raise OssServerError(
                "EntityTooLarge" if size > high else "EntityTooSmall",
                f"Your proposed upload size {size} is not between {low} and {high}.",
            )
        return
    if len(item) != 3 or not str(item[1]).startswith("$"):
        raise OssServerError("InvalidPolicyDocument", f"Invalid Policy: Invalid Simple-Condition: {list(item)!r}")
    name, want = str(item[1])[1:].lower(), item[2]
    have = fields.get(name, "")
    held = {
        "eq": lambda: have == str(want),
        "starts-with": lambda: have.startswith(str(want)),
        "in": lambda: isinstance(want, list) and have in [str(w) for w in want],
        "not-in": lambda: isinstance(want, list) and have not in [str(w) for w in want],
    }.get(op)
    if held is None:
        raise OssServerError("InvalidPolicyDocument", f"Invalid Policy: unknown condition {op!r}.")
    if not held():
        raise _policy_fail(f'Policy Condition failed: ["{op}", "${name}", {json.dumps(want)}]')


def authenticate_form(app, fields: dict[str, str]):
    """The account that signed the form's policy, None for an anonymous form (no policy, no signature)."""
    policy = fields.get("policy")
    v4 = fields.get("x-oss-signature-version") == "OSS4-HMAC-SHA256"
    ak = fields.get("x-oss-credential", "").split("/")[0] if v4 else fields.get("ossaccesskeyid")
    if not policy and not ak:
        return None
    if not policy or not ak:
        raise OssServerError(
            "InvalidArgument",
            "A form upload needs both a policy and its signature.",
            status=400,
            ArgumentName="policy",
            ArgumentValue="",
        )
    account = app.accounts.get(ak)
    if account is None:
        raise OssServerError("InvalidAccessKeyId", OSSAccessKeyId=ak)
    if v4:
        parts = fields.get("x-oss-credential", "").split("/")
        if len(parts) != 5 or parts[2] != app.region or parts[3:] != ["oss", "aliyun_v4_request"]:
            raise invalid_argument(
                "Invalid credential in the form.", "x-oss-credential", fields.get("x-oss-credential", "")
            )
        expected = SignerV4.signature(account.access_key_secret, parts[1], parts[2], policy)
        provided = fields.get("x-oss-signature", "")
    else:
        expected = SignerV1.signature(account.access_key_secret, policy)
        provided = fields.get("signature", "")
    if not hmac.compare_digest(expected.encode(), provided.encode()):
        raise OssServerError(
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
            OSSAccessKeyId=ak,
            StringToSign=policy,
        )
    token = fields.get("x-oss-security-token")
    if (account.security_token or token) and not hmac.compare_digest(
        (token or "").encode(), (account.security_token or "").encode()
    ):
        raise OssServerError("InvalidSecurityToken")
    return account, load_policy(policy)


# ------------------------------------------------------------------ the operation


def _attrs(req: Request, fields: dict[str, str], key: str) -> ObjectAttrs:
    acl = check_acl(fields.get(H_OBJECT_ACL) or Acl.DEFAULT.value, OBJECT_ACLS, H_OBJECT_ACL)
    storage_class = check_storage_class(fields.get(H_STORAGE_CLASS) or req.bucket_row.storage_class, H_STORAGE_CLASS)
    meta = {k[len("x-oss-meta-") :]: v for k, v in fields.items() if k.startswith("x-oss-meta-")}
    headers = check_sse({k: v for k, v in fields.items() if k in STORED_HEADERS})
    return ObjectAttrs(fields.get("content-type") or guess_content_type(key), headers, meta, acl, storage_class)


def post_object(app, req: Request) -> Response:
    fields, filename, form = read_form(req)
    signed = authenticate_form(app, fields)
    req.account, policy = signed if signed is not None else (None, None)
    app.access.authorize_key(req, Permission.WRITE, WRITE_ACTION, req.bucket_row, None)  # may write at all
    key = fields.get("key")
    if not key:
        raise invalid_argument("The form has no key field.", "key", "")
    key = check_key(key.replace("${filename}", filename or ""))
    # the object the form would replace decides, as for PutObject: a private one is its owner's to overwrite
    app.access.authorize_key(req, Permission.WRITE, WRITE_ACTION, req.bucket_row, key)
    if policy is not None:
        check_policy(policy, {**fields, "bucket": req.bucket}, None, app.clock())
    attrs = _attrs(req, fields, key)
    app.access.check_public_acl(req.bucket, attrs.acl)
    forbid = fields.get("x-oss-forbid-overwrite", "").lower() == "true"
    if forbid and app.store.get(req.bucket, key) is not None:
        raise OssServerError("FileAlreadyExists", Key=key)
    staged = app.store.blobs.receive(form.readinto, None, MAX_OBJECT_SIZE)
    try:
        if policy is not None:
            check_policy(policy, {**fields, "bucket": req.bucket}, staged.size, app.clock())
        while form.next_part() is not None:  # fields after the file are ignored, as OSS does
            form.read_value(MAX_FIELDS)
    except BaseException:
        app.store.blobs.discard(staged)
        raise
    authorize_replacing(app, req, key, staged)
    record = app.store.put_staged(req.bucket, key, staged, attrs, forbid)
    headers = {"ETag": quoted_etag(record.etag), H_CRC64: str(record.crc64)}
    if record.version_id:  # written to a bucket that has versioning
        headers[H_VERSION_ID] = record.version_id
    location = f"http://{req.bucket}.{req.host}/{quote(key, safe='/')}"
    redirect = fields.get("success_action_redirect")
    if redirect:
        sep = "&" if "?" in redirect else "?"
        target = (
            f"{redirect}{sep}bucket={quote(req.bucket, safe='')}&key={quote(key, safe='')}"
            f"&etag={quote(quoted_etag(record.etag), safe='')}"
        )
        return Response(303, {**headers, "Location": target})
    status = fields.get("success_action_status", "204")
    if status == "201":
        body = document(
            "PostResponse",
            [("Bucket", req.bucket), ("Location", location), ("Key", key), ("ETag", quoted_etag(record.etag))],
        )
        return Response.xml(body, 201, headers)
    return Response(200 if status == "200" else 204, headers)
