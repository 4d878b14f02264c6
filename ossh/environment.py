"""What one run of ossh takes from its surroundings: the standard streams and whether they are terminals,
colour, the environment variables, the working directory, the XDG directories, and the clock.

`cli.main` makes one Environment and passes it down (executor, renderer, progress, config resolution),
so nothing below reads sys.stdin, os.environ or the time of day behind its back, and tests run ossh
in-process with streams of their own: `main(argv, Environment(stdin=..., stdout=..., environ=...))`.
Standard library only, and cheap to import: `ossh -c pwd` pays for it.
"""
from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from .config.dirs import cache_dir, config_dir, data_dir, home_dir, state_dir


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):     # a closed stream, or an object that is no file at all
        return False


@dataclass
class Environment:
    """Defaults are the process's own (taken when the Environment is made); give any of them to replace it.
    The *_isatty flags and colors follow the streams unless given."""
    stdin: IO[str] | None = field(default_factory=lambda: sys.stdin)     # None: the process has no stdin
    stdout: IO[str] = field(default_factory=lambda: sys.stdout)
    stderr: IO[str] = field(default_factory=lambda: sys.stderr)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ)
    cwd: str = field(default_factory=os.getcwd)      # where relative local paths start
    clock: Callable[[], float] = time.monotonic      # seconds, for durations and expiry (not the date)
    stdin_isatty: bool | None = None
    stdout_isatty: bool | None = None
    stderr_isatty: bool | None = None
    colors: bool | None = None                       # colour in listings (also needs an interactive run)

    def __post_init__(self) -> None:
        for name in ("stdin", "stdout", "stderr"):
            if getattr(self, f"{name}_isatty") is None:
                setattr(self, f"{name}_isatty", _isatty(getattr(self, name)))
        if self.colors is None:
            self.colors = self.stdout_isatty

    @property
    def stdin_binary(self) -> IO[bytes] | None:
        """Standard input as bytes (`put -`)."""
        return getattr(self.stdin, "buffer", self.stdin)

    @property
    def home(self) -> str:
        """What ~ stands for: $HOME of this environment."""
        return str(home_dir(self.environ))

    # the XDG directories, from this environment's variables (ossh.config.dirs says what each holds)
    @property
    def config_dir(self) -> Path:
        return config_dir(self.environ)

    @property
    def data_dir(self) -> Path:
        return data_dir(self.environ)

    @property
    def state_dir(self) -> Path:
        return state_dir(self.environ)

    @property
    def cache_dir(self) -> Path:
        return cache_dir(self.environ)
