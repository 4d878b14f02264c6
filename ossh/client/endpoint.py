"""Endpoint addressing: scheme defaulting, region detection, virtual-hosted vs path-style URLs, key quoting."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from ..protocol import BUCKET_NAME_RE, BUCKET_NAME_RULE
from .errors import ClientError, RedirectRefused

_REGION_RE = re.compile(r"^oss-(?!accelerate)([a-z0-9-]+?)(?:-internal)?\.(?:aliyuncs\.com|localhost)$")
_DUALSTACK_RE = re.compile(r"^([a-z]{2}-[a-z0-9-]+)\.oss\.aliyuncs\.com$")
# host[:port] as DNS and IP literals spell it. HTTP libraries split other text differently from urlsplit
# (urllib3 ends the host at a backslash: `evil\\x.aliyuncs.com` would be sent to `evil`), and IDNA folds
# lookalike dots: an answer naming such a host is not an endpoint.
_NETLOC_RE = re.compile(r"^(?:[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$")


def is_ip_or_localhost(host: str) -> bool:
    return host.lower() == "localhost" or is_ip(host)


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def region_from_host(host: str) -> str | None:
    """`cn-hangzhou` for oss-cn-hangzhou[-internal].aliyuncs.com or cn-hangzhou.oss.aliyuncs.com (and for
    oss-cn-hangzhou.localhost, the embedded server's stand-in for the OSS domain)."""
    host = host.lower()
    m = _REGION_RE.match(host) or _DUALSTACK_RE.match(host)
    return m.group(1) if m else None


def is_valid_bucket_name(name: str) -> bool:
    return bool(BUCKET_NAME_RE.match(name))


def check_bucket_name(name: str) -> str:
    """The name, or a ClientError (code InvalidBucketName) that states the rule."""
    if not is_valid_bucket_name(name):
        raise ClientError(f"invalid bucket name {name!r}: {BUCKET_NAME_RULE}", code="InvalidBucketName")
    return name


def quote_key(key: str) -> str:
    """The key as a URL path, `/` kept like the v2 SDK does. Dot segments are escaped because HTTP
    libraries would otherwise resolve `a/../b` to `b`."""
    parts = quote(key, safe="/").split("/")
    return "/".join(p.replace(".", "%2E") if p in (".", "..") else p for p in parts)


def query_string(params: dict[str, str] | None) -> str:
    """`k` for an empty value (sub-resources such as `acl`), `k=v` otherwise, all RFC 3986-encoded."""
    if not params:
        return ""
    return "&".join(
        quote(k, safe="-_.~") + ("=" + quote(str(v), safe="-_.~") if v != "" else "")
        for k, v in params.items()
        if v is not None
    )


def nonempty(params: dict) -> dict[str, str]:
    """Listing options with the unset ones (empty, None) left out, values as strings."""
    return {k: str(v) for k, v in params.items() if v not in ("", None)}


@dataclass(frozen=True)
class Endpoint:
    """One OSS endpoint: `scheme://host[:port]`, its region and how buckets are addressed on it."""

    scheme: str
    netloc: str  # host[:port] as given
    region: str | None
    addressing: str = "auto"  # auto: path-style for IP/localhost, else virtual-hosted; or path / virtual

    @classmethod
    def parse(cls, endpoint: str, region: str | None = None, addressing: str = "auto") -> Endpoint:
        if addressing not in ("auto", "path", "virtual"):
            raise ClientError(f"addressing must be auto, path or virtual, not {addressing!r}")
        text = (endpoint or "").strip()
        if not text:
            raise ClientError("no endpoint given")
        try:  # urlsplit and .port raise ValueError on `http://[::1` or a port past 65535
            if "://" not in text:
                host = urlsplit("//" + text).hostname or ""
                text = ("http://" if is_ip_or_localhost(host) else "https://") + text
            parts = urlsplit(text)
            _ = parts.port
        except ValueError as e:
            raise ClientError(f"invalid endpoint {endpoint!r} ({e})") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or not text.isprintable() or " " in text:
            raise ClientError(f"invalid endpoint {endpoint!r} (want http[s]://HOST[:PORT])")
        return cls(parts.scheme, parts.netloc, region or region_from_host(parts.hostname), addressing)

    @property
    def host(self) -> str:
        return urlsplit("//" + self.netloc).hostname or ""

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.netloc}"

    @property
    def port(self) -> int:
        try:
            port = urlsplit("//" + self.netloc).port
        except ValueError:
            port = None
        return port or (443 if self.scheme == "https" else 80)

    def same_domain(self, other: Endpoint) -> bool:
        """`other` is another endpoint of this one's OSS domain: the same scheme and port, and the same host
        once the first label is taken off (oss-cn-shanghai.aliyuncs.com for oss-cn-hangzhou.aliyuncs.com,
        x.localhost for y.localhost). An IP address has no domain: 127.0.0.2 is only another host."""
        if (other.scheme, other.port) != (self.scheme, self.port) or "@" in other.netloc:
            return False
        mine, theirs = self.host.lower(), other.host.lower()
        if is_ip(mine) or is_ip(theirs) or "." not in mine or "." not in theirs:
            return False
        domain = mine.split(".", 1)[1]
        # a domain of one label is a top-level one (com), which anyone can hold a name under
        return ("." in domain or domain == "localhost") and theirs.split(".", 1)[1] == domain

    def uses_path_style(self, bucket: str | None) -> bool:
        if self.addressing == "path" or (self.addressing == "auto" and is_ip_or_localhost(self.host)):
            return True
        return bucket is not None and not is_valid_bucket_name(bucket)

    def object_url(self, bucket: str | None, key: str | None = None, params: dict[str, str] | None = None) -> str:
        """`…/` for the service, `…/bucket/` (or `bucket.host/`) for a bucket, plus the quoted key."""
        netloc, path = self.netloc, "/"
        if bucket:
            if self.uses_path_style(bucket):
                path = f"/{bucket}/"
            else:
                netloc = f"{bucket}.{self.netloc}"
        if key:
            path += quote_key(key)
        query = query_string(params)
        return f"{self.scheme}://{netloc}{path}" + (f"?{query}" if query else "")

    def moved_to(self, location: str, bucket: str | None = None, bare: bool = False) -> Endpoint:
        """The endpoint a redirect URL or (bare: no path) an `<Endpoint>` answer names; a bare host keeps
        this scheme. A virtual-hosted `bucket.host` loses its bucket label. A move from https to http is
        refused: it would send the signed request, and the data, in clear text."""
        try:
            parts = urlsplit(location if "://" in location else f"{self.scheme}://{location}")
            _ = parts.port
        except ValueError:
            parts = None
        if parts is not None and self.scheme == "https" and parts.scheme != "https":
            place = f"{parts.scheme}://{parts.netloc}"[:200]
            raise RedirectRefused(
                f"refusing a redirect from {self.url} to {place if place.isprintable() else repr(place)}: "
                "it would leave https",
                code="InsecureRedirect",
            )
        if (
            parts is None
            or not _NETLOC_RE.match(parts.netloc)
            or parts.scheme not in ("http", "https")
            or (bare and (parts.path not in ("", "/") or parts.query or parts.fragment))
        ):
            raise RedirectRefused(
                f"refusing a redirect to {location[:200]!r}: not an endpoint", code="InvalidRedirect"
            ) from None
        netloc = parts.netloc
        if bucket and netloc.lower().startswith(bucket.lower() + "."):
            netloc = netloc[len(bucket) + 1 :]
        host = urlsplit("//" + netloc).hostname or ""
        return Endpoint(parts.scheme or self.scheme, netloc, region_from_host(host) or self.region, self.addressing)
