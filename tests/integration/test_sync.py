"""The sync engine against the embedded server: both directions and OSS to OSS, the content rule, the
hash cache, dry runs, --delete, filters, awkward and hostile names, failures and resumption."""

import builtins
import os
from pathlib import Path

import pytest

from ossh.client.sync import HashCache, LocalDir, OssPrefix, Syncer, SyncOptions, location
from ossh.client.sync.walk import Filters, walk_local

FILES = {
    "a.txt": b"alpha",
    "b/c.txt": b"gamma!",
    "b/d/e.bin": os.urandom(3000),
    "with space/é ü.txt": b"unicode",
    "z": b"",
}


def write_tree(root: Path, files: dict) -> None:
    for rel, body in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)


def local_tree(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def remote_tree(client, bucket, prefix) -> dict:
    return {s.key[len(prefix) :]: client.get_object(bucket, s.key).read() for s in client.iter_objects(bucket, prefix)}


def run(client, src, dst, cache=None, **options):
    syncer = Syncer(client, src, dst, SyncOptions(**options), cache)
    actions = [a for a in syncer.run()]
    return syncer.summary, actions


def kinds(actions, kind):
    return sorted(a.src or a.dst for a in actions if a.kind == kind)


@pytest.fixture
def cache(tmp_path):
    return lambda: HashCache(tmp_path / "cache" / "hashes.sqlite")


def test_up_down_and_oss_to_oss_make_identical_trees(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    write_tree(src, FILES)
    summary, actions = run(client, location(str(src)), location(f"oss://{bucket}/p"), cache())
    assert summary.transferred == len(FILES) and summary.ok and remote_tree(client, bucket, "p/") == FILES
    assert {a.reason for a in actions if a.kind == "upload"} == {"new"}

    summary, _ = run(client, OssPrefix(bucket, "p/"), OssPrefix(bucket, "q/"), cache())
    assert summary.verb == "copy" and summary.transferred == len(FILES)
    assert remote_tree(client, bucket, "q/") == FILES

    dst = tmp_path / "dst"
    summary, _ = run(client, OssPrefix(bucket, "q/"), LocalDir(str(dst)), cache())
    assert summary.verb == "download" and summary.transferred == len(FILES) and local_tree(dst) == FILES
    for rerun in (
        (LocalDir(str(src)), OssPrefix(bucket, "p/")),
        (OssPrefix(bucket, "p/"), OssPrefix(bucket, "q/")),
        (OssPrefix(bucket, "q/"), LocalDir(str(dst))),
    ):
        summary, _ = run(client, *rerun, cache())
        assert (summary.transferred, summary.unchanged) == (0, len(FILES)), rerun
        assert (summary.hashed_files, summary.heads) == (0, 0), rerun  # what was sent or fetched is known


def test_local_walk_is_in_oss_key_order(tmp_path):
    names = ["a-b", "a/x", "a.txt", "a0", "B", "é", "z/ü", "z!", "a b"]
    write_tree(tmp_path, {n: b"x" for n in names})
    walked = [f.rel for f in walk_local(str(tmp_path), Filters()) if hasattr(f, "rel")]
    assert walked == sorted(names, key=lambda n: n.encode("utf-8"))


def test_same_size_same_mtime_edit_is_caught_and_a_touch_is_not(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    write_tree(src, FILES)
    run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    edited = src / "b" / "c.txt"
    st = edited.stat()
    edited.write_bytes(b"GAMMA!")  # same size
    os.utime(edited, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime
    for f in src.rglob("*"):  # and every other file touched, content kept
        if f.is_file() and f != edited:
            os.utime(f, (1e9, 1e9))
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    assert [(a.dst, a.reason) for a in actions if a.kind == "upload"] == [(f"oss://{bucket}/p/b/c.txt", "content")]
    assert summary.unchanged == len(FILES) - 1
    assert client.get_object(bucket, "p/b/c.txt").read() == b"GAMMA!"
    # the size-only rule misses that edit; --update sees the touched files as newer
    edited.write_bytes(b"gamma?")
    assert run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), rule="size-only")[0].transferred == 0
    os.utime(edited, (4e9, 4e9))
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), rule="update")
    assert [(a.dst, a.reason) for a in actions if a.kind == "upload"] == [(f"oss://{bucket}/p/b/c.txt", "newer")]


def test_download_sets_the_objects_time_and_the_cheap_rules_use_it(client, bucket, tmp_path, cache):
    client.put_object(bucket, "p/a", b"one")
    dst = tmp_path / "dst"
    run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache())
    modified = client.head_object(bucket, "p/a").last_modified.timestamp()
    assert (dst / "a").stat().st_mtime == int(modified)  # as aws s3 sync does
    client.put_object(bucket, "p/a", b"two")  # same size, later
    os.utime(dst / "a", (1e9, 1e9))  # (as if the first copy were old)
    assert run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache(), rule="size-only")[0].transferred == 0
    summary, actions = run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache(), rule="update")
    assert [a.reason for a in actions if a.kind == "download"] == ["newer"] and (dst / "a").read_bytes() == b"two"
    os.utime(dst / "a", (4e9, 4e9))  # a local copy newer than the object wins
    client.put_object(bucket, "p/a", b"three")
    assert run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache(), rule="update")[0].transferred == 0
    assert (dst / "a").read_bytes() == b"two"


def test_multipart_objects_are_compared_by_crc64_from_parallel_heads(client, bucket, tmp_path, cache):
    """A multipart object's ETag is no MD5: the same-size decision takes its CRC-64 from a HEAD."""
    src = tmp_path / "src"
    write_tree(src, {"one": os.urandom(300_000), "two": os.urandom(300_000)})
    for name in ("one", "two"):
        client.upload_file(bucket, f"p/{name}", src / name, threshold=0, part_size=100 * 1024)
    assert "-" in client.head_object(bucket, "p/one").etag
    summary, _ = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    assert (summary.unchanged, summary.heads, summary.transferred) == (2, 2, 0)
    body = bytearray((src / "two").read_bytes())
    body[5] ^= 1
    (src / "two").write_bytes(bytes(body))
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    assert [a.reason for a in actions if a.kind == "upload"] == ["content"] and summary.unchanged == 1
    assert client.get_object(bucket, "p/two").read() == bytes(body)


def test_the_hash_cache_spares_every_read_of_an_unchanged_tree(client, bucket, tmp_path, cache, monkeypatch):
    src = tmp_path / "src"
    write_tree(src, FILES)
    for rel, body in FILES.items():  # uploaded by someone else: this machine has hashed nothing yet
        client.put_object(bucket, "p/" + rel, body)
    opened = []
    real_open = builtins.open

    def counting_open(file, *args, **kwargs):
        if str(file).startswith(str(src)):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    summary, _ = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    same_size = len(FILES)
    assert summary.unchanged == same_size and summary.hashed_files == same_size == len(opened)
    opened.clear()
    summary, _ = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    assert summary.unchanged == len(FILES) and summary.hashed_files == 0 and opened == [] and summary.heads == 0
    summary, _ = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), rule="checksum")
    assert summary.hashed_files == len(FILES) == len(opened)


def test_the_hash_cache_file_is_private(tmp_path):
    HashCache(tmp_path / "c" / "ossh" / "h.sqlite").close()
    assert (tmp_path / "c" / "ossh").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "c" / "ossh" / "h.sqlite").stat().st_mode & 0o777 == 0o600


def test_dry_run_changes_nothing_and_says_everything(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    write_tree(src, FILES)
    client.put_object(bucket, "p/a.txt", b"other")
    client.put_object(bucket, "p/gone.txt", b"extra")
    before = remote_tree(client, bucket, "p/")
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), delete=True, dry_run=True)
    assert remote_tree(client, bucket, "p/") == before
    assert len(kinds(actions, "upload")) == len(FILES) and kinds(actions, "delete") == [f"oss://{bucket}/p/gone.txt"]
    assert summary.dry_run and summary.transferred == len(FILES) and summary.deleted == 1
    dst = tmp_path / "dst"
    summary, actions = run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache(), dry_run=True)
    assert not dst.exists() and len(kinds(actions, "download")) == 2


def test_delete_both_ways_keeps_what_filters_leave_out(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    write_tree(src, {"keep.txt": b"k"})
    for key in ("p/keep.txt", "p/extra.txt", "p/sub/extra2.txt", "p/kept.log"):
        client.put_object(bucket, key, b"x")
    summary, actions = run(
        client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), delete=True, filters=[("exclude", "*.log")]
    )
    assert kinds(actions, "delete") == [f"oss://{bucket}/p/extra.txt", f"oss://{bucket}/p/sub/extra2.txt"]
    assert sorted(s.key for s in client.iter_objects(bucket, "p/")) == ["p/keep.txt", "p/kept.log"]
    assert summary.deleted == 2

    dst = tmp_path / "dst"
    write_tree(dst, {"keep.txt": b"k", "old/stale.txt": b"s", "notes.log": b"n"})
    summary, actions = run(
        client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache(), delete=True, filters=[("exclude", "*.log")]
    )
    assert local_tree(dst) == {"keep.txt": b"k", "notes.log": b"n"} and summary.deleted == 1
    assert not (dst / "old").exists()  # emptied by the deletion, so removed as rsync does


def test_include_exclude_later_rule_wins_and_exclude_dir(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    write_tree(src, {"a.txt": b"1", "b.jpg": b"2", "d/c.txt": b"3", ".git/config": b"4", "x/.git/h.txt": b"5"})
    only_txt = [("exclude", "*"), ("include", "*.txt")]
    _, actions = run(
        client,
        LocalDir(str(src)),
        OssPrefix(bucket, "t1/"),
        cache(),
        filters=only_txt,
        exclude_dirs=[".git"],
        dry_run=True,
    )
    assert kinds(actions, "upload") == [str(src / "a.txt"), str(src / "d" / "c.txt")]
    _, actions = run(
        client, LocalDir(str(src)), OssPrefix(bucket, "t1/"), cache(), filters=only_txt[::-1], dry_run=True
    )
    assert kinds(actions, "upload") == []
    assert Filters([("exclude", "d/*"), ("include", "d/c.txt")]).included("d/c.txt")
    assert not Filters([("include", "d/c.txt"), ("exclude", "d/*")]).included("d/c.txt")
    assert not Filters(exclude_dirs=["build/cache"]).key_included("build/cache/x/y")


HOSTILE = ["p/a/../b", "p/../escape", "p/..", "p//abs", "p/dir/", "p/" + "n" * 300, "p/x/./y"]


def test_hostile_keys_are_reported_and_nothing_lands_outside(client, bucket, tmp_path, cache):
    for key in HOSTILE + ["p/ok.txt"]:
        client.put_object(bucket, key, b"" if key.endswith("/") else b"evil")
    outside = tmp_path / "outside"
    outside.mkdir()
    dst = tmp_path / "box" / "dst"
    dst.mkdir(parents=True)
    (dst / "link").symlink_to(outside, target_is_directory=True)  # a symlink in DST leading out of it
    client.put_object(bucket, "p/link/planted.txt", b"evil")
    summary, actions = run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache())
    skipped = kinds(actions, "skip")
    assert len(skipped) == len(HOSTILE) - 1 and summary.skipped == len(HOSTILE) - 1
    assert kinds(actions, "note") == [f"oss://{bucket}/p/dir/"]
    assert [a.src for a in actions if a.kind == "failed"] == [f"oss://{bucket}/p/link/planted.txt"]
    assert not summary.ok
    assert (dst / "ok.txt").read_bytes() == b"evil"
    assert list(outside.iterdir()) == []
    everything = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")}
    assert {e for e in everything if not e.startswith(("cache", "box/dst"))} == {"outside", "box"}


def test_delete_never_reaches_through_a_symlink_in_dst(client, bucket, tmp_path, cache):
    outside = tmp_path / "precious"
    write_tree(outside, {"keep.txt": b"mine"})
    dst = tmp_path / "dst"
    write_tree(dst, {"stale.txt": b"s"})
    (dst / "link").symlink_to(outside, target_is_directory=True)
    (dst / "file-link").symlink_to(outside / "keep.txt")
    client.put_object(bucket, "p/new.txt", b"n")
    summary, actions = run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache(), delete=True)
    assert kinds(actions, "delete") == [str(dst / "stale.txt")] and summary.ok
    assert local_tree(outside) == {"keep.txt": b"mine"} and (dst / "link").is_symlink()


def test_one_failing_file_does_not_stop_the_rest(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    deep = "/".join(["d" * 200] * 6) + "/too-long-for-a-key"  # over OSS's 1,023-byte key limit
    write_tree(src, {"a.txt": b"a", deep: b"x", "z.txt": b"z"})
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    assert summary.failed == 1 and summary.transferred == 2 and not summary.ok
    assert [a.op for a in actions if a.kind == "failed"] == ["upload"]
    dst = tmp_path / "dst"
    (dst / "a.txt").mkdir(parents=True)  # a directory where a file must go
    summary, actions = run(client, OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache())
    assert summary.failed == 1 and (dst / "z.txt").read_bytes() == b"z"


def test_interrupted_sync_continues_where_it_stopped(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    files = {f"f{i:03}": os.urandom(100) for i in range(60)}
    write_tree(src, files)
    syncer = Syncer(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), SyncOptions(jobs=2), cache())
    run_it = syncer.run()
    for _ in range(5):
        next(run_it)
    run_it.close()  # as Ctrl-C does: the pool stops, nothing half-written
    first = sum(1 for _ in client.iter_objects(bucket, "p/"))
    assert 5 <= first < len(files)
    summary, _ = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache())
    assert summary.transferred == len(files) - first and summary.unchanged == first
    assert remote_tree(client, bucket, "p/") == files


def test_an_interrupted_big_file_resumes_from_its_checkpoint(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    big = os.urandom(2 << 20)
    write_tree(src, {"big.bin": big})
    options = dict(multipart_threshold=256 * 1024, part_size=256 * 1024, checkpoint_dir=str(tmp_path / "ckpt"), jobs=1)
    seen = []

    def stop_halfway(done, total):
        seen.append(done)
        if done >= len(big) // 2:
            syncer.stop.set()

    syncer = Syncer(
        client, LocalDir(str(src)), OssPrefix(bucket, "p/"), SyncOptions(**options), cache(), progress=stop_halfway
    )
    assert [a.kind for a in syncer.run()] == []  # cancelled: neither done nor failed
    assert not list(client.iter_objects(bucket, "p/")) and os.listdir(tmp_path / "ckpt")
    parts = []
    upload_part = client.upload_part
    client.upload_part = lambda *args, **kwargs: parts.append(args[3]) or upload_part(*args, **kwargs)
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), **options)
    assert [a.kind for a in actions] == ["upload"]
    assert client.get_object(bucket, "p/big.bin").read() == big
    assert 0 < len(parts) <= 8 - 4 + 1  # only the parts still missing (about half of the 8)


def test_symlinks_followed_or_left_out_and_loops_and_empty_dirs_reported(client, bucket, tmp_path, cache):
    src = tmp_path / "src"
    write_tree(src, {"real/f.txt": b"f"})
    (src / "empty").mkdir()
    (src / "alias").symlink_to(src / "real", target_is_directory=True)
    (src / "real" / "up").symlink_to(src, target_is_directory=True)  # a loop
    (src / "link.txt").symlink_to(src / "real" / "f.txt")
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), dry_run=True)
    assert [a.dst.split("/p/")[1] for a in actions if a.kind == "upload"] == ["alias/f.txt", "link.txt", "real/f.txt"]
    assert kinds(actions, "skip") == [str(src / "alias" / "up"), str(src / "real" / "up")]
    assert [a.reason for a in actions if a.kind == "note"] == [
        "an empty directory, not created on OSS (it has no directories)"
    ]
    summary, actions = run(
        client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), dry_run=True, follow_symlinks=False
    )
    assert [a.dst.split("/p/")[1] for a in actions if a.kind == "upload"] == ["real/f.txt"]
    assert len(kinds(actions, "note")) == 4 and summary.ok  # 3 symlinks + the empty directory
    (src / "broken").symlink_to(tmp_path / "nowhere")
    client.put_object(bucket, "p/broken", b"keep me")
    client.put_object(bucket, "p/gone", b"delete me")
    summary, actions = run(client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), delete=True)
    assert [a.op for a in actions if a.kind == "failed"] == ["stat"] and summary.deleted == 0
    assert client.get_object(bucket, "p/broken").read() == b"keep me"  # a source not seen whole deletes nothing
    assert any(a.kind == "note" and a.reason.startswith("nothing deleted") for a in actions)
    (src / "broken").unlink()
    summary, actions = run(
        client, LocalDir(str(src)), OssPrefix(bucket, "p/"), cache(), delete=True, follow_symlinks=False
    )  # symlinks left out are not in SRC: their copies go
    assert summary.ok and kinds(actions, "delete") == [
        f"oss://{bucket}/p/{k}" for k in ("alias/f.txt", "broken", "gone", "link.txt")
    ]


class Tampered:
    """The real client, with its listings altered after they arrive from the real server."""

    def __init__(self, client, alter):
        self._client, self._alter = client, alter

    def __getattr__(self, name):
        return getattr(self._client, name)

    def iter_objects(self, *args, **kwargs):
        return self._alter(list(self._client.iter_objects(*args, **kwargs)))


def test_a_listing_out_of_order_or_cut_short_deletes_nothing(client, bucket, tmp_path, cache):
    from ossh.client.errors import TransportError

    for key in ("p/a", "p/b", "p/c", "p/d"):
        client.put_object(bucket, key, b"1")
    dst = tmp_path / "dst"
    write_tree(dst, {"a": b"1", "b": b"1", "c": b"1", "d": b"1", "e": b"1"})

    def swapped(items):
        items[1], items[2] = items[2], items[1]
        return iter(items)

    def cut(items):
        yield from items[:2]
        raise TransportError("connection reset")

    for alter in (swapped, cut):
        summary, actions = run(
            Tampered(client, alter), OssPrefix(bucket, "p/"), LocalDir(str(dst)), cache(), delete=True
        )
        assert [a.op for a in actions if a.kind == "failed"] == ["list"] and summary.deleted == 0
        assert sorted(os.listdir(dst)) == ["a", "b", "c", "d", "e"]


def test_oss_to_oss_delete_and_copy_across_buckets(client, bucket, tmp_path, cache):
    other = bucket + "-b"
    client.create_bucket(other)
    for key, body in (("src/x", b"1"), ("src/y/z", b"22")):
        client.put_object(bucket, key, body)
    client.put_object(other, "dst/old", b"3")
    client.put_object(other, "dst/x", b"9")
    summary, actions = run(client, OssPrefix(bucket, "src/"), OssPrefix(other, "dst/"), cache(), delete=True)
    assert remote_tree(client, other, "dst/") == {"x": b"1", "y/z": b"22"}
    assert (summary.transferred, summary.deleted) == (2, 1)
    assert sorted((a.dst, a.reason) for a in actions if a.kind == "copy") == [
        (f"oss://{other}/dst/x", "content"),
        (f"oss://{other}/dst/y/z", "new"),
    ]
