"""What surrounds a command of the ``tpmclassify`` command line while it runs: SIGTERM turned into an interrupt, the
library's log messages and warnings on standard error, and a whole-file job run with the cycle collector tuned for
it."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["Terminated", "long_run", "messages", "sigterm_interrupts"]


def long_run(quiet: bool, job: Callable[[], object]) -> int:
    """Run a command's job over a whole file (the cycle collector tuned for it, see ``collecting_less``), and say
    what it did unless ``quiet``."""
    from ._workers import collecting_less

    with collecting_less():
        summary = job()
    if not quiet:
        print(summary, file=sys.stderr)
    return 0


@contextmanager
def messages(quiet: bool) -> Iterator[None]:
    """The library's informational log messages (which column, which encoding) on standard error, while a command
    runs; none with ``--quiet``. The library itself only logs (logger "tpmclassify"); it never prints. Warnings
    are shown as one line each."""
    import warnings

    logger = logging.getLogger("tpmclassify")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level, formatwarning = logger.level, warnings.formatwarning
    if not quiet:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # a warning reads as one line of the command's, not as a line of the library's source
    warnings.formatwarning = lambda message, *_args, **_kwargs: f"warning: {message}\n"
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        warnings.formatwarning = formatwarning


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it unwinds (temporary files removed) as Ctrl-C does."""


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While running a command, SIGTERM raises :class:`Terminated` (main thread only; else nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
