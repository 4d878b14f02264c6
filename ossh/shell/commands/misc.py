"""The shell's own commands: help, set, exit."""

from __future__ import annotations

from ossh.config import HELP as ACCOUNTS_HELP

from ..registry import REGISTRY, ExitShell, UsageError, arg, command
from ..results import Column, Message, Record, Table
from ..state import FORMATS

SETTINGS = {"format": FORMATS}


def _describe(cmd) -> Record:
    aliases = sorted(a.name for a in REGISTRY.aliases.values() if a.target == cmd.name)
    options = [
        f"{', '.join(a.option_strings)}{' ' + (a.metavar or a.dest.upper()) if a.nargs != 0 else ''}"
        f"{'  ' + a.help if a.help else ''}"
        for a in cmd.parser._actions
        if a.option_strings and a.help != "==SUPPRESS=="
    ]
    fields = [("usage", cmd.usage), ("summary", cmd.summary), ("example", cmd.example)]
    if options:
        fields.append(("options", "; ".join(options)))
    if aliases:
        fields.append(("aliases", ", ".join(aliases)))
    return Record(fields)


@command(
    "help",
    "List commands, or show one command's usage and an example.",
    "help ls",
    arg("name", nargs="*", metavar="COMMAND"),
    complete=("command",),
)
def help_(ctx, a):
    if not a.name:
        rows = [{"command": n, "summary": c.summary} for n, c in sorted(REGISTRY.commands.items())]
        names = ", ".join(sorted(REGISTRY.aliases))
        return [
            Table([Column("command", "COMMAND"), Column("summary", "SUMMARY")], rows),
            Message(
                ["", "Also (osscmd names and short forms; `help NAME` shows what each runs):", names],
                {
                    "aliases": {
                        n: f"{a.target} {' '.join(a.preset)}".rstrip() for n, a in sorted(REGISTRY.aliases.items())
                    }
                },
            ),
            Message(["", *ACCOUNTS_HELP.splitlines()], {"accounts": ACCOUNTS_HELP}),
        ]
    name = " ".join(a.name)
    if name in REGISTRY.groups():
        return [_describe(c) for n, c in sorted(REGISTRY.commands.items()) if n.startswith(name + " ")]
    try:
        cmd, _ = REGISTRY.lookup(a.name)
    except UsageError:
        raise UsageError(f"no such command: {name}") from None
    record = _describe(cmd)
    if name in REGISTRY.aliases:
        record.fields.insert(0, ("runs", " ".join(REGISTRY.unalias(a.name))))
    return record


@command(
    "set",
    "Show or change a setting (format text|json).",
    "set format json",
    arg("name", nargs="?", choices=sorted(SETTINGS), metavar="NAME"),
    arg("value", nargs="?", metavar="VALUE"),
    complete=(tuple(SETTINGS), FORMATS),
)
def set_(ctx, a):
    st = ctx.state
    if a.name is None:
        return Record([(n, getattr(st, n)) for n in SETTINGS])
    if a.value is None:
        return Message(f"{a.name} {getattr(st, a.name)}", {a.name: getattr(st, a.name)})
    if a.value not in SETTINGS[a.name]:
        raise UsageError(f"{a.name} must be one of {', '.join(SETTINGS[a.name])}")
    setattr(st, a.name, a.value)
    return None


def exit_status(text: str) -> int:
    """`exit N`: N from 0 to 255, as a POSIX shell's exit takes it."""
    if not text.isdigit() or int(text) > 255:
        raise UsageError(f"STATUS must be a number from 0 to 255, not {text!r}")
    return int(text)


@command(
    "exit",
    "Leave the shell (with exit status STATUS, 0 to 255, when given).",
    "exit 3",
    arg("status", nargs="?", metavar="STATUS"),
    aliases=("quit", "bye"),
)
def exit_(ctx, a):
    raise ExitShell(None if a.status is None else exit_status(a.status))
