"""OSS addressing: which bucket a request names by its Host (virtual-hosted `bucket.<host>`), or none
(path style, where the bucket is the first path segment)."""

from __future__ import annotations

import ipaddress


def _split_port(host: str) -> tuple[str, str]:
    if host.startswith("["):
        name, _, rest = host.partition("]")
        return name + "]", rest
    name, sep, port = host.rpartition(":")
    return (name, sep + port) if sep and port.isdigit() else (host, "")


def bucket_from_host(host_header: str, own_host: str) -> tuple[str | None, str]:
    """(bucket, service host) for `bucket.<host>` virtual-hosted requests; (None, host) for path style."""
    name, port = _split_port(host_header.strip().lower())
    own_name, _ = _split_port(own_host.lower())
    try:
        ipaddress.ip_address(name.strip("[]"))
        return None, host_header
    except ValueError:
        pass
    for base in {own_name, "localhost"}:
        if base and name.endswith("." + base):
            return name[: -len(base) - 1], base + port
    return None, host_header
