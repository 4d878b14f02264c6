"""Versioned buckets: `versioning` shows or sets a bucket's state, `revert` brings back an earlier version, and
the helpers other commands call for their version options: `ls --versions`, `--version-id` on get, cat, stat,
rm and cp, `rm --all-versions`, and `rmbucket -f` emptying a versioned bucket."""

from __future__ import annotations

import re

from ossh.protocol import VERSIONING_STATES

from ..paths import RemotePath
from ..registry import CommandError, UsageError, arg, command
from ..results import Column, Message, Table
from .common import bucket_arg, delete_under, in_bucket, pattern_of, plural, remote, settle
from .transfer import apply_tags

VERSION_ID_ARG = arg("--version-id", metavar="ID", help="a version of the object, not its current one")
_HEAD = re.compile(r"^HEAD~(\d+)$")
_STATES = {state.lower(): state for state in VERSIONING_STATES}
_COLUMNS = [
    Column("size", "SIZE", "size"),
    Column("last_modified", "MODIFIED", "time"),
    Column("version_id", "VERSION"),
    Column("latest", "LATEST"),
    Column("name", "NAME"),
]


# ---------------------------------------------------------------- versioning


@command(
    "versioning",
    "Show a bucket's versioning state, or set it (enabled or suspended; a bucket never goes back to unversioned).",
    "versioning photos enabled",
    arg("words", nargs="*", metavar="ARG"),
    complete=("bucket", ("enabled", "suspended")),
    usage="[BUCKET] [enabled|suspended]",
)
def versioning(ctx, a):
    words = list(a.words)
    if len(words) > 2:
        raise UsageError("versioning takes a bucket and a state at most")
    state = _STATES.get(words[-1].lower()) if words else None
    if state is None and len(words) == 2:
        raise UsageError(f"{words[-1]}: the state is enabled or suspended")
    if state is not None:
        words.pop()
    bucket = _bucket(ctx, words[0] if words else "")
    uri = f"oss://{bucket}/"
    if state is None:
        status = ctx.client.get_bucket_versioning(bucket)
        return Message(f"{uri}  {status or 'unversioned'}", {"bucket": bucket, "versioning": status})
    ctx.client.put_bucket_versioning(bucket, state)
    return Message(f"{uri}  versioning {state}", {"action": "versioning", "bucket": bucket, "versioning": state})


def _bucket(ctx, text: str) -> str:
    if text and "/" not in text:
        return bucket_arg(text)  # a bare word is a bucket's name, not a path below the current one
    path = remote(ctx, text)
    if path.bucket is None:
        raise UsageError("not inside a bucket: name one (versioning BUCKET)")
    return path.bucket


# ---------------------------------------------------------------- listing


def _version_row(v, base: RemotePath) -> dict:
    name = v.key[len(base.key) :] + (" (delete marker)" if v.delete_marker else "")
    return {
        "name": name,
        "type": "delete marker" if v.delete_marker else "version",
        "uri": RemotePath(base.bucket, v.key).uri(),
        "key": v.key,
        "version_id": v.version_id,
        "latest": "yes" if v.is_latest else "",
        "is_latest": v.is_latest,
        "delete_marker": v.delete_marker,
        "size": None if v.delete_marker else v.size,
        "last_modified": v.last_modified,
        "storage_class": v.storage_class,
        "etag": v.etag,
    }


def _prefix_row(prefix: str, base: RemotePath) -> dict:
    return {
        "name": prefix[len(base.key) :],
        "type": "prefix",
        "uri": RemotePath(base.bucket, prefix).uri(),
        "key": prefix,
    }


def list_versions(ctx, a, path: RemotePath, title) -> Table:
    """`ls --versions`: every version and delete marker under a prefix (one level; -r: all), or of one key."""
    if path.bucket is None:
        raise UsageError("ls --versions lists inside a bucket")
    single = not path.is_prefix and path.key
    if single and not _has_versions(ctx, path):
        path, single = path.as_prefix(), False  # a prefix named without its /, as ls takes it
    base = path.parent if single else path
    delimiter = "" if a.r or single else "/"

    def rows():
        for item in ctx.client.iter_object_versions(path.bucket, prefix=path.key, delimiter=delimiter):
            if isinstance(item, str):
                yield _prefix_row(item, base)
            elif not single or item.key == path.key:
                yield _version_row(item, base)

    return Table(_COLUMNS, rows(), title, header=True, human=a.h, empty=f"{path.uri()}: no versions")


def _has_versions(ctx, path: RemotePath) -> bool:
    """Whether the key itself has versions (the listing of versions under it starts with that key's)."""
    page = ctx.client.list_object_versions(path.bucket, prefix=path.key, max_keys=1)
    return any(v.key == path.key for v in page.versions)


# ---------------------------------------------------------------- one version


def one_object(ctx, text: str) -> RemotePath:
    """The single object a --version-id applies to (no pattern, no prefix)."""
    if pattern_of(text) is not None:
        raise UsageError(f"{text}: --version-id names one object, not a pattern")
    path = in_bucket(ctx, text)
    if path.is_prefix or not path.key:
        raise UsageError(f"{text}: --version-id names one object, not a prefix")
    return path


def cp_version(ctx, a):
    """`cp --version-id ID SRC [DST]`: a copy of that version of one object (no DST: into the current location)."""
    if a.r:
        raise UsageError("cp --version-id copies one version of one object")
    src = one_object(ctx, a.src)
    dst = settle(ctx, in_bucket(ctx, a.dst)) if a.dst is not None else in_bucket(ctx, "")
    if dst.is_prefix or not dst.key:
        dst = dst.as_prefix().child(src.name)
    result = ctx.client.copy_object(
        src.bucket, src.key, dst.bucket, dst.key, source_version_id=a.version_id, storage_class=a.storage_class
    )
    apply_tags(ctx, a, dst)
    ctx.changed(dst)
    return Message(
        f"{src.uri()} ({a.version_id}) -> {dst.uri()}",
        {
            "action": "cp",
            "src": src.uri(),
            "source_version_id": a.version_id,
            "dst": dst.uri(),
            "version_id": result.version_id,
        },
    )


def rm_version(ctx, a):
    """`rm --version-id ID KEY`: that version goes for good (a delete marker too)."""
    if len(a.paths) != 1 or a.r:
        raise UsageError("rm --version-id removes one version of one object")
    path = one_object(ctx, a.paths[0])
    result = ctx.client.delete_object(path.bucket, path.key, version_id=a.version_id)
    ctx.changed(path)
    what = "delete marker" if result.delete_marker else "version"
    return Message(
        f"removed {what} {a.version_id} of {path.uri()}",
        {"action": "rm", "uri": path.uri(), "version_id": a.version_id, "delete_marker": result.delete_marker},
    )


def rm_all_versions(ctx, a):
    """`rm --all-versions`: every version and delete marker of a key, or (-r) of everything under a prefix."""
    for text in a.paths:
        if pattern_of(text) is not None:
            raise UsageError(f"{text}: rm --all-versions takes keys and prefixes, not patterns")
        path = in_bucket(ctx, text)
        whole = path.is_prefix or not path.key
        if whole and not a.r:
            raise CommandError(f"{path.uri()}: is a prefix (use -r)")
        if (
            whole
            and ctx.interactive
            and not a.f
            and not ctx.confirm(f"remove every version of everything under {path.uri()}?")
        ):
            yield Message(f"skipped {path.uri()}", {"action": "skip", "uri": path.uri()})
            continue
        n = delete_versions(ctx, path.bucket, path.key, exact=not whole)
        if n == 0 and not a.f:
            raise CommandError(f"{path.uri()}: no versions")
        yield Message(
            f"removed {plural(n, 'version')} {'under' if whole else 'of'} {path.uri()}",
            {"action": "rm", "uri": path.uri(), "versions": n},
        )


def delete_versions(ctx, bucket: str, prefix: str, exact: bool = False, page_size: int = 1000) -> int:
    """Delete every version and delete marker under a prefix (exact: of that one key); returns how many.
    Each round lists from the start again and deletes that page: paging on while deleting would continue
    from a version-id-marker that is gone, and skip the older versions of its key."""
    total = 0
    gone: set[tuple[str, str | None]] = set()
    while True:
        page = ctx.client.list_object_versions(bucket, prefix=prefix, max_keys=page_size)
        entries = [(v.key, v.version_id) for v in page.versions if not exact or v.key == prefix]
        if gone.intersection(entries):  # deleted, yet listed again: the rounds would never end
            raise CommandError(f"oss://{bucket}/{prefix}: the server lists again the versions it said it deleted")
        gone.update(entries)
        deleted = len(ctx.client.delete_object_versions(bucket, entries)) if entries else 0
        total += deleted
        if not deleted or not page.is_truncated:
            break
    ctx.changed(RemotePath(bucket, prefix))
    return total


def empty_bucket(ctx, bucket: str) -> tuple[int, str]:
    """Delete everything a bucket holds: its objects, or in a bucket that has (or had) versioning, every version
    and delete marker for good. Returns how many, and what they were (object or version)."""
    if ctx.client.get_bucket_versioning(bucket) is None:
        return delete_under(ctx, RemotePath(bucket)), "object"
    return delete_versions(ctx, bucket, ""), "version"


# ---------------------------------------------------------------- revert


@command(
    "revert",
    "Make an earlier version current: with nothing or HEAD~0, remove the delete markers above "
    "the newest version; with HEAD~N (N > 0) or a version id, copy that version on top as the newest.",
    "revert report.pdf HEAD~1",
    arg("path", metavar="KEY"),
    arg("version", nargs="?", default="HEAD~0", metavar="HEAD~N|VERSION"),
    complete=("remote", ("HEAD~0", "HEAD~1")),
)
def revert(ctx, a):
    path = one_object(ctx, a.path)
    history = [v for v in ctx.client.iter_object_versions(path.bucket, prefix=path.key) if v.key == path.key]
    if not history:
        raise CommandError(f"{path.uri()}: no versions")
    real = [v for v in history if not v.delete_marker]
    head = _HEAD.match(a.version)
    if head and int(head.group(1)) == 0:
        markers = []
        for v in history:
            if not v.delete_marker:
                break
            markers.append(v)
        if not markers:
            raise CommandError(f"{path.uri()}: its newest version is current already (nothing to revert)")
        if not real:
            raise CommandError(f"{path.uri()}: only delete markers; no version to bring back")
        ctx.client.delete_object_versions(path.bucket, [(path.key, m.version_id) for m in markers])
        ctx.changed(path)
        return Message(
            f"{path.uri()}: removed {plural(len(markers), 'delete marker')}; version {real[0].version_id} is current",
            {
                "action": "revert",
                "uri": path.uri(),
                "version_id": real[0].version_id,
                "removed_markers": [m.version_id for m in markers],
            },
        )
    if head:
        n = int(head.group(1))
        if n >= len(real):
            raise CommandError(
                f"{path.uri()}: {a.version}: it has {plural(len(real), 'version')} (HEAD~0 to HEAD~{len(real) - 1})"
            )
        chosen = real[n]
    else:
        chosen = next((v for v in history if v.version_id == a.version), None)
        if chosen is None:
            raise CommandError(f"{path.uri()}: no version {a.version}")
        if chosen.delete_marker:
            raise CommandError(f"{path.uri()}: {a.version} is a delete marker; give a version of the object")
    result = ctx.client.copy_object(path.bucket, path.key, path.bucket, path.key, source_version_id=chosen.version_id)
    ctx.changed(path)
    return Message(
        f"{path.uri()}: version {chosen.version_id} copied on top as {result.version_id}",
        {
            "action": "revert",
            "uri": path.uri(),
            "source_version_id": chosen.version_id,
            "version_id": result.version_id,
        },
    )
