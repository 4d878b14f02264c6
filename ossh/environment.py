"""What one run of ossh takes from its surroundings: the standard streams and whether they are terminals,
colour, the environment variables, the working directory, the XDG directories, and the clock.

`cli.main` makes one Environment and passes it down (executor, renderer, progress, config resolution),
so nothing below reads sys.stdin, os.environ or the clock behind its back, and tests run ossh in-process
with streams of their own: `main(argv, Environment(stdin=..., stdout=..., environ=...))`. Imports only the
standard library and ossh.config.dirs, and is cheap to import: `ossh -c pwd` pays for it.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO

from .config.dirs import cache_dir, config_dir, data_dir, home_dir, state_dir

_PROCESS = object()  # "the process's own", where None means "none at all"


def _isatty(stream) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # a closed stream, or an object that is no file at all
        return False


class Environment:
    """Defaults are the process's own (taken when the Environment is made); give any of them to replace it.
    The *_isatty flags and colors follow the streams unless given. (A plain class, not a dataclass: making a
    dataclass costs start-up time.)"""

    def __init__(
        self,
        stdin: IO[str] | None = _PROCESS,
        stdout: IO[str] | None = None,
        stderr: IO[str] | None = None,
        environ: Mapping[str, str] | None = None,
        cwd: str | None = None,
        clock: Callable[[], float] = time.monotonic,
        stdin_isatty: bool | None = None,
        stdout_isatty: bool | None = None,
        stderr_isatty: bool | None = None,
        colors: bool | None = None,
    ):
        self.stdin = sys.stdin if stdin is _PROCESS else stdin  # None: the process has no standard input
        self.stdout = stdout or sys.stdout
        self.stderr = stderr or sys.stderr
        self.environ = os.environ if environ is None else environ
        self.cwd = os.getcwd() if cwd is None else cwd  # where relative local paths start
        self.clock = clock  # seconds, for durations and expiry (not the date)
        self.stdin_isatty = _isatty(self.stdin) if stdin_isatty is None else stdin_isatty
        self.stdout_isatty = _isatty(self.stdout) if stdout_isatty is None else stdout_isatty
        self.stderr_isatty = _isatty(self.stderr) if stderr_isatty is None else stderr_isatty
        self.colors = self.stdout_isatty if colors is None else colors  # colour in listings (on a terminal)

    def __repr__(self) -> str:  # the variables may hold secrets: never shown
        return (
            f"Environment(cwd={self.cwd!r}, stdin_isatty={self.stdin_isatty}, "
            f"stdout_isatty={self.stdout_isatty}, stderr_isatty={self.stderr_isatty}, colors={self.colors})"
        )

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
