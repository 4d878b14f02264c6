"""The pieces of a download to a local file that TransferManager puts together: a byte range copied from the
object into a file and continued where its body broke off, ranged parts fetched in parallel, and a resumed
download's parts reused when they are still on disk.

Broken connections cost only what they cut: a body that stops mid-stream is continued with a Range from the
byte reached, pinned to the ETag with If-Match (see copy_range). Each part's CRC-64 is recorded as it arrives;
a resumed download first reads its earlier parts back against those records and fetches again only the ones
changed on disk. OSS gives one CRC for the whole object, never one per range, so when the parts combined do
not match it, no part can be blamed (each is as it arrived: the object changed under its ETag or bytes were
damaged on the way): the download is discarded with an error that says so, and the next one starts over.
Temporary files, their locks and the sweeping of leftovers are tempfiles.py's."""

from __future__ import annotations

import os
import re
import time

from ..protocol import H_RANGE_BEHAVIOR
from . import cancel
from .body import Progress
from .checkpoint import DownloadCheckpoint
from .crc import Crc64
from .errors import IntegrityError, TransportError
from .headers import check_crc
from .models import ObjectMeta
from .parts import SharedProgress, part_jobs, run_bounded
from .tempfiles import check_target, claim, create_beside, discard, holds, local_error, sweep, unlink

__all__ = ["copy_range", "fetch_parts", "resume_download", "check_target"]  # check_target: the shell's, from here

MAX_RESUMES = 50  # continuations of one body at most, however much each one moved


def copy_range(
    client,
    bucket: str,
    key: str,
    etag: str,
    out,
    offset: int,
    length: int,
    progress: Progress | None,
    reader=None,
    version_id: str | None = None,
) -> tuple[int, int]:
    """`length` bytes of the object from `offset` written to `out` (a binary file) at the same offset;
    returns their (CRC-64, length). `reader`, when given, is an answer already streaming from `offset`.
    A body that breaks off is continued by a ranged GET from the byte reached, pinned to `etag` (a
    changed object answers 412, never a mix of versions): up to the client's max_retries bodies in a
    row broken without a new byte, MAX_RESUMES in all. A continuation request that fails even after
    the transport's own retries ends the copy."""
    crc = Crc64()
    stalls = resumes = 0
    retry = client.transport.retry
    while True:
        if reader is None:  # the transport retries this request; if it still fails, so does the copy
            reader = client.get_object(
                bucket,
                key,
                byte_range=(offset + crc.length, offset + length - 1),
                if_match=etag,
                headers={H_RANGE_BEHAVIOR: "standard"},
                version_id=version_id,
            )
            _check_continuation(reader.meta, offset + crc.length, key)
        before = crc.length
        try:
            out.seek(offset + crc.length)
            with reader:
                for chunk in reader.iter_chunks():
                    cancel.check()
                    chunk = chunk[: length - crc.length]  # never past the range, whatever is sent
                    out.write(chunk)
                    crc.update(chunk)
                    if progress:
                        progress(crc.length, length)
                    if crc.length == length:
                        break
            if crc.length == length:
                return crc.value, crc.length
            why = "the body ended early"
        except TransportError as exc:
            why = exc.message
        reader = None
        stalls = 0 if crc.length > before else stalls + 1
        resumes += 1
        if stalls > retry.max_retries or resumes > MAX_RESUMES:
            raise TransportError(
                f"get {key}: gave up at byte {offset + crc.length} of "
                f"{offset}-{offset + length - 1} after {resumes} broken answers ({why})",
                code="IncompleteBody",
            ) from None
        time.sleep(retry.delay(stalls))
        cancel.check()


def resume_download(
    client,
    bucket: str,
    key: str,
    path: str,
    meta: ObjectMeta,
    part_size: int,
    threads: int,
    progress: Progress | None,
    checkpoint_dir,
    verify: bool = True,
    version_id: str | None = None,
) -> ObjectMeta:
    """A ranged download with a checkpoint: the recorded temporary file and parts reused when they belong
    to this object version, else a fresh start (removing the stale temporary file)."""
    try:
        ckpt = DownloadCheckpoint(checkpoint_dir, bucket, key, path, meta.etag, meta.size)
        tmp, part, done = ckpt.load()
        fd = claim(tmp, path) if tmp is not None and holds(tmp, path, meta.size) else None
        if fd is None:
            discard(ckpt.previous_temp(), path)
            fd, tmp = create_beside(path, os.path.dirname(os.path.abspath(path)))
            part, done = part_size, {}
        try:
            os.ftruncate(fd, meta.size)
            sweep(path, keep=tmp)
            done = _still_on_disk(tmp, part, meta.size, done)
            ckpt.start(tmp, part, done)
            try:
                fetch_parts(client, bucket, key, meta, tmp, part, done, threads, progress, ckpt, verify, version_id)
            except IntegrityError:  # every part as received, yet wrong: not worth resuming
                unlink(tmp)
                ckpt.remove()
                raise
            except (KeyboardInterrupt, cancel.Cancelled):
                parts = -(-meta.size // part)
                kept = cancel.Kept("download", bucket, key, path, *ckpt.recorded(), parts, meta.size, temp=tmp)
                cancel.keep_or_drop(kept, lambda: (unlink(tmp), ckpt.remove()))
                raise
            os.replace(tmp, path)
        finally:
            os.close(fd)
        ckpt.remove()
    except OSError as exc:
        raise local_error(path, exc) from None
    return meta


def fetch_parts(
    client,
    bucket: str,
    key: str,
    meta: ObjectMeta,
    tmp: str,
    part: int,
    done: dict[int, tuple[int, int]],
    threads: int,
    progress: Progress | None,
    ckpt: DownloadCheckpoint | None = None,
    verify: bool = True,
    version_id: str | None = None,
) -> None:
    """Ranged GETs (pinned to the ETag) of the parts not in `done` ({index: (crc64, length)}) written
    into `tmp`, each recorded in `ckpt` once on disk; with `verify`, IntegrityError unless their CRC-64s,
    combined in order, equal the object's. (Parts of an earlier run were read back against their records
    before this, so every CRC here is of bytes as they arrived: a mismatch cannot be pinned on one part.)"""
    size = meta.size
    shared = SharedProgress(size, progress, done=sum(length for _, length in done.values()))

    def fetch(index: int) -> tuple[int, int]:
        offset = index * part
        with open(tmp, "r+b") as out:
            value, length = copy_range(
                client,
                bucket,
                key,
                meta.etag,
                out,
                offset,
                min(part, size - offset),
                shared.for_part(),
                version_id=version_id,
            )
        if ckpt is not None:
            ckpt.record(index, value, length)
        return value, length

    parts = run_bounded(part_jobs(range(-(-size // part)), done, fetch), threads, "ossh-download")
    if not verify:
        return
    try:
        check_crc(_combined(parts), meta.crc64, f"get {key}", meta.request_id)
    except IntegrityError as exc:
        raise IntegrityError(
            f"{exc.message}: every part is as it arrived, so the object changed under its "
            "ETag or its bytes were damaged on the way; the partial download is discarded",
            code=exc.code,
            request_id=exc.request_id,
        ) from None


def _combined(parts: list[tuple[int, int]]) -> int:
    """The CRC-64 of parts [(crc64, length)] laid end to end."""
    whole = Crc64()
    for value, length in parts:
        whole.combine(value, length)
    return whole.value


def _check_continuation(meta: ObjectMeta, start: int, key: str) -> None:
    """A continuation must be the range asked for (206 from `start`), not the whole object again."""
    found = re.fullmatch(r"bytes (\d+)-\d+/\d+", meta.headers.get("Content-Range", "").strip())
    if not found or int(found.group(1)) != start:
        raise TransportError(f"get {key}: the server did not continue the body at byte {start}", code="RangeIgnored")


def _crc_on_disk(tmp: str, offset: int, length: int) -> tuple[int, int]:
    """(CRC-64, length) of up to `length` bytes of `tmp` from `offset`, read back from disk."""
    crc = Crc64()
    with open(tmp, "rb") as f:
        f.seek(offset)
        while crc.length < length and (chunk := f.read(min(length - crc.length, 1 << 20))):
            crc.update(chunk)
    return crc.value, crc.length


def _still_on_disk(tmp: str, part: int, size: int, done: dict[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """The recorded parts whose bytes in `tmp` still have the recorded length and CRC-64: a part changed on
    disk since it was recorded is fetched again rather than trusted (reading it back costs far less)."""
    return {
        index: (value, length)
        for index, (value, length) in done.items()
        if 0 <= index * part < size
        and length == min(part, size - index * part)
        and _crc_on_disk(tmp, index * part, length) == (value, length)
    }
