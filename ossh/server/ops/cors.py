"""CORS as OSS applies a bucket's stored CORSConfiguration: the preflight `OPTIONS` request (anonymous, answered
from the first rule that allows the origin, the method and every requested header, else 403 AccessForbidden),
and the Access-Control-* headers added to the answer (error or not) of an ordinary request that carries a
matching `Origin`."""

from __future__ import annotations

import re
from functools import lru_cache

from ..wire.errors import OssServerError
from ..wire.message import Request, Response

_NOT_ALLOWED = (
    "CORSResponse: This CORS request is not allowed. This is usually because the evalution of Origin, "
    "request method / Access-Control-Request-Method or Access-Control-Requet-Headers are not "
    "whitelisted by the resource's CORS spec."
)


@lru_cache(maxsize=256)
def _pattern(rule: str) -> re.Pattern:
    """An AllowedOrigin/AllowedHeader value: literal text with at most one `*` matching anything."""
    return re.compile("^" + ".*".join(re.escape(p) for p in rule.split("*")) + "$", re.I | re.S)


def _matches(patterns: list[str], value: str) -> bool:
    return any(_pattern(p).match(value) for p in patterns)


def _texts(rule: dict, name: str) -> list[str]:
    return [v or "" for v in rule.get(name) or []]


def _find_rule(config: dict, origin: str, method: str, headers: list[str]) -> dict | None:
    for rule in config.get("CORSRule") or []:
        if (
            _matches(_texts(rule, "AllowedOrigin"), origin)
            and method in _texts(rule, "AllowedMethod")
            and all(_matches(_texts(rule, "AllowedHeader"), h) for h in headers)
        ):
            return rule
    return None


def _headers(config: dict, rule: dict, origin: str) -> dict[str, str]:
    allowed = "*" if "*" in _texts(rule, "AllowedOrigin") else origin
    out = {
        "Access-Control-Allow-Origin": allowed,
        "Access-Control-Allow-Methods": ", ".join(_texts(rule, "AllowedMethod")),
    }
    expose = _texts(rule, "ExposeHeader")
    if expose:
        out["Access-Control-Expose-Headers"] = ", ".join(expose)
    if rule.get("MaxAgeSeconds"):
        out["Access-Control-Max-Age"] = rule["MaxAgeSeconds"]
    if config.get("ResponseVary") == "true":
        out["Vary"] = "Origin"
    return out


def _forbidden(message: str) -> OssServerError:
    return OssServerError("AccessForbidden", message, status=403)


def preflight(app, req: Request) -> Response:
    origin, method = req.header("origin"), req.header("access-control-request-method")
    if not origin or not method:
        raise _forbidden("Insufficient information. Origin and Access-Control-Request-Method are required.")
    config = app.configs.document(req.bucket, "cors")
    if config is None:
        raise _forbidden("CORSResponse: CORS is not enabled for this bucket.")
    requested = [h.strip() for h in req.header("access-control-request-headers").split(",") if h.strip()]
    rule = _find_rule(config, origin, method, requested)
    if rule is None:
        raise _forbidden(_NOT_ALLOWED)
    headers = _headers(config, rule, origin)
    if requested:
        headers["Access-Control-Allow-Headers"] = ", ".join(requested)
    return Response(200, headers)


def headers_for(app, req: Request) -> dict[str, str]:
    """An ordinary request from a browser (it sent Origin): the matching rule's headers, if any; for its
    answer, error or not."""
    config = app.configs.document(req.bucket, "cors")
    if config is None:
        return {}
    rule = _find_rule(config, req.header("origin"), req.method, [])
    return {} if rule is None else _headers(config, rule, req.header("origin"))
