"""TransferConfig: how transfers run (threshold, part size, concurrency, checkpoints, CRC-64 checks), checked
once when it is made; the one home of the transfer defaults."""

from __future__ import annotations

import dataclasses
import os

from .errors import ClientError

DEFAULT_THRESHOLD = 64 << 20  # above it a file goes up in parallel parts, and comes down in parallel ranges
DEFAULT_PART_SIZE = 32 << 20  # raised for uploads so that no object needs more than MAX_PARTS parts
DEFAULT_CONCURRENCY = 4  # parts (or ranges) of one transfer in flight at once


@dataclasses.dataclass(frozen=True)
class TransferConfig:
    """Settings of a TransferManager (and of OssClient's upload_file, download_file, upload_stream, copy):
    a value given to one call overrides the config's for that call.

    threshold       bytes up to which a file goes as one PUT / one streamed GET (0: always in parts)
    part_size       bytes per part or range; None picks DEFAULT_PART_SIZE (an upload's part is raised to the
                    protocol's minimum, and so that the object fits in MAX_PARTS parts)
    concurrency     parts of one transfer in flight at once
    checkpoint_dir  where resumable transfers record their finished parts; None: a failed transfer leaves nothing
    verify_crc      compare the CRC-64 of the bytes a download wrote, or the combined CRC-64 of the parts a
                    multipart upload or copy sent, with the object's; off, they are kept as they came. A single
                    PUT (a file at or below the threshold) still checks its own body's, as put_object does
    """

    threshold: int = DEFAULT_THRESHOLD
    part_size: int | None = None
    concurrency: int = DEFAULT_CONCURRENCY
    checkpoint_dir: str | os.PathLike | None = None
    verify_crc: bool = True

    def __post_init__(self) -> None:
        _check_int("threshold", self.threshold, 0)
        if self.part_size is not None:
            _check_int("part_size", self.part_size, 1)
        _check_int("concurrency", self.concurrency, 1)
        if self.checkpoint_dir is not None and not isinstance(self.checkpoint_dir, (str, os.PathLike)):
            raise ClientError(
                f"TransferConfig.checkpoint_dir must be a directory path or None, not {self.checkpoint_dir!r}"
            )
        if not isinstance(self.verify_crc, bool):
            raise ClientError(f"TransferConfig.verify_crc must be True or False, not {self.verify_crc!r}")

    def replace(self, **changes) -> TransferConfig:
        """A copy with `changes` applied (and checked)."""
        return dataclasses.replace(self, **changes)


def _check_int(field: str, value, least: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        what = "a whole number" if least <= 0 else "a positive whole number"
        raise ClientError(f"TransferConfig.{field} must be {what} (>= {least}), not {value!r}")
