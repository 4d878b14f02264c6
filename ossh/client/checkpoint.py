"""Transfer checkpoints: one small JSON record per (bucket, key, local path), replaced atomically, of an
interrupted transfer's finished parts, so a later call resumes with only the missing ones. An upload's is
valid while the local file keeps its size and mtime; a download's while the object keeps its ETag and size.
Records name buckets, keys and local paths: the directory is kept 0700 and the records 0600."""

from __future__ import annotations

import hashlib
import json
import os
import threading

from .models import PartResult


class _Checkpoint:
    """The record file of one transfer: named from a hash of bucket, key and local path, saved whole to a
    temporary file and renamed over the old record, so a crash leaves either the old or the new record."""

    def __init__(self, directory: str | os.PathLike, kind: str, bucket: str, key: str, path: str, identity: dict):
        private_dir(directory)
        name = hashlib.sha1(f"{bucket}\0{key}\0{os.path.abspath(path)}".encode()).hexdigest()
        self.file = os.path.join(os.fspath(directory), f"{kind}-{name}.json")
        self._identity = {"bucket": bucket, "key": key, **identity}
        self._record: dict = {}
        self._lock = threading.Lock()

    def _read(self) -> dict:
        """The stored record, whatever transfer it describes ({} when there is none or it is unreadable)."""
        try:
            with open(self.file, encoding="utf-8") as f:
                record = json.load(f)
        except (OSError, ValueError):
            return {}
        return record if isinstance(record, dict) else {}

    def _current(self) -> dict:
        """The stored record if it describes this very transfer, else {}."""
        record = self._read()
        return record if record.get("identity") == self._identity else {}

    def _start(self, fields: dict, parts: dict[int, list]) -> None:
        self._record = {"identity": self._identity, **fields, "parts": {str(n): p for n, p in parts.items()}}
        self._save()

    def _add_part(self, number: int, value: list) -> None:
        with self._lock:
            self._record["parts"][str(number)] = value
            self._save()

    def recorded(self) -> tuple[int, int]:
        """(parts, bytes) recorded as finished so far (every part's record holds its length second)."""
        with self._lock:
            parts = list(self._record.get("parts", {}).values())
        return len(parts), sum(int(p[1]) for p in parts)

    def _save(self) -> None:
        tmp = f"{self.file}.{threading.get_ident()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0), 0o600)
        with open(fd, "w", encoding="utf-8") as f:
            json.dump(self._record, f)
        os.replace(tmp, self.file)

    def remove(self) -> None:
        try:
            os.unlink(self.file)
        except FileNotFoundError:
            pass


def private_dir(directory: str | os.PathLike) -> None:
    """Create `directory` (and its parents) if missing; the directory itself made 0700 whatever the umask."""
    os.makedirs(directory, mode=0o700, exist_ok=True)
    if os.stat(directory).st_mode & 0o077:
        os.chmod(directory, 0o700)


def recorded_uploads(directory: str | os.PathLike) -> dict[str, dict]:
    """{upload id: {"bucket", "key", "path", "parts"}} of the multipart uploads that checkpoints in
    `directory` can resume (unreadable or foreign records are skipped)."""
    found = {}
    try:
        names = [n for n in os.listdir(directory) if n.startswith("upload-") and n.endswith(".json")]
    except OSError:
        return found
    for name in names:
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                record = json.load(f)
            identity, upload_id = record["identity"], record["upload_id"]
            found[str(upload_id)] = {
                "bucket": str(identity["bucket"]),
                "key": str(identity["key"]),
                "path": str(record.get("path", "")),
                "parts": len(record.get("parts", {})),
            }
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            continue
    return found


class UploadCheckpoint(_Checkpoint):
    """A multipart upload of a local file: its upload id and the parts sent."""

    def __init__(self, directory: str | os.PathLike, bucket: str, key: str, path: str, part_size: int):
        st = os.stat(path)
        self._path = os.path.abspath(path)
        super().__init__(
            directory,
            "upload",
            bucket,
            key,
            path,
            {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "part_size": part_size},
        )

    def load(self) -> tuple[str | None, dict[int, PartResult]]:
        """The upload id and finished parts recorded for this very file, or (None, {})."""
        record = self._current()
        try:
            parts = {int(n): PartResult(int(n), *p) for n, p in record.get("parts", {}).items()}
        except (AttributeError, TypeError, ValueError):
            return None, {}
        return (record["upload_id"], parts) if record.get("upload_id") else (None, {})

    def start(self, upload_id: str, parts: dict[int, PartResult]) -> None:
        self._start(
            {"upload_id": upload_id, "path": self._path}, {n: [p.etag, p.size, p.crc64] for n, p in parts.items()}
        )

    def record(self, part: PartResult) -> None:
        self._add_part(part.part_number, [part.etag, part.size, part.crc64])


class DownloadCheckpoint(_Checkpoint):
    """A ranged download of one object version (ETag and size): its temporary file, part size and the parts
    written, each with its CRC-64, indexed from 0."""

    def __init__(self, directory: str | os.PathLike, bucket: str, key: str, path: str, etag: str | None, size: int):
        super().__init__(directory, "download", bucket, key, path, {"etag": etag, "size": size})

    def load(self) -> tuple[str | None, int | None, dict[int, tuple[int, int]]]:
        """(temporary file, part size, {part index: (crc64, length)}) recorded for this object version,
        or (None, None, {})."""
        record = self._current()
        try:
            temp, part = record.get("temp"), int(record.get("part_size") or 0)
            parts = {int(n): (int(crc), int(length)) for n, (crc, length) in record.get("parts", {}).items()}
        except (AttributeError, TypeError, ValueError):
            return None, None, {}
        return (temp, part, parts) if isinstance(temp, str) and part > 0 else (None, None, {})

    def previous_temp(self) -> str | None:
        """The temporary file a stored record names, even one of another object version."""
        temp = self._read().get("temp")
        return temp if isinstance(temp, str) else None

    def start(self, temp: str, part_size: int, parts: dict[int, tuple[int, int]]) -> None:
        self._start({"temp": temp, "part_size": part_size}, {n: list(p) for n, p in parts.items()})

    def record(self, index: int, crc: int, length: int) -> None:
        self._add_part(index, [crc, length])
