"""Local writes never leave the destination: a symlink inside it that leads elsewhere carries no download
out (get -r, downloadtodir, glob get, sync), and a symlink a download would land on is left as it is.

The keys are stored in the real embedded server and fetched through the shell, in process.
"""

import pytest

from ossh.client.sync import HashCache, LocalDir, OssPrefix, Syncer, SyncOptions
from tests.shell.conftest import Shell


@pytest.fixture
def box(tmp_path):
    """dest/ with link -> outside/ (a directory elsewhere), file-link -> outside/keep.txt, and alias -> real/
    (a symlink that stays inside dest, which is fine)."""
    outside, dest = tmp_path / "outside", tmp_path / "dest"
    outside.mkdir()
    (dest / "real").mkdir(parents=True)
    (dest / "alias").symlink_to(dest / "real", target_is_directory=True)
    (outside / "keep.txt").write_bytes(b"mine")
    (dest / "link").symlink_to(outside, target_is_directory=True)
    (dest / "file-link").symlink_to(outside / "keep.txt")
    return dest, outside


def untouched(dest, outside) -> None:
    assert sorted(p.name for p in outside.iterdir()) == ["keep.txt"]
    assert (outside / "keep.txt").read_bytes() == b"mine"
    assert (dest / "link").is_symlink() and (dest / "file-link").is_symlink()


@pytest.fixture
def planted(client, bucket):
    for key in ("p/alias/x", "p/link/planted.txt", "p/link/deep/x", "p/file-link", "p/ok.txt"):
        client.put_object(bucket, key, b"evil")
    return bucket


@pytest.mark.parametrize("line", ["get -r oss://{b}/p/ {dest}", "downloadtodir oss://{b}/p/ {dest}"])
def test_a_tree_download_never_goes_through_a_symlink_in_dest(client, planted, box, tmp_path, line):
    dest, outside = box
    ok, out, err = Shell(client, tmp_path)(line.format(b=planted, dest=dest))
    assert not ok and "3 keys skipped (listed above)" in err
    assert f"skip: oss://{planted}/p/link/planted.txt: {dest}/link is a symlink that leads outside {dest}" in out
    assert f"skip: oss://{planted}/p/file-link: {dest}/file-link is a symlink; not replaced" in out
    assert (dest / "ok.txt").read_bytes() == b"evil"  # the rest still came
    assert [p.name for p in (dest / "real").iterdir()] == ["x"]  # through alias, no temporary file left
    untouched(dest, outside)


def test_a_glob_whose_prefix_meets_a_symlink_in_dest(client, planted, box, tmp_path):
    dest, outside = box
    ok, out, err = Shell(client, tmp_path)(f"cd oss://{planted}/p/; get -r * {dest}/")
    assert not ok and "skipped (listed above)" in err
    assert "p/link/deep/x" in out and (dest / "ok.txt").read_bytes() == b"evil"
    untouched(dest, outside)


def test_several_sources_into_dest_leave_a_symlink_there_alone(client, planted, box, tmp_path):
    dest, outside = box
    ok, out, err = Shell(client, tmp_path)(f"get oss://{planted}/p/file-link oss://{planted}/p/ok.txt {dest}/")
    assert not ok and "1 key skipped" in err and (dest / "ok.txt").read_bytes() == b"evil"
    untouched(dest, outside)


def test_sync_leaves_a_symlink_it_would_land_on(client, planted, box, tmp_path):
    dest, outside = box
    syncer = Syncer(client, OssPrefix(planted, "p/"), LocalDir(str(dest)), SyncOptions(), HashCache(tmp_path / "c"))
    actions = list(syncer.run())
    failed = {a.src: a.reason for a in actions if a.kind == "failed"}
    assert failed[f"oss://{planted}/p/file-link"] == f"{dest}/file-link is a symlink; not replaced"
    assert f"oss://{planted}/p/link/planted.txt" in failed
    assert (dest / "ok.txt").read_bytes() == b"evil"
    untouched(dest, outside)


def test_names_as_long_as_a_file_system_takes_arrive_whole(client, bucket, tmp_path):
    """A name of 255 bytes is a file name: its temporary file beside it must fit the file system too."""
    keys = ["p/" + "L" * 255, "p/" + "é" * 127, "p/zz"]
    for key in keys:
        client.put_object(bucket, key, key.encode())
    dest = tmp_path / "dest"
    ok, out, err = Shell(client, tmp_path)(f"get -r oss://{bucket}/p/ {dest}")
    assert ok, err
    assert sorted(p.name for p in dest.iterdir()) == sorted(k[2:] for k in keys)
    assert all((dest / k[2:]).read_bytes() == k.encode() for k in keys)


def test_a_key_named_as_a_temporary_file_is_skipped(client, bucket, tmp_path):
    """A download sweeps leftover temporary files beside its target: a key named as one would be swept."""
    bait = "p/.a.0123abcd.ossh-part"
    for key in (bait, "p/a"):
        client.put_object(bucket, key, b"data")
    dest = tmp_path / "dest"
    ok, out, err = Shell(client, tmp_path)(f"get -r oss://{bucket}/p/ {dest}")
    assert not ok and "1 key skipped" in err
    assert f"skip: oss://{bucket}/{bait}: the key cannot be a local file name: it is named as " in out
    assert sorted(p.name for p in dest.iterdir()) == ["a"]
