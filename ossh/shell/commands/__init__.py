"""Shell commands, grouped by concern; importing this package registers them all in REGISTRY."""
from . import buckets, misc, mpu, navigation, objects, osscmd, transfer  # noqa: F401  (registration)
