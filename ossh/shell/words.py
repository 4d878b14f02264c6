"""Shell-like word splitting and quoting for command lines, tolerant of unfinished input.

One tokenizer serves the executor (complete lines, `;`-separated) and the completer (the
partial word under the cursor, with where it starts in the raw text).
"""
from __future__ import annotations

from dataclasses import dataclass, field

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./-_~*?[]")


class QuoteError(ValueError):
    """An unterminated quote or a trailing backslash in a complete command line."""


@dataclass
class Word:
    value: str          # the word with quotes and escapes removed
    start: int          # offset of its first raw character in the line
    quote: str = ""     # the quote still open at the end of the text ("" when closed)


@dataclass
class Split:
    commands: list[list[Word]] = field(default_factory=list)   # `;`-separated commands
    trailing_space: bool = True    # the text ends outside a word (completion starts a new word)


def split(text: str) -> Split:
    """Split text into commands of words; an open quote leaves the last word open (see Word.quote)."""
    result = Split()
    words: list[Word] = []
    cur: list[str] | None = None
    start = 0
    quote = ""
    i, n = 0, len(text)
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
                words.append(Word("".join(cur), start))
                cur = None
        elif c == ";":
            if cur is not None:
                words.append(Word("".join(cur), start))
                cur = None
            result.commands.append(words)
            words = []
        elif c == "#" and cur is None:
            break
        else:
            if cur is None:
                cur, start = [], i
            if c in "'\"":
                quote = c
            elif c == "\\":
                if i + 1 < n:
                    i += 1
                    cur.append(text[i])
                else:
                    quote = "\\"
            else:
                cur.append(c)
        i += 1
    result.trailing_space = cur is None
    if cur is not None:
        words.append(Word("".join(cur), start, quote))
    result.commands.append(words)
    return result


def split_commands(text: str) -> list[list[str]]:
    """Split a complete line into non-empty commands; raise QuoteError on unfinished quoting."""
    parsed = split(text)
    commands = []
    for words in parsed.commands:
        if words and words[-1].quote:
            raise QuoteError("unterminated quote" if words[-1].quote != "\\" else "trailing backslash")
        if words:
            commands.append([w.value for w in words])
    return commands


def quote(word: str) -> str:
    """Quote a word so that split() gives it back unchanged."""
    if word and all(c in _SAFE for c in word):
        return word
    if "'" not in word:
        return f"'{word}'"
    return '"' + "".join("\\" + c if c in '"\\$`' else c for c in word) + '"'


def join(words: list[str]) -> str:
    return " ".join(quote(w) for w in words)
