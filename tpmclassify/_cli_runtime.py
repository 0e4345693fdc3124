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

__all__ = ["TOO_MANY_ERRORS", "Terminated", "error_status", "long_run", "messages", "sigterm_interrupts"]


#: The exit status of a run whose output is written, but with more rows that could not be classified than
#: ``--max-errors`` allows (2 is a refusal, with nothing written; 1 a bug).
TOO_MANY_ERRORS = 3


def long_run(quiet: bool, job: Callable[[], object], max_errors: int | None = None, command: str = "") -> int:
    """Run a command's job over a whole file (the cycle collector tuned for it, see ``collecting_less``), and say
    what it did unless ``quiet``; :func:`error_status` of its summary."""
    from ._workers import collecting_less

    with collecting_less():
        summary = job()
    if not quiet:
        print(summary, file=sys.stderr)
    return error_status(getattr(summary, "errors", 0), getattr(summary, "rows", 0), max_errors, command)


def error_status(errors: int, rows: int, max_errors: int | None, command: str = "") -> int:
    """0, or :data:`TOO_MANY_ERRORS` with a line on standard error (said even when quiet: a job that checks only
    the status must be told) when more than ``max_errors`` rows could not be classified; the line begins as every
    error of the ``command`` does ("tpmclassify batch: error: ...")."""
    if max_errors is None or errors <= max_errors:
        return 0
    begun = f"tpmclassify {command}: " if command else ""
    print(
        f"{begun}error: {errors} of {rows} rows could not be classified, more than --max-errors {max_errors}; the "
        f"output is written, those rows marked as errors (exit status {TOO_MANY_ERRORS})",
        file=sys.stderr,
    )
    return TOO_MANY_ERRORS


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
    """SIGTERM (or SIGHUP: the terminal or ssh session gone), raised in the main thread so that it unwinds (temporary
    files removed) as Ctrl-C does; ``signum`` is the signal's number."""

    def __init__(self, signum: int = signal.SIGTERM) -> None:
        super().__init__()
        self.signum = signum


@contextmanager
def sigterm_interrupts() -> Iterator[None]:
    """While running a command, SIGTERM raises :class:`Terminated` (main thread only; else nothing changes), as
    SIGHUP does unless ignored (``nohup``), and
    it and Ctrl-C (SIGINT, unless ignored) stop any output from being published even when their exception is lost
    (raised inside a finalizer, which Python only prints: the run went on and published its output, exit 0)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    from ._atomic import interruptions

    with interruptions() as interrupted:

        def terminate(signum: int, frame: object) -> None:
            interrupted(Terminated)
            raise Terminated(signum)

        def interrupt(signum: int, frame: object) -> None:
            interrupted(KeyboardInterrupt)
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, terminate)
        hangup: int | None = getattr(signal, "SIGHUP", None)  # (not on Windows)
        hung = hangup is not None and signal.getsignal(hangup) is signal.SIG_DFL  # (nohup ignores it: left so)
        if hung:
            signal.signal(hangup, terminate)  # type: ignore[arg-type]
        sigint = signal.getsignal(signal.SIGINT)
        # Python's own handler only: an application's own is left to it, and a job started in the background, which
        # ignores Ctrl-C, still does
        handled = sigint is signal.default_int_handler
        if handled:
            signal.signal(signal.SIGINT, interrupt)
        try:
            yield
        finally:
            signal.signal(signal.SIGTERM, previous)
            if hung:
                signal.signal(hangup, signal.SIG_DFL)  # type: ignore[arg-type]
            if handled:
                signal.signal(signal.SIGINT, sigint)
