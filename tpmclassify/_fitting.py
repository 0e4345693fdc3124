"""Fitting the estimator's two heads on the features of the training postings.

* the **role head** scores TPM against PM from the article's cues (trained on the tpm and pm rows), each cue's
  weight bounded to the side its table row gives, plus the n-grams that many training postings share, with a Platt
  map fitted on out-of-fold log-odds (sources left out) folded into its weights;
* the **scope head** scores "TPM or PM at all" against every other role, from n-grams and some cues, with a Platt
  map fitted on out-of-fold log-odds folded into its weights, and a threshold that keeps a share of each role;
* the role head's **shortfall** on short texts (:mod:`._lengths`), measured on windows of its training postings.

Both read each posting twice, as written and with its role names masked (:class:`Training`); with sources, each
source weighs the same and out-of-fold scores leave whole sources out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

from ._cues import ARTICLE_AXES, NONE, Cue
from ._errors import warn
from ._features import FeatureSpace
from ._heads import (
    axis_baseline,
    bounded_logistic,
    choose_C,
    evidence,
    inner_folds,
    platt,
    sigmoid,
    source_weights,
)
from ._lengths import REFERENCE_QUANTILE, WINDOW_TOKENS, WINDOWS_PER_POSTING, Shortfall, measure_shortfall, windows
from ._prior import check_prior, logit
from ._roles import OTHER, PM, ROLES, TPM

__all__ = [
    "ONE_SOURCE",
    "ROLE_PARAMS",
    "SCOPE_PARAMS",
    "RoleFit",
    "ScopeFit",
    "Training",
    "article_weights",
    "fit_role",
    "fit_scope",
    "fit_shortfall",
    "least_words",
]

#: Most grouped folds the role head's ``C`` is chosen on (sources left out whole; a file with a source per company
#: would otherwise fit hundreds of folds).
_INNER_FOLDS = 10
#: The role head reads the n-grams of at least this many of its training postings (each counted as written and
#: masked): rarer ones cannot be weighed across sources, and the fit's cost grows with their number.
_ROLE_MIN_DF = 20
#: A posting carrying less evidence (the sum of its cue terms' magnitudes), or fewer words, than this share of the
#: training postings is too little to decide from: it needs review, and is never flagged as mis-titled.
_EVIDENCE_QUANTILE = 0.01


def least_words(counts: np.ndarray) -> int:
    """The fewest words (those n-grams are made of) a posting needs to be decided: what 99% of the training postings
    have (``counts``: each one's as written and role-masked, from ``FeatureSpace.word_counts``).

    Examples
    --------
    >>> least_words(np.arange(1, 201))  # postings of 1 to 200 words
    2
    """
    return int(np.quantile(counts, _EVIDENCE_QUANTILE))


class Training(NamedTuple):
    """What both heads are fitted on: the features of every posting twice (``Xf``: as written, then masked), their
    labels and sources (None: no sources), the weight of the masked copy, the cue table and the feature space, and
    a progress bar (tqdm) that each fit advances."""

    Xf: sp.csr_matrix
    labels: np.ndarray
    groups: np.ndarray | None
    mask_rate: float
    cues: Sequence[Cue]
    space: FeatureSpace
    bar: Any

    def copies(self, n: int) -> np.ndarray:
        """Weights of the two copies of each of ``n`` postings (as written, masked)."""
        return np.concatenate([np.full(n, 1.0 - self.mask_rate), np.full(n, self.mask_rate)])


class RoleFit(NamedTuple):
    """The role head: weights over all features, intercept (log-odds for ``prior``), its ``C``, the TPM share the
    probabilities are for and the training data's, its baseline by axis, and the least evidence to decide from."""

    coef: np.ndarray
    intercept: float
    C: float
    prior: float
    training_prior: float
    baseline: np.ndarray
    min_evidence: float


class ScopeFit(NamedTuple):
    """The scope head, calibration folded in: weights, intercept, baseline by axis, and its threshold."""

    coef: np.ndarray
    intercept: float
    baseline: np.ndarray
    threshold: float


def article_weights(cues: Sequence[Cue], coef: np.ndarray) -> np.ndarray:
    """The weights on the cues of the article's four axes (zero on role names, context and n-grams): what a
    posting's evidence is measured on. A title's role name, or "apply now", says nothing about the job.

    Examples
    --------
    >>> cues = [Cue("program", "scope", "tpm", ("program",)), Cue("tpm", "role_name", "tpm", ("tpm",))]
    >>> article_weights(cues, np.array([0.5, 2.0, 1.0])).tolist()
    [0.5, 0.0, 0.0]
    """
    article = np.zeros(len(coef), dtype=bool)
    article[: len(cues)] = [c.axis in ARTICLE_AXES for c in cues]
    return np.where(article, coef, 0.0)


#: The estimator's parameters each head's fit takes (by name: ``fit_role(t, **{k: params[k] for k in ROLE_PARAMS})``).
ROLE_PARAMS = ("C", "C_grid", "cv", "role_ngram_scale", "prior")
SCOPE_PARAMS = ("scope_axes", "scope_C", "cv", "random_state", "scope_threshold", "scope_recall")


def fit_role(
    t: Training,
    *,
    C: float | None,
    C_grid: Sequence[float],
    cv: int,
    role_ngram_scale: float,
    prior: float | None,
) -> RoleFit:
    """The role head: TPM vs PM on the TPM/PM cues, each weight on its table side, and the n-grams (free signs,
    their block scaled by ``role_ngram_scale`` in the fit: a larger scale, a weaker penalty on them). ``C`` None:
    chosen from ``C_grid`` on grouped inner folds. The out-of-fold log-odds at that ``C`` (or the given one) fit a
    Platt map, folded into the weights: the penalty that keeps the weights general also makes them too timid on
    sources they never saw."""
    Xf, labels, grp, cue_table = t.Xf, t.labels, t.groups, t.cues
    n = len(labels)
    rows = np.flatnonzero(np.isin(labels, ROLES))
    cues = [j for j, c in enumerate(cue_table) if c.role in ROLES]
    X_all = Xf[np.concatenate([rows, rows + n])]
    grams: list[int] = []
    if role_ngram_scale > 0:  # the n-grams of at least _ROLE_MIN_DF TPM or PM postings (as written or masked)
        df = np.bincount(X_all.indices, minlength=Xf.shape[1])
        grams = [j for j in np.flatnonzero(df >= _ROLE_MIN_DF).tolist() if j >= len(cue_table)]
    cols = np.array(cues + grams, dtype=np.int64)
    sign = np.array([1.0 if cue_table[j].role == TPM else -1.0 for j in cues] + [0.0] * len(grams))
    scale = np.array([1.0] * len(cues) + [float(role_ngram_scale)] * len(grams))
    X = X_all[:, cols] @ sp.diags(scale)
    y = np.tile((labels[rows] == TPM).astype(float), 2)
    w = np.tile(source_weights(None if grp is None else grp[rows], len(rows)), 2) * t.copies(len(rows))
    # a role whose postings all come from one source would be absent from the fold that leaves that source out:
    # its out-of-fold scores would point the wrong way, and the map would flatten every answer
    role_grp = _sources_to_leave_out(
        None if grp is None else grp[rows], labels[rows], "the TPM or the PM postings", "the role head's"
    )
    if role_grp is None:  # postings are left out, the two copies of each in one fold
        g, units = np.tile(np.arange(len(rows)) % max(2, cv), 2), len(rows)
    else:
        g, units = np.tile(role_grp, 2), len(set(role_grp.tolist()))
    grid = tuple(C_grid) if C is None else (float(C),)
    t.bar.total += len(grid) * inner_folds(g, _INNER_FOLDS)
    chosen, oof = choose_C(X, y, w, g, sign, grid, _INNER_FOLDS, t.bar.update)
    # a penalised fit is sure of less than it knows on sources it never saw: a Platt map fitted on the chosen C's
    # out-of-fold log-odds (sources left out) is folded into the weights. The weights' direction is fitted with
    # each source weighing the same; the map with each posting weighing the same, as the prior counts them (the
    # slope's pull towards 1 weighs as much as one source's postings)
    per_posting = t.copies(len(rows))
    a, b = platt(oof, y, per_posting * units / per_posting.sum())
    weights, intercept = bounded_logistic(X, y, w, chosen, sign)
    weights, intercept = a * weights, a * intercept + b
    # the map's log-odds are for the share of TPM postings in the training data, each counted once; the
    # probabilities are for the stated prior, by default that share
    training_prior = float(np.mean(labels[rows] == TPM))
    share = training_prior if prior is None else check_prior(prior)
    coef = np.zeros(Xf.shape[1])
    coef[cols] = weights * scale
    space = t.space
    # the least evidence on the article's cues a training posting carries (as written or masked): a posting with
    # less says too little (n-grams are left out: every text has some, "apply now" included)
    least = float(np.quantile(evidence(X_all, article_weights(cue_table, coef)), _EVIDENCE_QUANTILE))
    return RoleFit(
        coef=coef,
        intercept=intercept + logit(share) - logit(training_prior),
        C=chosen,
        prior=share,
        training_prior=training_prior,
        baseline=axis_baseline(X_all, w, coef, space.axis_of, len(space.axes)),
        min_evidence=least,
    )


def fit_scope(
    t: Training,
    *,
    scope_axes: Sequence[str],
    scope_C: float,
    cv: int,
    random_state: int,
    scope_threshold: float | None,
    scope_recall: float,
) -> ScopeFit:
    """The scope head: TPM, PM or hybrid postings against every other role.

    TPM postings are scarce and read like engineering or product postings: unweighted, "in scope" would
    learn to mean "PM-like". They are weighted up to the PM postings in the fit, and the threshold keeps
    ``scope_recall`` of each role (unless ``scope_threshold`` is given). A Platt map fitted on out-of-fold
    log-odds is folded into the weights.
    """
    Xf, labels, grp, cue_table = t.Xf, t.labels, t.groups, t.cues
    n = len(labels)
    n_cues = len(cue_table)
    cols = np.array(
        [j for j, c in enumerate(cue_table) if c.axis in scope_axes and c.role != NONE]  # (a NONE cue: no vote)
        + list(range(n_cues, Xf.shape[1])),
        dtype=np.int64,
    )
    y1 = (labels != OTHER).astype(int)
    n_tpm, n_pm = (labels == TPM).sum(), (labels == PM).sum()
    weight1 = np.where(labels == TPM, n_pm / n_tpm, 1.0)
    X, y = Xf[:, cols], np.tile(y1, 2)
    weight = np.tile(weight1, 2) * t.copies(n)
    grp = _sources_to_leave_out(grp, y1, "the postings of one side of the scope head (other roles, or TPM/PM)", "its")
    groups = np.tile(np.arange(n) if grp is None else grp, 2)
    n_splits = max(2, min(cv, len(set(groups)), int(np.bincount(y1).min())))
    t.bar.total += n_splits
    lr = LogisticRegression(C=scope_C, class_weight="balanced", max_iter=5000)
    oof = cross_val_predict(
        lr,
        X,
        y,
        groups=groups,
        method="decision_function",
        params={"sample_weight": weight},
        cv=StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state),
    )
    t.bar.update(n_splits)
    a, b = platt(oof, y, weight * len(set(groups.tolist())) / weight.sum())  # the pull: one source's weight
    lr.fit(X, y, sample_weight=weight)
    coef = np.zeros(Xf.shape[1])
    coef[cols] = a * lr.coef_[0]
    space = t.space
    if scope_threshold is not None:
        threshold = float(scope_threshold)
    else:  # judged on both copies: a posting that does not name its role must stay in scope too
        threshold = _recall_threshold(sigmoid(a * oof + b), np.tile(labels, 2), scope_recall)
    return ScopeFit(
        coef=coef,
        intercept=a * float(lr.intercept_[0]) + b,
        baseline=axis_baseline(Xf, weight, coef, space.axis_of, len(space.axes)),
        threshold=threshold,
    )


#: What the warning of a class from one source says after naming the class (the evaluation's folds, whose
#: training parts may each hold fewer sources than the whole, pass it over).
ONE_SOURCE = "all come from one source, so"


def _sources_to_leave_out(groups: np.ndarray | None, classes: np.ndarray, who: str, whose: str) -> np.ndarray | None:
    """``groups``, the sources a head's out-of-fold scores leave out; None (postings are left out instead) when the
    postings of one class all come from one source, which a fold would then leave out whole. ``who`` and ``whose``
    name them in the warning that says so (pointing at the line that called ``fit``)."""
    if groups is None or min(len(set(groups[classes == k].tolist())) for k in np.unique(classes)) >= 2:
        return groups
    warn(
        f"{who} {ONE_SOURCE} {whose} out-of-fold scores cannot leave sources out: postings are left "
        f"out instead, and its calibration may be optimistic; add {who} from other sources"
    )
    return None


def _recall_threshold(p: np.ndarray, labels: np.ndarray, recall: float) -> float:
    """The highest threshold (in steps of 0.01, at most 0.95) that keeps ``recall`` of the TPM and of the PM
    postings in scope; 0.0 (everything in scope) when even 0.01 does not.

    ``p`` are out-of-fold in-scope probabilities of the postings as written and role-masked.

    Examples
    --------
    >>> _recall_threshold(np.array([0.9, 0.8, 0.3, 0.7, 0.6]), np.array(["tpm", "tpm", "tpm", "pm", "pm"]), 0.6)
    0.6
    >>> _recall_threshold(np.array([0.001, 0.002, 0.9, 0.003, 0.004, 0.95]), np.array(["tpm"] * 3 + ["pm"] * 3), 0.9)
    0.0
    """
    best = 0.0
    for t in np.linspace(0.01, 0.95, 95):
        if min(np.mean(p[labels == role] >= t) for role in ROLES) < recall:
            break
        best = float(t)
    return round(best, 2)


def fit_shortfall(
    space: FeatureSpace,
    masked_tokens: Sequence[Sequence[str]],
    masked_words: np.ndarray,
    labels: np.ndarray,
    groups: np.ndarray | None,
    coef: np.ndarray,
    random_state: int,
) -> Shortfall:
    """The role head's :class:`~._lengths.Shortfall`: measured on windows of its training postings (the TPM and PM
    rows, role names masked: ``masked_tokens``, from ``tokens_of``, and their word counts ``masked_words``), each
    source weighing the same, from the length fewer words than which a tenth of those postings have
    (:data:`~._lengths.REFERENCE_QUANTILE`) down."""
    rows = np.flatnonzero(np.isin(labels, ROLES))
    tokens = [masked_tokens[i] for i in rows.tolist()]
    weights = source_weights(None if groups is None else groups[rows], len(rows))
    rng = np.random.default_rng(random_state)
    reads = []
    for size in WINDOW_TOKENS:
        X, found = space.read_tokens(windows(tokens * WINDOWS_PER_POSTING, size, rng))
        reads.append((X, space.word_counts(found)))
    reference = float(np.quantile(masked_words[rows], REFERENCE_QUANTILE))
    short = measure_shortfall(
        reads, reference, coef, np.tile(weights, WINDOWS_PER_POSTING), space.axis_of, len(space.axes)
    )
    # role names are the title's words, none of the job's evidence a text lacks for being short (a masked text keeps
    # only the odd one its masking leaves, a few thousandths of a log-odds)
    short.table[:, space.axes.index("role_name")] = 0.0
    return short
