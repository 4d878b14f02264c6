"""Upload checkpoints: a small JSON record of a multipart upload and its finished parts, so an interrupted
upload_file can resume with only the missing parts (valid while the local file keeps its size and mtime)."""
from __future__ import annotations

import hashlib
import json
import os
import threading

from .models import PartResult


class UploadCheckpoint:
    def __init__(self, directory: str | os.PathLike, bucket: str, key: str, path: str, part_size: int):
        os.makedirs(directory, mode=0o700, exist_ok=True)
        st = os.stat(path)
        name = hashlib.sha1(f"{bucket}\0{key}\0{os.path.abspath(path)}".encode()).hexdigest()
        self.file = os.path.join(os.fspath(directory), f"upload-{name}.json")
        self._identity = {"bucket": bucket, "key": key, "size": st.st_size, "mtime_ns": st.st_mtime_ns,
                          "part_size": part_size}
        self._record: dict = {}
        self._lock = threading.Lock()

    def load(self) -> tuple[str | None, dict[int, PartResult]]:
        """The upload id and finished parts recorded for this very file, or (None, {})."""
        try:
            with open(self.file, encoding="utf-8") as f:
                record = json.load(f)
        except (OSError, ValueError):
            return None, {}
        if record.get("identity") != self._identity or not record.get("upload_id"):
            return None, {}
        self._record = record
        return record["upload_id"], {int(n): PartResult(int(n), *p) for n, p in record.get("parts", {}).items()}

    def start(self, upload_id: str, parts: dict[int, PartResult]) -> None:
        self._record = {"identity": self._identity, "upload_id": upload_id,
                        "parts": {str(n): [p.etag, p.size, p.crc64] for n, p in parts.items()}}
        self._save()

    def record(self, part: PartResult) -> None:
        with self._lock:
            self._record["parts"][str(part.part_number)] = [part.etag, part.size, part.crc64]
            self._save()

    def _save(self) -> None:
        tmp = f"{self.file}.{threading.get_ident()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(self._record, f)
        os.replace(tmp, self.file)

    def remove(self) -> None:
        try:
            os.unlink(self.file)
        except FileNotFoundError:
            pass
