"""The `ossh` command line: argv -> interactive shell | batch (stdin, -b, -c) | one command | serve."""

from __future__ import annotations

import argparse
import contextlib
import functools
import os
import sys

import ossh.client as oss  # its parts load on first use: `ossh -c pwd` loads none of them

from . import __version__, cmdline
from .config import HELP as ACCOUNTS_HELP
from .config import KEYS, Accounts, ConfigError, Settings
from .environment import Environment
from .protocol import DEFAULT_REGION
from .status import ExitStatus

EXIT_HELP = "exit status: 0 ok, 1 a command failed, 2 usage error, 130 interrupted (`exit N`: N)."


def _parser(env: Environment) -> argparse.ArgumentParser:
    p = cmdline.OneLineParser(
        prog="ossh",
        description="An interactive shell for Alibaba Cloud OSS and OSS-compatible servers.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        stdout=env.stdout,
        stderr=env.stderr,
        epilog="Without a command: a shell on a terminal, batch mode when standard input is not one.\n"
        "`ossh serve --help` runs the embedded server. Inside the shell, `help` lists the commands.\n\n"
        + ACCOUNTS_HELP
        + "\n\n"
        + EXIT_HELP,
    )
    p.add_argument("--endpoint", help="OSS endpoint URL (env OSS_ENDPOINT)")
    p.add_argument("--region", help="region for V4 signatures (env OSS_REGION)")
    p.add_argument("--access-key-id", help="env OSS_ACCESS_KEY_ID")
    p.add_argument("--access-key-secret", help="env OSS_ACCESS_KEY_SECRET")
    p.add_argument("--sts-token", dest="security_token", metavar="TOKEN", help="STS token (env OSS_SESSION_TOKEN)")
    p.add_argument("--sign-version", choices=("v1", "v4"), help="signature version (default v4)")
    p.add_argument("--addressing-style", choices=("virtual", "path"), help="bucket in the host name or the path")
    p.add_argument("--profile", metavar="NAME", help="use this profile of the config file (env OSSUTIL_PROFILE)")
    p.add_argument("--config-file", metavar="PATH", help="read and write this config file instead")
    p.add_argument("--json", action="store_true", help="print one JSON object per line (errors too, on stderr)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    talk = p.add_mutually_exclusive_group()
    talk.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="say what ossh does on its own (such as starting the embedded server) in every mode",
    )
    talk.add_argument("--quiet", "-q", action="store_true", help="no notices or warnings, only errors")
    p.add_argument("-c", dest="commands", metavar="'CMD; CMD'", help="run these commands and exit")
    p.add_argument("-b", dest="batch_file", metavar="FILE", help="run the commands in FILE (sftp -b semantics)")
    p.add_argument("--version", action="version", version=f"ossh {__version__}")
    p.add_argument("command", nargs=argparse.REMAINDER, help="one command and its arguments, then exit")
    return p


class ClientFactory:
    """Creates the OssClient on first use; with nothing configured, starts the embedded server first and, when
    `notice` is set, says so (the interactive shell and --verbose do; scripts get clean stderr)."""

    def __init__(self, settings: Settings, stack: contextlib.ExitStack, env: Environment | None = None, notice=None):
        self.settings = settings
        self.stack = stack
        self.env = env or Environment()
        self.notice = notice

    @property
    def label(self) -> str:
        return self.settings.endpoint or f"embedded ({self.env.data_dir})"

    def __call__(self):

        s = self.settings
        if not s.embedded:
            client = s.configure(oss.OssClient(s.endpoint, s.access_key_id, s.access_key_secret, **s.client_options()))
            return self.stack.enter_context(client)  # its connections close when the run ends
        from ossh.server import LocalServer

        root = self.env.data_dir
        root.mkdir(parents=True, exist_ok=True)
        # the key pair kept in the store, never OSS_ACCESS_KEY_*: the store's buckets belong to it
        srv = self.stack.enter_context(LocalServer(root, credentials="stored"))
        if self.notice is not None:
            self.notice(f"no endpoint configured; started the embedded server at {srv.endpoint} (store {root})")
        return self.stack.enter_context(
            oss.OssClient(
                srv.endpoint, srv.access_key_id, srv.access_key_secret, region=getattr(srv, "region", DEFAULT_REGION)
            )
        )


_CHECKS = {
    "endpoint": None,
    "region": cmdline.region,
    "access_key_id": cmdline.access_key_id,
    "access_key_secret": cmdline.secret,
    "security_token": cmdline.secret,
}


def _endpoint(text: str) -> str:

    try:
        oss.endpoint.Endpoint.parse(text)
    except oss.ClientError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def _where(origin: str) -> str:
    """A setting's origin as an error names it: --endpoint, OSS_ENDPOINT, or the profile and its file."""
    kind, _, rest = origin.partition(" ")
    return rest if kind in ("flag", "env") else f"{kind} ({rest})" if rest else origin


def _bad_setting(args, settings: Settings) -> str | None:
    """What is wrong with the configuration (flags, OSS_* variables, a profile), named by where it came from."""
    for name, check in _CHECKS.items():
        value = getattr(settings, name)
        if value is None:
            continue
        source = _where(settings.origins.get(name, name))
        try:
            (check or _endpoint)(value)
        except argparse.ArgumentTypeError as e:
            return f"{source}: {e}"
    if not settings.embedded and bool(settings.access_key_id) != bool(settings.access_key_secret):
        return (
            "give both the access key id and the secret (--access-key-id/--access-key-secret, "
            "OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET or a profile), or neither for anonymous access"
        )
    return None


def _accounts(args, env: Environment) -> Accounts:
    """The settings the command line gives (each option's dest is its config key's name)."""
    flags = {k.field: getattr(args, k.field) for k in KEYS if k.flag}
    return Accounts({**flags, "profile": args.profile, "config_file": args.config_file}, env.environ)


def main(argv: list[str] | None = None, env: Environment | None = None) -> ExitStatus | int:
    """Run ossh with argv (default: the process's) in env (default: the process's streams, variables, working
    directory and clock); return the exit status (an ExitStatus, or the N of `exit N`). Everything it starts
    (the embedded server, connections) is stopped before it returns, so it may run many times in one process."""
    status = _main(sys.argv[1:] if argv is None else list(argv), env or Environment())
    try:
        return ExitStatus(status)
    except ValueError:  # `exit N` with an N of its own
        return status


def _main(argv: list[str], env: Environment) -> int:
    if argv[:1] == ["serve"]:  # the server's own entry point: it writes to the process's streams
        from ossh.server.serve import main as serve

        try:
            return serve(argv[1:], default_root=env.data_dir)
        except SystemExit as e:  # its --help or a bad flag
            return e.code or 0
    # osscmd spelled the flag --debug=true / --debug=false
    argv = [{"--debug=true": "--debug"}.get(a, a) for a in argv if a != "--debug=false"]
    try:
        args = _parser(env).parse_args(argv)
    except SystemExit as e:  # --help, --version, or a usage error already written to env's streams
        return e.code or 0
    accounts = _accounts(args, env)
    fixing = args.command[:1] == ["config"]  # `ossh config ...` is how a broken config gets fixed
    try:
        settings = accounts.resolve()
        problem = _bad_setting(args, settings)
    except ConfigError as e:
        settings, problem = Settings(), f"config: {e}"
    if problem:
        status = cmdline.usage_error("ossh", problem, env.stderr)
        if not fixing:
            return status
        settings = Settings()
    if not args.quiet:
        for note in settings.notes:
            env.stderr.write(f"ossh: {note}\n")
    with contextlib.ExitStack() as stack:
        try:
            return _run(args, accounts, settings, stack, env)
        except KeyboardInterrupt:
            return ExitStatus.INTERRUPTED
        except BrokenPipeError:
            _silence(env.stdout)
            return ExitStatus.ERROR


def _silence(stdout) -> None:
    """The reader went away (`ossh cat big | head`): point the descriptor at /dev/null, so that Python's own
    flush at exit does not complain about the pipe."""
    try:
        fd = stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a file (an in-process caller's buffer)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


def _run(args, accounts: Accounts, settings: Settings, stack: contextlib.ExitStack, env: Environment) -> int:
    """Decide the mode from args and env, then build the Context and Executor once, with what that mode needs."""
    from .shell.executor import Executor
    from .shell.progress import no_progress
    from .shell.state import Context, ShellState

    batch = args.commands is not None or args.batch_file or not (args.command or env.stdin_isatty)
    interactive = not (batch or args.command)
    # colour and progress bars only for a person at a terminal: never in batch mode
    on_terminal = not batch and env.stdout_isatty
    progress = no_progress
    if on_terminal and env.stderr_isatty:
        from .shell.progress import terminal_progress

        progress = functools.partial(terminal_progress, clock=env.clock)

    def notice(text: str) -> None:  # starting the embedded server is said where someone looks
        if interactive or args.verbose:
            executor.notice(text)

    def connect(chosen: Settings) -> ClientFactory:
        return ClientFactory(chosen, stack, env, notice)

    factory = connect(settings)
    state = ShellState(
        format="json" if args.json or settings.output_format == "json" else "text", local_cwd=env.cwd, home=env.home
    )
    ctx = Context(
        state,
        factory,
        endpoint_label=factory.label,
        profile=settings.profile,
        progress=progress,
        checkpoints=str(env.state_dir / "checkpoints"),
        embedded=settings.embedded,
        accounts=accounts,
        connect=connect,
        env=env,
    )
    executor = Executor(
        ctx,
        env.stdout,
        env.stderr,
        color=on_terminal and env.colors and not args.json,
        debug=args.debug,
        quiet=args.quiet,
    )
    if args.command:
        from .shell.words import argv_words  # read as if typed bare; \* \? \[ stay literal

        return executor.status(executor.run(argv_words(args.command)))
    if batch:
        return _batch(args, executor, env)
    from .shell import repl

    _ = ctx.client  # start the embedded server (and say so) before the first prompt
    return repl.run_on_terminal(executor, env.state_dir / "history")


def _batch(args, executor, env: Environment) -> int:
    from .shell.batch import run_lines, run_string

    if args.commands is not None:
        return run_string(executor, args.commands)
    if not args.batch_file:
        return run_lines(executor, env.stdin or ())  # no standard input at all: nothing to do
    try:
        with open(os.path.join(env.cwd, args.batch_file), encoding="utf-8") as f:
            return run_lines(executor, f)
    except OSError as e:
        executor.report("-b", None, f"{args.batch_file}: {e.strerror}")
        return ExitStatus.USAGE
    except UnicodeDecodeError:
        executor.report("-b", None, f"{args.batch_file}: not a text file (UTF-8)")
        return ExitStatus.USAGE
