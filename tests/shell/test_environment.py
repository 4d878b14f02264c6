"""cli.main(argv, env) in-process: everything a run takes from its surroundings comes from the Environment
(streams, their TTY-ness, colour, variables, working directory, XDG directories), nothing from the process;
exit statuses are ExitStatus members. Plus the black-box checks only a real process can make."""

import io
import os
import subprocess
import sys

from ossh.cli import main
from ossh.environment import Environment
from ossh.status import ExitStatus

from .conftest import LAUNCHER, run_in_process


def _env(environ, cwd, stdin="", **kw) -> Environment:
    return Environment(
        stdin=io.StringIO(stdin), stdout=io.StringIO(), stderr=io.StringIO(), environ=environ, cwd=str(cwd), **kw
    )


def test_exit_statuses_are_the_documented_set():
    assert [(s.name, int(s)) for s in ExitStatus] == [("OK", 0), ("ERROR", 1), ("USAGE", 2), ("INTERRUPTED", 130)]


def test_main_takes_variables_and_directories_from_the_environment_only(
    oss_env, user_dirs, bucket, tmp_path, monkeypatch
):
    monkeypatch.setenv("OSS_ENDPOINT", "http://127.0.0.1:1")  # the process's variables are not read
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", "wrong")
    (tmp_path / "f.txt").write_text("from the env's cwd")
    env = _env({**user_dirs, **oss_env}, tmp_path)
    status = main(["-c", f"cd oss://{bucket}; put f.txt; cat f.txt; lpwd; lcd ~; lpwd"], env)
    assert status is ExitStatus.OK, env.stderr.getvalue()
    assert env.stdout.getvalue() == (
        f"{tmp_path}/f.txt -> oss://{bucket}/f.txt (18B)\nfrom the env's cwd{tmp_path}\n{user_dirs['HOME']}\n"
    )
    assert main(["--config-file", "~/my.conf", "config", "set", "region", "eu-west-1"], env) is ExitStatus.OK
    assert "region = eu-west-1" in open(os.path.join(user_dirs["HOME"], "my.conf")).read()
    assert env.stderr.getvalue() == ""
    assert main(["cat", f"oss://{bucket}/missing"], env) is ExitStatus.ERROR
    assert main(["ls", "--frob"], env) is ExitStatus.USAGE
    assert main(["-c", "exit 7"], env) == 7


def test_help_version_and_flag_errors_go_to_the_environments_streams(user_dirs, tmp_path, capsys):
    from ossh import __version__

    env = _env(user_dirs, tmp_path)
    assert main(["--help"], env) is ExitStatus.OK and "exit status: 0 ok" in env.stdout.getvalue()
    env = _env(user_dirs, tmp_path)
    assert main(["--version"], env) is ExitStatus.OK and env.stdout.getvalue() == f"ossh {__version__}\n"
    assert main(["--frob"], env) is ExitStatus.USAGE
    assert env.stderr.getvalue() == "ossh: unrecognized arguments: --frob (see ossh --help)\n"
    assert main(["ls"], _env({**user_dirs, "OSS_ENDPOINT": "http://[::1"}, tmp_path)) == ExitStatus.USAGE
    assert capsys.readouterr() == ("", "")  # nothing reached the process's own streams


def test_colour_follows_the_environment(oss_env, user_dirs, client, bucket, tmp_path):
    client.put_object(bucket, "dir/k", b"x")
    env = _env({**user_dirs, **oss_env}, tmp_path, stdin_isatty=True, stdout_isatty=True)
    assert main(["ls", f"oss://{bucket}/"], env) is ExitStatus.OK
    assert env.stdout.getvalue() == "\x1b[1;34mdir/\x1b[0m\n"  # a person at a terminal: colour
    plain = _env({**user_dirs, **oss_env}, tmp_path, stdin_isatty=True, stdout_isatty=True, colors=False)
    main(["ls", f"oss://{bucket}/"], plain)
    assert plain.stdout.getvalue() == "dir/\n"
    piped = _env({**user_dirs, **oss_env}, tmp_path, stdin=f"ls oss://{bucket}/\n", stdout_isatty=True)
    main([], piped)  # stdin not a terminal: batch, no colour
    assert piped.stdout.getvalue() == "dir/\n"


def test_repeated_in_process_runs_share_nothing(user_dirs, tmp_path):
    """Two users' embedded servers, one after the other in one process: each run starts and stops its own,
    and leaves no thread, descriptor, working directory or variable behind (run_in_process checks)."""
    first = {**user_dirs}
    second = {k: v.replace(str(tmp_path / "home"), str(tmp_path / "other")) for k, v in user_dirs.items()}
    (tmp_path / "other").mkdir()
    assert run_in_process(["mkbucket", "only-mine"], first, tmp_path).returncode == 0
    assert run_in_process(["ls"], first, tmp_path).stdout == "only-mine\n"
    assert run_in_process(["ls"], second, tmp_path).stdout == "no buckets\n"


def test_a_reader_that_goes_away_ends_the_run_quietly(oss_env, user_dirs, bucket, client, tmp_path):
    """`ossh cat big | head -c 5`, through real pipes: exit status 1, and no complaint from Python."""
    client.put_object(bucket, "big", os.urandom(8 << 20))
    env = {**os.environ, **user_dirs, **oss_env}
    line = f"{sys.executable} {LAUNCHER} cat oss://{bucket}/big | head -c 5 >/dev/null; echo ${{PIPESTATUS[0]}}"
    r = subprocess.run(["bash", "-c", line], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60)
    assert (r.stdout, r.stderr) == ("1\n", "")
