"""render.printable() and json_line(): what a hostile name may look like on the terminal, without a server."""

import io
import json
import unicodedata

import pytest
from prompt_toolkit.formatted_text import fragment_list_to_text
from prompt_toolkit.layout.processors import TransformationInput

from ossh.shell.completer_adapter import EscapedInput
from ossh.shell.render import Renderer, json_line, printable
from ossh.shell.results import Column, Message, Record, Table


@pytest.mark.parametrize(
    "text, shown",
    [
        ("plain.txt", "plain.txt"),
        ("\x1b[31mred\x1b]0;title\x07", r"\x1b[31mred\x1b]0;title\x07"),  # C0: CSI, OSC, BEL
        ("\x00\x08\x7f", r"\x00\x08\x7f"),  # NUL, backspace, DEL
        ("\x9b2J\x85\x9d", r"\x9b2J\x85\x9d"),  # C1: CSI, NEL, OSC
        ("a\tb\nc\rd", r"a\tb\nc\rd"),
        ("x\u202etxt.exe\u202c", r"x\u202etxt.exe\u202c"),  # RLO ... PDF
        ("\u2066\u2067\u2068\u2069\u200e\u200f\u061c", r"\u2066\u2067\u2068\u2069\u200e\u200f\u061c"),
        ("zero\u200bwidth\ufeff", r"zero\u200bwidth\ufeff"),
        ("line\u2028para\u2029", r"line\u2028para\u2029"),
        ("tag\U000e0041", r"tag\U000e0041"),  # an astral format character
        ("bad\udcff", r"bad\udcff"),  # an undecodable local name
        ("back\\slash", r"back\\slash"),
        ("日本語 ファイル\u3000名.txt", "日本語 ファイル\u3000名.txt"),  # ideographic space: a visible blank
        ("café ü ß 😀 \xa0", "café ü ß 😀 \xa0"),
    ],
)
def test_printable(text, shown):
    assert printable(text) == shown


def test_printable_is_one_to_one_on_look_alikes():
    names = ["\x1b", "\\x1b", "\\\x1b", "\\\\x1b", "\n", "\\n", "\\", "\\\\", "\u202e", "\\u202e"]
    assert len({printable(n) for n in names}) == len(names)


def test_typed_backslashes_stay_single_in_the_input_line():
    assert printable("a\\ b\x1b", backslash=False) == "a\\ b\\x1b"


@pytest.mark.parametrize(
    "name", ["\x1b]0;t\x07", "\x9b\x7f", "x\u202ey", "\u2028", "bad\udcff", "tag\U000e0041", "日本語\u3000", 'a\\b"c']
)
def test_json_line_keeps_names_exact_and_the_terminal_safe(name):
    line = json_line({"key": name})
    assert json.loads(line) == {"key": name}
    assert [c for c in line if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")] == []
    assert "\\u001b" in json_line({"k": "\x1b"}) and "\\u202e" in json_line({"k": "\u202e"})
    assert json_line({"k": "日本語"}) == '{"k": "日本語"}'  # readable where nothing is hidden


def render(result, fmt="text"):
    out = io.StringIO()
    Renderer(out, fmt).render(result)
    return out.getvalue()


def test_renderer_escapes_every_text_it_writes():
    table = Table(
        [Column("etag", "ETAG"), Column("name", "NAME")],
        [{"etag": "e\x9b", "name": "a\x1bb"}, {"etag": "long-etag", "name": "c"}],
        title="oss://b/\u202e:",
        header=True,
    )
    assert render(table).splitlines() == [
        r"oss://b/\u202e:",
        "ETAG       NAME",
        r"e\x9b      a\x1bb",
        "long-etag  c",
    ]  # columns measured on the escaped text
    record = Record(
        [
            ("URI", "oss://b/k\x07"),
            ("Content-Type", "text/\u202eplain"),
            ("Metadata", {"owner\x1b": "x\x9by"}),
            ("Size", 3),
        ]
    )
    assert render(record).splitlines() == [
        r"URI:          oss://b/k\x07",
        r"Content-Type: text/\u202eplain",
        r"Metadata:     owner\x1b=x\x9by",
        "Size:         3",
    ]
    assert render(Message("removed oss://b/a\nfake line")) == "removed oss://b/a\\nfake line\n"
    assert render(Message(["", "two\x1b", "lines"])) == "\ntwo\\x1b\nlines\n"
    assert json.loads(render(Message(["a", "b\x1b"]), "json")) == {"message": "a\nb\x1b"}


def transform(text):
    ti = TransformationInput(None, None, 0, lambda i: i, [("", text)], 80, 1)
    return EscapedInput().apply_transformation(ti)


def test_input_line_shows_escapes_and_maps_the_cursor():
    t = transform("cd 'a\u202eb'")
    assert fragment_list_to_text(t.fragments) == r"cd 'a\u202eb'"
    assert [t.source_to_display(i) for i in range(9)] == [0, 1, 2, 3, 4, 5, 11, 12, 13]
    assert [t.display_to_source(d) for d in (5, 6, 10, 11, 13, 14)] == [5, 5, 5, 6, 8, 9]
    plain = [("", "ls a\\ b")]
    assert transform("ls a\\ b").fragments == plain  # nothing hidden: untouched, backslash as typed
