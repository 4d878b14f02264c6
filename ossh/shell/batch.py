"""Batch mode with sftp -b semantics: the first failing command stops the run with exit status 1,
except commands written `-cmd`, which may fail and let the run go on (the exit status is still 1,
since 0 promises that every command succeeded); # comments and blank lines are skipped.
"""
from __future__ import annotations

from typing import Iterable

from .executor import Executor, Outcome
from .words import QuoteError, join, split_commands

CANCELLED_STATUS = 130


def run_lines(executor: Executor, lines: Iterable[str]) -> int:
    """Run numbered lines; return the exit status (0 only when every command succeeded)."""
    status = 0
    for number, line in enumerate(lines, 1):
        where = f"line {number}"
        try:
            commands = split_commands(line)
        except QuoteError as e:
            executor.report(where, None, str(e))
            return 1
        for words in commands:
            tolerant = words[0].startswith("-") and len(words[0]) > 1
            if tolerant:
                words = [words[0][1:]] + words[1:]
            outcome = executor.run(words, where)
            if outcome is Outcome.EXIT:       # `exit N` decides; a plain `exit` keeps what happened
                return status if executor.exit_status is None else executor.exit_status
            if outcome is Outcome.CANCELLED:
                return CANCELLED_STATUS
            if outcome is Outcome.FAILED:
                if not tolerant:
                    return 1
                status = 1
    return status


def run_string(executor: Executor, text: str) -> int:
    """`ossh -c 'cmd; cmd'`: each `;`-separated command counts as one line (numbering, `-cmd`)."""
    try:
        commands = split_commands(text)
    except QuoteError as e:
        executor.report("-c", None, str(e))
        return 1
    return run_lines(executor, [join(words) for words in commands])
