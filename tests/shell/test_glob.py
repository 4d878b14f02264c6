"""Quoting stops globbing, against the real embedded server: the issue's examples for every command that
takes a path, in-process, in -c / -b / piped batches and as one-shot arguments; patterns that match
several objects ask first in the interactive shell and report the count in batch mode."""

import json

import pytest

STAR = ("lit*star", "litXstar")  # `lit*star` typed bare matches both
BRACKETS = ("lit[X]star", "litXstar")  # `lit[X]star` typed bare matches only litXstar
QUESTION = ("lit?star", "litXstar")


def _put(client, bucket, keys):
    for k in keys:
        client.put_object(bucket, k, f"body of {k}".encode())


def _keys(client, bucket, prefix=""):
    return {s.key for s in client.iter_objects(bucket, prefix=prefix)}


# (keys present, the argument as typed, the keys it must name)
CASES = [
    (BRACKETS, '"lit[X]star"', {"lit[X]star"}),
    (BRACKETS, "'lit[X]star'", {"lit[X]star"}),
    (BRACKETS, "lit\\[X]star", {"lit[X]star"}),
    (BRACKETS, "lit[X]star", {"litXstar"}),
    (STAR, "'lit*star'", {"lit*star"}),
    (STAR, '"lit*star"', {"lit*star"}),
    (STAR, "lit\\*star", {"lit*star"}),
    (STAR, "lit*star", {"lit*star", "litXstar"}),
    (QUESTION, "'lit?star'", {"lit?star"}),
    (QUESTION, "lit?star", {"lit?star", "litXstar"}),
]
IDS = [typed for _, typed, _ in CASES]


@pytest.fixture
def here(sh, client, bucket):
    sh.ok(f"cd oss://{bucket}")
    return sh


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_rm(here, client, bucket, keys, typed, named):
    _put(client, bucket, keys)
    here.ok(f"rm {typed}")
    assert _keys(client, bucket) == set(keys) - named


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_get(here, client, bucket, tmp_path, keys, typed, named):
    _put(client, bucket, keys)
    here.ok(f"get {typed} out/")
    assert {p.name for p in (tmp_path / "out").iterdir()} == named
    for name in named:
        assert (tmp_path / "out" / name).read_bytes() == f"body of {name}".encode()


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_cp_and_mv(here, client, bucket, keys, typed, named):
    _put(client, bucket, keys)
    here.ok(f"cp {typed} copy/")
    assert _keys(client, bucket, "copy/") == {"copy/" + k for k in named}
    here.ok(f"mv {typed} moved/")
    assert _keys(client, bucket, "moved/") == {"moved/" + k for k in named}
    left = _keys(client, bucket) - _keys(client, bucket, "copy/") - _keys(client, bucket, "moved/")
    assert left == set(keys) - named


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_stat(here, client, bucket, keys, typed, named):
    _put(client, bucket, keys)
    out = here.ok(f"stat {typed}")
    assert {line.split()[1] for line in out.splitlines() if line.startswith("URI:")} == {
        f"oss://{bucket}/{k}" for k in named
    }


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_cat(here, client, bucket, keys, typed, named):
    _put(client, bucket, keys)
    out = here.ok(f"cat {typed}")
    assert out == "".join(f"body of {k}" for k in sorted(named))


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_acl(here, client, bucket, keys, typed, named):
    _put(client, bucket, keys)
    here.ok(f"acl {typed} public-read")
    assert {k for k in keys if client.get_object_acl(bucket, k) == "public-read"} == named
    shown = here.ok(f"acl {typed}")
    assert {line.split()[0] for line in shown.splitlines()} == {f"oss://{bucket}/{k}" for k in named}


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_ls_du_presign(here, client, bucket, keys, typed, named):
    _put(client, bucket, keys)
    assert set(here.ok(f"ls {typed}").split()) == named
    rows = [json.loads(line) for line in here.ok(f"set format json; du {typed}").splitlines()]
    assert {r["uri"] for r in rows} == {f"oss://{bucket}/{k}" for k in named}
    urls = [json.loads(line)["uri"] for line in here.ok(f"presign {typed}").splitlines()]
    assert set(urls) == {f"oss://{bucket}/{k}" for k in named}


@pytest.mark.parametrize("keys, typed, named", CASES, ids=IDS)
def test_put_local_sources_and_lls(here, client, bucket, tmp_path, keys, typed, named):
    for name in keys:
        (tmp_path / name).write_bytes(b"local " + name.encode())
    assert set(here.ok(f"lls {typed}").split()) == named
    here.ok(f"put {typed} up/")
    assert _keys(client, bucket) == {"up/" + k for k in named}
    for k in named:
        assert client.get_object(bucket, "up/" + k).read() == b"local " + k.encode()


def test_a_pattern_that_matches_nothing_stands_for_itself(here, client, bucket):
    """As in a POSIX shell: `rm lit[X]star` typed bare, with no litXstar, removes the key lit[X]star."""
    _put(client, bucket, ["lit[X]star", "other"])
    here.ok("rm lit[X]star")
    assert _keys(client, bucket) == {"other"}
    assert "no match" in here.fails("rm lit[X]star")


def test_single_path_commands_say_they_take_one_exact_path(here, client, bucket, tmp_path):
    """cd, mpu, and destinations (put, cp, mv) name one place: a bare glob there is refused, the same
    characters quoted name a key."""
    _put(client, bucket, ["d*/x", "dir/y"])
    (tmp_path / "f").write_bytes(b"f")
    for line in ("cd d*", "mpu init new*", "put f new*", "cp dir/y new?", "mv dir/y new[12]", "mpu ls d*"):
        err = here.fails(line)
        assert "one exact path wanted here, not a pattern" in err and "quote or escape" in err, line
    assert _keys(client, bucket) == {"d*/x", "dir/y"}
    here.ok("cd 'd*'")
    assert here.ok("pwd") == f"oss://{bucket}/d*/\n"
    here.ok("cd ..; put f 'new*'; cp dir/y new\\?; mpu init 'big[1]'")
    assert client.get_object(bucket, "new*").read() == b"f" and client.object_exists(bucket, "new?")
    assert [u.key for u in client.iter_uploads(bucket)] == ["big[1]"]
    assert "glob only allowed in the last component" in here.fails("ls d*/x")
    assert "not bucket names" in here.fails("ls oss://test-*/x")


# --- several matches: ask first in the interactive shell, act and report the count in batch mode ---


def test_rm_of_several_matches_asks_with_the_count_when_interactive(here, client, bucket):
    _put(client, bucket, ["lit*star", "litXstar", "lone"])
    questions = []
    here.ctx.interactive = True
    here.ctx.confirm = lambda q: questions.append(q) or False
    assert here.ok("rm lit*star") == f"skipped oss://{bucket}/lit*star\n"
    assert questions == [f"remove 2 objects matching oss://{bucket}/lit*star?"]
    assert _keys(client, bucket) == {"lit*star", "litXstar", "lone"}
    questions.clear()
    here.ok("rm lo*")  # one match: no question, as for one key
    here.ok("rm 'lit*star'")  # one exact key: no question
    assert questions == [] and _keys(client, bucket) == {"litXstar"}
    _put(client, bucket, ["lit*star"])
    here.ctx.confirm = lambda q: questions.append(q) or True
    out = here.ok("rm lit*star")
    assert out.splitlines()[-1] == f"removed 2 objects matching oss://{bucket}/lit*star"
    assert len(questions) == 1 and _keys(client, bucket) == set()
    _put(client, bucket, ["a1", "a2"])
    here.ctx.confirm = lambda q: pytest.fail("-f must not ask")
    here.ok("rm -f a?")
    assert _keys(client, bucket) == set()
    assert here.ok("rm -f a?") == ""  # -f: a pattern that matches nothing is no error
    assert "no match" in here.fails("rm a?")


def test_rm_r_of_a_pattern_asks_once_for_objects_and_prefixes(here, client, bucket):
    _put(client, bucket, ["p1/a", "p1/b", "p2/c", "pz"])
    questions = []
    here.ctx.interactive = True
    here.ctx.confirm = lambda q: questions.append(q) or True
    here.ok("rm -r p*")
    assert questions == [f"remove 1 object and everything under 2 prefixes matching oss://{bucket}/p*?"]
    assert _keys(client, bucket) == set()


def test_rm_of_several_matches_in_batch_acts_and_reports_the_count(here, client, bucket):
    _put(client, bucket, ["lit*star", "litXstar", "other"])
    out = here.ok("rm lit*star")
    assert out.splitlines() == [
        f"removed oss://{bucket}/lit*star",
        f"removed oss://{bucket}/litXstar",
        f"removed 2 objects matching oss://{bucket}/lit*star",
    ]
    _put(client, bucket, ["a1", "a2"])
    lines = [json.loads(line) for line in here.ok("set format json; rm a?").splitlines()]
    assert lines[-1] == {"action": "matched", "command": "removed", "pattern": f"oss://{bucket}/a?", "count": 2}
    assert _keys(client, bucket) == {"other"}


def test_mv_of_several_matches_asks_and_cp_reports(here, client, bucket):
    _put(client, bucket, ["lit*star", "litXstar"])
    questions = []
    here.ctx.interactive = True
    here.ctx.confirm = lambda q: questions.append(q) or False
    assert "skipped" in here.ok("mv lit*star moved/")
    assert questions == [f"move 2 objects matching oss://{bucket}/lit*star?"]
    assert _keys(client, bucket) == {"lit*star", "litXstar"}
    assert here.ok("cp lit*star copy/").splitlines()[-1] == f"copied 2 objects matching oss://{bucket}/lit*star"
    here.ctx.confirm = lambda q: True
    assert here.ok("mv lit*star moved/").splitlines()[-1] == f"moved 2 objects matching oss://{bucket}/lit*star"
    assert _keys(client, bucket) == {"copy/lit*star", "copy/litXstar", "moved/lit*star", "moved/litXstar"}


# --- the same through the real command line: -c, -b, piped, one-shot ---


@pytest.mark.parametrize("mode", ["-c", "-b", "piped"])
def test_batch_modes_keep_quoting(ossh, client, bucket, tmp_path, mode):
    _put(client, bucket, STAR + ("lit[X]star",))
    lines = [f"rm 'oss://{bucket}/lit*star'", f'rm "oss://{bucket}/lit[X]star"']
    if mode == "-c":
        r = ossh("-c", "; ".join(lines))
    elif mode == "-b":
        (tmp_path / "batch.txt").write_text("\n".join(lines) + "\n")
        r = ossh("-b", str(tmp_path / "batch.txt"))
    else:
        r = ossh(input="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    assert _keys(client, bucket) == {"litXstar"}
    _put(client, bucket, ["lit*star", "litYstar"])
    line = f"rm oss://{bucket}/lit\\*star; rm oss://{bucket}/lit*star"
    r = ossh("-c", line) if mode == "-c" else ossh(input=line.replace("; ", "\n") + "\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[0] == f"removed oss://{bucket}/lit*star"
    assert r.stdout.splitlines()[-1] == f"removed 2 objects matching oss://{bucket}/lit*star"
    assert _keys(client, bucket) == set()


def test_one_shot_arguments_glob_where_bare_and_a_backslash_makes_them_literal(ossh_process, client, bucket):
    """The user's shell removed the quotes already: `ossh rm 'oss://b/lit*star'` globs as `rm lit*star`
    would in the shell; `ossh rm 'oss://b/lit\\*star'` names the one key. As a child process: argv as the
    interpreter hands it over."""
    ossh = ossh_process
    _put(client, bucket, STAR + ("lit[X]star",))
    r = ossh("delete", f"oss://{bucket}/lit\\*star", f"oss://{bucket}/lit\\[X]star")  # osscmd name of rm
    assert r.returncode == 0, r.stderr
    assert _keys(client, bucket) == {"litXstar"}
    _put(client, bucket, ["lit*star"])
    r = ossh("rm", f"oss://{bucket}/lit*star")
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[-1] == f"removed 2 objects matching oss://{bucket}/lit*star"
    assert _keys(client, bucket) == set()
    _put(client, bucket, ["a\\b", "ab"])
    r = ossh("stat", f"oss://{bucket}/a\\b")  # a backslash before anything else is the key's own
    # shown with the backslash doubled (names are printed escaped, as GNU ls -b does)
    assert r.returncode == 0 and f"oss://{bucket}/a\\\\b" in r.stdout, r.stderr
    r = ossh("put", "-", f"oss://{bucket}/new*")
    assert r.returncode == 2 or r.returncode == 1
    assert "one exact path wanted here" in r.stderr and not client.object_exists(bucket, "new*")


# --- the interactive shell through prompt_toolkit ---


def test_interactive_shell_asks_with_the_count_and_completion_quotes_keys(cached_sh, client, bucket, tmp_path):
    from .test_prompt import Terminal

    _put(client, bucket, ["lit*star", "litXstar", "solo*key"])
    term = Terminal(cached_sh, tmp_path / "state" / "history")

    def script(t, send):
        try:
            steps(t, send)
        finally:
            send("\x03")  # a failed step leaves a line typed: drop it, so Ctrl-D can leave

    def steps(t, send):
        out = t.shell.out.getvalue
        t.wait_for("oss://>")
        send(f"cd oss://{bucket}\r")
        t.wait_for(f"oss://{bucket}/>")
        send("rm lit*star\r")
        t.wait_for(f"remove 2 objects matching oss://{bucket}/lit*star?")
        send("n")
        t.wait_for("skipped", source=out)
        send("rm 'lit*star'\r")  # quoted: the one key, no question
        t.wait_for(f"removed oss://{bucket}/lit*star\n", source=out)
        send("rm sol\t")  # completion escapes the key's *
        t.wait_for("rm solo\\*key")
        send("\r")
        t.wait_for(f"removed oss://{bucket}/solo*key\n", source=out)

    assert term.run(script) == 0
    assert _keys(client, bucket) == {"litXstar"}
    assert "remove 1 object" not in term.screen.text()  # the exact key and the completed one: no question


def test_bucket_commands_refuse_a_bare_glob_as_the_bucket(sh, client, bucket):
    """A bucket is named by one exact word: `versioning photo*` or `rmbucket photo*` is a usage error
    before any request, not the bucket name `photo*` sent to the server (or worse, a match)."""
    prefix = bucket[:-1]
    for line in (
        f"versioning {prefix}*",
        f"versioning {prefix}* enabled",
        f"rmbucket {prefix}*",
        f"rmbucket -f {prefix}?",
        f"mkbucket {prefix}*",
    ):
        err = sh.fails(line)
        assert "one exact path wanted here, not a pattern" in err and "request" not in err, line
    assert client.get_bucket_versioning(bucket) is None  # nothing was set on the bucket the glob matches
    assert sh.ok(f"versioning {bucket}").strip() == f"oss://{bucket}/  unversioned"
