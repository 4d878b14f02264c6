"""Objects that are more than bytes: symlinks (`ln -s`) and cold storage classes (`restore`), plus the
helpers `ls -l` and `stat` use to show them."""

from __future__ import annotations

import ossh.client as oss  # its parts load on first use: start-up stays light
from ossh.protocol import COLD_ARCHIVE, RESTORE_TIERS

from ..paths import RemotePath
from ..registry import CommandError, UsageError, arg, command
from ..results import Message
from .common import in_bucket, is_nonempty_prefix, objects, plural

SYMLINK = "Symlink"
TIERS = RESTORE_TIERS[COLD_ARCHIVE]  # every tier any class takes


def link_target(ctx, path: RemotePath, version_id: str | None = None) -> str:
    """The key a symlink points to."""
    return ctx.client.get_symlink(path.bucket, path.key, version_id=version_id)


def restore_state(meta) -> str:
    """A cold object's x-oss-restore said plainly: frozen, in progress, or readable until when."""
    header = meta.restore or ""
    if 'ongoing-request="true"' in header:
        return "in progress"
    if 'expiry-date="' in header:
        return "restored until " + header.split('expiry-date="', 1)[1].rstrip('"')
    return "frozen (restore it to read it)"


def head_or_dangling(ctx, path: RemotePath, version_id: str | None = None):
    """head_object, or None for a symlink whose target does not exist (HEAD follows links)."""

    try:
        return ctx.client.head_object(path.bucket, path.key, version_id=version_id)
    except oss.errors.SymlinkTargetNotExist:
        return None


def head_or_link(ctx, path: RemotePath):
    """head_object; for a symlink whose target is gone, the link's own metadata (it exists all the same)."""
    meta = head_or_dangling(ctx, path)
    if meta is None:
        meta = ctx.client.get_object_meta(path.bucket, path.key)  # objectMeta does not follow the link
        meta.object_type = SYMLINK
    return meta


def with_links(ctx, rows):
    """Listing rows with each symlink shown as `name -> target` (one GetSymlink per symlink), as ls -l does."""
    for row in rows:
        if row.get("object_type") == SYMLINK:
            target = link_target(ctx, RemotePath(row["uri"][len("oss://") :].partition("/")[0], row["key"]))
            row = {**row, "name": f"{row['name']} -> {target}", "target": target}
        yield row


@command(
    "ln",
    "Make a symlink LINK pointing to TARGET, an object of the same bucket (-f: replace an existing LINK).",
    "ln -s logs/2024/latest.log latest",
    arg("-s", action="store_true", help="symbolic (OSS has no other kind of link)"),
    arg("-f", action="store_true", help="replace LINK if it exists"),
    arg("target", metavar="TARGET"),
    arg("link", nargs="?", metavar="LINK"),
    complete=("remote", "remote"),
)
def ln(ctx, a):
    if not a.s:
        raise UsageError("OSS has only symbolic links: use ln -s TARGET LINK")
    target = in_bucket(ctx, a.target)
    if target.is_prefix or not target.key:
        raise UsageError(f"{a.target}: a symlink points to an object, not a prefix")
    link = in_bucket(ctx, a.link) if a.link is not None else in_bucket(ctx, "").as_prefix()
    if link.bucket != target.bucket:
        raise UsageError(f"{link.uri()}: a symlink and its target must be in the same bucket")
    if not link.is_prefix and not ctx.client.object_exists(link.bucket, link.key) and is_nonempty_prefix(ctx, link):
        link = link.as_prefix()  # a prefix named without its / (objectMeta: a dangling link still exists)
    if link.is_prefix:  # into a prefix (or the current location): named after the target, as ln does
        link = link.child(target.name)
    if link == target:
        raise CommandError(f"{link.uri()}: a symlink cannot point to itself")
    ctx.client.put_symlink(link.bucket, link.key, target.key, forbid_overwrite=not a.f)
    ctx.changed(link)
    return Message(f"{link.uri()} -> {target.key}", {"action": "ln", "uri": link.uri(), "target": target.key})


@command(
    "restore",
    "Restore Archive/ColdArchive/DeepColdArchive objects for reading, for --days days "
    "(default 1); --tier for the cold archive classes.",
    "restore backups/2019.tar --days 3",
    arg("path", metavar="PATH"),
    arg("--days", type=int, default=None, metavar="N", help="how long the copy stays readable (default 1)"),
    arg("--tier", choices=TIERS, metavar="TIER", help="Expedited, Standard or Bulk"),
    complete=("remote",),
)
def restore(ctx, a):
    if a.days is not None and a.days < 1:
        raise UsageError("--days must be a positive number of days")
    paths = objects(ctx, a.path)
    if paths[0].is_prefix:
        raise UsageError(f"{a.path}: give an object, not a prefix")
    days = a.days or 1
    for path in paths:
        status = ctx.client.restore_object(path.bucket, path.key, a.days, a.tier)
        ctx.changed(path)
        started = status == 202
        text = (
            f"restoring {path.uri()} for {plural(days, 'day')}"
            if started
            else f"{path.uri()} is already restored; kept {plural(days, 'day')} more"
        )
        yield Message(
            text, {"action": "restore", "uri": path.uri(), "days": days, "state": "started" if started else "extended"}
        )
