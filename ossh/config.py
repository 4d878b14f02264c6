"""Where ossh's settings come from: flags > environment (OSS_*) > embedded default; XDG directories."""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

ENV = {"endpoint": "OSS_ENDPOINT", "region": "OSS_REGION", "access_key_id": "OSS_ACCESS_KEY_ID",
       "access_key_secret": "OSS_ACCESS_KEY_SECRET", "security_token": "OSS_SESSION_TOKEN"}


@dataclass
class Settings:
    endpoint: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    access_key_secret: str | None = None
    security_token: str | None = None
    profile: str = "default"

    @property
    def embedded(self) -> bool:
        """Nothing configured: ossh runs its own server."""
        return not self.endpoint

    def __repr__(self) -> str:   # the secret and token never reach logs or tracebacks
        return (f"Settings(endpoint={self.endpoint!r}, region={self.region!r}, "
                f"access_key_id={self.access_key_id!r}, profile={self.profile!r})")


def resolve(flags: Mapping[str, str | None], env: Mapping[str, str] = os.environ) -> Settings:
    """Each field from its flag when given, else from its OSS_* variable."""
    values = {}
    for field, var in ENV.items():
        value = flags.get(field)
        values[field] = value if value else (env.get(var) or None)
    return Settings(**values)


def _xdg(var: str, default: str, env: Mapping[str, str]) -> Path:
    base = env.get(var) or os.path.join(os.path.expanduser("~"), default)
    return Path(base) / "ossh"


def data_dir(env: Mapping[str, str] = os.environ) -> Path:
    """The embedded server's store: $XDG_DATA_HOME/ossh (default ~/.local/share/ossh)."""
    return _xdg("XDG_DATA_HOME", ".local/share", env)


def state_dir(env: Mapping[str, str] = os.environ) -> Path:
    """History and other state: $XDG_STATE_HOME/ossh (default ~/.local/state/ossh)."""
    return _xdg("XDG_STATE_HOME", ".local/state", env)


def cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    """What can be rebuilt (sync's hashes, transfer checkpoints): $XDG_CACHE_HOME/ossh (default ~/.cache/ossh)."""
    return _xdg("XDG_CACHE_HOME", ".cache", env)
