"""The XDG directories ossh uses (config, data, state, cache) and what ~ stands for, from the environment given."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def home_dir(env: Mapping[str, str]) -> Path:
    return Path(env.get("HOME") or os.path.expanduser("~"))


def expand_home(path: str | Path, env: Mapping[str, str]) -> Path:
    """path with a leading ~ or ~/ taken as env's $HOME (~user as the system knows it)."""
    text = os.fspath(path)
    if text == "~" or text.startswith("~/"):
        return home_dir(env) / text[2:]
    return Path(text).expanduser()


def _xdg(var: str, default: str, env: Mapping[str, str]) -> Path:
    base = env.get(var) or home_dir(env) / default
    return Path(base) / "ossh"


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The embedded server's store: $XDG_DATA_HOME/ossh (default ~/.local/share/ossh)."""
    return _xdg("XDG_DATA_HOME", ".local/share", env)


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """History and other state: $XDG_STATE_HOME/ossh (default ~/.local/state/ossh)."""
    return _xdg("XDG_STATE_HOME", ".local/state", env)


def config_dir(env: Mapping[str, str] = os.environ) -> Path:
    """ossh's config file's directory: $XDG_CONFIG_HOME/ossh (default ~/.config/ossh)."""
    return _xdg("XDG_CONFIG_HOME", ".config", env)


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """What can be rebuilt (sync's hashes, transfer checkpoints): $XDG_CACHE_HOME/ossh (default ~/.cache/ossh)."""
    return _xdg("XDG_CACHE_HOME", ".cache", env)
