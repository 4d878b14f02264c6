"""The ossh client core: `OssClient` speaks the OSS REST API (V1/V4 signatures, retries, transfers).

The names below load on first use (PEP 562), so `from ossh.client import OssError` or `import
ossh.client.errors` costs no more than the errors module: requests comes in only with OssClient and the
transfers. Where each name lives is the table `_HOMES`. Submodules load on first use too: a module that
does `import ossh.client as oss` at its top pays for `oss.errors` or `oss.checkpoint` only when it first
touches them, which is what keeps the shell's start-up light.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

__all__ = [
    "OssClient",
    "TransferConfig",
    "TransferManager",
    "OssError",
    "ServiceError",
    "ClientError",
    "TransportError",
    "IntegrityError",
    "LocalFileError",
    "InvalidResponse",
    "RedirectRefused",
]

_HOMES = {
    "OssClient": "client",
    "TransferConfig": "transfer_config",
    "TransferManager": "transfer",
    "OssError": "errors",
    "ServiceError": "errors",
    "ClientError": "errors",
    "TransportError": "errors",
    "IntegrityError": "errors",
    "LocalFileError": "errors",
    "InvalidResponse": "errors",
    "RedirectRefused": "errors",
}

if TYPE_CHECKING:  # what editors and type checkers see; at run time __getattr__ loads them
    from .client import OssClient
    from .errors import (
        ClientError,
        IntegrityError,
        InvalidResponse,
        LocalFileError,
        OssError,
        RedirectRefused,
        ServiceError,
        TransportError,
    )
    from .transfer import TransferManager
    from .transfer_config import TransferConfig


# submodules reachable as attributes before anything imported them
_SUBMODULES = frozenset(
    "api_bucket api_config api_multipart api_object api_versions auth body cancel checkpoint client crc download "
    "endpoint errors headers localpath models parts reader session sync tempfiles transfer transfer_config "
    "transport".split()
)


def __getattr__(name: str):
    if name in _SUBMODULES:
        return importlib.import_module(f".{name}", __name__)
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # loaded once: later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
