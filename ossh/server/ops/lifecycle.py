"""Lifecycle rules as OSS validates them: unique IDs, a status, at least one action, one time condition per
action (days or a midnight date, not mixed within a rule), transitions to colder classes only, each colder
class later than the warmer ones and all before the expiration, and tag filters in the object tag charset.
Rules without an ID get one, as on OSS. lifecycle_run.py applies them."""

from __future__ import annotations

import re
import uuid

from ossh.protocol import COLDNESS, STORAGE_CLASSES

from ..checks.documents import node, nodes, one, positive_int, rules
from ..checks.tags import object_charset
from ..wire.errors import OssServerError, invalid_argument
from ..wire.message import Request

_MIDNIGHT = re.compile(r"^\d{4}-\d{2}-\d{2}T00:00:00(\.000)?Z$")


def _when(node: dict, where: str, names=("Days", "CreatedBeforeDate")) -> tuple[str, int | str]:
    """The one time condition of an action: ("Days", n) or ("CreatedBeforeDate", date)."""
    found = [n for n in names if n in node]
    if len(found) != 1:
        raise invalid_argument(f"{where} needs exactly one of {', '.join(names)}.", where, ",".join(found))
    name = found[0]
    value = one(node, name)
    if name == "Days" or name == "NoncurrentDays":
        return name, positive_int(value, f"{where}.{name}")
    if name == "ExpiredObjectDeleteMarker":
        if value.lower() not in ("true", "false"):  # any case, as OSS reads it (oss2 sends "True")
            raise invalid_argument("ExpiredObjectDeleteMarker must be true or false.", name, value)
        return name, value.lower()
    if not _MIDNIGHT.match(value):
        raise invalid_argument(
            f"{where}.{name} must be a date at midnight UTC, like 2016-12-25T00:00:00.000Z.", name, value
        )
    return name, value


def _transition_class(transition: dict) -> str:
    storage_class = one(transition, "StorageClass", required=True)
    if storage_class not in STORAGE_CLASSES[1:]:
        raise invalid_argument(
            "A transition goes to IA, Archive, ColdArchive or DeepColdArchive.", "StorageClass", storage_class
        )
    return storage_class


def check_lifecycle(app, req: Request, doc: dict) -> dict:
    ids, normalized = set(), []
    for rule in rules(doc, "Rule", 1000):
        rule_id = one(rule, "ID") or uuid.uuid4().hex
        if len(rule_id) > 255:
            raise invalid_argument("A rule ID is at most 255 characters.", "ID", rule_id)
        if rule_id in ids:
            raise invalid_argument("Rule IDs must be unique.", "ID", rule_id)
        ids.add(rule_id)
        status = one(rule, "Status", required=True)
        if status not in ("Enabled", "Disabled"):
            raise invalid_argument("Status must be Enabled or Disabled.", "Status", status)
        _check_rule_actions(rule)
        for tag in nodes(rule, "Tag"):
            key, value = one(tag, "Key", True), one(tag, "Value") or ""
            if not key or not object_charset(key) or not object_charset(value):
                raise invalid_argument(
                    "A lifecycle Tag holds only letters, digits, spaces and + - = . _ : /", "Tag", key
                )
        rest = {k: v for k, v in rule.items() if k not in ("ID", "Prefix")}
        normalized.append({"ID": rule_id, "Prefix": rule.get("Prefix") or "", **rest})
    return {**doc, "Rule": normalized}


def _check_rule_actions(rule: dict) -> None:
    actions = (
        "Expiration",
        "Transition",
        "AbortMultipartUpload",
        "NoncurrentVersionExpiration",
        "NoncurrentVersionTransition",
    )
    if not any(a in rule for a in actions):
        raise invalid_argument("A rule needs at least one action.", "Rule", one(rule, "ID") or "")
    expiration = node(rule, "Expiration")
    expire_days, kinds = None, set()
    if expiration is not None:
        name, value = _when(
            expiration, "Expiration", ("Days", "CreatedBeforeDate", "Date", "ExpiredObjectDeleteMarker")
        )
        expire_days = value if name == "Days" else None
        if name == "ExpiredObjectDeleteMarker":
            expiration[name] = value  # kept as OSS answers it: lower case
        kinds.add(name)
    by_class: dict[str, int] = {}
    for transition in nodes(rule, "Transition"):
        storage_class = _transition_class(transition)
        name, value = _when(transition, "Transition")
        kinds.add(name)
        if len(kinds & {"Days", "CreatedBeforeDate", "Date"}) > 1:
            raise OssServerError(
                "InvalidRequest",
                "The expiration and transitions of a rule must all use Days or all use CreatedBeforeDate.",
            )
        if name == "Days":
            if expire_days is not None and value >= expire_days:
                raise invalid_argument("A transition must come before the expiration.", "Days", str(value))
            by_class[storage_class] = value
    _colder_later(by_class, "Days")
    abort = node(rule, "AbortMultipartUpload")
    if abort is not None:
        _when(abort, "AbortMultipartUpload")
    noncurrent = node(rule, "NoncurrentVersionExpiration")
    if noncurrent is not None:
        _when(noncurrent, "NoncurrentVersionExpiration", ("NoncurrentDays",))
    by_class = {}
    for transition in nodes(rule, "NoncurrentVersionTransition"):
        storage_class = _transition_class(transition)
        by_class[storage_class] = _when(transition, "NoncurrentVersionTransition", ("NoncurrentDays",))[1]
    _colder_later(by_class, "NoncurrentDays")  # noncurrent versions move on the same order


def _colder_later(by_class: dict[str, int], name: str) -> None:
    """Each colder class's transition comes later than the warmer ones'."""
    ordered = sorted(by_class.items(), key=lambda item: COLDNESS[item[0]])
    for (_, warmer), (colder_class, colder) in zip(ordered, ordered[1:], strict=False):
        if colder <= warmer:
            raise invalid_argument(
                f"The transition to {colder_class} must come after warmer classes.", name, str(colder)
            )
