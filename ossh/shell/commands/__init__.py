"""Shell commands, grouped by concern; importing this package fills REGISTRY with all of them."""
from ..registry import REGISTRY
from . import (buckets, config, misc, mpu, navigation, objects, osscmd, special, sync,  # importing registers them
               transfer)

__all__ = ["REGISTRY", "buckets", "config", "misc", "mpu", "navigation", "objects", "osscmd", "special", "sync",
           "transfer"]
