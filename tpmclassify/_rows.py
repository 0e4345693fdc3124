"""Rows of a table scored: the columns a run adds (see ``tpmclassify._columns``), from a table's text (and title)
cells, one row for each.

What every table path shares (a DataFrame, a file's chunks, a worker's chunk, a Dask or Spark partition): its
columns checked and the model to use (:func:`prepare`), the TPM share the run assumes, a file's chunks with their text
column (:func:`text_chunks`), and each cell scored or marked with why it could not be.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ._bundled import model_or_default
from ._chunk import Chunk
from ._columns import (
    OUTPUT_COLUMNS,
    TEXT_COLUMN_CANDIDATES,
    LateKeys,
    check_clash,
    check_columns,
    check_prefix,
    pick_text_column,
)
from ._errors import option_text
from ._io import BatchError, file_format, keys_among, read_chunks
from ._model import TPMClassifier
from ._predicting import check_fitted, missing
from ._prediction import Prediction
from ._prior import MIN_PRIOR_POSTINGS, estimate_prior
from ._roles import ROLES, TPM
from ._text import check_text, check_titled

__all__ = [
    "predict_rows",
    "prepare",
    "score_texts",
    "text_chunks",
    "text_column_of",
    "with_file_prior",
    "with_prior",
]

logger = logging.getLogger("tpmclassify")


def predict_rows(
    model: TPMClassifier,
    texts: Sequence[object],
    titles: Sequence[object] | None = None,
    read_errors: Sequence[object] | None = None,
) -> tuple[list[str], list[tuple[int, Prediction]]]:
    """Each row's error (``""`` if none) and the predictions of the rows without one, with their positions.

    A bad value (missing, empty, not text, unreadable; a title that is neither text nor missing) yields an error,
    never a missing row.
    """
    errors = [""] * len(texts)
    ok_idx, ok_texts, ok_titles = [], [], []
    for i, value in enumerate(texts):
        title = titles[i] if titles is not None else None
        text, errors[i] = _checked(value, read_errors[i] if read_errors is not None else None, title)
        if text is not None:  # the text itself must be classifiable: a title alone is not a posting
            ok_texts.append(text)
            ok_titles.append(title if isinstance(title, str) else None)
            ok_idx.append(i)
    if not ok_texts:
        return errors, []
    check_fitted(model)
    predictions = model.classify_many(ok_texts, ok_titles if titles is not None else None)
    return errors, list(zip(ok_idx, predictions, strict=True))


def _checked(value: object, read_error: object = None, title: object = None) -> tuple[str | None, str]:
    """A cell's text if it can be classified (``None`` if not), and why not: its row could not be read, the
    value is missing, empty, not text or has no words, or its row's title is neither text nor missing (a number: the
    wrong column?)."""
    if read_error:
        return None, str(read_error)
    if not (isinstance(title, str) or missing(title)):  # the value too: a number column with gaps reads as floats
        shown = repr(title)
        return (
            None,
            f"title must be str, got {type(title).__name__} {shown if len(shown) <= 40 else shown[:37] + '...'}",
        )
    if missing(value):
        return None, "missing text"  # None, NaN, pd.NA, NaT
    try:
        text = check_text(value)
        if isinstance(title, str):
            check_titled(text, title)
        return text, ""
    except (TypeError, ValueError) as err:
        return None, str(err)


#: Rows scored together: the predictions of one scoring hold its arrays until the last is dropped (about 20 times
#: the text), so a long list is scored in parts of this many (the answers are the same).
ROWS_AT_ONCE = 2000


def score_texts(
    model: TPMClassifier,
    texts: Sequence[object],
    titles: Sequence[object] | None = None,
    read_errors: Sequence[object] | None = None,
) -> dict[str, list[Any]]:
    """Score a list of raw cell values into the added columns; see :func:`predict_rows`. At most
    :data:`ROWS_AT_ONCE` rows are scored together, whatever the list's length (a frame of 100,000 rows)."""
    n = len(texts)
    cols: dict[str, list[Any]] = {c: [None] * n for c in OUTPUT_COLUMNS}
    for name in ("label", "reasons", "title_label", "content_label"):
        cols[name] = [""] * n
    cols["error"] = []
    for a in range(0, n, ROWS_AT_ONCE):
        part = slice(a, a + ROWS_AT_ONCE)
        errors, scored = predict_rows(
            model,
            texts[part],
            None if titles is None else titles[part],
            None if read_errors is None else read_errors[part],
        )
        cols["error"] += errors
        for j, p in scored:
            i = a + j
            for role in ROLES:
                cols[f"{role}_probability"][i] = round(p.probabilities[role], 6)
            cols["in_scope"][i] = None if p.in_scope is None else round(p.in_scope, 6)
            cols["label"][i] = p.label
            cols["needs_review"][i] = p.needs_review
            cols["reasons"][i] = " | ".join(p.first_reasons(3))
            if p.content is not None:
                cols["title_label"][i], cols["content_label"][i] = p.title_label, p.content_label
                cols[f"content_{TPM}_probability"][i] = round(p.content.probabilities[TPM], 6)
                cols["title_mismatch"][i] = p.title_mismatch
    return cols


def with_prior(
    model: TPMClassifier,
    prior: float | str | None,
    texts: Callable[[], Iterable[tuple[Sequence[object], Sequence[object] | None, Sequence[object] | None]]],
) -> tuple[TPMClassifier, int | None]:
    """``model`` for the stated TPM share; for "auto", the share estimated over ``texts()``: triples of a list of
    cell values, their rows' read errors and their titles (each None if there are none). Only rows that would be
    classified without error count.

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
    for values, read_errors, titles in texts():
        checked = (
            _checked(v, read_errors[i] if read_errors else None, titles[i] if titles else None)[0]
            for i, v in enumerate(values)
        )
        ok = [text for text in checked if text is not None]
        if ok:
            p_tpm.extend(model.in_scope_tpm_probabilities(ok).tolist())
    if len(p_tpm) < MIN_PRIOR_POSTINGS:
        raise BatchError(
            f"prior 'auto' needs at least {MIN_PRIOR_POSTINGS} TPM or PM postings in scope, read without error, to "
            f"estimate the TPM share from; found {len(p_tpm)}. State the share instead "
            f"(e.g. {option_text('prior=0.3', '--prior 0.3')})"
        )
    return model.with_prior(estimate_prior(p_tpm, model.prior_)), len(p_tpm)


def text_chunks(
    src: Path,
    chunk_size: int,
    encoding: str | None,
    text_column: str | None,
    title_column: str | None,
    others: Sequence[tuple[str | None, str]] = (),
) -> Iterator[tuple[Chunk, str]]:
    """A file's chunks, each with the text column: the columns are checked on the first chunk (the title and
    ``others``, each with the option that names it), but for JSON lines' keys named for the text and title, which
    may first come in a later chunk and are refused at the end if no line has them (:class:`LateKeys`)."""
    column = None
    late = LateKeys(file_format(src) == "jsonl", text_column, title_column)
    for chunk in read_chunks(src, chunk_size, encoding)[1]:
        columns = late.columns(list(chunk.frame.columns))
        if column is None:  # the first chunk's columns, checked before anything is read from them
            column = check_columns(columns, text_column, [(title_column, "title_column="), *others], chunk.header)
        yield chunk, column
    late.check()


def text_column_of(src: Path, encoding: str | None, text_column: str | None) -> str | None:
    """The text column a file is read by: ``text_column`` if named; for JSON lines, whose keys come line by line, the
    one picked (as from a table's columns) from the keys :func:`~tpmclassify._io.keys_among` finds, named from then on
    so that it is the same whatever the chunks (lines without it are rows without a text), if a line has one;
    ``None``: found from the first chunk's columns (or refused there)."""
    if text_column is not None or file_format(src) != "jsonl":
        return text_column
    try:
        keys = keys_among(src, TEXT_COLUMN_CANDIDATES, encoding)
    except (EOFError, OSError, UnicodeError, zlib.error):  # (said by the reading, in its words)
        return None
    if not keys:
        return None
    found = pick_text_column(keys, None)
    logger.info("text column: %s", found)
    return found


def with_file_prior(
    model: TPMClassifier,
    prior: float | str | None,
    src: Path,
    chunk_size: int,
    encoding: str | None,
    text_column: str | None,
    title_column: str | None = None,
) -> tuple[TPMClassifier, int | None]:
    """:func:`with_prior` for a file's postings: for "auto", a first reading of the file estimates its share."""

    def texts() -> Iterator[tuple[list[object], list[str], list[object] | None]]:
        for chunk, column in text_chunks(src, chunk_size, encoding, text_column, title_column):
            frame = chunk.frame
            values = frame[column].tolist() if column in frame.columns else [None] * len(frame)
            titles = frame[title_column].tolist() if title_column in frame.columns else None
            yield values, chunk.errors, titles

    return with_prior(model, prior, texts)


def prepare(
    columns: Sequence[str],
    text_column: str | None,
    title_column: str | None,
    prefix: str,
    model: TPMClassifier | None,
    header: Sequence[str] | None = None,
) -> tuple[str, TPMClassifier]:
    """Check a table's columns before classifying it (:func:`check_columns`); return its text column and the model
    to use."""
    check_prefix(prefix)
    col = check_columns(columns, text_column, [(title_column, "title_column=")], header)
    check_clash(columns, prefix)
    return col, model_or_default(model)
