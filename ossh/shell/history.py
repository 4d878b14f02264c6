"""The shell's history file: private to its user (0600 in a 0700 directory), and a line that carries a secret
(an access key secret, an STS token) recorded with the secret masked, in the file and in memory alike.

Which words are secrets comes from the settings' own metadata (Key.secret): the options of any command
whose destination is a secret setting (`config --key=`, `--sts-token`), the settings' flags and variables
(`--access-key-secret`, `OSS_ACCESS_KEY_SECRET=`), and the VALUE of `config set KEY VALUE` for a secret KEY.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable

from prompt_toolkit.history import FileHistory

from ossh.config.keys import BY_FIELD, HIDDEN_VALUE, KEYS, key_named

from .registry import Registry
from .words import Word, split

FILE_MODE, DIR_MODE = 0o600, 0o700


def _secret_options(registry: Registry) -> frozenset[str]:
    """Option strings whose value is a secret: the secret settings' flags, and every command option that
    stores into a secret setting."""
    flags = {k.flag for k in KEYS if k.secret and k.flag}
    for cmd in registry.commands.values():
        for action in cmd.parser._actions:
            key = BY_FIELD.get(action.dest)
            if key is not None and key.secret:
                flags.update(action.option_strings)
    return frozenset(flags)


_SECRET_VARIABLES = frozenset(k.env for k in KEYS if k.secret and k.env)


def _raw_end(text: str, i: int) -> int:
    """Where the word starting at text[i] ends in the raw line (its quotes and escapes included)."""
    quote = ""
    while i < len(text):
        c = text[i]
        if quote == "'":
            quote = "" if c == "'" else quote
        elif quote == '"':
            if c == '"':
                quote = ""
            elif c == "\\":
                i += 1
        elif c in " \t\r\n;":
            break
        elif c in "'\"":
            quote = c
        elif c == "\\":
            i += 1
        i += 1
    return min(i, len(text))


def _secret_name(name: str) -> bool:
    """Whether `name` names a secret setting, under any spelling or as its variable."""
    key = key_named(name)
    return (key is not None and key.secret) or name in _SECRET_VARIABLES


def _config_set_values(registry: Registry, words: list[Word]) -> Iterable[tuple[Word, str]]:
    """In `config [OPTIONS] set KEY VALUE`, the VALUE word when KEY names a secret setting; and any
    `KEY=VALUE` word after `set` (a mistyped form that fails, yet carries the secret)."""
    cmd = registry.commands.get("config")
    if cmd is None or not words or words[0].value != "config":
        return
    options = cmd.options()
    positionals, i, rest = [], 1, False
    while i < len(words):
        value = words[i].value
        if rest or not value.startswith("-") or value == "-":
            positionals.append(words[i])
        elif value == "--":
            rest = True
        else:
            action = options.get(value)
            if action is not None and action.nargs != 0:
                i += 1  # the option's own value
        i += 1
    if not positionals or positionals[0].value != "set":
        return
    for word in positionals[1:]:
        name, eq, _ = word.value.partition("=")
        if eq and _secret_name(name):
            yield word, f"{name}={HIDDEN_VALUE}"
    if len(positionals) >= 3 and _secret_name(positionals[1].value):
        yield positionals[2], HIDDEN_VALUE


def _secret_spans(registry: Registry, words: list[Word]) -> Iterable[tuple[Word, str]]:
    """(word, the text it is recorded as) for each word of one command that holds a secret."""
    flags = _secret_options(registry)
    for i, word in enumerate(words):
        name, eq, _ = word.value.partition("=")
        if eq and (name in flags or name.lstrip("!") in _SECRET_VARIABLES):  # `!VAR=... cmd` runs locally
            yield word, f"{name}={HIDDEN_VALUE}"
        elif word.value in flags and i + 1 < len(words):
            yield words[i + 1], HIDDEN_VALUE
    yield from _config_set_values(registry, words)


def mask_secrets(line: str, registry: Registry) -> str:
    """The line as the history records it: each secret it carries replaced by ****."""
    spans = {}
    for words in split(line).commands:
        for word, shown in _secret_spans(registry, words):
            spans[word.start] = (_raw_end(line, word.start), shown)
    for start in sorted(spans, reverse=True):
        end, shown = spans[start]
        line = line[:start] + shown + line[end:]
    return line


def _tighten(path: str) -> None:
    """The history's directory 0700 and the file 0600, whatever they were made with (created if missing)."""
    directory = os.path.dirname(path)
    os.makedirs(directory, mode=DIR_MODE, exist_ok=True)
    if stat.S_IMODE(os.stat(directory).st_mode) != DIR_MODE:
        os.chmod(directory, DIR_MODE)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))  # a symlink made by the user: its file
    if stat.S_IMODE(os.stat(path).st_mode) != FILE_MODE:
        os.chmod(path, FILE_MODE)


class PrivateHistory(FileHistory):
    """A FileHistory kept private whose lines are recorded with their secrets masked; lines of an older
    history that carry one are masked in the file once, when it is opened."""

    def __init__(self, filename: str | os.PathLike, registry: Registry):
        super().__init__(os.fspath(filename))
        self.registry = registry
        _tighten(self.filename)
        self._scrub_file()

    def _masked(self, string: str) -> str:
        return mask_secrets(string, self.registry)

    def _scrub_file(self) -> None:
        strings = list(super().load_history_strings())[::-1]  # oldest first, as written
        masked = [self._masked(s) for s in strings]
        if masked == strings:
            return
        real = os.path.realpath(self.filename)
        tmp = f"{real}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), FILE_MODE)
        with os.fdopen(fd, "wb") as f:
            for string in masked:
                f.write(b"\n# \n" + "".join(f"+{line}\n" for line in string.split("\n")).encode("utf-8"))
        os.replace(tmp, real)

    def load_history_strings(self) -> Iterable[str]:
        return (self._masked(s) for s in super().load_history_strings())

    def append_string(self, string: str) -> None:
        super().append_string(self._masked(string))  # memory too: suggestions and recall show no secret

    def store_string(self, string: str) -> None:
        try:
            _tighten(self.filename)  # a file removed meanwhile comes back private
            super().store_string(self._masked(string))
        except OSError:  # a full or read-only disk: the line is not kept, the shell goes on
            pass
