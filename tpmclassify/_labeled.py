"""Labeled postings: a table read and checked as training and evaluation read it (every bad row named as the
file numbers it), the sources of its rows, and the evaluation of a model on it (:func:`evaluate`)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from ._errors import (
    ColumnError,
    InvalidValueError,
    PostingTypeError,
    input_not_found,
    missing_column,
    option_text,
    warn,
)
from ._roles import HYBRID, LABELS, ROLES, check_labels, normalize_label
from ._sources import source_names

if TYPE_CHECKING:
    from ._evaluate import EvaluationReport

__all__ = [
    "LEFT_OUT_ATTR",
    "LabelConflictWarning",
    "RowsLeftOutWarning",
    "check_cross_validation",
    "evaluate",
    "labeled_rows",
    "source_groups",
    "table",
    "titles_hint",
    "warn_of_unsourced",
]


class LabelConflictWarning(UserWarning):
    """One posting's text (surrounding blanks aside) labeled two ways: ``tpm``, ``pm`` or ``other`` (``hybrid`` is
    not trained as either role, so it conflicts with none)."""


class RowsLeftOutWarning(UserWarning):
    """Rows left out of training or evaluation: labels come from job titles, and the title rule gives theirs none."""


#: Where the rows :func:`labeled_rows` returns keep the note on the rows it left out (their ``attrs``), if any.
LEFT_OUT_ATTR = "tpmclassify_left_out"


def labeled_rows(
    data: object,
    text_column: str = "description",
    label_column: str = "label",
    title_column: str | None = None,
    *,
    file: str | os.PathLike[str] | None = None,
) -> tuple[pd.DataFrame, pd.Series]:
    """The rows :func:`train` learns from and their labels (``tpm``, ``pm``, ``hybrid``, ``other``).

    Parameters
    ----------
    data : DataFrame or path
        Postings; a path is read with :func:`tpmclassify._io.read_table` (every format ``batch`` reads).
    text_column, label_column, title_column
        As for :func:`train`.
    file : path, optional
        The file ``data`` was read from, unchanged (as :func:`~tpmclassify._io.read_table` read it): bad rows are
        named as the file numbers them. A path as ``data`` is its own; rows of any other table are named by its index.

    Returns
    -------
    frame : DataFrame
        The rows with a usable label.
    labels : Series
        Their labels, aligned with ``frame``.

    Raises
    ------
    ColumnError
        A named column is missing, or there is neither a label column nor a title column.
    ValueError
        A label column holds values that are not labels, or a row has no text (or nothing but a role name, which
        training and evaluation also read masked): all of them are named.
    """
    from ._columns import check_columns
    from ._io import HEADER_ATTR, rows_named
    from ._labels import label_from_title
    from ._predicting import missing
    from ._text import check_text, mask_role_names

    frame = table(data)
    if isinstance(data, str | os.PathLike):
        file = data

    def named(rows: Sequence[object], path: bool = True) -> str:
        return rows_named(rows, file, path=path)

    header = frame.attrs.get(HEADER_ATTR)
    labeled = label_column in (frame.columns if header is None else header)
    columns = [(label_column, "label_column=")] if labeled else []
    check_columns(list(frame.columns), text_column, [*columns, (title_column, "title_column=")], header)
    if labeled:
        given = frame[label_column].map(lambda v: "" if missing(v) else normalize_label(v))
        if title_column is not None:  # a row without a label takes its title's, if the title rule gives one
            given = given.where(given != "", frame[title_column].map(label_from_title).fillna(""))
            blank = given.index[given == ""]
            if len(blank):  # (never left out: the rows of a label column are all meant to be used)
                rows = "1 row has" if len(blank) == 1 else f"{len(blank)} rows have"
                raise InvalidValueError(
                    f"{rows} no label, and the title rule gives their titles ({title_column!r}) none: label or drop "
                    f"them; in {named(list(blank))}"
                )
        wrong = given.index[~given.isin(list(LABELS))]
        if len(wrong):
            try:
                check_labels(given)
            except InvalidValueError as err:
                raise InvalidValueError(f"{err}; in {named(list(wrong))}") from None
        labels = given
    elif title_column is not None:  # no labels at all: the title rule's, and rows it gives none are left out
        labels = frame[title_column].map(label_from_title)
        left = frame.loc[labels.isna(), title_column]
        frame, labels = frame[labels.notna()], labels[labels.notna()]
        if len(left):  # counted and named (warned of, and kept with the rows for a model's card)
            frame.attrs[LEFT_OUT_ATTR] = note = _left_out(left, file)
            warn(note, RowsLeftOutWarning)
    else:
        raise ColumnError(
            f"no column {label_column!r}; the columns are: {', '.join(map(str, frame.columns))} (name the label "
            "column with {opt:label_column=}, or derive the labels from job titles with {opt:title_column=})"
        )
    bad = []  # every row whose text cannot be read, as written or role names masked, named as a person finds it
    for i, text in frame[text_column].items():
        try:
            check_text(text)
        except (TypeError, ValueError) as err:
            bad.append((i, "no text (an empty cell)" if missing(text) else str(err)))
            continue
        try:
            if len(text) <= _ROLE_NAMES_ONLY:
                check_text(mask_role_names(text))
        except ValueError:
            why = "no words once role names are masked, as training and evaluation also read it"
            bad.append((i, f"nothing but a role name ({_cut(text)}): {why}"))
    if bad:
        (i, why), rest = bad[0], [j for j, _ in bad[1:]]
        also = f"; also {named(rest, path=False)}" if rest else ""
        fix = f"fix or drop {'those rows' if rest else 'it'}"
        raise InvalidValueError(f"{named([i])}: {why}{also} ({titles_hint(frame[text_column]) or fix})")
    _warn_of_conflicts(frame[text_column], labels, named)
    return frame, labels


#: The longest text read for role names alone (masking a posting costs about 0.3 ms; a text of role names is
#: a title or two).
_ROLE_NAMES_ONLY = 1000
#: Texts of fewer words than this by median are titles, not postings (whose duties run to hundreds of words).
_FEW_WORDS = 15


def titles_hint(texts: pd.Series) -> str:
    """What to check when ``texts`` (read) are a handful of words each by median, else ``""``."""
    words = float(np.median([len(str(text).split()) for text in texts])) if len(texts) else _FEW_WORDS
    if words >= _FEW_WORDS:
        return ""
    return (
        f"the texts of {texts.name!r} have {words:g} words by median, where a posting has hundreds: is it a column "
        f"of titles? Name the postings' column with {option_text('text_column=')}"
    )


def _cut(text: str, most: int = 60) -> str:
    """``text`` quoted, cut to its first ``most`` characters."""
    return repr(text) if len(text) <= most else repr(text[:most]) + "..."


def _left_out(titles: pd.Series, file: str | os.PathLike[str] | None) -> str:
    """The note on rows the title rule gives no label: how many, and the first ten named with their titles."""
    from ._errors import option_text
    from ._io import row_numbering

    if file is not None:
        first, word, _ = row_numbering(file)
        named = [f"{word} {first + int(cast(int, i))}: {t!r}" for i, t in titles.head(10).items()]
    else:
        named = [f"index {i!r}: {t!r}" for i, t in titles.head(10).items()]
    more = f" and {len(titles) - len(named)} more" if len(titles) > len(named) else ""
    n = len(titles)
    return (
        f"{n} {'row' if n == 1 else 'rows'} left out: the title rule gives their titles no label (name a label "
        f"column with {option_text('label_column=')} to use them): {'; '.join(named)}{more}"
    )


def _warn_of_conflicts(texts: pd.Series, labels: pd.Series, named: Any) -> None:
    """Warn of postings whose copies (an export's duplicated rows, relabelled in one place) carry different labels:
    the model would learn both answers, so a reader should settle them. The first such posting's rows are named."""
    trained = np.flatnonzero((labels != HYBRID).to_numpy())
    kept = texts.iloc[trained]
    try:
        keys, _ = pd.factorize(kept.astype(str).str.strip())  # hashed: a million rows in seconds
    except UnicodeEncodeError:  # a lone surrogate, which a str column refuses: as Python strings (3x slower)
        keys, _ = pd.factorize(np.array([str(t).strip() for t in kept], dtype=object))
    kinds, _ = pd.factorize(labels.iloc[trained])
    pairs = np.unique(np.c_[keys, kinds], axis=0)
    per_text = np.bincount(pairs[:, 0], minlength=keys.max() + 1 if len(keys) else 0)
    clashing = per_text[keys] > 1
    if clashing.any():
        rows = trained[keys == keys[np.argmax(clashing)]]  # the first such posting's rows, in the table's order
        said = ", ".join(map(str, labels.iloc[rows[:5]]))
        n = int((per_text > 1).sum())
        warn(
            f"{n} posting {'text has' if n == 1 else 'texts have'} more than one label, so the model learns both "
            f"answers for {'it' if n == 1 else 'them'}; for example {named(texts.index[rows])}, labeled {said}: "
            "settle each posting's label, or drop its copies",
            LabelConflictWarning,
        )


def table(data: object) -> pd.DataFrame:
    """A table of postings: a DataFrame as it is, or a file read with :func:`tpmclassify._io.read_table`."""
    from ._io import read_table

    if isinstance(data, str | os.PathLike):
        if os.path.isdir(data):
            raise InvalidValueError(f"{os.fspath(data)} is a folder: name a file of labeled postings")
        if not os.path.isfile(data):
            raise input_not_found(data)
        return read_table(Path(data))
    if isinstance(data, pd.DataFrame):
        return data
    raise PostingTypeError(
        f"expected a table of labeled postings (a DataFrame, or the path of a file), got {type(data).__name__}"
        + (": pass the whole table, with its text and label columns" if isinstance(data, pd.Series | list) else "")
    )


def source_groups(frame: pd.DataFrame, group_column: str | None = "auto") -> pd.Series | None:
    """The source of each row (see :func:`train`), or None.

    Examples
    --------
    >>> source_groups(pd.DataFrame({"source": ["acme/jobs:a.csv", "acme/jobs:b.csv", "x/y:z"]})).tolist()
    ['acme/jobs', 'acme/jobs', 'x/y']
    >>> source_groups(pd.DataFrame({"source": ["https://a.example/jobs", "LinkedIn: Seattle", None]})).tolist()
    ['https://a.example/jobs', 'LinkedIn', '']
    """
    if group_column is None or (group_column == "auto" and "source" not in frame.columns):
        return None
    column = "source" if group_column == "auto" else group_column
    if column not in frame.columns:
        raise missing_column(column, frame.columns, "group_column=")
    # as Python strings (a str column refuses a lone surrogate), the missing as ""
    return pd.Series(source_names(frame[column]), index=frame.index, dtype=object)


def evaluate(
    model: Any,
    data: object,
    *,
    text_column: str = "description",
    label_column: str = "label",
    title_column: str | None = None,
    groups: Sequence[object] | pd.Series | str | None = None,
    folds: int | None = None,
    refit: bool = True,
    progress: bool = False,
) -> EvaluationReport:
    """Evaluate a model, raw and with role names masked.

    Parameters
    ----------
    model : estimator
        A :class:`~tpmclassify.TPMClassifier` (or any estimator with the same
        ``classes_``/``predict_proba`` layout).
    data : DataFrame or path
        Labeled postings.
    text_column, label_column : str
        Columns holding the text and the label (``tpm``, ``pm``, ``hybrid``,
        ``other``, case and blanks ignored; anything else is refused, with the
        rows named). Hybrid rows count as in scope and are left out of the
        TPM-vs-PM figures.
    title_column : str, optional
        As for :func:`train`: labels from job titles where there is no label
        column, or where a label is blank.
    groups : sequence, column name or None
        Source of each row (a sequence as long as ``data``). Given, the model is
        refitted leaving one source out at a time (the honest protocol);
        otherwise 5-fold stratified CV (fewer when the commonest label has
        fewer rows). A column is read as :func:`train` reads one: a value
        ``owner/repo:path`` is source ``owner/repo``, and a missing one a
        source of its own (with a warning), as it is in a sequence.
    folds : int, optional
        With ``groups``, use this many source-grouped folds instead of one
        fold per source (faster, same guarantee: no source on both sides);
        without, this many stratified folds (default 5).
    refit : bool, default True
        True measures the method: a copy of ``model`` is refitted in each fold
        (a fitted model's own weights are not used). False scores the fitted
        ``model`` as it is on ``data`` (a held-out set).
    progress : bool, default False
        Show a progress bar over the folds (tqdm), with a time estimate.

    Returns
    -------
    EvaluationReport
        Figures over the TPM and PM rows (a figure that needs both, such as
        macro-F1 or ROC AUC, is NaN when one of them has no row).

    Raises
    ------
    TPMClassifyError
        For the mistakes the command line refuses, in the same words: a missing
        file or column, unknown labels or unreadable texts (rows named), groups
        of the wrong length, folds out of range, too few TPM or PM rows to
        cross-validate, a path or an unfitted model where a fitted one is needed.

    Examples
    --------
    The bundled model on two postings it has not seen (``refit=False``: scored as it is, no folds); judge your own
    model on hundreds, with ``groups``, so that each fold leaves a source out:

    >>> import pandas as pd
    >>> import tpmclassify
    >>> frame = pd.DataFrame({
    ...     "description": [
    ...         "Drive a multi-year program across five engineering teams: review system designs, weigh "
    ...         "architecture trade-offs with engineers and align the roadmap with the product strategy.",
    ...         "Run the office fit-out project day to day: the schedule, the budget, the contractors and "
    ...         "weekly status reports to the client."],
    ...     "label": ["tpm", "pm"]})
    >>> report = evaluate(tpmclassify.default_model(), frame, refit=False)
    >>> report.protocol
    'fitted model on the given data'
    >>> report.metrics["masked"]["macro_f1"], report.metrics["masked"]["confusion"]
    (1.0, [[1, 0], [0, 1]])
    """
    from ._evaluate import evaluate_rows

    _check_estimator(model, refit)
    original = table(data)
    file = data if isinstance(data, str | os.PathLike) else None
    frame, labels = labeled_rows(original, text_column, label_column, title_column, file=file)
    if labels.empty:
        raise InvalidValueError(f"no labeled rows to score, of {len(original)} rows")
    grp = _groups_of(original, frame, groups)
    if grp is not None:
        warn_of_unsourced(grp)
    if refit and grp is not None and len(set(grp)) < 2:  # one source: nothing to leave out, so folds are stratified
        what = f"is from one source ({grp[0]!r})" if grp[0] else "has no source"
        warn(
            f"every row {what}: folds are stratified, not grouped by source, and the figures are optimistic when a "
            "source repeats its boilerplate"
        )
        grp = None
    if refit:
        check_cross_validation(labels, "so it needs more (or refit=False, to score a fitted model as it is)", grp)
        folds = folds or None  # 0, as on the command line: one fold per source (without sources, the default)
        if grp is not None:
            units = len(set(grp))
            if folds is not None and not 2 <= folds <= units:
                raise InvalidValueError(
                    f"folds must be from 2 to {units} (the sources), or 0 or None for one fold per source; got {folds}"
                )
        else:
            most = int(labels.value_counts().max())
            if folds is not None and not 2 <= folds <= most:
                raise InvalidValueError(
                    f"folds must be from 2 to {most} (without sources, folds are stratified: at most the commonest "
                    f"label's rows); got {folds}"
                )
            folds = folds or min(5, most)
    elif folds is not None:
        raise InvalidValueError("folds= goes with refit=True (refit=False scores the model as it is, in one piece)")
    return evaluate_rows(
        model,
        frame.assign(**{label_column: labels}),
        text_column=text_column,
        label_column=label_column,
        groups=grp,
        folds=folds,
        refit=refit,
        progress=progress,
    )


def check_cross_validation(labels: pd.Series, fix: str, groups: Sequence[str] | None = None) -> None:
    """Refuse labels with fewer than 3 TPM or 3 PM rows for cross-validation, whatever its folds (``fix``: what the
    caller can do instead): each fold trains on 2 of each at least, and leaves one out at least (of 2, a fold that
    leaves one out trains on one); with ``groups`` (the rows' sources, two or more), a role whose postings all come
    from one source (the fold that leaves it out has none to train on)."""
    short = {role: int((labels == role).sum()) for role in ROLES if (labels == role).sum() < 3}
    if short:
        raise InvalidValueError(
            f"the data has {', '.join(f'{v} {k!r}' for k, v in short.items())} rows: cross-validation needs at "
            f"least 3 of each (a fit needs 2, and each fold leaves one out at least), {fix}"
        )
    if groups is None:
        return
    for role in ROLES:  # left out whole, a role's one source leaves a fold without it, whatever the folds
        sources = {g for g, label in zip(groups, labels, strict=True) if label == role}
        if len(sources) == 1:
            raise InvalidValueError(
                f"the {role!r} postings all come from one source ({sources.pop()!r}): the fold that leaves it out "
                f"trains on none of them, whatever the folds; add {role!r} postings from other sources, or "
                "cross-validate without sources (stratified folds, optimistic when sources repeat boilerplate)"
            )


def _check_estimator(model: object, refit: bool) -> None:
    """Refuse what :func:`evaluate` cannot score: a path, an object that is no estimator, an unfitted model."""
    if isinstance(model, str | os.PathLike):
        raise PostingTypeError(
            f"model must be an estimator, got the path {os.fspath(model)!r}: load a model file with tpmclassify.load"
        )
    needs = ("fit", "predict_proba") if refit else ("predict_proba",)
    if not all(hasattr(model, name) for name in needs):
        raise PostingTypeError(
            f"model must be an estimator with {' and '.join(needs)} (a TPMClassifier), got {type(model).__name__}"
        )
    if not refit and getattr(model, "classes_", None) is None:
        raise InvalidValueError("the model is not fitted: fit it first, or pass refit=True to cross-validate it")


def warn_of_unsourced(sources: Sequence[str], rows: str = "rows") -> None:
    """Warn that some ``rows`` (not all) have no source: they are read as a source of their own."""
    unsourced = sum(1 for g in sources if g == "")
    if 0 < unsourced < len(sources):
        warn(f"{unsourced} of {len(sources)} {rows} have no source: they are read as one source of their own")


def _groups_of(original: pd.DataFrame, frame: pd.DataFrame, groups: object) -> list[str] | None:
    """The source of each of ``frame``'s rows (some of ``original``'s), from a column (read as :func:`train` and
    the command line read it: ``owner/repo:path`` is source ``owner/repo``) or a sequence, one value per row."""
    if groups is None:
        return None
    if isinstance(groups, str):  # the rows' own column: nothing to align
        if groups not in original.columns:
            raise missing_column(groups, original.columns, "groups=")
        return list(source_groups(frame, groups))  # type: ignore[arg-type]
    values = list(groups)  # type: ignore[call-overload]
    if len(values) != len(original):
        raise InvalidValueError(f"groups has {len(values)} values for {len(original)} rows: give one per row")
    if len(frame) == len(original):
        return source_names(values)
    if not original.index.is_unique:
        raise InvalidValueError("some rows were left out and the table's index repeats: give groups as a column name")
    return source_names(values[i] for i in original.index.get_indexer(frame.index))
