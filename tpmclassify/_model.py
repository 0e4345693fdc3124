"""The estimator: cue + n-gram features, two calibrated linear heads.

* the **role head** scores TPM against PM (trained on the tpm and pm rows);
* the **scope head** scores "TPM or PM at all" against every other role
  (trained on all rows, when the training data has "other" rows).

Each head is one logistic regression followed by a Platt map
``p = sigmoid(a * logit + b)`` (``a > 0``) fitted on out-of-fold logits, so the
probabilities are calibrated and the explanation identity
``intercept + sum(coef * x) == logit`` holds exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cached_property, partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold, cross_val_predict
from sklearn.utils.validation import check_is_fitted

from ._cues import CUES, Cue
from ._explain import Explanation, Prediction
from ._features import FeatureSpace, display_forms, fit_vocabulary, stems_of_tokens, tokens_of
from ._text import check_text, mask_role_names

__all__ = ["TPMClassifier"]


def _as_texts(X: object) -> list[str]:
    if isinstance(X, str):
        raise TypeError("expected a sequence of posting texts, got a single str: wrap it in a list")
    if hasattr(X, "ndim") and getattr(X, "ndim", 1) > 1:
        X = np.asarray(X).ravel()
    texts = list(X)  # type: ignore[call-overload]
    for i, t in enumerate(texts):
        try:
            check_text(t)
        except (TypeError, ValueError) as err:
            raise type(err)(f"posting {i}: {err}") from None
    return texts


def _platt(logits: np.ndarray, y: np.ndarray, balanced: bool) -> tuple[float, float]:
    """Fit ``p = sigmoid(a * logit + b)``; ``a`` is kept positive so the map is monotone."""
    lr = LogisticRegression(C=1e4, class_weight="balanced" if balanced else None)
    lr.fit(logits.reshape(-1, 1), y)
    a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
    if a <= 1e-3:  # out-of-fold scores carried no signal: keep the map monotone and flat-ish
        a = 1e-3
    return a, b


class TPMClassifier(ClassifierMixin, BaseEstimator):
    """Classify job postings as TPM, PM or (optionally) another role.

    Parameters
    ----------
    C : float, default 0.5
        Inverse regularisation strength of the role (TPM vs PM) head.
    scope_C : float, default 1.0
        Inverse regularisation strength of the scope (in scope vs other) head.
    features : {"both", "cues", "ngrams"}, default "both"
        Which feature blocks to use.
    ngram_max : int, default 2
        Longest stemmed word n-gram.
    min_df : int, default 3
        Minimum number of postings an n-gram must occur in.
    min_groups : int, default 3
        With ``groups`` given to :meth:`fit`, minimum number of distinct sources
        an n-gram must occur in (keeps one company's boilerplate out).
    max_features : int or None, default 20000
        Largest n-gram vocabulary.
    cue_scale, ngram_scale : float, default 1.0 and 0.5
        Multipliers of the cue and n-gram blocks.
    mask_rate : float, default 0.5
        Share of training postings whose role names are masked, so the model
        learns what the job is, not just what it is called.
    scope_axes : tuple of str, default ("other_role", "role_name")
        Cue axes the scope head may use besides the n-grams: other role
        families and role names ("program manager" without "technical" is a
        strong out-of-scope cue). The TPM/PM axes describe how the two roles
        differ, not whether a posting is one of them (a non-technical program
        manager matches "program" cues too); measured source-grouped, they
        make the scope head worse.
    review_band : tuple of float, default (0.35, 0.65)
        An in-scope posting whose TPM probability falls in this band needs review.
    scope_threshold : float or None, default None
        ``in_scope`` below this makes the label "other"; None picks the
        threshold that maximises out-of-fold F1 during :meth:`fit` (TPM rows weighted like PM rows).
    cv : int, default 5
        Folds for the out-of-fold logits the calibration is fitted on.
    random_state : int, default 0
        Seed for masking and folds.
    cues : sequence of Cue or None
        The cue table (None: the built-in ``tpmclassify.CUES``).

    Attributes
    ----------
    classes_ : ndarray of str
        ``["pm", "tpm"]`` or ``["other", "pm", "tpm"]``.
    coef_, intercept_ : ndarray, float
        Role head weights over ``feature_names_``.
    calibration_ : tuple of float
        Platt map ``(a, b)`` of the role head.
    scope_coef_, scope_intercept_, scope_calibration_
        The same for the scope head (None without "other" rows).
    scope_threshold_ : float
        ``in_scope`` under this makes the label "other".

    Examples
    --------
    >>> clf = TPMClassifier(cv=2, min_df=1, min_groups=1).fit(
    ...     ["Lead a program across engineering teams; system design and architecture reviews.",
    ...      "Own the program roadmap with engineers; distributed systems and APIs.",
    ...      "Manage the project budget, schedule and client deliverables on site.",
    ...      "Track project tasks, costs and milestones; weekly status reports to the client."],
    ...     ["tpm", "tpm", "pm", "pm"])
    >>> clf.predict(["Architecture reviews with engineering teams for the program"])
    array(['tpm'], dtype=object)
    """

    def __init__(
        self,
        C: float = 0.5,
        scope_C: float = 1.0,
        features: str = "both",
        ngram_max: int = 2,
        min_df: int = 3,
        min_groups: int = 3,
        max_features: int | None = 20000,
        cue_scale: float = 1.0,
        ngram_scale: float = 0.5,
        mask_rate: float = 0.5,
        scope_axes: tuple[str, ...] = ("other_role", "role_name"),
        review_band: tuple[float, float] = (0.35, 0.65),
        scope_threshold: float | None = None,
        cv: int = 5,
        random_state: int = 0,
        cues: Sequence[Cue] | None = None,
    ) -> None:
        self.C = C
        self.scope_C = scope_C
        self.features = features
        self.ngram_max = ngram_max
        self.min_df = min_df
        self.min_groups = min_groups
        self.max_features = max_features
        self.cue_scale = cue_scale
        self.ngram_scale = ngram_scale
        self.mask_rate = mask_rate
        self.scope_axes = scope_axes
        self.review_band = review_band
        self.scope_threshold = scope_threshold
        self.cv = cv
        self.random_state = random_state
        self.cues = cues

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Iterable[str], y: Iterable[str], groups: Iterable[object] | None = None) -> TPMClassifier:
        """Fit on posting texts and labels ``"tpm"``, ``"pm"`` (and optionally ``"other"``).

        Parameters
        ----------
        X : sequence of str
            Posting descriptions (not titles: labels usually come from titles).
        y : sequence of str
            Labels.
        groups : sequence, optional
            Source of each posting (company or data set). Used to keep
            single-source wording out of the vocabulary and for grouped folds.

        Returns
        -------
        TPMClassifier
            ``self``.
        """
        if self.features not in ("both", "cues", "ngrams"):
            raise ValueError(f"features must be 'both', 'cues' or 'ngrams', got {self.features!r}")
        texts = _as_texts(X)
        labels = np.asarray([str(v).strip().lower() for v in y], dtype=object)
        if len(labels) != len(texts):
            raise ValueError(f"X has {len(texts)} postings but y has {len(labels)} labels")
        unknown = sorted(set(labels) - {"tpm", "pm", "other"})
        if unknown:
            raise ValueError(f"labels must be 'tpm', 'pm' or 'other'; found {unknown}")
        for need in ("tpm", "pm"):
            if (labels == need).sum() < 2:
                raise ValueError(f"need at least 2 '{need}' postings to train, got {(labels == need).sum()}")
        grp = None if groups is None else np.asarray(list(groups), dtype=object)
        if grp is not None and len(grp) != len(texts):
            raise ValueError(f"groups has {len(grp)} entries but X has {len(texts)}")

        rng = np.random.default_rng(self.random_state)
        masked = rng.random(len(texts)) < self.mask_rate
        token_lists = [tokens_of(mask_role_names(t) if m else t) for t, m in zip(texts, masked, strict=True)]
        stem_lists = [stems_of_tokens(tokens) for tokens in token_lists]

        use_ngrams = self.features != "cues"
        if use_ngrams:
            use_groups = grp is not None and len(set(grp)) >= self.min_groups
            vocab, idf = fit_vocabulary(
                stem_lists, self.ngram_max, self.min_df, grp if use_groups else None, self.min_groups,
                self.max_features,
            )
        else:
            vocab, idf = [], np.zeros(0)
        self.cues_ = tuple(CUES if self.cues is None else self.cues)
        self.space_ = FeatureSpace(
            self.cues_, vocab, idf, self.ngram_max,
            cue_scale=0.0 if self.features == "ngrams" else self.cue_scale,
            ngram_scale=self.ngram_scale if use_ngrams else 0.0,
            display=display_forms(token_lists, vocab, self.ngram_max),
        )
        Xf = self.space_.transform(token_lists)
        self.feature_names_ = self.space_.names
        self.n_features_in_ = 1

        role = labels != "other"
        y_role = (labels[role] == "tpm").astype(int)
        g_role = None if grp is None else grp[role]
        self.coef_, self.intercept_, self.calibration_ = self._fit_head(Xf[role], y_role, g_role, self.C, True)

        self.classes_ = np.array(["pm", "tpm"], dtype=object)
        self.scope_coef_ = self.scope_intercept_ = self.scope_calibration_ = self.scope_threshold_ = None
        if (~role).sum() >= 2:
            self.classes_ = np.array(["other", "pm", "tpm"], dtype=object)
            self._fit_scope(Xf, labels, grp)
        return self

    def _fit_scope(self, Xf: sp.csr_matrix, labels: np.ndarray, grp: np.ndarray | None) -> None:
        """The scope head: TPM or PM postings against every other role.

        TPM postings are scarce and read like engineering or product postings: unweighted, "in scope" would
        learn to mean "PM-like". They are weighted up to the PM postings, in the fit and in the threshold.
        """
        n_cues = len(self.cues_)
        cols = np.array(
            [j for j, c in enumerate(self.cues_) if c.axis in self.scope_axes] + list(range(n_cues, Xf.shape[1])),
            dtype=np.int64,
        )
        y = (labels != "other").astype(int)
        n_tpm, n_pm = (labels == "tpm").sum(), (labels == "pm").sum()
        weight = np.where(labels == "tpm", n_pm / n_tpm, 1.0)
        coef, self.scope_intercept_, self.scope_calibration_, oof = self._fit_head(
            Xf[:, cols], y, grp, self.scope_C, False, return_oof=True, sample_weight=weight
        )
        self.scope_coef_ = np.zeros(Xf.shape[1])
        self.scope_coef_[cols] = coef
        self.scope_threshold_ = (
            self._best_threshold(oof, y, weight) if self.scope_threshold is None else float(self.scope_threshold)
        )

    def _folds(self, y: np.ndarray, groups: np.ndarray | None) -> object:
        n_splits = max(2, min(self.cv, int(np.bincount(y).min())))
        if groups is not None and len(set(groups)) >= n_splits:
            return StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
        return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)

    def _fit_head(self, Xf, y, groups, C, balanced_calibration, return_oof=False, sample_weight=None):  # type: ignore[no-untyped-def]
        lr = LogisticRegression(C=C, class_weight="balanced", max_iter=5000)
        cv = self._folds(y, groups)
        params = {} if sample_weight is None else {"sample_weight": sample_weight}
        oof_logit = cross_val_predict(lr, Xf, y, groups=groups, cv=cv, method="decision_function", params=params)
        a, b = _platt(oof_logit, y, balanced_calibration)
        lr.fit(Xf, y, **params)
        out = (lr.coef_[0].astype(float), float(lr.intercept_[0]), (a, b))
        if return_oof:
            return (*out, 1.0 / (1.0 + np.exp(-(a * oof_logit + b))))
        return out

    @staticmethod
    def _best_threshold(p: np.ndarray, y: np.ndarray, weight: np.ndarray) -> float:
        """The threshold with the best weighted out-of-fold F1 (TPM postings weighted like PM ones)."""
        best, best_f1 = 0.5, -1.0
        pos = y == 1
        for t in np.linspace(0.05, 0.95, 91):
            pred = p >= t
            tp = float(weight[pred & pos].sum())
            f1 = 2 * tp / max(1e-12, float(weight[pred].sum() + weight[pos].sum()))
            if f1 > best_f1 + 1e-12:
                best, best_f1 = float(t), f1
        return round(best, 2)

    # --------------------------------------------------------------- predicting
    def _features(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self.space_.transform(tokens_of(t) for t in texts)

    def _heads(self, Xf: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        role_logit = Xf @ self.coef_ + self.intercept_
        a, b = self.calibration_
        p_tpm = 1.0 / (1.0 + np.exp(-(a * role_logit + b)))
        if self.scope_coef_ is None:
            return role_logit, p_tpm, None, None
        scope_logit = Xf @ self.scope_coef_ + self.scope_intercept_
        a, b = self.scope_calibration_
        return role_logit, p_tpm, scope_logit, 1.0 / (1.0 + np.exp(-(a * scope_logit + b)))

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
        """Labels: the most probable class of :meth:`predict_proba`."""
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]

    def decision_function(self, X: Iterable[str]) -> np.ndarray:
        """Role-head log-odds of TPM vs PM."""
        check_is_fitted(self, "coef_")
        return self._heads(self._features(_as_texts(X)))[0]

    def _label(self, p_tpm: float, in_scope: float | None) -> str:
        if in_scope is not None and self.scope_threshold_ is not None and in_scope < self.scope_threshold_:
            return "other"
        return "tpm" if p_tpm >= 0.5 else "pm"

    def classify_many(self, texts: Iterable[str]) -> list[Prediction]:
        """Classify many postings at once (vectorised; explanations computed on access).

        Unlike :meth:`predict`, the label follows the documented decision rule:
        "other" when ``in_scope`` is under ``scope_threshold_``, else the more
        probable of TPM and PM.
        """
        check_is_fitted(self, "coef_")
        return self._classify(_as_texts(texts))

    def _classify(self, texts: list[str]) -> list[Prediction]:
        """:meth:`classify_many` on texts already checked."""
        batch = _Batch(self, texts)
        lo, hi = self.review_band
        p_tpm, *scope = batch.probabilities
        scopes = scope[0] if scope else [None] * len(texts)
        out = []
        for i, (text, p, s) in enumerate(zip(texts, p_tpm, scopes, strict=True)):
            label = self._label(p, s)
            out.append(
                Prediction(
                    text=text,
                    label=label,
                    probabilities={"tpm": p, "pm": 1.0 - p},
                    in_scope=s,
                    needs_review=label != "other" and lo <= p <= hi,
                    _explain=partial(batch.explanation, i),
                    scope_threshold=self.scope_threshold_,
                )
            )
        return out

    def classify(self, text: str) -> Prediction:
        """Classify one posting; see :meth:`classify_many`."""
        check_text(text)
        return self.classify_many([text])[0]

    def explain(self, text: str) -> tuple[Explanation, Explanation | None]:
        """Role and scope explanations of one posting."""
        check_is_fitted(self, "coef_")
        check_text(text)
        batch = _Batch(self, [text])
        return batch.explanation(0, 0), batch.explanation(0, 1)  # type: ignore[return-value]

    def classify_frame(self, df, text_column: str | None = None, **kwargs):  # type: ignore[no-untyped-def]
        """Classify a DataFrame with this model; see :func:`tpmclassify.classify_frame`."""
        from ._batch import classify_frame

        return classify_frame(df, text_column, model=self, **kwargs)

    def save(self, path, *, extra=None, card: bool = True) -> str:  # type: ignore[no-untyped-def]
        """Save atomically (with a Markdown model card beside it); return the file's SHA-256.

        See :func:`tpmclassify.load` for loading, which never runs code from the file.
        """
        from ._card import write_card
        from ._persist import save

        digest = save(self, path, extra=extra)
        if card:
            write_card(self, path, digest)
        return digest


class _Batch:
    """The features of one :meth:`TPMClassifier.classify_many` call, shared by its predictions' explanations.

    What every explanation needs (each feature's contribution, its axis and side, per-axis sums) is computed
    for the whole batch in a few vectorised steps, the first time any explanation of the batch is asked for.
    """

    def __init__(self, model: TPMClassifier, texts: Sequence[str]) -> None:
        self.model, self.texts = model, texts
        self.Xf = model._features(texts)
        role_logit, p_tpm, scope_logit, in_scope = model._heads(self.Xf)
        # per head (role, then scope if the model has one): log-odds and calibrated probability of each posting
        self.logits = [x.tolist() for x in (role_logit, scope_logit) if x is not None]
        self.probabilities = [x.tolist() for x in (p_tpm, in_scope) if x is not None]
        self._found: dict[int, dict] = {}

    @cached_property
    def _contributions(self) -> list[tuple[np.ndarray, np.ndarray, list[list[float]], list[list[bool]]]]:
        """Per head: contributions (aligned with ``Xf.data``), their axis-and-side keys, per-row axis sums."""
        model, Xf = self.model, self.Xf
        space = model.space_
        n_axes = len(space.axes)
        axis_ids = space.axis_of[Xf.indices]
        cell = np.repeat(np.arange(Xf.shape[0]), np.diff(Xf.indptr)) * n_axes + axis_ids
        out = []
        for coef in [model.coef_] + ([] if model.scope_coef_ is None else [model.scope_coef_]):
            weights = Xf.data * coef[Xf.indices]
            nonzero = weights != 0.0
            keys = np.where(nonzero, axis_ids * 2 + (weights > 0), -1)
            size = Xf.shape[0] * n_axes
            sums = np.bincount(cell, weights=weights, minlength=size).reshape(-1, n_axes)
            present = np.bincount(cell, weights=nonzero, minlength=size).reshape(-1, n_axes) > 0
            out.append((weights, keys, sums.tolist(), present.tolist()))
        return out

    def evidence(self, i: int) -> dict:
        """The words and spans behind posting ``i``'s features (found once, shared by both explanations)."""
        found = self._found.get(i)
        if found is None:
            found = self._found[i] = self.model.space_.evidence(self.texts[i])
        return found

    def explanation(self, i: int, head: int) -> Explanation | None:
        """Posting ``i``'s explanation by the role head (0) or the scope head (1; None without one)."""
        if head >= len(self.logits):
            return None
        model = self.model
        weights, keys, sums, present = self._contributions[head]
        intercept, positive, negative = (
            (model.intercept_, "tpm", "pm") if head == 0 else (model.scope_intercept_, "in scope", "other")
        )
        a, b = self.Xf.indptr[i], self.Xf.indptr[i + 1]
        return Explanation(
            logit=self.logits[head][i],
            intercept=float(intercept),
            positive=positive,
            negative=negative,
            probability=self.probabilities[head][i],
            columns=self.Xf.indices[a:b],
            weights=weights[a:b],
            keys=keys[a:b],
            axis_sums=(sums[i], present[i]),
            space=model.space_,
            evidence=partial(self.evidence, i),
        )
