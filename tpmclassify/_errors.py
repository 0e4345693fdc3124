"""The errors tpmclassify raises on purpose: each says what is wrong and how to fix it.

The command line prints these as one line; any other exception is a bug and is shown with its traceback.

A message names the option that fixes the problem as ``{opt:name=value}``: it reads as the keyword argument from
Python (``overwrite=True``, ``title_column=...``) and as the flag on the command line (``--overwrite``,
``--title-column``), so that each error has one wording and never mixes the two.
"""

from __future__ import annotations

import operator
import os
import re
import sys
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

__all__ = [
    "DELIMITERS",
    "BatchError",
    "ColumnError",
    "InputNotFoundError",
    "PostingError",
    "PostingTypeError",
    "TPMClassifyError",
    "check_count",
    "command_line_wording",
    "input_not_found",
    "look_alike",
    "missing_column",
    "separator_hint",
    "warn",
]

_COMMAND_LINE: ContextVar[bool] = ContextVar("tpmclassify_command_line", default=False)


@contextmanager
def command_line_wording() -> Iterator[None]:
    """While this runs, messages name options as command-line flags (the ``tpmclassify`` command sets it)."""
    token = _COMMAND_LINE.set(True)
    try:
        yield
    finally:
        _COMMAND_LINE.reset(token)


def option_text(option: str, flag: str | None = None) -> str:
    """How to write ``option`` (a keyword as ``name=value``, value optional) to whoever is calling: as the keyword
    from Python, as the flag (by default ``--name`` with dashes) on the command line.

    Examples
    --------
    >>> option_text("overwrite=True"), option_text("title_column="), option_text("show_columns=[...]", "--show-column")
    ('overwrite=True', 'title_column=...', 'show_columns=[...]')
    >>> with command_line_wording():
    ...     option_text("overwrite=True"), option_text("title_column="), option_text("show_columns=", "--show-column")
    ('--overwrite', '--title-column', '--show-column')
    """
    name, _, value = option.partition("=")
    if _COMMAND_LINE.get():
        return flag or _flag(name)
    return f"{name}={value or '...'}"


def _flag(name: str) -> str:
    """The command line's flag for the keyword ``name``: ``--name``, with dashes."""
    return "--" + name.replace("_", "-")


#: An option in a message: ``{opt:name=value}``, or ``{opt:name=value|--flag}`` when the flag is not ``--name``.
_OPTION = re.compile(r"\{opt:(\w+=[^{}|]*)(?:\|(--[\w-]+))?\}")
#: An argument named in a message, without a value: ``{arg:name}``, the keyword's name or the flag ``--name``.
_ARGUMENT = re.compile(r"\{arg:(\w+)\}")


def _named(text: str) -> str:
    """``text`` with its options and arguments written as the caller writes them."""
    text = _OPTION.sub(lambda m: option_text(m[1], m[2]), text)
    return _ARGUMENT.sub(lambda m: _flag(m[1]) if _COMMAND_LINE.get() else m[1], text)


class TPMClassifyError(Exception):
    """Base of the errors raised on purpose (bad input, file, column or model file), never of a bug.

    Its message says what is wrong and how to fix it; ``{opt:name=value}`` (or ``{opt:name=value|--flag}``) in it
    is an option, written as the caller writes it (see :func:`option_text`), and ``{arg:name}`` an argument's name
    (``name`` from Python, ``--name`` on the command line).

    Examples
    --------
    >>> print(TPMClassifyError("out.csv exists; pass {opt:overwrite=True} to replace it"))
    out.csv exists; pass overwrite=True to replace it
    """

    def __str__(self) -> str:
        return _named(Exception.__str__(self))


class PostingError(TPMClassifyError, ValueError):
    """A posting text cannot be classified (empty, no words, too long)."""


class InvalidValueError(TPMClassifyError, ValueError):
    """A value the caller gave is not one the library accepts: an unknown label, a prior outside (0, 1), a number
    of folds the data cannot have."""


class PostingTypeError(TPMClassifyError, TypeError):
    """A posting is not a ``str``."""


class ColumnError(TPMClassifyError, KeyError):
    """A table lacks a column it needs (a ``KeyError``, for code that catches that; its message is not quoted)."""


class BatchError(TPMClassifyError, ValueError):
    """A batch run cannot start or finish (bad file, column, encoding or output path)."""


class InputNotFoundError(BatchError, FileNotFoundError):
    """A file named as input does not exist (whatever reads it: batch, audit, train; a ``FileNotFoundError`` too)."""


def missing_column(
    column: object, columns: Iterable[object], option: str, error: type[TPMClassifyError] = ColumnError
) -> TPMClassifyError:
    """The one wording of "this table has no such column", with the option that names another (unless the header
    looks read with the wrong separator: then that is the fix to say).

    Examples
    --------
    >>> print(missing_column("title", ["Job Title", "Company"], "title_column="))
    no column 'title'; the columns are: Job Title, Company (name the right one with title_column=...)
    """
    columns = list(columns)
    fix = separator_hint(columns) or f" (name the right one with {{opt:{option}}})"
    return error(
        f"no column {column!r}; the columns are: {', '.join(map(str, columns))}{fix}{look_alike(column, columns)}"
    )


def look_alike(name: object, columns: Iterable[object]) -> str:
    """What to add to a refusal of ``name`` when a column's name looks the same and is not: it differs in case,
    blanks around it, invisible characters or how its accents are composed (a header's "description " or
    a zero-width space before it, an accent written as a letter and a mark), shown escaped; else ``""``.

    Examples
    --------
    >>> print(look_alike("text", ["id", "text "]))
    ; the column 'text ' is not 'text': it differs only in what a reader cannot tell apart (case, blanks around it, \
invisible characters, or how its letters are written)
    >>> look_alike("title", ["Job Title"])
    ''
    """
    key = _loose(name)
    found = next((c for c in columns if c != name and _loose(c) == key), None)
    if found is None:
        return ""
    return (
        f"; the column {ascii(str(found))} is not {ascii(str(name))}: it differs only in what a reader cannot tell "
        "apart (case, blanks around it, invisible characters, or how its letters are written)"
    )


def _loose(name: object) -> str:
    """A column's name without what a reader cannot see: case, blanks around it, format characters (a zero-width
    space) and how its accents are composed."""
    text = unicodedata.normalize("NFKC", str(name))
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf").strip().casefold()


#: What else may separate a CSV file's fields than a comma: what its reading looks for (``_csv.delimiter_of``) and what
#: a one-column header is said to hold (:func:`separator_hint`).
DELIMITERS = (";", "\t", "|")


def separator_hint(columns: Sequence[object]) -> str:
    """What to say of a header read as one column that holds another separator (a European spreadsheet's ``;``, a
    tab), else ``""``: a file is read with commas unless its header and first records agree on another delimiter
    (``_csv.delimiter_of``), so such a header's file is one whose rows do not.

    Examples
    --------
    >>> separator_hint(["title;description;label"])
    " (the header is one column holding ';': the file looks ';'-separated, but its first rows do not read into as \
many fields; check them, or save the file as comma-separated CSV)"
    """
    if len(columns) != 1:
        return ""
    for sep in DELIMITERS:
        if sep in str(columns[0]):
            return (
                f" (the header is one column holding {sep!r}: the file looks {sep!r}-separated, but its first rows do "
                "not read into as many fields; check them, or save the file as comma-separated CSV)"
            )
    return ""


def check_count(n: object, what: str) -> int:
    """``n`` as an int if it is a count (an integer of any kind, numpy's too, 0 or more), else a refusal naming
    ``what`` it counts.

    >>> check_count(3, "reasons")
    3
    >>> check_count(2.5, "reasons")
    Traceback (most recent call last):
    ...
    tpmclassify._errors.InvalidValueError: n must be a count of reasons (an integer, 0 or more), got 2.5
    """
    try:
        count = operator.index(n)  # type: ignore[arg-type]
    except TypeError:
        count = -1
    if isinstance(n, bool) or count < 0:
        raise InvalidValueError(f"n must be a count of {what} (an integer, 0 or more), got {n!r}")
    return count


def input_not_found(path: object, hint: str = "") -> InputNotFoundError:
    """The one wording of "the input file does not exist" (``hint``: what else the caller may have meant), or, for a
    path that exists but is no regular file (a folder, a pipe, a device), what it is instead."""
    text = str(path)
    if os.path.isdir(text):
        return InputNotFoundError(f"input is a folder, not a file: {path}")
    if os.path.exists(text):
        return InputNotFoundError(f"input is not a regular file (a pipe, a device or a socket): {path}")
    return InputNotFoundError(f"input file not found: {path}" + (f" ({hint})" if hint else ""))


#: This package's folder: a warning points at the first line outside it.
_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


def warn(message: str, category: type[Warning] = UserWarning) -> None:
    """Warn at the line that called this library (a script's or a notebook cell's), however deep inside it the
    warning arises and whichever public function led there (``train`` or ``TPMClassifier.fit``, say)."""
    frame, level = sys._getframe(1), 2  # (stacklevel 2: the caller of this function)
    while frame.f_back is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, category, stacklevel=level)
