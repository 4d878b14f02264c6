"""The sync engine: both sides walked as sorted streams and merge-joined, each difference decided (by
content unless told otherwise) and acted on in a bounded pool, every outcome reported as an Action.

Decisions that need I/O (a local hash, a HEAD for the object's CRC-64) and all transfers run on `jobs`
worker threads, at most 2 x jobs of them queued, so memory does not grow with the tree. Deletions are
spooled to a temporary file and carried out only after both walks finished without a listing error:
a listing cut short must never make files look missing from the source.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, wait

from .. import cancel
from ..cancel import Interrupted, Kept
from ..errors import ClientError, LocalFileError, NoSuchKey, OssError
from ..localpath import UnsafeName, local_problem, target
from ..parts import STOP_GRACE
from ..transfer import TransferManager
from .acting import SMALL_FILE, Acting, Cancelled, reason_of
from .hashcache import FileChanged, HashCache, Hashes, hash_file
from .model import Action, LocalDir, LocalFile, OssPrefix, RemoteObject, Side, Summary, SyncOptions
from .walk import Filters, walk_local, walk_remote

RULES = ("content", "size-only", "update", "checksum")
VERBS = {(LocalDir, OssPrefix): "upload", (OssPrefix, LocalDir): "download", (OssPrefix, OssPrefix): "copy"}
_UNKNOWN = object()


class _SideFailed(Exception):
    def __init__(self, side: Side, error: Exception):
        super().__init__(str(error))
        self.side, self.error = side, error


class Syncer(Acting):
    """`Syncer(client, src, dst, options, cache).run()` yields an Action for each file (unchanged ones
    included) and leaves the counts in `.summary`. Nothing is raised for one file's failure; arguments
    that cannot work (two local sides, overlapping prefixes, a missing source) raise before anything runs."""

    def __init__(
        self,
        client,
        src: Side,
        dst: Side,
        options: SyncOptions | None = None,
        cache: HashCache | None = None,
        progress: Callable[[int, int], None] | None = None,
    ):
        self.client, self.src, self.dst = client, src, dst
        self.options = options or SyncOptions()
        if self.options.rule not in RULES:
            raise ClientError(f"unknown rule {self.options.rule!r} (one of {', '.join(RULES)})")
        if not 1 <= self.options.jobs <= 64:
            raise ClientError(f"jobs must be 1 to 64, not {self.options.jobs}")
        self.transfers = TransferManager(client, self.options.transfer_config())
        self.verb = VERBS.get((type(src), type(dst)))
        if self.verb is None:
            raise ClientError("one side must be an OSS prefix (oss://bucket/prefix/)")
        if (
            isinstance(src, OssPrefix)
            and isinstance(dst, OssPrefix)
            and src.bucket == dst.bucket
            and (src.prefix.startswith(dst.prefix) or dst.prefix.startswith(src.prefix))
        ):
            raise ClientError(f"{src.show()} and {dst.show()} overlap: one holds the other")
        self.cache = cache or HashCache(None)
        self.filters = Filters(self.options.filters, self.options.exclude_dirs)
        self.summary = Summary(dry_run=self.options.dry_run, verb=self.verb)
        self.stop = threading.Event()
        self.kept: list[Kept] = []  # after a stopped run: the transfers whose finished parts are kept to resume
        self.progress = progress  # called with (bytes done, bytes planned) as transfers move and end
        self._lock = threading.Lock()
        self._done = self._total = 0
        self._files_done = 0
        self._incomplete = False  # a listing failed: the source was not seen whole, so nothing is deleted

    @property
    def files_done(self) -> int:
        """Files whose transfer has ended (moved or failed), for a progress display. No total is known in
        advance: the sides are walked once, as streams, and transfers start while the walk goes on."""
        with self._lock:
            return self._files_done

    # ------------------------------------------------------------------ the run

    def run(self) -> Iterator[Action]:
        """The actions as they happen (transfers in the order they finish). One run per Syncer: the hash
        cache is closed at the end. Closing the generator early (Ctrl-C) stops the running transfers at
        their next block and leaves everything done so far in place; a new run carries on from there."""
        self._check_sides()
        pool = cancel.Pool(self.options.jobs, "ossh-sync", self.stop)
        pending: set = set()
        spool = tempfile.TemporaryFile("w+", encoding="utf-8")
        try:
            for item in self._plan(spool):
                if self.stop.is_set():
                    break
                if isinstance(item, Action):
                    yield self._counted(item)
                    continue
                while len(pending) >= 2 * self.options.jobs:
                    yield from self._collect(pending)
                pending.add(pool.submit(item))
            while pending:
                yield from self._collect(pending)
            yield from self._deletes(spool)
        finally:
            self.stop.set()  # on Ctrl-C or an abandoned generator: running transfers stop at their next block
            pool.shutdown(wait=False, cancel_futures=True)
            wait(pending, timeout=STOP_GRACE)  # a transfer stuck in a socket is not waited for longer
            for future in pending:  # what the stopped transfers keep for the next run
                if future.done() and not future.cancelled() and isinstance(future.exception(), Interrupted):
                    self.kept += future.exception().kept
            spool.close()
            self.cache.close()

    def _collect(self, pending: set) -> Iterator[Action]:
        done, _ = wait(pending, return_when=FIRST_COMPLETED)
        for future in done:
            pending.discard(future)
            try:
                action = future.result()
            except Interrupted as stopped:
                self.kept += stopped.kept
                continue
            except Cancelled:
                continue
            yield self._counted(action)

    def _counted(self, action: Action) -> Action:
        self.summary.count(action)
        return action

    def _check_sides(self) -> None:
        for side, role in ((self.src, "source"), (self.dst, "destination")):
            if isinstance(side, LocalDir) and os.path.lexists(side.path) and not os.path.isdir(side.path):
                raise LocalFileError(f"{side.path}: the {role} is not a directory")
        if isinstance(self.src, LocalDir) and not os.path.isdir(self.src.path):
            raise LocalFileError(f"{self.src.path}: no such directory")

    # ------------------------------------------------------------------ planning: the merge-join

    def _stream(self, side: Side) -> Iterator:
        if isinstance(side, OssPrefix):
            return walk_remote(self.client, side.bucket, side.prefix, self.filters)
        if side is self.src:
            return walk_local(side.path, self.filters, self.options.follow_symlinks)
        if not os.path.isdir(side.path):
            return iter(())
        # never through a symlink in DST: --delete must not reach what a link points at
        return walk_local(side.path, self.filters, follow_symlinks=False)

    def _plan(self, spool) -> Iterator[Action | Callable[[], Action]]:
        """Actions decided without I/O, and jobs (callables returning an Action) for the rest."""
        side_actions: list[Action] = []
        src_it, dst_it = self._stream(self.src), self._stream(self.dst)
        started = False

        def advance(it, side: Side):
            try:
                for item in it:
                    if not isinstance(item, Action):
                        return item
                    if item.kind == "failed":
                        self._incomplete = True
                    if side is self.src or item.kind == "failed":  # the destination's own notes are not news
                        side_actions.append(item)
            except OssError as exc:
                if not started:
                    raise  # nothing done yet: the command fails with this one error
                raise _SideFailed(side, exc) from None
            return None

        try:
            s, d = advance(src_it, self.src), advance(dst_it, self.dst)
            started = True
            while s is not None or d is not None:
                yield from side_actions
                side_actions.clear()
                if d is None or (s is not None and s.rel < d.rel):
                    yield self._decide(s, None)
                    s = advance(src_it, self.src)
                elif s is None or d.rel < s.rel:
                    if self.options.delete and self._deletable(d):
                        spool.write(json.dumps([d.rel, d.size]) + "\n")
                    d = advance(dst_it, self.dst)
                else:
                    yield self._decide(s, d)
                    s, d = advance(src_it, self.src), advance(dst_it, self.dst)
            yield from side_actions
        except _SideFailed as failure:
            self._incomplete = True
            yield from side_actions
            yield Action("failed", src=failure.side.show(), reason=reason_of(failure.error), op="list")

    def _deletable(self, d) -> bool:
        # a directory marker in OSS stands for a directory a local side cannot list: leave it
        return not (isinstance(d, RemoteObject) and d.rel.endswith("/") and isinstance(self.src, LocalDir))

    def _decide(self, s, d) -> Action | Callable[[], Action]:
        src, dst = self.src.show(s.rel), self.dst.show(s.rel)
        if isinstance(self.dst, LocalDir):
            try:
                target(self.dst.path, s.rel)
            except UnsafeName as exc:
                if s.rel.endswith("/") and not s.size and local_problem(s.rel[:-1]) is None:
                    return Action("note", src=src, reason="a directory marker, no local file made for it")
                return Action("skip", src=src, reason=str(exc))
        if d is not None and self.options.rule in ("size-only", "update"):
            reason = self._cheap_rule(s, d)
            if reason is None:
                return Action("unchanged", src=src, dst=dst, size=s.size)
        elif d is not None:
            reason = self._known_content(s, d)
            if reason is None:
                return Action("unchanged", src=src, dst=dst, size=s.size)
            if reason is _UNKNOWN:  # a read or a HEAD settles it: on the pool
                return lambda: self._guarded(s, src, dst, lambda: self._content_rule(s, d))
        else:
            reason = "new"
        if self.options.dry_run:
            return Action(self.verb, src=src, dst=dst, size=s.size, reason=reason)
        return lambda: self._guarded(s, src, dst, lambda: reason)

    def _guarded(self, s, src: str, dst: str, decide: Callable[[], str | None]) -> Action:
        """Decide (maybe by reading or HEAD) and transfer one entry; any failure is this entry's only."""
        self._check_stop()
        op = "compare"
        try:
            reason = decide()
            if reason is None:
                return Action("unchanged", src=src, dst=dst, size=s.size)
            if self.options.dry_run:
                return Action(self.verb, src=src, dst=dst, size=s.size, reason=reason)
            op = self.verb
            try:
                size = self._transfer(s)
            finally:
                self._file_done()
            return Action(self.verb, src=src, dst=dst, size=size, reason=reason)
        except (OssError, OSError, UnsafeName) as exc:
            return Action("failed", src=src, dst=dst, size=s.size, reason=reason_of(exc), op=op)

    # ------------------------------------------------------------------ deciding

    def _cheap_rule(self, s, d) -> str | None:
        if self.options.rule == "size-only":
            return "size" if s.size != d.size else None
        newer, older = int(s.mtime) > int(d.mtime), int(s.mtime) < int(d.mtime)
        return "newer" if newer else "size" if not older and s.size != d.size else None

    def _known_content(self, s, d):
        """The content rule's answer when no I/O is needed (sizes, both MD5 ETags, or a cached local MD5
        against the ETag): `size`, `content` or None (the same); _UNKNOWN otherwise."""
        if s.size != d.size:
            return "size"
        if isinstance(s, RemoteObject) and isinstance(d, RemoteObject):
            return _UNKNOWN if not (s.md5 and d.md5) else None if s.md5 == d.md5 else "content"
        local, remote = (s, d) if isinstance(s, LocalFile) else (d, s)
        if not remote.md5 or self.options.rule == "checksum":
            return _UNKNOWN
        cached = self.cache.get(local.path, local.st)
        if cached is None or not cached.md5:
            return _UNKNOWN
        return None if cached.md5 == remote.md5 else "content"

    def _content_rule(self, s, d) -> str | None:
        """For a same-size pair _known_content could not settle: by reading and hashing, or by HEAD."""
        try:
            return None if self._same_content(s, d) else "content"
        except FileChanged:
            return "content"

    def _same_content(self, s, d) -> bool:
        if isinstance(s, RemoteObject) and isinstance(d, RemoteObject):
            crc = self._head_crc(self.src, s)
            return crc is not None and crc == self._head_crc(self.dst, d)
        local, remote = (s, d) if isinstance(s, LocalFile) else (d, s)
        cached = None if self.options.rule == "checksum" else self.cache.get(local.path, local.st)
        if remote.md5:
            if cached is not None and cached.md5:
                return cached.md5 == remote.md5
            if cached is None or local.size <= SMALL_FILE:  # reading beats a HEAD for a small file
                return self._hash(local, md5=True).md5 == remote.md5
        if cached is None:
            cached = self._hash(local, md5=False)
        crc = self._head_crc(self.src if remote is s else self.dst, remote)
        return crc is not None and crc == cached.crc64

    def _hash(self, local: LocalFile, md5: bool) -> Hashes:
        hashes, st = hash_file(local.path, md5, self._check_stop)
        with self._lock:
            self.summary.hashed_files += 1
            self.summary.hashed_bytes += st.st_size
        self.cache.put(local.path, st, hashes)
        return hashes

    def _head_crc(self, side: OssPrefix, obj: RemoteObject) -> int | None:
        with self._lock:
            self.summary.heads += 1
        try:
            return self.client.head_object(side.bucket, obj.key).crc64
        except NoSuchKey:  # gone since the listing: certainly not the same
            return None
