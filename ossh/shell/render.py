"""The one place that renders command results: aligned tables, human sizes, JSON lines, colour on a TTY."""
from __future__ import annotations

import itertools
import json
import re
from datetime import datetime
from typing import Any, Iterable

from .results import Column, Message, Record, Stream, Table

_BLUE = "\x1b[1;34m"
_RESET = "\x1b[0m"
_BUFFER_ROWS = 1000   # rows measured for column widths before a long table starts streaming


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
    def __init__(self, out, fmt: str = "text", color: bool = False):
        self.out = out
        self.fmt = fmt
        self.color = color
        self.mid_line = False     # the last bytes written (by a Stream) did not end a line

    def render(self, result: Any) -> None:
        """Render None, one result, or an iterable of results (generators stream)."""
        if result is None:
            return
        if isinstance(result, (Table, Record, Message, Stream)):
            getattr(self, "_" + type(result).__name__.lower())(result)
        else:
            for item in result:
                self.render(item)

    def _write_json(self, obj: dict) -> None:
        self.out.write(json.dumps(_json_value(obj), ensure_ascii=False) + "\n")

    def _message(self, m: Message) -> None:
        if self.fmt == "json":
            self._write_json(m.data if m.data is not None else {"message": m.text})
        elif m.text:
            self.out.write(m.text + "\n")

    def _record(self, r: Record) -> None:
        if self.fmt == "json":
            self._write_json({json_key(k): v for k, v in r.fields})
            return
        width = max((len(k) for k, _ in r.fields), default=0)
        for k, v in r.fields:
            if isinstance(v, dict):
                v = ", ".join(f"{a}={b}" for a, b in v.items()) or "-"
            elif isinstance(v, datetime):
                v = format_time(v)
            self.out.write(f"{k + ':':<{width + 1}} {'' if v is None else v}\n")

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
        return "" if v is None else str(v)

    def _table(self, t: Table) -> None:
        rows: Iterable[dict] = t.rows
        if self.fmt == "json":
            for row in rows:
                self._write_json(row)
            return
        if t.title is not None:
            self.out.write(t.title + "\n")
        it = iter(rows)
        while True:
            chunk = list(itertools.islice(it, _BUFFER_ROWS))
            if not chunk and not t.header:
                break
            cells = [[self._cell(c, r, t.human) for c in t.columns] for r in chunk]
            if t.header:
                cells.insert(0, [c.title or c.key for c in t.columns])
            widths = [max((len(row[i]) for row in cells), default=0) for i in range(len(t.columns))]
            for row in cells:
                self.out.write(self._line(t.columns, row, widths) + "\n")
            t.header = False
            if len(chunk) < _BUFFER_ROWS:
                break

    def _line(self, columns: list[Column], cells: list[str], widths: list[int]) -> str:
        parts = []
        last = len(columns) - 1
        for i, (col, cell, w) in enumerate(zip(columns, cells, widths)):
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
