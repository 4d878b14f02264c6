"""The command registry: names, aliases, usage, examples, argument parsers and completion hints.

It feeds dispatch, `help` and completion from one declaration per command.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

HIDDEN = argparse.SUPPRESS  # options kept for osscmd compatibility, left out of usage


class UsageError(Exception):
    """Bad arguments: reported as one line, with no OSS code."""


class CommandError(Exception):
    """A command that could not do its work for a reason found in the shell (not an OSS error)."""


class ExitShell(Exception):
    """Raised by `exit [N]`: leave the shell or stop the batch, with status N when given."""

    def __init__(self, status: int | None = None):
        super().__init__(status)
        self.status = status


_REQUIRED = "the following arguments are required: "


def usage_name(action: argparse.Action) -> str:
    """An argument as the usage line shows it: `NAME` for a positional, `--option VALUE` for an option."""
    metavar = action.metavar or action.dest.upper()
    if not action.option_strings:
        return metavar
    return action.option_strings[0] + ("" if action.nargs == 0 else f" {metavar}")


class ArgParser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing and exiting; no -h (ls uses it)."""

    def __init__(self, prog: str, usage: str | None = None):
        super().__init__(prog=prog, usage=usage, add_help=False, allow_abbrev=False, exit_on_error=False)

    def error(self, message: str):
        if message.startswith(_REQUIRED):
            # argparse names a missing argument by its dest or all its spellings; say it as usage does
            names = {argparse._get_action_name(a): a for a in self._actions}
            missing = message[len(_REQUIRED) :].split(", ")
            message = _REQUIRED + ", ".join(usage_name(names[n]) if n in names else n for n in missing)
        raise UsageError(message)

    def exit(self, status=0, message=None):
        raise UsageError((message or "").strip() or "bad arguments")


def arg(*names, **kwargs) -> tuple:
    """One argparse argument, declared next to the command it belongs to."""
    return names, kwargs


@dataclass
class Command:
    name: str  # "ls", or "mpu ls" for a group member
    func: Callable[..., Any]
    parser: ArgParser
    summary: str
    example: str
    complete: tuple = ()  # completion kind per positional; the last one repeats
    aliases: tuple[str, ...] = ()

    @property
    def usage(self) -> str:
        return " ".join(self.parser.format_usage().split())[len("usage: ") :]

    def parse(self, args: list[str]) -> argparse.Namespace:
        try:
            return self.parser.parse_args(args)
        except argparse.ArgumentError as e:
            raise UsageError(str(e)) from None

    def options(self) -> dict[str, argparse.Action]:
        return {s: a for a in self.parser._actions for s in a.option_strings}

    def positional_kind(self, index: int):
        if not self.complete:
            return None
        return self.complete[min(index, len(self.complete) - 1)]


@dataclass
class Alias:
    name: str
    target: str  # command name it runs
    preset: tuple[str, ...] = ()  # arguments put before the user's
    summary: str = ""
    rewrite: Callable[[list[str]], list[str]] | None = None  # the user's arguments in the target's terms


@dataclass
class Registry:
    commands: dict[str, Command] = field(default_factory=dict)
    aliases: dict[str, Alias] = field(default_factory=dict)

    def add(self, cmd: Command) -> None:
        self.commands[cmd.name] = cmd
        for a in cmd.aliases:
            self.aliases[a] = Alias(a, cmd.name)

    def alias(
        self,
        name: str,
        target: str,
        *preset: str,
        summary: str = "",
        rewrite: Callable[[list[str]], list[str]] | None = None,
    ) -> None:
        self.aliases[name] = Alias(name, target, preset, summary, rewrite)

    def groups(self) -> set[str]:
        return {n.split(" ", 1)[0] for n in self.commands if " " in n}

    def names(self) -> list[str]:
        """Every word that can start a command line."""
        top = {n for n in self.commands if " " not in n} | self.groups()
        return sorted(top | set(self.aliases))

    def unalias(self, words: list[str]) -> list[str]:
        """The words with an alias replaced by its target and preset arguments."""
        alias = self.aliases.get(words[0]) if words else None
        if alias is None:
            return list(words)
        args = alias.rewrite(list(words[1:])) if alias.rewrite else list(words[1:])
        return alias.target.split(" ") + list(alias.preset) + args

    def help_topic(self, words: list[str]) -> list[str] | None:
        """For `CMD ... --help` (before any `--`), the words naming what to explain; else None."""
        head = words[: words.index("--")] if "--" in words else words
        if "--help" not in head[1:]:
            return None
        if words[0] in self.groups() and len(words) > 1 and not words[1].startswith("-"):
            return words[:2]
        return words[:1]

    def lookup(self, words: list[str]) -> tuple[Command, list[str]]:
        """The command a line names and its arguments (alias presets included); `CMD --help` is `help CMD`."""
        topic = self.help_topic(words)
        if topic is not None and "help" in self.commands:
            return self.commands["help"], topic
        words = self.unalias(words)
        name, args = words[0], words[1:]
        if name in self.groups():
            if not args:
                subs = ", ".join(sorted(n.split(" ", 1)[1] for n in self.commands if n.startswith(name + " ")))
                raise UsageError(f"missing subcommand ({subs})")
            name, args = f"{name} {args[0]}", args[1:]
        if name not in self.commands:
            raise UsageError("unknown command (try 'help')")
        return self.commands[name], args

    def command(
        self,
        name: str,
        summary: str,
        example: str,
        *args: tuple,
        complete: tuple = (),
        aliases: tuple[str, ...] = (),
        usage: str | None = None,
    ):
        """Decorator registering func(ctx, namespace) as a command."""

        def deco(func):
            parser = ArgParser(prog=name, usage=usage and f"{name} {usage}")
            for names, kwargs in args:
                parser.add_argument(*names, **kwargs)
            self.add(Command(name, func, parser, summary, example, complete, aliases))
            return func

        return deco


REGISTRY = Registry()
command = REGISTRY.command
