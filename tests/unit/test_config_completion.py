"""Completion of the bucket configuration and tag commands (pure: an in-memory listing source)."""

from ossh.shell.completion import Listing, ListingCache, complete
from ossh.shell.state import ShellState


class Lister:
    def children(self, bucket, prefix, level):
        return Listing([n for n in ["doc.txt", "dir/"] if (level + n).startswith(prefix)])

    def buckets(self):
        return Listing(["logs", "photos"])

    def upload_ids(self, bucket, key):
        return Listing([])


def texts(line, state):
    return [s.text for s in complete(line, state, ListingCache(Lister()))]


def test_bucket_subcommands_actions_and_tag():
    st = ShellState("photos")
    assert texts("buc", st) == ["bucket"]
    assert texts("bucket ", st) == [
        "cors",
        "encryption",
        "info",
        "lifecycle",
        "logging",
        "policy",
        "public-access-block",
        "referer",
        "request-payment",
        "stat",
        "website",
    ]
    assert texts("bucket cors ", ShellState()) == ["logs", "photos"]
    assert texts("bucket lifecycle photos ", st) == ["get", "set", "rm"]
    assert texts("tag --", st) == ["--rm"]
    assert texts("tag d", st) == ["dir/", "doc.txt"]
    assert texts("put --t", st) == ["--tag"]
    assert texts("cp --t", st) == ["--tag"]
