"""DataFrames classified: a pandas frame whole (:func:`classify_frame`), and the partitions of a Dask or Spark frame,
each engine's ``classify_dataframe`` made by :func:`dataframe_classifier`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from ._columns import OUTPUT_KINDS
from ._errors import InvalidValueError
from ._io import BatchError
from ._model import TPMClassifier
from ._predicting import check_fitted
from ._rows import prepare, score_texts, with_prior

__all__ = ["PartitionMap", "classify_frame", "classify_partition", "dataframe_classifier"]


def classify_partition(
    df: pd.DataFrame, text_column: str, title_column: str | None, model: TPMClassifier, prefix: str
) -> pd.DataFrame:
    """:func:`classify_frame` on one partition of a distributed frame, the added columns given the fixed dtypes
    of their kinds (:data:`OUTPUT_KINDS`: float64, nullable boolean, str) so that every partition has one schema
    that Arrow (Parquet, Spark) can write."""
    out = classify_frame(df, text_column, title_column=title_column, model=model, prefix=prefix)
    for name, kind in OUTPUT_KINDS.items():  # (classify_frame gives the flags and probabilities their dtypes already)
        if kind == "str":
            out[prefix + name] = out[prefix + name].astype(str)
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
        check_fitted(mdl)  # here, not in the first task of a cluster job
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
        ``content_tpm_probability``, ``title_mismatch`` (the last four empty,
        NaN or NA without a title) and ``error`` (empty label and a message for
        rows that could not be classified). Probabilities are float64 (NaN
        where a row has none, even if no row has), rounded to 6 decimals, as in
        ``batch``'s files (``classify`` gives them unrounded).
        ``needs_review`` and ``title_mismatch`` are nullable booleans
        (``boolean``: NA where there is no answer), so ``out[out.needs_review]``
        filters as it reads; where plain booleans are needed (``astype(bool)``,
        ``if row.needs_review``, ``np.where``), ``.fillna(False)`` first.

    Examples
    --------
    >>> import pandas as pd
    >>> out = classify_frame(pd.DataFrame({"description": [
    ...     "Own the project schedule, budget and client deliverables for the office fit-out.", None]}))
    >>> out[["label", "error"]].values.tolist()
    [['pm', ''], ['', 'missing text']]
    >>> out["needs_review"].tolist()  # a sentence is too short to decide on; the error row has no answer
    [True, <NA>]
    >>> out[out["needs_review"]].index.tolist(), out[~out["needs_review"]].index.tolist()  # NA: never selected
    ([0], [])
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
    for name, kind in OUTPUT_KINDS.items():
        if kind == "bool":  # flags as nullable booleans: an error row's NA, a filter's False
            out[prefix + name] = pd.array(cols[name], dtype="boolean")
        elif kind == "float":  # NaN where a row has none, even where no row has (not an object column of None)
            out[prefix + name] = np.asarray(cols[name], dtype=np.float64)
        else:
            out[prefix + name] = cols[name]
    return out
