"""Runs one command (a list of words): lookup, argument parsing, rendering, and one-line errors."""

from __future__ import annotations

import enum
import json
import sys
import traceback

from ossh.status import ExitStatus

from .commands import REGISTRY
from .registry import CommandError, ExitShell, Registry, UsageError
from .render import Renderer, human_size, printable
from .state import Context


class Outcome(enum.Enum):
    OK = "ok"
    FAILED = "failed"
    USAGE = "usage"  # failed before doing anything: bad arguments, unknown command
    CANCELLED = "cancelled"
    EXIT = "exit"


_STATUS = {
    Outcome.OK: ExitStatus.OK,
    Outcome.EXIT: ExitStatus.OK,
    Outcome.FAILED: ExitStatus.ERROR,
    Outcome.USAGE: ExitStatus.USAGE,
    Outcome.CANCELLED: ExitStatus.INTERRUPTED,
}


def _is_oss_error(exc: BaseException) -> bool:
    # ossh.client is imported lazily (it pulls in requests); an OssError can only exist once it was.
    errors = sys.modules.get("ossh.client.errors")
    return errors is not None and isinstance(exc, errors.OssError)


def describe(exc: BaseException) -> str:
    """The one-line reason shown to the user (OssError's str already ends with code and request id), with
    control characters escaped: messages, codes and key names come from the server."""
    return printable(_reason(exc))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
    text = str(exc).strip().splitlines()
    if _is_oss_error(exc) and exc.bucket:  # the path the failed request was about
        return f"oss://{exc.bucket}/{exc.key or ''}: {text[0] if text else type(exc).__name__}"
    if isinstance(exc, (UsageError, CommandError)) or _is_oss_error(exc):
        return text[0] if text else type(exc).__name__
    return f"internal error: {type(exc).__name__}: {text[0] if text else ''}".rstrip(": ")


def cancelled(stopped: KeyboardInterrupt, name: str) -> str:
    """'cancelled', and what the stopped transfers keep for the same command to resume (Interrupted.kept)."""
    kept = getattr(stopped, "kept", None)
    if not kept:
        return "cancelled"
    again = f"run the same {name} again to continue"
    if len(kept) > 1:
        held = human_size(sum(k.bytes_done for k in kept))
        return f"cancelled; {held} in finished parts of {len(kept)} files are kept for resuming: {again}"
    k = kept[0]
    done = f"{k.parts_done} of {k.parts} parts ({human_size(k.bytes_done)} of {human_size(k.size)})"
    if k.direction == "download":
        return f"cancelled; {done} are kept in {k.temp} for resuming: {again}, or delete it"
    drop = f"`mpu abort oss://{k.bucket}/{k.key} {k.upload_id}`"
    return f"cancelled; {done} are kept for resuming: {again}, or {drop} to drop them"


def _error_fields(exc: BaseException | None) -> dict:
    """The OSS code and request id of a failure, for --json errors (absent when there are none)."""
    if exc is None or not _is_oss_error(exc):
        return {}
    return {k: v for k, v in (("code", exc.code), ("request_id", exc.request_id)) if v}


class Executor:
    """out and err default to the streams of ctx's Environment."""

    def __init__(
        self,
        ctx: Context,
        out=None,
        err=None,
        color: bool = False,
        debug: bool = False,
        registry: Registry = REGISTRY,
        quiet: bool = False,
    ):
        self.ctx = ctx
        self.out = out or ctx.env.stdout
        self.err = err or ctx.env.stderr
        self.color = color
        self.debug = debug
        self.registry = registry
        self.quiet = quiet  # no notices or warnings; errors are always reported
        self.exit_status: int | None = None  # the N of the last `exit N` (None: a plain `exit`)
        self._running = ""
        ctx.warn = lambda text: self.warn(self._running, text)

    def run(self, words: list[str], where: str = "") -> Outcome:
        """Run one command; errors go to stderr as `ossh: [where: ]<command>: <reason>`."""
        # shown in error lines: a typed (or pasted) word may hold anything
        name = self._running = printable(words[0])
        clock = self.ctx.env.clock
        started = clock()
        try:
            cmd, args = self.registry.lookup(words)
            name = self._running = printable(cmd.name)
            namespace = cmd.parse(args)
            renderer = Renderer(self.out, self.ctx.state.format, self.color)
            renderer.render(cmd.func(self.ctx, namespace))
            if renderer.mid_line and self.ctx.interactive:
                self.out.write("\n")  # else the next prompt would draw over the last line
            self.out.flush()
        except ExitShell as e:
            self.exit_status = e.status
            return Outcome.EXIT
        except BrokenPipeError:
            raise  # the reader left (`| head`): the command line ends quietly
        except KeyboardInterrupt as stopped:
            self.report(where, name, printable(cancelled(stopped, name)))
            self.ctx.state.last_result = f"{name}: cancelled"
            return Outcome.CANCELLED
        except Exception as exc:  # every failure becomes one line; --debug adds the traceback
            if self.debug:  # the traceback quotes the same hostile texts: escaped line by line
                self.err.write("".join(printable(line) + "\n" for line in traceback.format_exc().splitlines()))
            reason = describe(exc)
            self.report(where, name, reason, exc)
            self.ctx.state.last_result = f"{name}: {reason}"
            return Outcome.USAGE if isinstance(exc, UsageError) else Outcome.FAILED
        self.ctx.state.last_result = f"{name}: ok ({clock() - started:.2f}s)"
        return Outcome.OK

    def status(self, outcome: Outcome) -> ExitStatus | int:
        """The process exit status when outcome decides the run: `exit N` gives N, else ossh's statuses."""
        if outcome is Outcome.EXIT and self.exit_status is not None:
            return self.exit_status
        return _STATUS[outcome]

    @property
    def json(self) -> bool:
        return self.ctx.state.format == "json"

    def report(self, where: str, name: str | None, reason: str, exc: BaseException | None = None) -> None:
        """An error: `ossh: [where: ][name: ]reason`, or with --json one object on a line of its own."""
        if self.json:
            fields = _error_fields(exc)
            suffix = str(exc)[len(exc.message) :] if fields and isinstance(exc.message, str) else ""
            message = reason[: -len(suffix)] if suffix and reason.endswith(suffix) else reason
            self._emit(where, {**({"command": name} if name else {}), "message": message, **fields})
        else:
            self._emit(where, f"{name}: {reason}" if name else reason)

    def warn(self, name: str, text: str) -> None:
        """Something the user should know about a command that worked (--quiet silences it)."""
        if not self.quiet:
            self._emit("", {"command": name, "warning": text} if self.json else f"{name}: warning: {text}")

    def notice(self, text: str) -> None:
        """What ossh did on its own, such as starting the embedded server (--quiet silences it)."""
        if not self.quiet:
            self._emit("", {"notice": text} if self.json else text)

    def _emit(self, where: str, what: str | dict) -> None:
        try:
            self.out.flush()
        except Exception:  # a closed stdout (e.g. `| head`) must not hide the real error
            pass
        if isinstance(what, dict):
            line = json.dumps({**({"where": where} if where else {}), **what}, ensure_ascii=False)
        else:
            line = f"ossh: {where}: {what}" if where else f"ossh: {what}"
        self.err.write(line + "\n")
        self.err.flush()
