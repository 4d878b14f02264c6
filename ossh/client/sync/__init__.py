"""sync: make an OSS prefix or a local directory hold what another holds, decided by content (CRC-64 or
MD5), at any scale (both sides streamed in key order and merge-joined).

    >>> from ossh.client import OssClient
    >>> from ossh.client.sync import HashCache, Syncer, SyncOptions, location
    >>> client = OssClient(endpoint, access_key_id, access_key_secret)
    >>> syncer = Syncer(client, location("photos/"), location("oss://backup/photos/"),
    ...                 SyncOptions(dry_run=True, delete=True), HashCache("~/.cache/ossh/sync-hashes.sqlite"))
    >>> for action in syncer.run():      # upload / download / copy / delete / unchanged / skip / note / failed
    ...     print(action.kind, action.src, action.dst, action.size)
    >>> print(syncer.summary)

See engine.Syncer for the run, walk for the order and the filters, names for the keys that cannot be
local files.
"""

from .acting import Cancelled
from .engine import Syncer
from .hashcache import HashCache
from .model import Action, LocalDir, OssPrefix, Summary, SyncOptions, location

__all__ = ["Syncer", "SyncOptions", "Action", "Summary", "LocalDir", "OssPrefix", "HashCache", "location", "Cancelled"]
