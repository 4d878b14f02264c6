"""Shell commands, grouped by concern; importing this package fills REGISTRY with all of them."""
from ..registry import REGISTRY
from . import (accounts, buckets, config, misc, mpu, navigation, objects, osscmd, special,  # importing registers
               sync, transfer)                                                          # them

__all__ = ["REGISTRY", "accounts", "buckets", "config", "misc", "mpu", "navigation", "objects", "osscmd", "special",
           "sync", "transfer"]
