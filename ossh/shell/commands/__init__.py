"""Shell commands, grouped by concern; importing this package fills REGISTRY with all of them."""

from ..registry import REGISTRY

# importing the modules registers their commands
from . import accounts, buckets, config, misc, mpu, navigation, objects, osscmd, special, sync, transfer, versions

__all__ = [
    "REGISTRY",
    "accounts",
    "buckets",
    "config",
    "misc",
    "mpu",
    "navigation",
    "objects",
    "osscmd",
    "special",
    "sync",
    "transfer",
    "versions",
]
