"""Batch classification of tables: every input row gets exactly one output row, in order.

Files are streamed in chunks (CSV, ``.csv.gz``, JSON lines, Parquet), scored in
this process or in worker processes, and written to a temporary file that is
published as the output (a hard link that never replaces a file that appeared
meanwhile) only when the run has finished.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ._atomic import OutputExistsError, atomic_path
from ._bundled import model_or_default
from ._errors import ColumnError, missing_column
from ._explain import Prediction
from ._io import BatchError, Chunk, TableWriter, file_format, read_chunks
from ._model import TPMClassifier
from ._pool import Pool, TaskFailed
from ._prior import MIN_PRIOR_POSTINGS, estimate_prior
from ._roles import ROLES, TPM
from ._text import check_text

__all__ = ["OUTPUT_COLUMNS", "BatchError", "BatchSummary", "classify_csv", "classify_frame"]

logger = logging.getLogger("tpmclassify")

#: Columns a batch run adds to every row, and the kind of value each holds.
OUTPUT_KINDS = {
    **{f"{role}_probability": "float" for role in ROLES},
    "in_scope": "float",
    "label": "str",
    "needs_review": "bool",
    "reasons": "str",
    "title_label": "str",
    "content_label": "str",
    f"content_{TPM}_probability": "float",
    "title_mismatch": "bool",
    "error": "str",
}
OUTPUT_COLUMNS = tuple(OUTPUT_KINDS)
TEXT_COLUMN_CANDIDATES = ("description", "job_description", "text")


# ---------------------------------------------------------------------------- scoring
def predict_rows(
    model: TPMClassifier,
    texts: Sequence[object],
    titles: Sequence[object] | None = None,
    read_errors: Sequence[object] | None = None,
) -> tuple[list[str], list[tuple[int, Prediction]]]:
    """Each row's error (``""`` if none) and the predictions of the rows without one, with their positions.

    A bad value (missing, empty, not text, unreadable) yields an error, never a missing row.
    """
    errors = [""] * len(texts)
    ok_idx, ok_texts, ok_titles = [], [], []
    for i, value in enumerate(texts):
        text, errors[i] = _checked(value, read_errors[i] if read_errors is not None else None)
        if text is not None:  # the text itself must be classifiable: a title alone is not a posting
            title = titles[i] if titles is not None else None
            ok_texts.append(text)
            ok_titles.append(title if isinstance(title, str) else None)
            ok_idx.append(i)
    if not ok_texts:
        return errors, []
    check_is_fitted(model, "coef_")
    predictions = model.classify_many(ok_texts, ok_titles if titles is not None else None)
    return errors, list(zip(ok_idx, predictions, strict=True))


def _checked(value: object, read_error: object = None) -> tuple[str | None, str]:
    """A cell's text if it can be classified (``None`` if not), and why not: its row could not be read, or the
    value is missing, empty, not text or has no words."""
    if read_error:
        return None, str(read_error)
    if value is None or (not isinstance(value, str) and pd.api.types.is_scalar(value) and pd.isna(cast(Any, value))):
        return None, "missing text"  # None, NaN, pd.NA, NaT
    try:
        return check_text(value), ""
    except (TypeError, ValueError) as err:
        return None, str(err)


def score_texts(
    model: TPMClassifier,
    texts: Sequence[object],
    titles: Sequence[object] | None = None,
    read_errors: Sequence[object] | None = None,
) -> dict[str, list[Any]]:
    """Score a list of raw cell values into the added columns; see :func:`predict_rows`."""
    n = len(texts)
    cols: dict[str, list[Any]] = {c: [None] * n for c in OUTPUT_COLUMNS}
    for name in ("label", "reasons", "title_label", "content_label"):
        cols[name] = [""] * n
    cols["error"], scored = predict_rows(model, texts, titles, read_errors)
    if scored:
        for i, p in scored:
            for role in ROLES:
                cols[f"{role}_probability"][i] = round(p.probabilities[role], 6)
            cols["in_scope"][i] = None if p.in_scope is None else round(p.in_scope, 6)
            cols["label"][i] = p.label
            cols["needs_review"][i] = p.needs_review
            cols["reasons"][i] = " | ".join(p.reasons[:3])
            if p.content is not None:
                cols["title_label"][i], cols["content_label"][i] = p.title_label, p.content_label
                cols[f"content_{TPM}_probability"][i] = round(p.content.probabilities[TPM], 6)
                cols["title_mismatch"][i] = p.title_mismatch
    return cols


def with_prior(
    model: TPMClassifier,
    prior: float | str | None,
    texts: Callable[[], Iterable[tuple[Sequence[object], Sequence[object] | None]]],
) -> tuple[TPMClassifier, int | None]:
    """``model`` for the stated TPM share; for "auto", the share estimated over ``texts()``: pairs of a list of cell
    values and their rows' read errors (or None). Only rows that would be classified without error count.

    Returns the model and, for "auto", how many in-scope postings the estimate rests on.

    Raises
    ------
    BatchError
        For "auto", fewer than :data:`MIN_PRIOR_POSTINGS` in-scope postings to estimate from.
    """
    if prior is None:
        return model, None
    if prior != "auto":
        try:
            share = float(prior)
        except (TypeError, ValueError):
            share = prior  # type: ignore[assignment]  # with_prior says what a prior must be
        return model.with_prior(share), None
    p_tpm: list[float] = []
    for values, read_errors in texts():
        checked = (_checked(v, read_errors[i] if read_errors is not None else None)[0] for i, v in enumerate(values))
        ok = [text for text in checked if text is not None]
        if ok:
            p_tpm.extend(model.in_scope_tpm_probabilities(ok).tolist())
    if len(p_tpm) < MIN_PRIOR_POSTINGS:
        raise BatchError(
            f"prior 'auto' needs at least {MIN_PRIOR_POSTINGS} TPM or PM postings in scope, read without error, to "
            f"estimate the TPM share from; found {len(p_tpm)}. State the share instead (e.g. --prior 0.3)"
        )
    return model.with_prior(estimate_prior(p_tpm, model.prior_)), len(p_tpm)


def with_file_prior(
    model: TPMClassifier,
    prior: float | str | None,
    src: Path,
    chunk_size: int,
    encoding: str | None,
    text_column: str | None,
) -> tuple[TPMClassifier, int | None]:
    """:func:`with_prior` for a file's postings: for "auto", a first reading of the file estimates its share."""

    def texts() -> Iterator[tuple[list[object], list[str]]]:
        column = text_column
        for chunk in read_chunks(src, chunk_size, encoding)[1]:
            column = column or pick_text_column(list(chunk.frame.columns), None)
            values = chunk.frame[column].tolist() if column in chunk.frame.columns else [None] * len(chunk.frame)
            yield values, chunk.errors

    return with_prior(model, prior, texts)


def pick_text_column(columns: Sequence[str], text_column: str | None) -> str:
    """The text column: the one asked for, or the first of description/job_description/text."""
    if text_column is not None:
        if text_column not in columns:
            raise missing_column(text_column, columns, "text_column=")
        return text_column
    lower = {str(c).lower(): c for c in columns}
    for cand in TEXT_COLUMN_CANDIDATES:
        if cand in lower:
            return lower[cand]
    raise ColumnError(
        f"no text column found (looked for {', '.join(TEXT_COLUMN_CANDIDATES)}); the columns are: "
        f"{', '.join(map(str, columns))}. Name one with {{opt:text_column=}}."
    )


def _check_clash(columns: Sequence[str], prefix: str) -> None:
    clash = [c for c in columns if c in {prefix + o for o in OUTPUT_COLUMNS}]
    if clash:
        raise BatchError(
            f"the input already has column(s) {', '.join(clash)}, which the output adds; "
            "pass a prefix for the added columns (--prefix / prefix=), e.g. 'pred_'"
        )


def prepare(
    columns: Sequence[str],
    text_column: str | None,
    title_column: str | None,
    prefix: str,
    model: TPMClassifier | None,
) -> tuple[str, TPMClassifier]:
    """Check a table's columns before classifying it; return its text column and the model to use."""
    col = pick_text_column(columns, text_column)
    if title_column is not None and title_column not in columns:
        raise missing_column(title_column, columns, "title_column=")
    for name in (col, title_column):
        if name is not None and list(columns).count(name) > 1:
            raise BatchError(f"column {name!r} appears {list(columns).count(name)} times; rename all but one")
    _check_clash(columns, prefix)
    return col, model_or_default(model)


def classify_partition(
    df: pd.DataFrame, text_column: str, title_column: str | None, model: TPMClassifier, prefix: str
) -> pd.DataFrame:
    """:func:`classify_frame` on one partition of a distributed frame, the added columns given the fixed dtypes
    of their kinds (:data:`OUTPUT_KINDS`: float64, nullable boolean, str) so that every partition has one schema
    that Arrow (Parquet, Spark) can write."""
    out = classify_frame(df, text_column, title_column=title_column, model=model, prefix=prefix)
    for name, kind in OUTPUT_KINDS.items():
        column = out[prefix + name]
        if kind == "float":
            out[prefix + name] = pd.to_numeric(column, errors="coerce").astype("float64")
        else:
            out[prefix + name] = column.astype("boolean" if kind == "bool" else str)
    return out


def classify_frame(
    df: pd.DataFrame,
    text_column: str | None = None,
    *,
    title_column: str | None = None,
    model: TPMClassifier | None = None,
    prefix: str = "",
    prior: float | str | None = None,
) -> pd.DataFrame:
    """Classify every row of a DataFrame; returns a new DataFrame with the added columns.

    Parameters
    ----------
    df : DataFrame
        Postings.
    text_column : str, optional
        Column with the posting text (default: description, job_description or text).
    title_column : str, optional
        Column with the job title. The title votes in ``label``; the added
        ``title_label``, ``content_label``, ``content_tpm_probability`` and
        ``title_mismatch`` compare what it claims with what the text
        describes (empty without a title).
    prior : float, "auto" or None
        The TPM share among TPM and PM postings the probabilities are for
        (None: the model's ``prior_``); "auto" estimates it from these
        postings (EM over the model's predictions).
    model : TPMClassifier, optional
        Defaults to the bundled model.
    prefix : str, default ""
        Prefix for the added column names.

    Returns
    -------
    DataFrame
        ``df``'s rows and columns, in order, plus ``tpm_probability``,
        ``pm_probability``, ``in_scope``, ``label``, ``needs_review``,
        ``reasons``, ``title_label``, ``content_label``,
        ``content_tpm_probability``, ``title_mismatch`` (the last four empty
        without a title) and ``error`` (empty label and a message for rows that
        could not be classified).

    Examples
    --------
    >>> import pandas as pd
    >>> out = classify_frame(pd.DataFrame({"description": [
    ...     "Own the project schedule, budget and client deliverables for the office fit-out.", None]}))
    >>> out[["label", "error"]].values.tolist()
    [['pm', ''], ['', 'missing text']]
    """
    if not isinstance(df, pd.DataFrame):
        raise BatchError(
            f"classify_frame takes a DataFrame, got a {type(df).__name__} (for a Series of texts: "
            "series.to_frame('description'), or classify_many(series))"
        )
    col, mdl = prepare(list(df.columns), text_column, title_column, prefix, model)
    mdl, _ = with_prior(mdl, prior, lambda: [(df[col].tolist(), None)])
    titles = df[title_column].tolist() if title_column else None
    cols = score_texts(mdl, df[col].tolist(), titles)
    out = df.copy()
    for name in OUTPUT_COLUMNS:
        out[prefix + name] = cols[name]
    return out


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
    prior: float | None = None
    prior_rows: int | None = None  # with prior "auto": the in-scope rows the estimate rests on

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        labels = ", ".join(f"{k} {v}" for k, v in sorted(self.labels.items()))
        return (
            f"{self.rows} rows -> {self.output} ({labels or 'no labels'}; {self.errors} errors) "
            f"in {self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s"
            + ("" if self.prior is None else f"; TPM share assumed {self.prior:.3f}")
            + ("" if self.prior_rows is None else f" (estimated from {self.prior_rows} in-scope rows)")
        )


@contextmanager
def published_output(dst: Path, overwrite: bool) -> Iterator[str]:
    """:func:`atomic_path` with its refusals as :class:`BatchError`; an unwritable folder fails on entry."""
    entered = False
    try:
        with atomic_path(dst, overwrite=overwrite) as tmp:
            entered = True
            yield tmp
    except OutputExistsError as err:
        raise BatchError(str(err)) from None
    except OSError as err:  # the file system's answer (a full disk, an unreadable input): not a bug
        if entered:
            where = f" ({err.filename})" if err.filename else ""
            raise BatchError(
                f"stopped by a system error, and no output was written: {err.strerror or err}{where}"
            ) from None
        raise BatchError(f"cannot write the output in {dst.parent}: {err.strerror or err}") from None


_WORKER_MODEL: TPMClassifier | None = None


def _init_worker(model: TPMClassifier) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model
    gc.freeze()  # a worker is ours and only scores: for good
    gc.set_threshold(*_SCORING_THRESHOLDS)


#: The cycle collector's thresholds while a process only scores: a chunk's many objects all live until the chunk
#: is written, so collecting every 700 new objects (the default) would only rescan them, about a tenth of the
#: scoring time.
_SCORING_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def collecting_less() -> Iterator[None]:
    """While a long batch runs in this process: the cycle collector leaves alone what is already loaded (modules,
    the model) and runs less often (see :data:`_SCORING_THRESHOLDS`); both are restored afterwards.

    For a program whose main job is the run (the command line uses it): the collector is the whole process's.
    Runs that overlap (command lines run in threads) share one setting: the first to start saves the collector's
    state and the last to end restores it, so they leave it as they found it, whatever their order.
    """
    with _COLLECTING_LOCK:  # held only while the collector is set, never while a run goes on
        if _COLLECTING["runs"] == 0:
            frozen = gc.get_freeze_count() > 0
            _COLLECTING["saved"] = (gc.get_threshold(), frozen)
            if not frozen:  # a program that froze objects itself keeps them as it froze them
                gc.freeze()
            gc.set_threshold(*_SCORING_THRESHOLDS)
        _COLLECTING["runs"] += 1
    try:
        yield
    finally:
        with _COLLECTING_LOCK:
            _COLLECTING["runs"] -= 1
            if _COLLECTING["runs"] == 0:
                thresholds, frozen = _COLLECTING["saved"]
                gc.set_threshold(*thresholds)
                if not frozen:
                    gc.unfreeze()


#: The runs inside :func:`collecting_less` now, and the collector's state before the first of them.
_COLLECTING: dict[str, Any] = {"runs": 0, "saved": None}
_COLLECTING_LOCK = threading.Lock()


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
    prior: float | str | None = None,
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
        Processes that score: this one and ``jobs - 1`` workers, each sent the model once. A worker that dies,
        hangs or is stopped is given up on at its chunk's deadline (set from the chunk's size) and its chunks are
        scored here; workers exit with this process, even if it is killed (see ``tpmclassify._pool``).
    overwrite : bool, default False
        Replace an existing output file.
    encoding : str, optional
        Input text encoding; by default UTF-8 (with or without BOM), else
        cp1252, else latin-1 (the one used is in the summary).
    progress : bool, default False
        Show a tqdm progress bar.
    prior : float, "auto" or None
        The TPM share among TPM and PM postings the probabilities are for
        (None: the model's ``prior_``). "auto" reads the file twice: first to
        estimate the share (EM over the model's predictions for its in-scope
        rows, reported in the summary), then to classify.

    Returns
    -------
    BatchSummary
    """
    src, dst = Path(input), Path(output)
    fmt = file_format(src)
    if file_format(dst) != fmt:
        raise BatchError(f"output format must match the input ({fmt}): got {dst.name}")
    if not src.is_file():
        raise BatchError(f"input file not found: {src}")
    if src.resolve() == dst.resolve():
        raise BatchError("output must not be the input file")
    if not dst.parent.is_dir():
        raise BatchError(f"output folder does not exist: {dst.parent}")
    if chunk_size < 1 or jobs < 1:
        raise BatchError("chunk_size and jobs must be at least 1")
    with published_output(dst, overwrite) as tmp:  # checked and created before any work
        enc, chunks = read_chunks(src, chunk_size, encoding)
        if enc not in (None, "utf-8", "utf-8-sig"):
            logger.info("input is not UTF-8: read it as %s", enc)
        mdl = model_or_default(model)
        mdl, n_estimated = with_file_prior(mdl, prior, src, chunk_size, encoding, text_column)
        summary = BatchSummary(output=str(dst), encoding=enc, prior=mdl.prior_, prior_rows=n_estimated)
        start = time.perf_counter()
        added = {prefix + name: kind for name, kind in OUTPUT_KINDS.items()}
        writer = TableWriter(tmp, fmt, added, gz=dst.name.lower().endswith(".gz"))
        pool = Pool(jobs - 1, _init_worker, (mdl,)) if jobs > 1 else None  # this process scores too
        bar = _progress(progress)
        try:
            _run(chunks, writer, summary, mdl, pool, jobs, text_column, title_column, prefix, bar)
        finally:
            try:
                writer.close()
            finally:
                if pool is not None:
                    pool.stop()
                if bar is not None:
                    bar.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _run(  # type: ignore[no-untyped-def]
    chunks, writer, summary, mdl, pool: Pool | None, jobs, text_column, title_column, prefix, bar
) -> None:
    """Score chunks and write them in order.

    With workers, a chunk goes to them once they have started and while they have fewer than two chunks each,
    else this process scores it itself: every process scores, and this one does not wait idle for its workers.
    Chunks are written as soon as they and all chunks before them are scored; at most ``_HELD_PER_JOB * jobs``
    are held, so memory stays bounded whatever the file size.
    """
    first = True
    pending: deque[tuple[Chunk, tuple[Any, ...], Any]] = deque()
    for n_chunks, chunk in enumerate(chunks, start=1):
        df = chunk.frame
        if first:
            summary.text_column, _ = prepare(list(df.columns), text_column, title_column, prefix, mdl)
            if text_column is None:
                logger.info("text column: %s", summary.text_column)
            first = False
        _check_clash(list(df.columns), prefix)  # JSON-lines chunks can each have other keys
        absent = [None] * len(df)  # a JSON-lines chunk without the key
        args = (
            df[summary.text_column].tolist() if summary.text_column in df.columns else absent,
            (df[title_column].tolist() if title_column in df.columns else absent) if title_column else None,
            chunk.errors,
        )
        if pool is not None and n_chunks == 2:  # a file of one chunk needs no workers
            pool.start()
        task = pool.submit(_worker_score, args, _chunk_seconds(args)) if pool is not None else None
        pending.append((chunk, args, score_texts(mdl, *args) if task is None else task))
        while pending and (
            isinstance(pending[0][2], dict) or pending[0][2].done() or len(pending) >= _HELD_PER_JOB * jobs
        ):
            _emit(pending.popleft(), writer, summary, bar, mdl, pool)
    while pending:
        _emit(pending.popleft(), writer, summary, bar, mdl, pool)


#: Chunks held (scored or in a worker) per process, at most: room for this process to go on scoring while a
#: worker finishes a slower chunk.
_HELD_PER_JOB = 4

#: A worker's deadline for a chunk, from its size: these seconds, plus so many a row, plus one per so many characters
#: of its texts and titles. A chunk of 1,000 postings of 3 KB takes about 0.3 s here (0.7 s for 1,000 short ones
#: with titles, read twice), so a deadline of 10 + 5 + 12 s leaves room for a busy machine: a worker past it is dead,
#: hung or stopped, and is killed and its chunk scored here (the output is the same either way).
_CHUNK_SECONDS, _ROW_SECONDS, _CHARS_PER_SECOND = 10.0, 0.005, 250_000


def _chunk_seconds(args: tuple[Any, ...]) -> float:
    """The deadline of a worker's chunk, from its size (see :data:`_CHUNK_SECONDS`)."""
    texts, titles = args[0], args[1] or ()
    chars = sum(len(v) for v in texts if isinstance(v, str)) + sum(len(v) for v in titles if isinstance(v, str))
    return _CHUNK_SECONDS + len(texts) * _ROW_SECONDS + chars / _CHARS_PER_SECOND


def _emit(
    item: tuple[Chunk, tuple[Any, ...], Any],
    writer: TableWriter,
    summary: BatchSummary,
    bar: Any,
    mdl: TPMClassifier,
    pool: Pool | None,
) -> None:
    """Write a scored chunk (waiting for its worker if it has one; scoring it here if that worker died)."""
    chunk, args, result = item
    if isinstance(result, dict):
        cols = result
    else:
        assert pool is not None
        try:
            cols = pool.result(result)
        except TaskFailed:  # its worker died, raised or stopped answering (said once, by the pool)
            cols = score_texts(mdl, *args)
    writer.write(chunk, [cols[name] for name in OUTPUT_COLUMNS])
    summary.rows += len(chunk.frame)
    summary.errors += sum(1 for e in cols["error"] if e)
    summary.labels.update(x for x in cols["label"] if x)
    if bar is not None:
        bar.update(len(chunk.frame))


def _progress(show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(unit=" rows", unit_scale=True, file=sys.stderr)
