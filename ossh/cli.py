"""The `ossh` command line: argv -> interactive shell | batch (stdin, -b, -c) | one command | serve."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys

from . import __version__, cmdline
from .config import ENV, Settings, data_dir, resolve, state_dir

EMBEDDED_REGION = "cn-hangzhou"


def _parser() -> argparse.ArgumentParser:
    p = cmdline.OneLineParser(
        prog="ossh", description="An interactive shell for Alibaba Cloud OSS and OSS-compatible servers.",
        epilog="Without a command: a shell on a terminal, batch mode when standard input is not one. "
               "`ossh serve --help` runs the embedded server. Inside the shell, `help` lists the commands.")
    p.add_argument("--endpoint", help="OSS endpoint URL (env OSS_ENDPOINT)")
    p.add_argument("--region", help="region for V4 signatures (env OSS_REGION)")
    p.add_argument("--access-key-id", help="env OSS_ACCESS_KEY_ID")
    p.add_argument("--access-key-secret", help="env OSS_ACCESS_KEY_SECRET")
    p.add_argument("--json", action="store_true", help="print one JSON object per line (errors too, on stderr)")
    p.add_argument("--debug", action="store_true", help="show tracebacks")
    talk = p.add_mutually_exclusive_group()
    talk.add_argument("--verbose", "-v", action="store_true",
                      help="say what ossh does on its own (such as starting the embedded server) in every mode")
    talk.add_argument("--quiet", "-q", action="store_true", help="no notices or warnings, only errors")
    p.add_argument("-c", dest="commands", metavar="'CMD; CMD'", help="run these commands and exit")
    p.add_argument("-b", dest="batch_file", metavar="FILE", help="run the commands in FILE (sftp -b semantics)")
    p.add_argument("--version", action="version", version=f"ossh {__version__}")
    p.add_argument("command", nargs=argparse.REMAINDER, help="one command and its arguments, then exit")
    return p


class ClientFactory:
    """Creates the OssClient on first use; with nothing configured, starts the embedded server first and, when
    `notice` is set, says so (the interactive shell and --verbose do; scripts get clean stderr)."""

    def __init__(self, settings: Settings, stack: contextlib.ExitStack, notice=None):
        self.settings = settings
        self.stack = stack
        self.notice = notice

    @property
    def label(self) -> str:
        return self.settings.endpoint or f"embedded ({data_dir()})"

    def __call__(self):
        from ossh.client import OssClient

        s = self.settings
        if not s.embedded:
            return OssClient(s.endpoint, s.access_key_id, s.access_key_secret, region=s.region,
                             security_token=s.security_token)
        from ossh.server import LocalServer

        root = data_dir()
        root.mkdir(parents=True, exist_ok=True)
        # the key pair kept in the store, never OSS_ACCESS_KEY_*: the store's buckets belong to it
        srv = self.stack.enter_context(LocalServer(root, credentials="stored"))
        if self.notice is not None:
            self.notice(f"no endpoint configured; started the embedded server at {srv.endpoint} (store {root})")
        return OssClient(srv.endpoint, srv.access_key_id, srv.access_key_secret,
                         region=getattr(srv, "region", EMBEDDED_REGION))


_CHECKS = {"endpoint": None, "region": cmdline.region, "access_key_id": cmdline.access_key_id,
           "access_key_secret": cmdline.secret, "security_token": cmdline.secret}


def _endpoint(text: str) -> str:
    from ossh.client.endpoint import Endpoint   # only when one is configured: `ossh -c pwd` stays light
    from ossh.client.errors import ClientError

    try:
        Endpoint.parse(text)
    except ClientError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def _bad_setting(args, settings: Settings) -> str | None:
    """What is wrong with the configuration (flags or OSS_* variables), named by where it came from."""
    for name, check in _CHECKS.items():
        value = getattr(settings, name)
        if value is None:
            continue
        source = f"--{name.replace('_', '-')}" if getattr(args, name, None) else ENV[name]
        try:
            (check or _endpoint)(value)
        except argparse.ArgumentTypeError as e:
            return f"{source}: {e}"
    if not settings.embedded and bool(settings.access_key_id) != bool(settings.access_key_secret):
        return ("give both the access key id and the secret (--access-key-id/--access-key-secret or "
                "OSS_ACCESS_KEY_ID/OSS_ACCESS_KEY_SECRET), or neither for anonymous access")
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["serve"]:
        from ossh.server.serve import main as serve
        return serve(argv[1:], default_root=data_dir())
    # osscmd spelled the flag --debug=true / --debug=false
    argv = [{"--debug=true": "--debug"}.get(a, a) for a in argv if a != "--debug=false"]
    args = _parser().parse_args(argv)
    settings = resolve({"endpoint": args.endpoint, "region": args.region,
                        "access_key_id": args.access_key_id, "access_key_secret": args.access_key_secret})
    problem = _bad_setting(args, settings)
    if problem:
        return cmdline.usage_error("ossh", problem)
    with contextlib.ExitStack() as stack:
        try:
            return _run(args, settings, stack)
        except KeyboardInterrupt:
            return 130
        except BrokenPipeError:
            # the reader went away (`ossh cat big | head`); keep Python from complaining at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 1


def _run(args, settings: Settings, stack: contextlib.ExitStack) -> int:
    from .shell.executor import Executor, Outcome
    from .shell.state import Context, ShellState

    factory = ClientFactory(settings, stack)
    state = ShellState(format="json" if args.json else "text")
    ctx = Context(state, factory, endpoint_label=factory.label, profile=settings.profile,
                  checkpoints=str(state_dir() / "checkpoints"), embedded=settings.embedded)
    stdin_tty = sys.stdin is not None and sys.stdin.isatty()
    batch = args.commands is not None or args.batch_file or not (args.command or stdin_tty)
    interactive = not (batch or args.command)
    # colour and progress bars only for a person at a terminal: never in batch mode
    on_terminal = not batch and sys.stdout.isatty()
    executor = Executor(ctx, color=on_terminal and not args.json, debug=args.debug, quiet=args.quiet)
    if interactive or args.verbose:
        factory.notice = executor.notice
    if on_terminal and sys.stderr.isatty():
        from .shell.progress import terminal_progress
        ctx.progress = terminal_progress
    if args.command:
        from .shell.words import argv_words     # read as if typed bare; \* \? \[ stay literal

        outcome = executor.run(argv_words(args.command))
        if outcome is Outcome.EXIT:
            return executor.exit_status or 0
        if outcome is Outcome.FAILED and executor.usage_failed:
            return cmdline.USAGE_STATUS
        return {Outcome.OK: 0, Outcome.CANCELLED: 130}.get(outcome, 1)
    if batch:
        return _batch(args, executor)
    from .shell import repl

    ctx.client  # start the embedded server (and say so) before the first prompt
    return repl.run(executor, state_dir() / "history")


def _batch(args, executor) -> int:
    from .shell.batch import run_lines, run_string

    if args.commands is not None:
        return run_string(executor, args.commands)
    if not args.batch_file:
        return run_lines(executor, sys.stdin or ())     # no standard input at all: nothing to do
    try:
        with open(args.batch_file, encoding="utf-8") as f:
            return run_lines(executor, f)
    except OSError as e:
        executor.report("-b", None, f"{args.batch_file}: {e.strerror}")
        return cmdline.USAGE_STATUS
    except UnicodeDecodeError:
        executor.report("-b", None, f"{args.batch_file}: not a text file (UTF-8)")
        return cmdline.USAGE_STATUS
