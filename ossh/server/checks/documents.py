"""Reading configuration documents as parsed by xmlio.parse (dicts of text and lists): one child's text, a
child element, repeated children, booleans and counts, with OSS's MalformedXML / InvalidArgument refusals; and
the shape (root element, repeated elements) of each bucket configuration document."""

from __future__ import annotations

import re

from ..wire.errors import OssServerError, invalid_argument


def malformed(message: str) -> OssServerError:
    return OssServerError("MalformedXML", message)


def one(node: dict, name: str, required: bool = False):
    """A child's text ('' for an empty element); None when absent. A repeated or nested child is malformed."""
    if name not in node:
        if required:
            raise malformed(f"The element {name} is missing.")
        return None
    value = node[name]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise malformed(f"The element {name} must hold text.")
    return value


def node(node: dict, name: str) -> dict | None:
    value = node.get(name)
    if value is None:
        return {} if name in node else None
    if not isinstance(value, dict):
        raise malformed(f"The element {name} must hold elements.")
    return value


def nodes(node: dict, name: str) -> list[dict]:
    values = node.get(name) or []
    if not all(isinstance(v, dict) for v in values):
        raise malformed(f"Each {name} must hold elements.")
    return values


def bool_value(node: dict, name: str, required: bool = False) -> bool | None:
    value = one(node, name, required)
    if value is None:
        return None
    if value.lower() not in ("true", "false"):  # oss2 sends Python's True/False
        raise invalid_argument(f"{name} must be true or false.", name, value)
    return value.lower() == "true"


def positive_int(value: str, name: str, low: int = 1) -> int:
    if not re.fullmatch(r"-?\d{1,10}", value.strip()) or int(value) < low:
        raise invalid_argument(f"{name} must be an integer of at least {low}.", name, value)
    return int(value)


def texts(node: dict, name: str) -> list[str]:
    values = node.get(name) or []
    if not all(isinstance(v, (str, type(None))) for v in values):
        raise malformed(f"Each {name} must hold text.")
    return [v or "" for v in values]


def rules(doc: dict, name: str, limit: int) -> list[dict]:
    """The repeated rule elements of a document: at least one (else MalformedXML), at most `limit`."""
    found = nodes(doc, name)
    if not found:
        raise malformed(f"The document needs at least one {name}.")
    if len(found) > limit:
        raise invalid_argument(f"A bucket has at most {limit} {name} elements.", name, str(len(found)))
    return found


# Each bucket configuration's document: its root element and the elements that repeat (parsed as lists).
SHAPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "lifecycle": ("LifecycleConfiguration", ("Rule", "Transition", "Tag", "NoncurrentVersionTransition", "Not")),
    "cors": ("CORSConfiguration", ("CORSRule", "AllowedOrigin", "AllowedMethod", "AllowedHeader", "ExposeHeader")),
    "referer": ("RefererConfiguration", ("Referer",)),
    "website": ("WebsiteConfiguration", ("RoutingRule", "IncludeHeader", "Pass", "Remove", "Set")),
    "encryption": ("ServerSideEncryptionRule", ()),
    "logging": ("BucketLoggingStatus", ()),
    "requestPayment": ("RequestPaymentConfiguration", ()),
    "publicAccessBlock": ("PublicAccessBlockConfiguration", ()),
    "qos": ("BucketUserQos", ()),
}
