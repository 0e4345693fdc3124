"""The baselines a model is judged against: the keyword yardstick and a plain TF-IDF + logistic regression.

Both take raw texts and expose ``classes_`` and ``predict_proba`` in the layout of
:class:`~tpmclassify.TPMClassifier`, so :func:`~tpmclassify.evaluate` measures them as it measures the model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

from ._roles import CLASSES, OTHER, ROLES, SCOPED_CLASSES, TPM

__all__ = ["KeywordBaseline", "PlainTfidfBaseline"]


class KeywordBaseline(ClassifierMixin, BaseEstimator):
    """The keyword yardstick: logistic regression on ``log(1 + count)`` of 41 hand-picked words.

    The plain model every other must beat (the project's ``shared/tools/yardstick.py`` defines it; this is the
    same model): counts are substring counts in the lower-cased text, the regression is unweighted and trained on
    the TPM and PM rows only. It has no scope head. :func:`evaluate` refits it on role-masked text for the masked
    figures, as the yardstick does.

    Examples
    --------
    >>> kw = KeywordBaseline().fit(["software architecture program", "budget and schedule for the client"] * 2,
    ...                            ["tpm", "pm"] * 2)
    >>> kw.predict(["architecture of the platform"])
    array(['tpm'], dtype=object)
    """

    TPM_WORDS = (
        "technical",
        "engineering",
        "engineer",
        "architecture",
        "system",
        "software",
        "infrastructure",
        "program",
        "programs",
        "cross-functional",
        "cross functional",
        "strategy",
        "strategic",
        "roadmap",
        "multiple teams",
        "across teams",
        "launch",
        "platform",
        "api",
        "technical background",
        "computer science",
    )
    PM_WORDS = (
        "budget",
        "schedule",
        "resources",
        "resource allocation",
        "scope",
        "timeline",
        "tasks",
        "pmp",
        "client",
        "construction",
        "deliverables",
        "status report",
        "gantt",
        "ms project",
        "cost",
        "vendor",
        "site",
        "contract",
        "procurement",
        "project plan",
    )
    fit_masked_separately = True

    def _x(self, X: Sequence[str]) -> np.ndarray:
        words = self.TPM_WORDS + self.PM_WORDS
        return np.log1p(np.array([[str(t).lower().count(w) for w in words] for t in X], dtype=float))

    def fit(self, X: Sequence[str], y: Sequence[str]) -> KeywordBaseline:
        labels = np.asarray(list(y), dtype=object)
        role = np.isin(labels, ROLES)
        self.lr_ = LogisticRegression(max_iter=2000).fit(
            self._x(list(np.asarray(list(X), dtype=object)[role])), labels[role] == TPM
        )
        self.classes_ = np.array(CLASSES, dtype=object)
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        p = self.lr_.predict_proba(self._x(list(X)))[:, 1]
        return np.column_stack([1 - p, p])

    def predict(self, X: Sequence[str]) -> np.ndarray:
        return self.classes_[(self.predict_proba(X)[:, 1] >= 0.5).astype(int)]


class PlainTfidfBaseline(ClassifierMixin, BaseEstimator):
    """The plain baseline: word TF-IDF + logistic regression, one per question.

    One pipeline scores TPM vs PM (trained on those rows), another in-scope vs
    other (trained on all rows, when there are "other" rows). Same probability
    layout as :class:`~tpmclassify.TPMClassifier`.

    Parameters
    ----------
    balanced : bool, default True
        Weight classes inversely to their frequency (without it, the scarce TPM
        class is almost never predicted).
    """

    def __init__(self, balanced: bool = True) -> None:
        self.balanced = balanced

    def _pipe(self) -> Pipeline:
        weight = "balanced" if self.balanced else None
        return make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(class_weight=weight, max_iter=2000))

    def fit(self, X: Sequence[str], y: Sequence[str], groups: object = None) -> PlainTfidfBaseline:
        texts, labels = np.asarray(list(X), dtype=object), np.asarray(list(y), dtype=object)
        role = labels != OTHER
        both = np.isin(labels, ROLES)
        self.role_ = self._pipe().fit(texts[both], labels[both] == TPM)
        self.scope_ = self._pipe().fit(texts, role) if (~role).any() else None
        self.classes_ = np.array(SCOPED_CLASSES if self.scope_ else CLASSES, dtype=object)
        return self

    def predict_proba(self, X: Sequence[str]) -> np.ndarray:
        X = list(X)
        p = self.role_.predict_proba(X)[:, 1]
        if self.scope_ is None:
            return np.column_stack([1 - p, p])
        s = self.scope_.predict_proba(X)[:, 1]
        return np.column_stack([1 - s, s * (1 - p), s * p])
