"""Multipart uploads: mpu ls, mpu parts, mpu abort, mpu init, mpu upload-part, mpu complete."""

from __future__ import annotations

import os
import re
from datetime import datetime, timezone

import ossh.client as oss  # its parts load on first use: start-up stays light
from ossh.protocol import MAX_PARTS

from ..registry import HIDDEN, CommandError, UsageError, arg, command
from ..results import Column, Message, Table
from .common import in_bucket, plural

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_age(text: str) -> int:
    """'90', '90s', '15m', '2h', '7d', '1w' -> seconds."""
    m = re.fullmatch(r"(\d+)([smhdw]?)", text.strip())
    if not m:
        raise UsageError(f"bad age {text!r} (e.g. 90s, 15m, 2h, 7d)")
    return int(m.group(1)) * _UNITS[m.group(2) or "s"]


def format_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _age(initiated) -> float:
    return (datetime.now(timezone.utc) - initiated).total_seconds()


def _uploads(ctx, path):
    prefix = path.key
    for u in ctx.client.iter_uploads(path.bucket, prefix=prefix):
        if path.is_prefix or u.key == path.key:
            yield u


@command(
    "mpu ls",
    "List unfinished multipart uploads: age, bytes uploaded so far, upload id, key, and the "
    "local file whose `put` would resume it.",
    "mpu ls oss://backup/",
    arg("-h", action="store_true", help="human-readable sizes"),
    arg("path", nargs="?", default="", metavar="PATH"),
    complete=("remote",),
)
def mpu_ls(ctx, a):

    path = in_bucket(ctx, a.path)
    resumable = oss.checkpoint.recorded_uploads(ctx.checkpoints) if ctx.checkpoints else {}
    rows = []
    for u in _uploads(ctx, path):
        parts = list(ctx.client.iter_parts(path.bucket, u.key, u.upload_id))
        mine = resumable.get(u.upload_id)
        local = mine["path"] if mine and (mine["bucket"], mine["key"]) == (path.bucket, u.key) else None
        rows.append(
            {
                "uri": f"oss://{path.bucket}/{u.key}",
                "key": u.key,
                "upload_id": u.upload_id,
                "initiated": u.initiated,
                "age": format_age(_age(u.initiated)),
                "parts": len(parts),
                "size": sum(p.size for p in parts),
                "local": local,
            }
        )
    cols = [
        Column("age", "AGE"),
        Column("parts", "PARTS", "count"),
        Column("size", "BYTES", "size"),
        Column("upload_id", "UPLOAD ID"),
        Column("key", "KEY"),
        Column("local", "RESUME FROM"),
    ]
    hint = None
    if rows:  # text only: what to do with a leftover
        hint = (
            f"{plural(len(rows), 'unfinished upload')}: `put` of the file under RESUME FROM to the same key "
            "resumes it; `mpu abort KEY UPLOAD_ID` (or `mpu abort --all --older-than 1d PATH`) discards it"
        )
    return Table(cols, rows, title=hint, header=bool(rows), human=a.h, empty="no uploads")


def kept_upload(ctx, bucket: str, key: str, local: str) -> str | None:
    """The id of the unfinished upload of `local` to bucket/key that a checkpoint keeps for resuming (a
    failed or interrupted `put` leaves one), or None."""

    if not ctx.checkpoints:
        return None
    for upload_id, rec in oss.checkpoint.recorded_uploads(ctx.checkpoints).items():
        if (rec["bucket"], rec["key"], rec["path"]) == (bucket, key, os.path.abspath(local)):
            return upload_id
    return None


def _upload_id(a) -> str:
    uid = a.upload_id or a.upload_id_option
    if not uid:
        raise UsageError("missing UPLOAD_ID")
    return uid


_ID_ARGS = (
    arg("key", metavar="KEY"),
    arg("upload_id", nargs="?", metavar="UPLOAD_ID"),
    arg("--upload_id", "--upload-id", dest="upload_id_option", help=HIDDEN),
)


@command(
    "mpu parts",
    "List the parts an upload holds so far.",
    "mpu parts big.iso 0004B9894A22E5B1888A1E29F823****",
    *_ID_ARGS,
    complete=("remote", "upload_id"),
)
def mpu_parts(ctx, a):
    path = in_bucket(ctx, a.key)
    parts = ctx.client.iter_parts(path.bucket, path.key, _upload_id(a))
    rows = (
        {"part_number": p.part_number, "size": p.size, "etag": p.etag, "last_modified": p.last_modified} for p in parts
    )
    cols = [
        Column("part_number", "PART", "count"),
        Column("size", "SIZE", "size"),
        Column("last_modified", "MODIFIED", "time"),
        Column("etag", "ETAG"),
    ]
    return Table(cols, rows, header=True)


@command(
    "mpu abort",
    "Abort one upload, or with --all every upload under a path (optionally older than AGE).",
    "mpu abort --all --older-than 7d logs/",
    arg("--all", action="store_true", help="abort every upload under PATH"),
    arg("--older-than", metavar="AGE", help="with --all: only uploads older than AGE (90s, 15m, 2h, 7d)"),
    arg("key", nargs="?", metavar="KEY|PATH"),
    arg("upload_id", nargs="?", metavar="UPLOAD_ID"),
    arg("--upload_id", "--upload-id", dest="upload_id_option", help=HIDDEN),
    complete=("remote", "upload_id"),
)
def mpu_abort(ctx, a):
    if not a.all:
        if a.older_than:
            raise UsageError("--older-than goes with --all")
        if not a.key:
            raise UsageError("missing KEY and UPLOAD_ID (or --all)")
        path = in_bucket(ctx, a.key)
        uid = _upload_id(a)
        ctx.client.abort_multipart_upload(path.bucket, path.key, uid)
        ctx.changed(path)
        return Message(f"aborted {uid} ({path.uri()})", {"action": "abort", "uri": path.uri(), "upload_id": uid})
    if a.upload_id:
        raise UsageError("--all takes a PATH, not an UPLOAD_ID")
    path = in_bucket(ctx, a.key or "")
    min_age = parse_age(a.older_than) if a.older_than else None
    n = 0
    for u in list(_uploads(ctx, path)):
        if min_age is not None and _age(u.initiated) < min_age:
            continue
        ctx.client.abort_multipart_upload(path.bucket, u.key, u.upload_id)
        n += 1
    ctx.changed(path)
    return Message(
        f"aborted {plural(n, 'upload')} under {path.uri()}", {"action": "abort", "uri": path.uri(), "count": n}
    )


def upload_part(ctx, key_text: str, upload_id: str, number: int, data, size: int) -> Message:
    """Upload one part (the shared body of `mpu upload-part` and osscmd's upff/upfs)."""
    path = in_bucket(ctx, key_text)
    if path.is_prefix:
        raise UsageError(f"{key_text}: give a key, not a prefix")
    with ctx.progress(f"part {number}", size) as progress:
        part = ctx.client.upload_part(path.bucket, path.key, upload_id, number, data, progress=progress)
    return Message(
        f"part {number} of {upload_id}: {size} bytes, ETag {part.etag}",
        {"uri": path.uri(), "upload_id": upload_id, "part_number": number, "etag": part.etag, "size": size},
    )


@command(
    "mpu upload-part",
    "Upload one part of an upload from a local file (or --data TEXT).",
    "mpu upload-part big.iso 0004B9894A22E5B1888A1E29F823**** 1 big.iso.000",
    arg("key", metavar="KEY"),
    arg("upload_id", metavar="UPLOAD_ID"),
    arg("part_number", type=int, metavar="PART_NUMBER"),
    arg("local", nargs="?", metavar="LOCAL"),
    arg("--data", metavar="TEXT", help="the part's bytes, given as text"),
    complete=("remote", "upload_id", (), "local"),
)
def mpu_upload_part(ctx, a):
    return part_from(ctx, a.key, a.upload_id, a.part_number, a.local, a.data)


def part_from(ctx, key_text, upload_id, number, local, text):
    if (local is None) == (text is None):
        raise UsageError("give either LOCAL or --data")
    if not 1 <= number <= MAX_PARTS:
        raise UsageError(f"PART_NUMBER must be between 1 and {MAX_PARTS}")
    if text is not None:
        data = text.encode()
        return upload_part(ctx, key_text, upload_id, number, data, len(data))
    path = ctx.state.local(local)
    try:
        with open(path, "rb") as f:
            return upload_part(ctx, key_text, upload_id, number, f, os.path.getsize(path))
    except FileNotFoundError:
        raise CommandError(f"{local}: no such local file") from None


@command(
    "mpu complete",
    "Complete an upload from the parts it holds.",
    "mpu complete big.iso 0004B9894A22E5B1888A1E29F823****",
    *_ID_ARGS,
    complete=("remote", "upload_id"),
)
def mpu_complete(ctx, a):

    path = in_bucket(ctx, a.key)
    uid = _upload_id(a)
    parts = [
        oss.models.PartResult(p.part_number, p.etag, p.size) for p in ctx.client.iter_parts(path.bucket, path.key, uid)
    ]
    if not parts:
        raise CommandError(f"{uid}: the upload holds no parts yet")
    done = ctx.client.complete_multipart_upload(path.bucket, path.key, uid, parts)
    ctx.changed(path)
    return Message(
        f"completed {path.uri()} ({plural(len(parts), 'part')}, ETag {done.etag})",
        {"uri": path.uri(), "upload_id": uid, "parts": len(parts), "etag": done.etag},
    )


@command(
    "mpu init",
    "Start a multipart upload and print its id.",
    "mpu init big.iso",
    arg("key", metavar="KEY"),
    complete=("remote",),
)
def mpu_init(ctx, a):
    path = in_bucket(ctx, a.key)
    if path.is_prefix:
        raise CommandError(f"{a.key}: give a key, not a prefix")
    uid = ctx.client.init_multipart_upload(path.bucket, path.key)
    ctx.changed(path)
    return Message(uid, {"uri": path.uri(), "upload_id": uid})
