"""versioning, ls --versions, --version-id on get/cat/stat/rm/cp, revert, rm --all-versions and rmbucket -f in
a versioned bucket: batch runs of ossh against the test server."""

import json
import re

import pytest


def _batch(ossh, script: str, *flags):
    r = ossh(*flags, input=script)
    return r.returncode, r.stdout, r.stderr


def _versions(client, bucket, key=None):
    return [
        (v.key, v.version_id, v.delete_marker)
        for v in client.iter_object_versions(bucket)
        if key is None or v.key == key
    ]


def test_versioning_state(ossh, client, bucket):
    code, out, err = _batch(
        ossh,
        f"""versioning {bucket}
versioning {bucket} enabled
cd oss://{bucket}
versioning
versioning suspended
versioning oss://{bucket}
""",
    )
    assert code == 0, err
    assert out.splitlines() == [
        f"oss://{bucket}/  unversioned",
        f"oss://{bucket}/  versioning Enabled",
        f"oss://{bucket}/  Enabled",
        f"oss://{bucket}/  versioning Suspended",
        f"oss://{bucket}/  Suspended",
    ]
    for line, message, status in [
        (f"versioning {bucket} off", "the state is enabled or suspended", 2),
        ("versioning", "not inside a bucket", 2),
        ("versioning no-such-bucket-x enabled", "(NoSuchBucket, request ", 1),
    ]:
        code, out, err = _batch(ossh, line + "\n")
        assert code == status and message in err and err.count("\n") == 1, (line, err)
    code, out, err = _batch(ossh, f"versioning {bucket}\n", "--json")
    assert json.loads(out) == {"bucket": bucket, "versioning": "Suspended"}


def test_ls_versions_and_version_id_options(ossh, client, bucket, tmp_path):
    client.put_bucket_versioning(bucket, "Enabled")
    v1 = client.put_object(bucket, "doc.txt", b"first\n").version_id
    v2 = client.put_object(bucket, "doc.txt", b"second\n").version_id
    client.put_object(bucket, "dir/inner", b"x")
    marker = client.delete_object(bucket, "doc.txt").version_id
    code, out, err = _batch(
        ossh,
        f"""cd oss://{bucket}
ls -V
ls --versions -r dir/
cat --version-id {v1} doc.txt
get --version-id {v2} doc.txt got.txt
stat --version-id {v1} doc.txt
cp --version-id {v1} doc.txt restored.txt
-cat doc.txt
""",
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].split() == ["SIZE", "MODIFIED", "VERSION", "LATEST", "NAME"]
    assert [line.split()[-1] for line in lines[1:5]] == ["dir/", "marker)", "doc.txt", "doc.txt"]
    assert marker in lines[2] and "yes" in lines[2] and v2 in lines[3] and v1 in lines[4]
    assert "inner" in lines[6]
    assert "first\n" in out and (tmp_path / "got.txt").read_bytes() == b"second\n"
    assert re.search(rf"^Version-Id: +{v1}$", out, re.M)
    assert client.get_object(bucket, "restored.txt").read() == b"first\n"
    assert "(NoSuchKey, request " in err

    code, out, err = _batch(ossh, f"cd oss://{bucket}\nls -V dir\n")  # a prefix named without its /
    assert code == 0 and "inner" in out and "doc.txt" not in out, err
    code, out, err = _batch(ossh, f"cd oss://{bucket}\nls -V doc.txt\n", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["version_id"], r["delete_marker"], r["is_latest"]) for r in rows] == [
        (marker, True, True),
        (v2, False, False),
        (v1, False, False),
    ]
    assert rows[1]["size"] == 7

    for line, message in [
        (f"cat --version-id {v1} doc.txt restored.txt", "one version of one object"),
        (f"get -r --version-id {v1} doc.txt", "one version of one object"),
        (f"stat --version-id {v1} doc*", "not a pattern"),
        (f"rm --version-id {v1} dir/", "not a prefix"),
    ]:
        code, out, err = _batch(ossh, f"cd oss://{bucket}\n{line}\n")
        assert code == 2 and message in err, (line, err)
    code, out, err = _batch(ossh, f"cd oss://{bucket}\ncat --version-id nonsense doc.txt\n")
    assert code == 1 and "(InvalidArgument, request " in err


def test_put_says_which_version_it_made(ossh, client, bucket, tmp_path):
    client.put_bucket_versioning(bucket, "Enabled")
    (tmp_path / "small.txt").write_bytes(b"s")
    (tmp_path / "big.bin").write_bytes(b"b" * (300 << 10))
    code, out, err = _batch(ossh, f"cd oss://{bucket}\nput small.txt\nput --multipart big.bin\n", "--json")
    assert code == 0, err
    made = [json.loads(line)["version_id"] for line in out.splitlines()]
    listed = {v.key: v.version_id for v in client.iter_object_versions(bucket)}
    assert made == [listed["small.txt"], listed["big.bin"]]


def test_rm_version_and_revert(ossh, client, bucket):
    client.put_bucket_versioning(bucket, "Enabled")
    v1 = client.put_object(bucket, "k", b"one").version_id
    v2 = client.put_object(bucket, "k", b"two").version_id
    client.delete_object(bucket, "k")
    client.delete_object(bucket, "k")  # two markers stacked
    code, out, err = _batch(
        ossh,
        f"""cd oss://{bucket}
revert k
cat k
revert k HEAD~1
cat k
revert k {v2}
cat k
rm --version-id {v1} k
""",
    )
    assert code == 0, err
    assert "removed 2 delete markers; version " + v2 + " is current" in out
    assert out.count("onetwo") == 0 and "two" in out and "one" in out
    history = _versions(client, bucket, "k")
    assert [m for _, _, m in history] == [False, False, False]  # copies on top, v1 gone
    assert history[-1][1] == v2 and v1 not in [v for _, v, _ in history]
    assert client.get_object(bucket, "k").read() == b"two"
    for line, message, status in [
        ("revert k", "nothing to revert", 1),
        ("revert k HEAD~9", "HEAD~0 to HEAD~2", 1),
        ("revert missing", "no versions", 1),
        ("revert k/", "not a prefix", 2),
    ]:
        code, out, err = _batch(ossh, f"cd oss://{bucket}\n{line}\n")
        assert code == status and message in err and err.count("\n") == 1, (line, err)


def test_rm_all_versions_and_rmbucket(ossh, client, bucket):
    client.put_bucket_versioning(bucket, "Enabled")
    for key in ("a/1", "a/2", "b"):
        client.put_object(bucket, key, b"x")
        client.put_object(bucket, key, b"y")
    client.delete_object(bucket, "a/1")
    code, out, err = _batch(
        ossh,
        f"""cd oss://{bucket}
rm --all-versions b
rm -r --all-versions a/
""",
    )
    assert code == 0, err
    assert f"removed 2 versions of oss://{bucket}/b" in out
    assert f"removed 5 versions under oss://{bucket}/a/" in out
    assert _versions(client, bucket) == []
    code, out, err = _batch(ossh, f"cd oss://{bucket}\nrm --all-versions a/\n")
    assert code == 1 and "is a prefix (use -r)" in err

    client.put_object(bucket, "k", b"1")
    client.put_object(bucket, "k", b"2")
    client.delete_object(bucket, "k")
    code, out, err = _batch(ossh, f"rmbucket -f {bucket}\n")
    assert code == 0, err
    assert "removed 3 versions, aborted 0 uploads" in out
    assert bucket not in [b.name for b in client.iter_buckets()]


def test_deleting_versions_page_by_page_leaves_none(sh, client, bucket):
    from ossh.shell.commands.versions import delete_versions

    client.put_bucket_versioning(bucket, "Enabled")
    for key in ("a", "b", "c"):
        for n in range(4):
            client.put_object(bucket, key, b"%d" % n)
    # pages of 3 end inside a key's versions: the next page must not skip the rest of that key
    assert delete_versions(sh.ctx, bucket, "", page_size=3) == 12
    assert _versions(client, bucket) == []


class _NoListings:
    """Completion's listing source for lines that complete no remote path."""

    def children(self, bucket, prefix, level):
        raise AssertionError("no listing expected")

    buckets = upload_ids = children


@pytest.mark.parametrize(
    "line, expected",
    [
        ("ls --v", ["--versions"]),
        ("rm --a", ["--all-versions"]),
        ("cat --v", ["--version-id"]),
        ("versioning b ", ["enabled", "suspended"]),
        ("revert k ", ["HEAD~0", "HEAD~1"]),
    ],
)
def test_completion_knows_the_version_options(line, expected):
    from ossh.shell.completion import ListingCache, complete
    from ossh.shell.state import ShellState

    found = complete(line, ShellState("b"), ListingCache(_NoListings()))
    assert [s.text for s in found] == expected
