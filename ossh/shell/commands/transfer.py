"""Moving bytes between the local machine and OSS: put, get, cat.

Recursive copies follow one rule (shared with cp -r, and with osscmd's uploadfromdir/downloadtodir):
a single directory or prefix given with an explicit destination has its *contents* put under that
destination (ossutil, `aws s3 cp --recursive`, osscmd); with no destination, or with several
sources (several arguments or a glob), each directory keeps its name under the destination (the
current location when none is given), as sftp's `put -r dir` and `cp -r a b dir/`. Whether the
destination already exists never changes where things land, so running a command twice gives the
same result, and a trailing / on the source changes nothing.
"""

from __future__ import annotations

import os

import ossh.client as oss  # its parts load on first use: start-up stays light
from ossh.protocol import OBJECT_ACLS, STORAGE_CLASSES

from ..paths import RemotePath
from ..registry import CommandError, UsageError, arg, command
from ..render import human_size
from ..results import Message, Stream
from .common import (
    expand,
    in_bucket,
    local_matches,
    objects,
    parse_meta,
    pattern_of,
    plural,
    settle,
    settled,
    walk,
)
from .mpu import kept_upload


def _dest_key(dest: RemotePath, name: str, into: bool) -> RemotePath:
    return dest.child(name) if into or dest.is_prefix else dest


def keeps_name(explicit: bool, several: bool) -> bool:
    """The recursive rule (module docstring): does a copied directory keep its name under the destination?
    `explicit`: a destination was given; `several`: more than one source, or a glob."""
    return several or not explicit


def tree_root(dest: RemotePath, name: str, keep_name: bool) -> RemotePath:
    """The prefix a directory or prefix called `name` is copied to (keep_name: see keeps_name)."""
    name = name.strip("/")
    return dest.child(name + "/") if keep_name and name else dest.as_prefix()


def apply_tags(ctx, a, dest: RemotePath) -> None:
    """`--tag KEY=VALUE` (put, cp, mv): the tags set on the object just written, replacing any it carried."""
    if getattr(a, "tag", None):
        from .config import parse_tags

        ctx.client.put_object_tagging(dest.bucket, dest.key, parse_tags(a.tag))


TAG_ARG = arg("--tag", action="append", metavar="KEY=VALUE", help="tag the object (repeatable)")


def _upload(ctx, a, local: str, dest: RemotePath):
    size = os.path.getsize(local)
    kwargs = dict(content_type=a.content_type, metadata=parse_meta(a.meta), acl=a.acl, storage_class=a.storage_class)
    if a.multipart:
        kwargs["threshold"] = 0

    with ctx.progress(f"put {os.path.basename(local)}", size) as progress:
        try:
            put = ctx.client.upload_file(
                dest.bucket, dest.key, local, progress=progress, checkpoint_dir=ctx.checkpoints, **kwargs
            )
        except oss.OssError as exc:  # say where the parts already sent went, and how to use or drop them
            if upload_id := kept_upload(ctx, dest.bucket, dest.key, local):
                exc.message += f"; upload {upload_id} is kept: the same put resumes it, `mpu abort` drops it"
            raise
    apply_tags(ctx, a, dest)
    ctx.changed(dest)
    versioned = {"version_id": put.version_id} if put.version_id else {}  # in a versioned bucket
    return Message(
        f"{local} -> {dest.uri()} ({human_size(size)})",
        {"action": "put", "local": local, "uri": dest.uri(), "size": size, **versioned},
    )


def _put_stdin(ctx, a, dest: RemotePath) -> None:
    """Upload standard input of unknown length (the client keeps memory to a few parts and aborts a
    multipart upload that fails or is interrupted)."""
    with ctx.progress("put -", None) as progress:
        ctx.client.upload_stream(
            dest.bucket,
            dest.key,
            ctx.binary_stdin(),
            content_type=a.content_type,
            metadata=parse_meta(a.meta),
            acl=a.acl,
            multipart=a.multipart,
            progress=progress,
            storage_class=a.storage_class,
        )


def _put_tree(ctx, a, root: str, dest: RemotePath):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            yield _upload(ctx, a, path, RemotePath(dest.bucket, dest.as_prefix().key + rel))


@command(
    "put",
    "Upload local files (-r: directories, -: standard input) to a key or prefix.",
    "put -r photos/ oss://backup/2024/",
    arg("-r", action="store_true", help="upload directories recursively"),
    arg("--acl", choices=OBJECT_ACLS, metavar="ACL", help="the objects' ACL: " + ", ".join(OBJECT_ACLS)),
    arg("--content-type", metavar="TYPE", help="Content-Type to store (default: guessed from the name)"),
    arg(
        "--storage-class",
        choices=STORAGE_CLASSES,
        metavar="CLASS",
        help="the objects' storage class: " + ", ".join(STORAGE_CLASSES),
    ),
    arg("--meta", action="append", metavar="KEY=VALUE", help="user metadata (repeatable)"),
    arg("--multipart", action="store_true", help="use the multipart API whatever the size"),
    TAG_ARG,
    arg("paths", nargs="+", metavar="LOCAL"),
    complete=("put",),
    usage="[-r] [--acl ACL] [--content-type TYPE] [--storage-class CLASS] [--meta KEY=VALUE] [--multipart] "
    "[--tag KEY=VALUE] "
    "LOCAL... [DEST]",
)
def put(ctx, a):
    explicit = len(a.paths) > 1
    sources, dest_text = (a.paths[:-1], a.paths[-1]) if explicit else (a.paths, "")
    dest = in_bucket(ctx, dest_text)
    if dest_text not in ("", "-") and sources != ["-"]:
        dest = settle(ctx, dest)  # an existing prefix named without its /: upload into it
    globbed = any(pattern_of(src) is not None for src in sources)
    sources = [(src, local) for src in sources for local in ([None] if src == "-" else local_matches(ctx, src))]
    many = len(sources) > 1
    keep = keeps_name(explicit, many or globbed)

    def target(local: str) -> RemotePath:
        base = os.path.basename(local.rstrip(os.sep))
        return tree_root(dest, base, keep) if os.path.isdir(local) else _dest_key(dest, base, many)

    one_target_each("put", ((target(local).uri(), local) for src, local in sources if src != "-"))
    for src, local in sources:
        if src == "-":
            if dest.is_prefix:
                raise UsageError("put -: give a key to store standard input under")
            _put_stdin(ctx, a, dest)
            apply_tags(ctx, a, dest)
            ctx.changed(dest)
            yield Message(f"- -> {dest.uri()}", {"action": "put", "local": "-", "uri": dest.uri()})
            continue
        if os.path.isdir(local):
            if not a.r:
                raise CommandError(f"{src}: is a directory (use -r)")
            yield from _put_tree(ctx, a, local, target(local))
        elif os.path.isfile(local):
            yield _upload(ctx, a, local, target(local))
        else:
            raise CommandError(f"{src}: no such local file")


def _download(ctx, src: RemotePath, local: str, size: int | None, meta=None, version_id: str | None = None):
    """`local`: a path local_in decided, or the user's own destination for one object. `size` (from a
    listing) or `meta` (from a HEAD), when known, spare download_file its own HEAD."""

    parent = os.path.dirname(local)
    if parent and not os.path.lexists(parent):
        try:
            os.makedirs(parent)
        except OSError as exc:
            raise CommandError(f"cannot create directory {parent}: {exc.strerror or exc}") from None
    oss.tempfiles.check_target(local)  # name an unwritable destination before a progress bar appears
    with ctx.progress(f"get {src.name}", size) as progress:
        meta = ctx.client.download_file(
            src.bucket,
            src.key,
            local,
            progress=progress,
            size=size,
            meta=meta,
            checkpoint_dir=ctx.checkpoints,
            version_id=version_id,
        )
    return Message(
        f"{src.uri()} -> {local} ({human_size(meta.size)})",
        {"action": "get", "uri": src.uri(), "local": local, "size": meta.size},
    )


def local_in(root: str, rel: str, directory: bool = False) -> str:
    """Where the key `rel` (below the prefix copied, or one name) is written under the directory `root`:
    the client's one decision (localpath.writable_target), a local failure as a one-line error. A key that
    cannot be written there raises UnsafeName, for the caller to skip."""
    place = oss.localpath.make_directory if directory else oss.localpath.writable_target
    try:
        return place(root, rel)
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        raise CommandError(f"cannot write {os.path.join(root, rel)}: {where}{exc.strerror or exc}") from None


class Skips:
    """The keys a command left out, each reported as it happens; `check()` fails the command at its end."""

    def __init__(self):
        self.count = 0

    def skip(self, src: RemotePath, exc: Exception) -> Message:
        """The line naming a key that was not downloaded, and why (as sync's)."""
        self.count += 1
        return Message(f"skip: {src.uri()}: {exc}", {"action": "skip", "src": src.uri(), "reason": str(exc)})

    def check(self) -> None:
        if self.count:
            raise CommandError(f"{plural(self.count, 'key')} skipped (listed above)")

    def download(self, ctx, src: RemotePath, local: str, size: int | None, meta=None) -> Message:
        """_download, with a failure that concerns this one object (gone since it was listed, not
        readable, archived) reported as a skip: the other keys still come."""
        try:
            return _download(ctx, src, local, size, meta)
        except oss.ServiceError as exc:
            if exc.code not in _ONE_OBJECT:
                raise
            return self.skip(src, exc)


# error codes about one object, not about the bucket, the account or the connection
_ONE_OBJECT = frozenset({"NoSuchKey", "AccessDenied", "InvalidObjectState", "SymlinkTargetNotExist"})


def _get_tree(ctx, prefix: RemotePath, root: str, name: str | None, skips: Skips):
    """The keys under `prefix` into the directory `root`, or into root/name when the prefix keeps its name:
    checked from `root` on, so that a name meeting a symlink in `root` counts as any other component."""
    for s in walk(ctx, prefix):
        rel = s.key[len(prefix.key) :]
        if not rel:
            continue
        if name is not None:
            rel = f"{name}/{rel}"
        src = RemotePath(prefix.bucket, s.key)
        marker = rel.endswith("/") and not s.size  # a zero-byte directory marker: a directory
        try:
            local = local_in(root, rel, directory=marker)
        except oss.localpath.UnsafeName as exc:
            yield skips.skip(src, exc)
            continue
        if not marker:
            yield skips.download(ctx, src, local, s.size)


def _sources(ctx, texts: list[str]):
    """(path, is_prefix, size, metadata or None, from a glob) for each source argument, globs expanded."""
    for text in texts:
        matches = expand(ctx, text)
        if matches is None:
            path, meta = settled(ctx, in_bucket(ctx, text))
            yield path, path.is_prefix, meta and meta.size, meta, False
        else:
            for e in matches:
                yield e.path, e.is_prefix, None if e.is_prefix else e.summary.size, None, True


def one_target_each(verb: str, targets) -> None:
    """Refuse, before anything moves, sources that would land on the same name ((target, source) pairs):
    the second would overwrite the first just written (GNU cp refuses it too)."""
    seen: dict[str, str] = {}
    for target, source in targets:
        if target in seen:
            raise CommandError(
                f"will not overwrite just-created {target} with {source} ({seen[target]} goes there too); "
                f"nothing transferred: {verb} them to different names"
            )
        seen[target] = source


@command(
    "get",
    "Download objects (-r: prefixes, - as LOCAL: standard output).",
    "get -r logs/2024/ ~/logs",
    arg("-r", action="store_true", help="download prefixes recursively"),
    arg("--version-id", metavar="ID", help="a version of the object, not its current one"),
    arg("paths", nargs="+", metavar="SRC"),
    complete=("remote", "remote_or_local"),
    usage="[-r] SRC... [LOCAL]",
)
def get(ctx, a):
    explicit = len(a.paths) > 1
    srcs, dest_text = (a.paths[:-1], a.paths[-1]) if explicit else (a.paths, ".")
    if a.version_id is not None:
        yield _get_version(ctx, a, srcs, dest_text)
        return
    if dest_text == "-":
        for text in srcs:
            yield from (_cat(ctx, path) for path in objects(ctx, text))
        return
    dest = ctx.state.local(dest_text)
    sources = list(_sources(ctx, srcs))
    into = os.path.isdir(dest) or dest_text.endswith(("/", os.sep)) or len(sources) > 1
    plan = []  # (source, its size, its HEAD, its name under dest: None for dest itself)
    for path, is_prefix, size, meta, globbed in sources:
        if is_prefix and not a.r:
            raise CommandError(f"{path.uri()}: is a prefix (use -r)")
        keep = keeps_name(explicit, globbed or len(sources) > 1) if is_prefix else into
        name = (path.name.rstrip("/") or path.bucket) if is_prefix else path.name
        plan.append((path, size, meta, name if keep else None))
    one_target_each("get", ((os.path.join(dest, name), p.uri()) for p, _, _, name in plan if name is not None))
    skips = Skips()
    for path, size, meta, name in plan:
        if path.is_prefix:
            yield from _get_tree(ctx, path, dest, name, skips)
            continue
        try:
            local = dest if name is None else local_in(dest, name)
        except oss.localpath.UnsafeName as exc:
            yield skips.skip(path, exc)
            continue
        yield _download(ctx, path, local, size, meta)
    skips.check()


def _get_version(ctx, a, srcs: list[str], dest_text: str):
    """`get --version-id ID KEY [LOCAL]`: one version of one object."""
    from .versions import one_object  # versions builds on this module

    if len(srcs) != 1 or a.r:
        raise UsageError("get --version-id downloads one version of one object")
    path = one_object(ctx, srcs[0])
    if dest_text == "-":
        return _cat(ctx, path, a.version_id)
    dest = ctx.state.local(dest_text)
    into = os.path.isdir(dest) or dest_text.endswith(("/", os.sep))
    meta = ctx.client.head_object(path.bucket, path.key, version_id=a.version_id)
    try:
        local = local_in(dest, path.name) if into else dest
    except oss.localpath.UnsafeName as exc:
        raise CommandError(f"{path.uri()}: {exc}") from None
    return _download(ctx, path, local, meta.size, meta, a.version_id)


def _cat(ctx, path: RemotePath, version_id: str | None = None) -> Stream:
    if path.is_prefix:
        raise CommandError(f"{path.uri()}: is a prefix")
    reader = ctx.client.get_object(path.bucket, path.key, version_id=version_id)

    def chunks():
        with reader:
            yield from reader.iter_chunks()

    return Stream(chunks())


@command(
    "cat",
    "Write an object to standard output.",
    "cat notes/todo.txt",
    arg("--version-id", metavar="ID", help="a version of the object, not its current one"),
    arg("paths", nargs="+", metavar="KEY"),
    complete=("remote",),
)
def cat(ctx, a):
    if a.version_id is not None:
        from .versions import one_object  # versions builds on this module

        if len(a.paths) != 1:
            raise UsageError("cat --version-id writes one version of one object")
        yield _cat(ctx, one_object(ctx, a.paths[0]), a.version_id)
        return
    for text in a.paths:
        yield from (_cat(ctx, path) for path in objects(ctx, text))
