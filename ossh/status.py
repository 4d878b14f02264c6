"""ossh's exit statuses, the same in every mode (one command, -c, -b, piped, the shell); `exit N` is the
one exception, and gives N."""

from __future__ import annotations

import enum


class ExitStatus(enum.IntEnum):
    OK = 0
    ERROR = 1  # a command failed
    USAGE = 2  # bad arguments, an unknown command or profile, an unusable config, a quoting error
    INTERRUPTED = 130  # Ctrl-C (128 + SIGINT), as shells report it
