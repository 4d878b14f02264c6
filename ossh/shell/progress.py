"""Turns transfer progress callbacks into a prompt_toolkit progress bar on a terminal, nothing otherwise.

A bar shows the label, the percentage, the bytes moved and the total in KiB/MiB/GiB, the rate and the
time left. It is drawn only once the first byte has moved, and taken off the screen when the transfer
fails or is cancelled, so an error line never sits under a stale bar. The bar only draws: it never reads the
keyboard nor puts the terminal in raw mode (only echo is off while it is drawn), so Ctrl-C stays the
terminal's SIGINT for the main thread, which cancels the transfer (a prompt_toolkit application in raw mode
would take it as a key, on its own thread).
"""

from __future__ import annotations

import contextlib
import copy
import threading
import time

from .render import printable

MIN_BAR_BYTES = 1 << 20  # smaller transfers finish before a bar would be readable
_UNITS = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'; bytes below 1 KiB as a whole number ('512 B')."""
    size, unit = float(max(n, 0)), 0
    while size >= 1024 and unit < len(_UNITS) - 1:
        size, unit = size / 1024, unit + 1
    return f"{int(size)} B" if unit == 0 else f"{size:.1f} {_UNITS[unit]}"


def rate_text(done: int, seconds: float) -> str:
    """'12.3 MiB/s'; '' until there is something to divide."""
    return f"{human_bytes(done / seconds)}/s" if seconds > 0 and done > 0 else ""


def eta_text(done: int, total: int | None, seconds: float) -> str:
    """Time left at the rate so far, as 'eta 0:07' or 'eta 1:02:03'; '' when it cannot be told."""
    if not total or done <= 0 or seconds <= 0:
        return ""
    left = max(0, round((total - done) * seconds / done))
    hours, rest = divmod(left, 3600)
    minutes, secs = divmod(rest, 60)
    return f"eta {hours}:{minutes:02d}:{secs:02d}" if hours else f"eta {minutes}:{secs:02d}"


def amount_text(done: int, total: int | None) -> str:
    return f"{human_bytes(done)}/{human_bytes(total)}" if total else human_bytes(done)


def no_progress(label: str, total: int | None):
    return contextlib.nullcontext(None)


def _formatters():
    """Label, percentage, bar, then 'moved/total  rate  eta' (prompt_toolkit imported only for a bar)."""
    from prompt_toolkit.shortcuts.progress_bar import formatters as f

    class Transfer(f.Formatter):
        def format(self, progress_bar, progress, width):
            seconds = progress.time_elapsed.total_seconds()
            done, total = progress.items_completed, progress.total
            parts = [amount_text(done, total), rate_text(done, seconds), eta_text(done, total, seconds)]
            return "  ".join(p for p in parts if p)

        def get_width(self, progress_bar):
            from prompt_toolkit.layout.dimension import D

            return D(preferred=40)

    return [f.Label(), f.Text(" "), f.Percentage(), f.Text(" "), f.Bar(), f.Text(" "), Transfer()]


def _keyboard_left_alone(source):
    """The bar's input: it reads no key, and of the terminal's modes (`source`'s, the session's input) it
    turns off only echo while the bar runs, so typed keys do not draw over it; isig stays on, and the keys
    wait for the next prompt."""
    from prompt_toolkit.input import DummyInput

    try:
        fd = source.fileno()
    except (AttributeError, NotImplementedError, OSError, ValueError):
        fd = None

    class LeftAlone(DummyInput):
        @property
        def closed(self) -> bool:  # a closed input would end the bar at once
            return False

        def attach(self, input_ready_callback):
            return contextlib.nullcontext()

        def raw_mode(self):
            return _without_echo(fd)

    return LeftAlone()


@contextlib.contextmanager
def _without_echo(fd: int | None):
    try:
        import termios
    except ImportError:  # no termios (Windows): the console's modes stay as they are
        termios = None
    try:
        before = termios.tcgetattr(fd) if termios is not None and fd is not None else None
    except (OSError, termios.error):  # not a terminal (a pipe in tests): nothing to change
        before = None
    if before is None:
        yield
        return
    quiet = list(before)
    quiet[3] &= ~termios.ECHO
    termios.tcsetattr(fd, termios.TCSANOW, quiet)
    try:
        yield
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, before)


def _drawing_only(output):
    """The session's output without cursor-position requests: their answers come back as input, which the
    bar does not read, and would be left for whatever reads the terminal next."""
    from prompt_toolkit.output.vt100 import Vt100_Output

    if not isinstance(output, Vt100_Output):
        return output
    quiet = copy.copy(output)
    quiet._buffer = []
    quiet.enable_cpr = False
    return quiet


class _Bar:
    """One bar, started by the first byte moved (parts may report from any worker thread)."""

    def __init__(self, label: str, total: int | None, clock=time.monotonic):
        from prompt_toolkit.application.current import get_app_session

        session = get_app_session()  # taken here: worker threads do not see the caller's session
        self.output, self.input = _drawing_only(session.output), session.input
        self.label, self.total = label, total
        self.lock = threading.Lock()
        self.bar = self.counter = None
        self.closed = False  # a part still reporting after the transfer ended draws nothing
        self.clock = clock
        self.started = clock()

    def update(self, done: int, new_total: int | None = None, label: str | None = None) -> None:
        """Bytes done (and the total, if it grew); `label` replaces the bar's label (sync counts files)."""
        with self.lock:  # parts finish out of order: the bar never moves backwards
            if self.closed:
                return
            if new_total:
                self.total = new_total
            if label is not None:
                self.label = printable(label)
                if self.counter is not None:
                    self.counter.label = self.label
            if self.bar is None:
                if done <= 0:
                    return
                self._start()
            self.counter.items_completed = max(done, self.counter.items_completed)
            self.counter.total = self.total
        self.bar.invalidate()

    def _start(self) -> None:
        import datetime

        from prompt_toolkit.shortcuts import ProgressBar

        bar = ProgressBar(formatters=_formatters(), output=self.output, input=_keyboard_left_alone(self.input))
        try:
            bar.__enter__()
            counter = bar(label=self.label, total=self.total)
        except BaseException:  # Ctrl-C while the bar was being set up: neither it nor its thread stays
            if bar._thread is not None:
                bar.__exit__(None, None, None)
            raise
        # the rate counts from the transfer's start, not from the first byte
        counter.start_time -= datetime.timedelta(seconds=self.clock() - self.started)
        self.bar, self.counter = bar, counter

    def close(self, ok: bool) -> None:
        with self.lock:
            self.closed = True
            if self.bar is None:
                return
            if ok:
                self.counter.done = True
            else:  # the error (or "cancelled") line says what happened: no bar above it
                self.bar.counters.remove(self.counter)
        self.bar.__exit__(None, None, None)


@contextlib.contextmanager
def terminal_progress(label: str, total: int | None, clock=time.monotonic):
    """A context manager yielding progress(done, total, label=None) that drives one bar (thread-safe); clock:
    the Environment's, which times the transfer from its start."""
    if total is not None and total < MIN_BAR_BYTES:
        yield None
        return
    bar = _Bar(printable(label), total, clock)  # the label names a key
    try:
        yield bar.update
    except BaseException:
        bar.close(ok=False)
        raise
    bar.close(ok=True)
