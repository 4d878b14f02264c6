"""sync: make an OSS prefix or a local directory hold what another holds, decided by content (CRC-64 or
MD5), at any scale (both sides streamed in key order and merge-joined). See engine.Syncer."""
from .engine import Cancelled, Syncer
from .hashcache import HashCache
from .model import Action, LocalDir, OssPrefix, Summary, SyncOptions, location

__all__ = ["Syncer", "SyncOptions", "Action", "Summary", "LocalDir", "OssPrefix", "HashCache", "location",
           "Cancelled"]
