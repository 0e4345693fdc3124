"""CSV records read robustly: quotes that never close, enormous lines, NUL bytes and odd encodings become error
rows, and the reader finds its feet again at the next record; every record keeps its text as it was in the file."""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any

import pandas as pd

from ._chunk import BLANK_LINE, NUL_STAND_IN, BatchError, Chunk, but_trailing_blanks, open_binary
from ._errors import DELIMITERS, separator_hint

__all__ = [
    "DELIMITERS",
    "DETECT_CHARS",
    "DETECT_LINES",
    "MAX_RECORD_CHARS",
    "bounded_lines",
    "csv_chunks",
    "delimiter_of",
    "too_long",
]


#: A spreadsheet's note of its separator on a CSV file's first line, before the header (``sep=;``).
_SEP_LINE = re.compile(r"\ufeff?sep=([,;\t|])(?:\r\n|\n|\r)?\Z", re.IGNORECASE)


def csv_chunks(path: Path, encoding: str, chunk_size: int, limit: int) -> Iterator[Chunk]:
    """A CSV file's rows in chunks of ``chunk_size``; a record over ``limit`` characters is an error row. Fields are
    separated by commas, or by what :func:`delimiter_of` finds in the file, or by what a first line ``sep=;`` says
    (that line is a spreadsheet's, not the header: it is passed over, as a spreadsheet does)."""
    _allow_long_fields()
    with io.TextIOWrapper(open_binary(path), encoding=encoding, newline="") as f, ExitStack() as rereading:
        physical = bounded_lines(f, limit)
        line = next(physical, None)
        sep = _SEP_LINE.match(line[0]) if line is not None else None
        if sep is None and line is not None:
            physical = chain([line], physical)
        delimiter = sep.group(1) if sep else delimiter_of(path, encoding, limit)
        passed = 1 if sep else 0  # lines before the header's

        ahead: Iterator[tuple[str, bool]] = iter(())  # a second reader of the file's lines
        given = 0  # how many of them it has given

        def reread(skip: int) -> Iterator[tuple[str, bool]]:  # the file's lines after its first ``skip``, again
            # read on by one reader, which only moves forward (each ``skip`` is past the lines read again before):
            # read from the file's start each time, records past the limit all through a file took quadratic time
            nonlocal ahead, given
            if given == 0 or given > skip:
                rereading.close()
                again = rereading.enter_context(io.TextIOWrapper(open_binary(path), encoding=encoding, newline=""))
                ahead, given = islice(bounded_lines(again, limit), passed, None), 0
            next(islice(ahead, skip - given, skip - given), None)  # (passed over)
            given = skip
            for line in ahead:  # noqa: UP028 (``yield from`` would close the reader with this generator)
                given += 1
                yield line

        records = iter(_CsvRecords(physical, limit, reread, delimiter))
        first = next(records, None)
        if first is None:
            raise BatchError(f"{path} is empty: no header row")
        if first[2]:
            raise BatchError(f"{path}: the header row cannot be read: {first[2]}")
        if NUL_STAND_IN in "".join(first[0]):
            raise BatchError(f"{path}: the header contains NUL bytes; is it a text file? (UTF-16 needs a BOM)")
        if first[0] and first[0][0].startswith("\ufeff"):  # a byte-order mark read as text (--encoding utf-8)
            first[0][0] = first[0][0][1:]
        columns = _dedupe(first[0])
        header = list(first[0]) if columns != first[0] else None
        # a header that ends with empty names (a spreadsheet's trailing separators): a row may leave those out
        unnamed = next((k for k, name in enumerate(reversed(first[0])) if name), 0)
        newline = next((end for end in ("\r\n", "\n", "\r") if first[1][-1].endswith(end)), "\r\n")
        rows: list[list[str | None]] = []
        errors: list[str] = []
        raws: list[str | None] = []
        yielded = False
        marked = ((*record, _blank(record, delimiter)) for record in records)  # (each record judged once)
        for fields, lines, unreadable, blank in but_trailing_blanks(marked, lambda r: r[3]):
            cells, error, raw = _csv_row(fields, lines, unreadable, columns, unnamed, blank)
            rows.append(cells)
            errors.append(error)
            raws.append(raw)
            if len(rows) >= chunk_size:
                yield _csv_chunk(rows, columns, errors, raws, header, delimiter, newline)
                rows, errors, raws, yielded = [], [], [], True
        if rows or not yielded:  # a header-only file still gives its (empty) table
            yield _csv_chunk(rows, columns, errors, raws, header, delimiter, newline)


def _blank(record: tuple[list[str], list[str], str], delimiter: str) -> bool:
    """A blank line (nothing but blanks, read without error; a tab-separated row of empty cells is a row): a row only
    when a row follows it."""
    raw = "".join(record[1])
    return not record[2] and not raw.strip() and delimiter not in raw


def delimiter_of(path: Path, encoding: str, limit: int) -> str:
    """What separates the fields of a CSV file: a comma, unless the file does not read as comma-separated columns and
    one of :data:`DELIMITERS` does (a European spreadsheet's ``;``, a tab, a pipe; of several, the one with the most
    columns).

    The file's start (its first :data:`DETECT_LINES` lines, at most :data:`DETECT_CHARS` characters) is read with
    each, up to a record that cannot be read: a file reads as columns when its header has several fields and at
    least half the records read there, if any, have as many; a bad row or two (or a first posting too long to read
    there) are the reader's to mark. So a file that reads as comma-separated columns is read so, and a one-column
    file whose name holds ``;`` stays one column, unless nothing but its header can be read there.

    Examples
    --------
    >>> import shutil, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "a.csv").write_text('title;description\\nPM;"Plan, budget; schedule"\\n', encoding="utf-8")
    >>> delimiter_of(folder / "a.csv", "utf-8", 1000)
    ';'
    >>> _ = (folder / "b.csv").write_text('Posting text | EN\\nLead the program\\n', encoding="utf-8")
    >>> delimiter_of(folder / "b.csv", "utf-8", 1000)  # one column
    ','
    >>> shutil.rmtree(folder)
    """
    limit = min(limit, DETECT_CHARS)
    with io.TextIOWrapper(open_binary(path), encoding=encoding, newline="") as f:  # (its errors: as the reading's)
        start = list(_start(f, limit))  # (read once, read with each delimiter)
    if _columns(_field_counts(start, limit, ",")) > 1:
        return ","
    columns = {d: _columns(_field_counts(start, limit, d)) for d in DELIMITERS}
    return max((d for d in DELIMITERS if columns[d] > 1), key=columns.__getitem__, default=",")  # (first of equals)


#: How much of a file's start :func:`delimiter_of` reads, in lines and in characters: its header and a few postings
#: (a posting's quoted text may run over dozens of lines), a bounded cost whatever the file.
DETECT_LINES = 100
DETECT_CHARS = 1 << 20


def _field_counts(start: list[tuple[str, bool]], limit: int, delimiter: str) -> list[int]:
    """The number of fields of each record (blank lines skipped) of a file's start (:func:`_start`) read with
    ``delimiter``, the header's first, up to the first record that cannot be read (what follows it is the reader
    finding its feet again, or the end of the start cutting a record)."""
    counts = []
    for fields, _, error in _CsvRecords(iter(start), limit, _none, delimiter):
        if error:
            break
        if fields:
            counts.append(len(fields))
    return counts


def _start(f: IO[str], limit: int) -> Iterator[tuple[str, bool]]:
    """The first :data:`DETECT_LINES` lines of ``f``, in :data:`DETECT_CHARS` characters at most, as
    :func:`bounded_lines` gives them: a line longer than ``limit`` or than what is left, and all after it, are not
    read."""
    left = DETECT_CHARS
    for _ in range(DETECT_LINES):
        want = min(limit, left)
        line = f.readline(want + 1)
        if not line or len(line) > want:  # (the end, or a line past the limit or what is left: not read on)
            return
        left -= len(line)
        yield line.replace("\0", NUL_STAND_IN), False


def _none(skip: int) -> Iterator[tuple[str, bool]]:
    """No lines to read again: what :func:`delimiter_of` reads is its first lines only."""
    return iter(())


def _columns(counts: list[int]) -> int:
    """The columns of a file whose header has several fields and at least half of whose first records read, if
    any, have as many (see :func:`_field_counts`), else 0."""
    if not counts or counts[0] < 2 or 2 * counts[1:].count(counts[0]) < len(counts) - 1:
        return 0
    return counts[0]


#: csv's limit on one field's length, which is process-wide (128 KiB by default): postings run to MAX_CHARS and
#: more, and are read whole (then judged by check_text), not turned into CSV errors.
_FIELD_LIMIT = min(sys.maxsize, 2**31 - 1)  # the largest a C long takes on every platform (Windows included)
#: The longest CSV record read, in characters (twice the longest posting classified, ``MAX_CHARS``; each line
#: counts :data:`_LINE_COST` more): a longer one (a quote never closed, or one enormous line) is an error row, and
#: reading goes on after it, so memory stays bounded by a few times this whatever the file holds.
MAX_RECORD_CHARS = 10_000_000
#: The characters of an over-long line kept for its error row's cells.
_LONG_LINE_KEPT = 1000
#: What each line of a record counts for besides its characters (about what holding one more line costs, in
#: bytes), so that a record of many short lines is bounded in memory too.
_LINE_COST = 100


def _allow_long_fields() -> None:
    """Raise csv's field limit to :data:`_FIELD_LIMIT` once: never lowered, and not set again on every read."""
    if csv.field_size_limit() < _FIELD_LIMIT:
        csv.field_size_limit(_FIELD_LIMIT)


def bounded_lines(
    f: IO[str], limit: int, *, nul: bool = True, ends: tuple[str, ...] = ("\n", "\r")
) -> Iterator[tuple[str, bool]]:
    """Each physical line of ``f`` (with its line ending; with ``nul``, a NUL replaced by a stand-in the csv module
    accepts) and whether it was longer than ``limit`` characters: such a line is cut to its first
    :data:`_LONG_LINE_KEPT` characters, and the rest of it is read in blocks and dropped (never held whole).
    ``ends``: what ends a line as ``f`` reads it (``("\n",)`` for a file opened with ``newline="\n"``)."""
    after_cr = False  # the last line was cut and ended in "\r": a "\n" next is the rest of its "\r\n"
    while True:
        line = f.readline(limit + 1)
        if after_cr:
            after_cr = False
            if line == "\n":
                continue
        if not line:
            return
        long = len(line) > limit
        if long:
            kept, tail = line[:_LONG_LINE_KEPT], line
            while tail and not tail.endswith(ends):
                tail = f.readline(min(limit, 1 << 20))
            after_cr = "\r" in ends and tail.endswith("\r")
            line = kept
        if nul and "\0" in line:
            line = line.replace("\0", NUL_STAND_IN)
        yield line, long


class _Overflow(Exception):
    """A record grew past the limit without ending."""


class _CsvRecords:
    """Each CSV record of ``lines``: its fields, the physical lines it took, and why it cannot be read (``""``).

    A record is at most ``limit`` characters (each line counting :data:`_LINE_COST` more). One that runs to the end
    of the file inside a quote never closed is an error row of its first line, and the lines after that one are
    read again as records, from the next line (once: a record that fails again among them has its lines read each
    on its own, a record if it is complete, else an error row); so is one whose quote is "closed" on a later line by
    a stray quote that text follows (records are read strictly), such as the quote opening the next record's field
    of many lines, which is read whole. A record whose stray quote is on its
    first line, or whose quote closes with blanks before the comma, is read as the csv module reads it leniently (the
    stray quotes dropped, the blanks kept). One that runs past the limit is read on,
    inside its quote, without holding its lines (a csv reader started again every ``limit`` characters, a quote
    before its first line): if the quote closes, the whole record is one error row (the cells of its first line)
    and reading goes on after it; if it never closes, or a stray quote "closes" it, the lines after its first (up to
    that stray quote) are read each on its own, those past the held ones read again (``reread(n)``: the lines after
    the first ``n``). A line longer than the limit
    is an error row of its own (its cells cut). Each line goes to the csv module a few times at most: linear time,
    and memory bounded by ``limit`` whatever the file.
    """

    def __init__(
        self,
        lines: Iterator[tuple[str, bool]],
        limit: int,
        reread: Callable[[int], Iterator[tuple[str, bool]]],
        delimiter: str = ",",
    ) -> None:
        self._lines, self._limit, self._reread, self._delimiter = lines, limit, reread, delimiter
        self._file = lines  # the file's lines (``_lines`` may read lines again first)
        self._read = 0  # lines taken from ``lines``
        self._taken: list[tuple[str, bool]] = []  # the lines of the record being read
        self._size = 0  # what they count for
        self._at_end = False
        self._again_to = 0  # the lines (counted as ``_read`` counts them) up to which a failure was read again

    def _feed(self) -> Iterator[str]:
        for line, long in self._lines:
            self._read += 1
            self._taken.append((line, long))
            self._size += len(line) + _LINE_COST
            if long or self._size > self._limit:
                raise _Overflow
            yield line
        self._at_end = True
        yield "\n"  # a blank line: a record of its own after a record that ended, taken in by one left open

    def __iter__(self) -> Iterator[tuple[list[str], list[str], str]]:
        limit = self._limit
        retry: str | None = None  # a record's first line, read again leniently: its stray quote is on it
        while True:
            rest: Iterator[tuple[str, bool]] = iter(())  # lines to read alone after the failed ones
            again = False  # the failed record's lines after its first may be read again as records (not each alone)
            first, retry = retry, None
            try:
                lines = self._feed() if first is None else chain([first], self._feed())
                for fields in csv.reader(lines, strict=first is None, delimiter=self._delimiter):
                    if self._at_end and not self._taken:  # the blank line after the last record
                        return
                    if self._at_end:  # read leniently, the record took the blank line in: the file ended inside it
                        failed, why, again = list(self._taken), _UNCLOSED, True
                        break
                    yield fields, [line for line, _ in self._taken], ""
                    self._taken.clear()
                    self._size = 0
                    if first is not None:
                        break  # strictly again from the next record
                else:
                    return
                if first is not None and not self._taken:
                    continue
            except csv.Error:  # a stray quote (text after it, not a comma), or the file ended inside a quote
                failed = list(self._taken)
                if first is None and not self._at_end and len(failed) == 1:
                    retry = failed[0][0]  # on the record's first line: the record is read as the csv module does
                    continue
                record = [line for line, _ in failed]
                loose = first is None and not self._at_end and _closes_loosely(record[-1], self._delimiter)
                fields, closed = _alone(*record, delimiter=self._delimiter) if loose else ([], False)
                if closed:  # a loose close, and the record ends on that line: read as the csv module reads it loosely
                    yield fields, record, ""
                    self._taken.clear()
                    self._size = 0
                    continue
                self._size = 0
                why = _UNCLOSED if self._at_end or first is not None else _STRAY.format(len(failed) - 1)
                again = True
            except _Overflow:
                failed, held = list(self._taken), self._read
                self._size = 0
                why = (
                    too_long(limit)
                    if failed[0][1]
                    else (
                        f"record longer than {limit:,} characters: a quote opened on this line is not closed "
                        "within them"
                    )
                )
                if not failed[-1][1]:  # past the limit inside a quote: does it ever close?
                    ending = self._skip_quoted()
                    if ending == "closed":
                        self._taken.clear()
                        yield (
                            _alone(failed[0][0], delimiter=self._delimiter)[0],
                            [failed[0][0]],
                            (
                                f"record longer than {limit:,} characters (a quoted field of many lines); the "
                                "cells are those of its first line"
                            ),
                        )
                        continue
                    if ending == "stray":  # the lines up to the stray quote are read again, each alone
                        why = _STRAY.format(self._read - held + len(failed) - 1)
                        rest = islice(self._reread(held), self._read - held)
                    else:
                        why = (
                            f"unterminated quoted field: a quote opened on this line is not closed within "
                            f"{limit:,} characters, nor ever"
                        )
                        rest = self._reread(held)
            self._taken.clear()
            # the first line is the error; reading starts again at the next, strictly, unless the record began among
            # lines read again already
            if again and len(failed) > 1 and self._read - len(failed) >= self._again_to:
                yield _alone(failed[0][0], delimiter=self._delimiter)[0], [failed[0][0]], why
                self._again_to = self._read
                self._read -= len(failed) - 1
                self._lines = chain(failed[1:], self._file)  # (any read again before are read: it failed past them)
                self._at_end = False
                self._size = 0
                continue
            for k, (line, long) in enumerate(chain(failed, rest)):  # the first line is the error; the others alone
                fields, closed = _alone(line, delimiter=self._delimiter)
                error = why if k == 0 else too_long(limit) if long else "" if closed else _UNCLOSED
                yield fields, [line], error
            if self._at_end:
                return

    def _skip_quoted(self) -> str:
        """Read on inside a quoted field left open at a line's end until a record ends (``"closed"``), a stray quote
        (text after it) ends the field (``"stray"``) or the lines do (``"never"``), holding no line: the csv reader
        starts again every ``limit`` characters, a quote before its first line putting it inside the field again."""
        while True:
            size, ended = 0, False

            def feed() -> Iterator[str]:
                nonlocal size, ended
                quote = '"'
                for line, _ in self._lines:
                    self._read += 1
                    size += len(line) + _LINE_COST
                    yield quote + line
                    quote = ""
                    if size > self._limit:
                        raise _Overflow
                ended = self._at_end = True
                yield "\n"

            try:
                for _ in csv.reader(feed(), strict=True, delimiter=self._delimiter):
                    return "never" if ended else "closed"  # (it took the blank line in: the lines ended)
                return "never"
            except _Overflow:
                continue
            except csv.Error:
                return "never" if ended else "stray"


_UNCLOSED = "unterminated quoted field: a quote opened on this line is never closed"
#: A quote opened on a record's first line and "closed" lines later by a quote that text follows, not a comma or the
#: line's end: the lines between are rows of their own more often than one field (a stray quote), so they are read
#: again as records from the next line, the one with that quote too (it may open the next record's field of many
#: lines). (On a single line the same stray quote is read as the csv module reads it, the quotes dropped.)
_STRAY = (
    "unterminated quoted field: a quote opened on this line is closed only by a stray quote {} line(s) later, "
    "followed by text (not a comma); the lines after this one are read as rows of their own"
)


def _closes_loosely(line: str, delimiter: str = ",") -> bool:
    """Whether a line read inside a quoted field closes it with blanks before the delimiter or the line's end
    (``line2" ,x``): a record written loosely, read as the csv module reads it, not a stray quote (text after it)."""
    at = 0
    while (at := line.find('"', at)) >= 0 and line.startswith('""', at):
        at += 2
    return at >= 0 and re.match(rf'"[ \t]*(?:{re.escape(delimiter)}|\r?\n|\r|$)', line[at:]) is not None


def too_long(limit: int) -> str:
    return f"line longer than {limit:,} characters (its cells are cut)"


def _alone(*lines: str, delimiter: str = ",") -> tuple[list[str], bool]:
    """Lines read as a record on their own: its fields, and whether it ends outside quotes (then a blank line after
    it is a record of its own, not taken into its last field)."""
    records = list(csv.reader([*lines, "\n"], strict=False, delimiter=delimiter))
    if len(records) > 1:
        return records[0], True
    return next(csv.reader(lines, strict=False, delimiter=delimiter), []), False


def _csv_row(
    fields: list[str], lines: list[str], unreadable: str, columns: list[str], unnamed: int = 0, blank: bool = False
) -> tuple[list[str | None], str, str | None]:
    """A record's cells (padded or cut to the header), its error and its raw text (``None`` if malformed); a row
    may leave out the header's last ``unnamed`` columns (empty names); a ``blank`` line has no cells."""
    raw = "".join(lines).replace(NUL_STAND_IN, "\0")
    fields = [f.replace(NUL_STAND_IN, "\0") for f in fields] if NUL_STAND_IN in raw or "\0" in raw else fields
    error = ""
    if unreadable:
        error = unreadable
    elif blank:
        error, fields = BLANK_LINE, []  # (its blanks are no cells)
    elif "\0" in raw:
        error = "row contains a NUL byte"
    elif len(columns) - unnamed <= len(fields) < len(columns):
        pass  # (its cells padded)
    elif len(fields) != len(columns):
        error = f"row has {len(fields)} fields, the header has {len(columns)}"
        hint = separator_hint(columns)
        if hint:
            error += hint
        elif len(fields) > len(columns):
            error += f"; the fields past the header: {json.dumps(fields[len(columns) :], ensure_ascii=False)}"
    cells: list[str | None] = list(fields[: len(columns)])
    cells += [None] * (len(columns) - len(cells))
    well_formed = not unreadable and len(fields) == len(columns) and bool(columns)
    return cells, error, raw.rstrip("\r\n") if well_formed else None


def _dedupe(header: Sequence[str]) -> list[str]:
    """Column names for a table: the header's, a repeated name's later copies as ``name.1``, ``name.2``, ... and an
    empty name as ``unnamed``, none of them a name the header has (so a name the file gives stays its column)."""
    taken = set(header)
    out: list[str] = []
    for name in header:
        if name and name not in out:
            out.append(name)
            continue
        base, k = name or "unnamed", 0 if not name else 1
        while (candidate := base if k == 0 else f"{base}.{k}") in taken or candidate in out:
            k += 1
        out.append(candidate)
    return out


def _csv_chunk(
    rows: list[list[Any]],
    columns: list[str],
    errors: list[str],
    raws: list[str | None],
    header: list[str] | None,
    delimiter: str,
    newline: str,
) -> Chunk:
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    return Chunk(frame, errors, raws, header=header, delimiter=delimiter, newline=newline)
