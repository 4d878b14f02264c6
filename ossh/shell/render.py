r"""The one place that renders command results: aligned tables, human sizes, JSON lines, colour on a TTY.

Names and texts come from servers and listings, which are hostile: a key such as
`red\x1b[31mALERT\x1b]0;title\x07` must not recolour or retitle the user's terminal, and a
right-to-left override must not disguise `txt.exe` as `exe.txt`. Every text shown to the user passes
through printable() (JSON through json_line()), which escapes the characters that drive a terminal or
hide themselves: controls (C0, DEL, C1), format characters (bidi overrides and isolates, zero-width
characters), line and paragraph separators, and lone surrogates (undecodable local file names). The
escapes are Python's and bash's $'...' ones (\t \n \r \xHH \uHHHH \UHHHHHHHH); a backslash itself is
doubled, as in GNU ls's escape style, so that a shown form maps back to exactly one name (the text
`\x1b` shows as `\\x1b`, an ESC character as `\x1b`).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import unicodedata
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from .results import Column, Message, Record, Stream, Table

_BLUE = "\x1b[1;34m"
_RESET = "\x1b[0m"
_BUFFER_ROWS = 1000  # rows measured for column widths before a long table starts streaming


_HIDDEN = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})  # Unicode categories shown as escapes
_NAMED = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _escape(c: str) -> str:
    if c in _NAMED:
        return _NAMED[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def _hidden(c: str) -> bool:
    # isprintable() also rejects spaces other than " ", private-use and unassigned characters: harmless glyphs
    return not c.isprintable() and unicodedata.category(c) in _HIDDEN


def printable(text: str, backslash: bool = True) -> str:
    """text as a terminal may safely show it: controls, format characters and (unless backslash=False, for
    the line being typed, where a backslash is what the user typed) backslashes escaped."""
    if text.isprintable() and not (backslash and "\\" in text):  # the common case, checked at C speed
        return text
    return "".join(_escape(c) if (backslash and c == "\\") or _hidden(c) else c for c in text)


def _json_escape(c: str) -> str:
    n = ord(c)
    if n < 0x10000:
        return f"\\u{n:04x}"
    n -= 0x10000  # JSON spells a character beyond the BMP as a UTF-16 surrogate pair
    return f"\\u{0xD800 + (n >> 10):04x}\\u{0xDC00 + (n & 0x3FF):04x}"


def json_line(obj: Any) -> str:
    """One JSON object as a line: names kept exact, readable (not \\u-escaped) where printable, while the
    characters json leaves raw (DEL, C1 controls, bidi overrides, lone surrogates...) become \\u escapes,
    so no JSON line can drive the terminal either."""
    text = json.dumps(_json_value(obj), ensure_ascii=False)
    if text.isprintable():
        return text
    # json.dumps already escaped C0 controls, quotes and backslashes: what is left sits inside strings
    return "".join(_json_escape(c) if _hidden(c) else c for c in text)


def human_size(n: int | None) -> str:
    if n is None:
        return "-"
    size = float(n)
    for unit in ("B", "K", "M", "G", "T", "P"):
        if size < 1024 or unit == "P":
            if unit == "B":
                return f"{int(size)}B"
            return f"{size:.1f}{unit}" if size < 10 else f"{size:.0f}{unit}"
        size /= 1024
    return str(n)


def format_time(t: Any) -> str:
    if isinstance(t, datetime):
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return "" if t is None else str(t)


def json_key(label: str) -> str:
    """A record label as a JSON key, named like the other commands' fields: Last-Modified -> last_modified,
    CRC-64 -> crc64."""
    return re.sub(r"-(?=\d)", "", label).lower().replace("-", "_")


def _json_value(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, dict):
        return {k: _json_value(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_value(x) for x in v]
    return v


class Renderer:
    """Writes results to out. render() dispatches on the result's type: a new kind of result (results.py)
    registers its own method with `@render.register(TYPE)`."""

    def __init__(self, out, fmt: str = "text", color: bool = False):
        self.out = out
        self.fmt = fmt
        self.color = color
        self.mid_line = False  # the last bytes written (by a Stream) did not end a line

    @functools.singledispatchmethod
    def render(self, result: Any) -> None:
        """Render None, one result, or an iterable of results (generators stream)."""
        for item in result:
            self.render(item)

    @render.register(type(None))
    def _nothing(self, result: None) -> None:
        return None

    def _write_json(self, obj: dict) -> None:
        self.out.write(json_line(obj) + "\n")

    @render.register(Message)
    def _message(self, m: Message) -> None:
        lines = [m.text] if isinstance(m.text, str) else list(m.text)
        if self.fmt == "json":
            self._write_json(m.data if m.data is not None else {"message": "\n".join(lines)})
        elif lines != [""]:
            self.out.write("".join(printable(line) + "\n" for line in lines))

    @render.register(Record)
    def _record(self, r: Record) -> None:
        if self.fmt == "json":
            self._write_json({json_key(k): v for k, v in r.fields})
            return
        width = max((len(k) for k, _ in r.fields), default=0)
        for k, v in r.fields:
            if isinstance(v, dict):
                v = ", ".join(f"{printable(str(a))}={printable(str(b))}" for a, b in v.items()) or "-"
            elif isinstance(v, datetime):
                v = format_time(v)
            else:
                v = printable("" if v is None else str(v))
            self.out.write(f"{printable(k) + ':':<{width + 1}} {v}\n")

    @render.register(Stream)
    def _stream(self, s: Stream) -> None:
        self.out.flush()
        binary = getattr(self.out, "buffer", None)
        for chunk in s.chunks:
            if chunk:
                self.mid_line = not chunk.endswith(b"\n")
            if binary is not None:
                binary.write(chunk)
            else:
                self.out.write(chunk.decode("utf-8", "replace"))
        if binary is not None:
            binary.flush()

    def _cell(self, col: Column, row: dict, human: bool) -> str:
        v = row.get(col.key)
        if col.kind == "size":
            return human_size(v) if human and isinstance(v, int) else ("" if v is None else str(v))
        if col.kind == "time":
            return format_time(v)
        return "" if v is None else printable(str(v))

    @render.register(Table)
    def _table(self, t: Table) -> None:
        rows: Iterable[dict] = t.rows
        if self.fmt == "json":
            for row in rows:
                self._write_json(row)
            return
        if t.title is not None:
            self.out.write(printable(t.title) + "\n")
        it = iter(rows)
        first = True
        while True:
            chunk = list(itertools.islice(it, _BUFFER_ROWS))
            if first and not chunk and t.empty:
                self.out.write(t.empty + "\n")
                break
            first = False
            if not chunk and not t.header:
                break
            cells = [[self._cell(c, r, t.human) for c in t.columns] for r in chunk]
            if t.header:
                cells.insert(0, [printable(c.title or c.key) for c in t.columns])
            widths = [max((len(row[i]) for row in cells), default=0) for i in range(len(t.columns))]
            for row in cells:
                self.out.write(self._line(t.columns, row, widths) + "\n")
            t.header = False
            if len(chunk) < _BUFFER_ROWS:
                break

    def _line(self, columns: list[Column], cells: list[str], widths: list[int]) -> str:
        parts = []
        last = len(columns) - 1
        for i, (col, cell, w) in enumerate(zip(columns, cells, widths, strict=True)):
            if col.kind in ("size", "count"):
                parts.append(cell.rjust(w))
            elif i == last:
                parts.append(self._paint(cell))
            else:
                parts.append(cell.ljust(w))
        return "  ".join(parts).rstrip()

    def _paint(self, name: str) -> str:
        if self.color and name.endswith("/"):
            return f"{_BLUE}{name}{_RESET}"
        return name
