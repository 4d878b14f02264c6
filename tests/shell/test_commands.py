"""Every shell command in-process against the embedded server, checked through the client."""

import contextlib
import io
import json
import os
import urllib.request

import pytest


def _tree(client, bucket, keys):
    for k in keys:
        client.put_object(bucket, k, f"body of {k}".encode())


def test_navigation(sh, client, bucket):
    _tree(client, bucket, ["a.txt", "dir/b.txt", "dir/sub/c.txt"])
    assert sh.ok("pwd") == "oss://\n"
    sh.ok(f"cd {bucket}")
    assert sh.ok("pwd") == f"oss://{bucket}/\n"
    sh.ok("cd dir")  # no trailing slash needed
    assert sh.ok("pwd") == f"oss://{bucket}/dir/\n"
    assert sh.ctx.state.prompt() == f"oss://{bucket}/dir/>"
    sh.ok("cd sub/; cd ../..")
    assert sh.ok("pwd") == f"oss://{bucket}/\n"
    sh.ok(f"cd /{bucket}/dir/sub/; cd -")
    assert sh.ok("pwd") == f"oss://{bucket}/\n"
    sh.ok("cd -")
    assert sh.ok("pwd") == f"oss://{bucket}/dir/sub/\n"
    sh.ok("cd")
    assert sh.ok("pwd") == "oss://\n" and sh.ctx.state.prompt() == "oss://>"
    assert "no such prefix" in sh.fails(f"cd oss://{bucket}/nope/")
    missing = sh.fails("cd oss://no-such-bucket-here")
    assert missing.startswith("ossh: cd: ") and "(NoSuchBucket, request " in missing


def test_ls_forms(sh, client, bucket):
    _tree(client, bucket, ["a.txt", "b.log", "dir/", "dir/b.txt", "dir/sub/c.txt", "dir2/x"])
    sh.ok(f"cd oss://{bucket}")
    assert sh.ok("ls").split() == ["a.txt", "b.log", "dir/", "dir2/"]
    assert sh.ok("ls dir").split() == ["b.txt", "sub/"]  # a prefix named without its /
    assert sh.ok("ls -r dir/").split() == ["b.txt", "sub/c.txt"]
    assert sh.ok("ls -d dir/").split() == [f"oss://{bucket}/dir/"]
    assert sh.ok("ls -d dir").split() == [f"oss://{bucket}/dir/"]  # the prefix itself, not a key
    assert sh.ok("ls -d a.txt").split() == ["a.txt"]
    assert sh.ok("ls *.txt").split() == ["a.txt"]
    assert sh.ok("ls d*").split() == ["dir/", "dir2/"]
    assert sh.ok("ls dir/?.txt").split() == ["b.txt"]
    long = sh.ok("ls -l a.txt").split()
    assert long[0] == str(len(b"body of a.txt")) and long[-2:] == ["Standard", "a.txt"]
    lines = sh.ok("ls -l").splitlines()
    assert lines[2].split() == ["dir/"] and len({len(line) for line in lines[:2]}) == 1  # aligned
    assert sh.ok("ls -lh a.txt").split()[0] == "13B"
    two = sh.ok("ls dir/sub/ dir2/").splitlines()
    assert two == [f"oss://{bucket}/dir/sub/:", "c.txt", f"oss://{bucket}/dir2/:", "x"]
    assert "no match" in sh.fails("ls *.zip")
    assert "NoSuchKey" in sh.fails("ls nothing-here")
    sh.ok("cd /")
    roots = sh.ok("ls -l").splitlines()
    mine = [line for line in roots if line.endswith(" " + bucket)]
    assert mine and mine[0].split()[0] == "cn-hangzhou"
    assert bucket in sh.ok("ls").split()


def test_put_get_cat_roundtrip(sh, client, bucket, tmp_path):
    (tmp_path / "hello.txt").write_bytes(b"hello\n")
    (tmp_path / "my file.txt").write_bytes(b"spaces")
    (tmp_path / "中文.txt").write_bytes("汉字".encode())
    sh.ok(f"cd oss://{bucket}")
    out = sh.ok("put hello.txt")
    assert f"-> oss://{bucket}/hello.txt" in out
    sh.ok("put 'my file.txt' 中文.txt docs/")
    sh.ok("put hello.txt renamed.txt --content-type text/x-test --meta owner=me --acl public-read")
    assert client.get_object(bucket, "docs/my file.txt").read() == b"spaces"
    assert client.get_object(bucket, "docs/中文.txt").read() == "汉字".encode()
    sh.ok("put hello.txt docs")  # an existing prefix named without its /
    assert client.get_object(bucket, "docs/hello.txt").read() == b"hello\n"
    client.delete_object(bucket, "docs/hello.txt")
    meta = client.head_object(bucket, "renamed.txt")
    assert meta.content_type == "text/x-test" and meta.metadata == {"owner": "me"}
    assert client.get_object_acl(bucket, "renamed.txt") == "public-read"
    assert sh.ok("cat hello.txt") == "hello\n"
    assert sh.ok("cat 'docs/my file.txt'") == "spaces"
    sh.ctx.interactive = True  # at the prompt a last line without newline gets one
    assert sh.ok("cat 'docs/my file.txt'") == "spaces\n" and sh.ok("cat hello.txt") == "hello\n"
    sh.ctx.interactive = False
    dest = tmp_path / "down"
    dest.mkdir()
    sh.ok("get docs/中文.txt down/")
    assert (dest / "中文.txt").read_bytes() == "汉字".encode()
    sh.ok("lcd down; get hello.txt copy.txt")
    assert (dest / "copy.txt").read_bytes() == b"hello\n"
    sh.ok("get docs/* .")
    assert sorted(os.listdir(dest)) == ["copy.txt", "my file.txt", "中文.txt"]
    assert "no such local file" in sh.fails("put missing.bin")
    assert "is a directory (use -r)" in sh.fails(f"put {tmp_path}")
    assert "is a prefix (use -r)" in sh.fails("get docs/")
    assert "NoSuchKey" in sh.fails("cat nope.txt")


def test_get_to_an_unwritable_place_names_the_problem_before_any_progress(sh, client, bucket, tmp_path):
    client.put_object(bucket, "a/b", b"data")
    bars = []
    sh.ctx.progress = lambda label, total: bars.append(label) or contextlib.nullcontext(None)
    assert "cannot write /proc/x: /proc does not accept new files" in sh.fails(f"get oss://{bucket}/a/b /proc/x")
    (tmp_path / "file").write_text("")
    assert "file: is not a directory" in sh.fails(f"get oss://{bucket}/a/b file/x")
    assert "cannot create directory /proc/new" in sh.fails(f"get oss://{bucket}/a/b /proc/new/x")
    assert bars == [] and sorted(os.listdir(tmp_path)) == ["file"]
    sh.ok(f"get oss://{bucket}/a/b new/dir/x")
    assert (tmp_path / "new/dir/x").read_bytes() == b"data" and bars == ["get b"]


def _requests(client, server, monkeypatch) -> list[str]:
    """The method of every request the client sends (its connection adapter counts what goes out)."""
    adapter = client.transport.session.get_adapter(server.endpoint)
    send, seen = adapter.send, []
    monkeypatch.setattr(adapter, "send", lambda request, **kw: seen.append(request.method) or send(request, **kw))
    return seen


def test_get_and_cp_ask_once_for_what_they_already_know(sh, client, server, bucket, tmp_path, monkeypatch):
    _tree(client, bucket, ["d/x.txt", "d/y.txt"])
    sh.ok(f"cd oss://{bucket}")
    seen = _requests(client, server, monkeypatch)
    sh.ok("get d/x.txt one")
    assert seen == ["HEAD", "GET"] and (tmp_path / "one").read_bytes() == b"body of d/x.txt"
    seen.clear()
    sh.ok("get d/*.txt many/")
    assert seen == ["GET", "GET", "GET"] and (tmp_path / "many/y.txt").read_bytes() == b"body of d/y.txt"
    seen.clear()
    sh.ok("cp d/x.txt z.txt")
    assert seen == ["HEAD", "GET", "HEAD", "PUT"] and client.get_object(bucket, "z.txt").read() == b"body of d/x.txt"


def test_put_and_get_recursive(sh, client, bucket, tmp_path):
    src = tmp_path / "site"
    (src / "css").mkdir(parents=True)
    (src / "index.html").write_text("<h1>")
    (src / "css" / "a.css").write_text("a{}")
    sh.ok(f"cd oss://{bucket}")
    sh.ok("put -r site")
    assert sorted(s.key for s in client.iter_objects(bucket)) == ["site/css/a.css", "site/index.html"]
    sh.ok(f"put -r site oss://{bucket}/mirror")  # no trailing /: the directory becomes mirror/
    assert client.get_object(bucket, "mirror/css/a.css").read() == b"a{}"
    sh.ok("get -r site/ restored")
    assert (tmp_path / "restored" / "css" / "a.css").read_text() == "a{}"
    (tmp_path / "into").mkdir()
    sh.ok("get -r mirror into")  # an explicit destination: mirror's contents
    assert (tmp_path / "into" / "index.html").read_text() == "<h1>"


def test_put_multipart_and_stdin(sh, client, bucket, tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(300_000))
    sh.ok(f"cd oss://{bucket}; put --multipart big.bin")
    meta = client.head_object(bucket, "big.bin")
    assert meta.size == 300_000 and meta.object_type == "Multipart"
    sh.ctx.stdin = io.BytesIO(b"from stdin")
    sh.ok("put - piped.txt")
    assert client.get_object(bucket, "piped.txt").read() == b"from stdin"
    assert "give a key" in sh.fails("put - dir/")


def test_put_stdin_above_a_part_is_multipart(sh, client, bucket):
    from ossh.client.parts import DEFAULT_PART_SIZE as STDIN_PART

    data = os.urandom(STDIN_PART + 12345)
    sh.ctx.stdin = io.BufferedReader(io.BytesIO(data), buffer_size=4096)  # short reads, like a pipe
    sh.ok(f"put - oss://{bucket}/stream.bin")
    meta = client.head_object(bucket, "stream.bin")
    assert meta.size == len(data) and meta.object_type == "Multipart"
    assert client.get_object(bucket, "stream.bin").read() == data
    assert not list(client.iter_uploads(bucket))

    class Interrupted(io.RawIOBase):  # Ctrl-C arrives once the first part has gone up
        def __init__(self):
            self.left = STDIN_PART + 1

        def readinto(self, b):
            if self.left <= 0:
                raise KeyboardInterrupt
            n = min(len(b), self.left)
            b[:n] = bytes(n)
            self.left -= n
            return n

    sh.ctx.stdin = Interrupted()
    assert sh.executor.run(["put", "-", f"oss://{bucket}/cut.bin"]).value == "cancelled"
    assert not client.object_exists(bucket, "cut.bin") and not list(client.iter_uploads(bucket))


def test_cp_above_the_copy_limit_goes_part_by_part(sh, client, bucket, monkeypatch):
    from ossh.client import transfer

    monkeypatch.setattr(transfer, "COPY_LIMIT", 250_000)  # CopyObject's 1 GB, scaled down
    monkeypatch.setattr(transfer, "COPY_PART_SIZE", 110_000)  # parts >= 100 KiB
    data = os.urandom(250_001)
    client.put_object(bucket, "big.bin", data, content_type="application/x-big", metadata={"k": "v"})
    client.put_object(bucket, "small.bin", b"small")
    sh.ok(f"cd oss://{bucket}; cp big.bin copy.bin; cp [bs]*.bin tree/")
    for key in ("copy.bin", "tree/big.bin"):
        meta = client.head_object(bucket, key)
        assert meta.object_type == "Multipart" and meta.size == len(data)
        assert meta.content_type == "application/x-big" and meta.metadata == {"k": "v"}
        assert client.get_object(bucket, key).read() == data
    assert client.head_object(bucket, "tree/small.bin").object_type == "Normal"
    assert not list(client.iter_uploads(bucket))


def test_rm(sh, client, bucket):
    _tree(client, bucket, ["a.txt", "b.txt", "keep.log", "d/1", "d/2", "d/e/3"])
    sh.ok(f"cd oss://{bucket}")
    assert "no such object" in sh.fails("rm a.txt missing.txt")  # checked before anything goes
    assert client.object_exists(bucket, "a.txt")
    assert sh.ok("rm a.txt") == f"removed oss://{bucket}/a.txt\n"
    assert "no such object" in sh.fails("rm a.txt")
    sh.ok("rm -f a.txt")
    assert "is a prefix (use -r)" in sh.fails("rm d/")
    assert sh.ok("rm -r d") == f"removed 3 objects under oss://{bucket}/d/\n"
    sh.ok("rm *.txt")
    assert [s.key for s in client.iter_objects(bucket)] == ["keep.log"]


def test_rm_recursive_asks_when_interactive(sh, client, bucket):
    _tree(client, bucket, ["p/1", "p/2"])
    questions = []
    sh.ctx.interactive = True
    sh.ctx.confirm = lambda q: questions.append(q) or False
    assert "skipped" in sh.ok(f"rm -r oss://{bucket}/p/")
    assert questions == [f"remove everything under oss://{bucket}/p/?"] and client.object_exists(bucket, "p/1")
    sh.ctx.confirm = lambda q: True
    sh.ok(f"rm -r oss://{bucket}/p/")
    assert not client.object_exists(bucket, "p/1")
    _tree(client, bucket, ["q/1"])
    sh.ctx.confirm = lambda q: pytest.fail("-f must not ask")
    sh.ok(f"rm -rf oss://{bucket}/q/")


def test_cp_mv_across_buckets(sh, client, bucket):
    other = bucket + "-other"
    client.create_bucket(other)
    _tree(client, bucket, ["src.txt", "tree/a", "tree/b/c"])
    sh.ok(f"cd oss://{bucket}")
    sh.ok("cp src.txt tree")  # an existing prefix without its /: into it
    assert client.get_object(bucket, "tree/src.txt").read() == b"body of src.txt"
    client.delete_object(bucket, "tree/src.txt")
    sh.ok("cp src.txt copy.txt")
    assert client.get_object(bucket, "copy.txt").read() == b"body of src.txt"
    sh.ok(f"cp src.txt oss://{other}/in/")
    assert client.get_object(other, "in/src.txt").read() == b"body of src.txt"
    sh.ok(f"mv copy.txt /{other}/moved.txt")
    assert not client.object_exists(bucket, "copy.txt") and client.object_exists(other, "moved.txt")
    sh.ok(f"cp -r tree/ oss://{other}/t/")
    assert sorted(s.key for s in client.iter_objects(other, prefix="t/")) == ["t/a", "t/b/c"]
    sh.ok("mv -r tree moved-tree")
    assert sorted(s.key for s in client.iter_objects(bucket, prefix="moved")) == ["moved-tree/a", "moved-tree/b/c"]
    assert not client.object_exists(bucket, "tree/a")
    assert "is a prefix (use -r)" in sh.fails("cp moved-tree/ x/")
    assert "same" in sh.fails("cp src.txt src.txt")


def test_stat_du_acl_presign(sh, client, bucket):
    client.put_object(bucket, "f.txt", b"12345", metadata={"k": "v"})
    _tree(client, bucket, ["logs/1", "logs/2"])
    sh.ok(f"cd oss://{bucket}")
    sh.ctx.state.format = "json"
    info = json.loads(sh.ok("stat f.txt"))
    meta = client.head_object(bucket, "f.txt")
    assert info["size"] == 5 and info["etag"] == meta.etag
    assert info["crc64"] == str(meta.crc64)  # a string, as OSS writes it: exact above 2^53
    assert info["type"] == "Normal" and info["acl"] == "default" and info["metadata"] == {"k": "v"}
    assert info["last_modified"].endswith("Z") and info["content_type"] == meta.content_type
    assert json.loads(sh.ok(f"stat oss://{bucket}/"))["bucket"] == bucket
    du = json.loads(sh.ok("du logs/"))
    assert du == {"uri": f"oss://{bucket}/logs/", "size": 2 * len(b"body of logs/1"), "objects": 2}
    sh.ctx.state.format = "text"
    missing = sh.fails("stat nope.txt")
    assert missing.startswith(f"ossh: stat: oss://{bucket}/nope.txt: The specified key does not exist. (NoSuchKey, "), (
        missing
    )
    assert sh.ok("acl f.txt") == f"oss://{bucket}/f.txt  default\n"
    sh.ok("acl f.txt public-read")
    assert client.get_object_acl(bucket, "f.txt") == "public-read"
    sh.ok("acl logs/* private")
    assert client.get_object_acl(bucket, "logs/2") == "private"
    sh.ok(f"acl oss://{bucket}/ public-read")
    assert client.get_bucket_acl(bucket) == "public-read"
    sh.ok("cd logs")
    assert sh.ok("acl") == f"oss://{bucket}/  public-read\n"  # no PATH: the current bucket
    sh.ok("cd ..")
    assert "bucket ACL must be one of" in sh.fails(f"acl oss://{bucket}/ default")
    assert "invalid choice" in sh.fails("acl f.txt everyone")
    url = sh.ok("presign f.txt --expires 600").strip()
    with urllib.request.urlopen(url) as r:
        assert r.read() == b"12345"
    assert "positive" in sh.fails("presign f.txt --expires 0")


def test_buckets(sh, client, bucket):
    name = bucket + "-mk"
    sh.ok(f"mkbucket {name} --acl public-read --storage-class IA")
    assert client.get_bucket_acl(name) == "public-read"
    assert client.get_bucket_info(name).storage_class == "IA"
    assert sh.ok(f"mkbucket {name} --acl private") == f"oss://{name}/ already exists (left unchanged)\n"
    assert client.get_bucket_acl(name) == "public-read"
    client.put_object(name, "x", b"x")
    upload = client.init_multipart_upload(name, "pending")
    err = sh.fails(f"rmbucket {name}")
    assert "BucketNotEmpty" in err and "request" in err
    sh.ok(f"cd oss://{name}")
    out = sh.ok(f"rmbucket -f oss://{name}/")
    assert "removed 1 object, aborted 1 upload" in out
    assert sh.ok("pwd") == "oss://\n"
    assert name not in [b.name for b in client.iter_buckets()]
    assert upload and "not a bucket name" in sh.fails("mkbucket a/b")


def test_mpu(sh, client, bucket):
    old = client.init_multipart_upload(bucket, "big/one.iso")
    client.upload_part(bucket, "big/one.iso", old, 1, b"x" * 1000)
    client.upload_part(bucket, "big/one.iso", old, 2, b"y" * 500)
    new = client.init_multipart_upload(bucket, "big/two.iso")
    sh.ok(f"cd oss://{bucket}")
    sh.ctx.state.format = "json"
    rows = [json.loads(line) for line in sh.ok("mpu ls").splitlines()]
    by_id = {r["upload_id"]: r for r in rows}
    assert by_id[old]["size"] == 1500 and by_id[old]["parts"] == 2 and by_id[new]["size"] == 0
    assert by_id[old]["key"] == "big/one.iso" and by_id[old]["age"].endswith("s")
    parts = [json.loads(line) for line in sh.ok(f"mpu parts big/one.iso {old}").splitlines()]
    assert [(p["part_number"], p["size"]) for p in parts] == [(1, 1000), (2, 500)]
    sh.ctx.state.format = "text"
    assert "aborted 0 uploads" in sh.ok("mpu abort --all --older-than 1h big/")
    sh.ok(f"mpu abort big/two.iso {new}")
    assert [u.upload_id for u in client.iter_uploads(bucket)] == [old]
    assert "NoSuchUpload" in sh.fails(f"mpu abort big/two.iso {new}")
    assert "aborted 1 upload under" in sh.ok("mpu abort --all")
    assert list(client.iter_uploads(bucket)) == []
    assert "bad age" in sh.fails("mpu abort --all --older-than soon")
    uid = sh.ok("mpu init fresh.bin").strip()
    assert [u.upload_id for u in client.iter_uploads(bucket)] == [uid]


def test_cancelled_download_leaves_no_file(sh, client, bucket, tmp_path):
    import contextlib

    client.put_object(bucket, "big.bin", os.urandom(3 << 20))

    @contextlib.contextmanager
    def interrupting(label, total):
        def progress(done, total=None):
            if done:
                raise KeyboardInterrupt

        yield progress

    sh.ctx.progress = interrupting
    ok, out, err = sh(f"get oss://{bucket}/big.bin big.bin")
    assert not ok and err == "ossh: get: cancelled\n"
    assert os.listdir(tmp_path) == []  # neither big.bin nor a temporary file


def _offered(sh, line: str) -> list[str]:
    """What completion offers for line in the shell sh, through its listing cache."""
    from ossh.shell.completion import complete

    return [s.text for s in complete(line, sh.ctx.state, sh.ctx.cache)]


def test_completion_cache_follows_changes(cached_sh, client, bucket):
    sh = cached_sh
    _tree(client, bucket, ["a.txt"])
    sh.ok(f"cd oss://{bucket}")

    def names():
        return _offered(sh, "ls ")

    assert names() == ["a.txt"]
    client.put_object(bucket, "b.txt", b"x")  # changed behind the shell's back: the cache still holds
    assert names() == ["a.txt"]
    sh.ok("cp a.txt c.txt")  # a shell command drops the level it changed
    assert names() == ["a.txt", "b.txt", "c.txt"]
    sh.ok("rm a.txt")
    assert names() == ["b.txt", "c.txt"]


# every command that changes what a listing shows drops the cached levels it changed; (command, level, before,
# after): `level` is what `ls ` completes in oss://BUCKET/, or `mpu abort big.iso ` for upload ids
_WRITES = [
    ("put local.txt", ["a.txt", "sub/"], ["a.txt", "local.txt", "sub/"]),
    ("put -r dir", ["a.txt", "sub/"], ["a.txt", "dir/", "sub/"]),
    ("cp a.txt b.txt", ["a.txt", "sub/"], ["a.txt", "b.txt", "sub/"]),
    ("mv a.txt b.txt", ["a.txt", "sub/"], ["b.txt", "sub/"]),
    ("rm a.txt", ["a.txt", "sub/"], ["sub/"]),
    ("rm -r sub/", ["a.txt", "sub/"], ["a.txt"]),
    ("ln -s a.txt link", ["a.txt", "sub/"], ["a.txt", "link", "sub/"]),
    ("sync dir oss://{bucket}/", ["a.txt", "sub/"], ["a.txt", "d.txt", "sub/"]),
    ("sync dir oss://{bucket}/sub/", ["sub/c.txt", "sub/old.txt"], ["sub/c.txt", "sub/d.txt", "sub/old.txt"]),
    ("mpu complete big.iso {upload}", ["a.txt", "sub/"], ["a.txt", "big.iso", "sub/"]),
]


@pytest.mark.parametrize("command, before, after", _WRITES, ids=[w[0].split(" {")[0] for w in _WRITES])
def test_the_shells_own_writes_drop_cached_listings(cached_sh, client, bucket, tmp_path, command, before, after):
    sh = cached_sh
    _tree(client, bucket, ["a.txt", "sub/c.txt", "sub/old.txt"])
    (tmp_path / "local.txt").write_text("l")
    (tmp_path / "dir").mkdir()
    (tmp_path / "dir" / "d.txt").write_text("d")
    upload = client.init_multipart_upload(bucket, "big.iso")
    client.upload_part(bucket, "big.iso", upload, 1, b"part")
    sh.ok(f"cd oss://{bucket}")
    line = "ls sub/" if "sub/" in before[0] else "ls "

    def names():
        return _offered(sh, line)

    assert names() == before
    sh.ok(command.format(bucket=bucket, upload=upload))
    assert names() == after


def test_bucket_and_upload_writes_drop_cached_listings(cached_sh, client, bucket):
    sh = cached_sh

    def buckets():
        return _offered(sh, "cd oss://" + bucket)

    assert buckets() == [f"oss://{bucket}/"]
    sh.ok(f"mkbucket {bucket}-new")
    assert buckets() == [f"oss://{bucket}-new/", f"oss://{bucket}/"]
    sh.ok(f"rmbucket {bucket}-new")
    assert buckets() == [f"oss://{bucket}/"]
    sh.ok(f"cd oss://{bucket}")

    def uploads():
        return _offered(sh, "mpu abort big.iso ")

    assert uploads() == []
    upload = sh.ok("mpu init big.iso").strip()
    assert uploads() == [upload]
    sh.ok(f"mpu abort big.iso {upload}")
    assert uploads() == []
    client.put_object(bucket, "cold.bin", b"x", storage_class="Archive")

    def names():
        return _offered(sh, "ls ")

    assert names() == ["cold.bin"]
    client.put_object(bucket, "behind.txt", b"x")
    sh.ok("restore cold.bin")  # the object's state changed: its level is listed again
    assert names() == ["behind.txt", "cold.bin"]


def test_the_completion_cache_expires_by_the_shells_clock(sh, client, bucket):
    """Changes made elsewhere show once a listing is TTL seconds old: the clock is moved, nothing sleeps."""
    from ossh.shell.completer_adapter import ClientLister
    from ossh.shell.completion import TTL, ListingCache

    now = [0.0]
    sh.ctx.cache = ListingCache(ClientLister(sh.ctx), clock=lambda: now[0])
    _tree(client, bucket, ["a.txt"])
    sh.ok(f"cd oss://{bucket}")

    def names():
        return _offered(sh, "ls ")

    assert names() == ["a.txt"]
    client.put_object(bucket, "b.txt", b"x")  # changed behind the shell's back
    now[0] += TTL - 1
    assert names() == ["a.txt"]
    now[0] += 1
    assert names() == ["a.txt", "b.txt"]


def test_rm_r_beyond_one_delete_request(sh, client, server, bucket, monkeypatch):
    keys = [f"many/{i:04d}" for i in range(1001)]  # more than one DeleteObjects request holds
    _tree(client, bucket, keys + ["many-not"])
    seen = _requests(client, server, monkeypatch)
    assert sh.ok(f"rm -r oss://{bucket}/many/") == f"removed 1001 objects under oss://{bucket}/many/\n"
    assert seen.count("POST") == 2  # DeleteObjects: 1,000 keys, then 1
    assert [s.key for s in client.iter_objects(bucket)] == ["many-not"]
    _tree(client, bucket, ["a", "b"])
    assert sh.ok(f"rm oss://{bucket}/a oss://{bucket}/b") == f"removed oss://{bucket}/a\nremoved oss://{bucket}/b\n"
    assert [s.key for s in client.iter_objects(bucket)] == ["many-not"]


def test_multipart_by_hand(sh, client, bucket, tmp_path):
    first = os.urandom(100 * 1024)
    (tmp_path / "part1").write_bytes(first)
    sh.ok(f"cd oss://{bucket}")
    uid = sh.ok("init manual.bin").strip()  # osscmd name of mpu init
    assert "part 1 of" in sh.ok(f"mpu upload-part manual.bin {uid} 1 part1")
    sh.ok(f"uploadpartfromstring oss://{bucket}/manual.bin --upload_id={uid} --part_number=2 --data=tail")
    assert "PART_NUMBER must be" in sh.fails(f"mpu upload-part manual.bin {uid} 0 --data x")
    assert "either LOCAL or --data" in sh.fails(f"mpu upload-part manual.bin {uid} 3")
    assert "completed" in sh.ok(f"mpu complete manual.bin {uid}")
    assert client.get_object(bucket, "manual.bin").read() == first + b"tail"
    uid2 = client.init_multipart_upload(bucket, "other.bin")
    (tmp_path / "p").write_bytes(b"abc")
    sh.ok(f"upff p oss://{bucket}/other.bin --upload_id {uid2} --part_number 1")
    assert [p.size for p in client.iter_parts(bucket, "other.bin", uid2)] == [3]
    empty = client.init_multipart_upload(bucket, "empty.bin")
    assert "holds no parts" in sh.fails(f"mpu complete empty.bin {empty}")


def test_local_listing_and_cp_globs(sh, client, bucket, tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "f.bin").write_bytes(b"12345")
    assert sh.ok("lls").split() == ["f.bin", "sub/"]
    long = sh.ok("lls -l f.bin").split()
    assert long[0] == "5" and long[-1] == "f.bin"
    sh.ok("lcd sub")
    assert sh.ok("lpwd").strip() == str(tmp_path / "sub")
    sh.ok("lcd ..")
    assert "no such local file" in sh.fails("lls nothing")
    _tree(client, bucket, ["a.log", "b.log", "c.txt"])
    sh.ok(f"cd oss://{bucket}; cp *.log old/")
    assert sorted(s.key for s in client.iter_objects(bucket, prefix="old/")) == ["old/a.log", "old/b.log"]
