"""Batch classification of files: every input row gets exactly one output row, in order.

Files are streamed in chunks (CSV, ``.csv.gz``, JSON lines, Parquet; ``tpmclassify._io``), scored in this process or
in worker processes (``tpmclassify._workers``), row by row as ``tpmclassify._rows`` scores any table, and written to a
temporary file that is published as the output (a hard link that never replaces a file that appeared meanwhile) only
when the run has finished.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ._atomic import OutputExistsError, RunOutputExistsError, atomic_path
from ._bundled import model_or_default
from ._columns import OUTPUT_COLUMNS, OUTPUT_KINDS, LateKeys, check_clash, check_prefix
from ._errors import TPMClassifyError
from ._io import (
    UNREAD_FIELD,
    BatchError,
    Chunk,
    Reread,
    TableWriter,
    as_path,
    check_count,
    check_encoding,
    check_input,
    file_format,
    read_chunks,
)
from ._model import TPMClassifier
from ._pool import MAX_JOBS, Pool, TaskFailed
from ._rows import prepare, score_texts, text_column_of, with_file_prior
from ._workers import chunk_seconds, init_worker, worker_score

__all__ = ["BatchError", "BatchSummary", "classify_csv", "published_output"]

logger = logging.getLogger("tpmclassify")


@dataclass
class BatchSummary:
    """What a batch run did (:func:`classify_csv` returns it; its example shows one).

    Attributes
    ----------
    output : str
        The file written.
    rows : int
        Every row of the input, each with an output row (``rows == sum(labels.values()) + errors``).
    errors : int
        Rows that could not be classified (their ``error`` cell says why; their label is empty).
    labels : Counter
        Rows by label (``tpm``, ``pm``, ``other``).
    needs_review : int
        Of the rows labeled, those too close to call or with too little to decide on.
    title_mismatches : int
        Rows whose title says one role while their content reads clearly as the other (``title_mismatch``; with a
        title column only).
    seconds : float
        Wall time.
    encoding : str or None
        The input's encoding, as given or detected (None for Parquet).
    text_column : str
        The column read as the posting.
    prior : float or None
        The TPM share the probabilities are for: as stated, as estimated (``prior="auto"``), or else the model's
        ``prior_``.
    prior_rows : int or None
        With ``prior="auto"``: the in-scope rows the estimate rests on.
    """

    output: str
    rows: int = 0
    errors: int = 0
    labels: Counter[str] = field(default_factory=Counter)
    needs_review: int = 0
    title_mismatches: int = 0
    seconds: float = 0.0
    encoding: str | None = None
    text_column: str = ""
    prior: float | None = None
    prior_rows: int | None = None

    @property
    def rows_per_second(self) -> float:
        """Rows read per second of wall time (0 for a run that took none)."""
        return self.rows / self.seconds if self.seconds else 0.0

    def __str__(self) -> str:
        labels = ", ".join(f"{k} {v}" for k, v in sorted(self.labels.items()))
        return (
            f"{self.rows} row{'s' * (self.rows != 1)} -> {self.output} ({labels or 'no labels'}, "
            f"{self.needs_review} of them needing review"
            + (f", {self.title_mismatches} flagged as mis-titled" if self.title_mismatches else "")
            + f"; {self.errors} error{'s' * (self.errors != 1)}) "
            f"in {self.seconds:.1f} s, {self.rows_per_second:,.0f} rows/s"
            + ("" if self.prior is None else f"; TPM share assumed {self.prior:.3f}")
            + (
                ""
                if self.prior_rows is None
                else f" (estimated from {self.prior_rows} in-scope row{'s' * (self.prior_rows != 1)})"
            )
        )


@contextmanager
def published_output(dst: Path, overwrite: bool) -> Iterator[str]:
    """:func:`atomic_path` with its refusals as :class:`BatchError`; a missing or unwritable folder fails on entry
    (in one wording for every command that writes a table or a page)."""
    if not dst.parent.is_dir():
        if dst.parent.exists():
            raise BatchError(f"the output's folder {dst.parent} is a file")
        raise BatchError(f"output folder does not exist: {dst.parent}")
    entered = False
    try:
        with atomic_path(dst, overwrite=overwrite) as tmp:
            entered = True
            yield tmp
    except OutputExistsError as err:
        raise RunOutputExistsError(str(err)) from None
    except TPMClassifyError:  # (an input gone meanwhile: said as it was found, not as the file system's answer below)
        raise
    except OSError as err:  # the file system's answer (a full disk, an unreadable input): not a bug
        if entered:
            where = f" ({err.filename})" if err.filename else ""
            raise BatchError(
                f"stopped by a system error, and no output was written to {dst}: {err.strerror or err}{where}"
            ) from None
        raise BatchError(f"cannot write {dst} (in {dst.parent}): {err.strerror or err}") from None


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
        scored here; workers exit with this process, even if it is killed (see ``tpmclassify._pool``). At most
        four per core of this machine (:data:`MAX_JOBS`).
    overwrite : bool, default False
        Replace an existing output file.
    encoding : str, optional
        Input text encoding; by default UTF-8 (with or without BOM), UTF-16 or UTF-32 with a BOM, "utf-8+cp1252"
        (UTF-8 but for a few cp1252 bytes), else cp1252, else "cp1252+latin-1" (cp1252, its five undefined bytes read as
        latin-1); the one used is in the summary.
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

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> import pandas as pd
    >>> folder = tempfile.mkdtemp()
    >>> postings = os.path.join(folder, "postings.csv")
    >>> pd.DataFrame({
    ...     "title": ["Technical Program Manager", "Project Manager"],
    ...     "description": [
    ...         "Drive a multi-year program across five engineering teams: review system designs, weigh "
    ...         "architecture trade-offs with engineers and align the roadmap with the product strategy.",
    ...         "Run the office fit-out project day to day: the schedule, the budget, the contractors and "
    ...         "weekly status reports to the client."]}).to_csv(postings, index=False)
    >>> summary = classify_csv(postings, os.path.join(folder, "labeled.csv"), title_column="title")
    >>> summary.rows, summary.errors, summary.needs_review
    (2, 0, 2)
    >>> labeled = pd.read_csv(os.path.join(folder, "labeled.csv"))
    >>> labeled[["title", "label", "needs_review"]]
                           title label  needs_review
    0  Technical Program Manager   tpm          True
    1            Project Manager    pm          True
    >>> labeled["reasons"][0].split(":")[0]  # two sentences are too short to decide on
    'Needs review'
    >>> shutil.rmtree(folder)
    """
    src, dst = as_path("input", input), as_path("output", output)
    check_count("chunk_size", chunk_size)
    check_count("jobs", jobs, 1, MAX_JOBS)
    check_prefix(prefix)
    check_encoding(encoding)  # (an argument: said before the model loads, as the others are)
    fmt = file_format(src)
    try:
        out_fmt = file_format(dst)
    except BatchError:
        if dst.is_dir():  # ("results: unsupported file type" would not say what is wrong)
            raise BatchError(f"the output {dst} is a folder: name a file in it") from None
        raise
    if out_fmt != fmt:
        raise BatchError(f"output format must match the input ({fmt}): got {dst.name}")
    check_input(src)
    if src.resolve() == dst.resolve():
        raise BatchError("output must not be the input file")
    # (what was started is stopped or closed on the way out, the last first, before the output is published)
    with published_output(dst, overwrite) as tmp, ExitStack() as started:  # the output checked and created first
        mdl = model_or_default(model)
        text_column = text_column_of(src, encoding, text_column)  # (JSON lines: the same whatever the chunks)
        mdl, n_estimated = with_file_prior(mdl, prior, src, chunk_size, encoding, text_column, title_column)
        pool = Pool(jobs - 1, init_worker, (mdl,)) if jobs > 1 else None  # this process scores too
        if pool is not None:
            started.callback(pool.stop)
            if pool.early:  # workers started ahead (by the command line) take the model now
                pool.start()
        start, named = time.perf_counter(), encoding is not None
        added = {prefix + name: kind for name, kind in OUTPUT_KINDS.items()}
        gz, unread = dst.name.lower().endswith(".gz"), prefix + UNREAD_FIELD
        bar = _progress(progress)
        if bar is not None:
            started.callback(bar.close)
        while True:  # read as UTF-8 as it goes (see read_chunks): once more, in the file's encoding, if it is not
            _, chunks = read_chunks(src, chunk_size, encoding, as_read=True)
            summary = BatchSummary(output=str(dst), encoding=None, prior=mdl.prior_, prior_rows=n_estimated)
            writer = TableWriter(tmp, fmt, added, gz=gz, unread_field=unread)
            try:
                chunks = _said(chunks, summary, named)
                _run(chunks, writer, summary, mdl, pool, jobs, text_column, title_column, prefix, bar)
                writer.finish()
                break
            except Reread as again:  # (rare) rows scored read otherwise in the encoding found further on
                logger.info("%s; reading it again", again)
                encoding, text_column = again.encoding, text_column or summary.text_column  # (picked and said once)
                if bar is not None:
                    bar.reset()
            finally:
                writer.close()
    summary.seconds = time.perf_counter() - start
    return summary


def _said(chunks: Iterator[Chunk], summary: BatchSummary, named: bool) -> Iterator[Chunk]:
    """``chunks``, the summary's encoding kept as they say (a file read as UTF-8 may turn out otherwise further on),
    and an encoding found that is not UTF-8 said (one given is the user's own choice)."""
    for chunk in chunks:
        if chunk.encoding != summary.encoding:
            summary.encoding = chunk.encoding
            if not named and chunk.encoding not in (None, "utf-8", "utf-8-sig"):
                logger.info("input is not UTF-8: read it as %s", chunk.encoding)
        yield chunk


def _run(  # type: ignore[no-untyped-def]
    chunks, writer, summary, mdl, pool: Pool | None, jobs, text_column, title_column, prefix, bar
) -> None:
    """Score chunks and write them in order.

    With workers, a chunk goes to them once they have started and while they have fewer than three chunks each,
    else this process scores it itself: every process scores, and this one does not wait idle for its workers. Once
    the file is read, a chunk a worker holds but has not started is scored here too, rather than waited for (a worker
    holds up to three: about a second of a run's end).
    Chunks are written as soon as they and all chunks before them are scored; at most ``_HELD_PER_JOB * jobs``
    are held, so memory stays bounded whatever the file size.
    """
    first = True
    pending: deque[tuple[Chunk, tuple[Any, ...], Any]] = deque()
    chunks = iter(chunks)
    head = list(islice(chunks, 2))  # the second chunk read before the first is scored: workers start at once
    late = LateKeys(writer.fmt == "jsonl", text_column, title_column)  # a named key may come in a later chunk
    for chunk in chain(head, chunks):
        df = chunk.frame
        columns = late.columns(list(df.columns))
        if first:
            summary.text_column, _ = prepare(columns, text_column, title_column, prefix, mdl, chunk.header)
            if text_column is None:
                logger.info("text column: %s", summary.text_column)
            if writer.fmt == "csv" and chunk.delimiter != ",":  # (found from the header: said, as the encoding is)
                logger.info("input is %r-separated: read and written so", chunk.delimiter)
            first = False
            if pool is not None and len(head) == 2:  # once the columns are known good (one chunk needs none)
                pool.start()
        # JSON-lines chunks can each have other keys, and a line that is not an object comes back in a field
        check_clash(list(df.columns), prefix, (UNREAD_FIELD,) if writer.fmt == "jsonl" else ())
        absent = [None] * len(df)  # a JSON-lines chunk without the key
        args = (
            df[summary.text_column].tolist() if summary.text_column in df.columns else absent,
            (df[title_column].tolist() if title_column in df.columns else absent) if title_column else None,
            chunk.errors,
        )
        task = pool.submit(worker_score, args, chunk_seconds(args)) if pool is not None else None
        pending.append((chunk, args, score_texts(mdl, *args) if task is None else task))
        while pending and (_scored(pending[0][2]) or len(pending) >= _HELD_PER_JOB * jobs):
            _emit(pending.popleft(), writer, summary, bar, mdl, pool)
    while pending:  # the file is read: a chunk a worker has not started is scored here, not waited for
        k = _unstarted(pending) if not _scored(pending[0][2]) else None
        if k is None:
            _emit(pending.popleft(), writer, summary, bar, mdl, pool)
        else:
            chunk, args, _ = pending[k]
            pending[k] = (chunk, args, score_texts(mdl, *args))  # (the worker's answer, if it comes, is not used)
    late.check()  # (refused here, the output is not published)


def _scored(result: Any) -> bool:
    """Whether a held chunk's columns are in: scored here, or answered (or failed) by its worker."""
    return isinstance(result, dict) or result.done()


def _unstarted(pending: deque[tuple[Chunk, tuple[Any, ...], Any]]) -> int | None:
    """Where the last held chunk is that its worker has not started: one behind another chunk of that worker's that is
    not answered yet (a worker answers its chunks in order); ``None`` if there is none."""
    busy, found = set(), None
    for k, (_, _, result) in enumerate(pending):
        if not _scored(result):
            if result.worker in busy:
                found = k
            busy.add(result.worker)
    return found


#: Chunks held (scored or in a worker) per process, at most: room for this process to go on scoring while a
#: worker finishes a slower chunk.
_HELD_PER_JOB = 4


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
    summary.needs_review += sum(1 for x, r in zip(cols["label"], cols["needs_review"], strict=True) if x and r is True)
    summary.title_mismatches += sum(1 for m in cols["title_mismatch"] if m is True)
    if bar is not None:
        bar.update(len(chunk.frame))


def _progress(show: bool) -> Any:
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(unit=" rows", unit_scale=True, file=sys.stderr)
