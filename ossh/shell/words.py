"""Shell-like word splitting and quoting for command lines, tolerant of unfinished input.

One tokenizer serves the executor (complete lines, `;`-separated) and the completer (the
partial word under the cursor, with where it starts in the raw text).

As in a POSIX shell, `*`, `?` and `[` glob only where they were typed unquoted and unescaped. The
tokenizer removes quotes, so it records which glob characters were left bare: each word is an Arg,
a str that also knows its glob pattern (Arg.pattern), and that survives argparse to reach the
commands. A word with no bare glob character is one exact path.
"""

from __future__ import annotations

from dataclasses import dataclass, field

GLOB_CHARS = "*?["
_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_~]")


class QuoteError(ValueError):
    """An unterminated quote or a trailing backslash in a complete command line."""


def _closes(text: str, i: int) -> bool:
    """Whether the [ at text[i] opens a bracket expression (fnmatch's rule: else it is an ordinary [)."""
    j = i + 1
    if text[j : j + 1] == "!":
        j += 1
    if text[j : j + 1] == "]":
        j += 1
    return text.find("]", j) != -1


class Arg(str):
    """A command-line word: its text (quotes and escapes removed) and the positions of the glob
    characters typed bare, the only ones that glob (a [ only when a ] closes it)."""

    active: frozenset[int]

    def __new__(cls, text: str = "", active=()):
        self = super().__new__(cls, text)
        self.active = frozenset(
            i for i in active if 0 <= i < len(text) and text[i] in GLOB_CHARS and (text[i] != "[" or _closes(text, i))
        )
        return self

    @property
    def pattern(self) -> str | None:
        """The word as an fnmatch pattern, its literal glob characters escaped as [*], [?] and [[];
        None when nothing in it globs (the word is one exact path)."""
        if not self.active:
            return None
        return "".join(c if i in self.active or c not in GLOB_CHARS else f"[{c}]" for i, c in enumerate(self))


def argv_words(argv: list[str]) -> list[Arg]:
    """Words given as program arguments (`ossh rm 'oss://b/*.log'`), whose quotes the user's own shell
    has already removed: each stays one word, and it reads as if typed unquoted in the shell, except
    that only a backslash before *, ? or [ is an escape (it makes that character literal and goes);
    any other backslash is an ordinary character, so keys such as `a\\b` need no doubling."""
    words = []
    for text in argv:
        chars: list[str] = []
        active = []
        i = 0
        while i < len(text):
            c = text[i]
            if c == "\\" and text[i + 1 : i + 2] and text[i + 1] in GLOB_CHARS:
                i += 1
                chars.append(text[i])
            else:
                if c in GLOB_CHARS:
                    active.append(len(chars))
                chars.append(c)
            i += 1
        words.append(Arg("".join(chars), active))
    return words


@dataclass
class Word:
    value: str  # the word with quotes and escapes removed (an Arg: it knows its bare glob characters)
    start: int  # offset of its first raw character in the line
    quote: str = ""  # the quote still open at the end of the text ("" when closed)


@dataclass
class Split:
    commands: list[list[Word]] = field(default_factory=list)  # `;`-separated commands
    trailing_space: bool = True  # the text ends outside a word (completion starts a new word)


def split(text: str) -> Split:
    """Split text into commands of words; an open quote leaves the last word open (see Word.quote)."""
    result = Split()
    words: list[Word] = []
    cur: list[str] | None = None
    bare: list[int] = []  # positions in cur of glob characters typed unquoted and unescaped
    start = 0
    quote = ""
    i, n = 0, len(text)

    def word(open_quote: str = "") -> Word:
        return Word(Arg("".join(cur), bare), start, open_quote)

    while i < n:
        c = text[i]
        if quote == "'":
            if c == "'":
                quote = ""
            else:
                cur.append(c)
        elif quote == '"':
            if c == '"':
                quote = ""
            elif c == "\\" and i + 1 < n and text[i + 1] in '"\\$`':
                i += 1
                cur.append(text[i])
            else:
                cur.append(c)
        elif c in " \t\r\n":
            if cur is not None:
                words.append(word())
                cur = None
        elif c == ";":
            if cur is not None:
                words.append(word())
                cur = None
            result.commands.append(words)
            words = []
        elif c == "#" and cur is None:
            break
        else:
            if cur is None:
                cur, bare, start = [], [], i
            if c in "'\"":
                quote = c
            elif c == "\\":
                if i + 1 < n:
                    i += 1
                    cur.append(text[i])
                else:
                    quote = "\\"
            else:
                if c in GLOB_CHARS:
                    bare.append(len(cur))
                cur.append(c)
        i += 1
    result.trailing_space = cur is None
    if cur is not None:
        words.append(word(quote))
    result.commands.append(words)
    return result


def split_commands(text: str) -> list[list[Arg]]:
    """Split a complete line into non-empty commands; raise QuoteError on unfinished quoting."""
    parsed = split(text)
    commands = []
    for words in parsed.commands:
        if words and words[-1].quote:
            raise QuoteError("unterminated quote" if words[-1].quote != "\\" else "trailing backslash")
        if words:
            commands.append([w.value for w in words])
    return commands


def _quote_literal(text: str) -> str:
    if text and all(c in _SAFE or (not c.isascii() and c.isprintable()) for c in text):  # café needs none
        return text
    if "'" not in text:
        return f"'{text}'"
    return '"' + "".join("\\" + c if c in '"\\$`' else c for c in text) + '"'


def quote(word: str) -> str:
    """Quote a word so that split() gives it back unchanged: its glob characters stay bare where they
    glob (an Arg's active ones) and are quoted everywhere else (a plain str is all literal)."""
    active = sorted(getattr(word, "active", ()))
    if not active:
        return _quote_literal(word)
    out, last = [], 0
    for i in active:
        if i > last:
            out.append(_quote_literal(word[last:i]))
        out.append(word[i])
        last = i + 1
    if last < len(word):
        out.append(_quote_literal(word[last:]))
    return "".join(out)


def join(words: list[str]) -> str:
    return " ".join(quote(w) for w in words)
