"""Tab in a real prompt_toolkit session: a unique match completes in place and closes the menu; options show
their help in the menu."""

import time

import pytest

from .test_progress import visible
from .test_prompt import Terminal


@pytest.fixture
def term(cached_sh, tmp_path):
    return Terminal(cached_sh, tmp_path / "state" / "history")


def _run(term, script):
    """Run the shell; a failed wait first drops the half-typed line, so the closing Ctrl-D can leave."""

    def guarded(t, send):
        try:
            script(t, send)
        except BaseException:
            send("\x03")
            raise

    return term.run(guarded)


def _after(t, mark):
    return lambda: t.screen.text()[mark:]


def _settles(t, line, timeout=10.0):
    """Wait until the screen (as a terminal would show it, menus that closed gone) has `line` as its prompt
    line and no completion menu: the menu may flash while completions arrive, but must not stay open."""
    deadline = time.monotonic() + timeout
    while True:
        shown = visible(t.screen.getvalue(), 150)
        prompt = [i for i, text in enumerate(shown) if text.endswith(line)]
        if prompt and not any(m in text for text in shown[prompt[-1] + 1 :] for m in ("prefix", "object")):
            return
        assert time.monotonic() < deadline, "\n".join(shown[-8:])
        time.sleep(0.02)


def test_a_unique_match_completes_without_quotes_and_closes_the_menu(term, client, bucket):
    client.put_object(bucket, "café/menu.txt", b"x")
    client.put_object(bucket, "my dog.jpg", b"woof")
    client.put_object(bucket, "alpha.txt", b"x")
    client.put_object(bucket, "alpine.txt", b"x")

    def script(t, send):
        out = t.shell.out.getvalue
        t.wait_for("oss://>")
        send(f"cd oss://{bucket}\r")
        t.wait_for(f"oss://{bucket}/>")
        mark = len(t.screen.text())
        send("cd caf\t")
        _settles(t, "> cd café/")
        send("\r")  # with the menu closed, Enter runs the line
        t.wait_for(f"oss://{bucket}/café/>", source=_after(t, mark))
        send("cd ..\r")
        t.wait_for(f"oss://{bucket}/>", source=_after(t, mark + 20))
        mark = len(t.screen.text())
        send("cat my\t")
        _settles(t, "> cat my\\ dog.jpg")
        send("\r")
        t.wait_for("woof", source=out)
        mark = len(t.screen.text())
        send("stat al\t")  # two matches: the menu opens, with the kinds
        t.wait_for("alpine.txt", source=_after(t, mark))
        t.wait_for("object", source=_after(t, mark))
        send("\x03")
        send("pwd\r")
        t.wait_for(f"oss://{bucket}/\n", source=out)

    _run(term, script)
    shown = term.screen.text()
    assert "'café/'" not in shown and "'my dog.jpg'" not in shown
    assert term.shell.err.getvalue() == ""


def test_options_show_their_help_in_the_menu(term):
    def script(t, send):
        t.wait_for("oss://>")
        send("ls -\t")
        t.wait_for("human-readable sizes")
        t.wait_for("recursive: every object under the prefix")
        send("\x03")
        send("mpu abort --ol\t")  # one option: completed in place, the menu closed
        t.wait_for("der-than")
        send("\r")
        t.wait_for("mpu abort: argument --older-than: expected one argument", source=t.shell.err.getvalue)

    _run(term, script)
