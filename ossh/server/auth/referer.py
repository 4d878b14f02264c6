"""Hotlink protection as OSS applies a bucket's RefererConfiguration to requests from others than the owner:
an empty Referer passes when AllowEmptyReferer is true; otherwise the Referer must match the allow list and no
entry of the black list (`*` and `?` wildcards, case-insensitive; with AllowTruncateQueryString the query
string is left out before matching)."""

from __future__ import annotations

import re
from functools import lru_cache

from ..wire.errors import OssServerError


@lru_cache(maxsize=256)
def _pattern(entry: str) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in entry)
    return re.compile(f"^{body}$", re.I | re.S)


def _listed(config: dict, name: str, referer: str) -> bool:
    entries = (config.get(name) or {}).get("Referer") or []
    return any(_pattern(e or "").match(referer) for e in entries)


def check(config: dict | None, referer: str) -> None:
    """`config`: the bucket's parsed RefererConfiguration, None when it has none."""
    if config is None:
        return
    if not referer:
        if str(config.get("AllowEmptyReferer")).lower() == "true":
            return
        raise OssServerError("AccessDenied", "You are denied by bucket referer policy (an empty Referer).")
    if str(config.get("AllowTruncateQueryString", "true")).lower() == "true":
        referer = referer.split("?", 1)[0]
    allowed = not (config.get("RefererList") or {}).get("Referer") or _listed(config, "RefererList", referer)
    if not allowed or _listed(config, "RefererBlacklist", referer):
        raise OssServerError("AccessDenied", "You are denied by bucket referer policy.")
