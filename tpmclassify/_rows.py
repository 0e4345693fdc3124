"""Rows of a table scored: the columns a batch adds, from a table's text (and title) cells, one row for each.

What every table path shares (a DataFrame, a file's chunks, a worker's chunk, a Dask or Spark partition): the columns
checked, the TPM share the run assumes, and each cell scored or marked with why it could not be.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from sklearn.utils.validation import check_is_fitted

from ._bundled import model_or_default
from ._chunk import Chunk
from ._errors import ColumnError, InvalidValueError, missing_column, option_text, separator_hint
from ._io import BatchError, file_format, read_chunks
from ._model import TPMClassifier
from ._predicting import missing
from ._prediction import Prediction
from ._prior import MIN_PRIOR_POSTINGS, estimate_prior
from ._roles import ROLES, TPM
from ._text import check_text, check_titled

__all__ = [
    "OUTPUT_COLUMNS",
    "OUTPUT_KINDS",
    "PartitionMap",
    "classify_frame",
    "classify_partition",
    "dataframe_classifier",
    "check_columns",
    "prepare",
    "score_texts",
]

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
    check_is_fitted(model, "coef_")
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


class LateKeys:
    """JSON lines name their keys line by line, so a key named on the command line may first come in a later chunk:
    of the named keys, those no line has had yet (refused only at the file's end, by :meth:`check`), and every key
    the lines have had. For other formats, a chunk's columns are the file's: nothing is held back.

    Examples
    --------
    >>> late = LateKeys(True, "body", None)
    >>> late.columns(["id", "draft"]), late.columns(["id", "body"]), late.unseen
    (['id', 'draft', 'body'], ['id', 'body'], [])
    """

    def __init__(self, jsonl: bool, text_column: str | None, title_column: str | None) -> None:
        self.text_column = text_column
        self.unseen = list(dict.fromkeys(name for name in (text_column, title_column) if name)) if jsonl else []
        self.keys: dict[str, None] = {}  # (the first _MAX_KEYS of them, for the message: memory stays bounded)
        self.more = False  # whether there were more

    def columns(self, columns: Sequence[Any]) -> list[Any]:
        """A chunk's columns, and the named keys no line has had yet (so that the first chunk's check passes)."""
        if self.unseen:
            found = set(map(str, columns))
            self.unseen = [name for name in self.unseen if name not in found]
            for key in [k for k in dict.fromkeys(map(str, columns)) if k not in self.keys]:
                if len(self.keys) < _MAX_KEYS:
                    self.keys[key] = None
                else:
                    self.more = True
        return [*columns, *self.unseen]

    def check(self) -> None:
        """Refuse a named key that no line had: a misspelt name, not rows without a text."""
        if not self.unseen:
            return
        if not self.keys:  # no line had a key at all
            raise ColumnError(_NO_COLUMNS)
        option = "text_column=" if self.unseen[0] == self.text_column else "title_column="
        keys = [*self.keys, *(["..."] if self.more else [])]
        raise missing_column(self.unseen[0], keys, option)


#: The keys of JSON lines a refusal lists at most.
_MAX_KEYS = 50
#: What a table without columns is told.
_NO_COLUMNS = (
    "no text column found: the table has no columns (a file with no rows, only blank lines or empty records, or whose "
    "first line is blank)"
)


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


def pick_text_column(columns: Sequence[str], text_column: str | None) -> str:
    """The text column: the one asked for, or the first of description/job_description/text."""
    if not len(columns):
        raise ColumnError(_NO_COLUMNS)
    if text_column is not None:
        if text_column not in columns:
            raise missing_column(text_column, columns, "text_column=")
        return text_column
    lower = {str(c).lower(): c for c in columns}
    for cand in TEXT_COLUMN_CANDIDATES:
        if cand in lower:
            return lower[cand]
    hint = separator_hint(list(columns))
    raise ColumnError(
        f"no text column found (looked for {', '.join(TEXT_COLUMN_CANDIDATES)}); the columns are: "
        f"{', '.join(map(str, columns))}" + (hint or ". Name one with {opt:text_column=}.")
    )


def check_prefix(prefix: object) -> None:
    """Refuse a prefix for the added columns that is not a str."""
    if not isinstance(prefix, str):
        raise BatchError(f"prefix must be str, got {type(prefix).__name__}")


def check_clash(columns: Sequence[str], prefix: str, also: Sequence[str] = (), fold_case: bool = False) -> None:
    """Refuse input columns the output adds (:data:`OUTPUT_COLUMNS` and ``also``, each after ``prefix``); with
    ``fold_case``, whatever their case (an engine that resolves column names so, as Spark does by default)."""
    added = {prefix + o for o in (*OUTPUT_COLUMNS, *also)}
    if fold_case:
        added = {name.casefold() for name in added}
        clash = [c for c in columns if str(c).casefold() in added]
    else:
        clash = [c for c in columns if c in added]
    if clash:
        raise BatchError(
            f"the input already has column(s) {', '.join(clash)}, which the output adds; "
            "pass a prefix for the added columns, e.g. " + option_text("prefix='pred_'", "--prefix pred_")
        )


def check_columns(
    columns: Sequence[str],
    text_column: str | None,
    named: Iterable[tuple[str | None, str]] = (),
    header: Sequence[str] | None = None,
) -> str:
    """The text column of a table, once it and every other column it is read by (``named``: name and option pairs)
    are checked to be in the file once. ``columns``: the table's; ``header``: the file's own names, where the table
    had to rename repeated or empty ones (see :class:`~tpmclassify._chunk.Chunk`), so that a renamed copy
    (``description.1``) is not a column of the file."""
    names = list(columns if header is None else header)
    col = pick_text_column(names, text_column)
    for name, option in [(col, "text_column="), *named]:
        if name is None:
            continue
        if name not in names or name not in columns:
            raise missing_column(name, names, option)
        if name == col and option != "text_column=":  # the posting read as its own title, or its own label
            raise ColumnError(f"{{opt:{option}}} names the text column {name!r}; name another column")
        if names.count(name) > 1:
            raise BatchError(f"column {name!r} appears {names.count(name)} times in the header; rename all but one")
    return col


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


#: How one engine classifies the partitions of its frame, lazily, once :func:`prepare` has checked the columns:
#: ``(frame, text_column, title_column, model, prefix) -> frame``, most often :func:`classify_partition` mapped
#: over them.
PartitionMap = Callable[[Any, str, str | None, TPMClassifier, str], Any]


def dataframe_classifier(map_partitions: PartitionMap, doc: str) -> Callable[..., Any]:
    """An engine's public ``classify_dataframe``: its columns checked as :func:`classify_frame` checks them, then
    ``map_partitions``. Every engine's function has this one signature, so a user switches engine by switching the
    import; ``doc`` is the engine's own docstring.
    """

    def classify_dataframe(
        frame: Any,
        text_column: str | None = None,
        *,
        title_column: str | None = None,
        model: TPMClassifier | None = None,
        prefix: str = "",
    ) -> Any:
        col, mdl = prepare(list(frame.columns), text_column, title_column, prefix, model)
        if isinstance(frame, pd.DataFrame):
            raise InvalidValueError("got a pandas DataFrame: classify it with tpmclassify.classify_frame")
        check_is_fitted(mdl, "coef_")  # here, not in the first task of a cluster job
        return map_partitions(frame, col, title_column, mdl, prefix)

    classify_dataframe.__doc__ = doc
    classify_dataframe.__module__ = map_partitions.__module__
    classify_dataframe.__qualname__ = "classify_dataframe"  # as its engine module names it
    return classify_dataframe


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
        could not be classified). Probabilities are rounded to 6 decimals, as in
        ``batch``'s files (``classify`` gives them unrounded).

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
    titles = df[title_column].tolist() if title_column else None
    mdl, _ = with_prior(mdl, prior, lambda: [(df[col].tolist(), None, titles)])
    cols = score_texts(mdl, df[col].tolist(), titles)
    out = df.copy()
    for name in OUTPUT_COLUMNS:
        out[prefix + name] = cols[name]
    return out
