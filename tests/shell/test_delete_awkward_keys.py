"""A key that can be created can be deleted from the shell: rm, rm -r, rmbucket -f, osscmd's delete*.

Words go to the executor directly, so a key can hold what no command line spells easily (ESC).
"""

import pytest

from ossh.client.errors import NoSuchBucket
from ossh.shell.executor import Outcome

ESC_KEY = "a/es\x1bc"


def run(sh, *words):
    """(succeeded, stdout, stderr) of one command given as words."""
    start_out, start_err = sh.out.tell(), sh.err.tell()
    ok = sh.executor.run(list(words)) is Outcome.OK
    return ok, sh.out.getvalue()[start_out:], sh.err.getvalue()[start_err:]


def ok(sh, *words) -> str:
    succeeded, out, err = run(sh, *words)
    assert succeeded and not err, err
    return out


def keys(client, bucket):
    return [o.key for o in client.iter_objects(bucket)]


@pytest.fixture
def file(tmp_path):
    (tmp_path / "file").write_bytes(b"data")
    return "file"


def test_the_issue_scenario_put_then_rm_rm_r_and_rmbucket_f(sh, client, bucket, file):
    ok(sh, "cd", f"oss://{bucket}/")
    ok(sh, "put", file, ESC_KEY)
    assert keys(client, bucket) == [ESC_KEY]
    ok(sh, "rm", ESC_KEY)
    assert keys(client, bucket) == []

    ok(sh, "put", file, ESC_KEY)
    ok(sh, "put", file, "a/trail-space ")
    assert "removed 2 objects under" in ok(sh, "rm", "-r", "a/")
    assert keys(client, bucket) == []

    ok(sh, "put", file, ESC_KEY)
    client.init_multipart_upload(bucket, ESC_KEY + " ")  # an unfinished upload keeps a bucket too
    ok(sh, "cd", "/")
    out = ok(sh, "rmbucket", "-f", bucket)
    assert "removed 1 object, aborted 1 upload" in out and f"removed oss://{bucket}/" in out
    with pytest.raises(NoSuchBucket):
        client.get_bucket_info(bucket)


def test_rm_takes_the_key_named_not_its_trimmed_neighbour(sh, client, bucket, file):
    ok(sh, "cd", f"oss://{bucket}/")
    for key in ("trail-space ", "trail-space", " lead", "lead", "cr\rx", "cr\nx"):
        ok(sh, "put", file, key)
    ok(sh, "rm", "trail-space ", " lead", "cr\rx")
    assert keys(client, bucket) == ["cr\nx", "lead", "trail-space"]


def test_osscmd_deleteallobject_and_deletewholebucket(sh, client, bucket):
    for key in (ESC_KEY, "ctl\x01\x1f", " lead", "中文 "):
        client.put_object(bucket, key, b"x")
    ok(sh, "deleteallobject", f"oss://{bucket}/")
    assert keys(client, bucket) == []
    client.put_object(bucket, ESC_KEY, b"x")
    ok(sh, "deletewholebucket", f"oss://{bucket}")
    with pytest.raises(NoSuchBucket):
        client.get_bucket_info(bucket)


def test_a_failing_delete_names_the_key(sh, bucket):
    too_long = "k" * 1024  # a name the server refuses
    succeeded, _, err = run(sh, "rm", "-f", f"oss://{bucket}/{too_long}", f"oss://{bucket}/{ESC_KEY}")
    assert not succeeded and err.count("\n") == 1
    assert err.startswith(f"ossh: rm: oss://{bucket}/{too_long}: ")
    assert "(InvalidObjectName, request " in err
