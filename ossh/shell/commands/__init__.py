"""Shell commands, grouped by concern; importing this package fills REGISTRY with all of them."""
from ..registry import REGISTRY
from . import buckets, misc, mpu, navigation, objects, osscmd, special, sync, transfer  # importing registers them

__all__ = ["REGISTRY", "buckets", "misc", "mpu", "navigation", "objects", "osscmd", "special", "sync",
           "transfer"]
