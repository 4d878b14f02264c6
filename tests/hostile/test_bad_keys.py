"""One bad key does not sink the rest: `get -r` skips each key that cannot be a local name (a line naming
it, escaped), downloads the others and fails at the end; sources that would land on one name are refused
before anything moves (get, glob get, put).

The keys are stored in the real embedded server, which takes all of them.
"""

import pytest

from tests.shell.conftest import Shell

BAD = {
    "p/a/../../x": "holds a '..' path component",
    "p/nul\x00key": "holds a NUL character",
    "p/esc\x1b]0;t\x07/../y": "holds a '..' path component",
    "p/marker-with-bytes/": "ends in / (a directory marker, not a file)",
    "p/f/g": "exists and is not a directory",  # after the file p/f
    "p/./dot": "holds a '.' path component",
    "p/empty//part": "holds an empty path component (//)",
    "p/" + "n" * 256: "has a name longer than 255 bytes",
}
GOOD = {"p/0-first": b"1", "p/f": b"file", "p/sub/": b"", "p/zz-last": b"2"}


@pytest.fixture
def bad_bucket(client, bucket):
    for key in BAD:
        client.put_object(bucket, key, b"bad")
    for key, body in GOOD.items():
        client.put_object(bucket, key, body)
    return bucket


@pytest.mark.parametrize("verb", ["get -r", "downloadtodir"])
def test_every_bad_key_is_skipped_and_named_the_rest_arrive(client, bad_bucket, tmp_path, verb):
    dest = tmp_path / "dest"
    ok, out, err = Shell(client, tmp_path)(f"{verb} oss://{bad_bucket}/p/ {dest}")
    assert not ok and err == f"ossh: get: {len(BAD)} keys skipped (listed above)\n"
    skips = [line for line in out.splitlines() if line.startswith("skip: ")]
    assert len(skips) == len(BAD)
    for key, why in BAD.items():
        shown = key.replace("\x00", "\\x00").replace("\x1b", "\\x1b").replace("\x07", "\\x07")
        assert any(line.startswith(f"skip: oss://{bad_bucket}/{shown}: ") and why in line for line in skips), key
    assert "\x00" not in out and "\x1b" not in out
    assert (dest / "0-first").read_bytes() == b"1" and (dest / "zz-last").read_bytes() == b"2"
    assert (dest / "f").read_bytes() == b"file" and (dest / "sub").is_dir()
    assert {p.name for p in tmp_path.iterdir()} == {"dest"}  # nothing landed beside it


def test_two_sources_with_one_name_are_refused_before_anything_moves(client, bucket, tmp_path):
    for key in ("a/same.txt", "b/same.txt"):
        client.put_object(bucket, key, key.encode())
    sh = Shell(client, tmp_path)
    err = sh.fails(f"get oss://{bucket}/a/same.txt oss://{bucket}/b/same.txt {tmp_path}/dir/")
    assert f"will not overwrite just-created {tmp_path}/dir/same.txt with oss://{bucket}/b/same.txt" in err
    assert not (tmp_path / "dir").exists()
    err = sh.fails(f"cd oss://{bucket}/; get a/* b/* {tmp_path}/dir/")  # glob sources
    assert "will not overwrite just-created" in err and not (tmp_path / "dir").exists()
    client.put_object(bucket, "c/same.txt/inner", b"")  # a prefix by the same name: a file against a directory
    err = sh.fails(f"get -r oss://{bucket}/a/same.txt oss://{bucket}/c/same.txt/ {tmp_path}/dir/")
    assert "will not overwrite just-created" in err and not (tmp_path / "dir").exists()


def test_put_of_two_files_with_one_name_is_refused(client, bucket, tmp_path):
    for d in ("x", "y", "other/x"):
        (tmp_path / d).mkdir(parents=True)
        (tmp_path / d / "a").write_bytes(d.encode())
    sh = Shell(client, tmp_path)
    err = sh.fails(f"put x/a y/a oss://{bucket}/dir/")
    assert f"will not overwrite just-created oss://{bucket}/dir/a with y/a" in err.replace(str(tmp_path) + "/", "")
    assert "will not overwrite just-created" in sh.fails(f"put */a oss://{bucket}/dir/")
    assert "will not overwrite just-created" in sh.fails(f"put -r x other/x oss://{bucket}/dir/")
    assert list(client.iter_objects(bucket)) == []


@pytest.fixture
def one_gone(evil):
    """A listing of p/k0, p/k1, p/k2 whose p/k1 answers its GET with an error about that one object."""
    from .evil import BUCKET

    def make(status, code):
        def answer(a):
            if "list-type" in a.seen.path:
                entries = "".join(f"<Contents><Key>p/k{i}</Key><Size>1</Size></Contents>" for i in range(3))
                a.xml(
                    f"<ListBucketResult><Name>{BUCKET}</Name><IsTruncated>false</IsTruncated>{entries}"
                    "</ListBucketResult>".encode()
                )
            elif a.seen.path.split("?")[0].endswith("/k1"):
                a.error(status, code, "about this object")
            else:
                a.send(200, b"x", {"ETag": '"e"'})

        evil.answer = answer
        return evil

    return make


@pytest.mark.parametrize("status, code", [(404, "NoSuchKey"), (403, "AccessDenied"), (403, "InvalidObjectState")])
@pytest.mark.parametrize("verb", ["get -r", "downloadtodir"])
def test_an_object_that_cannot_be_read_is_skipped_the_rest_arrive(one_gone, tmp_path, status, code, verb):
    """A key gone since the listing, not readable or archived concerns that key alone."""
    from .evil import run_ossh

    evil = one_gone(status, code)
    run = run_ossh([*verb.split(), "oss://bkt/p/", str(tmp_path / "d")], evil.endpoint, tmp_path)
    assert run.returncode == 1 and run.stderr == "ossh: get: 1 key skipped (listed above)\n", run
    assert f"skip: oss://bkt/p/k1: about this object ({code}, request " in run.stdout
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["k0", "k2"]


def test_a_failure_about_the_bucket_still_ends_the_download(one_gone, tmp_path):
    from .evil import run_ossh

    evil = one_gone(404, "NoSuchBucket")
    run = run_ossh(["get", "-r", "oss://bkt/p/", str(tmp_path / "d")], evil.endpoint, tmp_path)
    assert run.returncode == 1 and "NoSuchBucket" in run.stderr and "skip:" not in run.stdout
    assert sorted(p.name for p in (tmp_path / "d").iterdir()) == ["k0"]
