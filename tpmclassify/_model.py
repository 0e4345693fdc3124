"""The estimator: cue + n-gram features, two linear heads whose probabilities are their own log-odds.

* the **role head** scores TPM against PM from the article's cues (trained on the tpm and pm rows), each cue's
  weight bounded to the side its table row gives (a bounded L-BFGS-B logistic regression), so no cue can say the
  opposite of the article, with a Platt map fitted on out-of-fold log-odds folded into its weights;
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

import sys
from collections.abc import Iterable, Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils._param_validation import Interval

from ._answering import Answering
from ._cues import AXES, TABLE_BOUNDS, Cue, cue_table, within_bounds
from ._errors import InvalidValueError, warn
from ._features import FeatureSpace, display_forms
from ._fitting import ROLE_PARAMS, SCOPE_PARAMS, Training, fit_role, fit_scope, fit_shortfall, least_words
from ._predicting import as_texts, missing
from ._prior import PRIOR_MARGIN, percent_hint
from ._roles import CLASSES, OTHER, ROLES, SCOPED_CLASSES, check_labels
from ._sources import MIN_SOURCES, few_sources, source_names
from ._state import from_state, record_fit, state_params, to_state
from ._text import mask_role_names
from ._titles import claim_confidences
from ._vocabulary import fit_vocabulary
from ._words import stems_of_tokens, tokens_of

__all__ = ["MIN_ROLE_POSTINGS", "TPMClassifier"]

#: The fewest TPM and PM postings (each) a fit takes.
MIN_ROLE_POSTINGS = 2


#: What each parameter may be (scikit-learn's declarative constraints), checked by :meth:`TPMClassifier.fit` and, for a
#: model file, by :func:`tpmclassify.load`; the tuples' contents are checked by :func:`check_tuples`.
PARAMETER_CONSTRAINTS: dict = {
    "C": [Interval(Real, 0, None, closed="neither"), None],
    "C_grid": [tuple],
    "scope_C": [Interval(Real, 0, None, closed="neither")],
    "ngram_max": [Interval(Integral, 1, 5, closed="both")],
    "min_df": [Interval(Integral, 1, None, closed="left")],
    "min_groups": [Interval(Integral, 1, None, closed="left")],
    "max_features": [Interval(Integral, 1, None, closed="left"), None],
    "ngram_scale": [Interval(Real, 0, None, closed="neither")],
    "cue_reference_words": [Interval(Real, 1, 1e6, closed="both"), None],
    "role_ngram_scale": [Interval(Real, 0, None, closed="left")],
    "mask_rate": [Interval(Real, 0, 1, closed="both")],
    "scope_axes": [tuple],
    "prior": [Interval(Real, PRIOR_MARGIN, 1 - PRIOR_MARGIN, closed="both"), None],
    "review_band": [tuple],
    "scope_threshold": [Interval(Real, 0, 1, closed="both"), None],
    "scope_recall": [Interval(Real, 0, 1, closed="right")],
    "mismatch_confidence": [Interval(Real, 0.5, 1, closed="both"), dict],
    "titled_scope_threshold": [Interval(Real, 0, 1, closed="both"), None],
    "cv": [Interval(Integral, 2, None, closed="left")],
    "random_state": [Interval(Integral, 0, None, closed="left")],
    "cues": [None, "array-like"],
}


class TPMClassifier(ClassifierMixin, Answering, BaseEstimator):
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
        Largest n-gram vocabulary (None: every n-gram ``min_df`` and ``min_groups`` keep). A fit that keeps more
        than 200,000, what a model file holds, is refused as soon as they are counted.
    ngram_scale : float, default 1.0
        Multiplier of the n-gram block.
    cue_reference_words : float or None, default 450.0
        Cue counts are read as in a posting of this many words (1 to 1e6): each is multiplied by the square root of
        this over the posting's words (bounded to 0.2 to 5) before ``log1p``, so a short posting's few cues weigh
        more and lacking a typical posting's cues weighs less. None reads counts as written. Like every parameter
        of the reading, it takes effect at :meth:`fit`.
    role_ngram_scale : float, default 2.0
        How strongly the role head may lean on n-grams besides the cues of the four axes: their block is multiplied by
        this in the role head's fit (a larger value, a weaker penalty on their weights); 0 leaves them out.
    mask_rate : float, default 0.5
        Weight of the role-name-masked copy of each training posting (the
        copy as written weighs ``1 - mask_rate``), so the model learns what
        the job is, not just what it is called.
    scope_axes : tuple of str, default ("other_role", "role_name")
        Cue axes the scope head may use besides the n-grams (their cues with
        role ``"none"`` vote for nothing: they only take their words from the
        other cues of their matcher).
    prior : float or None, default None
        The TPM share among TPM and PM postings the probabilities are for;
        None: the share in the training data, each posting counted once (the
        fit itself weighs sources the same; its log-odds are shifted from the
        share that weighting gives to this one). Set on a fitted model, it
        applies at once; see also :meth:`with_prior`.
    review_band : tuple of float, default (0.35, 0.65)
        An in-scope posting whose TPM probability falls in this band needs review.
    scope_threshold : float or None, default None
        ``in_scope`` below this makes the label "other" (set on a fitted
        model, it applies at once: ``model.with_scope_threshold(0.19)`` gives
        a stricter copy, no refit); None picks, during
        :meth:`fit`, the highest threshold that keeps ``scope_recall`` of the
        TPM postings and of the PM postings in scope out-of-fold, counting
        each posting as written and with its role names masked (in scope is a
        filter: it should rarely drop a real TPM or PM posting, even one that
        never names its role).
    scope_recall : float, default 0.9
        The share of TPM and of PM postings the chosen threshold keeps.
    mismatch_confidence : float or dict, default 0.8
        A title is flagged as mismatched when its content, read with every role
        name masked, says the other role with at least this probability (PM
        for a TPM title, TPM for a Project Manager or a plain Program Manager
        title), is not too close to call (outside ``review_band``) and has
        evidence on at least two of the four axes (scope, technical depth,
        strategy vs execution, collaboration; on one of them at least, words of
        the posting's own on that side). One probability for
        every title, or a dict of one per title claim, "tpm", "pm" and
        "program" (1: no title of that claim is flagged).
    titled_scope_threshold : float or None, default None
        A posting whose title names a TPM, PM or hybrid role, but whose content
        (role names masked) is in scope with a probability under this, reads as
        another role: ``content_label`` "other", flagged as a mismatch. None:
        a title that names the role settles that the posting is in scope.
    cv : int, default 5
        Folds for out-of-fold log-odds when no sources are given.
    random_state : int, default 0
        Seed for folds, and for where the windows the shortfall of short texts is measured on fall.
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
    shortfall_ : Shortfall
        How much less a typical text of each length, shorter than a tenth of the TPM and PM training postings,
        contributes to the role head, per axis, than one of that reference length: such a text's log-odds gain it
        (it is measured from a typical whole posting less what its length lacks; see ``tpmclassify._lengths``).
        Empty in a model file before format 7: every text is measured from a typical whole posting.
    min_evidence_ : float
        The least evidence (sum of the magnitudes of the role head's cue terms) a posting needs to be decided: what
        99% of the training postings carry.
    min_words_ : int
        The fewest words (those n-grams are made of: not stop words, numbers or single characters) a posting needs
        to be decided: what 99% of the training postings have, as written or role-masked (the title check reads
        the content masked); 0 in a model file before format 5.
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

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

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
        cue_reference_words: float | None = 450.0,
        role_ngram_scale: float = 2.0,
        mask_rate: float = 0.5,
        scope_axes: tuple[str, ...] = ("other_role", "role_name"),
        prior: float | None = None,
        review_band: tuple[float, float] = (0.35, 0.65),
        scope_threshold: float | None = None,
        scope_recall: float = 0.9,
        mismatch_confidence: float | dict[str, float] = 0.8,
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
        self.cue_reference_words = cue_reference_words
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

    def set_params(self, **params: Any) -> TPMClassifier:
        """Set parameters, as scikit-learn's ``set_params`` does; on a fitted model, ``prior`` applies at once (as
        :meth:`with_prior` does on a copy; None: the training data's share), as ``scope_threshold`` does. The
        parameters of the reading and of the fit take effect at the next :meth:`fit`. The bundled model is shared by
        every call of the process (``tpmclassify.classify`` too): set them on a copy, or use :meth:`with_prior`.

        Examples
        --------
        >>> import copy, tpmclassify
        >>> model = copy.deepcopy(tpmclassify.default_model())
        >>> model.set_params(prior=0.1).prior_
        0.1
        >>> model.set_params(prior=None).prior_ == model.training_prior_
        True
        """
        shifted, before = None, self.prior
        if "prior" in params and "prior_" in self.__dict__:  # (checked before anything is set)
            prior = params["prior"]
            shifted = self.with_prior(self.training_prior_ if prior is None else prior)
        try:
            super().set_params(**params)
        except ValueError:  # (an unknown parameter after it: prior stays the one prior_ is for)
            self.prior = before
            raise
        if shifted is not None:
            self.prior_, self.intercept_ = shifted.prior_, shifted.intercept_
            if "metadata_" in shifted.__dict__:  # (the card's figures say which share they were measured at)
                self.metadata_ = shifted.metadata_
        return self

    #: Labels read as :meth:`fit` reads them (ClassifierMixin's, first in line, compares them as given: "TPM" never
    #: equals "tpm", so a grid search scored every candidate 0).
    score = Answering.score

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
            (titles used for either role) count as in scope but not as TPM or PM; so do ``"unsure"`` ones
            (``tpmclassify.LABEL_ALIASES``).
        groups : sequence, optional
            Source of each posting (company or data set). Each source then weighs the same, single-source
            wording is kept out of the vocabulary, and out-of-fold scores leave whole sources out. A value
            ``owner/repo:path`` is source ``owner/repo`` (as ``train`` and ``evaluate`` read a source column);
            a missing one is a source of its own. Fewer than 3 sources are not used, with a warning.
        progress : bool, default False
            Show a progress bar on standard error, with a time estimate: reading the postings, then each fit of
            the inner folds that choose ``C``, then the scope head's folds.

        Returns
        -------
        TPMClassifier
            ``self``.
        """
        self.check_params()
        texts, labels, grp = _training_data(X, y, groups)
        from tqdm import tqdm

        with tqdm(total=1, desc="training", unit=" fits", disable=not progress, file=sys.stderr) as bar:
            return _fit(self, texts, labels, grp, bar)

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
            raise InvalidValueError(f"{err}{percent_hint(self.prior) if 'prior' in str(err) else ''}") from None
        check_tuples(self.C_grid, self.review_band, self.scope_axes)
        claim_confidences(self.mismatch_confidence)
        if self.cues is not None and not within_bounds([p for c in self.cues for p in getattr(c, "phrases", ())]):
            raise InvalidValueError(f"cues: the cue table exceeds what a model file holds ({TABLE_BOUNDS})")

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
        return to_state(self)

    @classmethod
    def from_state(cls, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> TPMClassifier:
        """The fitted model from :meth:`to_state`'s data (persistence checks the data first)."""
        return from_state(cls(**state_params(state)), state, arrays)


def _training_data(
    X: Iterable[str], y: Iterable[str], groups: Iterable[object] | None
) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """:meth:`TPMClassifier.fit`'s input, checked: the texts, the labels and the sources (None: fewer than 3)."""
    texts = as_texts(X)
    labels = np.asarray(check_labels(["" if missing(v) else v for v in y], titles=False), dtype=object)
    if len(labels) != len(texts):
        raise InvalidValueError(f"X has {len(texts)} postings but y has {len(labels)} labels")
    for need in ROLES:
        if (labels == need).sum() < MIN_ROLE_POSTINGS:
            raise InvalidValueError(
                f"need at least {MIN_ROLE_POSTINGS} '{need}' postings to train, got {(labels == need).sum()}"
            )
    grp = None if groups is None else np.asarray(source_names(groups), dtype=object)
    if grp is not None and len(grp) != len(texts):
        raise InvalidValueError(f"groups has {len(grp)} entries but X has {len(texts)}")
    if grp is not None and len(set(grp)) < MIN_SOURCES:  # too few sources to leave any out or to judge wording by
        warn(few_sources(len(set(grp))))
        grp = None
    return texts, labels, grp


def _fit(model: TPMClassifier, texts: list[str], labels: np.ndarray, grp: np.ndarray | None, bar: Any) -> TPMClassifier:
    """Fit ``model``'s feature space and heads on checked data (see :meth:`TPMClassifier.fit`)."""
    raw_tokens = [tokens_of(t) for t in texts]
    masked_tokens = [tokens_of(mask_role_names(t)) for t in texts]
    vocab, idf = fit_vocabulary(
        [stems_of_tokens(t) for t in masked_tokens],
        model.ngram_max,
        model.min_df,
        None if grp is None else grp.tolist(),
        model.min_groups,
        model.max_features,
    )
    model.cues_ = cue_table(model.cues)
    model.space_ = FeatureSpace(
        model.cues_,
        vocab,
        idf,
        model.ngram_max,
        ngram_scale=model.ngram_scale,
        display=display_forms(masked_tokens, vocab, model.ngram_max),
        reference_words=model.cue_reference_words,
    )
    # each posting twice: as written, then masked
    read = model.space_.read_tokens
    (X_raw, found_raw), (X_masked, found_masked) = read(raw_tokens), read(masked_tokens)
    Xf = sp.vstack([X_raw, X_masked], format="csr")
    counts = model.space_.word_counts
    masked_words = counts(found_masked)
    model.min_words_ = least_words(np.concatenate([counts(found_raw), masked_words]))
    model.feature_names_ = model.space_.names
    bar.update()

    training = Training(Xf, labels, grp, float(model.mask_rate), model.cues_, model.space_, bar)
    params = model.get_params()
    role = fit_role(training, **{k: params[k] for k in ROLE_PARAMS})
    model.coef_, model.intercept_, model.C_ = role.coef, role.intercept, role.C
    model.prior_, model.training_prior_, model.baseline_ = role.prior, role.training_prior, role.baseline
    model.min_evidence_ = role.min_evidence
    model.shortfall_ = fit_shortfall(
        model.space_, masked_tokens, masked_words, labels, grp, role.coef, model.random_state
    )
    model.classes_ = np.array(CLASSES, dtype=object)
    model.scope_coef_ = model.scope_intercept_ = model.scope_threshold_ = model.scope_baseline_ = None
    if (labels == OTHER).sum() >= 2:
        model.classes_ = np.array(SCOPED_CLASSES, dtype=object)
        scope = fit_scope(training, **{k: params[k] for k in SCOPE_PARAMS})
        model.scope_coef_, model.scope_intercept_ = scope.coef, scope.intercept
        model.scope_baseline_, model.scope_threshold_ = scope.baseline, scope.threshold
    record_fit(model)
    return model


def check_tuples(C_grid: tuple[float, ...], review_band: tuple[float, float], scope_axes: tuple[str, ...]) -> None:
    """What scikit-learn's constraints cannot say of the tuple parameters' contents."""
    grid, band = C_grid, review_band
    if not grid or not all(isinstance(c, Real) and not isinstance(c, bool) and c > 0 for c in grid):
        raise InvalidValueError(f"C_grid must be a non-empty tuple of positive numbers; got {grid!r}")
    if len(band) != 2 or not all(isinstance(b, Real) and 0 <= b <= 1 for b in band) or band[0] > band[1]:
        raise InvalidValueError(f"review_band must be two probabilities, low then high; got {band!r}")
    unknown = sorted(set(scope_axes) - set(AXES))
    if unknown:
        raise InvalidValueError(f"scope_axes has unknown axes {unknown}; the axes are: {', '.join(AXES)}")
