"""Bucket configuration sub-resources: ?lifecycle, ?cors, ?referer, ?website, ?policy, ?encryption, ?logging,
?requestPayment, ?publicAccessBlock and ?qos (the storage capacity) — each validated as OSS does, stored
whole (see store/configs.py), and returned as stored. A structurally wrong document is MalformedXML; a
well-formed one with a bad value is InvalidArgument (or the specific code OSS uses), naming the element and
value where OSS does.

Documents are stored normalized (re-serialized from the parsed tree), so what GET returns is well-formed
whatever the client's declaration or layout; lifecycle rules without an ID get one, as on OSS.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import xmltodict

from ossh.protocol import H_SSE, H_SSE_DATA, H_SSE_KEY_ID

from ..checks.documents import SHAPES, bool_value, malformed, node, nodes, one, positive_int, rules, texts
from ..checks.headers import SSE_ALGORITHMS
from ..wire.errors import OssServerError, invalid_argument
from ..wire.message import Request, Response
from ..wire.xmlio import document, parse
from .lifecycle import check_lifecycle

CORS_METHODS = ("GET", "PUT", "DELETE", "POST", "HEAD")
MAX_POLICY = 16 << 10


# ---------------------------------------------------------------- CORS


def _cors(app, req: Request, doc: dict) -> dict:
    for rule in rules(doc, "CORSRule", 10):
        origins, methods = texts(rule, "AllowedOrigin"), texts(rule, "AllowedMethod")
        if not origins or not methods:
            raise malformed("A CORSRule needs an AllowedOrigin and an AllowedMethod.")
        for origin in origins:
            if origin.count("*") > 1:
                raise invalid_argument("An AllowedOrigin holds at most one *.", "AllowedOrigin", origin)
        for method in methods:
            if method not in CORS_METHODS:
                raise invalid_argument("AllowedMethod is one of GET, PUT, DELETE, POST, HEAD.", "AllowedMethod", method)
        for header in texts(rule, "AllowedHeader"):
            if header.count("*") > 1:
                raise invalid_argument("An AllowedHeader holds at most one *.", "AllowedHeader", header)
        for header in texts(rule, "ExposeHeader"):
            if "*" in header:
                raise invalid_argument("An ExposeHeader cannot hold *.", "ExposeHeader", header)
        max_age = one(rule, "MaxAgeSeconds")
        if max_age is not None:
            positive_int(max_age, "MaxAgeSeconds", low=0)
    bool_value(doc, "ResponseVary")
    return {**doc, "ResponseVary": doc.get("ResponseVary") or "false"}  # stated either way, as OSS answers


# ---------------------------------------------------------------- referer, website, logging, small ones


def _referer(app, req: Request, doc: dict) -> dict:
    bool_value(doc, "AllowEmptyReferer", required=True)
    bool_value(doc, "AllowTruncateQueryString")
    for name in ("RefererList", "RefererBlacklist"):
        node = doc.get(name)
        if node is not None and not isinstance(node, dict):
            raise malformed(f"{name} must hold Referer elements.")
        texts(node or {}, "Referer")
    if "RefererList" not in doc:
        raise malformed("The element RefererList is missing.")
    return {**doc, "AllowTruncateQueryString": doc.get("AllowTruncateQueryString") or "true"}


def _website(app, req: Request, doc: dict) -> dict:
    index, error, rules = node(doc, "IndexDocument"), node(doc, "ErrorDocument"), node(doc, "RoutingRules")
    if index is None and error is None and rules is None:
        raise malformed("A WebsiteConfiguration needs an IndexDocument, an ErrorDocument or RoutingRules.")
    if index is not None:
        suffix = one(index, "Suffix", required=True)
        if not suffix or "/" in suffix:
            raise invalid_argument("The index document suffix must be a non-empty name without /.", "Suffix", suffix)
        bool_value(index, "SupportSubDir")
    if error is not None:
        one(error, "Key", required=True)
    numbers = set()
    for rule in nodes(rules or {}, "RoutingRule"):
        number = positive_int(one(rule, "RuleNumber", required=True), "RuleNumber")
        if number in numbers:
            raise invalid_argument("RuleNumber must be unique.", "RuleNumber", str(number))
        numbers.add(number)
        if node(rule, "Redirect") is None:
            raise malformed("A RoutingRule needs a Redirect.")
    return doc


def encryption_from_headers(req: Request) -> dict | None:
    """PutBucket's x-oss-server-side-encryption headers as a checked ServerSideEncryptionRule, None without."""
    algorithm = req.header(H_SSE)
    if not algorithm:
        return None
    rule = {"SSEAlgorithm": algorithm}
    for header, name in ((H_SSE_KEY_ID, "KMSMasterKeyID"), (H_SSE_DATA, "KMSDataEncryption")):
        if req.header(header):
            rule[name] = req.header(header)
    return _encryption(None, req, {"ApplyServerSideEncryptionByDefault": rule})


def default_encryption(app, bucket: str) -> dict[str, str]:
    """The x-oss-server-side-* fields the bucket's encryption rule gives an object written without any."""
    rule = (app.configs.document(bucket, "encryption") or {}).get("ApplyServerSideEncryptionByDefault") or {}
    fields = {
        H_SSE: rule.get("SSEAlgorithm"),
        H_SSE_KEY_ID: rule.get("KMSMasterKeyID"),
        H_SSE_DATA: rule.get("KMSDataEncryption"),
    }
    return {k: v for k, v in fields.items() if v}


def store_document(app, bucket: str, name: str, doc: dict) -> None:
    app.configs.put(bucket, name, xmltodict.unparse({SHAPES[name][0]: _lower_bools(doc)}).encode("utf-8"))


def _lower_bools(node):
    """True/False (what oss2 writes for Python booleans) stored as OSS answers them: true/false."""
    if isinstance(node, dict):
        return {k: _lower_bools(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_lower_bools(v) for v in node]
    return node.lower() if node in ("True", "False") else node


def _encryption(app, req: Request, doc: dict) -> dict:
    rule = node(doc, "ApplyServerSideEncryptionByDefault")
    if rule is None:
        raise malformed("The element ApplyServerSideEncryptionByDefault is missing.")
    algorithm = one(rule, "SSEAlgorithm", required=True)
    if algorithm not in SSE_ALGORITHMS:
        raise OssServerError(
            "InvalidEncryptionAlgorithmError",
            "The encryption algorithm is AES256, KMS or SM4.",
            ArgumentName="SSEAlgorithm",
            ArgumentValue=algorithm,
        )
    if one(rule, "KMSMasterKeyID") and algorithm != "KMS":
        raise invalid_argument(
            "KMSMasterKeyID is only for the KMS algorithm.", "KMSMasterKeyID", one(rule, "KMSMasterKeyID")
        )
    data = one(rule, "KMSDataEncryption")
    if data and algorithm == "KMS" and data != "SM4":
        raise invalid_argument("KMSDataEncryption is SM4.", "KMSDataEncryption", data)
    if algorithm != "KMS":  # only KMS has a data encryption algorithm or a key; OSS drops them
        rule = {k: v for k, v in rule.items() if k not in ("KMSDataEncryption", "KMSMasterKeyID")}
    return {**doc, "ApplyServerSideEncryptionByDefault": rule}


def _logging(app, req: Request, doc: dict) -> dict | None:
    enabled = node(doc, "LoggingEnabled")
    if enabled is None:
        return None  # an empty BucketLoggingStatus turns logging off
    target = one(enabled, "TargetBucket", required=True)
    bucket = app.store.bucket(target) if target else None
    if bucket is None or bucket.owner != req.owner_id or bucket.location != req.bucket_row.location:
        raise OssServerError(
            "InvalidTargetBucketForLogging",
            "The target bucket for logging does not exist, is not yours or is in another region.",
            TargetBucket=target,
        )
    prefix = one(enabled, "TargetPrefix") or ""
    if len(prefix) > 32:
        raise invalid_argument("TargetPrefix is at most 32 characters.", "TargetPrefix", prefix)
    return doc


def _request_payment(app, req: Request, doc: dict) -> dict:
    payer = one(doc, "Payer", required=True)
    if payer not in ("BucketOwner", "Requester"):
        raise invalid_argument("Payer is BucketOwner or Requester.", "Payer", payer)
    return doc


def _user_qos(app, req: Request, doc: dict) -> dict:
    """StorageCapacity in GB: -1 (no limit, the default) or a positive number. Stored, not enforced."""
    raw = one(doc, "StorageCapacity", required=True)
    if raw != "-1":
        positive_int(raw, "StorageCapacity")
    return {"StorageCapacity": raw}


def _public_access_block(app, req: Request, doc: dict) -> dict:
    return {**doc, "BlockPublicAccess": str(bool_value(doc, "BlockPublicAccess", required=True)).lower()}


def check_policy(body: bytes) -> bytes:
    """A bucket policy: UTF-8 JSON with Version "1" and a list of statements, each with an Effect of Allow or
    Deny, Action (or NotAction) and Resource (or NotResource) lists or strings, and Principal, when present, a
    list or string. Stored exactly as sent."""

    def bad(message: str, ec: str = "0030-00000005") -> OssServerError:
        err = OssServerError("InvalidPolicyDocument", message)
        err.ec = ec
        return err

    if len(body) > MAX_POLICY:
        raise bad("A bucket policy is at most 16 KB.")
    try:
        policy = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        raise bad("A bucket policy must be UTF-8.", "0030-00000004") from None
    except ValueError:
        raise bad("The bucket policy is not valid JSON.") from None
    if not isinstance(policy, dict) or policy.get("Version") != "1":
        raise bad('The policy Version must be the string "1".', "0030-00000002")
    statements = policy.get("Statement")
    if not isinstance(statements, list) or not statements:
        raise bad("The policy needs a list of statements.")
    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") not in ("Allow", "Deny"):
            raise bad("Each statement needs an Effect of Allow or Deny.")
        for field in ("Action", "Resource"):
            named = [name for name in (field, "Not" + field) if name in statement]
            if len(named) != 1 or not _strings(statement[named[0]]):
                raise bad(f"Each statement needs {field} (or Not{field}, not both) as a string or a list of strings.")
        if "Principal" in statement and not _strings(statement["Principal"], empty=True):
            raise bad("A statement's Principal is a string or a list of strings.")
    return body


def _strings(value, empty: bool = False) -> bool:
    """A string, or a list of strings (non-empty unless `empty`)."""
    return isinstance(value, str) or (
        isinstance(value, list) and (empty or bool(value)) and all(isinstance(v, str) for v in value)
    )


# ---------------------------------------------------------------- the table and the handlers


@dataclass(frozen=True)
class Kind:
    check: Callable  # (app, req, parsed) -> document to store, None to remove
    missing: str | None  # the 404 code when absent; None: `default` answers instead
    default: list | None = None


# Each configuration's document shape (root element, repeated elements) is checks.documents.SHAPES.
KINDS = {
    "lifecycle": Kind(check_lifecycle, "NoSuchLifecycle"),
    "cors": Kind(_cors, "NoSuchCORSConfiguration"),
    "referer": Kind(
        _referer, None, [("AllowEmptyReferer", True), ("AllowTruncateQueryString", True), ("RefererList", None)]
    ),
    "website": Kind(_website, "NoSuchWebsiteConfiguration"),
    "encryption": Kind(_encryption, "NoSuchServerSideEncryptionRule"),
    "logging": Kind(_logging, None, []),
    "requestPayment": Kind(_request_payment, None, [("Payer", "BucketOwner")]),
    "publicAccessBlock": Kind(_public_access_block, None, [("BlockPublicAccess", False)]),
    "qos": Kind(_user_qos, None, [("StorageCapacity", -1)]),
}


def _name(req: Request) -> str:
    return next(p for p in req.params if p in KINDS or p == "policy")


def missing(code: str, bucket: str) -> OssServerError:
    return OssServerError(code, BucketName=bucket)


def put_config(app, req: Request) -> Response:
    name = _name(req)
    body = req.body.read_all()
    if name == "policy":
        app.configs.put(req.bucket, name, check_policy(body))
        return Response(200)
    result = KINDS[name].check(app, req, parse(body, *SHAPES[name]))
    if result is None:
        app.configs.delete(req.bucket, name)
    else:
        store_document(app, req.bucket, name, result)
    return Response(200)


def get_config(app, req: Request) -> Response:
    name = _name(req)
    raw = app.configs.get(req.bucket, name)
    if name == "policy":
        if raw is None:
            raise missing("NoSuchBucketPolicy", req.bucket)
        return Response(200, {"Content-Type": "application/json"}, raw)
    kind = KINDS[name]
    if raw is not None:
        return Response.xml(raw)
    if kind.missing:
        raise missing(kind.missing, req.bucket)
    return Response.xml(document(SHAPES[name][0], kind.default))


def delete_config(app, req: Request) -> Response:
    app.configs.delete(req.bucket, _name(req))
    return Response(204)
