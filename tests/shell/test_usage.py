"""What a user is told about using a command: `CMD --help` and `help CMD`, the names a missing argument is
given (those of the usage line), and the bucket naming rule in InvalidBucketName from client and server."""

import re

import pytest

from ossh.shell.commands import REGISTRY
from ossh.shell.registry import UsageError

REQUIRED = "the following arguments are required: "
RULE = "3-63 characters: lowercase letters, digits and hyphens, not starting or ending with a hyphen"


@pytest.mark.parametrize("name", sorted(REGISTRY.commands))
def test_a_missing_argument_is_named_as_the_usage_line_names_it(name):
    cmd = REGISTRY.commands[name]
    try:
        cmd.parse([])
    except UsageError as e:
        message = str(e)
    else:
        return  # nothing is required
    assert message.startswith(REQUIRED), message
    for missing in message[len(REQUIRED) :].split(", "):
        assert re.search(rf"(^|[\s\[]){re.escape(missing)}([\s.\]]|$)", cmd.usage), (missing, cmd.usage)


def test_every_command_and_alias_answers_help(sh):
    names = sorted(set(REGISTRY.names()) | set(REGISTRY.commands))
    for name in names:
        asked = sh.ok(f"{name} --help")
        assert asked == sh.ok(f"help {name}"), name
        runs = REGISTRY.unalias(name.split())[0]  # an alias shows the usage of what it runs
        assert re.match(r"(runs: .*\n)?usage: {3}" + re.escape(runs), asked), (name, asked)
    assert "usage:   mpu ls" in sh.ok("mpu ls --help") and "usage:   mpu abort" in sh.ok("mpu --help")
    assert sh.ok("downloadtodir --help").startswith("runs:    get -r\nusage:   get [-r] SRC... [LOCAL]")


def test_help_flag_before_a_double_dash_only(sh, client, bucket, tmp_path):
    (tmp_path / "--help").write_text("a file called --help")
    sh.ok(f"cd oss://{bucket}; put -- --help")
    assert client.get_object(bucket, "--help").read() == b"a file called --help"


def test_one_shot_help_and_missing_arguments(ossh):
    r = ossh("put", "--help")
    assert r.returncode == 0 and r.stdout.startswith("usage:   put [-r]") and r.stderr == ""
    r = ossh("downloadtodir", "--help")
    assert r.returncode == 0 and "runs:    get -r" in r.stdout
    r = ossh("get")
    assert r.returncode != 0 and r.stderr == "ossh: get: the following arguments are required: SRC\n"
    r = ossh("uploadpartfromstring", "oss://b/k")
    assert r.stderr.strip().endswith("required: --upload_id UPLOAD_ID, --part_number N, --data TEXT")


def test_invalid_bucket_names_are_refused_with_the_rule(ossh, client):
    from ossh.client import OssError
    from ossh.client.errors import ClientError

    for name in ("b", "-bad", "Bad_Bucket", "x" * 64):
        with pytest.raises(ClientError) as caught:  # refused before anything is sent
            client.create_bucket(name)
        assert caught.value.code == "InvalidBucketName" and RULE in str(caught.value)
        with pytest.raises(OssError) as caught:  # the server's answer says the rule too
            client.get_bucket_info(name)
        assert caught.value.code == "InvalidBucketName" and RULE in caught.value.message, caught.value
    r = ossh("createbucket", "b")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and RULE in r.stderr, r.stderr
