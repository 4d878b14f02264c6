"""The interactive loop: prompt with history, suggestions, completion off the UI thread, a bottom
toolbar, Ctrl-C cancelling the line or the running command, Ctrl-D / exit leaving.
"""

from __future__ import annotations

from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
from prompt_toolkit.completion import ThreadedCompleter
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.shortcuts import confirm

from ossh.status import ExitStatus

from .completer_adapter import ClientLister, EscapedInput, ShellCompleter
from .completion import ListingCache
from .executor import Executor, Outcome
from .history import PrivateHistory
from .render import printable
from .words import QuoteError, split_commands


def _confirm(question: str) -> bool:
    try:
        return confirm(printable(question))  # the question names keys
    except (KeyboardInterrupt, EOFError):
        return False


def make_session(executor: Executor, history_path: Path, toolbar: bool, **io) -> PromptSession:
    ctx = executor.ctx

    def bottom_toolbar():
        last = ctx.state.last_result or "ready"
        return f" {ctx.endpoint_label}  profile: {ctx.profile}  last: {last}"

    try:
        history = PrivateHistory(history_path, executor.registry)
    except OSError as exc:  # the shell still runs, remembering this session's lines only
        executor.warn("history", f"not kept in {history_path}: {exc.strerror or exc}")
        history = InMemoryHistory()
    return PromptSession(
        history=history,
        auto_suggest=AutoSuggestFromHistory(),
        completer=ThreadedCompleter(ShellCompleter(ctx)),
        complete_while_typing=False,
        input_processors=[EscapedInput()],
        bottom_toolbar=bottom_toolbar if toolbar else None,
        **io,
    )


def run_on_terminal(executor: Executor, history_path: Path) -> int:
    """The shell on the terminal of the executor's Environment: the prompt, menus and progress bars all use
    its standard input and output."""
    from prompt_toolkit.application import create_app_session
    from prompt_toolkit.input import create_input
    from prompt_toolkit.output import create_output

    env = executor.ctx.env
    with create_app_session(input=create_input(env.stdin), output=create_output(env.stdout)):
        return run(executor, history_path)


def run(executor: Executor, history_path: Path, toolbar: bool = True, **io) -> int:
    """Read and run commands until exit or end of input; io: prompt_toolkit input=/output= for tests."""
    ctx = executor.ctx
    ctx.interactive = True
    ctx.confirm = _confirm
    if ctx.cache is None:
        ctx.cache = ListingCache(ClientLister(ctx), clock=ctx.env.clock)
    session = make_session(executor, history_path, toolbar, **io)
    while True:
        try:
            text = session.prompt(lambda: printable(ctx.state.prompt()) + " ")  # cd took a listed prefix
        except KeyboardInterrupt:
            continue
        except EOFError:
            return ExitStatus.OK
        try:
            commands = split_commands(text)
        except QuoteError as e:
            executor.report("", None, str(e))
            continue
        for words in commands:
            outcome = executor.run(words)
            if outcome is Outcome.EXIT:
                return executor.exit_status or ExitStatus.OK
            if outcome is Outcome.CANCELLED:
                break
