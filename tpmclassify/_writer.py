"""Writing a table: the input's rows as they were, each followed by the columns a batch adds."""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
from collections.abc import Iterator, Sequence
from typing import Any

from ._chunk import Chunk
from ._encodings import from_spreadsheet

__all__ = ["UNREAD_FIELD", "TableWriter"]

#: The field of a JSON-lines output record that holds an input line that is not a JSON object (it has no fields).
UNREAD_FIELD = "unread_line"


class TableWriter:
    """Writes chunks of one table, with added columns, to a file in CSV, JSON lines or Parquet.

    A CSV begins with a UTF-8 byte-order mark, which spreadsheets need to read accents as UTF-8, when its rows were
    read in anything but plain UTF-8 (:attr:`Chunk.encoding`; see ``_encodings.from_spreadsheet``): a spreadsheet's
    file is written back for spreadsheets. So it does when only rows after the first say so (a file read as UTF-8
    until a byte said otherwise): the mark is then put before the rest as the file is finished (:meth:`finish`).

    Parameters
    ----------
    path : str
        File to write (the caller publishes it).
    fmt : str
        ``"csv"``, ``"jsonl"`` or ``"parquet"``; gzip if ``path`` ends in ``.gz``.
    added : dict
        Name -> kind (``"float"``, ``"str"`` or ``"bool"``) of the columns added after the input's.
    gz : bool, default False
        Compress the output (gzip).
    unread_field : str, default :data:`UNREAD_FIELD`
        JSON lines: the field holding a line that was not a JSON object (see :attr:`Chunk.unread`).
    """

    def __init__(
        self,
        path: str,
        fmt: str,
        added: dict[str, str],
        gz: bool = False,
        unread_field: str = UNREAD_FIELD,
    ) -> None:
        self.path, self.fmt, self.gz, self.added, self.unread_field = path, fmt, gz, added, unread_field
        self.bom = False  # whether the file begins with a byte-order mark
        self._pq: Any = None
        self._f: Any = None
        self._csv: Any = None
        self._bom_later = False  # a mark is due that the file does not begin with

    def write(self, chunk: Chunk, values: Sequence[list[Any]]) -> None:
        """Write ``chunk``'s rows, each followed by its values of the added columns (one list per column)."""
        if self.fmt == "parquet":
            self._parquet(chunk, values)
            return
        visible = list(chunk.frame.columns)
        spreadsheet = self.fmt == "csv" and from_spreadsheet(chunk.encoding)
        if self._f is None:
            self.bom = spreadsheet
            raw = gzip.open(self.path, "wb") if self.gz else open(self.path, "wb")
            self._f = io.TextIOWrapper(raw, encoding="utf-8-sig" if self.bom else "utf-8", errors="replace", newline="")
            if self.fmt == "csv":  # (the input's delimiter: its records are written as they were)
                self._csv = csv.writer(self._f, delimiter=chunk.delimiter, lineterminator=chunk.newline)
                self._csv.writerow((chunk.header or visible) + list(self.added))  # the header as the input names it
        elif spreadsheet and not self.bom:
            self._bom_later = True
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
                write(chunk.delimiter)
                writerow(extra)

    def _jsonl(self, chunk: Chunk, added: Iterator[tuple[Any, ...]]) -> None:
        """Each record as it was read (every value kept exactly), the added fields appended to it."""
        names = list(self.added)
        unread = chunk.unread or [None] * len(chunk.raws)
        for raw, line, extra in zip(chunk.raws, unread, added, strict=True):
            fields = {k: v for k, v in zip(names, extra, strict=True) if not _missing(v)}
            if raw is None:  # a line that is not a JSON object: the line as text (if any), then the added fields
                self._f.write(json.dumps(fields if line is None else {self.unread_field: line, **fields}) + "\n")
                continue
            tail = json.dumps(fields)
            body = raw[:-1].rstrip()  # the object without its closing brace
            self._f.write(body + ("" if body.endswith("{") else ",") + tail[1:] + "\n")

    def _parquet(self, chunk: Chunk, values: Sequence[list[Any]]) -> None:
        """The input columns with the input's own schema (when it is Parquet), the added ones with their kinds."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame, schema = chunk.frame, chunk.schema
        if frame.columns.is_unique:
            table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)
        else:  # a name the file repeats is kept (as a CSV's is): column by column, as pandas refuses such a table
            columns = [pa.Array.from_pandas(frame.iloc[:, i], type=f.type) for i, f in enumerate(schema)]
            table = pa.Table.from_arrays(columns, schema=schema)
        for (name, kind), column in zip(self.added.items(), values, strict=True):
            table = table.append_column(pa.field(name, _arrow_type(kind)), pa.array(column, type=_arrow_type(kind)))
        if self._pq is None:
            self._pq = pq.ParquetWriter(self.path, table.schema)
        elif table.schema != self._pq.schema:
            table = table.cast(self._pq.schema)
        self._pq.write_table(table)

    def finish(self) -> None:
        """Close the file once every chunk is written, putting a byte-order mark found due late before its rows."""
        self.close()
        if self._bom_later:
            self._bom_later, self.bom = False, True
            _put_first(self.path, gzip.compress(codecs.BOM_UTF8) if self.gz else codecs.BOM_UTF8)

    def close(self) -> None:
        """Close the file, finished or not (once: closing it again does nothing)."""
        for handle in (self._pq, self._f):
            if handle is not None:
                handle.close()
        self._pq = self._f = None


def _put_first(path: str, head: bytes) -> None:
    """Put ``head`` before a file's bytes, in place (the run's own file, not yet published): its blocks moved up,
    the last first. A gzip file's head is a member of its own, which gzip reads as one stream with the rest."""
    with open(path, "r+b") as f:
        end = f.seek(0, os.SEEK_END)
        while end > 0:
            start = max(0, end - _BLOCK)
            f.seek(start)
            block = f.read(end - start)
            f.seek(start + len(head))
            f.write(block)
            end = start
        f.seek(0)
        f.write(head)


_BLOCK = 1 << 20


def _arrow_type(kind: str) -> Any:
    import pyarrow as pa

    return {"float": pa.float64(), "str": pa.string(), "bool": pa.bool_()}[kind]


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)
