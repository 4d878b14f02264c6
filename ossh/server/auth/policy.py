"""A bucket policy's explicit Deny: whether one of its Deny statements matches a request's principal, actions
and resource (`*` wildcards; Action/NotAction, Resource/NotResource as a string or a list). A statement with a
Condition, or with an element this server cannot evaluate (NotPrincipal), matches nothing: what cannot be
evaluated never decides. Allow statements are not read here."""

from __future__ import annotations

import json
import re
from functools import lru_cache

ANYONE = "*"


@lru_cache(maxsize=256)
def _pattern(text: str, ignore_case: bool) -> re.Pattern:
    body = ".*".join(re.escape(part) for part in text.split("*"))
    return re.compile(f"^{body}$", (re.I if ignore_case else 0) | re.S)


def _values(value) -> list[str] | None:
    """A policy element as a list of strings; None when it is neither a string nor a list of them."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return None


def _matches(patterns: list[str], value: str, ignore_case: bool = False) -> bool:
    return any(_pattern(p, ignore_case).match(value) for p in patterns)


def _listed(statement: dict, name: str, value: str, ignore_case: bool) -> bool | None:
    """Whether `value` falls under the statement's `name` (or outside its Not`name`); None when the statement
    has neither element in a form this server reads."""
    if name in statement:
        found = _values(statement[name])
        return None if found is None else _matches(found, value, ignore_case)
    if "Not" + name in statement:
        found = _values(statement["Not" + name])
        return None if found is None else not _matches(found, value, ignore_case)
    return None


def _principal(statement: dict, account_id: str | None) -> bool:
    """A principal is an account id or `*` (anyone, anonymous included); an empty list is `*`, as in OSS."""
    if "NotPrincipal" in statement:
        return False
    principals = _values(statement.get("Principal", []))
    if principals is None:
        return False
    return not principals or ANYONE in principals or (account_id is not None and account_id in principals)


@lru_cache(maxsize=256)
def deny_statements(raw: bytes) -> tuple[dict, ...]:
    """The Deny statements of a stored policy document (validated when it was put) that can be evaluated."""
    try:
        statements = json.loads(raw.decode("utf-8")).get("Statement") or []
    except (ValueError, AttributeError):
        return ()
    return tuple(s for s in statements if isinstance(s, dict) and s.get("Effect") == "Deny" and not s.get("Condition"))


def denies(raw: bytes | None, account_id: str | None, actions: tuple[str, ...], resource: str) -> bool:
    """Whether the policy document `raw` explicitly denies `account_id` (None: anonymous) any of `actions` on
    `resource` (an `acs:oss:region:owner:bucket[/key]` name)."""
    if raw is None:
        return False
    for statement in deny_statements(raw):
        if not _principal(statement, account_id) or not _listed(statement, "Resource", resource, False):
            continue
        if any(_listed(statement, "Action", action, True) for action in actions):
            return True
    return False


def resource_name(region: str, owner: str, bucket: str, key: str | None) -> str:
    return f"acs:oss:{region}:{owner}:{bucket}" + ("" if key is None else "/" + key)
