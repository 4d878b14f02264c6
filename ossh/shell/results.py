"""What commands return instead of printing: tables, records, messages and byte streams."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Column:
    key: str
    title: str = ""
    kind: str = "text"  # text | size | time | count


@dataclass
class Table:
    columns: list[Column]
    rows: Iterable[dict]
    title: str | None = None  # printed above the rows when several listings follow each other
    header: bool = False
    human: bool = False  # sizes as 1.2K, 3.4M...
    empty: str | None = None  # said instead when there are no rows ("no buckets"); JSON prints nothing


@dataclass
class Record:
    """One object shown as aligned `Name: value` lines, or one JSON object."""

    fields: list[tuple[str, Any]] = field(default_factory=list)


@dataclass
class Message:
    text: str | list[str]  # one line, or several (each escaped on its own: a name's \n stays escaped)
    data: dict | None = None  # the JSON form; {"message": text} when None


@dataclass
class Stream:
    """Bytes for standard output (cat, get -)."""

    chunks: Iterable[bytes]
