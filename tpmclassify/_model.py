"""The estimator: cue + n-gram features, two linear heads whose probabilities are their own log-odds.

* the **role head** scores TPM against PM from the article's cues (trained on the tpm and pm rows), each cue's
  weight bounded to the side its table row gives (a bounded L-BFGS-B logistic regression), so no cue can say the
  opposite of the article;
* the **scope head** scores "TPM or PM at all" against every other role (trained on all rows, when the training
  data has "other" rows), from n-grams and cues, with a Platt map fitted on out-of-fold log-odds folded into its
  weights.

Both heads are trained on each posting twice, as written and with its role names masked, so that the content alone
carries them. With sources given, each source weighs the same and the role head's ``C`` is chosen by
leave-one-source-out inside :meth:`TPMClassifier.fit`. Every probability is ``sigmoid(logit)`` with
``logit = intercept + sum(coef * x)`` (up to floating-point rounding): the explanation adds up to the very number the
probability comes from.
"""

from __future__ import annotations

import copy
import dataclasses
import sys
from collections.abc import Iterable, Sequence
from functools import partial
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_is_fitted

from ._cues import AXES, CUES, Cue
from ._errors import InvalidValueError, PostingTypeError
from ._explain import Explanation, Prediction
from ._features import FeatureSpace, display_forms, fit_vocabulary
from ._fitting import Training, article_weights, fit_role, fit_scope
from ._heads import sigmoid as _sigmoid
from ._prior import PRIOR_MARGIN, check_prior, estimate_prior, logit
from ._roles import CLASSES, HYBRID, OTHER, PM, ROLES, SCOPED_CLASSES, TPM, check_labels
from ._scoring import Batch, HeadWeights
from ._text import check_text, mask_role_names
from ._titles import TITLED_CLAIMS, contradicts, title_claim
from ._words import stems_of_tokens, tokens_of

__all__ = ["TPMClassifier"]


def _as_texts(X: object) -> list[str]:
    if isinstance(X, str):
        raise PostingTypeError("expected a sequence of posting texts, got a single str: wrap it in a list")
    if hasattr(X, "ndim") and getattr(X, "ndim", 1) > 1:
        X = np.asarray(X).ravel()
    texts = list(X)  # type: ignore[call-overload]
    for i, t in enumerate(texts):
        try:
            check_text(t)
        except (TypeError, ValueError) as err:
            raise type(err)(f"posting {i}: {err}") from None
    return texts


def _missing(value: object) -> bool:
    """None, NaN, pd.NA or NaT: a missing cell."""
    if value is None:
        return True
    try:
        return bool(value != value) or type(value).__name__ in ("NAType", "NaTType")
    except (TypeError, ValueError):  # pd.NA's comparisons are ambiguous
        return True


class TPMClassifier(ClassifierMixin, BaseEstimator):
    """Classify job postings as TPM, PM or (optionally) another role.

    Parameters
    ----------
    C : float or None, default None
        Inverse regularisation strength of the role (TPM vs PM) head; None
        chooses it from ``C_grid`` during :meth:`fit` by leave-one-source-out
        over the training sources (Brier score, each source weighing the same),
        or by ``cv`` folds without sources.
    C_grid : tuple of float, default (0.3, 1.0, 3.0)
        Candidates for ``C`` (chosen on at most 10 folds, sources left out whole).
    scope_C : float, default 4.0
        Inverse regularisation strength of the scope (in scope vs other) head.
    ngram_max : int, default 2
        Longest stemmed word n-gram.
    min_df : int, default 3
        Minimum number of postings an n-gram must occur in.
    min_groups : int, default 3
        With ``groups`` given to :meth:`fit`, minimum number of distinct sources
        an n-gram must occur in (keeps one company's boilerplate out).
    max_features : int or None, default 20000
        Largest n-gram vocabulary.
    ngram_scale : float, default 1.0
        Multiplier of the n-gram block.
    role_ngram_scale : float, default 2.0
        How strongly the role head may lean on n-grams besides the article's cues: their block is multiplied by
        this in the role head's fit (a larger value, a weaker penalty on their weights); 0 leaves them out.
        Measured source-grouped, n-grams beside the cues helped on the newest sources (software-company project
        managers) and cost little elsewhere.
    mask_rate : float, default 0.5
        Weight of the role-name-masked copy of each training posting (the
        copy as written weighs ``1 - mask_rate``), so the model learns what
        the job is, not just what it is called.
    scope_axes : tuple of str, default ("other_role", "role_name")
        Cue axes the scope head may use besides the n-grams.
    prior : float or None, default None
        The TPM share among TPM and PM postings the probabilities are for;
        None: the share in the training data, each posting counted once (the
        fit itself weighs sources the same; its log-odds are shifted from the
        share that weighting gives to this one). See also :meth:`with_prior`.
    review_band : tuple of float, default (0.35, 0.65)
        An in-scope posting whose TPM probability falls in this band needs review.
    scope_threshold : float or None, default None
        ``in_scope`` below this makes the label "other"; None picks, during
        :meth:`fit`, the highest threshold that keeps ``scope_recall`` of the
        TPM postings and of the PM postings in scope out-of-fold, counting
        each posting as written and with its role names masked (in scope is a
        filter: it should rarely drop a real TPM or PM posting, even one that
        never names its role).
    scope_recall : float, default 0.9
        The share of TPM and of PM postings the chosen threshold keeps.
    mismatch_confidence : float, default 0.8
        A title is flagged as mismatched when its content, read with every role
        name masked, says the other role with at least this probability (TPM
        for a Project Manager or a plain Program Manager title, PM for a TPM
        title) and with evidence on at least two of the article's four axes.
        The bundled model's value is chosen out of source for a measured
        precision (see its model card).
    titled_scope_threshold : float or None, default None
        A posting whose title names a TPM, PM or hybrid role, but whose content
        (role names masked) is in scope with a probability under this, reads as
        another role: ``content_label`` "other", flagged as a mismatch. None:
        a title that names the role settles that the posting is in scope.
    cv : int, default 5
        Folds for out-of-fold log-odds when no sources are given.
    random_state : int, default 0
        Seed for folds.
    cues : sequence of Cue or None
        The cue table (None: the built-in ``tpmclassify.CUES``).

    Attributes
    ----------
    classes_ : ndarray of str
        ``["pm", "tpm"]`` or ``["other", "pm", "tpm"]``.
    coef_, intercept_ : ndarray, float
        Role head weights over ``feature_names_`` (zero for the cues of other roles and of context) and intercept,
        in the calibrated log-odds for ``prior_``.
    baseline_, scope_baseline_ : ndarray
        Each head's contributions in a typical training posting, by axis (``space_.axes``): explanations measure a
        posting from it.
    min_evidence_ : float
        The least evidence (sum of the magnitudes of the role head's cue terms) a posting needs to be decided: what
        99% of the training postings carry.
    C_ : float
        The role head's ``C``.
    prior_, training_prior_ : float
        The TPM share the probabilities assume, and the one in the training data.
    scope_coef_, scope_intercept_
        The same for the scope head (None without "other" rows), calibration folded in.
    scope_threshold_ : float
        ``in_scope`` under this makes the label "other".

    Examples
    --------
    >>> clf = TPMClassifier(C=10, cv=2, min_df=1, min_groups=1).fit(
    ...     ["Lead a program across engineering teams; system design and architecture reviews.",
    ...      "Own the program roadmap with engineers; distributed systems and APIs.",
    ...      "Manage the project budget, schedule and client deliverables on site.",
    ...      "Track project tasks, costs and milestones; weekly status reports to the client."],
    ...     ["tpm", "tpm", "pm", "pm"])
    >>> clf.predict(["Architecture reviews with engineering teams for the program"])
    array(['tpm'], dtype=object)
    """

    #: What each parameter may be (scikit-learn's declarative constraints), checked by :meth:`fit` and, for a model
    #: file, by :func:`tpmclassify.load`; the tuples' contents are checked by :meth:`check_params`.
    _parameter_constraints: dict = {
        "C": [Interval(Real, 0, None, closed="neither"), None],
        "C_grid": [tuple],
        "scope_C": [Interval(Real, 0, None, closed="neither")],
        "ngram_max": [Interval(Integral, 1, 5, closed="both")],
        "min_df": [Interval(Integral, 1, None, closed="left")],
        "min_groups": [Interval(Integral, 1, None, closed="left")],
        "max_features": [Interval(Integral, 1, None, closed="left"), None],
        "ngram_scale": [Interval(Real, 0, None, closed="neither")],
        "role_ngram_scale": [Interval(Real, 0, None, closed="left")],
        "mask_rate": [Interval(Real, 0, 1, closed="both")],
        "scope_axes": [tuple],
        "prior": [Interval(Real, PRIOR_MARGIN, 1 - PRIOR_MARGIN, closed="both"), None],
        "review_band": [tuple],
        "scope_threshold": [Interval(Real, 0, 1, closed="both"), None],
        "scope_recall": [Interval(Real, 0, 1, closed="right")],
        "mismatch_confidence": [Interval(Real, 0.5, 1, closed="both")],
        "titled_scope_threshold": [Interval(Real, 0, 1, closed="both"), None],
        "cv": [Interval(Integral, 2, None, closed="left")],
        "random_state": [Interval(Integral, 0, None, closed="left")],
        "cues": [None, "array-like"],
    }

    # fitted attributes (set by fit() or from_state()); the scope head's are None without "other" postings
    coef_: np.ndarray
    intercept_: float
    C_: float
    prior_: float
    training_prior_: float
    scope_coef_: np.ndarray | None
    scope_intercept_: float | None
    scope_threshold_: float | None
    baseline_: np.ndarray
    scope_baseline_: np.ndarray | None
    min_evidence_: float

    def __init__(
        self,
        C: float | None = None,
        C_grid: tuple[float, ...] = (0.3, 1.0, 3.0),
        scope_C: float = 4.0,
        ngram_max: int = 2,
        min_df: int = 3,
        min_groups: int = 3,
        max_features: int | None = 20000,
        ngram_scale: float = 1.0,
        role_ngram_scale: float = 2.0,
        mask_rate: float = 0.5,
        scope_axes: tuple[str, ...] = ("other_role", "role_name"),
        prior: float | None = None,
        review_band: tuple[float, float] = (0.35, 0.65),
        scope_threshold: float | None = None,
        scope_recall: float = 0.9,
        mismatch_confidence: float = 0.8,
        titled_scope_threshold: float | None = None,
        cv: int = 5,
        random_state: int = 0,
        cues: Sequence[Cue] | None = None,
    ) -> None:
        self.C = C
        self.C_grid = C_grid
        self.scope_C = scope_C
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.min_groups = min_groups
        self.max_features = max_features
        self.ngram_scale = ngram_scale
        self.role_ngram_scale = role_ngram_scale
        self.mask_rate = mask_rate
        self.scope_axes = scope_axes
        self.prior = prior
        self.review_band = review_band
        self.scope_threshold = scope_threshold
        self.scope_recall = scope_recall
        self.mismatch_confidence = mismatch_confidence
        self.titled_scope_threshold = titled_scope_threshold
        self.cv = cv
        self.random_state = random_state
        self.cues = cues

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's tags: the input is a sequence of posting texts, not a numeric matrix."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        X: Iterable[str],
        y: Iterable[str],
        groups: Iterable[object] | None = None,
        *,
        progress: bool = False,
    ) -> TPMClassifier:
        """Fit on posting texts and labels ``"tpm"``, ``"pm"`` (and optionally ``"hybrid"``, ``"other"``).

        Parameters
        ----------
        X : sequence of str
            Posting descriptions (not titles: labels usually come from titles).
        y : sequence of str
            Labels (see ``tpmclassify.LABELS``; case and surrounding blanks are ignored). ``"hybrid"`` rows
            (titles used for either role) count as in scope but not as TPM or PM.
        groups : sequence, optional
            Source of each posting (company or data set). Each source then weighs the same, single-source
            wording is kept out of the vocabulary, and out-of-fold scores leave whole sources out.
        progress : bool, default False
            Show a progress bar on standard error, with a time estimate: reading the postings, then each fit of
            the inner folds that choose ``C``, then the scope head's folds.

        Returns
        -------
        TPMClassifier
            ``self``.
        """
        self.check_params()
        texts = _as_texts(X)
        labels = np.asarray(check_labels(y), dtype=object)
        if len(labels) != len(texts):
            raise InvalidValueError(f"X has {len(texts)} postings but y has {len(labels)} labels")
        for need in ROLES:
            if (labels == need).sum() < 2:
                raise InvalidValueError(f"need at least 2 '{need}' postings to train, got {(labels == need).sum()}")
        grp = None if groups is None else np.asarray([str(g) for g in groups], dtype=object)
        if grp is not None and len(grp) != len(texts):
            raise InvalidValueError(f"groups has {len(grp)} entries but X has {len(texts)}")
        if grp is not None and len(set(grp)) < 3:
            grp = None  # too few sources to leave any out or to judge wording by

        from tqdm import tqdm

        with tqdm(total=1, desc="training", unit=" fits", disable=not progress, file=sys.stderr) as bar:
            return self._fit(texts, labels, grp, bar)

    def _fit(self, texts: list[str], labels: np.ndarray, grp: np.ndarray | None, bar: Any) -> TPMClassifier:
        raw_tokens = [tokens_of(t) for t in texts]
        masked_tokens = [tokens_of(mask_role_names(t)) for t in texts]
        vocab, idf = fit_vocabulary(
            [stems_of_tokens(t) for t in masked_tokens],
            self.ngram_max,
            self.min_df,
            None if grp is None else grp.tolist(),
            self.min_groups,
            self.max_features,
        )
        self.cues_ = tuple(CUES if self.cues is None else self.cues)
        self.space_ = FeatureSpace(
            self.cues_,
            vocab,
            idf,
            self.ngram_max,
            ngram_scale=self.ngram_scale,
            display=display_forms(masked_tokens, vocab, self.ngram_max),
        )
        # each posting twice: as written, then masked
        read = self.space_.read_tokens
        Xf = sp.vstack([read(raw_tokens)[0], read(masked_tokens)[0]], format="csr")
        self.feature_names_ = self.space_.names
        bar.update()

        training = Training(Xf, labels, grp, float(self.mask_rate), self.cues_, self.space_, bar)
        role = fit_role(
            training, C=self.C, C_grid=self.C_grid, cv=self.cv, role_ngram_scale=self.role_ngram_scale, prior=self.prior
        )
        self.coef_, self.intercept_, self.C_ = role.coef, role.intercept, role.C
        self.prior_, self.training_prior_, self.baseline_ = role.prior, role.training_prior, role.baseline
        self.min_evidence_ = role.min_evidence
        self.classes_ = np.array(CLASSES, dtype=object)
        self.scope_coef_ = self.scope_intercept_ = self.scope_threshold_ = self.scope_baseline_ = None
        if (labels == OTHER).sum() >= 2:
            self.classes_ = np.array(SCOPED_CLASSES, dtype=object)
            scope = fit_scope(
                training,
                scope_axes=self.scope_axes,
                scope_C=self.scope_C,
                cv=self.cv,
                random_state=self.random_state,
                scope_threshold=self.scope_threshold,
                scope_recall=self.scope_recall,
            )
            self.scope_coef_, self.scope_intercept_ = scope.coef, scope.intercept
            self.scope_baseline_, self.scope_threshold_ = scope.baseline, scope.threshold
        return self

    def check_params(self) -> None:
        """Raise :class:`~tpmclassify.InvalidValueError` naming the first parameter that is not one it may be.

        Examples
        --------
        >>> TPMClassifier(review_band=(0.9, 0.1)).check_params()
        Traceback (most recent call last):
        ...
        tpmclassify._errors.InvalidValueError: review_band must be two probabilities, low then high; got (0.9, 0.1)
        """
        try:
            self._validate_params()
        except ValueError as err:  # scikit-learn's InvalidParameterError
            raise InvalidValueError(str(err)) from None
        grid, band = self.C_grid, self.review_band
        if not grid or not all(isinstance(c, Real) and not isinstance(c, bool) and c > 0 for c in grid):
            raise InvalidValueError(f"C_grid must be a non-empty tuple of positive numbers; got {grid!r}")
        if len(band) != 2 or not all(isinstance(b, Real) and 0 <= b <= 1 for b in band) or band[0] > band[1]:
            raise InvalidValueError(f"review_band must be two probabilities, low then high; got {band!r}")
        unknown = sorted(set(self.scope_axes) - set(AXES))
        if unknown:
            raise InvalidValueError(f"scope_axes has unknown axes {unknown}; the axes are: {', '.join(AXES)}")

    def with_prior(self, prior: float) -> TPMClassifier:
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
        check_is_fitted(self, "coef_")
        new = copy.copy(self)
        new.prior_ = check_prior(prior)
        new.intercept_ = self.intercept_ + logit(new.prior_) - logit(self.prior_)
        new.prior = new.prior_
        return new

    def estimate_prior(self, texts: Iterable[str]) -> float:
        """The TPM share among the in-scope postings of ``texts``, estimated by EM (see :func:`estimate_prior`)."""
        return estimate_prior(self.in_scope_tpm_probabilities(texts), self.prior_)

    def in_scope_tpm_probabilities(self, texts: Iterable[str]) -> np.ndarray:
        """The TPM probabilities of those of ``texts`` that are in scope: what a TPM share is estimated from (a
        batch run with ``prior="auto"`` gathers them chunk by chunk).

        Examples
        --------
        >>> import tpmclassify
        >>> tpmclassify.default_model().in_scope_tpm_probabilities([
        ...     "Registered nurse for our intensive care unit: night shifts, patient care and medication.",
        ...     "Lead a multi-year program across six engineering teams: architecture reviews and technical risks.",
        ... ]).size  # the nurse's posting is not in scope
        1
        """
        check_is_fitted(self, "coef_")
        _, p_tpm, _, in_scope = self._heads(self._features(_as_texts(texts)))
        if in_scope is None or self.scope_threshold_ is None:
            return p_tpm
        return p_tpm[in_scope >= self.scope_threshold_]

    # --------------------------------------------------------------- predicting
    def _cue_coef(self) -> np.ndarray:
        """The role head's weights on the cues of the article's four axes (zero on role names and n-grams): what
        evidence is measured on. A title's role name, or "apply now", says nothing about the job. (Computed once per
        ``coef_``.)"""
        cached = self.__dict__.get("_evidence_coef")
        if cached is not None and cached[0] is self.coef_:
            return cached[1]
        weights = article_weights(self.cues_, self.coef_)
        self.__dict__["_evidence_coef"] = (self.coef_, weights)
        return weights

    def _head_weights(self) -> list[HeadWeights]:
        """Each head's weights (role, then scope if there is one)."""
        heads = [HeadWeights(self.coef_, float(self.intercept_), self.baseline_, *ROLES)]
        if self.scope_coef_ is not None and self.scope_baseline_ is not None and self.scope_intercept_ is not None:
            heads.append(
                HeadWeights(self.scope_coef_, float(self.scope_intercept_), self.scope_baseline_, "in scope", OTHER)
            )
        return heads

    def _batch(self, texts: Sequence[str]) -> Batch:
        """The features and head answers of postings (already checked), shared by their explanations."""
        return Batch(self.space_, self._head_weights(), self._cue_coef(), texts)

    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.space_.transform(texts)

    def _heads(self, Xf: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        role_logit = Xf @ self.coef_ + self.intercept_
        if self.scope_coef_ is None:
            return role_logit, _sigmoid(role_logit), None, None
        scope_logit = Xf @ self.scope_coef_ + self.scope_intercept_
        return role_logit, _sigmoid(role_logit), scope_logit, _sigmoid(scope_logit)

    def predict_proba(self, X: Iterable[str]) -> np.ndarray:
        """Probabilities over ``classes_``: ``P(other)``, ``P(pm)``, ``P(tpm)`` (rows sum to 1).

        With a scope head, ``P(tpm) = in_scope * p_tpm``; without one, the two
        columns are ``1 - p_tpm`` and ``p_tpm``.
        """
        check_is_fitted(self, "coef_")
        _, p_tpm, _, in_scope = self._heads(self._features(_as_texts(X)))
        if in_scope is None:
            return np.column_stack([1 - p_tpm, p_tpm])
        return np.column_stack([1 - in_scope, in_scope * (1 - p_tpm), in_scope * p_tpm])

    def predict(self, X: Iterable[str]) -> np.ndarray:
        """Labels by the one decision rule that :meth:`classify_many` and batch runs use.

        "other" when ``in_scope`` is under ``scope_threshold_``, else "tpm" when the TPM probability is at
        least 0.5, else "pm". (With a scope head this is not always the argmax of :meth:`predict_proba`:
        a posting with ``in_scope`` 0.4 over a threshold of 0.3 is a TPM or PM posting.)
        """
        check_is_fitted(self, "coef_")
        _, p_tpm, _, in_scope = self._heads(self._features(_as_texts(X)))
        scopes = [None] * len(p_tpm) if in_scope is None else in_scope.tolist()
        return np.array([self._label(p, s) for p, s in zip(p_tpm.tolist(), scopes, strict=True)], dtype=object)

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Role-head log-odds of TPM vs PM."""
        check_is_fitted(self, "coef_")
        return self._heads(self._features(_as_texts(X)))[0]

    def _label(self, p_tpm: float, in_scope: float | None) -> str:
        if in_scope is not None and self.scope_threshold_ is not None and in_scope < self.scope_threshold_:
            return OTHER
        return TPM if p_tpm >= 0.5 else PM

    def classify_many(self, texts: Iterable[str], titles: Iterable[object] | None = None) -> list[Prediction]:
        """Classify many postings at once (vectorised; explanations computed on access).

        The label follows the decision rule of :meth:`predict`.

        Parameters
        ----------
        texts : sequence of str
            Posting descriptions.
        titles : sequence of str or None, optional
            Their job titles (None or a blank title: unknown). With a title, the answer also says what the title
            claims (``title_label``), what the text describes with every role name masked so the title cannot
            vote (``content_label``, ``content_tpm_probability``), and whether the two disagree
            (``title_mismatch``); see :class:`Prediction`.
        """
        check_is_fitted(self, "coef_")
        texts = _as_texts(texts)
        if titles is not None:
            if isinstance(titles, str):
                raise PostingTypeError("expected a sequence of titles, got a single str: wrap it in a list")
            titles = [None if _missing(t) else t for t in titles]
            if len(titles) != len(texts):
                raise InvalidValueError(f"{len(texts)} postings but {len(titles)} titles")
            for i, t in enumerate(titles):
                if t is not None and not isinstance(t, str):
                    raise PostingTypeError(
                        f"title {i} must be str or None (or missing: NaN, pd.NA), got {type(t).__name__}"
                    )
        return self._classify(texts, titles)

    def _classify(self, texts: list[str], titles: Sequence[object] | None = None) -> list[Prediction]:
        """:meth:`classify_many` on texts already checked."""
        claims = None if titles is None else [t.strip() if isinstance(t, str) and t.strip() else None for t in titles]
        if claims is not None and any(claims):
            return self._classify_titled(texts, claims)
        return self._predictions(texts)

    def _predictions(
        self, texts: Sequence[str], shown: Sequence[str] | None = None, titled: Sequence[bool] | None = None
    ) -> list[Prediction]:
        """The answers for ``texts``, each giving ``shown[i]`` as its text (the posting its spans index).

        A ``titled`` posting's title says it is a TPM or PM job: its content, read here, only says which, unless it
        reads as no such job at all (in scope under ``titled_scope_threshold``, and never on too little evidence).
        """
        batch = self._batch(texts)
        p_tpm, *scope = batch.probabilities
        scopes = scope[0] if scope else [None] * len(texts)
        out = []
        for i, (p, s) in enumerate(zip(p_tpm, scopes, strict=True)):
            label = self._label(p, s)
            read = batch.role_evidence[i]
            unreadable = self._unreadable(label, read, batch.readable[i])
            threshold = self.scope_threshold_
            if titled is not None and titled[i]:
                threshold = self.titled_scope_threshold
                other = threshold is not None and s is not None and not unreadable and s < threshold
                label = OTHER if other else TPM if p >= 0.5 else PM
                # (text the model cannot read stays unreadable; a TPM or PM answer also needs enough evidence)
                unreadable = unreadable or (label != OTHER and read < self.min_evidence_)
            out.append(
                Prediction(
                    text=texts[i] if shown is None else shown[i],
                    label=label,
                    probabilities={TPM: p, PM: 1.0 - p},
                    in_scope=s,
                    needs_review=self._needs_review(label, p, unreadable),
                    _explain=partial(batch.explanation, i),
                    scope_threshold=threshold,
                    unreadable=unreadable,
                    evidence=read,
                )
            )
        return out

    def _classify_titled(self, texts: list[str], titles: list[str | None]) -> list[Prediction]:
        """The answers of postings with titles: the combined answer (text and title), and the content's own.

        The title is appended after the text, and role names are masked by blanks of their own length, so every
        span of either answer indexes the posting as given (a span past its end is in the title). A hybrid title,
        used for either role, is decided by its content: the answer is the content's own.
        """
        pairs = zip(texts, titles, strict=True)
        out = self._predictions([text if t is None else f"{text}\n{t}" for text, t in pairs])
        claims = [(None, None) if t is None else title_claim(t) for t in titles]
        content = self._predictions(
            [mask_role_names(text) for text in texts],
            shown=texts,
            titled=[claim in TITLED_CLAIMS for _, claim in claims],
        )
        for i, (c, title, (rule, claim)) in enumerate(zip(content, titles, claims, strict=True)):
            if title is not None:
                answer = c if claim == HYBRID else out[i]
                out[i] = dataclasses.replace(
                    answer,
                    title=title,
                    title_label=rule or "",
                    content=c,
                    title_mismatch=contradicts(claim, c, self.mismatch_confidence),
                )
        return out

    def _unreadable(self, label: str, evidence: float, readable: bool) -> bool:
        """Too little to decide from: text the model cannot read (fewer than one in ten of its words known), or a
        TPM or PM answer resting on less evidence than 99% of the training postings carry (an out-of-scope answer
        is the scope head's: the role head may well have nothing to say about a nurse's posting)."""
        return not readable or (label != OTHER and evidence < self.min_evidence_)

    def _needs_review(self, label: str, p_tpm: float, unreadable: bool) -> bool:
        """Unreadable, or in scope with a TPM/PM split inside ``review_band``."""
        lo, hi = self.review_band
        return unreadable or (label != OTHER and lo <= p_tpm <= hi)

    def classify(self, text: str, title: str | None = None) -> Prediction:
        """Classify one posting (optionally with its title); see :meth:`classify_many`."""
        check_text(text)
        return self.classify_many([text], None if title is None else [title])[0]

    def explain(self, text: str) -> tuple[Explanation, Explanation | None]:
        """Role and scope explanations of one posting."""
        check_is_fitted(self, "coef_")
        check_text(text)
        batch = self._batch([text])
        return batch.explanation(0, 0), batch.explanation(0, 1)  # type: ignore[return-value]

    #: Parameters that are tuples (JSON stores them as lists).
    _TUPLE_PARAMS = ("review_band", "scope_axes", "C_grid")

    def to_state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The fitted model as plain data: a JSON-able dict and named float arrays (what persistence writes).

        Examples
        --------
        >>> import tpmclassify
        >>> m = tpmclassify.default_model()
        >>> state, arrays = m.to_state()
        >>> again = TPMClassifier.from_state(state, arrays)
        >>> again.prior_ == m.prior_ and bool((again.coef_ == m.coef_).all())
        True
        """
        check_is_fitted(self, "coef_")
        params = {k: v for k, v in self.get_params().items() if k != "cues"}
        for key in self._TUPLE_PARAMS:
            params[key] = list(params[key])
        state = {
            "params": params,
            "cues": [{"name": c.name, "axis": c.axis, "role": c.role, "phrases": list(c.phrases)} for c in self.cues_],
            "vocabulary": list(self.space_.vocabulary),
            "display": self.space_.display[len(self.cues_) :],
            "intercept": float(self.intercept_),
            "C": self.C_,
            "prior": self.prior_,
            "training_prior": self.training_prior_,
            "scope_intercept": self.scope_intercept_,
            "scope_threshold": self.scope_threshold_,
            "classes": [str(c) for c in self.classes_],
        }
        state["min_evidence"] = self.min_evidence_
        arrays = {"idf": self.space_.idf, "coef": self.coef_, "baseline": self.baseline_}
        if self.scope_coef_ is not None and self.scope_baseline_ is not None:
            arrays["scope_coef"] = self.scope_coef_
            arrays["scope_baseline"] = self.scope_baseline_
        return state, arrays

    @classmethod
    def from_state(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> TPMClassifier:
        """The fitted model from :meth:`to_state`'s data (persistence checks the data first)."""
        params = dict(state["params"])
        for key in cls._TUPLE_PARAMS:
            params[key] = tuple(params[key])
        cues = tuple(Cue(c["name"], c["axis"], c["role"], tuple(c["phrases"])) for c in state["cues"])
        model = cls(**params, cues=cues)
        model.cues_ = cues
        model.space_ = FeatureSpace(
            cues,
            state["vocabulary"],
            arrays["idf"],
            model.ngram_max,
            ngram_scale=model.ngram_scale,
            display=state["display"],
        )
        model.feature_names_ = model.space_.names
        model.classes_ = np.array(state["classes"], dtype=object)
        model.coef_, model.intercept_ = arrays["coef"], float(state["intercept"])
        model.C_, model.prior_, model.training_prior_ = state["C"], state["prior"], state["training_prior"]
        model.scope_coef_ = arrays.get("scope_coef")
        model.baseline_, model.scope_baseline_ = arrays["baseline"], arrays.get("scope_baseline")
        model.min_evidence_ = float(state["min_evidence"])
        model.scope_intercept_ = state["scope_intercept"]
        model.scope_threshold_ = state["scope_threshold"]
        return model
