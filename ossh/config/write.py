"""Changing one key of one profile in a config file, keeping every other line (comments, other sections,
the user's own key spellings) as it was. Written atomically: a private temporary file (0600) in the
same directory, flushed, then renamed over the old one, so a crash leaves the old file or the new one.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

from .files import PROFILE_NAME, profile_of
from .keys import ConfigError, Key, check_value, key_named

_HEADER = re.compile(r"^\s*\[([^\]]*)\]\s*$")
_OPTION = re.compile(r"^\s*([^=#;\s][^=]*?)\s*=")


def check_profile_name(name: str) -> str:
    if not PROFILE_NAME.match(name):
        raise ConfigError(f"bad profile name {name!r}: use letters, digits, '.', '_', '@' or '-'")
    return name


def _is_profile(header: str, name: str) -> bool:
    found = profile_of(header)
    return found is not None and found.lower() == name.lower()


def _header(name: str) -> str:
    return "[default]" if name == "default" else f"[profile {name}]"


def edit(text: str, profile: str, key: Key, value: str | None) -> str:
    """The file text with key set to value in profile's section (value None: the key removed)."""
    lines = text.splitlines()
    start = end = None
    for i, line in enumerate(lines):
        m = _HEADER.match(line)
        if m and start is not None and end is None:
            end = i
        if m and start is None and _is_profile(m.group(1).strip(), profile):
            start = i
    new = f"{key.spelling} = {value}" if value is not None else None
    if start is None:
        if new is None:
            return text
        if lines and lines[-1].strip():
            lines.append("")
        lines += [_header(profile), new]
        return "\n".join(lines) + "\n"
    end = len(lines) if end is None else end
    body = lines[start + 1 : end]
    kept, placed = [], False
    for line in body:
        m = _OPTION.match(line)
        if m and key_named(m.group(1)) is key:
            if new is not None and not placed:
                name = m.group(1)  # keep the user's spelling of the key
                kept.append(f"{name} = {value}")
                placed = True
            continue
        kept.append(line)
    if new is not None and not placed:
        last = max((i for i, line in enumerate(kept) if line.strip()), default=-1)
        kept.insert(last + 1, new)
    return "\n".join(lines[: start + 1] + kept + lines[end:]) + "\n"


def check_value_text(key: Key, value: str) -> None:
    """What a file may hold: what ossh can use, with no control character or edge space."""
    check_value(key, value, key.spelling)
    if value != value.strip():
        raise ConfigError(f"{key.spelling}: the value starts or ends with a space")


def private_dir(path: Path, own: bool) -> None:
    """Make the file's directory; ossh's own directory is kept 0700 (it holds secrets)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if own:
        os.chmod(path.parent, 0o700)


def write_atomic(path: Path, text: str) -> None:
    """Replace path's content with text: 0600 from the first byte, never half-written."""
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)  # the rename itself survives a crash
    finally:
        os.close(dir_fd)


def set_values(path: Path, profile: str, values: dict[str, str | None], own_dir: bool) -> None:
    """Set (or, for None, remove) several keys of one profile in one atomic write."""
    check_profile_name(profile)
    real = Path(os.path.realpath(path))  # a symlinked file (dotfiles) is written where it lives
    own_dir = own_dir and real == path
    path = real
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"{path}: cannot read it ({getattr(e, 'strerror', None) or 'not UTF-8 text'})") from None
    for name, value in values.items():
        key = key_named(name)
        if key is None:
            raise ConfigError(f"unknown key {name!r}")
        if value is not None:
            check_value_text(key, value)
        text = edit(text, profile, key, value)
    try:
        private_dir(path, own_dir)
        write_atomic(path, text)
    except OSError as e:
        raise ConfigError(f"{path}: cannot write it ({e.strerror})") from None
