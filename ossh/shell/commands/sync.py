"""sync SRC DST: make DST hold what SRC holds, decided by content (see ossh.client.sync).

A side written `oss://bucket/prefix` is an OSS prefix (taken as a prefix even without its trailing /).
When only one side is written so, the other is a local directory, relative to the shell's local
directory (`lcd`), `~` expanded. When neither is, the side that is a local directory (an existing one,
or one written with `~`) is local and the other is a path relative to the current bucket and prefix,
as `cd` takes it; `.` and `..` (and paths starting with them) name the current prefix and its parent
there, as they do for `cd` and `ls`. If both or neither look local, sync refuses rather than guess a
direction that --delete would make costly.
Filters: --include/--exclude apply in the order given and the last one that matches a path decides
(aws s3 sync); --exclude-dir drops whole directories. Without --delete nothing is removed from DST.
"""

from __future__ import annotations

import argparse
import contextlib
import os

import ossh.client as oss  # its parts load on first use: start-up stays light

from ..paths import RemotePath
from ..progress import no_progress
from ..registry import CommandError, UsageError, arg, command
from ..results import Message
from .common import exact, remote


class _Rule(argparse.Action):
    """--include/--exclude into one ordered list, so that 'the later rule wins' can hold."""

    def __call__(self, parser, namespace, values, option_string=None):
        rules = list(getattr(namespace, self.dest) or [])
        rules.append((option_string.lstrip("-"), values))
        setattr(namespace, self.dest, rules)


def _jobs(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"-j wants a number of parallel transfers, not {text!r}") from None
    if not 1 <= n <= 64:
        raise argparse.ArgumentTypeError(f"-j wants 1 to 64 parallel transfers, not {n}")
    return n


@command(
    "sync",
    "Make DST hold what SRC holds (local dir <-> oss://, or oss:// -> oss://), by content.",
    "sync -n ~/photos oss://backup/photos/",
    arg("--delete", action="store_true", help="remove from DST what SRC does not hold"),
    arg("-n", "--dry-run", action="store_true", dest="dry_run", help="print what would be done, change nothing"),
    arg(
        "--include",
        action=_Rule,
        dest="rules",
        metavar="GLOB",
        help="keep matching paths (repeatable; the last rule that matches wins)",
    ),
    arg("--exclude", action=_Rule, dest="rules", metavar="GLOB", help="leave out matching paths (repeatable)"),
    arg("--exclude-dir", action="append", default=[], metavar="GLOB", help="leave out whole directories"),
    arg("--size-only", action="store_const", dest="rule", const="size-only", help="compare sizes only"),
    arg(
        "--update",
        action="store_const",
        dest="rule",
        const="update",
        help="copy when SRC is newer (or the same age and another size)",
    ),
    arg(
        "--checksum",
        action="store_const",
        dest="rule",
        const="checksum",
        help="re-read every local file, ignoring the hash cache",
    ),
    arg(
        "--no-follow-symlinks",
        action="store_false",
        dest="follow_symlinks",
        help="leave local symlinks out (followed by default)",
    ),
    arg("-j", type=_jobs, default=8, metavar="N", help="parallel transfers (default 8)"),
    arg("src", metavar="SRC"),
    arg("dst", metavar="DST"),
    complete=("remote_or_local",),
    usage="[--delete] [-n] [--include GLOB] [--exclude GLOB] [--exclude-dir GLOB] "
    "[--size-only|--update|--checksum] [--no-follow-symlinks] [-j N] SRC DST",
)
def sync(ctx, a):

    src, dst = _sides(ctx, a.src, a.dst)
    cache = ctx.env.cache_dir
    options = oss.sync.SyncOptions(
        rule=a.rule or "content",
        delete=a.delete,
        dry_run=a.dry_run,
        filters=a.rules or [],
        exclude_dirs=a.exclude_dir,
        follow_symlinks=a.follow_symlinks,
        jobs=a.j,
        checkpoint_dir=ctx.checkpoints,
    )  # where put and get keep theirs (mpu ls shows them)
    syncer = oss.sync.Syncer(ctx.client, src, dst, options, oss.sync.HashCache(cache / "sync-hashes.sqlite"))
    # on a terminal one bar for the whole run, and the problems once it is gone; else a line per action
    bar = ctx.progress is not no_progress and not a.dry_run and ctx.state.format != "json"
    held, more = [], 0
    try:
        with (
            ctx.progress("sync", None) if bar else contextlib.nullcontext() as progress,
            contextlib.closing(syncer.run()) as actions,  # Ctrl-C here too stops the transfers before it goes on
        ):
            if progress is not None:
                syncer.progress = lambda done, total: progress(done, total, label=_files_label(syncer))
            for action in actions:
                if action.kind == "unchanged" or bar and action.kind not in ("failed", "skip"):
                    continue
                message = action_message(action, a.dry_run)
                if not bar:
                    yield message
                elif len(held) < 1000:
                    held.append(message)
                else:
                    more += 1
    except KeyboardInterrupt:
        if syncer.kept:  # the stopped transfers that keep finished parts for the next sync
            raise oss.cancel.Interrupted(syncer.kept) from None
        raise
    finally:
        if isinstance(dst, oss.sync.OssPrefix):
            ctx.changed(RemotePath(dst.bucket, dst.prefix))
    yield from held
    if more:
        yield Message(f"... and {more} more problems")
    summary = syncer.summary
    yield summary_message(summary)
    if not summary.ok:
        parts = [f"{n} {what}" for n, what in ((summary.failed, "failed"), (summary.skipped, "skipped")) if n]
        raise CommandError(f"{', '.join(parts)} (listed above)")


def _files_label(syncer) -> str:
    n, failed = syncer.files_done, syncer.summary.failed
    return f"sync {n} file{'' if n == 1 else 's'}" + (f", {failed} failed" if failed else "")


def _sides(ctx, src: str, dst: str):
    """The two words as sides (see the module's docstring for which one is remote)."""
    words = (src, dst)
    remote_at = [i for i, w in enumerate(words) if w.startswith("oss://")]
    if not remote_at:
        local_at = [i for i, w in enumerate(words) if _looks_local(ctx, w)]
        if len(local_at) != 1:
            what = "both are local directories" if local_at else "neither is a local directory"
            raise UsageError(f"sync {src} {dst}: {what}; write the OSS side as oss://BUCKET/PREFIX/")
        remote_at = [1 - local_at[0]]
    return tuple(_remote_side(ctx, w) if i in remote_at else _local_side(ctx, w) for i, w in enumerate(words))


def _looks_local(ctx, word: str) -> bool:
    if word.startswith("~"):
        return True
    if word.split("/", 1)[0] in (".", ".."):  # the shell's own names for where it is
        return False
    return os.path.isdir(ctx.state.local(word))


def _remote_side(ctx, text: str):
    path = remote(ctx, text)
    if path.bucket is None:
        raise UsageError(f"{text}: name a bucket (oss://BUCKET/PREFIX/)")
    return oss.sync.OssPrefix(path.bucket, path.as_prefix().key if path.key else "")


def _local_side(ctx, text: str):
    exact(text)
    return oss.sync.LocalDir(ctx.state.local(text))


def action_message(action, dry_run: bool) -> Message:
    from ..render import human_size

    src, dst = action.src, action.dst  # the renderer escapes what a terminal must not see raw
    kind = action.kind
    if kind in ("upload", "download", "copy"):
        text = f"{kind}: {src} -> {dst} ({human_size(action.size)})"
    elif kind == "delete":
        text = f"delete: {dst} ({human_size(action.size)})"
    elif kind == "failed":
        where = f"{src} -> {dst}" if src and dst and action.op != "list" else src or dst
        text = f"failed: {action.op} {where}: {action.reason}"
    else:
        text = f"{kind}: {src or dst}: {action.reason}"
    if dry_run and kind in ("upload", "download", "copy", "delete"):
        text = "(dry run) " + text
    data = {"action": kind, "src": action.src or None, "dst": action.dst or None, "size": action.size}
    if action.reason:
        data["reason"] = action.reason
    if kind == "failed":
        data["op"] = action.op
    if dry_run:
        data["dry_run"] = True
    return Message(text, data)


def _mib(n: int) -> str:
    mib = n / (1 << 20)
    return f"{mib:.1f} MiB" if mib >= 1 or not n else f"{mib:.2f} MiB"


def summary_message(s) -> Message:
    done = {"upload": "uploaded", "download": "downloaded", "copy": "copied"}[s.verb]
    text = (
        f"{done} {s.transferred} ({_mib(s.transferred_bytes)}), unchanged {s.unchanged}, deleted {s.deleted}, "
        f"failed {s.failed}"
    )
    if s.skipped:
        text += f", skipped {s.skipped}"
    if s.dry_run:
        text = "(dry run) " + text
    data = {
        "action": "summary",
        "dry_run": s.dry_run,
        done: s.transferred,
        f"{done}_bytes": s.transferred_bytes,
        "unchanged": s.unchanged,
        "deleted": s.deleted,
        "deleted_bytes": s.deleted_bytes,
        "failed": s.failed,
        "skipped": s.skipped,
        "notes": s.notes,
        "hashed_files": s.hashed_files,
        "hashed_bytes": s.hashed_bytes,
        "heads": s.heads,
    }
    return Message(text, data)
