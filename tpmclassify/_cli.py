"""The ``tpmclassify`` command: classify, batch, audit, train, evaluate.

``main`` runs a command and turns what it raised into one line on standard error and an exit code. The parser is in
``_cli_parser``, the commands in ``_cli_commands``, what surrounds a running command in ``_cli_runtime``.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from ._cli_parser import make_parser
from ._cli_runtime import Terminated, messages, sigterm_interrupts
from ._version import __version__

__all__ = ["main", "run"]


#: What an interrupted command leaves: nothing half-written (an output is published only when complete), but what it
#: said it saved before (``train --evaluate`` saves the model before evaluating it) is there, complete.
_UNFINISHED = "no unfinished output was written (any it said it saved is complete)"


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    from ._errors import TPMClassifyError, command_line_wording

    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:  # a closed standard stream (`2>&-`): the null device in its place
            setattr(sys, name, open(os.devnull, mode, encoding="utf-8"))  # noqa: SIM115 - for the process's life
    args = make_parser().parse_args(argv)
    try:  # messages name options as flags (--overwrite), not as Python keywords
        with sigterm_interrupts(), messages(quiet=getattr(args, "quiet", False)), command_line_wording():
            return int(args.func(args))
    except TPMClassifyError as err:  # raised on purpose: the message says what to fix
        with command_line_wording():
            print(f"tpmclassify {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Terminated as stop:
        try:  # (after a hangup the terminal may be gone)
            print(f"tpmclassify {args.command}: terminated; {_UNFINISHED}", file=sys.stderr)
        except OSError:
            pass
        return 128 + stop.signum
    except KeyboardInterrupt:
        print(f"tpmclassify {args.command}: interrupted; {_UNFINISHED}", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head -1`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 128 + signal.SIGPIPE
    except OSError as err:  # the system's answer (a full disk, a file that cannot be read or written): not a bug
        print(f"tpmclassify {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Exception:  # anything else is a bug: show where it happened
        traceback.print_exc()
        print(
            f"tpmclassify {args.command}: internal error (a bug in tpmclassify {__version__}); please report "
            "it with the command you ran and the traceback above",
            file=sys.stderr,
        )
        return 1


def run() -> NoReturn:
    """The ``tpmclassify`` command: :func:`main` on the command line's arguments, then exit without the interpreter's
    last pass of its cycle collector over every object still held (scikit-learn, SciPy and pandas loaded: about 0.3 s
    of a 2 s command). Whatever is left is the process's own, freed by the system; atexit handlers still run."""
    code = main()
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    run()
