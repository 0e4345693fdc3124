"""Answers from a fitted model's weights: each head's log-odds and probabilities, scikit-learn's predict
methods, explanations, and the TPM share the probabilities are for."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from numbers import Real
from typing import Any, TypeVar, cast

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from ._cues import Cue
from ._errors import InvalidValueError, PostingTypeError, TPMClassifyError
from ._explain import Explanation
from ._features import FeatureSpace
from ._fitting import article_weights
from ._heads import sigmoid as _sigmoid
from ._lengths import Shortfall
from ._prior import check_prior, estimate_prior, logit
from ._roles import HYBRID, OTHER, PM, ROLES, TPM, check_labels
from ._scoring import Batch, HeadWeights, logits_of
from ._text import check_text

__all__ = ["ModelNotFittedError", "Predicting", "as_sequence", "as_texts", "check_fitted", "missing"]

_Self = TypeVar("_Self", bound="Predicting")


class ModelNotFittedError(TPMClassifyError, NotFittedError):
    """A model asked for answers before it was fitted (scikit-learn's ``NotFittedError`` too)."""


def check_fitted(model: object) -> None:
    """Refuse a model that has not been fitted, saying how to get one that has.

    Examples
    --------
    >>> from tpmclassify import TPMClassifier
    >>> check_fitted(TPMClassifier())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tpmclassify._predicting.ModelNotFittedError: this TPMClassifier is not fitted: fit it on labeled postings ...
    """
    try:
        check_is_fitted(model, "coef_")
    except NotFittedError:
        raise ModelNotFittedError(
            f"this {type(model).__name__} is not fitted: fit it on labeled postings (fit, or tpmclassify.train), "
            "load a model file (tpmclassify.load) or take the bundled one (tpmclassify.default_model())"
        ) from None


def as_texts(X: object, then: str = "") -> list[str]:
    """The posting texts of ``X``: a sequence of str, or one column of a table (checked: see ``check_text``; a bad
    posting's error says which, counting from 0, followed by ``then``).

    Examples
    --------
    >>> import pandas as pd
    >>> as_texts(pd.DataFrame({"description": ["Own the roadmap"]}))
    ['Own the roadmap']
    >>> as_texts(pd.DataFrame({"title": ["TPM"], "description": ["Own the roadmap"]}))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tpmclassify._errors.PostingTypeError: expected one column of posting texts, got a table of 2 columns ...
    """
    texts = as_sequence(X, "posting texts")
    for i, t in enumerate(texts):
        try:
            check_text(t)
        except (TypeError, ValueError) as err:
            raise type(err)(f"posting {i} (counting from 0): {err}{then}") from None
    return texts


def as_sequence(X: object, what: str) -> list[Any]:
    """The values of ``X`` in order, ``what`` they are named in a refusal: a sequence, or one column of a table; not
    a single str, a mapping (its keys), a set (no order), a table of several columns (cell by cell) or a scalar."""
    if isinstance(X, str):
        raise PostingTypeError(f"expected a sequence of {what}, got a single str: wrap it in a list")
    if isinstance(X, (bytes, bytearray)):
        raise PostingTypeError(f"expected a sequence of {what}, got {type(X).__name__}: decode it to str, in a list")
    if isinstance(X, Mapping):
        raise PostingTypeError(f"expected a sequence of {what}, got a mapping (its keys would be read as them)")
    if isinstance(X, AbstractSet):
        raise PostingTypeError(f"expected a sequence of {what}, got a {type(X).__name__} (it has no order)")
    try:
        iter(X)  # type: ignore[call-overload]
    except TypeError:
        raise PostingTypeError(f"expected a sequence of {what}, got {type(X).__name__}") from None
    shape: tuple[int, ...] = tuple(getattr(X, "shape", ()))
    if len(shape) > 1:  # a column of a table, or a table
        if len(shape) > 2 or shape[1] != 1:
            names = f" {tuple(X.columns)}" if isinstance(X, pd.DataFrame) and len(X.columns) <= 6 else ""
            table = f"a table of {shape[1]} columns{names}" if len(shape) == 2 else f"an array of shape {shape}"
            raise PostingTypeError(f"expected one column of {what}, got {table}: pass that column alone")
        X = np.asarray(X).ravel()
    return list(X)  # type: ignore[call-overload]


def missing(value: object) -> bool:
    """None, NaN, pd.NA or NaT: a missing cell. A list or an array is a value, not missing, whatever it holds."""
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(cast(Any, value))))


#: The attribute a model caches its evidence weights in (see ``Predicting._cue_coef``), left out of copies and pickles.
_EVIDENCE_CACHE = "_evidence_coef"


class Predicting:
    """What a fitted :class:`~tpmclassify.TPMClassifier` answers with: its two heads over its feature space."""

    space_: FeatureSpace
    cues_: tuple[Cue, ...]
    classes_: np.ndarray
    review_band: tuple[float, float]
    prior: float | None
    # fitted attributes (set by fit() or from_state()); the scope head's are None without "other" postings
    coef_: np.ndarray
    intercept_: float
    C_: float
    prior_: float
    training_prior_: float
    scope_coef_: np.ndarray | None
    scope_intercept_: float | None
    scope_threshold_: float | None
    scope_threshold: float | None
    baseline_: np.ndarray
    scope_baseline_: np.ndarray | None
    min_evidence_: float
    min_words_: int
    shortfall_: Shortfall
    metadata_: dict[str, Any]  # (set by train() and load(), not by fit())

    def with_prior(self: _Self, prior: float) -> _Self:
        """A copy of this model whose TPM/PM probabilities are for a TPM share of ``prior``.

        Only the role head's intercept moves (by the change in log prior odds), so the explanation identity
        still holds and the ranking of postings is unchanged.

        Examples
        --------
        >>> import tpmclassify
        >>> m = tpmclassify.default_model().with_prior(0.1)
        >>> m.prior_
        0.1
        """
        check_fitted(self)
        new = copy.copy(self)
        new.prior_ = check_prior(prior)
        new.intercept_ = self.intercept_ + logit(new.prior_) - logit(self.prior_)
        new.prior = new.prior_
        meta = getattr(self, "metadata_", None)
        if isinstance(meta, dict) and meta.get("metrics") and new.prior_ != self.prior_:  # (its card says so)
            new.metadata_ = {**meta, "metrics_prior": meta.get("metrics_prior", self.prior_)}
        return new

    def estimate_prior(self, texts: Iterable[str]) -> float:
        """The TPM share among the in-scope postings of ``texts`` (those with enough to decide), estimated by EM (see
        :func:`estimate_prior`)."""
        return estimate_prior(self.in_scope_tpm_probabilities(texts), self.prior_)

    def in_scope_tpm_probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """The TPM probabilities of those of ``texts`` that are in scope and not too little to decide (see
        ``Prediction.unreadable``: a sentence's probability is no posting's): what a TPM share is estimated from (a
        batch run with ``prior="auto"`` gathers them chunk by chunk).

        Examples
        --------
        >>> import tpmclassify
        >>> program = "Lead a multi-year program across six engineering teams: architecture reviews, technical risks. "
        >>> tpmclassify.default_model().in_scope_tpm_probabilities([
        ...     "Registered nurse for our intensive care unit: night shifts, patient care and medication.",
        ...     program * 4,  # (one sentence alone is too short to decide on)
        ... ]).size  # the nurse's posting is not in scope
        1
        """
        check_fitted(self)
        batch = self._batch(as_texts(texts))
        p_tpm, *scope = batch.probabilities
        threshold = None if not scope else self.active_scope_threshold
        return np.array(
            [
                p
                for i, p in enumerate(p_tpm)
                if self._decidable(batch, i) and (threshold is None or scope[0][i] >= threshold)
            ],
            dtype=float,
        )

    def _decidable(self, batch: Batch, i: int) -> bool:
        """Whether posting ``i`` of ``batch`` has enough for a TPM or PM answer: text the model can read, with the
        evidence and the words 99% of the training postings have (else it is too little to decide, ``unreadable``)."""
        return batch.readable[i] and batch.role_evidence[i] >= self.min_evidence_ and not self._short(batch, i)

    def _short(self, batch: Batch, i: int) -> bool:
        """Whether posting ``i`` of ``batch`` has fewer words than the floor (``Prediction.short``)."""
        return batch.words[i] < self.min_words_

    def __getstate__(self) -> dict[str, Any]:
        """What a copy or a pickle holds: the model's attributes, copied at once (another thread's first answer may be
        adding its cache meanwhile), without what is cached for speed."""
        state = self.__dict__.copy()
        state.pop(_EVIDENCE_CACHE, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        """A copy or a pickle restored; a fitted model pickled before short texts gained what their length lacks
        measures every text from a typical whole posting, as it answered (no shortfall)."""
        self.__dict__.update(state)
        if "coef_" in state and "shortfall_" not in state:
            self.shortfall_ = Shortfall.none()

    # --------------------------------------------------------------- predicting
    def _cue_coef(self) -> np.ndarray:
        """The role head's weights on the cues of the article's four axes (zero on role names and n-grams): what
        evidence is measured on. A title's role name, or "apply now", says nothing about the job. (Computed once per
        ``coef_``.)"""
        cached = self.__dict__.get(_EVIDENCE_CACHE)
        if cached is not None and cached[0] is self.coef_:
            return cached[1]
        weights = article_weights(self.cues_, self.coef_)
        self.__dict__[_EVIDENCE_CACHE] = (self.coef_, weights)
        return weights

    def _head_weights(self, masked: bool = False) -> list[HeadWeights]:
        """Each head's weights (role, then scope if there is one); ``masked``: for texts whose role names are masked,
        measured from a typical posting with its role names masked too (no role-name part in the baseline: a masked
        posting does not lack the role names a typical one has)."""
        heads = [HeadWeights(self.coef_, float(self.intercept_), self.baseline_, *ROLES, self.shortfall_)]
        if self.scope_coef_ is not None and self.scope_baseline_ is not None and self.scope_intercept_ is not None:
            heads.append(
                HeadWeights(self.scope_coef_, float(self.scope_intercept_), self.scope_baseline_, "in scope", OTHER)
            )
        if masked:
            role_name = self.space_.axes.index("role_name")
            heads = [
                h._replace(baseline=np.where(np.arange(len(h.baseline)) == role_name, 0.0, h.baseline)) for h in heads
            ]
        return heads

    def _batch(self, texts: Sequence[str], masked: bool = False) -> Batch:
        """The features and head answers of postings (already checked; ``masked``: their role names masked),
        shared by their explanations."""
        return Batch(self.space_, self._head_weights(masked), self._cue_coef(), texts)

    def _features(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, list[int]]:
        """The features of postings, and their word counts (what tells a short text)."""
        Xf, found = self.space_.read(texts)
        return Xf, self.space_.word_counts(found).tolist()

    def _heads(
        self, read: tuple[sp.csr_matrix, list[int]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Each head's log-odds and probabilities (the scope head's None without one), as :class:`Batch` has them."""
        (role_logit, *scope), _ = logits_of(*read, self._head_weights(), len(self.space_.axes))
        scope_logit = scope[0] if scope else None
        in_scope = None if scope_logit is None else _sigmoid(scope_logit)
        return role_logit, _sigmoid(role_logit), scope_logit, in_scope

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probabilities over ``classes_``: ``P(other)``, ``P(pm)``, ``P(tpm)`` (rows sum to 1).

        With a scope head, ``P(tpm) = in_scope * p_tpm``; without one, the two
        columns are ``1 - p_tpm`` and ``p_tpm``.
        """
        check_fitted(self)
        _, p_tpm, _, in_scope = self._heads(self._features(as_texts(X)))
        if in_scope is None:
            return np.column_stack([1 - p_tpm, p_tpm])
        return np.column_stack([1 - in_scope, in_scope * (1 - p_tpm), in_scope * p_tpm])

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Labels by the one decision rule that :meth:`classify_many` and batch runs use.

        "other" when ``in_scope`` is under :attr:`active_scope_threshold`, else "tpm" when the TPM probability is at
        least 0.5, else "pm". (With a scope head this is not always the argmax of :meth:`predict_proba`:
        a posting with ``in_scope`` 0.4 over a threshold of 0.3 is a TPM or PM posting.)
        """
        check_fitted(self)
        _, p_tpm, _, in_scope = self._heads(self._features(as_texts(X)))
        scopes = [None] * len(p_tpm) if in_scope is None else in_scope.tolist()
        return np.array([self._label(p, s) for p, s in zip(p_tpm.tolist(), scopes, strict=True)], dtype=object)

    def score(self, X: Iterable[str], y: Iterable[object], sample_weight: Sequence[float] | None = None) -> float:
        """The share of postings :meth:`predict` labels right, what ``GridSearchCV`` and ``cross_validate`` score by
        default: the labels ``y`` read as :meth:`fit` reads them (case and surrounding blanks ignored, an alias as
        its label), a ``hybrid`` one (either role) right when the answer is ``tpm`` or ``pm``.

        Examples
        --------
        >>> import tpmclassify
        >>> tpm = ("As our Technical Program Manager you will lead a multi-year program across six engineering "
        ...        "teams. Run system design reviews with principal engineers, map dependencies and technical risks, "
        ...        "and align the roadmap with business strategy. Partner with product managers and report to senior "
        ...        "leadership. Requirements: computer science degree, experience with distributed systems and APIs.")
        >>> pm = ("Manage the project budget, schedule and client deliverables on site. Track project tasks, costs "
        ...       "and milestones; weekly status reports to the client.")
        >>> model = tpmclassify.default_model()
        >>> model.score([tpm, pm], [" TPM", "PM"]), model.score([tpm, pm], ["hybrid", "tpm"])
        (1.0, 0.5)
        """
        truth = np.array(check_labels(as_sequence(y, "labels")), dtype=object)
        got = self.predict(X)
        if len(got) != len(truth):
            raise InvalidValueError(f"{len(got)} postings but {len(truth)} labels")
        right = (got == truth) | ((truth == HYBRID) & np.isin(got, list(ROLES)))
        return float(np.average(right, weights=sample_weight))

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Role-head log-odds of TPM vs PM."""
        check_fitted(self)
        return self._heads(self._features(as_texts(X)))[0]

    @property
    def active_scope_threshold(self) -> float | None:
        """The threshold ``in_scope`` must reach for a TPM or PM answer: ``scope_threshold`` when it is set, even on
        a fitted model (a stricter filter needs no refit), else the one :meth:`fit` chose (``scope_threshold_``);
        None without a scope head.

        Examples
        --------
        >>> import copy, tpmclassify
        >>> model = tpmclassify.default_model()
        >>> model.active_scope_threshold == model.scope_threshold_, copy.copy(model).set_params(
        ...     scope_threshold=0.3).active_scope_threshold
        (True, 0.3)
        """
        if getattr(self, "scope_coef_", None) is None:
            return None
        if self.scope_threshold is None:
            return self.scope_threshold_
        given = self.scope_threshold  # (set after fit, it was never checked: 1.5, NaN or "0.3" would be answered by)
        if isinstance(given, bool) or not isinstance(given, Real) or not 0 <= given <= 1:
            raise InvalidValueError(f"scope_threshold must be a probability in [0, 1] or None, got {given!r}")
        return float(given)

    def with_scope_threshold(self: _Self, threshold: float | None) -> _Self:
        """A copy of this model whose in-scope threshold is ``threshold`` (None: the one :meth:`fit` chose), as
        :meth:`with_prior` gives one for another TPM share: the bundled model, shared by every call, is left as is.

        Examples
        --------
        >>> import tpmclassify
        >>> strict = tpmclassify.default_model().with_scope_threshold(0.25)
        >>> strict.active_scope_threshold, tpmclassify.default_model().active_scope_threshold
        (0.25, 0.17)
        """
        check_fitted(self)
        new = copy.copy(self)
        new.scope_threshold = threshold
        new.active_scope_threshold  # noqa: B018 - checked now, not at its first answer
        return new

    def _label(self, p_tpm: float, in_scope: float | None) -> str:
        threshold = self.active_scope_threshold
        if in_scope is not None and threshold is not None and in_scope < threshold:
            return OTHER
        return TPM if p_tpm >= 0.5 else PM

    def explain(self, text: str) -> tuple[Explanation, Explanation | None]:
        """Role and scope explanations of one posting."""
        check_fitted(self)
        check_text(text)
        batch = self._batch([text])
        return batch.explanation(0, 0), batch.explanation(0, 1)  # type: ignore[return-value]
