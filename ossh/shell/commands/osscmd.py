"""The 2013 osscmd command names, as aliases of the shell's commands (`ossh getallbucket`); the osscmd-only
listings whose output scripts parsed (getallbucket, list, listallobject, getbucketlocation), printed in
osscmd's shape; and the two osscmd part uploads whose argument order differs from `mpu upload-part`."""

from __future__ import annotations

from datetime import datetime

from ossh.protocol import MAX_PARTS

from ..paths import RemotePath
from ..registry import REGISTRY, UsageError, arg, command
from ..results import Column, Message, Table
from .common import remote
from .mpu import part_from

# osscmd options ossh has no use for: it picks its own threads and part sizes, and always replaces
_IGNORED = frozenset(
    {"--thread_num", "--replace", "--check_md5", "--temp_dir", "--check_point", "--max_part_num", "--part_size"}
)


def osscmd_options(
    rename: dict[str, str] | None = None, to_end: tuple[str, ...] = (), switch: dict[str, str] | None = None
):
    """A rewrite of osscmd's options (`--opt value` or `--opt=value`) into the target command's terms:
    renamed (`--timeout` -> `--expires`), moved to the end as a positional (setacl's `--acl`), a
    `true`/`false` option turned into a flag (`--force true` -> `-f`), or dropped (`--thread_num`)."""
    rename, switch = rename or {}, switch or {}

    def rewrite(words: list[str]) -> list[str]:
        out, tail, i = [], [], 0
        while i < len(words):
            word = words[i]
            if word == "--":
                out += words[i:]
                break
            name, eq, value = word.partition("=")
            if name in _IGNORED or name in rename or name in to_end or name in switch:
                if not eq:
                    if i + 1 >= len(words):
                        raise UsageError(f"{name} needs a value")
                    i += 1
                    value = words[i]
                if name in rename:
                    out += [rename[name], value]
                elif name in to_end:
                    tail.append(value)
                elif name in switch and value.lower() == "true":
                    out.append(switch[name])
            else:
                out.append(word)
            i += 1
        return out + tail

    return rewrite


_DROP = osscmd_options()
for _name, _target, _rewrite, *_preset in (
    ("gs", "getallbucket", None),
    ("createbucket", "mkbucket", None),
    ("cb", "mkbucket", None),
    ("mb", "mkbucket", None),
    ("pb", "mkbucket", None),
    ("deletebucket", "rmbucket", None),
    ("db", "rmbucket", None),
    ("deletewholebucket", "rmbucket", None, "-f"),
    ("delete", "rm", None),
    ("del", "rm", None),
    ("deleteallobject", "rm", osscmd_options(switch={"--force": "-f"}), "-r"),
    ("upload", "put", _DROP),
    ("multiupload", "put", _DROP, "--multipart"),
    ("mp", "put", _DROP, "--multipart"),
    ("multi_upload", "put", _DROP, "--multipart"),
    ("uploadfromdir", "put", _DROP, "-r"),
    ("uploadobjectfromlocaldir", "put", _DROP, "-r"),
    ("downloadallobject", "get", _DROP, "-r"),
    ("downloadtodir", "get", _DROP, "-r"),
    ("multiget", "get", _DROP),
    ("multi_get", "get", _DROP),
    ("copy", "cp", None),
    ("meta", "stat", None),
    ("info", "stat", None),
    ("getacl", "acl", None),
    ("setacl", "acl", osscmd_options(to_end=("--acl",))),
    ("signurl", "presign", osscmd_options(rename={"--timeout": "--expires"})),
    ("sign", "presign", osscmd_options(rename={"--timeout": "--expires"})),
    ("init", "mpu init", None),
    ("listpart", "mpu parts", None),
    ("listparts", "mpu ls", None),
    ("getallpartsize", "mpu ls", None),
    ("cancel", "mpu abort", None),
):
    REGISTRY.alias(_name, _target, *_preset, rewrite=_rewrite)


_PART_ARGS = (
    arg("--upload_id", "--upload-id", required=True, metavar="UPLOAD_ID", help="the upload (mpu ls)"),
    arg(
        "--part_number",
        "--part-number",
        type=int,
        required=True,
        metavar="N",
        help=f"the part's number, 1 to {MAX_PARTS}",
    ),
)


@command(
    "uploadpartfromfile",
    "osscmd: upload one part from a local file (see mpu upload-part).",
    "uploadpartfromfile big.000 oss://b/big.iso --upload_id=0004B98 --part_number=1",
    arg("local", metavar="LOCAL"),
    arg("key", metavar="oss://BUCKET/KEY"),
    *_PART_ARGS,
    complete=("local", "remote"),
    aliases=("upff",),
)
def upload_part_from_file(ctx, a):
    return part_from(ctx, a.key, a.upload_id, a.part_number, a.local, None)


@command(
    "uploadpartfromstring",
    "osscmd: upload one part given as text (see mpu upload-part).",
    "uploadpartfromstring oss://b/big.iso --upload_id=0004B98 --part_number=2 --data=hello",
    arg("key", metavar="oss://BUCKET/KEY"),
    *_PART_ARGS,
    arg("--data", required=True, metavar="TEXT", help="the part's bytes, given as text"),
    complete=("remote",),
    aliases=("upfs",),
)
def upload_part_from_string(ctx, a):
    return part_from(ctx, a.key, a.upload_id, a.part_number, None, a.data)


# --------------------------------------------------------------------------- osscmd's own output shapes

_OSSCMD_ROW = [Column("time"), Column("size"), Column("class"), Column("uri")]


def osscmd_size(n: int) -> str:
    """osscmd's format_size: two decimals and K/M/G/T once above 2048 of the unit below."""
    size, unit = float(n), ""
    for next_unit in ("K", "M", "G", "T"):
        if size <= 2048:
            break
        size, unit = size / 1024, next_unit
    return f"{size:.2f}{unit}B"


def osscmd_time(t: datetime | None) -> str:
    """osscmd's convert_to_localtime: local time to the minute."""
    return t.astimezone().strftime("%Y-%m-%d %H:%M") if t else ""


def _bucket_of(ctx, text: str) -> RemotePath:
    path = remote(ctx, text)
    if path.bucket is None:
        raise UsageError(f"{text}: name a bucket, as oss://BUCKET/[PREFIX]")
    return path


def _listing_root(ctx, text: str | None) -> RemotePath | None:
    """What list/listallobject show: the path given, else the shell's location; None (osscmd: the
    buckets) at the root."""
    path = remote(ctx, text if text else ".")
    return path if path.bucket is not None else None


@command("getallbucket", "osscmd: list the buckets in osscmd's shape (ls oss:// is ossh's own).", "getallbucket")
def getallbucket(ctx, a):
    buckets = list(ctx.client.iter_buckets())
    rows = [
        {"time": osscmd_time(b.creation_date), "location": b.location or b.region or "", "name": b.name}
        for b in buckets
    ]
    return [
        Table(
            [Column("time", "CreateTime"), Column("location", "BucketLocation"), Column("name", "BucketName")],
            rows,
            header=True,
        ),
        Message(["", f"Bucket Number is: {len(rows)}"], {"bucket_number": len(rows)}),
    ]


@command(
    "list",
    "osscmd: one listing page in osscmd's shape; without a delimiter it lists every key under the prefix.",
    "list oss://photos/2024/ --delimiter /",
    arg("path", nargs="?", metavar="oss://BUCKET/[PREFIX]"),
    arg("marker", nargs="?", metavar="MARKER"),
    arg("delimiter", nargs="?", metavar="DELIMITER"),
    arg("maxkeys", nargs="?", type=int, metavar="MAXKEYS"),
    arg("--marker", dest="marker_opt", metavar="MARKER", help="start after this key"),
    arg("--delimiter", dest="delimiter_opt", metavar="DELIMITER", help="group keys by this character (/)"),
    arg("--maxkeys", dest="maxkeys_opt", type=int, metavar="N", help="at most N keys (default 1000)"),
    complete=("remote_dir",),
)
def list_(ctx, a):
    path = _listing_root(ctx, a.path)
    if path is None:
        return getallbucket(ctx, a)
    page = ctx.client.list_objects(
        path.bucket,
        prefix=path.key,
        marker=a.marker or a.marker_opt or "",
        delimiter=a.delimiter or a.delimiter_opt or "",
        max_keys=a.maxkeys or a.maxkeys_opt or 1000,
    )
    base = f"oss://{path.bucket}/"
    rows = [
        {
            "time": osscmd_time(o.last_modified),
            "size": osscmd_size(o.size),
            "class": o.storage_class or "",
            "uri": base + o.key,
            "key": o.key,
            "bytes": o.size,
        }
        for o in page.objects
    ]
    text = ctx.state.format != "json"  # the headings are osscmd's text; JSON has the rows alone
    return [
        Message("prefix list is: ") if text else None,
        Table([Column("prefix")], [{"type": "prefix", "prefix": p} for p in page.prefixes]),
        Message("object list is: ") if text else None,
        Table(_OSSCMD_ROW, rows),
        Message(
            ["", f"prefix list number is: {len(page.prefixes)} ", f"object list number is: {len(rows)} "],
            {"prefix_list_number": len(page.prefixes), "object_list_number": len(rows)},
        ),
    ]


@command(
    "listallobject",
    "osscmd: every object under a prefix, with totals, in osscmd's shape.",
    "listallobject oss://photos/2024/",
    arg("path", nargs="?", metavar="oss://BUCKET/[PREFIX]"),
    complete=("remote_dir",),
)
def listallobject(ctx, a):
    path = _listing_root(ctx, a.path)
    if path is None:
        return getallbucket(ctx, a)
    totals = {"objects": 0, "bytes": 0}

    def rows():
        for o in ctx.client.iter_objects(path.bucket, prefix=path.key):
            totals["objects"] += 1
            totals["bytes"] += o.size
            yield {
                "time": osscmd_time(o.last_modified),
                "size": osscmd_size(o.size),
                "uri": f"oss://{path.bucket}/{o.key}",
                "key": o.key,
                "bytes": o.size,
            }

    yield Table([Column("time"), Column("size"), Column("uri")], rows())
    yield Message(
        [
            f"object list number is: {totals['objects']} ",
            f"totalsize is: real:{totals['bytes']}, format:{osscmd_size(totals['bytes'])} ",
        ],
        {"object_list_number": totals["objects"], "totalsize": totals["bytes"]},
    )


@command(
    "getbucketlocation",
    "osscmd: print a bucket's location (oss-cn-hangzhou, ...).",
    "getbucketlocation oss://photos",
    arg("bucket", metavar="oss://BUCKET"),
    complete=("bucket",),
)
def getbucketlocation(ctx, a):
    path = _bucket_of(ctx, a.bucket)
    location = ctx.client.get_bucket_location(path.bucket)
    return Message(location, {"bucket": path.bucket, "location": location})
