"""Completion logic as a pure function, with an in-memory listing source standing in for OSS."""

import pytest

from ossh.shell.completion import Listing, ListingCache, complete
from ossh.shell.paths import RemotePath
from ossh.shell.state import ShellState

TREE = {
    "photos": ["2023/", "2024/", "cat.jpg", "my dog.jpg"],
    "photos/2024/": ["jan/", "feb.png"],
    "logs": ["app.log"],
}


class TreeLister:
    """Listings from TREE; counts calls so tests can check caching and the fetch budget."""

    def __init__(self):
        self.calls = []

    def children(self, bucket, prefix, level):
        self.calls.append((bucket, prefix))
        key = bucket if not level else f"{bucket}/{level}"
        return Listing([n for n in TREE.get(key, []) if (level + n).startswith(prefix)])

    def buckets(self):
        self.calls.append(("buckets",))
        return Listing(["logs", "photos"])

    def upload_ids(self, bucket, key):
        self.calls.append(("uploads", bucket, key))
        return Listing(["0AF1", "0B22"] if key == "big.iso" else [])


@pytest.fixture
def cache():
    return ListingCache(TreeLister())


def texts(line, state, cache, **kw):
    return [s.text for s in complete(line, state, cache, **kw)]


def test_command_names_and_subcommands(cache):
    st = ShellState()
    assert texts("mkb", st, cache) == ["mkbucket"]
    assert {"ls", "lls", "lcd", "lpwd"} <= set(texts("l", st, cache))
    assert texts("mpu ", st, cache) == ["abort", "complete", "init", "ls", "parts", "upload-part"]
    assert texts("help rmb", st, cache) == ["rmbucket"]
    assert texts("nosuchcommand x", st, cache) == []


def test_options_and_option_values(cache):
    st = ShellState("photos")
    assert texts("ls -", st, cache) == ["--versions", "-V", "-d", "-h", "-l", "-r"]
    assert texts("put --a", st, cache) == ["--acl"]
    assert texts("put --acl pu", st, cache) == ["public-read", "public-read-write"]
    assert texts("mkbucket x --acl ", st, cache) == ["private", "public-read", "public-read-write"]
    assert texts("mkbucket x --storage-class C", st, cache) == ["ColdArchive"]
    assert texts("put --acl=d", st, cache) == ["--acl=default"]
    assert texts("acl cat.jpg p", st, cache) == ["private", "public-read", "public-read-write"]
    assert texts("set format j", st, cache) == ["json"]
    assert "--upload_id" not in texts("mpu parts --", st, cache)  # osscmd spellings stay hidden


def test_buckets_at_the_root(cache):
    st = ShellState()
    assert texts("cd p", st, cache) == ["photos/"]
    assert texts("ls oss://l", st, cache) == ["oss://logs/"]
    assert texts("rmbucket ", st, cache) == ["logs", "photos"]
    inside = ShellState("photos", "2024/")
    assert texts("ls /l", inside, cache) == ["/logs/"]
    assert texts("cd ../../", inside, cache) == ["../../logs/", "../../photos/"]


def test_keys_and_prefixes_with_quoting(cache):
    st = ShellState("photos")
    assert texts("ls ", st, cache) == ["2023/", "2024/", "cat.jpg", "my\\ dog.jpg"]
    assert texts("cd ", st, cache) == ["2023/", "2024/"]  # cd: prefixes only
    assert texts("get 2024/f", st, cache) == ["2024/feb.png"]
    assert texts("ls oss://photos/2024/j", ShellState(), cache) == ["oss://photos/2024/jan/"]
    assert texts("rm 'my d", st, cache) == ["'my dog.jpg'"]
    found = complete("stat my", st, cache)
    assert [(s.text, s.start, s.display) for s in found] == [("my\\ dog.jpg", -2, "my dog.jpg")]
    assert texts("cat c", ShellState("photos", "2024/"), cache) == []


def test_listings_are_cached_and_invalidated(cache):
    st = ShellState("photos")
    lister = cache.lister
    texts("ls ", st, cache)
    texts("ls c", st, cache)
    assert lister.calls == [("photos", "")]
    cache.invalidate(RemotePath("logs", "x"))  # another bucket: kept
    texts("ls ", st, cache)
    assert len(lister.calls) == 1
    cache.invalidate(RemotePath("photos", "2024/new.png"))  # a change below: every level above is dropped
    texts("ls ", st, cache)
    assert len(lister.calls) == 2
    texts("cd oss://", st, cache)
    cache.invalidate(RemotePath("newbucket"))  # a bucket created: the bucket list is dropped
    texts("cd oss://", st, cache)
    assert lister.calls.count(("buckets",)) == 2


def test_fetch_budget_per_keystroke(cache):
    st = ShellState("photos")
    assert texts("ls 2024/", st, cache, budget=0) == []  # nothing cached, nothing may be fetched
    assert cache.lister.calls == []
    assert texts("ls 2024/", st, cache, budget=1) == ["2024/feb.png", "2024/jan/"]
    assert texts("ls 2024/", st, cache, budget=0) == ["2024/feb.png", "2024/jan/"]  # now from the cache


def test_upload_ids_for_mpu(cache):
    st = ShellState("photos")
    assert texts("mpu abort big.iso ", st, cache) == ["0AF1", "0B22"]
    assert texts("mpu parts big.iso 0B", st, cache) == ["0B22"]
    assert texts("listpart big.iso ", st, cache) == ["0AF1", "0B22"]  # osscmd alias
    assert texts("mpu parts other ", st, cache) == []


def test_local_paths(cache, tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a b.txt").write_text("x")
    (tmp_path / "data.bin").write_text("x")
    (tmp_path / ".hidden").write_text("x")
    st = ShellState("photos", local_cwd=str(tmp_path))
    assert texts("put d", st, cache) == ["data.bin", "docs/"]
    assert texts("put docs/", st, cache) == ["docs/a\\ b.txt"]
    assert texts("lcd ", st, cache) == ["docs/"]
    assert texts("put .", st, cache) == [".hidden"]
    assert texts(f"lls {tmp_path}/do", st, cache) == [f"{tmp_path}/docs/"]
    assert texts("put data.bin oss://l", st, cache) == ["oss://logs/"]
    got = texts("get cat.jpg d", st, cache)  # get's destination: local and remote
    assert got == ["data.bin", "docs/"]


UNICODE = {"photos": ["café/", "naïve file.txt", "lit[X]star", "it's.txt", "#tag"]}


@pytest.mark.parametrize(
    "line, completed",
    [
        ("cd caf", "café/"),  # non-ASCII letters need no quotes
        ("ls naï", "naïve\\ file.txt"),  # a space is escaped, what was typed is kept
        ("ls 'naïve f", "'naïve file.txt'"),  # an opened quote is continued and closed
        ('ls "na', '"naïve file.txt"'),
        ("ls naïve\\", "naïve\\ file.txt"),  # a trailing backslash escapes the next character
        ("rm lit", "lit\\[X\\]star"),  # a key's glob characters are literal
        ("rm it", "it\\'s.txt"),
        ("rm 'it", "'it'\\''s.txt'"),
        ("ls \\#", "\\#tag"),  # `#` would start a comment
    ],
)
def test_a_completion_keeps_what_was_typed_and_splits_back_to_the_name(line, completed, monkeypatch):
    import ossh.shell.words as words

    monkeypatch.setitem(TREE, "photos", UNICODE["photos"])
    st = ShellState("photos")
    found = complete(line, st, ListingCache(TreeLister()))
    assert [s.text for s in found] == [completed]
    typed = line[line.index(" ") + 1 :]
    assert completed.startswith(typed) and found[0].start == -len(typed)
    assert words.split_commands(f"ls {completed}") == [["ls", found[0].display]]


def test_with_nothing_typed_names_come_escaped(monkeypatch):
    monkeypatch.setitem(TREE, "photos", UNICODE["photos"])
    assert texts("ls ", ShellState("photos"), ListingCache(TreeLister())) == [
        "\\#tag",
        "café/",
        "it\\'s.txt",
        "lit\\[X\\]star",
        "naïve\\ file.txt",
    ]


def test_quote_leaves_printable_non_ascii_alone():
    from ossh.shell.words import quote

    assert quote("café/") == "café/" and quote("日本語.txt") == "日本語.txt"
    assert quote("a\u202eb") == "'a\u202eb'"  # an invisible direction override stays visible by quoting
    assert quote("a\u3000b") == "'a\u3000b'"  # so does a wide space


def test_every_option_shows_its_help_in_the_menu(cache):
    from ossh.shell.commands import REGISTRY
    from ossh.shell.registry import HIDDEN

    missing = [
        (n, o) for n, c in REGISTRY.commands.items() for o, a in c.options().items() if a.help != HIDDEN and not a.help
    ]
    assert missing == []
    found = {s.text: s.meta for s in complete("ls -", ShellState(), cache)}
    assert found["-l"] == REGISTRY.commands["ls"].options()["-l"].help
    assert all(meta and meta != "option" for meta in found.values())
    put = {s.text: s.meta for s in complete("put --", ShellState(), cache)}
    assert put["--acl"].startswith("the objects' ACL") and put["--content-type"].startswith("Content-Type")


class Clock:
    """A clock the test moves: no sleeping to see a listing expire."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_listings_expire_after_the_ttl():
    clock = Clock()
    cache = ListingCache(TreeLister(), ttl=30, clock=clock)
    st = ShellState("photos")
    texts("ls ", st, cache)
    clock.now += 29.9
    texts("ls ", st, cache)
    assert cache.lister.calls == [("photos", "")]  # still fresh
    clock.now += 0.1
    texts("ls ", st, cache)
    assert cache.lister.calls == [("photos", "")] * 2  # 30 s old: listed again
    clock.now += 10
    texts("ls ", st, cache)
    assert len(cache.lister.calls) == 2  # the new listing counts from its own fetch


def test_an_expired_listing_is_not_served_when_the_budget_is_spent():
    clock = Clock()
    cache = ListingCache(TreeLister(), clock=clock)
    st = ShellState("photos")
    assert texts("ls c", st, cache) == ["cat.jpg"]
    clock.now += 31
    assert texts("ls c", st, cache, budget=0) == []  # stale names are not offered


def test_clear_drops_every_listing(cache):
    st = ShellState("photos")
    texts("ls ", st, cache)
    texts("cd oss://", st, cache)
    texts("mpu abort big.iso ", st, cache)
    assert len(cache) == 3
    cache.clear()
    assert len(cache) == 0
    texts("ls ", st, cache)
    assert cache.lister.calls.count(("photos", "")) == 2


def test_every_declared_completion_kind_has_a_completer():
    from ossh.shell.commands import REGISTRY
    from ossh.shell.completion import KINDS

    declared = {k for cmd in REGISTRY.commands.values() for k in cmd.complete if not isinstance(k, tuple)}
    assert declared <= set(KINDS), declared - set(KINDS)


def test_a_new_completion_kind_is_one_entry(monkeypatch):
    """A kind is a function registered under its name; a command names it in `complete=`."""
    from ossh.shell.completion import KINDS, kind
    from ossh.shell.registry import Registry, arg

    registry = Registry()
    registry.command("paint", "Paint.", "paint red", arg("colour"), complete=("colour",))(lambda ctx, a: None)
    monkeypatch.setattr("ossh.shell.completion.KINDS", dict(KINDS))
    kind("colour")(lambda q: [(c, c, "colour") for c in ("red", "green") if c.startswith(q.word)])
    found = complete("paint r", ShellState(), ListingCache(TreeLister()), registry=registry)
    assert [(s.text, s.meta) for s in found] == [("red", "colour")]
