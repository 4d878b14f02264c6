"""Turns transfer progress callbacks into a prompt_toolkit progress bar on a terminal, nothing otherwise."""
from __future__ import annotations

import contextlib
import threading

from .render import printable

MIN_BAR_BYTES = 1 << 20    # smaller transfers finish before a bar would be readable


def no_progress(label: str, total: int | None):
    return contextlib.nullcontext(None)


@contextlib.contextmanager
def terminal_progress(label: str, total: int | None):
    """A context manager yielding progress(done, total) that drives one bar (thread-safe)."""
    if total is not None and total < MIN_BAR_BYTES:
        yield None
        return
    from prompt_toolkit.shortcuts import ProgressBar

    lock = threading.Lock()
    with ProgressBar() as bar:
        counter = bar(label=printable(label), total=total)    # the label names a key

        def update(done: int, new_total: int | None = None) -> None:
            with lock:   # parts finish out of order: the bar never moves backwards
                counter.items_completed = max(done, counter.items_completed)
                if new_total:
                    counter.total = new_total
            bar.invalidate()
        yield update
        counter.done = True
