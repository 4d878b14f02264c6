"""Bucket configuration sub-resources: ?lifecycle, ?cors, ?referer, ?website, ?policy, ?encryption, ?logging,
?requestPayment and ?publicAccessBlock — each validated as OSS does, stored whole (see config_store), and
returned as stored. A structurally wrong document is MalformedXML; a well-formed one with a bad value is
InvalidArgument (or the specific code OSS uses), naming the element and value where OSS does.

Documents are stored normalized (re-serialized from the parsed tree), so what GET returns is well-formed
whatever the client's declaration or layout; lifecycle rules without an ID get one, as on OSS.
"""
from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Callable

import xmltodict

from .bucket_ops import STORAGE_CLASSES
from .context import Request, Response
from .errors import OssServerError, invalid_argument
from .tagging import _object_charset
from .xmlio import document, parse

CORS_METHODS = ("GET", "PUT", "DELETE", "POST", "HEAD")
_MIDNIGHT = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z$")
MAX_POLICY = 16 << 10


def _malformed(message: str) -> OssServerError:
    return OssServerError("MalformedXML", message)


def _one(node: dict, name: str, required: bool = False):
    """A child's text ('' for an empty element); None when absent. A repeated or nested child is malformed."""
    if name not in node:
        if required:
            raise _malformed(f"The element {name} is missing.")
        return None
    value = node[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise _malformed(f"The element {name} must hold text.")
    return value


def _node(node: dict, name: str) -> dict | None:
    value = node.get(name)
    if value is None:
        return {} if name in node else None
    if not isinstance(value, dict):
        raise _malformed(f"The element {name} must hold elements.")
    return value


def _nodes(node: dict, name: str) -> list[dict]:
    values = node.get(name) or []
    if not all(isinstance(v, dict) for v in values):
        raise _malformed(f"Each {name} must hold elements.")
    return values


def _bool(node: dict, name: str, required: bool = False) -> bool | None:
    value = _one(node, name, required)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):     # oss2 sends Python's True/False
        raise invalid_argument(f"{name} must be true or false.", name, value)
    return value.lower() == "true"


def _positive_int(value: str, name: str, low: int = 1) -> int:
    if not re.fullmatch(r"-?\d{1,10}", value.strip()) or int(value) < low:
        raise invalid_argument(f"{name} must be an integer of at least {low}.", name, value)
    return int(value)


# ---------------------------------------------------------------- lifecycle

_CLASS_ORDER = {name: i for i, name in enumerate(STORAGE_CLASSES)}


def _when(node: dict, where: str, names=("Days", "CreatedBeforeDate")) -> tuple[str, int | str]:
    """The one time condition of an action: ("Days", n) or ("CreatedBeforeDate", date)."""
    found = [n for n in names if n in node]
    if len(found) != 1:
        raise invalid_argument(f"{where} needs exactly one of {', '.join(names)}.", where, ",".join(found))
    name = found[0]
    value = _one(node, name)
    if name == "Days" or name == "NoncurrentDays":
        return name, _positive_int(value, f"{where}.{name}")
    if name == "ExpiredObjectDeleteMarker":
        if value not in ("true", "false"):
            raise invalid_argument("ExpiredObjectDeleteMarker must be true or false.", name, value)
        return name, value
    if not _MIDNIGHT.match(value):
        raise invalid_argument(f"{where}.{name} must be a date at midnight UTC, like 2016-12-25T00:00:00.000Z.",
                               name, value)
    return name, value


def _transition_class(transition: dict) -> str:
    storage_class = _one(transition, "StorageClass", required=True)
    if storage_class not in STORAGE_CLASSES[1:]:
        raise invalid_argument("A transition goes to IA, Archive, ColdArchive or DeepColdArchive.",
                               "StorageClass", storage_class)
    return storage_class


def _lifecycle(app, req: Request, doc: dict) -> dict:
    rules = doc.get("Rule") or []
    if not rules:
        raise _malformed("A LifecycleConfiguration needs at least one Rule.")
    if len(rules) > 1000:
        raise invalid_argument("A bucket has at most 1000 lifecycle rules.", "Rule", str(len(rules)))
    ids, normalized = set(), []
    for rule in rules:
        if not isinstance(rule, dict):
            raise _malformed("Each Rule must hold elements.")
        rule_id = _one(rule, "ID") or uuid.uuid4().hex
        if len(rule_id) > 255:
            raise invalid_argument("A rule ID is at most 255 characters.", "ID", rule_id)
        if rule_id in ids:
            raise invalid_argument("Rule IDs must be unique.", "ID", rule_id)
        ids.add(rule_id)
        status = _one(rule, "Status", required=True)
        if status not in ("Enabled", "Disabled"):
            raise invalid_argument("Status must be Enabled or Disabled.", "Status", status)
        _check_rule_actions(rule)
        for tag in _nodes(rule, "Tag"):
            key, value = _one(tag, "Key", True), _one(tag, "Value") or ""
            if not key or not _object_charset(key) or not _object_charset(value):
                raise invalid_argument("A lifecycle Tag holds only letters, digits, spaces and + - = . _ : /",
                                       "Tag", key)
        rest = {k: v for k, v in rule.items() if k not in ("ID", "Prefix")}
        normalized.append({"ID": rule_id, "Prefix": rule.get("Prefix") or "", **rest})
    return {**doc, "Rule": normalized}


def _check_rule_actions(rule: dict) -> None:
    actions = ("Expiration", "Transition", "AbortMultipartUpload", "NoncurrentVersionExpiration",
               "NoncurrentVersionTransition")
    if not any(a in rule for a in actions):
        raise invalid_argument("A rule needs at least one action.", "Rule", _one(rule, "ID") or "")
    expiration = _node(rule, "Expiration")
    expire_days, kinds = None, set()
    if expiration is not None:
        name, value = _when(expiration, "Expiration",
                            ("Days", "CreatedBeforeDate", "Date", "ExpiredObjectDeleteMarker"))
        expire_days = value if name == "Days" else None
        kinds.add(name)
    by_class: dict[str, int] = {}
    for transition in _nodes(rule, "Transition"):
        storage_class = _transition_class(transition)
        name, value = _when(transition, "Transition")
        kinds.add(name)
        if len(kinds & {"Days", "CreatedBeforeDate", "Date"}) > 1:
            raise OssServerError("InvalidRequest", "The expiration and transitions of a rule must all use Days or "
                                 "all use CreatedBeforeDate.")
        if name == "Days":
            if expire_days is not None and value >= expire_days:
                raise invalid_argument("A transition must come before the expiration.", "Days", str(value))
            by_class[storage_class] = value
    ordered = sorted(by_class.items(), key=lambda item: _CLASS_ORDER[item[0]])
    for (_, warmer), (colder_class, colder) in zip(ordered, ordered[1:]):
        if colder <= warmer:
            raise invalid_argument(f"The transition to {colder_class} must come after warmer classes.",
                                   "Days", str(colder))
    abort = _node(rule, "AbortMultipartUpload")
    if abort is not None:
        _when(abort, "AbortMultipartUpload")
    noncurrent = _node(rule, "NoncurrentVersionExpiration")
    if noncurrent is not None:
        _when(noncurrent, "NoncurrentVersionExpiration", ("NoncurrentDays",))
    for transition in _nodes(rule, "NoncurrentVersionTransition"):
        storage_class = _transition_class(transition)
        _when(transition, "NoncurrentVersionTransition", ("NoncurrentDays",))


# ---------------------------------------------------------------- CORS

def _cors(app, req: Request, doc: dict) -> dict:
    rules = doc.get("CORSRule") or []
    if not rules:
        raise _malformed("A CORSConfiguration needs at least one CORSRule.")
    if len(rules) > 10:
        raise invalid_argument("A bucket has at most 10 CORS rules.", "CORSRule", str(len(rules)))
    for rule in rules:
        if not isinstance(rule, dict):
            raise _malformed("Each CORSRule must hold elements.")
        origins, methods = _texts(rule, "AllowedOrigin"), _texts(rule, "AllowedMethod")
        if not origins or not methods:
            raise _malformed("A CORSRule needs an AllowedOrigin and an AllowedMethod.")
        for origin in origins:
            if origin.count("*") > 1:
                raise invalid_argument("An AllowedOrigin holds at most one *.", "AllowedOrigin", origin)
        for method in methods:
            if method not in CORS_METHODS:
                raise invalid_argument("AllowedMethod is one of GET, PUT, DELETE, POST, HEAD.",
                                       "AllowedMethod", method)
        for header in _texts(rule, "AllowedHeader"):
            if header.count("*") > 1:
                raise invalid_argument("An AllowedHeader holds at most one *.", "AllowedHeader", header)
        for header in _texts(rule, "ExposeHeader"):
            if "*" in header:
                raise invalid_argument("An ExposeHeader cannot hold *.", "ExposeHeader", header)
        max_age = _one(rule, "MaxAgeSeconds")
        if max_age is not None:
            _positive_int(max_age, "MaxAgeSeconds", low=0)
    _bool(doc, "ResponseVary")
    return {**doc, "ResponseVary": doc.get("ResponseVary") or "false"}   # stated either way, as OSS answers


def _texts(node: dict, name: str) -> list[str]:
    values = node.get(name) or []
    if not all(isinstance(v, (str, type(None))) for v in values):
        raise _malformed(f"Each {name} must hold text.")
    return [v or "" for v in values]


# ---------------------------------------------------------------- referer, website, logging, small ones

def _referer(app, req: Request, doc: dict) -> dict:
    _bool(doc, "AllowEmptyReferer", required=True)
    _bool(doc, "AllowTruncateQueryString")
    for name in ("RefererList", "RefererBlacklist"):
        node = doc.get(name)
        if node is not None and not isinstance(node, dict):
            raise _malformed(f"{name} must hold Referer elements.")
        _texts(node or {}, "Referer")
    if "RefererList" not in doc:
        raise _malformed("The element RefererList is missing.")
    return {**doc, "AllowTruncateQueryString": doc.get("AllowTruncateQueryString") or "true"}


def _website(app, req: Request, doc: dict) -> dict:
    index, error, rules = _node(doc, "IndexDocument"), _node(doc, "ErrorDocument"), _node(doc, "RoutingRules")
    if index is None and error is None and rules is None:
        raise _malformed("A WebsiteConfiguration needs an IndexDocument, an ErrorDocument or RoutingRules.")
    if index is not None:
        suffix = _one(index, "Suffix", required=True)
        if not suffix or "/" in suffix:
            raise invalid_argument("The index document suffix must be a non-empty name without /.",
                                   "Suffix", suffix)
        _bool(index, "SupportSubDir")
    if error is not None:
        _one(error, "Key", required=True)
    numbers = set()
    for rule in _nodes(rules or {}, "RoutingRule"):
        number = _positive_int(_one(rule, "RuleNumber", required=True), "RuleNumber")
        if number in numbers:
            raise invalid_argument("RuleNumber must be unique.", "RuleNumber", str(number))
        numbers.add(number)
        if _node(rule, "Redirect") is None:
            raise _malformed("A RoutingRule needs a Redirect.")
    return doc


def encryption_from_headers(req: Request) -> dict | None:
    """PutBucket's x-oss-server-side-encryption headers as a checked ServerSideEncryptionRule, None without."""
    algorithm = req.header("x-oss-server-side-encryption")
    if not algorithm:
        return None
    rule = {"SSEAlgorithm": algorithm}
    for header, name in (("x-oss-server-side-encryption-key-id", "KMSMasterKeyID"),
                         ("x-oss-server-side-data-encryption", "KMSDataEncryption")):
        if req.header(header):
            rule[name] = req.header(header)
    return _encryption(None, req, {"ApplyServerSideEncryptionByDefault": rule})


def default_encryption(app, bucket: str) -> dict[str, str]:
    """The x-oss-server-side-* fields the bucket's encryption rule gives an object written without any."""
    rule = (stored(app, bucket, "encryption") or {}).get("ApplyServerSideEncryptionByDefault") or {}
    fields = {"x-oss-server-side-encryption": rule.get("SSEAlgorithm"),
              "x-oss-server-side-encryption-key-id": rule.get("KMSMasterKeyID"),
              "x-oss-server-side-data-encryption": rule.get("KMSDataEncryption")}
    return {k: v for k, v in fields.items() if v}


def store_document(app, bucket: str, name: str, doc: dict) -> None:
    app.configs.put(bucket, name, xmltodict.unparse({KINDS[name].root: _lower_bools(doc)}).encode("utf-8"))


def _lower_bools(node):
    """True/False (what oss2 writes for Python booleans) stored as OSS answers them: true/false."""
    if isinstance(node, dict):
        return {k: _lower_bools(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_lower_bools(v) for v in node]
    return node.lower() if node in ("True", "False") else node


def _encryption(app, req: Request, doc: dict) -> dict:
    rule = _node(doc, "ApplyServerSideEncryptionByDefault")
    if rule is None:
        raise _malformed("The element ApplyServerSideEncryptionByDefault is missing.")
    algorithm = _one(rule, "SSEAlgorithm", required=True)
    if algorithm not in ("AES256", "KMS", "SM4"):
        raise OssServerError("InvalidEncryptionAlgorithmError", "The encryption algorithm is AES256, KMS or SM4.",
                             ArgumentName="SSEAlgorithm", ArgumentValue=algorithm)
    if _one(rule, "KMSMasterKeyID") and algorithm != "KMS":
        raise invalid_argument("KMSMasterKeyID is only for the KMS algorithm.", "KMSMasterKeyID",
                               _one(rule, "KMSMasterKeyID"))
    data = _one(rule, "KMSDataEncryption")
    if data and algorithm == "KMS" and data != "SM4":
        raise invalid_argument("KMSDataEncryption is SM4.", "KMSDataEncryption", data)
    if algorithm != "KMS":      # only KMS has a data encryption algorithm or a key; OSS drops them
        rule = {k: v for k, v in rule.items() if k not in ("KMSDataEncryption", "KMSMasterKeyID")}
    return {**doc, "ApplyServerSideEncryptionByDefault": rule}


def _logging(app, req: Request, doc: dict) -> dict | None:
    enabled = _node(doc, "LoggingEnabled")
    if enabled is None:
        return None       # an empty BucketLoggingStatus turns logging off
    target = _one(enabled, "TargetBucket", required=True)
    bucket = app.store.bucket(target) if target else None
    if bucket is None or bucket.owner != req.owner_id or bucket.location != req.bucket_row.location:
        raise OssServerError("InvalidTargetBucketForLogging", "The target bucket for logging does not exist, is "
                             "not yours or is in another region.", TargetBucket=target)
    prefix = _one(enabled, "TargetPrefix") or ""
    if len(prefix) > 32:
        raise invalid_argument("TargetPrefix is at most 32 characters.", "TargetPrefix", prefix)
    return doc


def _request_payment(app, req: Request, doc: dict) -> dict:
    payer = _one(doc, "Payer", required=True)
    if payer not in ("BucketOwner", "Requester"):
        raise invalid_argument("Payer is BucketOwner or Requester.", "Payer", payer)
    return doc


def _public_access_block(app, req: Request, doc: dict) -> dict:
    return {**doc, "BlockPublicAccess": str(_bool(doc, "BlockPublicAccess", required=True)).lower()}


def check_policy(body: bytes) -> bytes:
    """A bucket policy: UTF-8 JSON with Version "1" and a list of statements, each with an Effect of Allow or
    Deny and Action and Resource lists (or strings). Stored exactly as sent."""
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
            value = statement.get(field)
            if not (isinstance(value, str) or (isinstance(value, list) and value
                                                and all(isinstance(v, str) for v in value))):
                raise bad(f"Each statement needs {field} as a string or a list of strings.")
    return body


# ---------------------------------------------------------------- the table and the handlers

@dataclass(frozen=True)
class Kind:
    root: str
    check: Callable            # (app, req, parsed) -> document to store, None to remove
    missing: str | None        # the 404 code when absent; None: `default` answers instead
    default: list | None = None
    lists: tuple[str, ...] = ()


KINDS = {
    "lifecycle": Kind("LifecycleConfiguration", _lifecycle, "NoSuchLifecycle",
                      lists=("Rule", "Transition", "Tag", "NoncurrentVersionTransition", "Not")),
    "cors": Kind("CORSConfiguration", _cors, "NoSuchCORSConfiguration",
                 lists=("CORSRule", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader")),
    "referer": Kind("RefererConfiguration", _referer, None,
                    [("AllowEmptyReferer", True), ("AllowTruncateQueryString", True), ("RefererList", None)],
                    lists=("Referer",)),
    "website": Kind("WebsiteConfiguration", _website, "NoSuchWebsiteConfiguration",
                    lists=("RoutingRule", "IncludeHeader", "Pass", "Remove", "Set")),
    "encryption": Kind("ServerSideEncryptionRule", _encryption, "NoSuchServerSideEncryptionRule"),
    "logging": Kind("BucketLoggingStatus", _logging, None, []),
    "requestPayment": Kind("RequestPaymentConfiguration", _request_payment, None, [("Payer", "BucketOwner")]),
    "publicAccessBlock": Kind("PublicAccessBlockConfiguration", _public_access_block, None,
                              [("BlockPublicAccess", False)]),
}
def _name(req: Request) -> str:
    return next(p for p in req.params if p in KINDS or p == "policy")


def missing(code: str, bucket: str) -> OssServerError:
    return OssServerError(code, BucketName=bucket)


def stored(app, bucket: str, name: str):
    """The parsed stored document of one configuration (the root's children), None when absent."""
    raw = app.configs.get(bucket, name)
    return None if raw is None else parse(raw, KINDS[name].root, KINDS[name].lists)


def put_config(app, req: Request) -> Response:
    name = _name(req)
    body = req.body.read_all()
    if name == "policy":
        app.configs.put(req.bucket, name, check_policy(body))
        return Response(200)
    kind = KINDS[name]
    result = kind.check(app, req, parse(body, kind.root, kind.lists))
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
    return Response.xml(document(kind.root, kind.default))


def delete_config(app, req: Request) -> Response:
    app.configs.delete(req.bucket, _name(req))
    return Response(204)
