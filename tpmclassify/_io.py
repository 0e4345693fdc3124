"""The file layer: one reader and one writer for every table format the package handles.

Formats follow the file name: CSV (``.csv``, ``.csv.gz``), JSON lines (``.jsonl``, ``.jsonl.gz``,
``.ndjson``, ``.ndjson.gz``) and Parquet (``.parquet``); any other name is refused. Files are read in
chunks (:func:`read_chunks`), each a :class:`Chunk` holding the rows' cells and, beside them (never in a
column an input could also have), why each row could not be read and the record as it was in the file.
:func:`read_table` reads a whole file through the same reader, for training and evaluation.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import sys
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, islice
from pathlib import Path
from typing import IO, Any, cast

import pandas as pd

from ._errors import TPMClassifyError

__all__ = [
    "FORMATS",
    "MAX_RECORD_CHARS",
    "BatchError",
    "Chunk",
    "TableWriter",
    "detect_encoding",
    "file_format",
    "read_chunks",
    "read_table",
]

#: File name endings the package reads and writes, and the format of each.
FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".jsonl": "jsonl",
    ".jsonl.gz": "jsonl",
    ".ndjson": "jsonl",
    ".ndjson.gz": "jsonl",
    ".parquet": "parquet",
}
_NUL_STAND_IN = "\ufdd0"  # a noncharacter the CSV module reads in place of NUL (Python 3.10's reader refuses NUL)


class BatchError(TPMClassifyError, ValueError):
    """A batch run cannot start or finish (bad file, column, encoding or output path)."""


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
    """

    frame: pd.DataFrame
    errors: list[str]
    raws: list[str | None]
    schema: Any = None


def file_format(path: str | Path) -> str:
    """The format of ``path`` from its name: ``"csv"``, ``"jsonl"`` or ``"parquet"``.

    Raises
    ------
    BatchError
        If the name ends in none of :data:`FORMATS`.

    Examples
    --------
    >>> file_format("postings.ndjson"), file_format("x.CSV.GZ")
    ('jsonl', 'csv')
    >>> file_format("out.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tpmclassify._io.BatchError: out.xlsx: unsupported file type; use .csv, .csv.gz, .jsonl, ... or .parquet
    """
    name = Path(path).name.lower()
    for ending in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ending):
            return FORMATS[ending]
    endings = list(FORMATS)
    raise BatchError(f"{Path(path).name}: unsupported file type; use {', '.join(endings[:-1])} or {endings[-1]}")


def _open_binary(path: Path) -> IO[bytes]:
    return cast(IO[bytes], gzip.open(path, "rb")) if path.name.lower().endswith(".gz") else open(path, "rb")


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes, else cp1252, else latin-1 (UTF-16 needs a BOM)."""
    with _open_binary(path) as f:
        head = f.read(4)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        for enc in ("utf-8", "cp1252"):
            f.seek(0)
            dec = codecs.getincrementaldecoder(enc)()
            try:
                for block in iter(lambda: f.read(1 << 20), b""):
                    dec.decode(block)
                dec.decode(b"", final=True)
                return enc
            except UnicodeDecodeError:
                continue
    return "latin-1"


def read_chunks(
    path: str | Path, chunk_size: int = 1000, encoding: str | None = None
) -> tuple[str | None, Iterator[Chunk]]:
    """Read a table file in chunks of at most ``chunk_size`` rows.

    Parameters
    ----------
    path : path
        A file whose name ends in one of :data:`FORMATS`.
    chunk_size : int, default 1000
        Rows per chunk.
    encoding : str, optional
        Text encoding of a CSV or JSON-lines file; by default detected (:func:`detect_encoding`).

    Returns
    -------
    encoding : str or None
        The encoding used (``None`` for Parquet).
    chunks : iterator of Chunk
        Every row of the file, in order; a row that cannot be read is a row with an error.

    Raises
    ------
    BatchError
        Unknown format, a missing header, or a file that is not what its name says (a broken gzip stream);
        raised while iterating for problems found on the way.
    """
    path = Path(path)
    fmt = file_format(path)
    if fmt == "parquet":
        return None, _parquet_chunks(path, chunk_size)
    try:
        enc = encoding or detect_encoding(path)
    except (EOFError, OSError, zlib.error) as err:
        raise _unreadable(path, err) from None
    chunks = _csv_chunks(path, enc, chunk_size) if fmt == "csv" else _jsonl_chunks(path, enc, chunk_size)
    return enc, _guarded(path, chunks)


def _unreadable(path: Path, err: BaseException) -> BatchError:
    if path.name.lower().endswith(".gz"):
        return BatchError(f"{path} is not a complete gzip file (truncated or not gzip): {err}")
    return BatchError(f"cannot read {path}: {err}")


def _guarded(path: Path, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """``chunks``, with a broken or truncated gzip stream reported as a :class:`BatchError`."""
    try:
        yield from chunks
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise _unreadable(path, err) from None


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a whole table of postings through :func:`read_chunks` (for training and evaluation).

    Raises
    ------
    BatchError
        If the format is unknown, or a row cannot be read (named by its number).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "t.ndjson"
    >>> _ = p.write_text('{"description": "Own the roadmap", "label": "tpm"}\\n')
    >>> read_table(p).to_dict("records")
    [{'description': 'Own the roadmap', 'label': 'tpm'}]
    """
    _, chunks = read_chunks(path, 10_000, encoding)
    frames, start = [], 0
    for chunk in chunks:
        for i, error in enumerate(chunk.errors):
            if error:
                raise BatchError(f"{path}: row {start + i + 1} cannot be read: {error}")
        frames.append(chunk.frame)
        start += len(chunk.frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    return frame.reset_index(drop=True)


# ---------------------------------------------------------------------------- CSV
def _csv_chunks(path: Path, encoding: str, chunk_size: int) -> Iterator[Chunk]:
    _allow_long_fields()
    with io.TextIOWrapper(_open_binary(path), encoding=encoding, newline="") as f:

        def reread(skip: int) -> Iterator[tuple[str, bool]]:  # the file's lines after its first ``skip``, again
            with io.TextIOWrapper(_open_binary(path), encoding=encoding, newline="") as again:
                yield from islice(_bounded_lines(again, MAX_RECORD_CHARS), skip, None)

        records = iter(_CsvRecords(_bounded_lines(f, MAX_RECORD_CHARS), MAX_RECORD_CHARS, reread))
        first = next(records, None)
        if first is None:
            raise BatchError(f"{path} is empty: no header row")
        if first[2]:
            raise BatchError(f"{path}: the header row cannot be read: {first[2]}")
        if _NUL_STAND_IN in "".join(first[0]):
            raise BatchError(f"{path}: the header contains NUL bytes; is it a text file? (UTF-16 needs a BOM)")
        columns = _dedupe(first[0])
        rows: list[list[str | None]] = []
        errors: list[str] = []
        raws: list[str | None] = []
        yielded = False
        for fields, lines, unreadable in records:
            cells, error, raw = _csv_row(fields, lines, unreadable, columns)
            rows.append(cells)
            errors.append(error)
            raws.append(raw)
            if len(rows) >= chunk_size:
                yield _csv_chunk(rows, columns, errors, raws)
                rows, errors, raws, yielded = [], [], [], True
        if rows or not yielded:  # a header-only file still gives its (empty) table
            yield _csv_chunk(rows, columns, errors, raws)


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


def _bounded_lines(f: IO[str], limit: int, *, nul: bool = True) -> Iterator[tuple[str, bool]]:
    """Each physical line of ``f`` (with its line ending; with ``nul``, a NUL replaced by a stand-in the csv module
    accepts) and whether it was longer than ``limit`` characters: such a line is cut to its first
    :data:`_LONG_LINE_KEPT` characters, and the rest of it is read in blocks and dropped (never held whole)."""
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
            while tail and not tail.endswith(("\n", "\r")):
                tail = f.readline(min(limit, 1 << 20))
            after_cr = tail.endswith("\r")
            line = kept
        if nul and "\0" in line:
            line = line.replace("\0", _NUL_STAND_IN)
        yield line, long


class _Overflow(Exception):
    """A record grew past the limit without ending."""


class _CsvRecords:
    """Each CSV record of ``lines``: its fields, the physical lines it took, and why it cannot be read (``""``).

    A record is at most ``limit`` characters (each line counting :data:`_LINE_COST` more). One that runs to the end
    of the file inside a quote never closed is an error row of its first line, and the lines after that one are
    read each on its own (a record if it is complete, else an error row). One that runs past the limit is read on,
    inside its quote, without holding its lines (a csv reader started again every ``limit`` characters, a quote
    before its first line): if the quote closes, the whole record is one error row (the cells of its first line)
    and reading goes on after it; if it never closes, the lines after its first are read each on its own, those
    past the held ones read again (``reread(n)``: the lines after the first ``n``). A line longer than the limit
    is an error row of its own (its cells cut). Each line goes to the csv module a few times at most: linear time,
    and memory bounded by ``limit`` whatever the file.
    """

    def __init__(
        self, lines: Iterator[tuple[str, bool]], limit: int, reread: Callable[[int], Iterator[tuple[str, bool]]]
    ) -> None:
        self._lines, self._limit, self._reread = lines, limit, reread
        self._read = 0  # lines taken from ``lines``
        self._taken: list[tuple[str, bool]] = []  # the lines of the record being read
        self._size = 0  # what they count for
        self._at_end = False

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
        while True:
            rest: Iterator[tuple[str, bool]] = iter(())  # lines to read alone after the failed ones
            try:
                for fields in csv.reader(self._feed(), strict=False):
                    if not self._at_end:
                        yield fields, [line for line, _ in self._taken], ""
                        self._taken.clear()
                        self._size = 0
                        continue
                    if not self._taken:  # the blank line after the last record: the file ended outside quotes
                        return
                    failed, why = list(self._taken), _UNCLOSED  # the last record took the blank line in
                    break
                else:
                    return
            except _Overflow:
                failed, held = list(self._taken), self._read
                self._size = 0
                why = (
                    _too_long(limit)
                    if failed[0][1]
                    else (
                        f"record longer than {limit:,} characters: a quote opened on this line is not closed "
                        "within them"
                    )
                )
                if not failed[-1][1]:  # past the limit inside a quote: does it ever close?
                    if self._skip_quoted():
                        self._taken.clear()
                        yield (
                            _alone(failed[0][0])[0],
                            [failed[0][0]],
                            (
                                f"record longer than {limit:,} characters (a quoted field of many lines); the "
                                "cells are those of its first line"
                            ),
                        )
                        continue
                    why = (
                        f"unterminated quoted field: a quote opened on this line is not closed within "
                        f"{limit:,} characters, nor ever"
                    )
                    rest = self._reread(held)
            self._taken.clear()
            for k, (line, long) in enumerate(chain(failed, rest)):  # the first line is the error; the others alone
                fields, closed = _alone(line)
                yield fields, [line], why if k == 0 else _too_long(limit) if long else "" if closed else _UNCLOSED
            if self._at_end:
                return

    def _skip_quoted(self) -> bool:
        """Read on inside a quoted field left open at a line's end until a record ends (True) or the lines do
        (False), holding no line: the csv reader starts again every ``limit`` characters, a quote before its first
        line putting it inside the field again."""
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
                for _ in csv.reader(feed(), strict=False):
                    return not ended  # a record ended: before the end of the lines, or it took the blank line in
                return False
            except _Overflow:
                continue


_UNCLOSED = "unterminated quoted field: a quote opened on this line is never closed"


def _too_long(limit: int) -> str:
    return f"line longer than {limit:,} characters (its cells are cut)"


def _alone(line: str) -> tuple[list[str], bool]:
    """A line read as a record on its own: its fields, and whether it ends outside quotes (then a blank line after
    it is a record of its own, not taken into its last field)."""
    records = list(csv.reader([line, "\n"], strict=False))
    if len(records) > 1:
        return records[0], True
    return next(csv.reader([line], strict=False), []), False


def _csv_row(
    fields: list[str], lines: list[str], unreadable: str, columns: list[str]
) -> tuple[list[str | None], str, str | None]:
    """A record's cells (padded or cut to the header), its error and its raw text (``None`` if malformed)."""
    raw = "".join(lines).replace(_NUL_STAND_IN, "\0")
    fields = [f.replace(_NUL_STAND_IN, "\0") for f in fields] if _NUL_STAND_IN in raw or "\0" in raw else fields
    error = ""
    if unreadable:
        error = unreadable
    elif "\0" in raw:
        error = "row contains a NUL byte"
    elif fields and len(fields) != len(columns):
        error = f"row has {len(fields)} fields, the header has {len(columns)}"
        if len(fields) > len(columns):
            error += f"; the fields past the header: {json.dumps(fields[len(columns) :], ensure_ascii=False)}"
    cells: list[str | None] = list(fields[: len(columns)])
    cells += [None] * (len(columns) - len(cells))
    well_formed = not unreadable and len(fields) == len(columns) and bool(columns)
    return cells, error, raw.rstrip("\r\n") if well_formed else None


def _dedupe(header: Sequence[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in header:
        name = name or "unnamed"
        out.append(name if not seen[name] else f"{name}.{seen[name]}")
        seen[name] += 1
    return out


def _csv_chunk(rows: list[list[Any]], columns: list[str], errors: list[str], raws: list[str | None]) -> Chunk:
    return Chunk(pd.DataFrame(rows, columns=columns, dtype=object), errors, raws)


# ---------------------------------------------------------------------------- JSON lines
def _jsonl_chunks(path: Path, encoding: str, chunk_size: int) -> Iterator[Chunk]:
    with io.TextIOWrapper(_open_binary(path), encoding=encoding) as f:
        records: list[dict[str, Any]] = []
        errors: list[str] = []
        raws: list[str | None] = []
        empty = True
        for line, long in _bounded_lines(f, MAX_RECORD_CHARS, nul=False):
            empty = False
            record, error, raw = ({}, _too_long(MAX_RECORD_CHARS), None) if long else _json_record(line)
            records.append(record)
            errors.append(error)
            raws.append(raw)
            if len(records) >= chunk_size:
                yield Chunk(_records_frame(records), errors, raws)
                records, errors, raws = [], [], []
        if records or empty:
            yield Chunk(_records_frame(records), errors, raws)


def _json_record(line: str) -> tuple[dict[str, Any], str, str | None]:
    """One JSON-lines line: its object, why it cannot be read (``""`` if it can) and its text (``None`` if bad)."""
    text = line.strip(" \t\r\n")
    if not text or text.isspace():
        return {}, "blank line", None
    try:
        record = json.loads(text)
    except json.JSONDecodeError as err:
        return {}, f"invalid JSON: {err}", None
    except RecursionError:
        return {}, "invalid JSON: nested too deeply to read", None
    if not isinstance(record, dict):
        return {}, "line is not a JSON object", None
    return record, "", text


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records as an object-dtype frame: values as parsed (no int -> float), ``None`` where a key is absent."""
    keys = list(dict.fromkeys(k for r in records for k in r))
    columns = {k: pd.Series([r.get(k) for r in records], dtype=object) for k in keys}
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))


# ---------------------------------------------------------------------------- Parquet
def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[Chunk]:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - depends on the extra
        raise BatchError("reading Parquet needs pyarrow: pip install 'tpmclassify[parquet]'") from err
    try:
        file = pq.ParquetFile(path)
    except Exception as err:  # pyarrow raises its own ArrowInvalid / OSError for a file that is not Parquet
        raise BatchError(f"{path} is not a readable Parquet file: {err}") from None
    # every stored column is data, pandas' index columns too (without pandas' metadata, a file written from a
    # filtered DataFrame would turn its index column into an index and lose it from the output's columns)
    schema = file.schema_arrow.remove_metadata()
    yielded = False
    for batch in file.iter_batches(batch_size=chunk_size):
        yielded = True
        frame = batch.to_pandas(ignore_metadata=True)
        yield Chunk(frame, [""] * batch.num_rows, [None] * batch.num_rows, schema)
    if not yielded:  # a 0-row file still gives its (empty) table
        yield Chunk(schema.empty_table().to_pandas(ignore_metadata=True), [], [], schema)


# ---------------------------------------------------------------------------- writing
class TableWriter:
    """Writes chunks of one table, with added columns, to a file in CSV, JSON lines or Parquet.

    Parameters
    ----------
    path : str
        File to write (the caller publishes it).
    fmt : str
        ``"csv"``, ``"jsonl"`` or ``"parquet"``; gzip if ``path`` ends in ``.gz``.
    added : dict
        Name -> kind (``"float"``, ``"str"`` or ``"bool"``) of the columns added after the input's.
    """

    def __init__(self, path: str, fmt: str, added: dict[str, str], gz: bool = False) -> None:
        self.path, self.fmt, self.gz, self.added = path, fmt, gz, added
        self._pq: Any = None
        self._f: Any = None
        self._csv: Any = None

    def write(self, chunk: Chunk, values: Sequence[list[Any]]) -> None:
        """Write ``chunk``'s rows, each followed by its values of the added columns (one list per column)."""
        if self.fmt == "parquet":
            self._parquet(chunk, values)
            return
        visible = list(chunk.frame.columns)
        if self._f is None:
            raw = gzip.open(self.path, "wb") if self.gz else open(self.path, "wb")
            self._f = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            if self.fmt == "csv":
                self._csv = csv.writer(self._f)
                self._csv.writerow(visible + list(self.added))
        added = zip(*values, strict=True)
        if self.fmt == "jsonl":
            self._jsonl(chunk, added)
            return
        cells = chunk.frame.itertuples(index=False, name=None)
        write, writerow = self._f.write, self._csv.writerow
        for record, row, extra in zip(chunk.raws, cells, added, strict=True):
            if record is None:
                writerow(row + extra)
            else:  # the record as read (no re-quoting of long texts), then the added fields
                write(record)
                write(",")
                writerow(extra)

    def _jsonl(self, chunk: Chunk, added: Iterator[tuple[Any, ...]]) -> None:
        """Each record as it was read (every value kept exactly), the added fields appended to it."""
        names = list(self.added)
        for raw, extra in zip(chunk.raws, added, strict=True):
            tail = json.dumps({k: v for k, v in zip(names, extra, strict=True) if not _missing(v)})
            if raw is None:  # a line that is not a JSON object: its added fields only
                self._f.write(tail + "\n")
                continue
            body = raw[:-1].rstrip()  # the object without its closing brace
            self._f.write(body + ("" if body.endswith("{") else ",") + tail[1:] + "\n")

    def _parquet(self, chunk: Chunk, values: Sequence[list[Any]]) -> None:
        """The input columns with the input's own schema (when it is Parquet), the added ones with their kinds."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(chunk.frame, schema=chunk.schema, preserve_index=False)
        for (name, kind), column in zip(self.added.items(), values, strict=True):
            table = table.append_column(pa.field(name, _arrow_type(kind)), pa.array(column, type=_arrow_type(kind)))
        if self._pq is None:
            self._pq = pq.ParquetWriter(self.path, table.schema)
        elif table.schema != self._pq.schema:
            table = table.cast(self._pq.schema)
        self._pq.write_table(table)

    def close(self) -> None:
        """Finish the file."""
        for handle in (self._pq, self._f):
            if handle is not None:
                handle.close()


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    return {"float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}[kind]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
