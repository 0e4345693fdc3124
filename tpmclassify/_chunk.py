"""What the file layer reads a table into: chunks of rows, with why each row could not be read."""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, TypeVar, cast

import pandas as pd

from ._errors import BatchError

__all__ = ["BLANK_LINE", "NUL_STAND_IN", "BatchError", "Chunk", "but_trailing_blanks", "open_binary"]

#: The error of a blank line between two rows (blank lines after the last row are no rows: :func:`but_trailing_blanks`).
BLANK_LINE = "blank line"
NUL_STAND_IN = "\ufdd0"  # a noncharacter the CSV module reads in place of NUL (Python 3.10's reader refuses NUL)


@dataclass
class Chunk:
    """Consecutive rows of a file.

    Attributes
    ----------
    frame : DataFrame
        The rows' cells (object dtype, missing cells ``None``), with the file's columns only.
    errors : list of str
        Why each row could not be read (``""`` if it could).
    raws : list of str or None
        Each row's record exactly as it was in the file (``None``: write it from its cells).
    schema : pyarrow.Schema, optional
        The file's schema, for Parquet: the output keeps the input columns' types.
    header : list of str, optional
        The columns as the file names them, when the frame's names differ (a CSV header that repeats a name or
        leaves one empty: the frame has ``name.1`` or ``unnamed``).
    unread : list of str or None, optional
        JSON lines: each line that is not a JSON object, as it is in the file (its first 1,000 characters when it
        is longer than a record may be), kept in the output; ``None`` for the others and for blank lines.
    delimiter : str, default ","
        CSV: what separates the fields of ``raws`` (and of the output's records, which follow them).
    encoding : str, optional
        The text encoding the rows were read in (``None`` for Parquet).
    newline : str, default "\\r\\n"
        CSV: what ends the file's header record (``"\\n"``, ``"\\r\\n"`` or ``"\\r"``; one that ends in
        none: ``"\\r\\n"``), and so the output's records.
    """

    frame: pd.DataFrame
    errors: list[str]
    raws: list[str | None]
    schema: Any = None
    header: list[str] | None = None
    unread: list[str | None] | None = None
    delimiter: str = ","
    encoding: str | None = None
    newline: str = "\r\n"


_Item = TypeVar("_Item")


def but_trailing_blanks(items: Iterable[_Item], blank: Callable[[_Item], bool]) -> Iterator[_Item]:
    """``items`` but for the blank ones after the last that is not: a file's blank lines at its end are no rows (as
    a spreadsheet and pandas read it), while one between two rows is a row of its own ("blank line"). Blank items are
    alike (none keeps its text), so only how many are waiting is held: memory stays bounded whatever the file.

    >>> list(but_trailing_blanks(["a", "", "", "b", "", ""], lambda s: not s))
    ['a', '', '', 'b']
    """
    waiting, count = None, 0
    for item in items:
        if blank(item):
            waiting, count = item, count + 1
            continue
        for _ in range(count):
            yield cast(_Item, waiting)
        count = 0
        yield item


def open_binary(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if path.name.lower().endswith(".gz") else open(path, "rb")
