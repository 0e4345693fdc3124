"""Batch classification of tables: every input row gets exactly one output row, in order.

Files are streamed in chunks (CSV, ``.csv.gz``, JSON lines, Parquet), scored in
this process or in worker processes, and written to a temporary file that is
renamed over the output only when the run has finished.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ._atomic import atomic_path
from ._model import TPMClassifier
from ._text import check_text, stem

__all__ = ["OUTPUT_COLUMNS", "BatchError", "BatchSummary", "classify_csv", "classify_frame"]

#: Columns a batch run adds to every row, and the kind of value each holds.
OUTPUT_KINDS = {
    "tpm_probability": "float",
    "pm_probability": "float",
    "in_scope": "float",
    "label": "str",
    "needs_review": "bool",
    "reasons": "str",
    "error": "str",
}
OUTPUT_COLUMNS = tuple(OUTPUT_KINDS)
TEXT_COLUMN_CANDIDATES = ("description", "job_description", "text")
_READ_ERROR = "\0read_error"  # hidden column: why a row could not be read ("" if it could)
_RAW = "\0raw"  # hidden column of CSV chunks: the row's record as it was in the file (None if malformed)
_HIDDEN = (_READ_ERROR, _RAW)


class BatchError(ValueError):
    """A batch run cannot start or finish (bad file, column, encoding or output path)."""


# ---------------------------------------------------------------------------- scoring
def _model(model: TPMClassifier | None) -> TPMClassifier:
    if model is not None:
        return model
    from ._api import default_model

    return default_model()


def score_texts(
    model: TPMClassifier,
    texts: Sequence[object],
    titles: Sequence[object] | None = None,
    read_errors: Sequence[object] | None = None,
) -> dict[str, list[Any]]:
    """Score a list of raw cell values; a bad value yields an ``error``, never a missing row."""
    n = len(texts)
    cols: dict[str, list[Any]] = {c: [None] * n for c in OUTPUT_COLUMNS}
    cols["label"] = [""] * n
    cols["reasons"] = [""] * n
    cols["error"] = [""] * n
    ok_idx, ok_texts = [], []
    for i, value in enumerate(texts):
        problem = read_errors[i] if read_errors is not None and read_errors[i] else None
        if problem is None:
            if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(value)):
                problem = "missing text"  # None, NaN, pd.NA, NaT
            else:
                title = titles[i] if titles is not None else None
                if isinstance(title, str) and title.strip() and isinstance(value, str):
                    value = f"{title.strip()}\n{value}"
                try:
                    ok_texts.append(check_text(value))
                    ok_idx.append(i)
                except (TypeError, ValueError) as err:
                    problem = str(err)
        if problem:
            cols["error"][i] = problem
    if ok_texts:
        check_is_fitted(model, "coef_")
        for i, p in zip(ok_idx, model._classify(ok_texts), strict=True):
            cols["tpm_probability"][i] = round(p.probabilities["tpm"], 6)
            cols["pm_probability"][i] = round(p.probabilities["pm"], 6)
            cols["in_scope"][i] = None if p.in_scope is None else round(p.in_scope, 6)
            cols["label"][i] = p.label
            cols["needs_review"][i] = p.needs_review
            cols["reasons"][i] = " | ".join(p.reasons[:3])
    return cols


def pick_text_column(columns: Sequence[str], text_column: str | None) -> str:
    """The text column: the one asked for, or the first of description/job_description/text."""
    if text_column is not None:
        if text_column not in columns:
            raise BatchError(f"no column {text_column!r}; the columns are: {', '.join(map(str, columns))}")
        return text_column
    lower = {str(c).lower(): c for c in columns}
    for cand in TEXT_COLUMN_CANDIDATES:
        if cand in lower:
            return lower[cand]
    raise BatchError(
        f"no text column found (looked for {', '.join(TEXT_COLUMN_CANDIDATES)}); the columns are: "
        f"{', '.join(map(str, columns))}. Name one with --text-column."
    )


def _check_clash(columns: Sequence[str], prefix: str) -> None:
    clash = [c for c in columns if c in {prefix + o for o in OUTPUT_COLUMNS}]
    if clash:
        raise BatchError(
            f"the input already has column(s) {', '.join(clash)}, which the output adds; "
            "pass a prefix for the added columns (--prefix / prefix=), e.g. 'pred_'"
        )


def prepare(
    columns: Sequence[str], text_column: str | None, title_column: str | None, prefix: str,
    model: TPMClassifier | None,
) -> tuple[str, TPMClassifier]:
    """Check a table's columns before classifying it; return its text column and the model to use."""
    columns = [c for c in columns if c not in _HIDDEN]
    col = pick_text_column(columns, text_column)
    if title_column is not None and title_column not in columns:
        raise BatchError(f"no column {title_column!r}; the columns are: {', '.join(map(str, columns))}")
    _check_clash(columns, prefix)
    return col, _model(model)


def classify_partition(
    df: pd.DataFrame, text_column: str, title_column: str | None, model: TPMClassifier, prefix: str
) -> pd.DataFrame:
    """:func:`classify_frame` on one partition of a distributed frame, the added columns given fixed dtypes
    (float64, object for needs_review, str) so that every partition has one schema."""
    out = classify_frame(df, text_column, title_column=title_column, model=model, prefix=prefix)
    for name, kind in OUTPUT_KINDS.items():
        column = out[prefix + name]
        if kind == "float":
            out[prefix + name] = pd.to_numeric(column, errors="coerce").astype("float64")
        else:
            out[prefix + name] = column.astype(object if kind == "bool" else str)
    return out


def classify_frame(
    df: pd.DataFrame,
    text_column: str | None = None,
    *,
    title_column: str | None = None,
    model: TPMClassifier | None = None,
    prefix: str = "",
) -> pd.DataFrame:
    """Classify every row of a DataFrame; returns a new DataFrame with the added columns.

    Parameters
    ----------
    df : DataFrame
        Postings.
    text_column : str, optional
        Column with the posting text (default: description, job_description or text).
    title_column : str, optional
        Column with the job title, prepended to the text when present.
    model : TPMClassifier, optional
        Defaults to the bundled model.
    prefix : str, default ""
        Prefix for the added column names.

    Returns
    -------
    DataFrame
        ``df``'s rows and columns, in order, plus ``tpm_probability``,
        ``pm_probability``, ``in_scope``, ``label``, ``needs_review``,
        ``reasons`` and ``error`` (empty label and a message for rows that could
        not be classified).

    Examples
    --------
    >>> import pandas as pd
    >>> out = classify_frame(pd.DataFrame({"description": [
    ...     "Own the project schedule, budget and client deliverables for the office fit-out.", None]}))
    >>> out[["label", "error"]].values.tolist()
    [['pm', ''], ['', 'missing text']]
    """
    col, mdl = prepare(list(df.columns), text_column, title_column, prefix, model)
    titles = df[title_column].tolist() if title_column else None
    errors = df[_READ_ERROR].tolist() if _READ_ERROR in df.columns else None
    return _with_results(df, score_texts(mdl, df[col].tolist(), titles, errors), prefix)


def _with_results(df: pd.DataFrame, cols: dict[str, list[Any]], prefix: str) -> pd.DataFrame:
    """A copy of ``df`` (without the hidden columns) with the added columns."""
    out = df.drop(columns=list(_HIDDEN), errors="ignore")
    for name in OUTPUT_COLUMNS:
        out[prefix + name] = cols[name]
    return out


# ---------------------------------------------------------------------------- files
def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM) if the whole file decodes, else cp1252, else latin-1."""
    with _open_binary(path) as f:
        head = f.read(65536)
        if head.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        if b"\x00" in head:
            raise BatchError(f"{path} does not look like a text file (it contains NUL bytes)")
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


def _open_binary(path: Path) -> IO[bytes]:
    return gzip.open(path, "rb") if path.name.lower().endswith(".gz") else open(path, "rb")


def _format(path: Path) -> str:
    name = path.name.lower()
    if name.endswith((".jsonl", ".jsonl.gz", ".ndjson")):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return "csv"


def _csv_chunks(path: Path, encoding: str, chunk_size: int) -> Iterator[pd.DataFrame]:
    csv.field_size_limit(sys.maxsize)
    with io.TextIOWrapper(_open_binary(path), encoding=encoding, newline="") as f:
        record: list[str] = []  # the lines the reader has taken for the row being read
        reader = csv.reader(_recording(f, record), strict=False)
        header = next(reader, None)
        if header is None:
            raise BatchError(f"{path} is empty: no header row")
        columns = _dedupe(header)
        rows: list[list[str | None]] = []
        errors: list[str] = []
        raws: list[str | None] = []
        yielded = False
        while True:
            record.clear()
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:  # e.g. a NUL byte in a row: keep a row, mark it
                row, errors_msg = [], f"unreadable CSV row: {err}"
            else:
                errors_msg = ""
                if len(row) != len(columns) and row:
                    errors_msg = f"row has {len(row)} fields, the header has {len(columns)}"
            # a well-formed record is written back as it was read, the added fields after it
            raws.append("".join(record).rstrip("\r\n") if len(row) == len(columns) and columns else None)
            cells: list[str | None] = list(row[: len(columns)])
            cells += [None] * (len(columns) - len(cells))
            rows.append(cells)
            errors.append(errors_msg)
            if len(rows) > chunk_size:  # the newest record waits: it may be the last, which is checked below
                yield _frame(rows[:-1], columns, errors[:-1], raws[:-1])
                rows, errors, raws, yielded = rows[-1:], errors[-1:], raws[-1:], True
        if raws and raws[-1] is not None and not _closed(raws[-1]):
            raws[-1] = None  # the file ends inside a quoted field: write the row from its parsed fields
        if rows or not yielded:  # a header-only file still gives its (empty) table
            yield _frame(rows, columns, errors, raws)


def _closed(raw: str) -> bool:
    """Whether ``raw`` is one complete CSV record (only the file's last record can end inside quotes)."""
    try:
        return len(list(csv.reader(io.StringIO(raw, newline=""), strict=True))) == 1
    except csv.Error:
        return False


def _recording(lines: Iterable[str], record: list[str]) -> Iterator[str]:
    """Yield ``lines``, appending each to ``record`` as it goes."""
    for line in lines:
        record.append(line)
        yield line


def _dedupe(header: Sequence[str]) -> list[str]:
    seen: Counter[str] = Counter()
    out = []
    for name in header:
        name = name or "unnamed"
        out.append(name if not seen[name] else f"{name}.{seen[name]}")
        seen[name] += 1
    return out


def _frame(rows: list[list[Any]], columns: list[str], errors: list[str], raws: list[str | None]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=columns, dtype=object)
    df[_READ_ERROR] = errors
    df[_RAW] = pd.Series(raws, dtype=object)
    return df


def _jsonl_chunks(path: Path, encoding: str, chunk_size: int) -> Iterator[pd.DataFrame]:
    with io.TextIOWrapper(_open_binary(path), encoding=encoding) as f:
        records: list[dict[str, Any]] = []
        for line in f:
            if not line.strip():
                records.append({_READ_ERROR: "blank line"})
            else:
                try:
                    rec = json.loads(line)
                    records.append(rec if isinstance(rec, dict) else {_READ_ERROR: "line is not a JSON object"})
                except json.JSONDecodeError as err:
                    records.append({_READ_ERROR: f"invalid JSON: {err}"})
            if len(records) >= chunk_size:
                yield _records(records)
                records = []
        if records:
            yield _records(records)


def _records(records: list[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame.from_records(records)
    if _READ_ERROR not in df.columns:
        df[_READ_ERROR] = ""
    df[_READ_ERROR] = df[_READ_ERROR].fillna("")
    return df.astype(object).where(df.notna(), None)


def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    try:
        import pyarrow.parquet as pq
    except ImportError as err:  # pragma: no cover - depends on the extra
        raise BatchError("reading Parquet needs pyarrow: pip install 'tpmclassify[parquet]'") from err
    for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_size):
        df = batch.to_pandas()
        df[_READ_ERROR] = ""
        yield df


class _Writer:
    """Writes chunks of one output table to a (temporary) file, in CSV, JSON lines or Parquet."""

    def __init__(self, path: str, fmt: str, gz: bool, prefix: str) -> None:
        self.path, self.fmt, self.gz, self.prefix = path, fmt, gz, prefix
        self.added = [prefix + name for name in OUTPUT_COLUMNS]
        self._pq: Any = None
        self._f: Any = None
        self._csv: Any = None

    def write(self, df: pd.DataFrame, cols: dict[str, list[Any]]) -> None:
        """Write the rows of ``df`` with their results ``cols`` (as :func:`score_texts` returns them)."""
        if self.fmt == "parquet":
            self._parquet(_with_results(df, cols, self.prefix))
            return
        visible = [c for c in df.columns if c not in _HIDDEN]
        if self._f is None:
            raw = gzip.open(self.path, "wb") if self.gz else open(self.path, "wb")
            self._f = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
            if self.fmt == "csv":
                self._csv = csv.writer(self._f)
                self._csv.writerow(visible + self.added)
        added = zip(*(cols[name] for name in OUTPUT_COLUMNS), strict=True)
        cells = df[visible].itertuples(index=False, name=None)
        if self.fmt == "jsonl":
            for row, extra in zip(cells, added, strict=True):
                rec = {k: v for k, v in zip(visible + self.added, row + extra, strict=True) if not _missing(v)}
                self._f.write(json.dumps(rec, default=str) + "\n")
            return
        raws = df[_RAW].tolist() if _RAW in df.columns else [None] * len(df)
        write, writerow = self._f.write, self._csv.writerow
        for raw, row, extra in zip(raws, cells, added, strict=True):
            if raw is None:
                writerow(row + extra)
            else:  # the record as read (no re-quoting of long texts), then the added fields
                write(raw)
                write(",")
                writerow(extra)

    def _parquet(self, df: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        table = pa.Table.from_pandas(df, preserve_index=False, schema=self._pq.schema if self._pq else None)
        if self._pq is None:
            self._pq = pq.ParquetWriter(self.path, table.schema)
        self._pq.write_table(table)

    def close(self) -> None:
        for handle in (self._pq, self._f):
            if handle is not None:
                handle.close()


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value)


@dataclass
class BatchSummary:
    """What a batch run did."""

    output: str
    rows: int = 0
    errors: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    encoding: str | None = None
    text_column: str = ""

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        labels = ", ".join(f"{k} {v}" for k, v in sorted(self.labels.items()))
        return (
            f"{self.rows} rows -> {self.output} ({labels or 'no labels'}; {self.errors} errors) "
            f"in {self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s"
        )


_WORKER_MODEL: TPMClassifier | None = None


def _init_worker(model: TPMClassifier) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model


def _worker_score(texts: list[object], titles: list[object] | None, errors: list[object]) -> dict[str, list[Any]]:
    assert _WORKER_MODEL is not None
    return score_texts(_WORKER_MODEL, texts, titles, errors)


def classify_csv(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    text_column: str | None = None,
    title_column: str | None = None,
    model: TPMClassifier | None = None,
    chunk_size: int = 1000,
    jobs: int = 1,
    overwrite: bool = False,
    encoding: str | None = None,
    prefix: str = "",
    progress: bool = False,
    log: Any = None,
) -> BatchSummary:
    """Classify a file of postings into another file of the same format.

    Parameters
    ----------
    input, output : path
        ``.csv``, ``.csv.gz``, ``.jsonl`` (``.jsonl.gz``) or ``.parquet``.
    text_column, title_column, model, prefix
        As for :func:`classify_frame`.
    chunk_size : int, default 1000
        Rows per chunk; memory stays bounded by a few chunks whatever the file size.
    jobs : int, default 1
        Worker processes (the model is sent to each worker once).
    overwrite : bool, default False
        Replace an existing output file.
    encoding : str, optional
        Input text encoding; by default UTF-8 (with or without BOM), else
        cp1252, else latin-1 (the one used is in the summary).
    progress : bool, default False
        Show a tqdm progress bar.
    log : callable, optional
        Called with informational messages (which column, which encoding).

    Returns
    -------
    BatchSummary
    """
    src, dst = Path(input), Path(output)
    if not src.is_file():
        raise BatchError(f"input file not found: {src}")
    if dst.exists() and not overwrite:
        raise BatchError(f"output {dst} already exists; pass --overwrite (overwrite=True) to replace it")
    if src.resolve() == dst.resolve():
        raise BatchError("output must not be the input file")
    if not dst.parent.is_dir():
        raise BatchError(f"output folder does not exist: {dst.parent}")
    if chunk_size < 1 or jobs < 1:
        raise BatchError("chunk_size and jobs must be at least 1")
    fmt = _format(src)
    if _format(dst) != fmt:
        raise BatchError(f"output format must match the input ({fmt}): got {dst.name}")
    say = log or (lambda msg: None)
    enc = None
    if fmt != "parquet":
        enc = encoding or detect_encoding(src)
        if enc not in ("utf-8", "utf-8-sig"):
            say(f"input is not UTF-8: read it as {enc}")
    if fmt == "csv":
        chunks: Iterator[pd.DataFrame] = _csv_chunks(src, enc or "utf-8", chunk_size)
    elif fmt == "jsonl":
        chunks = _jsonl_chunks(src, enc or "utf-8", chunk_size)
    else:
        chunks = _parquet_chunks(src, chunk_size)
    mdl = _model(model)
    summary = BatchSummary(output=str(dst), encoding=enc)
    start = time.perf_counter()
    pool = None
    if jobs > 1:
        stem("warm")  # import nltk's stemmer once here, so forked workers start with it
        pool = ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(mdl,))
    bar = _progress(progress)
    try:
        with atomic_path(dst) as tmp:
            writer = _Writer(tmp, fmt, dst.name.lower().endswith(".gz"), prefix)
            try:
                _run(chunks, writer, summary, mdl, pool, jobs, text_column, title_column, prefix, say, bar)
            finally:
                writer.close()
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
        if bar is not None:
            bar.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _run(chunks, writer, summary, mdl, pool, jobs, text_column, title_column, prefix, say, bar) -> None:  # type: ignore[no-untyped-def]
    """Score chunks (in order, at most ``2 * jobs`` in flight) and write them."""
    first = True
    pending: list[tuple[pd.DataFrame, Any]] = []
    for df in chunks:
        if first:
            summary.text_column, _ = prepare(list(df.columns), text_column, title_column, prefix, mdl)
            if text_column is None:
                say(f"text column: {summary.text_column}")
            first = False
        if summary.text_column not in df.columns:  # a JSON-lines chunk without the key
            df[summary.text_column] = None
        args = (
            df[summary.text_column].tolist(),
            df[title_column].tolist() if title_column and title_column in df.columns else None,
            df[_READ_ERROR].tolist(),
        )
        pending.append((df, pool.submit(_worker_score, *args) if pool else score_texts(mdl, *args)))
        while pending and (pool is None or len(pending) > 2 * jobs):
            _emit(pending.pop(0), writer, summary, bar)
    while pending:
        _emit(pending.pop(0), writer, summary, bar)


def _emit(item: tuple[pd.DataFrame, Any], writer: _Writer, summary: BatchSummary, bar: Any) -> None:
    df, result = item
    cols = result.result() if isinstance(result, Future) else result
    writer.write(df, cols)
    summary.rows += len(df)
    summary.errors += sum(1 for e in cols["error"] if e)
    summary.labels.update(x for x in cols["label"] if x)
    if bar is not None:
        bar.update(len(df))


def _progress(show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(unit=" rows", unit_scale=True, file=sys.stderr)

