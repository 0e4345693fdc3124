"""The module-level entry points: the bundled default model, ``classify``, ``train``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from ._bundled import model_or_default
from ._errors import InvalidValueError, warn
from ._labeled import LEFT_OUT_ATTR, labeled_rows, source_groups, titles_hint, warn_of_unsourced
from ._model import TPMClassifier
from ._prediction import Prediction
from ._roles import OTHER, ROLES

__all__ = ["classify", "classify_many", "train"]


def classify(text: str, title: str | None = None, *, model: TPMClassifier | None = None) -> Prediction:
    """Classify one posting as TPM, PM or other, with an explanation.

    Parameters
    ----------
    text : str
        The posting (HTML is fine).
    title : str, optional
        Its job title. Given, the prediction also says what the title claims
        and whether the content agrees (``title_label``, ``content_label``,
        ``title_mismatch``).
    model : TPMClassifier, optional
        Defaults to the bundled model.

    Returns
    -------
    Prediction

    Raises
    ------
    TypeError
        ``text`` is not a ``str``.
    ValueError
        ``text`` is empty, has no words, or is absurdly long.

    Examples
    --------
    >>> p = classify(
    ...     "As our Technical Program Manager you will lead a multi-year program across six engineering "
    ...     "teams. Run system design reviews with principal engineers, map dependencies and technical "
    ...     "risks, and align the roadmap with "
    ...     "business strategy. Partner with product managers and report to senior leadership. "
    ...     "Requirements: computer science degree, experience with distributed systems and APIs.")
    >>> p.label
    'tpm'
    >>> e = p.explanation
    >>> import math
    >>> abs(p.probabilities["tpm"] - 1 / (1 + math.exp(-e.logit))) < 1e-12  # the probability is sigmoid(logit)
    True
    >>> p.probabilities["pm"] == 1 - p.probabilities["tpm"]
    True
    >>> abs(e.intercept + sum(t.weight for t in e.terms) - e.logit) < 1e-6
    True
    """
    return model_or_default(model).classify(text, title)


def classify_many(
    texts: Iterable[str], titles: Iterable[object] | None = None, *, model: TPMClassifier | None = None
) -> list[Prediction]:
    """Classify many postings in one vectorised pass; same results as :func:`classify`.

    The predictions of one call share its arrays, held until the last of them is dropped (about 20 times the text):
    for many thousands of postings, call it on parts of a few thousand, or use :func:`classify_frame` or
    ``tpmclassify batch``, which score in parts. A prediction pickled (sent to another process) takes its call's
    arrays along: send ``p.to_dict()`` instead.

    Examples
    --------
    >>> [p.label for p in classify_many([
    ...     "We are hiring a Project Manager to deliver office fit-out projects for our clients. Manage the "
    ...     "project plan, schedule and budget, coordinate subcontractors on site and send weekly status "
    ...     "reports to the client. PMP certification is an advantage.",
    ...     "As a Technical Program Manager you will lead a program across multiple engineering teams: run "
    ...     "architecture and system design reviews, track dependencies between services and APIs, manage "
    ...     "technical risk and align the roadmap with product managers and senior leadership. Work "
    ...     "cross-functionally with software engineers on scalability and reliability. Background in "
    ...     "computer science and distributed systems required."])]
    ['pm', 'tpm']
    """
    return model_or_default(model).classify_many(texts, titles)


def train(
    data: pd.DataFrame | str,
    *,
    text_column: str = "description",
    label_column: str = "label",
    title_column: str | None = None,
    group_column: str | None = "auto",
    progress: bool = False,
    **params: Any,
) -> TPMClassifier:
    """Train a model on labeled postings.

    Parameters
    ----------
    data : DataFrame or path
        Labeled postings (CSV, ``.csv.gz``, ``.jsonl`` or ``.parquet``).
    text_column, label_column : str
        Text and label columns. Labels are ``tpm``, ``pm``, ``hybrid`` and
        ``other`` (case and blanks ignored); any other value is refused, with
        the unknown values listed.
    title_column : str, optional
        With no ``label_column`` in the data, labels are derived from this
        column with :func:`label_from_title`, and rows it cannot label are
        left out (with a warning naming them). With one, its blank labels are
        derived so, and a blank label whose title the rule cannot label is
        refused, its rows named (every row of a label column is meant to be used).
    group_column : str or None, default "auto"
        Source of each posting (company or data set); see :meth:`TPMClassifier.fit`.
        ``"auto"`` uses a ``source`` column when there is one (a value
        ``owner/repo:path`` counts as source ``owner/repo``; a missing one as a
        source of its own, with a warning); None trains without sources.
    progress : bool, default False
        Show a progress bar with a time estimate on standard error (see :meth:`TPMClassifier.fit`).
    **params
        Parameters of :class:`TPMClassifier`.

    Returns
    -------
    TPMClassifier
        The fitted model (``model.metadata_`` describes its training data).

    Examples
    --------
    A few postings only show the call (:func:`train` warns that so few make an unreliable model); train on
    hundreds, from several sources:

    >>> import warnings
    >>> import pandas as pd
    >>> frame = pd.DataFrame({
    ...     "description": [
    ...         "Lead a program across engineering teams; system design and architecture reviews.",
    ...         "Own the program roadmap with engineers; distributed systems and APIs.",
    ...         "Manage the project budget, schedule and client deliverables on site.",
    ...         "Track project tasks, costs and milestones; weekly status reports to the client."],
    ...     "label": ["tpm", "tpm", "pm", "pm"]})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     model = train(frame, C=10, cv=2, min_df=1, min_groups=1)
    >>> any(str(w.message).startswith("training on 4 labeled rows") for w in caught)
    True
    >>> model.predict(["Architecture reviews with engineering teams"]).tolist()
    ['tpm']
    """
    known = TPMClassifier().get_params()
    unknown = sorted(set(params) - set(known))
    if unknown:  # (before reading: a typo costs no training)
        raise InvalidValueError(
            f"unknown parameter(s) {', '.join(unknown)}: train takes the parameters of TPMClassifier "
            f"({', '.join(sorted(known))})"
        )
    frame, labels = labeled_rows(data, text_column, label_column, title_column)
    short = {need: int((labels == need).sum()) for need in ROLES if (labels == need).sum() < 2}
    if short:
        raise InvalidValueError(
            f"training needs at least 2 'tpm' and 2 'pm' labeled postings; got "
            f"{', '.join(f'{v} {k!r}' for k, v in short.items())} (of {len(labels)} labeled rows)"
        )
    _warn_if_few(labels)
    if hint := titles_hint(frame[text_column]):
        warn(hint)
    if (labels == OTHER).sum() < 2:
        warn(
            f"{int((labels == OTHER).sum())} {OTHER!r} rows: the model cannot tell a posting that is neither TPM nor "
            f"PM (it answers TPM or PM for every posting, an engineer's too, and in_scope is None); add postings of "
            f"other jobs, labeled {OTHER!r}"
        )
    sources = source_groups(frame, group_column)
    if sources is not None:
        warn_of_unsourced(sources.tolist(), "training rows")
    groups: Sequence[object] | None = None if sources is None else sources.tolist()
    model = TPMClassifier(**params).fit(frame[text_column].tolist(), labels.tolist(), groups=groups, progress=progress)
    model.metadata_ = {"training_data": fingerprint(frame[text_column], labels, groups)}
    if frame.attrs.get(LEFT_OUT_ATTR):  # rows the title rule gave no label (warned of): in the model card too
        model.metadata_["training_data"]["notes"] = frame.attrs[LEFT_OUT_ATTR]
    return model


#: Fewer training rows than this, or fewer rows of a label than ``_FEW_PER_LABEL``, give a warning.
_FEW_ROWS, _FEW_PER_LABEL = 30, 5


def _warn_if_few(labels: pd.Series) -> None:
    counts = labels.value_counts()
    few = {str(k): int(v) for k, v in counts.items() if v < _FEW_PER_LABEL and k in (*ROLES, OTHER)}  # (the heads'
    # classes: a hybrid row is one more in-scope posting, however few)
    if len(labels) < _FEW_ROWS or few:
        detail = f"; few rows of: {', '.join(f'{k} ({v})' for k, v in few.items())}" if few else ""
        warn(
            f"training on {len(labels)} labeled rows{detail}: the model will be unreliable "
            f"(aim for at least {_FEW_ROWS} rows and {_FEW_PER_LABEL} of each label)"
        )


def fingerprint(texts: Iterable[str], labels: Iterable[str], groups: Sequence[object] | None = None) -> dict:
    """Counts and a SHA-256 of the training texts and labels."""
    import hashlib

    h = hashlib.sha256()
    counts: dict[str, int] = {}
    for t, y in zip(texts, labels, strict=True):
        h.update(str(y).encode() + b"\0" + str(t).encode("utf-8", "surrogatepass") + b"\0")
        counts[str(y)] = counts.get(str(y), 0) + 1
    out = {"rows": sum(counts.values()), "labels": dict(sorted(counts.items())), "sha256": h.hexdigest()}
    if groups is not None:
        out["sources"] = len(set(groups))
    return out
