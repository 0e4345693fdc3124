"""The file layer: one reader and one writer for every table format the package handles.

Formats follow the file name: CSV (``.csv``, ``.csv.gz``), JSON lines (``.jsonl``, ``.jsonl.gz``,
``.ndjson``, ``.ndjson.gz``) and Parquet (``.parquet``); any other name is refused. Files are read in
chunks (:func:`read_chunks`), each a :class:`Chunk` holding the rows' cells and, beside them (never in a
column an input could also have), why each row could not be read and the record as it was in the file.
:func:`read_table` reads a whole file through the same reader, for training and evaluation.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
import numbers
import os
import stat
import zlib
from collections.abc import Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._chunk import BLANK_LINE, BatchError, Chunk, but_trailing_blanks, open_binary
from ._csv import MAX_RECORD_CHARS, bounded_lines, csv_chunks, too_long
from ._encodings import UTF8_UNTIL_NOT, NotUtf8, detect_encoding, has_mark, open_text, reads_alike, undecodable_at
from ._errors import input_not_found
from ._writer import UNREAD_FIELD, TableWriter

__all__ = [
    "check_encoding",
    "check_input",
    "FORMATS",
    "MAX_RECORD_CHARS",
    "BatchError",
    "Reread",
    "Chunk",
    "TableWriter",
    "UNREAD_FIELD",
    "as_path",
    "check_count",
    "detect_encoding",
    "open_text",
    "file_format",
    "keys_among",
    "read_chunks",
    "read_table",
    "rows_named",
    "row_numbering",
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
    tpmclassify._errors.BatchError: out.xlsx: unsupported file type; use .csv, .csv.gz, .jsonl, ... or .parquet
    """
    endings = list(FORMATS)
    if str(path) == "-":  # (standard input or output: what classify reads, one posting)
        raise BatchError(
            f"'-' is no file: a table of postings is read from a file, and written to one, ending in "
            f"{', '.join(endings[:-1])} or {endings[-1]}"
        )
    name = Path(path).name.lower()
    for ending in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(ending):
            return FORMATS[ending]
    raise BatchError(f"{Path(path).name}: unsupported file type; use {', '.join(endings[:-1])} or {endings[-1]}")


def row_numbering(path: str | os.PathLike[str]) -> tuple[int, str, str]:
    """How a person finds a row of ``path``: the number of its first data row, the word for a row, and a sentence
    that says how rows are counted.

    A CSV's rows are numbered as a spreadsheet shows them (the header is row 1, so the first posting is row 2; a
    posting with line breaks is still one row), a JSON-lines file's by line, a Parquet file's from 1.

    Examples
    --------
    >>> row_numbering("export.csv")[:2], row_numbering("export.jsonl")[:2]
    ((2, 'row'), (1, 'line'))
    """
    fmt = file_format(Path(path))
    if fmt == "csv":
        return (
            2,
            "row",
            (
                "Row numbers are those a spreadsheet shows when it opens the file: the header is row 1, so "
                "the first posting is row 2 (a posting with line breaks in it is still one row)."
            ),
        )
    if fmt == "jsonl":
        return 1, "line", "Line numbers are the file's lines: the first posting is line 1."
    return 1, "row", "Row numbers count the file's records from 1."


def as_path(name: str, value: object) -> Path:
    """A path argument of a file run (``str`` or ``os.PathLike``), or a :class:`BatchError` naming it.

    Examples
    --------
    >>> as_path("input", "postings.csv")
    PosixPath('postings.csv')
    >>> as_path("output", None)
    Traceback (most recent call last):
    ...
    tpmclassify._errors.BatchError: output must be a path (str or os.PathLike), got NoneType
    """
    path = os.fspath(value) if isinstance(value, os.PathLike) else value
    if isinstance(path, str) and path != "":
        return Path(path)
    got = "an empty str" if isinstance(path, str) else type(path).__name__
    raise BatchError(f"{name} must be a path (str or os.PathLike), got {got}")


def check_count(name: str, value: object, low: int = 1, high: int | None = None) -> None:
    """Refuse, with a :class:`BatchError` naming it, a count argument (rows per chunk, processes) that is not a whole
    number from ``low`` (to ``high``).

    Examples
    --------
    >>> check_count("chunk_size", 1000)
    >>> check_count("jobs", 2.5)
    Traceback (most recent call last):
    ...
    tpmclassify._errors.BatchError: jobs must be a whole number of at least 1, got 2.5
    """
    whole = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not whole or value < low or (high is not None and value > high):  # type: ignore[operator]
        bounds = f"of at least {low}" if high is None else f"from {low} to {high}"
        raise BatchError(f"{{arg:{name}}} must be a whole number {bounds}, got {value!r}")


def check_encoding(encoding: str | None) -> None:
    """Refuse an ``encoding`` that names no text encoding (None: detect the file's).

    Raises
    ------
    BatchError
        An unknown name, or a codec that is not a text encoding (base64, rot13).
    """
    if encoding is None:
        return
    try:
        codec = codecs.lookup(encoding)
        text_encoding = codec._is_text_encoding and codec.name != UTF8_UNTIL_NOT  # not base64, rot13 or the reader's
    except LookupError:
        text_encoding = False
    if not text_encoding:
        raise BatchError(f"unknown text encoding {encoding!r}; leave it out to detect the file's")


def check_input(path: Path) -> None:
    """Refuse an input that is no regular file, in the one wording of every command that reads one
    (:func:`~tpmclassify._errors.input_not_found`: missing, a folder, a pipe), or that the file system will not let
    be looked at (no permission, a name too long), in one line.

    Raises
    ------
    InputNotFoundError
        No such file, or not a regular file.
    BatchError
        The file system's other answers.

    Examples
    --------
    >>> check_input(Path("no-such-file.csv"))
    Traceback (most recent call last):
    ...
    tpmclassify._errors.InputNotFoundError: input file not found: no-such-file.csv
    """
    try:
        regular = stat.S_ISREG(path.stat().st_mode)
    except FileNotFoundError:
        regular = False
    except OSError as err:
        raise BatchError(f"cannot read {path}: {err.strerror or err}") from None
    if not regular:
        raise input_not_found(path)


def read_chunks(
    path: str | Path, chunk_size: int = 1000, encoding: str | None = None, *, as_read: bool = False
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
    as_read : bool, default False
        Without an ``encoding``, read a file without a byte-order mark as UTF-8 as it goes, rather than decode the
        whole file first to detect its encoding: most files are UTF-8, and reading one costs one pass over it, not
        two. At the first byte UTF-8 cannot read, the encoding is detected and the reading goes on in it from the
        first row not yet given, if the rows given read alike in it (they were ASCII, or it is UTF-8 but for stray
        bytes); else :class:`Reread` is raised. Each chunk says what it was read in (:attr:`Chunk.encoding`).

    Returns
    -------
    encoding : str or None
        The encoding used (``None`` for Parquet; "utf-8" as far as known, with ``as_read``).
    chunks : iterator of Chunk
        Every row of the file, in order; a row that cannot be read is a row with an error.

    Raises
    ------
    InputNotFoundError
        No such file, or not a regular file (a folder).
    BatchError
        Unknown format or encoding, a missing header, or a file that is not what its name says (a broken gzip
        stream, text not in the encoding named); raised while iterating for problems found on the way.
    Reread
        With ``as_read``, while iterating: rows given read otherwise in the file's encoding, found further on.
    """
    path = Path(path)
    fmt = file_format(path)
    check_input(path)
    if fmt == "parquet":
        return None, _parquet_chunks(path, chunk_size)
    check_encoding(encoding)
    try:
        if as_read and encoding is None and not has_mark(path):
            return "utf-8", _guarded(path, "utf-8", False, _utf8_until_not(path, fmt, chunk_size))
        enc = encoding or detect_encoding(path)
    except (EOFError, OSError, zlib.error) as err:
        raise _unreadable(path, err) from None
    return enc, _guarded(path, enc, encoding is not None, _text_chunks(path, fmt, enc, chunk_size))


class Reread(BatchError):  # noqa: N818 - what the caller is to do, as StopIteration says what happened
    """Rows already given (by :func:`read_chunks` with ``as_read``) read otherwise in the file's encoding, found
    further on: read the file again in ``encoding``."""

    def __init__(self, path: Path, encoding: str) -> None:
        super().__init__(f"{path} is not UTF-8 past its start: to be read again as {encoding}")
        self.encoding = encoding


def _text_chunks(path: Path, fmt: str, encoding: str, chunk_size: int) -> Iterator[Chunk]:
    if fmt == "csv":
        chunks = csv_chunks(path, encoding, chunk_size, MAX_RECORD_CHARS)
    else:
        chunks = _jsonl_chunks(path, encoding, chunk_size)
    for chunk in chunks:
        chunk.encoding = encoding
        yield chunk


def _utf8_until_not(path: Path, fmt: str, chunk_size: int) -> Iterator[Chunk]:
    """A file's chunks read as UTF-8 up to a byte UTF-8 cannot read, then in the encoding detected (see
    :func:`read_chunks`)."""
    given = 0
    try:
        for chunk in _text_chunks(path, fmt, UTF8_UNTIL_NOT, chunk_size):
            if not given and not all(str(c).isascii() for c in chunk.header or chunk.frame.columns):
                # columns are named as they are read: a header past ASCII waits for the file's encoding
                enc = detect_encoding(path)
                if enc != "utf-8":
                    yield from _text_chunks(path, fmt, enc, chunk_size)
                    return
            chunk.encoding = "utf-8"
            yield chunk
            given += 1
    except NotUtf8 as err:
        enc = detect_encoding(path)
        if given and not reads_alike(enc, err.ascii_before):
            raise Reread(path, enc) from None
        yield from islice(_text_chunks(path, fmt, enc, chunk_size), given, None)  # (every chunk given was full)


def _unreadable(path: Path, err: BaseException) -> BatchError:
    if path.name.lower().endswith(".gz"):
        return BatchError(f"{path} is not a complete gzip file (truncated or not gzip): {err}")
    return BatchError(f"cannot read {path}: {err}")


def _guarded(path: Path, enc: str, named: bool, chunks: Iterator[Chunk]) -> Iterator[Chunk]:
    """``chunks``, with a broken or truncated gzip stream, or text not in ``enc``, reported as a :class:`BatchError`."""
    try:
        yield from chunks
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise _unreadable(path, err) from None
    except UnicodeError as err:  # an encoding named by the caller (or its byte-order mark) that the file is not in
        fix = "name its encoding, or leave the encoding out to detect it" if named else "name its encoding"
        how = "" if named else ", detected from its start"
        reason = str(err)
        if isinstance(err, UnicodeDecodeError) and (where := undecodable_at(path, enc)) is not None:
            # (the error's own position is within a reader's buffer)
            bad = err.object[err.start]
            reason = f"{err.reason}, byte 0x{bad:02X} at offset {where[0]:,} of the file (on its line {where[1]:,})"
        raise BatchError(f"{path} cannot be read as {enc}{how}: {reason}; {fix}") from None


#: The key of a table's ``attrs`` holding its file's own column names, where :func:`read_table` renamed some.
HEADER_ATTR = "tpmclassify_header"


def read_table(path: str | Path, encoding: str | None = None) -> pd.DataFrame:
    """Read a whole table of postings through :func:`read_chunks` (for training and evaluation).

    Cells are read as the file holds them: CSV and JSON lines as text (a JSON number as a number), Parquet with its
    types, but for an integer column with a null, whose integers are Python integers (object dtype) rather than
    floats, so that an id past 2**53 stays exact. A blank line between rows is a row of missing cells (one at the
    end is no row), so that each row keeps its number in the file.

    Raises
    ------
    InputNotFoundError
        If there is no such file (a ``FileNotFoundError`` too).
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
    first, word, _ = row_numbering(path)
    frames, start, header = [], 0, None
    for chunk in chunks:
        header = header or chunk.header
        for i, error in enumerate(chunk.errors):
            if error and error != BLANK_LINE:  # (a blank line between rows is a row of no cells, left to the caller)
                raise BatchError(f"{path}: {word} {first + start + i} cannot be read: {error}")
        frames.append(chunk.frame)
        start += len(chunk.frame)
    frame = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    frame = frame.reset_index(drop=True)
    if header is not None:  # the file's own names, where the frame renamed repeated ones (see Chunk)
        frame.attrs[HEADER_ATTR] = header
    return frame


def rows_named(
    labels: Sequence[object], file: str | os.PathLike[str] | None = None, *, path: bool = True, most: int = 5
) -> str:
    """How a person finds rows ``labels``: of ``file`` (positions in it, from 0, as :func:`read_table` reads it),
    as :func:`row_numbering` numbers them, with the file's name first unless ``path`` is False; of a table of the
    caller's own (no ``file``), by its index. The first ``most`` of them, and how many more.

    Examples
    --------
    >>> rows_named([5], "export.csv"), rows_named([0, 1], "export.jsonl", path=False)
    ('export.csv: row 7', 'lines 1 and 2')
    >>> rows_named(range(7))
    'index 0, 1, 2, 3, 4 and 2 more'
    """
    labels = list(labels)
    if file is not None:
        first, word, _ = row_numbering(file)
        head = (f"{os.fspath(file)}: " if path else "") + (word if len(labels) == 1 else word + "s")
        names = [str(first + int(i)) for i in labels[:most]]  # type: ignore[call-overload]
    else:
        head, names = "index", [repr(i) for i in labels[:most]]
    more = len(labels) - len(names)
    if more:
        names.append(f"{more} more")
    return f"{head} {', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else f"{head} {names[0]}"


# ---------------------------------------------------------------------------- JSON lines
def _jsonl_lines(path: Path, encoding: str) -> Iterator[tuple[str, bool]]:
    """A JSON-lines file's lines, as :func:`bounded_lines` gives them: they end at "\\n" (after "\\r\\n" too) and
    nowhere else, so a lone "\\r" inside a line does not make two rows of it."""
    with io.TextIOWrapper(open_binary(path), encoding=encoding, newline="\n") as f:
        yield from bounded_lines(f, MAX_RECORD_CHARS, nul=False, ends=("\n",))


def _jsonl_chunks(path: Path, encoding: str, chunk_size: int) -> Iterator[Chunk]:
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    raws: list[str | None] = []
    unread: list[str | None] = []
    empty = True
    for line, long in but_trailing_blanks(_jsonl_lines(path, encoding), lambda x: not x[1] and _blank(x[0])):
        empty = False
        record, error, raw = ({}, too_long(MAX_RECORD_CHARS), None) if long else _json_record(line)
        records.append(record)
        errors.append(error)
        raws.append(raw)
        unread.append(line.rstrip("\r\n") if error and not _blank(line) else None)
        if len(records) >= chunk_size:
            yield Chunk(_records_frame(records), errors, raws, unread=unread)
            records, errors, raws, unread = [], [], [], []
    if records or empty:
        yield Chunk(_records_frame(records), errors, raws, unread=unread)


def keys_among(path: str | Path, names: Sequence[str], encoding: str | None = None) -> list[str]:
    """The keys of a JSON-lines file that are among ``names`` (case aside), in the order they first come, as a
    chunk's columns are: those of its first :data:`KEYS_LINES` lines, or else of the first line after them that has
    one; ``[]`` if no line has one. (What a text column is picked from, whatever the file's chunks.)

    Examples
    --------
    >>> import shutil, tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> lines = ['{oops', '{"id": 1, "text": "Own it"}', '{"id": 2, "Description": "Run it"}']
    >>> _ = (folder / "a.jsonl").write_text("\\n".join(lines) + "\\n")
    >>> keys_among(folder / "a.jsonl", ["description", "text"])
    ['text', 'Description']
    >>> shutil.rmtree(folder)
    """
    path = Path(path)
    if encoding is None and not has_mark(path):  # read as UTF-8 as far as it goes: ASCII keys read so in any
        try:
            keys = _keys_among(path, names, UTF8_UNTIL_NOT)
            if all(key.isascii() for key in keys):
                return keys
        except NotUtf8:
            pass
    return _keys_among(path, names, encoding or detect_encoding(path))


def _keys_among(path: Path, names: Sequence[str], encoding: str) -> list[str]:
    wanted = {name.lower() for name in names}
    keys: dict[str, None] = {}
    for number, (line, long) in enumerate(_jsonl_lines(path, encoding), 1):
        keys.update((key, None) for key in ([] if long else _json_record(line)[0]) if key.lower() in wanted)
        if keys and number >= KEYS_LINES:
            break
    return list(keys)


#: The lines of a JSON-lines file whose keys :func:`keys_among` gives (the default chunk's).
KEYS_LINES = 1000


def _blank(line: str) -> bool:
    """Nothing but whitespace (any that ``str.isspace`` knows), or nothing at all."""
    return not line.strip()


class _Object(dict[str, Any]):
    """A JSON object, and the first key it names twice (``json`` keeps the last copy silently), if any."""

    repeated: str | None = None


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    record = _Object(pairs)
    if len(record) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                record.repeated = key
                break
            seen.add(key)
    return record


def _json_record(line: str) -> tuple[dict[str, Any], str, str | None]:
    """One JSON-lines line: its object, why it cannot be read (``""`` if it can) and its text (``None`` if bad)."""
    if _blank(line):
        return {}, BLANK_LINE, None
    text = line.strip(" \t\r\n")
    try:
        record = json.loads(text, object_pairs_hook=_object)
    except json.JSONDecodeError as err:  # (its "line 1 column N" is the line's, read as the file's first line)
        return {}, f"invalid JSON: {err.msg}, at character {err.pos + 1:,} of the line", None
    except RecursionError:
        return {}, "invalid JSON: nested too deeply to read", None
    if not isinstance(record, _Object):  # (every object it reads is one)
        return {}, "line is not a JSON object", None
    if record.repeated is not None:  # which of the two is the posting? (a CSV header's repeated column is refused too)
        return {}, f"key {record.repeated!r} appears more than once in the line; keep one", None
    return record, "", text


def _records_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    """Records as an object-dtype frame: values as parsed (no int -> float), ``None`` where a key is absent."""
    keys = list(dict.fromkeys(k for r in records for k in r))
    columns = {k: pd.Series([r.get(k) for r in records], dtype=object) for k in keys}
    return pd.DataFrame(columns, index=pd.RangeIndex(len(records)))


# ---------------------------------------------------------------------------- Parquet
def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[Chunk]:
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - depends on the extra
        raise BatchError("reading Parquet needs pyarrow: pip install 'tpmclassify[parquet]'") from err
    try:
        # read through a small buffer, a column chunk not fetched whole beforehand (pyarrow's default): a file of one
        # row group, as many writers make, was held whole while read in chunks (355 MB took 862 MB, twice the CSV's)
        file = pq.ParquetFile(path, buffer_size=1 << 16, pre_buffer=False)
    except Exception as err:  # pyarrow raises its own ArrowInvalid / OSError for a file that is not Parquet
        raise BatchError(f"{path} is not a readable Parquet file: {err}") from None
    # every stored column is data, pandas' index columns too (without pandas' metadata, a file written from a
    # filtered DataFrame would turn its index column into an index and lose it from the output's columns)
    schema = file.schema_arrow.remove_metadata()
    ranges = _named_ranges(file.schema_arrow, file.metadata.num_rows)
    for k, (name, _, _) in enumerate(ranges):
        schema = schema.insert(k, pa.field(name, pa.int64()))
    yielded, done = False, 0
    for batch in file.iter_batches(batch_size=chunk_size):
        yielded = True
        # an integer column with a null keeps its integers as they are (else read as float64: 2**53 + 1 is lost)
        frame = batch.to_pandas(ignore_metadata=True, integer_object_nulls=True)
        for k, (name, start, step) in enumerate(ranges):
            frame.insert(k, name, np.arange(done, done + batch.num_rows, dtype=np.int64) * step + start)
        done += batch.num_rows
        yield Chunk(frame, [""] * batch.num_rows, [None] * batch.num_rows, schema)
    if not yielded:  # a 0-row file still gives its (empty) table
        yield Chunk(schema.empty_table().to_pandas(ignore_metadata=True), [], [], schema)


def _named_ranges(schema: Any, rows: int) -> list[tuple[str, int, int]]:
    """The named range indexes pandas wrote a Parquet file with (``df.set_index("req_id")`` of evenly spaced ids):
    kept in the file's metadata only, as a start and a step, not as a column; each as its name, start and step, to
    be read as a column before the stored ones. An unnamed one is pandas' row numbers, not data; metadata that does
    not read as such an index (another shape, a name a column has, ids past 64 bits for ``rows`` rows) adds none."""
    try:
        meta = schema.pandas_metadata
    except ValueError:  # (metadata that is not JSON: no index to read)
        return []
    index = meta.get("index_columns") if isinstance(meta, dict) else None
    names, out = set(schema.names), []
    for ix in index if isinstance(index, list) else []:
        if not isinstance(ix, dict) or ix.get("kind") != "range":
            continue
        name, start, step = ix.get("name"), ix.get("start"), ix.get("step", 1)
        if not (isinstance(name, str) and name not in names):
            continue
        if isinstance(start, int) and isinstance(step, int) and not isinstance(start, bool) | isinstance(step, bool):
            ends = (start, start + step * rows)
            if -(2**63) <= min(ends) and max(ends) < 2**63:
                names.add(name)
                out.append((name, start, step))
    return out
