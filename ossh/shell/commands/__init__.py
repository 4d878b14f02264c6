"""Shell commands, grouped by concern; importing this package fills REGISTRY with all of them."""
from ..registry import REGISTRY
from . import buckets, misc, mpu, navigation, objects, osscmd, transfer  # noqa: F401  (registration)

__all__ = ["REGISTRY"]
