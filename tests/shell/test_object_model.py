"""ln -s, restore, --storage-class, and how ls -l and stat show symlinks and cold objects: batch runs of
ossh's command line (in-process) against the test server."""

import json


def _batch(ossh, script: str):
    r = ossh(input=script)
    return r.returncode, r.stdout, r.stderr


def test_ln_s_ls_l_stat_and_cat(ossh, client, bucket, tmp_path):
    (tmp_path / "notes.txt").write_text("hello notes\n")
    code, out, err = _batch(
        ossh,
        f"""cd oss://{bucket}
put notes.txt docs/notes.txt
ln -s docs/notes.txt latest
ln -s docs/notes.txt links/
ln -s gone/away dangling
ls -l
stat latest
stat dangling
ls -l dangling
cat latest
""",
    )
    assert code == 0, err
    assert f"oss://{bucket}/latest -> docs/notes.txt" in out
    assert f"oss://{bucket}/links/notes.txt -> docs/notes.txt" in out  # into a prefix: named after the target
    assert client.get_symlink(bucket, "latest") == "docs/notes.txt"
    long_lines = [line for line in out.splitlines() if " -> " in line and "oss://" not in line]
    assert any(line.endswith("latest -> docs/notes.txt") for line in long_lines)
    assert sum(line.endswith("dangling -> gone/away") for line in long_lines) == 2  # in ls -l, and alone
    assert "Type:           Symlink" in out and "Symlink-Target: docs/notes.txt" in out
    assert "Target-Exists:  False" in out
    assert out.endswith("hello notes\n")


def test_ln_refusals(ossh, client, bucket):
    client.put_object(bucket, "a", b"a")
    cases = [
        ("ln a b", "OSS has only symbolic links", 2),
        ("ln -s a a", "cannot point to itself", 1),
        ("ln -s a/ b", "points to an object, not a prefix", 2),
        ("ln -s a oss://other-bucket-x/b", "must be in the same bucket", 2),
    ]
    for line, message, status in cases:  # 2: a usage error, 1: a command that could not be done
        code, out, err = _batch(ossh, f"cd oss://{bucket}\n{line}\n")
        assert code == status and message in err and err.count("\n") == 1, (line, err)
    client.put_symlink(bucket, "l", "a")
    code, out, err = _batch(ossh, f"cd oss://{bucket}\nln -s a l\n")
    assert code == 1 and "(FileAlreadyExists, request " in err
    code, out, err = _batch(ossh, f"cd oss://{bucket}\nln -sf b l\n")
    assert code == 0, err
    assert client.get_symlink(bucket, "l") == "b"


def test_storage_class_put_cp_and_restore(ossh, client, bucket, tmp_path, server_clock):
    (tmp_path / "old.tar").write_bytes(b"archive bytes")
    code, out, err = _batch(
        ossh,
        f"""cd oss://{bucket}
put old.tar --storage-class Archive
put old.tar plain.tar
cp plain.tar ia.tar --storage-class IA
-cp old.tar copy.tar
stat old.tar
-cat old.tar
restore old.tar --days 3
stat old.tar
-restore old.tar
""",
    )
    assert code == 0 and err.count("\n") == 3, err  # the three -commands failed, the run went on (sftp -b)
    classes = {o.key: o.storage_class for o in client.list_objects(bucket).objects}
    assert classes == {"old.tar": "Archive", "plain.tar": "Standard", "ia.tar": "IA"}
    assert "cp: oss://" in err and "(InvalidObjectState, request " in err  # a frozen source cannot be copied
    assert "Restore:        frozen (restore it to read it)" in out.replace("Restore:       ", "Restore:        ")
    assert "(InvalidObjectState, request " in err
    assert f"restoring oss://{bucket}/old.tar for 3 days" in out
    assert "in progress" in out and "(RestoreAlreadyInProgress, request " in err
    server_clock.advance(server_clock.delay)
    code, out, err = _batch(ossh, f"cd oss://{bucket}\nstat old.tar\ncat old.tar\nrestore old.tar\n")
    assert code == 0, err
    assert "restored until " in out and "archive bytes" in out
    assert f"oss://{bucket}/old.tar is already restored; kept 1 day more" in out
    r = ossh("-c", f"restore oss://{bucket}/ia.tar")
    assert r.returncode == 1 and "(OperationNotSupported, request " in r.stderr


def test_restore_usage_and_json(ossh, client, bucket, server_clock):
    client.put_object(bucket, "c1", b"1", storage_class="DeepColdArchive")
    client.put_object(bucket, "c2", b"2", storage_class="DeepColdArchive")
    r = ossh("--json", "-c", f"restore oss://{bucket}/c* --tier Expedited --days 2")
    assert r.returncode == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(d["uri"], d["state"], d["days"]) for d in lines] == [
        (f"oss://{bucket}/c1", "started", 2),
        (f"oss://{bucket}/c2", "started", 2),
    ]
    for bad, message in (("--days 0", "--days must be a positive"), ("--tier Slow", "invalid choice")):
        r = ossh("-c", f"restore oss://{bucket}/c1 {bad}")
        assert r.returncode == 2 and message in r.stderr and r.stderr.count("\n") == 1  # usage errors
    r = ossh("-c", f"put x oss://{bucket}/x --storage-class Glacier")
    assert r.returncode == 2 and "invalid choice" in r.stderr


def test_shell_get_of_large_text_is_byte_identical(ossh, client, bucket, tmp_path):
    text = b"".join(b"%06d plain text that the server would compress\n" % i for i in range(40_000))
    client.put_object(bucket, "big.txt", text, content_type="text/plain")
    r = ossh(
        "-c",
        f"get oss://{bucket}/big.txt copy.txt; cat oss://{bucket}/big.txt",
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "copy.txt").read_bytes() == text
    assert r.stdout.encode().endswith(text)
