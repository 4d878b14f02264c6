"""Moving around and looking: cd, pwd, ls (remote), lcd, lpwd, lls (local)."""

from __future__ import annotations

import itertools
import os
from datetime import datetime, timezone

from ..paths import RemotePath
from ..registry import CommandError, arg, command
from ..results import Column, Message, Table
from .common import Entry, children, expand, is_nonempty_prefix, local_matches, remote, walk
from .special import head_or_link, with_links
from .versions import list_versions

_LONG = [
    Column("size", "SIZE", "size"),
    Column("last_modified", "MODIFIED", "time"),
    Column("storage_class", "CLASS"),
    Column("name", "NAME"),
]
_SHORT = [Column("name", "NAME")]
_BUCKETS_LONG = [
    Column("region", "REGION"),
    Column("creation_date", "CREATED", "time"),
    Column("storage_class", "CLASS"),
    Column("name", "NAME"),
]


@command(
    "cd",
    "Change the current bucket and prefix (no argument: the root; -: the previous place).",
    "cd oss://photos/2024/",
    arg("path", nargs="?", metavar="PATH"),
    complete=("remote_dir",),
)
def cd(ctx, a):
    st = ctx.state
    if a.path is None:
        st.go(RemotePath())
    elif a.path == "-":
        if st.previous is None:
            raise CommandError("no previous location")
        st.go(st.previous)
    else:
        target = remote(ctx, a.path).as_prefix() if a.path else st.location
        if target.bucket is not None:
            if target.key:
                if not is_nonempty_prefix(ctx, target):
                    raise _no_such_prefix(a.path)
            else:
                ctx.client.get_bucket_acl(target.bucket)  # NoSuchBucket when it does not exist
        st.go(target)
    return None


@command("pwd", "Print the current location.", "pwd")
def pwd(ctx, a):
    return Message(ctx.state.location.uri(), {"uri": ctx.state.location.uri()})


def _object_row(e: Entry, base: RemotePath) -> dict:
    name = e.path.key[len(base.key) :]
    if e.is_prefix:
        return {"name": name, "type": "prefix", "uri": e.path.uri(), "key": e.path.key}
    s = e.summary
    return {
        "name": name,
        "type": "object",
        "uri": e.path.uri(),
        "key": s.key,
        "size": s.size,
        "last_modified": s.last_modified,
        "storage_class": s.storage_class,
        "etag": s.etag,
        "object_type": getattr(s, "type", None) or getattr(s, "object_type", None),
    }


def _bucket_rows(ctx):
    for b in ctx.client.iter_buckets():
        yield {
            "name": b.name,
            "type": "bucket",
            "region": b.region,
            "location": b.location,
            "creation_date": b.creation_date,
            "storage_class": b.storage_class,
        }


def _no_such_prefix(text: str) -> CommandError:
    return CommandError(f"{text}: no such prefix")


def _present(ctx, path: RemotePath, text: str, rows):
    """The rows of a prefix listing; a prefix the user named that holds nothing (not even its own
    directory marker) does not exist: say so, as cd does. A bucket's top level may be empty."""
    rows = iter(rows)
    first = next(rows, None)
    if first is not None:
        return itertools.chain([first], rows)
    if text and path.key and not ctx.client.object_exists(path.bucket, path.key):
        raise _no_such_prefix(text)
    return []


def _listing(ctx, a, path: RemotePath, text: str, title):
    table = _list(ctx, a, path, text, title)
    if a.l and not path.is_root:
        table.rows = with_links(ctx, table.rows)  # a symlink shows as `name -> target`
    return table


def _list(ctx, a, path: RemotePath, text: str, title):
    columns = _LONG if a.l else _SHORT
    if path.is_root:
        return Table(_BUCKETS_LONG if a.l else _SHORT, _bucket_rows(ctx), title, human=a.h, empty="no buckets")
    matches = expand(ctx, text) if text else None
    if matches is not None:
        base = matches[0].path.parent
        return Table(columns, [_object_row(e, base) for e in matches], title, human=a.h)
    if not path.is_prefix:
        # a prefix named without its /: ls lists it; ls -d shows it, unless an object has that very key
        if is_nonempty_prefix(ctx, path) and not (a.d and ctx.client.object_exists(path.bucket, path.key)):
            path = path.as_prefix()
        else:
            meta = head_or_link(ctx, path)  # ObjectMeta reads like a summary
            return Table(columns, [_object_row(Entry(path, meta), path.parent)], title, human=a.h)
    if a.d:
        return Table(
            columns, [{"name": path.uri(), "type": "prefix", "uri": path.uri(), "key": path.key}], title, human=a.h
        )
    if a.r:
        rows = (
            _object_row(Entry(RemotePath(path.bucket, s.key), s), path) for s in walk(ctx, path) if s.key != path.key
        )
    else:
        rows = (_object_row(e, path) for e in children(ctx, path))
    return Table(columns, _present(ctx, path, text, rows), title, human=a.h)


@command(
    "ls",
    "List buckets (at the root), or the objects and prefixes under a path.",
    "ls -lh logs/2024-*",
    arg("-l", action="store_true", help="long form: size, last modified, storage class, name"),
    arg("-h", action="store_true", help="human-readable sizes"),
    arg("-r", action="store_true", help="recursive: every object under the prefix"),
    arg("-d", action="store_true", help="show prefixes themselves, not their contents"),
    arg("-V", "--versions", action="store_true", help="every version and delete marker, with its version id"),
    arg("paths", nargs="*", metavar="PATH"),
    complete=("remote",),
)
def ls(ctx, a):
    texts = a.paths or [""]
    for text in texts:
        path = remote(ctx, text, glob=not a.versions)
        title = f"{path.uri()}:" if len(texts) > 1 else None
        yield list_versions(ctx, a, path, title) if a.versions else _listing(ctx, a, path, text, title)


@command(
    "lcd",
    "Change the local directory.",
    "lcd ~/downloads",
    arg("path", nargs="?", metavar="LOCAL_DIR"),
    complete=("local_dir",),
)
def lcd(ctx, a):
    target = ctx.state.local(a.path or "~")
    if not os.path.isdir(target):
        raise CommandError(f"{a.path}: not a local directory")
    ctx.state.local_cwd = target
    return None


@command("lpwd", "Print the local directory.", "lpwd")
def lpwd(ctx, a):
    return Message(ctx.state.local_cwd, {"path": ctx.state.local_cwd})


def _local_row(path: str, name: str) -> dict:
    st = os.stat(path)
    is_dir = os.path.isdir(path)
    return {
        "name": name + ("/" if is_dir else ""),
        "type": "dir" if is_dir else "file",
        "size": None if is_dir else st.st_size,
        "last_modified": datetime.fromtimestamp(st.st_mtime, timezone.utc),
    }


@command(
    "lls",
    "List a local directory.",
    "lls -l ~/downloads",
    arg("-l", action="store_true", help="long form"),
    arg("-h", action="store_true", help="human sizes"),
    arg("path", nargs="?", metavar="LOCAL"),
    complete=("local",),
)
def lls(ctx, a):
    target = ctx.state.local(a.path or ".")
    found = local_matches(ctx, a.path) if a.path else [target]
    if found != [target]:  # a pattern's matches, named as typed (relative stays relative)
        shown = os.path.isabs(ctx.state.expand(a.path))
        rows = [_local_row(p, p if shown else os.path.relpath(p, ctx.state.local_cwd)) for p in found]
    elif os.path.isdir(target):
        rows = [_local_row(os.path.join(target, n), n) for n in sorted(os.listdir(target))]
    elif os.path.exists(target):
        rows = [_local_row(target, a.path)]
    else:
        raise CommandError(f"{a.path}: no such local file or directory")
    cols = [Column("size", "SIZE", "size"), Column("last_modified", "MODIFIED", "time"), Column("name", "NAME")]
    return Table(cols if a.l else _SHORT, rows, human=a.h)
