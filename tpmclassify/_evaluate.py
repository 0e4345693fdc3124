"""Honest evaluation: source-grouped cross-validation, raw and role-masked.

Any estimator that takes raw texts and exposes ``classes_`` containing
``"pm"`` and ``"tpm"`` (and optionally ``"other"``) with ``predict_proba`` can be
evaluated, so the shipped model and its baselines are measured the same way.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.metrics import brier_score_loss, roc_auc_score
from sklearn.model_selection import GroupKFold, LeaveOneGroupOut, StratifiedKFold

from ._card import metrics_table
from ._errors import InvalidValueError, warn
from ._fitting import ONE_SOURCE
from ._metrics import _role_metrics
from ._model import MIN_ROLE_POSTINGS, TPMClassifier
from ._roles import CLASSES, OTHER, PM, ROLES, TPM, check_labels
from ._sources import FEW_SOURCES
from ._text import mask_role_names
from ._titles import evidenced_axes

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["EvaluationReport", "evaluate_rows"]


def _split(proba: np.ndarray, classes: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    cls = list(classes)
    tpm, pm = proba[:, cls.index(TPM)], proba[:, cls.index(PM)]
    p_tpm = tpm / np.maximum(tpm + pm, 1e-300)
    return p_tpm, (1 - proba[:, cls.index(OTHER)] if OTHER in cls else None)


@dataclass
class EvaluationReport:
    """Metrics of one model under one protocol, raw and role-masked.

    Attributes
    ----------
    metrics : dict
        ``{"raw": {...}, "masked": {...}}``; each holds role metrics over the
        tpm and pm rows (``macro_f1``, ``roc_auc``, ``brier``, ``ece`` with each
        source weighing the same; ``pooled_*`` with each posting weighing the
        same; ``worst_source`` and its ``worst_source_accuracy`` and
        ``worst_source_brier``; ``confusion``) and, with "other" rows, scope
        metrics (``scope_roc_auc``, ``scope_precision``, ``scope_recall``,
        ``scope_recall_tpm``, ``scope_threshold``; hybrid rows count as in scope).
    protocol : str
        How the predictions were obtained.
    predictions : dict of str to DataFrame
        Per-variant out-of-fold predictions (``truth``, ``source``, ``p_tpm``, ``in_scope``; for a
        :class:`~tpmclassify.TPMClassifier`, the masked ones also ``axes_tpm``, ``axes_pm``: on how many of the
        four axes the posting's own words point each way; ``unreadable``: too little evidence;
        ``undecided_as_role``: too little for a TPM or PM answer, as a title that names the role would make it), what
        a title mismatch rests on.
    per_source : dict of str to DataFrame
        Per-variant role metrics of each source (``n_tpm``, ``n_pm``, ``accuracy``, ``brier``, ``ece``).

    Examples
    --------
    :func:`tpmclassify.evaluate` makes one (its example shows the metrics); printed, it is a table of them, a row
    per variant:

    >>> import pandas as pd
    >>> import tpmclassify
    >>> frame = pd.DataFrame({"label": ["pm", "tpm"], "description": [
    ...     "Deliver office fit-out projects for our clients: the project plan, schedule and budget, subcontractors "
    ...     "on site and weekly status reports. PMP certification is an advantage.",
    ...     "Lead a program across multiple engineering teams: architecture reviews, dependencies between services, "
    ...     "technical risk and the roadmap, with product managers and senior leadership."]})
    >>> report = tpmclassify.evaluate(tpmclassify.default_model(), frame, refit=False)
    >>> sorted(report.predictions), list(report.predictions["masked"].columns[:3])
    (['masked', 'raw'], ['truth', 'source', 'p_tpm'])
    >>> print(str(report).splitlines()[0])
    Evaluation (fitted model on the given data)
    >>> [line.split()[0] for line in str(report).splitlines()[2:]]
    ['raw', 'masked']
    """

    metrics: dict[str, dict[str, Any]]
    protocol: str
    predictions: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)
    model: Any = field(repr=False, default=None)
    per_source: dict[str, pd.DataFrame] = field(repr=False, default_factory=dict)

    def rescored(self, labels: Sequence[object] | pd.Series) -> dict[str, dict[str, Any]]:
        """The role metrics of the same out-of-fold predictions against other labels (e.g. the titles' when the
        model was evaluated against what postings describe), per variant; rows whose label is not tpm or pm are
        left out. A Series is matched to the rows evaluated by its index, a sequence by position."""
        out = {}
        for variant, pred in self.predictions.items():
            values = labels
            if isinstance(labels, pd.Series):  # matched to the rows evaluated by its index; a sequence by position
                if not pred.index.isin(labels.index).all():
                    raise InvalidValueError("labels (a Series) must have a label for every row evaluated, by its index")
                values = labels.loc[pred.index]
            if len(values) != len(pred):
                raise InvalidValueError(f"labels has {len(values)} values for the {len(pred)} rows evaluated")
            truth = np.asarray(check_labels(pd.Series(list(values)).fillna("")), dtype=object)
            out[variant] = _role_metrics(truth, pred["p_tpm"].to_numpy(), pred["source"].to_numpy())[0]
        return out

    def to_frame(self) -> pd.DataFrame:
        """Numeric metrics as a DataFrame (rows: variant)."""
        return pd.DataFrame(
            {
                v: {k: x for k, x in m.items() if np.isscalar(x) and not isinstance(x, str)}
                for v, m in self.metrics.items()
            }
        ).T

    def to_markdown(self) -> str:
        """The metrics as a Markdown table (the model card's table)."""
        return metrics_table(self.metrics)

    def __str__(self) -> str:
        frame = self.to_frame().round(3).astype(object)
        counts = [c for c in frame.columns if str(c).startswith("n_")]  # counts print as counts, not 70.0
        frame[counts] = frame[counts].map(lambda x: x if pd.isna(x) else int(x))
        return f"Evaluation ({self.protocol})\n{frame.to_string()}"

    def plot(self, variant: str = "masked") -> Figure:
        """Confusion matrix, calibration curve and the model's top evidence per axis.

        Needs matplotlib (``pip install tpmclassify[plot]``). The evidence panel shows the role head's
        strongest weights per axis of ``model`` (the evaluated model if it was fitted, else the model of
        the last fold); it is left out for models without article axes.
        """
        try:
            import matplotlib.pyplot as plt
            from sklearn.calibration import calibration_curve
        except ImportError as err:  # pragma: no cover - depends on the extra
            raise ImportError(
                "plotting needs matplotlib: pip install 'tpmclassify[plot]' "
                "(in a clone of the project: pip install '.[plot]')"
            ) from err
        pred = self.predictions[variant]
        role = pred[pred["truth"] != OTHER]
        has_axes = hasattr(self.model, "space_") and hasattr(self.model, "coef_")
        fig, axes = plt.subplots(1, 3 if has_axes else 2, figsize=(15 if has_axes else 9, 4.5))
        cm = np.asarray(self.metrics[variant]["confusion"])
        axes[0].imshow(cm, cmap="Blues")
        for (i, j), v in np.ndenumerate(cm):
            axes[0].text(j, i, str(v), ha="center", va="center")
        axes[0].set(
            xticks=[0, 1],
            yticks=[0, 1],
            xticklabels=list(CLASSES),
            yticklabels=list(CLASSES),
            xlabel="predicted",
            ylabel="true",
            title=f"TPM vs PM ({variant})",
        )
        frac, mean = calibration_curve(role["truth"] == TPM, role["p_tpm"], n_bins=8, strategy="quantile")
        axes[1].plot([0, 1], [0, 1], "k:", label="perfect")
        axes[1].plot(mean, frac, "o-", label="model")
        axes[1].set(xlabel="predicted P(TPM)", ylabel="observed share TPM", title="calibration")
        axes[1].legend()
        if has_axes:
            _plot_evidence(axes[2], self.model)
        fig.tight_layout()
        return fig


def _plot_evidence(ax: Any, model: Any, per_axis: int = 3) -> None:
    """Horizontal bars: the strongest role-head weights of each axis (blue: TPM, orange: PM)."""
    space, coef = model.space_, model.coef_
    labels, values = [], []
    for a, axis in enumerate(space.axes):
        cols = np.flatnonzero((space.axis_of == a) & (coef != 0))
        for j in cols[np.argsort(-np.abs(coef[cols]))][:per_axis]:
            labels.append(f"{axis}: {space.display[j]}")
            values.append(float(coef[j]))
    ax.barh(range(len(values)), values, color=["#1f77b4" if v > 0 else "#ff7f0e" for v in values])
    ax.set_yticks(range(len(values)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set(xlabel="weight (log-odds per unit)", title="top evidence per axis (TPM > 0 > PM)")


def evaluate_rows(
    model: Any,
    frame: pd.DataFrame,
    *,
    text_column: str = "description",
    label_column: str = "label",
    groups: Sequence[object] | pd.Series | None = None,
    folds: int | None = None,
    refit: bool = True,
    progress: bool = False,
) -> EvaluationReport:
    """The engine of :func:`tpmclassify.evaluate`, on rows it has checked (the command line checks its own):
    the model's answers in each fold, raw and role-masked, and their figures. Its parameters are
    :func:`tpmclassify.evaluate`'s; ``frame`` is a table and ``groups`` the sources of its rows (None, or two or
    more of them when refitting), ``folds`` fits the rows.
    """
    texts = np.array([str(t) for t in frame[text_column]], dtype=object)  # (a str column refuses a lone surrogate)
    labels = np.asarray(check_labels(frame[label_column].fillna("")), dtype=object)
    grp = None if groups is None else np.asarray([str(g) for g in groups], dtype=object)
    masked_texts = np.array([mask_role_names(t) for t in texts], dtype=object)

    outputs = {v: np.zeros((len(texts), 3)) for v in ("raw", "masked")}
    axes: dict[int, tuple[int, int, bool]] = {}  # masked: axes pointing to TPM, to PM, too little evidence
    scopeless, fits = 0, 0  # fits without a scope head, of all fits
    if not refit:
        splits = [(np.arange(0), np.arange(len(texts)))]
        protocol = "fitted model on the given data"
    elif grp is not None and folds:
        splits = list(GroupKFold(folds).split(texts, labels, groups=grp))
        protocol = f"{folds}-fold source-grouped over {len(set(grp))} sources"
    elif grp is not None:
        splits = list(LeaveOneGroupOut().split(texts, labels, groups=grp))
        protocol = f"leave-one-source-out over {len(set(grp))} sources"
    else:
        k = folds or 5
        with warnings.catch_warnings():  # (a label of a few rows, "hybrid" say, in more folds than it has rows)
            warnings.filterwarnings("ignore", "The least populated class in y", UserWarning)
            splits = list(StratifiedKFold(k, shuffle=True, random_state=0).split(texts, labels))
        protocol = f"{k}-fold stratified (not grouped: optimistic when sources repeat boilerplate)"
    separately = refit and getattr(model, "fit_masked_separately", False)
    est, n_splits = model, len(splits)
    if refit and isinstance(model, TPMClassifier):  # what its fits would refuse, refused before the first
        model.check_params()
        for train, test in splits:
            for role in ROLES:
                if (have := int((labels[train] == role).sum())) < MIN_ROLE_POSTINGS:
                    left = "" if grp is None else f" (leaving out {', '.join(map(repr, sorted(set(grp[test]))))})"
                    fix = (  # (more folds: each leaves fewer postings out of its training part)
                        "more folds (or more labeled postings) leave"
                        if grp is None or n_splits < len(set(grp))
                        else "more labeled postings leave"
                    )
                    raise InvalidValueError(
                        f"cross-validation ({protocol}): a fold{left} trains on {have} {role!r} posting"
                        f"{'' if have == 1 else 's'}, and a fit needs {MIN_ROLE_POSTINGS} at least; {fix} each fold "
                        "enough of every label"
                    )
    if progress and len(splits) > 1:
        from tqdm.auto import tqdm

        splits = tqdm(splits, desc="folds", unit="fold")
    for train, test in splits:
        fitted = {}
        for variant, xs in (("raw", texts), ("masked", masked_texts)):
            if refit and (variant == "raw" or separately):
                est = clone(model)
                kwargs = {"groups": grp[train]} if grp is not None and _takes_groups(est) else {}
                try:
                    with warnings.catch_warnings():  # (a fold's training part holds fewer sources than the whole)
                        for said in (FEW_SOURCES, ONE_SOURCE):
                            warnings.filterwarnings("ignore", f".*{said}", UserWarning)
                        est.fit((xs if separately else texts)[train], labels[train], **kwargs)
                except InvalidValueError as err:  # (said with the folds, not guessed at: more postings may not help)
                    raise InvalidValueError(f"cross-validation ({protocol}): a fold's training part: {err}") from None
            fitted[variant] = est
            p_tpm, in_scope = _split(est.predict_proba(list(xs[test])), est.classes_)
            if variant == "masked" and hasattr(est, "classify_many"):  # what a title mismatch also rests on
                for i, p in zip(test.tolist(), est.classify_many(list(xs[test])), strict=True):
                    axes[i] = (
                        *(evidenced_axes(p, r) for r in ROLES),
                        p.unreadable,
                        p.unreadable or p.short or p.evidence < est.min_evidence_,  # as a titled TPM or PM answer
                    )
            scopeless, fits = scopeless + (in_scope is None), fits + 1
            outputs[variant][test, 0] = p_tpm
            outputs[variant][test, 1] = np.nan if in_scope is None else in_scope
            threshold = getattr(est, "scope_threshold_", None)
            outputs[variant][test, 2] = 0.5 if threshold is None else threshold
        est = fitted["raw"]
    n_other = int((labels == OTHER).sum())
    if scopeless and n_other and hasattr(est, "classify_many"):  # (a baseline has no scope head, by design)
        why = (
            "the model has no scope head (trained on fewer than 2 {0!r} postings, it answers TPM or PM for every "
            "posting)"
            if scopeless == fits
            else "in {1} of {2} fits of the cross-validation, the model had no scope head (the training part held "
            "fewer than 2 {0!r} postings: fewer folds, or {0!r} postings from more sources, give every fold some)"
        ).format(OTHER, scopeless, fits)
        warn(f"the {n_other} {OTHER!r} rows are not scored: {why}, so there are no in-scope figures")

    metrics, predictions, per_source = {}, {}, {}
    sources = grp if grp is not None else np.full(len(texts), "all", dtype=object)
    for variant, out in outputs.items():
        p_tpm, in_scope, thr = out[:, 0], out[:, 1], out[:, 2]
        pred = pd.DataFrame(  # (indexed as the rows given: a caller's table joins back on it)
            {
                "truth": labels,
                "source": pd.Series(sources, index=frame.index, dtype=object),  # (a str column refuses a surrogate)
                "p_tpm": p_tpm,
                "in_scope": in_scope,
            },
            index=frame.index,
        )
        if variant == "masked" and axes:
            columns = ["axes_tpm", "axes_pm", "unreadable", "undecided_as_role"]
            found = pd.DataFrame.from_dict(axes, orient="index").sort_index()  # by position, each column its dtype
            for name, column in zip(columns, found.columns, strict=True):
                pred[name] = found[column].to_numpy()
        predictions[variant] = pred
        m, per_source[variant] = _role_metrics(labels, p_tpm, sources)
        in_scope_truth = labels != OTHER
        if not scopeless and (~in_scope_truth).any() and in_scope_truth.any():  # (both: no figure of one side alone)
            ys = in_scope_truth.astype(int)
            picked = in_scope >= thr
            tp = float((picked & in_scope_truth).sum())
            m.update(
                n_other=int((~in_scope_truth).sum()),
                scope_roc_auc=float(roc_auc_score(ys, in_scope)),
                scope_precision=tp / max(1.0, float(picked.sum())),
                scope_recall=tp / float(in_scope_truth.sum()),
                scope_recall_tpm=_share(picked[labels == TPM]),
                scope_recall_pm=_share(picked[labels == PM]),
                scope_brier=float(brier_score_loss(ys, in_scope)),
                scope_threshold=float(np.median(thr)),
            )
        metrics[variant] = m
    return EvaluationReport(metrics, protocol, predictions, est, per_source)


def _share(kept: np.ndarray) -> float:
    """The share of True in ``kept``; NaN (n/a) when it is empty (no posting of that role), without numpy's warning."""
    return float(kept.mean()) if len(kept) else float("nan")


def _takes_groups(est: Any) -> bool:
    import inspect

    return "groups" in inspect.signature(est.fit).parameters
