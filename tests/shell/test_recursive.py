"""The one rule of recursive copies (put -r, get -r, cp -r, mv -r, uploadfromdir, downloadtodir): a single
directory or prefix given with an explicit destination has its contents put under it; with no destination,
or with several sources or a glob, each directory keeps its name. Each test checks the exact set of keys
or local files afterwards."""

from pathlib import Path

import pytest


def keys(client, bucket, prefix=""):
    """The object keys under prefix, directory markers (keys ending in /) left out."""
    return {s.key for s in client.iter_objects(bucket, prefix=prefix) if not s.key.endswith("/")}


def enter(sh, client, bucket, prefix):
    """cd into a prefix that holds nothing yet (a directory marker makes it exist)."""
    client.put_object(bucket, prefix, b"")
    sh.ok(f"cd oss://{bucket}/{prefix}")


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def pictures(tmp_path):
    """tmp_path/2024 with two files and a subdirectory, and a second directory tmp_path/2023."""
    for rel in ("2024/beach.jpg", "2024/sub/dog.jpg", "2023/snow.jpg"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(rel.encode())
    return tmp_path


def test_put_without_destination_keeps_the_directory_name(sh, client, bucket, pictures):
    enter(sh, client, bucket, "here/")
    sh.ok("put -r 2024")
    assert keys(client, bucket) == {"here/2024/beach.jpg", "here/2024/sub/dog.jpg"}
    sh.ok("put -r 2023/")  # a trailing / on the source changes nothing
    assert keys(client, bucket, "here/2023/") == {"here/2023/snow.jpg"}


@pytest.mark.parametrize(
    "command",
    [
        "put -r 2024 2024/",
        "put -r 2024/ 2024",
        "put -r 2024 oss://{b}/2024/",
        "uploadfromdir 2024 oss://{b}/2024/",
        "upload -r 2024/ /{b}/2024/",
    ],
)
def test_put_with_destination_puts_the_contents_under_it(sh, client, bucket, pictures, command):
    sh.ok(f"cd oss://{bucket}")
    sh.ok(command.format(b=bucket))
    assert keys(client, bucket) == {"2024/beach.jpg", "2024/sub/dog.jpg"}
    sh.ok(command.format(b=bucket))  # again, now that 2024/ exists: the same keys, no 2024/2024/
    assert keys(client, bucket) == {"2024/beach.jpg", "2024/sub/dog.jpg"}


def test_put_into_the_current_prefix_and_several_sources(sh, client, bucket, pictures):
    enter(sh, client, bucket, "here/")
    sh.ok("put -r 2024 .")  # `.` is an explicit destination: the contents land here
    assert keys(client, bucket) == {"here/beach.jpg", "here/sub/dog.jpg"}
    sh.ok(f"put -r 2024 2023 oss://{bucket}/both/")  # several directories: each keeps its name
    assert keys(client, bucket, "both/") == {"both/2024/beach.jpg", "both/2024/sub/dog.jpg", "both/2023/snow.jpg"}
    sh.ok("uploadfromdir 2023")  # osscmd's name, no destination: as put -r
    assert keys(client, bucket, "here/2023/") == {"here/2023/snow.jpg"}


def _remote_tree(client, bucket):
    for key in ("up/beach.jpg", "up/sub/dog.jpg", "up2/snow.jpg"):
        client.put_object(bucket, key, key.encode())


def test_get_without_destination_keeps_the_prefix_name(sh, client, bucket, tmp_path):
    _remote_tree(client, bucket)
    sh.ok(f"cd oss://{bucket}")
    sh.ok("get -r up/")
    assert files(tmp_path) == {"up/beach.jpg", "up/sub/dog.jpg"}
    sh.ok("downloadtodir up2")  # osscmd's name; a prefix named without its /
    assert files(tmp_path / "up2") == {"snow.jpg"}
    (tmp_path / "up" / "beach.jpg").unlink()
    sh.ok("cd up/; get -r .")  # the current prefix keeps its name too
    assert (tmp_path / "up" / "beach.jpg").read_bytes() == b"up/beach.jpg"
    assert files(tmp_path) == {"up/beach.jpg", "up/sub/dog.jpg", "up2/snow.jpg"}


@pytest.mark.parametrize(
    "command",
    [
        "get -r up/ out",
        "get -r up out/",
        "get -r oss://{b}/up/ out",
        "downloadtodir oss://{b}/up/ out",
        "downloadallobject up out",
    ],
)
@pytest.mark.parametrize("exists", [False, True])
def test_get_with_destination_puts_the_contents_under_it(sh, client, bucket, tmp_path, command, exists):
    _remote_tree(client, bucket)
    if exists:
        (tmp_path / "out").mkdir()  # an existing directory changes nothing
    sh.ok(f"cd oss://{bucket}")
    sh.ok(command.format(b=bucket))
    assert files(tmp_path) == {"out/beach.jpg", "out/sub/dog.jpg"}
    sh.ok(command.format(b=bucket))  # again: the same files, no out/up/
    assert files(tmp_path) == {"out/beach.jpg", "out/sub/dog.jpg"}


def test_get_into_the_local_directory_and_several_sources(sh, client, bucket, tmp_path):
    _remote_tree(client, bucket)
    sh.ok(f"cd oss://{bucket}")
    sh.ok("get -r up/ .")  # `.` is an explicit destination: the contents land here
    assert files(tmp_path) == {"beach.jpg", "sub/dog.jpg"}
    sh.ok("get -r up/ up2/ both")  # several prefixes: each keeps its name
    sh.ok("get -r up* globbed")  # a glob: each match keeps its name
    for root in ("both", "globbed"):
        assert files(tmp_path / root) == {"up/beach.jpg", "up/sub/dog.jpg", "up2/snow.jpg"}


def test_get_into_a_file_fails_cleanly(sh, client, bucket, tmp_path):
    _remote_tree(client, bucket)
    (tmp_path / "plain").write_text("keep")
    err = sh.fails(f"get -r oss://{bucket}/up/ plain")
    assert "plain" in err and (tmp_path / "plain").read_text() == "keep"


def test_cp_and_mv_follow_the_same_rule(sh, client, bucket, tmp_path):
    _remote_tree(client, bucket)
    other = f"{bucket}-other"
    client.create_bucket(other)
    sh.ok(f"cd oss://{bucket}")
    sh.ok("cp -r up/ copy/")
    assert keys(client, bucket, "copy/") == {"copy/beach.jpg", "copy/sub/dog.jpg"}
    sh.ok("cp -r up copy")  # again, without the slashes: the same keys
    assert keys(client, bucket, "copy/") == {"copy/beach.jpg", "copy/sub/dog.jpg"}
    sh.ok(f"cp -r up/ oss://{other}/")  # a bucket's root as destination
    assert keys(client, other) == {"beach.jpg", "sub/dog.jpg"}
    enter(sh, client, other, "in/")
    sh.ok(f"cp -r oss://{bucket}/up2/")  # no destination: the prefix keeps its name here
    sh.ok(f"cp -r oss://{bucket}/up* glob/")
    assert keys(client, other, "in/") == {
        "in/up2/snow.jpg",
        "in/glob/up/beach.jpg",
        "in/glob/up/sub/dog.jpg",
        "in/glob/up2/snow.jpg",
    }
    sh.ok(f"cd oss://{bucket}")
    sh.ok("mv -r copy/ moved/")
    assert keys(client, bucket, "mo") == {"moved/beach.jpg", "moved/sub/dog.jpg"}
    assert keys(client, bucket, "copy/") == set()
    enter(sh, client, bucket, "back/")
    sh.ok(f"mv -r oss://{bucket}/moved")  # no destination: moved/ keeps its name here
    assert keys(client, bucket, "back/") == {"back/moved/beach.jpg", "back/moved/sub/dog.jpg"}
    assert keys(client, bucket, "moved/") == set()
    sh.ok(f"cd oss://{bucket}")
    err = sh.fails("cp -r up/ up/inner/")  # would copy its own copies, forever
    assert "into itself" in err and keys(client, bucket, "up/") == {"up/beach.jpg", "up/sub/dog.jpg"}
    assert "same" in sh.fails("cp up/beach.jpg up/")
