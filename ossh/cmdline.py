"""Command-line parsing shared by `ossh` and `ossh serve`: argparse whose errors are one line and exit
status 2, and the value checks every flag goes through, so that a bad argument is named up front instead of
failing later with a traceback or an "internal error".

Imports only the standard library: `ossh -c pwd` must start fast, and the server's entry point uses it too.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

from .protocol import DEFAULT_REGION
from .status import ExitStatus

_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")


class OneLineParser(argparse.ArgumentParser):
    """Errors as `ossh: [serve: ]<message> (see --help)` on one line, exit status 2 (argparse prints the
    whole usage block first, which hides the one line that matters). --help, --version and errors are
    written to the streams given (default: the process's), then SystemExit is raised as argparse does."""

    def __init__(self, *args, stdout=None, stderr=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.stdout, self.stderr = stdout, stderr

    def _print_message(self, message, file=None):
        # argparse names sys.stdout for --help and --version, sys.stderr (or nothing) for errors
        if file is sys.stdout and self.stdout is not None:
            file = self.stdout
        elif (file is None or file is sys.stderr) and self.stderr is not None:
            file = self.stderr
        super()._print_message(message, file)

    def error(self, message: str):
        where = self.prog.replace(" ", ": ")
        self.exit(ExitStatus.USAGE, f"{where}: {one_line(message)} (see {self.prog} --help)\n")


def one_line(text: str) -> str:
    """Control characters (a newline in a flag's value, an escape sequence) shown escaped, never acted on."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(text))


def port(text: str) -> int:
    """A TCP port, 0 (pick a free one) to 65535."""
    try:
        value = int(text, 10)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"must be a port number from 0 to 65535 (0 picks a free one), not {text!r}")
    return value


def seconds(text: str) -> float:
    """A span of time in seconds, 0 to a week (fractions allowed)."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 7 * 24 * 3600:  # also refuses nan and inf
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to 604800, not {text!r}")
    return value


def host(text: str) -> str:
    """A host name or address this machine can listen on (resolved now, so a typo is named up front)."""
    import ipaddress  # only `ossh serve` takes a host: the shell's start-up does not pay for these
    import socket

    if not text or not text.isprintable() or any(c.isspace() for c in text):
        raise argparse.ArgumentTypeError(f"not a host name or address: {text!r}")
    try:
        ipaddress.ip_address(text)
        return text
    except ValueError:
        pass
    try:
        socket.getaddrinfo(text, None, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        reason = e.strerror if isinstance(e, socket.gaierror) else "not a valid host name"
        raise argparse.ArgumentTypeError(f"cannot resolve {text!r} ({reason})") from None
    return text


def region(text: str) -> str:
    """An OSS region id as the endpoints spell it: cn-hangzhou, ap-southeast-1, us-east-1..."""
    if not _REGION.fullmatch(text or ""):
        raise argparse.ArgumentTypeError(
            f"not a region id (lowercase letters, digits and hyphens, e.g. {DEFAULT_REGION}): {text!r}"
        )
    return text


def directory(text: str) -> str:
    """A directory that exists or can be created, and that this user may write to."""
    path = os.path.abspath(os.path.expanduser(text)) if text else ""
    if not path:
        raise argparse.ArgumentTypeError("give a directory")
    probe = path
    while not os.path.lexists(probe):  # the nearest existing ancestor decides
        probe = os.path.dirname(probe)
    if not os.path.isdir(probe):
        why = "not a directory" if probe == path else probe + " is not a directory"
        raise argparse.ArgumentTypeError(f"{text}: {why}")
    if not os.access(probe, os.W_OK | os.X_OK):
        why = "read-only file system" if os.statvfs(probe).f_flag & os.ST_RDONLY else "permission denied"
        raise argparse.ArgumentTypeError(f"{text}: {why} (cannot write to {probe})")
    return path


def json_file(text: str) -> str:
    """A readable file holding JSON (its shape is checked by whoever reads it)."""
    try:
        with open(os.path.expanduser(text), encoding="utf-8") as f:
            json.load(f)
    except OSError as e:
        raise argparse.ArgumentTypeError(f"{text}: {e.strerror}") from None
    except ValueError as e:
        raise argparse.ArgumentTypeError(f"{text}: not JSON ({one_line(e)})") from None
    return text


def access_key_id(text: str) -> str:
    """Key ids travel in headers and URLs: printable ASCII, no spaces."""
    if not text or not (text.isascii() and text.isprintable()) or " " in text:
        raise argparse.ArgumentTypeError(f"not an access key id (printable ASCII, no spaces): {text!r}")
    return text


def secret(text: str) -> str:
    """Like a key id, but the value is never echoed: it is a secret."""
    if not text or not (text.isascii() and text.isprintable()) or " " in text:
        raise argparse.ArgumentTypeError("not an access key secret (printable ASCII, no spaces)")
    return text


def usage_error(where: str, message: str, err=None) -> ExitStatus:
    """Report a bad argument found after parsing (an environment variable, a file) the way argparse would,
    on err (default: the process's stderr)."""
    err = err or sys.stderr
    err.write(f"{where}: {one_line(message)}\n")
    err.flush()
    return ExitStatus.USAGE
