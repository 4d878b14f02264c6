"""The remote path resolver and the shell word splitter: pure functions, no server."""

import os

import pytest

from ossh.shell.paths import (
    PathError,
    RemotePath,
    bucket_name,
    glob_match,
    literal_head,
    local_path,
    resolve,
    split_glob,
)
from ossh.shell.words import QuoteError, join, quote, split, split_commands


@pytest.mark.parametrize(
    "text, bucket, prefix, expected",
    [
        ("oss://b/k", None, "", ("b", "k")),
        ("oss://b", "x", "y/", ("b", "")),
        ("oss://b/", None, "", ("b", "")),
        ("oss://", "b", "p/", (None, "")),
        ("oss://b/a/../c", None, "", ("b", "a/../c")),  # oss:// keys are literal
        ("/b/k", "x", "y/", ("b", "k")),
        ("/b/d/", "x", "", ("b", "d/")),
        ("/", "b", "p/", (None, "")),
        ("k", "b", "dir/", ("b", "dir/k")),
        ("sub/", "b", "dir/", ("b", "dir/sub/")),
        ("..", "b", "dir/", ("b", "")),
        ("..", "b", "", (None, "")),
        ("../..", "b", "a/", (None, "")),
        ("../other/", "b", "dir/", ("b", "other/")),
        (".", "b", "dir/", ("b", "dir/")),
        ("", "b", "dir/", ("b", "dir/")),
        ("", None, "", (None, "")),
        ("photos", None, "", ("photos", "")),  # at the root a name is a bucket
        ("photos/2024/x.jpg", None, "", ("photos", "2024/x.jpg")),
        ("./a//b", "b", "", ("b", "a/b")),
        ("dir/..", "b", "", ("b", "")),
        ("中文/文件.txt", "b", "", ("b", "中文/文件.txt")),
    ],
)
def test_resolve(text, bucket, prefix, expected):
    got = resolve(text, bucket, prefix)
    assert (got.bucket, got.key) == expected


def test_remote_path_properties():
    p = RemotePath("b", "a/b/c.txt")
    assert p.name == "c.txt" and not p.is_prefix and p.uri() == "oss://b/a/b/c.txt"
    assert p.parent == RemotePath("b", "a/b/")
    assert RemotePath("b", "a/b/").name == "b/"
    assert RemotePath("b", "a/").parent == RemotePath("b", "")
    assert RemotePath("b").parent == RemotePath()
    assert RemotePath("b", "x").as_prefix() == RemotePath("b", "x/")
    assert RemotePath("b", "x/").child("y") == RemotePath("b", "x/y")
    assert RemotePath().uri() == "oss://" and RemotePath().is_root


def test_globs():
    assert split_glob(RemotePath("b", "logs/2024-*.gz")) == (RemotePath("b", "logs/"), "2024-*.gz")
    assert split_glob(RemotePath("b", "*.txt")) == (RemotePath("b", ""), "*.txt")
    assert split_glob(RemotePath("b", "lo[*]s/x*")) == (RemotePath("b", "lo*s/"), "x*")  # an escaped * is literal
    with pytest.raises(PathError):
        split_glob(RemotePath("b", "lo*/x.txt"))
    assert glob_match("a.txt", "*.txt") and glob_match("dir/", "d?r") and not glob_match("a.txt", "*.gz")
    assert glob_match("f3", "f[0-9]") and not glob_match("A.TXT", "*.txt")
    assert literal_head("2024-*.gz") == "2024-" and literal_head("x[12]") == "x" and literal_head("abc") == "abc"
    assert literal_head("lit[*]st?r") == "lit*st" and literal_head("a[[]b[?]") == "a[b?"


def test_bucket_names_and_local_paths(tmp_path, monkeypatch):
    assert bucket_name("oss://b/") == "b" and bucket_name("b") == "b"
    with pytest.raises(PathError):
        bucket_name("oss://b/k")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert local_path("~/x", "/elsewhere") == os.path.join(str(tmp_path), "x")
    assert local_path("a/../b", "/base") == "/base/b"
    assert local_path("/abs", "/base") == "/abs"


def test_split_words_and_commands():
    assert split_commands('put \'my file.txt\' "a \\"b\\"" c\\ d') == [["put", "my file.txt", 'a "b"', "c d"]]
    assert split_commands("cd oss://b; ls -l ;pwd") == [["cd", "oss://b"], ["ls", "-l"], ["pwd"]]
    assert split_commands("ls 'a;b' # comment") == [["ls", "a;b"]]
    assert split_commands("   # only a comment") == []
    assert split_commands("ls a#b") == [["ls", "a#b"]]
    assert split_commands("get ''") == [["get", ""]]
    with pytest.raises(QuoteError):
        split_commands("ls 'open")
    with pytest.raises(QuoteError):
        split_commands("ls trailing\\")


def test_split_partial_for_completion():
    s = split("ls 'my fi")
    word = s.commands[-1][-1]
    assert (word.value, word.start, word.quote, s.trailing_space) == ("my fi", 3, "'", False)
    assert split("ls ").trailing_space and split("ls x").commands[-1][-1].start == 3


@pytest.mark.parametrize(
    "word", ["plain", "with space", "it's", 'say "hi"', "中文 键", "$HOME", "a;b", "", "#x", "back\\slash"]
)
def test_quote_round_trips(word):
    assert split_commands(f"cmd {quote(word)}") == [["cmd", word]]
    assert split_commands(join(["cmd", word, "z"])) == [["cmd", word, "z"]]
