"""Rendering of command results (tables, records, JSON lines, colour) and error lines, without a server."""

import io
import json
from datetime import datetime, timezone

import pytest

from ossh.shell.executor import Executor, Outcome
from ossh.shell.render import Renderer, human_size
from ossh.shell.results import Column, Message, Record, Stream, Table
from ossh.shell.state import Context, ShellState

T = datetime(2024, 5, 6, 7, 8, 9, tzinfo=timezone.utc)
COLS = [Column("size", "SIZE", "size"), Column("last_modified", "MODIFIED", "time"), Column("name", "NAME")]
ROWS = [{"size": 5, "last_modified": T, "name": "a.txt"}, {"size": 123456789, "last_modified": T, "name": "dir/"}]


def render(result, fmt="text", color=False):
    out = io.StringIO()
    Renderer(out, fmt, color).render(result)
    return out.getvalue()


@pytest.mark.parametrize(
    "n, text",
    [
        (0, "0B"),
        (1023, "1023B"),
        (1024, "1.0K"),
        (1536, "1.5K"),
        (10 * 1024, "10K"),
        (5 * 1024**3, "5.0G"),
        (None, "-"),
    ],
)
def test_human_size(n, text):
    assert human_size(n) == text


def test_table_aligns_columns():
    lines = render(Table(COLS, ROWS)).splitlines()
    assert lines == ["        5  2024-05-06 07:08:09  a.txt", "123456789  2024-05-06 07:08:09  dir/"]
    human = render(Table(COLS, ROWS, human=True)).splitlines()
    assert human[1].startswith("118M  ") and human[0].startswith("  5B  ")
    with_header = render(Table(COLS, ROWS, header=True, title="oss://b/:")).splitlines()
    assert with_header[0] == "oss://b/:" and with_header[1].split() == ["SIZE", "MODIFIED", "NAME"]


def test_table_streams_from_a_generator():
    rows = ({"size": i, "name": f"k{i}"} for i in range(2500))
    lines = render(Table([Column("size", "S", "size"), Column("name", "N")], rows)).splitlines()
    assert len(lines) == 2500 and lines[-1] == "2499  k2499"


def test_json_lines():
    results = [
        Table(COLS, ROWS),
        Message("done", {"count": 2}),
        Message("plain"),
        Record([("Size", 5), ("CRC-64", 7), ("Last-Modified", T)]),
    ]
    out = render(results, "json")
    objs = [json.loads(line) for line in out.splitlines()]
    assert objs[0] == {"size": 5, "last_modified": "2024-05-06T07:08:09Z", "name": "a.txt"}
    assert objs[2:] == [
        {"count": 2},
        {"message": "plain"},
        {"size": 5, "crc64": 7, "last_modified": "2024-05-06T07:08:09Z"},
    ]


def test_record_and_colour():
    out = render(Record([("Size", 5), ("ETag", "abc"), ("Metadata", {"a": "1"}), ("Last-Modified", T)]))
    assert out.splitlines() == [
        "Size:          5",
        "ETag:          abc",
        "Metadata:      a=1",
        "Last-Modified: 2024-05-06 07:08:09",
    ]
    assert "\x1b[1;34mdir/\x1b[0m" in render(Table(COLS, ROWS), color=True)
    assert "\x1b" not in render(Table(COLS, ROWS))


def test_stream_writes_bytes():
    class Out(io.StringIO):
        buffer = io.BytesIO()

    out = Out()
    Renderer(out).render(Stream(iter([b"\xe4\xb8\xad", b"\x00x"])))
    assert out.buffer.getvalue() == b"\xe4\xb8\xad\x00x"


def _executor(**kw):
    def no_client():
        raise AssertionError("this command must not need a client")

    out, err = io.StringIO(), io.StringIO()
    ctx = Context(ShellState(local_cwd="/"), no_client)
    return Executor(ctx, out, err, **kw), out, err


def test_executor_runs_local_commands_without_a_client():
    ex, out, err = _executor()
    assert ex.run(["pwd"]) is Outcome.OK
    assert ex.run(["lpwd"]) is Outcome.OK
    assert ex.run(["set", "format", "json"]) is Outcome.OK
    assert ex.run(["pwd"]) is Outcome.OK
    assert out.getvalue().splitlines() == ["oss://", "/", '{"uri": "oss://"}']
    assert ex.run(["exit"]) is Outcome.EXIT and err.getvalue() == ""


@pytest.mark.parametrize(
    "words, message, outcome",
    [
        (["frobnicate"], "ossh: frobnicate: unknown command (try 'help')", Outcome.USAGE),
        (["ls", "--bogus"], "ossh: ls: unrecognized arguments: --bogus", Outcome.USAGE),
        (["set", "format", "xml"], "ossh: set: format must be one of text, json", Outcome.USAGE),
        (["cd", "-"], "ossh: cd: no previous location", Outcome.FAILED),
        (["mpu"], "ossh: mpu: missing subcommand (abort, complete, init, ls, parts, upload-part)", Outcome.USAGE),
        (["mpu", "abort", "--older-than", "3d"], "ossh: mpu abort: --older-than goes with --all", Outcome.USAGE),
        (["lcd", "/no/such/dir"], "ossh: lcd: /no/such/dir: not a local directory", Outcome.FAILED),
        (["help", "nope"], "ossh: help: no such command: nope", Outcome.USAGE),
        (["put", "x"], "ossh: put: .: not inside a bucket (cd into one or use oss://BUCKET/KEY)", Outcome.USAGE),
    ],
)
def test_errors_are_one_line(words, message, outcome):
    """Bad arguments are a usage error (exit status 2), a command that cannot do its work a failure (1)."""
    ex, out, err = _executor()
    assert ex.run(words) is outcome
    assert err.getvalue() == message + "\n"


def test_help_lists_every_command_with_usage_and_example():
    ex, out, err = _executor()
    from ossh.shell.commands import REGISTRY

    for name in REGISTRY.commands:
        assert ex.run(["help", *name.split()]) is Outcome.OK, err.getvalue()
    text = out.getvalue()
    for name, cmd in REGISTRY.commands.items():
        assert f"usage:   {cmd.usage}" in text and cmd.example in text and cmd.usage.startswith(name)
