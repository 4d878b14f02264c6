"""Terminal escape injection: names from the server (keys, prefixes, upload ids, error texts) reach the
terminal with control and bidi characters escaped, in every command and mode; --json keeps them exact.

Hostile keys are stored in the real embedded server and read back through the shell.
"""

import json
import unicodedata

import pytest
from prompt_toolkit.application import create_app_session
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.data_structures import Size
from prompt_toolkit.document import Document
from prompt_toolkit.input import create_pipe_input

from ossh.client.errors import ServiceError
from ossh.shell.completer_adapter import ShellCompleter
from ossh.shell.completion import complete
from ossh.shell.executor import describe
from ossh.shell.paths import RemotePath
from ossh.shell.progress import terminal_progress
from ossh.shell.words import quote, split

from .test_prompt import KnownHeightOutput, Screen, Terminal

# (key, how the terminal must show it)
HOSTILE = [
    ("red\x1b[31mALERT\x1b]0;title\x07", r"red\x1b[31mALERT\x1b]0;title\x07"),  # CSI colour, OSC title + BEL
    ("c1\x9b2Jcsi", r"c1\x9b2Jcsi"),  # C1 CSI: clear screen
    ("invoice\u202egnp.exe", r"invoice\u202egnp.exe"),  # RLO: shows as invoiceexe.png
    ("iso\u2067late\u2069d", r"iso\u2067late\u2069d"),  # bidi isolate
    ("over\rwrite\b\bX", r"over\rwrite\x08\x08X"),  # CR and backspaces
    ("fake\nremoved everything", r"fake\nremoved everything"),  # a line of its own
    ("del\x7f\ttab", r"del\x7f\ttab"),
    ("back\\slash\\x1b", r"back\\slash\\x1b"),  # literal backslashes: not to be read as an ESC
]
PREFIX = ("dir\x1b]0;pwned\x07\u202e/", r"dir\x1b]0;pwned\x07\u202e/")


def raw_controls(text: str) -> list[str]:
    """Characters that drive or disguise a terminal (a newline ends each line and is allowed)."""
    return [c for c in text if c != "\n" and unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp", "Cs")]


def assert_safe(text: str, *shown: str) -> None:
    assert raw_controls(text) == [], text
    for s in shown:
        assert s in text, (s, text)


@pytest.fixture
def hostile(client, bucket):
    for key, _ in HOSTILE:
        client.put_object(bucket, key, b"x")
    client.put_object(bucket, PREFIX[0] + "inner", b"yy")
    return bucket


@pytest.mark.parametrize("line", ["ls", "ls -l", "ls -lh", "ls -r", "list", "listallobject", "ls *"])
def test_listings_show_names_escaped(sh, hostile, line):
    sh.ok(f"cd oss://{hostile}/")
    out = sh.ok(line)
    assert_safe(out, *(shown for _, shown in HOSTILE))
    assert (PREFIX[1] + ("inner" if "-r" in line or line.startswith("list") else "")) in out
    extra = {"list": 5, "listallobject": 2}.get(line, 0)  # osscmd's headings and totals
    assert out.count("\n") == len(HOSTILE) + 1 + extra  # a newline in a key never starts a line of its own


def test_stat_du_and_mpu_ls_escape(sh, client, hostile):
    key, shown = HOSTILE[0]
    sh.ok(f"cd oss://{hostile}/")
    out = sh.ok(f"stat {quote(key)}")
    assert_safe(out, f"URI:           oss://{hostile}/{shown}\n")
    assert_safe(sh.ok(f"du {quote(PREFIX[0])}"), f"oss://{hostile}/{PREFIX[1]}")
    for k, _ in HOSTILE[:3]:
        client.init_multipart_upload(hostile, k)
    out = sh.ok("mpu ls")
    assert_safe(out, *(s for _, s in HOSTILE[:3]))
    assert all(sum(line.endswith(s) for line in out.splitlines()) == 1 for _, s in HOSTILE[:3])


def test_messages_escape_names(sh, hostile, tmp_path):
    key, shown = HOSTILE[0]
    sh.ok(f"cd oss://{hostile}/")
    out = sh.ok(
        f"cp {quote(key)} {quote(key + '.bak')}; mv {quote(key + '.bak')} {quote(key + '.old')}; "
        f"get {quote(key)} {tmp_path}/"
    )
    assert_safe(out, f"oss://{hostile}/{shown}.bak", f"oss://{hostile}/{shown}.old", f"{tmp_path}/{shown} (1B)")
    assert len(out.splitlines()) == 3
    assert (tmp_path / key).read_bytes() == b"x"  # the local file has the exact name


@pytest.mark.parametrize(
    "line, shown",
    [
        ("cat 'gone\x1b]0;x\x07'", r"oss://{b}/gone\x1b]0;x\x07: The specified key does not exist. (NoSuchKey"),
        ("rm 'no\x9bsuch'", r"oss://{b}/no\x9bsuch: no such object"),
        ("stat '" + PREFIX[0] + "'", "oss://{b}/" + PREFIX[1] + ": is a prefix"),
        ("cd 'no\u202ewhere'", r"cd: no\u202ewhere: no such prefix"),
        ("mpu abort '" + HOSTILE[0][0] + "' 'id\x1b[2J'", "oss://{b}/" + HOSTILE[0][1] + ": The specified upload"),
        ("get '" + HOSTILE[0][0] + "' afile/", "afile/" + HOSTILE[0][1] + ": "),
        ("'\x1b[2Jnope'", r"ossh: \x1b[2Jnope: unknown command"),
    ],
)
def test_errors_escape_names(sh, hostile, tmp_path, line, shown):
    (tmp_path / "afile").write_bytes(b"")  # a file where get wants a directory
    sh.ok(f"cd oss://{hostile}/")
    err = sh.fails(line)
    assert_safe(err, shown.format(b=hostile))


def test_server_error_texts_are_escaped():
    exc = ServiceError("bad \x1b]0;t\x07 thing\u202e", status=400, code="Evil\x9b", request_id="id\x1b[2J")
    exc.bucket, exc.key = "b", "k\x1b"
    assert describe(exc) == r"oss://b/k\x1b: bad \x1b]0;t\x07 thing\u202e (Evil\x9b, request id\x1b[2J)"


def test_json_keeps_exact_names_and_no_raw_controls(sh, hostile):
    sh.ok(f"cd oss://{hostile}/; set format json")
    out = sh.ok("ls -r")
    assert raw_controls(out) == []
    assert "\u202e" not in out and "\x9b" not in out and "\x7f" not in out
    keys = {json.loads(line)["key"] for line in out.splitlines()}
    assert keys == {k for k, _ in HOSTILE} | {PREFIX[0] + "inner"}
    ok, _, err = sh(f"stat {quote(HOSTILE[2][0] + '.missing')}")
    assert not ok and json.loads(err)["code"] == "NoSuchKey"  # in JSON mode errors are JSON too
    assert raw_controls(err) == []


def test_completion_menu_shows_escapes_and_inserts_exact_names(cached_sh, hostile):
    state = cached_sh.ctx.state
    state.go(RemotePath(hostile))
    suggestions = complete("stat ", state, cached_sh.ctx.cache)
    completions = list(ShellCompleter(cached_sh.ctx).get_completions(Document("stat "), CompleteEvent()))
    assert len(completions) == len(suggestions) == len(HOSTILE) + 1
    shown = [c.display_text for c in completions]
    assert_safe("\n".join(shown + [c.display_meta_text for c in completions]), *(s for _, s in HOSTILE), PREFIX[1])
    inserted = {split(c.text).commands[0][0].value for c in completions}  # what the line then holds
    assert inserted == {k for k, _ in HOSTILE} | {PREFIX[0]}
    assert all(c.start_position == 0 for c in completions)


def test_batch_and_one_shot_output(ossh, client, hostile, tmp_path):
    key, shown = HOSTILE[0]
    batch = tmp_path / "batch.txt"
    batch.write_text(
        f"ls -l oss://{hostile}/\n-cat oss://{hostile}/{quote(key + 'x')}\n"
        f"stat oss://{hostile}/{quote(key)}\nmpu ls oss://{hostile}/\n",
        encoding="utf-8",
    )
    client.init_multipart_upload(hostile, key)
    r = ossh("-b", str(batch))
    assert r.returncode == 0  # the tolerated cat failed: as with sftp -b, that does not count
    assert_safe(r.stdout, *(s for _, s in HOSTILE), f"URI:           oss://{hostile}/{shown}\n")
    assert_safe(r.stderr, f"ossh: line 2: cat: oss://{hostile}/{shown}x: The specified key does not exist.")
    one = ossh("--json", "ls", "-r", f"oss://{hostile}/")
    assert one.returncode == 0 and raw_controls(one.stdout) == []
    assert {json.loads(line)["key"] for line in one.stdout.splitlines()} == {k for k, _ in HOSTILE} | {
        PREFIX[0] + "inner"
    }


def test_repl_prompt_input_line_and_menu_show_escapes(cached_sh, hostile, tmp_path):
    term = Terminal(cached_sh, tmp_path / "state" / "history")
    for k in ("c1\x9bone", "c1\x9btwo"):  # two candidates: the menu opens
        cached_sh.ctx.client.put_object(hostile, k, b"x")

    def script(t, send):
        try:
            steps(t, send)
        finally:
            send("\x03")  # an unfinished line would keep Ctrl-D from leaving

    def steps(t, send):
        t.wait_for("oss://>")
        send(f"cd oss://{hostile}/\r")
        t.wait_for(f"oss://{hostile}/>")
        send("stat c1\t")
        t.wait_for(r"c1\x9btwo")  # in the menu
        send("\x03")
        send("cd di\t")  # the exact prefix goes in, shown escaped
        t.wait_for(r"\x1b\]0\;pwned\x07\u202e/")  # (`]` and `;` backslash-escaped for split())
        send("\r")
        t.wait_for(f"oss://{hostile}/{PREFIX[1]}>")  # the prompt
        send("pwd\r")
        t.wait_for(f"oss://{hostile}/{PREFIX[1]}\n", source=t.shell.out.getvalue)

    assert term.run(script) == 0
    assert cached_sh.ctx.state.prefix == PREFIX[0]
    raw = term.screen.getvalue()
    for bad in ("\x9b", "\u202e", "\x1b]0;pwned", "pwned\x07"):
        assert bad not in raw


def test_progress_label_is_escaped():
    screen = Screen()
    with (
        create_pipe_input() as inp,
        create_app_session(
            input=inp, output=KnownHeightOutput(screen, lambda: Size(rows=20, columns=150), term="xterm")
        ),
    ):
        with terminal_progress("get " + HOSTILE[0][0] + HOSTILE[2][0], 4 << 20) as update:
            update(2 << 20)
    raw = screen.getvalue()
    assert HOSTILE[0][1] + HOSTILE[2][1] in raw
    assert "\u202e" not in raw and "\x1b]0;title" not in raw and "\x07" not in raw
