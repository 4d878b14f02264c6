"""Working on objects in place: rm, cp, mv, stat, du, acl, presign."""

from __future__ import annotations

import ossh.client as oss  # its parts load on first use: start-up stays light
from ossh.protocol import BUCKET_ACLS, COLD_CLASSES, OBJECT_ACLS, STORAGE_CLASSES

from ..paths import RemotePath
from ..registry import HIDDEN, CommandError, UsageError, arg, command
from ..results import Column, Message, Record, Table
from ..words import quote
from .common import (
    confirm_many,
    delete_under,
    expand,
    in_bucket,
    is_nonempty_prefix,
    objects,
    pattern_of,
    pattern_uri,
    plural,
    remote,
    settle,
    settled,
    walk,
)
from .special import SYMLINK, head_or_dangling, link_target, restore_state
from .transfer import TAG_ARG, apply_tags, keeps_name, tree_root
from .versions import VERSION_ID_ARG, cp_version, one_object, rm_all_versions, rm_version


def _matched(ctx, verb: str, text: str, n: int) -> Message:
    """The count line a pattern that matched several objects ends with."""
    uri = pattern_uri(ctx, text)
    return Message(
        f"{verb} {plural(n, 'object')} matching {uri}",
        {"action": "matched", "command": verb, "pattern": uri, "count": n},
    )


def _as_typed(ctx, path: RemotePath) -> str:
    """A path as short as the user could type it here: relative below the current location, else oss://..."""
    here = ctx.state.location
    if path.bucket == here.bucket and path.key.startswith(here.key) and path.key != here.key:
        return path.key[len(here.key) :]
    return path.uri()


def _delete_keys(ctx, paths: list[RemotePath], deleted: set):
    """Delete objects, one delete_objects call per bucket (the client sends 1,000 keys a request)."""
    for bucket in dict.fromkeys(p.bucket for p in paths):
        for key in ctx.client.delete_objects(bucket, (p.key for p in paths if p.bucket == bucket)):
            path = RemotePath(bucket, key)
            ctx.changed(path)
            deleted.add(path)
            yield Message(f"removed {path.uri()}", {"action": "rm", "uri": path.uri(), "count": 1})


def _rm_targets(ctx, a, text: str) -> list[tuple[RemotePath, bool]]:
    """(path, is_prefix) for one argument, every error found before anything is removed."""
    matches = expand(ctx, text, nothing_ok=a.f)
    if matches is not None:
        found = [(e.path, e.is_prefix) for e in matches]
    else:
        path = in_bucket(ctx, text)
        is_prefix = path.is_prefix
        if not (is_prefix or a.f or ctx.client.object_exists(path.bucket, path.key)):
            if not is_nonempty_prefix(ctx, path):
                raise CommandError(f"{path.uri()}: no such object")
            if not a.r:
                hint = quote(_as_typed(ctx, path.as_prefix()))
                raise CommandError(f"{path.uri()}: no such object; {hint} is a prefix (rm -r {hint})")
            path, is_prefix = path.as_prefix(), True
        found = [(path, is_prefix)]
    for path, is_prefix in found:
        if is_prefix and not a.r:
            raise CommandError(f"{path.uri()}: is a prefix (use -r)")
    return found


@command(
    "rm",
    "Remove objects (-r: everything under a prefix, 1,000 keys a request). A pattern that "
    "matches several objects asks first in the shell, and reports the count.",
    "rm -r tmp/",
    arg("-r", action="store_true", help="remove prefixes recursively"),
    arg("-f", action="store_true", help="no confirmation, no error for missing keys"),
    VERSION_ID_ARG,
    arg(
        "--all-versions",
        action="store_true",
        help="every version and delete marker too (-r: of everything under a prefix)",
    ),
    arg("paths", nargs="+", metavar="PATH"),
    complete=("remote",),
)
def rm(ctx, a):
    if a.version_id is not None:
        yield rm_version(ctx, a)
        return
    if a.all_versions:
        yield from rm_all_versions(ctx, a)
        return
    keys, counted = [], []
    for text in a.paths:
        found = _rm_targets(ctx, a, text)
        prefixes = [p for p, is_prefix in found if is_prefix]
        mine = [p for p, is_prefix in found if not is_prefix]
        if len(found) > 1:  # a pattern matching several: one question for all, none per prefix
            uri = pattern_uri(ctx, text)
            what = plural(len(mine), "object")
            if prefixes:
                what += f" and everything under {len(prefixes)} prefix{'es' if len(prefixes) > 1 else ''}"
            if not confirm_many(ctx, f"remove {what} matching {uri}?", len(found), a.f):
                yield Message(f"skipped {uri}", {"action": "skip", "pattern": uri})
                continue
        for path in prefixes:
            if (
                len(found) == 1
                and ctx.interactive
                and not a.f
                and not ctx.confirm(f"remove everything under {path.uri()}?")
            ):
                yield Message(f"skipped {path.uri()}", {"action": "skip", "uri": path.uri()})
                continue
            n = delete_under(ctx, path)
            yield Message(
                f"removed {plural(n, 'object')} under {path.uri()}", {"action": "rm", "uri": path.uri(), "count": n}
            )
        keys += mine
        if len(mine) > 1:
            counted.append((text, mine))
    deleted: set[RemotePath] = set()
    yield from _delete_keys(ctx, keys, deleted)
    for text, mine in counted:
        yield _matched(ctx, "removed", text, sum(p in deleted for p in mine))


def _copy_pairs(ctx, a):
    """(source, destination, size) for each object to copy; prefixes follow the recursive rule of
    put/get (see transfer.py): one prefix with an explicit DST has its contents put under DST; with no
    DST or a glob, it keeps its name under DST (the current location when none is given)."""
    src = remote(ctx, a.src, glob=True)
    explicit = a.dst is not None
    dst = settle(ctx, in_bucket(ctx, a.dst)) if explicit else in_bucket(ctx, "")  # an existing prefix: into it
    matches = expand(ctx, a.src)
    if matches is None:
        if src.bucket is None or not src.key:
            raise UsageError(f"{a.src}: give an object or a prefix")
        src, meta = settled(ctx, src)
        matches_paths = [(src, src.is_prefix, meta and meta.size)]
    else:
        matches_paths = [(e.path, e.is_prefix, e.summary and e.summary.size) for e in matches]
    into = len(matches_paths) > 1 or dst.is_prefix
    for path, is_prefix, size in matches_paths:
        if is_prefix:
            if not a.r:
                raise CommandError(f"{path.uri()}: is a prefix (use -r)")
            root = tree_root(dst, path.name, keeps_name(explicit, matches is not None))
            if root.bucket == path.bucket and root.key.startswith(path.key):
                # the copies would show up in the listing being copied, again and again
                raise CommandError(f"cannot copy {path.uri()} into itself ({root.uri()})")
            for s in walk(ctx, path):
                yield (
                    RemotePath(path.bucket, s.key),
                    RemotePath(root.bucket, root.key + s.key[len(path.key) :]),
                    s.size,
                )
        else:
            yield path, dst.child(path.name) if into else dst, size


def _copy(ctx, a, move: bool):
    verb = "mv" if move else "cp"
    pairs = _copy_pairs(ctx, a)
    globbed = pattern_of(a.src) is not None
    if globbed:
        pairs = list(pairs)  # the count first: a move of several asks before anything goes
        uri = pattern_uri(ctx, a.src)
        if move and not confirm_many(ctx, f"move {plural(len(pairs), 'object')} matching {uri}?", len(pairs)):
            yield Message(f"skipped {uri}", {"action": "skip", "pattern": uri})
            return
    moved: list[RemotePath] = []
    for src, dst, size in pairs:
        if src == dst:
            raise CommandError(f"{src.uri()}: source and destination are the same")
        with ctx.progress(f"{verb} {src.name}", size) as progress:
            ctx.client.copy(
                src.bucket, src.key, dst.bucket, dst.key, progress=progress, size=size, storage_class=a.storage_class
            )
        apply_tags(ctx, a, dst)
        ctx.changed(dst)
        if move:
            ctx.client.delete_object(src.bucket, src.key)
            ctx.changed(src)
        moved.append(src)
        yield Message(f"{src.uri()} -> {dst.uri()}", {"action": verb, "src": src.uri(), "dst": dst.uri()})
    if not moved:
        raise CommandError(f"{a.src}: nothing to {'move' if move else 'copy'}")
    if globbed and len(moved) > 1:
        yield _matched(ctx, "moved" if move else "copied", a.src, len(moved))


_COPY_ARGS = (
    arg("-r", action="store_true", help="copy prefixes recursively"),
    TAG_ARG,
    arg(
        "--storage-class",
        choices=STORAGE_CLASSES,
        metavar="CLASS",
        help="the copies' storage class: " + ", ".join(STORAGE_CLASSES),
    ),
    arg("src", metavar="SRC"),
    arg("dst", nargs="?", metavar="DST"),
)


@command(
    "cp",
    "Copy objects on the server, within or across buckets (no DST: into the current location).",
    "cp report.pdf oss://archive/2024/",
    *_COPY_ARGS,
    VERSION_ID_ARG,
    complete=("remote",),
)
def cp(ctx, a):
    if a.version_id is not None:
        yield cp_version(ctx, a)
        return
    yield from _copy(ctx, a, move=False)


@command(
    "mv",
    "Move objects on the server (copy, then delete the source).",
    "mv draft.txt final.txt",
    *_COPY_ARGS,
    complete=("remote",),
)
def mv(ctx, a):
    yield from _copy(ctx, a, move=True)


def _crc_text(crc: int | None) -> str | None:
    """A CRC-64 as OSS writes it: a decimal string (as a JSON number it would lose digits above 2^53)."""
    return None if crc is None else str(crc)


@command(
    "stat",
    "Show objects' size, ETag, CRC-64, type, ACL and metadata (or a bucket's info).",
    "stat photos/cat.jpg",
    arg("path", metavar="PATH"),
    VERSION_ID_ARG,
    complete=("remote",),
)
def stat(ctx, a):
    c = ctx.client
    version = a.version_id
    if version is not None:
        one_object(ctx, a.path)
    elif pattern_of(a.path) is None:
        path = in_bucket(ctx, a.path)
        if not path.key:
            i = c.get_bucket_info(path.bucket)
            yield Record(
                [
                    ("Bucket", i.name),
                    ("Region", i.region),
                    ("Location", i.location),
                    ("Created", i.creation_date),
                    ("Storage-Class", i.storage_class),
                    ("ACL", i.acl),
                    ("Extranet-Endpoint", i.extranet_endpoint),
                    ("Intranet-Endpoint", i.intranet_endpoint),
                ]
            )
            return
        if path.is_prefix:
            raise CommandError(f"{path.uri()}: is a prefix (try du)")
    for path in objects(ctx, a.path):
        m = head_or_dangling(ctx, path, version)
        target = [("Symlink-Target", link_target(ctx, path, version))] if m is None or m.object_type == SYMLINK else []
        if m is None:  # a symlink whose target is gone: only the link itself to show
            yield Record([("URI", path.uri()), ("Type", SYMLINK), *target, ("Target-Exists", False)])
            continue
        restore = [("Restore", restore_state(m))] if m.restore or m.storage_class in COLD_CLASSES else []
        versioned = [("Version-Id", m.version_id)] if m.version_id else []
        yield Record(
            [
                ("URI", path.uri()),
                *versioned,
                ("Size", m.size),
                ("ETag", m.etag),
                ("CRC-64", _crc_text(m.crc64)),
                ("Type", m.object_type),
                *target,
                ("Content-Type", m.content_type),
                ("Last-Modified", m.last_modified),
                ("Storage-Class", m.storage_class),
                *restore,
                ("ACL", c.get_object_acl(path.bucket, path.key, version_id=version)),
                ("Metadata", dict(m.metadata or {})),
            ]
        )


@command(
    "du",
    "Total size and object count under a prefix (at the root: per bucket).",
    "du -h logs/",
    arg("-h", action="store_true", help="human-readable sizes"),
    arg("path", nargs="?", default="", metavar="PATH"),
    complete=("remote_dir",),
)
def du(ctx, a):
    matches = expand(ctx, a.path)
    if matches is not None:
        prefixes = [e.path for e in matches]
    elif (path := remote(ctx, a.path)).is_root:
        prefixes = [RemotePath(b.name) for b in ctx.client.iter_buckets()]
    else:
        prefixes = [settle(ctx, path)]
    rows = []
    for p in prefixes:
        size = count = 0
        for s in walk(ctx, p):
            if not p.is_prefix and s.key != p.key:  # du of one object: not the keys it prefixes
                continue
            size += s.size
            count += 1
        rows.append({"uri": p.uri(), "size": size, "objects": count})
    cols = [Column("size", "SIZE", "size"), Column("objects", "OBJECTS", "count"), Column("uri", "PATH")]
    return Table(cols, rows, human=a.h)


@command(
    "acl",
    "Show (one argument; none: the current bucket) or set (two) the ACL of a bucket or objects.",
    "acl photos/cat.jpg public-read",
    arg("path", nargs="?", default="", metavar="PATH"),
    arg("value", nargs="?", choices=OBJECT_ACLS, metavar="ACL"),
    arg("--acl", dest="acl_option", choices=OBJECT_ACLS, help=HIDDEN),
    complete=("remote", OBJECT_ACLS),
)
def acl(ctx, a):
    value = a.value or a.acl_option
    c = ctx.client
    if not a.path:  # no PATH: the current bucket (a prefix has no ACL of its own)
        paths = [RemotePath(in_bucket(ctx, "").bucket)]
    else:
        paths = objects(ctx, a.path)
    for path in paths:
        if not path.key:
            if value is None:
                got = c.get_bucket_acl(path.bucket)
                yield Message(f"{path.uri()}  {got}", {"uri": path.uri(), "acl": got})
                continue
            if value not in BUCKET_ACLS:
                raise UsageError(f"bucket ACL must be one of {', '.join(BUCKET_ACLS)}")
            c.put_bucket_acl(path.bucket, value)
        elif path.is_prefix:
            raise CommandError(f"{path.uri()}: is a prefix; ACLs belong to buckets and objects")
        elif value is None:
            got = c.get_object_acl(path.bucket, path.key)
            yield Message(f"{path.uri()}  {got}", {"uri": path.uri(), "acl": got})
            continue
        else:
            c.put_object_acl(path.bucket, path.key, value)
        yield Message(f"{path.uri()}  {value}", {"uri": path.uri(), "acl": value, "action": "set"})


@command(
    "presign",
    "Print a presigned GET URL for an object (for each object a pattern matches).",
    "presign report.pdf --expires 600",
    arg("path", metavar="PATH"),
    arg(
        "--expires",
        type=int,
        default=3600,
        metavar="SECONDS",
        help="how long the URL works (default 3600; at most 604800, 7 days, with V4 signatures)",
    ),
    arg("--timeout", dest="expires", type=int, help=HIDDEN),
    complete=("remote",),
)
def presign(ctx, a):

    if a.expires <= 0:
        raise UsageError(f"--expires must be a positive number of seconds, not {a.expires}")
    if problem := oss.auth.presign_expires_problem(ctx.client.signature_version, a.expires):
        raise UsageError(f"--expires {problem}")
    paths = objects(ctx, a.path)
    if paths[0].is_prefix:
        raise UsageError(f"{a.path}: give an object, not a prefix")
    if ctx.embedded and not ctx.interactive:
        ctx.warn(
            "the URL points at the embedded server this ossh started, which stops when it exits; "
            "run `ossh serve` for an endpoint that stays up"
        )
    for path in paths:
        url = ctx.client.presign("GET", path.bucket, path.key, expires=a.expires)
        yield Message(url, {"uri": path.uri(), "url": url, "expires": a.expires})
