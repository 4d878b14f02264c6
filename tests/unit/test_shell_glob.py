"""Quoting stops globbing: the tokenizer records which glob characters were typed bare, and only
those glob (words.Arg), in the shell, in -c/-b/piped batches and in one-shot argv."""

import pytest

from ossh.shell.completion import Listing, ListingCache, complete
from ossh.shell.paths import RemotePath, glob_match, resolve, split_glob
from ossh.shell.state import ShellState
from ossh.shell.words import Arg, argv_words, join, quote, split, split_commands


def one(line: str) -> Arg:
    [[word]] = split_commands(line)
    return word


@pytest.mark.parametrize(
    "line, text, pattern",
    [
        ("lit*star", "lit*star", "lit*star"),  # bare: globs
        ("'lit*star'", "lit*star", None),  # quoted: one exact key
        ('"lit*star"', "lit*star", None),
        ("lit\\*star", "lit*star", None),  # backslash-escaped
        ('"lit[X]star"', "lit[X]star", None),
        ("lit\\[X]star", "lit[X]star", None),
        ("lit[X]star", "lit[X]star", "lit[X]star"),
        ("'lit?star'", "lit?star", None),
        ("lit?star", "lit?star", "lit?star"),
        ("'a b'*", "a b*", "a b*"),  # quoted part literal, bare * globs
        ("'*'*", "**", "[*]*"),  # the quoted * escaped in the pattern
        ("'['*", "[*", "[[]*"),
        ("'?'?", "??", "[?]?"),
        ("a[b", "a[b", None),  # a [ no ] closes is an ordinary character
        ("x]", "x]", None),
        ("plain", "plain", None),
    ],
)
def test_bare_glob_characters_only_make_a_pattern(line, text, pattern):
    word = one(line)
    assert word == text and word.pattern == pattern


def test_a_pattern_matches_its_literal_characters_exactly():
    quoted, bare = one("'lit*star'*"), one("lit[X]star")
    assert glob_match("lit*star", quoted.pattern) and glob_match("lit*starry", quoted.pattern)
    assert not glob_match("litXstar", quoted.pattern) and not glob_match("litXstarry", quoted.pattern)
    assert glob_match("litXstar", bare.pattern) and not glob_match("lit[X]star", bare.pattern)
    brackets = one("'lit[X]'*")
    assert glob_match("lit[X]star", brackets.pattern) and not glob_match("litXstar", brackets.pattern)


def test_escapes_survive_resolution_and_splitting():
    word = one("oss://b/'d*r'/x?")
    base, last = split_glob(resolve(word.pattern))
    assert base == RemotePath("b", "d*r/") and last == "x?"
    base, last = split_glob(resolve(one("'a[1]'/../q*").pattern, "b", "p/"))
    assert base == RemotePath("b", "p/") and last == "q*"


@pytest.mark.parametrize(
    "line",
    ["rm 'lit*star' lit*star \"x[1]\"?", "rm 'a b'* '#'* c\\ d'?'", "get '*' - ", "rm [ab]'[c]'*", "ls 'it''s'*"],
)
def test_join_round_trips_which_characters_glob(line):
    """`ossh -c` re-joins its commands into lines: the quoting of glob characters must survive."""
    words = split_commands(line)[0]
    again = split_commands(join(words))[0]
    assert again == words and [w.active for w in again] == [w.active for w in words]


def test_quote_keeps_glob_characters_of_a_plain_string_literal():
    """Completion inserts key names with quote(): a key holding * must not become a pattern."""
    for key in ("lit*star", "lit?star", "lit[X]star", "[", "*"):
        assert one(quote(key)) == key and one(quote(key)).pattern is None
    assert quote("x]") == "x]"


def test_argv_words_glob_where_bare_and_a_backslash_makes_glob_characters_literal():
    bare, escaped, brackets, other = argv_words(
        ["oss://b/lit*star", "oss://b/lit\\*star", "oss://b/lit\\[X]star", "oss://b/a\\b'c\"d"]
    )
    assert bare == "oss://b/lit*star" and bare.pattern == "oss://b/lit*star"
    assert escaped == "oss://b/lit*star" and escaped.pattern is None
    assert brackets == "oss://b/lit[X]star" and brackets.pattern is None
    assert other == "oss://b/a\\b'c\"d" and other.pattern is None  # quotes and other backslashes: as given
    assert argv_words(["a b*"]) == ["a b*"]  # one argument, one word


class _Lister:
    def children(self, bucket, prefix, level):
        return Listing(["lit*star", "lit[X]star", "litXstar"])

    def buckets(self):
        return Listing(["b"])


def test_completion_inserts_keys_with_their_glob_characters_quoted():
    found = [s.text for s in complete("rm lit", ShellState(bucket="b"), ListingCache(_Lister()))]
    assert found == ["lit\\*star", "litXstar", "lit\\[X\\]star"]
    assert [one(f"{t}").pattern for t in found] == [None, None, None]
    # a partial word typed with a quoted * completes the literal key
    assert [s.text for s in complete("rm 'lit*", ShellState(bucket="b"), ListingCache(_Lister()))] == ["'lit*star'"]


def test_split_keeps_word_positions_for_completion():
    word = split("rm 'lit*").commands[-1][-1]
    assert (word.value, word.quote, word.value.pattern) == ("lit*", "'", None)
