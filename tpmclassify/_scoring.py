"""Scoring a batch of postings: each head's log-odds and probability, and what their explanations need.

The features of a batch are computed once; what every explanation needs (each feature's contribution, its axis and
side, per-axis sums measured from a typical posting) is computed for the whole batch in a few vectorised steps, the
first time any explanation of the batch is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property, partial
from typing import Any, NamedTuple

import numpy as np

from ._explain import Explanation, Scored
from ._features import FeatureSpace
from ._heads import evidence, sigmoid
from ._text import verbatim

__all__ = ["Batch", "HeadWeights"]

#: A text fewer than this share of whose words (those n-grams are made of) the model knows carries no evidence: the
#: training postings' least is 0.09 (mostly Spanish), random characters' 0.04.
MIN_KNOWN = 0.1


class HeadWeights(NamedTuple):
    """One linear head: its weights over the features, intercept and baseline (its contributions in a typical
    training posting, by axis), and the names of the sides its positive and negative log-odds point to."""

    coef: np.ndarray
    intercept: float
    baseline: np.ndarray
    positive: str
    negative: str


class Batch:
    """The features of one batch of postings and each head's answers, shared by the predictions' explanations."""

    def __init__(
        self, space: FeatureSpace, heads: Sequence[HeadWeights], evidence_coef: np.ndarray, texts: Sequence[str]
    ) -> None:
        self.space, self.heads, self.texts = space, heads, texts
        self.Xf, self.found = space.read(texts)
        # per head (role, then scope if the model has one): log-odds and calibrated probability of each posting
        logits = [self.Xf @ h.coef + h.intercept for h in heads]
        self.logits = [x.tolist() for x in logits]
        self.probabilities = [sigmoid(x).tolist() for x in logits]
        # what each posting's words say to the role head
        # (none, when fewer than one in ten of its words is a word the model knows: random characters, another
        # language; a cue found there is chance)
        self.readable = (space.known_share(self.found) >= MIN_KNOWN).tolist()
        self.role_evidence = np.where(self.readable, evidence(self.Xf, evidence_coef), 0.0).tolist()
        self.words = space.word_counts(self.found).tolist()  # those n-grams are made of
        self._evidence: dict[int, dict] = {}
        self._lowered: dict[int, str] = {}  # each quoted posting, lower-cased once
        self._heads: dict[int, _Head] = {}  # each head's contributions, once asked for

    @cached_property
    def _layout(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[int]]:
        """Where each entry of ``Xf`` sits (its axis, row, and row-and-axis cell) and which entries are cues, with each
        row's first cue entry: what every head's contributions are laid out by."""
        Xf, space = self.Xf, self.space
        axis_ids = space.axis_of[Xf.indices]
        row = np.repeat(np.arange(Xf.shape[0]), np.diff(Xf.indptr))
        cue_entries = np.flatnonzero(Xf.indices < len(space.cues))
        cue_ptr = np.searchsorted(row[cue_entries], np.arange(Xf.shape[0] + 1)).tolist()
        return axis_ids, row, row * len(space.axes) + axis_ids, cue_entries, cue_ptr

    def _contributions(self, head: int) -> _Head:
        """What head ``head``'s explanations need, for every posting of the batch at once (computed the first time
        one of them is asked for: a batch's reasons mostly need only the role head's)."""
        found = self._heads.get(head)
        if found is not None:
            return found
        Xf, n_axes = self.Xf, len(self.space.axes)
        axis_ids, row, cell, cue_entries, cue_ptr = self._layout
        coef, baseline = self.heads[head].coef, self.heads[head].baseline
        weights = Xf.data * coef[Xf.indices]
        nonzero = weights != 0.0
        size = Xf.shape[0] * n_axes
        # each axis measured from a typical posting: its terms, less the baseline's
        sums = np.bincount(cell, weights=weights, minlength=size).reshape(-1, n_axes) - baseline
        present = (np.bincount(cell, weights=nonzero, minlength=size).reshape(-1, n_axes) > 0) | (baseline != 0)
        order = np.argsort(-np.abs(sums), axis=1, kind="stable")  # each row's axes, largest total first
        # each row's cue entries: by row, then strongest first, then column (as they are within a row: a stable sort)
        ranked = cue_entries[np.lexsort((-np.abs(weights[cue_entries]), row[cue_entries]))]
        strength = weights[ranked]
        keys = np.where(strength != 0.0, axis_ids[ranked] * 2 + (strength > 0), -1)
        found = self._heads[head] = _Head(
            weights,
            sums.tolist(),
            present.tolist(),
            order.tolist(),
            Xf.indices[ranked].tolist(),
            keys.tolist(),
            cue_ptr,
        )
        return found

    def evidence(self, i: int) -> dict:
        """The words and spans behind posting ``i``'s features (found once, shared by both explanations)."""
        found = self._evidence.get(i)
        if found is None:
            found = self._evidence[i] = self.space.matches(self.texts[i])
        return found

    def quotes(self, i: int, columns: frozenset[int]) -> dict[int, str]:
        """The posting's own words behind some of posting ``i``'s features, as it writes them (first occurrence)."""
        words = self.space.quotes(self.found, i, columns)
        text = self.texts[i]
        lowered = self._lowered.get(i)
        if lowered is None:
            lowered = self._lowered[i] = text.lower()
        return {j: verbatim(text, w, lowered) or w for j, w in words.items()}

    def explanation(self, i: int, head: int) -> Explanation | None:
        """Posting ``i``'s explanation by the role head (0) or the scope head (1; None without one)."""
        if head >= len(self.heads):
            return None
        weights = self.heads[head]
        h = self._contributions(head)
        a, b = self._indptr[i], self._indptr[i + 1]
        c, d = h.cue_ptr[i], h.cue_ptr[i + 1]
        return Explanation(
            Scored(
                logit=self.logits[head][i],
                intercept=weights.intercept + float(weights.baseline.sum()),
                probability=self.probabilities[head][i],
                positive=weights.positive,
                negative=weights.negative,
                baseline=weights.baseline,
                columns=self.Xf.indices[a:b],
                weights=h.weights[a:b],
                axis_sums=(h.sums[i], h.present[i], h.order[i]),
                ranked_cues=(h.ranked_columns[c:d], h.ranked_keys[c:d]),
                space=self.space,
                evidence=partial(self.evidence, i),
                quotes=partial(self.quotes, i),
            )
        )

    @cached_property
    def _indptr(self) -> list[int]:
        return self.Xf.indptr.tolist()


class _Head(NamedTuple):
    """What one head's explanations of a batch need: each entry's contribution (aligned with ``Xf.data``); each
    row's axis sums, axes present and axes by size; and each row's cue columns and their keys (``2 * axis +
    (contribution > 0)``, -1 for zero), strongest first (row ``i``'s at ``cue_ptr[i]:cue_ptr[i + 1]``)."""

    weights: np.ndarray
    sums: list[Any]
    present: list[Any]
    order: list[Any]
    ranked_columns: list[int]
    ranked_keys: list[int]
    cue_ptr: list[int]
