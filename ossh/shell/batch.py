"""Batch mode with sftp -b semantics: the first failing command stops the run (exit status 1, or 2 for a
usage error); a command written `-cmd` may fail: its error still goes to stderr, the run goes on, and
the exit status ignores it, so 0 means every command written without `-` succeeded. # comments and
blank lines are skipped.
"""

from __future__ import annotations

from collections.abc import Iterable

from ossh.status import ExitStatus

from .executor import Executor, Outcome
from .words import QuoteError, join, split_commands


def run_lines(executor: Executor, lines: Iterable[str]) -> ExitStatus | int:
    """Run numbered lines; return the exit status (OK when every command without `-` succeeded)."""
    for number, line in enumerate(lines, 1):
        where = f"line {number}"
        try:
            commands = split_commands(line)
        except QuoteError as e:
            executor.report(where, None, str(e))
            return ExitStatus.USAGE
        for words in commands:
            tolerant = words[0].startswith("-") and len(words[0]) > 1
            if tolerant:
                words = [words[0][1:]] + words[1:]
            outcome = executor.run(words, where)
            if outcome is Outcome.EXIT or outcome is Outcome.CANCELLED:
                return executor.status(outcome)  # `exit N` decides; a plain `exit` is success
            if outcome in (Outcome.FAILED, Outcome.USAGE) and not tolerant:
                return executor.status(outcome)
    return ExitStatus.OK


def run_string(executor: Executor, text: str) -> ExitStatus | int:
    """`ossh -c 'cmd; cmd'`: each `;`-separated command counts as one line (numbering, `-cmd`)."""
    try:
        commands = split_commands(text)
    except QuoteError as e:
        executor.report("-c", None, str(e))
        return ExitStatus.USAGE
    return run_lines(executor, [join(words) for words in commands])
