"""Scoring a batch of postings: each head's log-odds and probability, and what their explanations need.

The features of a batch are computed once; what a head's explanations need (each feature's contribution, its axis and
side, per-axis sums measured from a typical posting) is computed in a few vectorised steps for a group of postings at
once, the first time one of them is asked for: those whose answers need that head's explanation, then the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any, NamedTuple

import numpy as np

from ._explain import Explanation, Scored
from ._features import FeatureSpace
from ._heads import evidence, sigmoid
from ._invisible import format_cuts
from ._language import MAX_ENGLISH, MIN_FOREIGN, MIN_TOKENS, another_language
from ._lengths import Shortfall
from ._sections import job_text
from ._text import in_words, lower, normalize, verbatim
from ._values import row_of

__all__ = ["Batch", "HeadWeights", "logits_of"]

#: A text fewer than this share of whose words (those n-grams are made of) the model knows carries no evidence: the
#: training postings' least is 0.09 (mostly Spanish), random characters' 0.04.
MIN_KNOWN = 0.1


class HeadWeights(NamedTuple):
    """One linear head: its weights over the features, intercept and baseline (its contributions in a typical
    training posting, by axis), the names of the sides its positive and negative log-odds point to, and its
    shortfall on short texts (none: every text is measured from a typical whole posting)."""

    coef: np.ndarray
    intercept: float
    baseline: np.ndarray
    positive: str
    negative: str
    shortfall: Shortfall = Shortfall.none()


class Batch:
    """The features of one batch of postings and each head's answers, shared by the predictions' explanations."""

    def __init__(
        self, space: FeatureSpace, heads: Sequence[HeadWeights], evidence_coef: np.ndarray, texts: Sequence[str]
    ) -> None:
        self.space, self.heads, self.texts = space, heads, texts
        self.jobs = [job_text(t) for t in texts]  # what the model reads of each: its boilerplate blanked
        self.Xf, self.found = space.read_jobs(self.jobs)
        self.words = space.word_counts(self.found).tolist()  # those n-grams are made of
        # per head (role, then scope if the model has one): log-odds and calibrated probability of each posting, a
        # short one gaining what its length lacks (its shortfall per axis: None when no text is short)
        logits, self.shortfalls = logits_of(self.Xf, self.words, heads, len(space.axes))
        self.logits = [x.tolist() for x in logits]
        self.probabilities = [sigmoid(x).tolist() for x in logits]
        # what each posting's words say to the role head: none, when fewer than one in ten of its words is a word
        # the model knows (random characters, another script) or it is in another language (a cue found there is
        # chance); for the language, only the few postings the array shares cannot clear are read again, as written
        shares = space.language_shares(self.found)
        foreign, english = shares["foreign"], shares["english"]  # (any case: at least as many as lower-case)
        maybe = ((foreign >= MIN_FOREIGN) & (foreign > 2 * english)) | (english < MAX_ENGLISH)
        other = np.zeros(len(texts), dtype=bool)
        for i in np.flatnonzero(maybe & (shares["tokens"] >= MIN_TOKENS)).tolist():
            other[i] = another_language(self.jobs[i])
        self.readable = ((space.known_share(self.found) >= MIN_KNOWN) & ~other).tolist()
        self.role_evidence = np.where(self.readable, evidence(self.Xf, evidence_coef), 0.0).tolist()
        self._evidence: dict[int, dict] = {}
        self._read: dict[int, tuple[str, list[tuple[int, int]], str | None]] = {}  # each quoted posting, read once
        self._expected: dict[int, list[int]] = {}  # per head, the rows whose explanations are expected (expect())
        self._where: dict[int, dict[int, tuple[_Head, int]]] = {}  # per head: row -> its contributions, its place

    def expect(self, head: int, rows: Sequence[int]) -> None:
        """Say which rows' explanations by ``head`` will be asked for: the first one asked for has the contributions
        of these rows computed together (of the others, if it is not one of them). A batch's reasons need the role
        head's explanation for its TPM and PM answers and the scope head's for the others, not both for every row."""
        expected = sorted(set(rows))  # (in the order of Xf's rows, each once: a group's places follow it)
        if expected and not (0 <= expected[0] and expected[-1] < self.Xf.shape[0]):
            raise IndexError(f"rows must be rows of the batch (0 to {self.Xf.shape[0] - 1}), got {expected}")
        self._expected[head] = expected

    def _contributions(self, head: int, i: int) -> tuple[_Head, int]:
        """What head ``head``'s explanation of posting ``i`` needs, and where ``i`` is in it: computed for a group of
        postings at once (those expected with ``i``, see :meth:`expect`, else all not yet computed) the first time
        one of them is asked for."""
        where = self._where.setdefault(head, {})
        found = where.get(i)
        if found is None:
            expected = self._expected.pop(head, [])
            if i not in expected:
                done = set(where)
                expected = [r for r in range(self.Xf.shape[0]) if r not in done]
            whole = len(expected) == self.Xf.shape[0]
            X = self.Xf if whole else self.Xf[expected]
            short = self.shortfalls[head]
            h = _contributions_of(X, self.space, self.heads[head], short if short is None or whole else short[expected])
            for j, r in enumerate(expected):
                where[r] = (h, j)
            found = where[i]
        return found

    def evidence(self, i: int) -> dict:
        """The words and spans behind posting ``i``'s features (found once, shared by both explanations)."""
        found = self._evidence.get(i)
        if found is None:
            found = self._evidence[i] = self.space.matches(self.texts[i])
        return found

    def quotes(self, i: int, columns: frozenset[int]) -> dict[int, str]:
        """The posting's own words behind some of posting ``i``'s features, as it writes them: at the first place
        the reading found them in its job's text (boilerplate blanked; the same length, so the same places), passing
        over their earlier occurrences in another phrase's match (a role name's "Technical"). A feature whose words are
        not there as read (more than a gap apart, as across a masked role name: "knowledge of [Project Management],
        Excel") is not quoted: a quote is the posting's own characters, or none."""
        quoted = self.space.quoted(self.found, i, columns)
        job = self.jobs[i]
        read = self._read.get(i)
        if read is None:  # lower-cased (one character for one: 'İ' too), and where it hides a format character
            hidden = self.found.hidden is None or bool(self.found.hidden[i])  # (if the reading saw none, it has none)
            seen = in_words(job) if hidden else job  # words spelt with entities as read ("Progr&#97;m"), same length
            cuts = format_cuts(seen) if hidden else []
            read = self._read[i] = lower(seen), cuts, normalize(job) if "<" in job else None  # (markup is not read)
        lowered, cuts, normalized = read
        found = ((j, verbatim(job, w, lowered, before, cuts, normalized)) for j, (w, before) in quoted.items())
        return {j: quote for j, quote in found if quote is not None}

    def explanation(self, i: int, head: int) -> Explanation | None:
        """Posting ``i``'s explanation by the role head (0) or the scope head (1; None without one)."""
        if head >= len(self.heads):
            return None
        weights = self.heads[head]
        h, k = self._contributions(head, i)
        short = self.shortfalls[head]
        baseline = weights.baseline if short is None else weights.baseline - short[i]
        a, b = h.indptr[k], h.indptr[k + 1]
        c, d = h.cue_ptr[k], h.cue_ptr[k + 1]
        return Explanation(
            Scored(
                logit=self.logits[head][i],
                intercept=weights.intercept + float(weights.baseline.sum()),
                probability=self.probabilities[head][i],
                positive=weights.positive,
                negative=weights.negative,
                baseline=baseline,
                columns=h.columns[a:b],
                weights=h.weights[a:b],
                axis_sums=(h.sums[k], h.present[k], h.order[k]),
                sides=(h.negative[k], h.positive[k]),
                ranked_cues=(h.ranked_columns[c:d], h.ranked_keys[c:d]),
                space=self.space,
                evidence=partial(self.evidence, i),
                quotes=partial(self.quotes, i),
            )
        )


class _Head(NamedTuple):
    """What one head's explanations of some postings of a batch need: each posting's entries (columns, and their
    contributions) at ``indptr[k]:indptr[k + 1]``; each posting's axis sums, axes present and axes by size, and per
    axis the size of its own contributions to each side; and each posting's cue columns and their keys (``2 * axis
    + (contribution > 0)``, -1 for zero), strongest first (at ``cue_ptr[k]:cue_ptr[k + 1]``)."""

    indptr: list[int]
    columns: np.ndarray
    weights: np.ndarray
    sums: list[Any]
    present: list[Any]
    order: list[Any]
    negative: list[Any]
    positive: list[Any]
    ranked_columns: list[int]
    ranked_keys: list[int]
    cue_ptr: list[int]


def _short_of(shortfall: Shortfall, words: Sequence[int], n_axes: int) -> np.ndarray | None:
    """The shortfall of each text of ``words`` words, per axis (a row each), or None when none is short."""
    if not len(shortfall.words) or min(words, default=np.inf) >= shortfall.words[-1]:
        return None
    return shortfall.at(words, n_axes)


def logits_of(
    Xf: Any, words: Sequence[int], heads: Sequence[HeadWeights], n_axes: int
) -> tuple[list[np.ndarray], list[np.ndarray | None]]:
    """Each head's log-odds of postings (features ``Xf``, of ``words`` words each), a short one gaining what its
    length lacks, and those shortfalls per axis (a row each; None for a head when no posting is short)."""
    shortfalls = [_short_of(h.shortfall, words, n_axes) for h in heads]
    logits = [
        Xf @ h.coef + h.intercept if s is None else Xf @ h.coef + h.intercept + s.sum(axis=1)
        for h, s in zip(heads, shortfalls, strict=True)
    ]
    return logits, shortfalls


def _contributions_of(X: Any, space: FeatureSpace, h: HeadWeights, short: np.ndarray | None) -> _Head:
    """What head ``h``'s explanations of the postings whose features are the rows of ``X`` need (see :class:`_Head`),
    for every one of them at once (``short``: their shortfalls, a row each, or None)."""
    n_rows, n_axes = X.shape[0], len(space.axes)
    axis_ids = space.axis_of[X.indices]
    row = row_of(X.indptr)
    cue_entries = np.flatnonzero(X.indices < len(space.cues))
    weights = X.data * h.coef[X.indices]
    # each axis measured from a typical posting: its terms, less the baseline's
    cell, size = row * n_axes + axis_ids, n_rows * n_axes
    # per axis, the size of the posting's own contributions to each side; their difference is its sum
    positive = np.bincount(cell, weights=np.maximum(weights, 0.0), minlength=size).reshape(-1, n_axes)
    negative = np.bincount(cell, weights=np.maximum(-weights, 0.0), minlength=size).reshape(-1, n_axes)
    baseline = h.baseline if short is None else h.baseline - short  # (a row each when some are short)
    sums = positive - negative - baseline
    present = (positive + negative > 0) | (baseline != 0)
    order = np.argsort(-np.abs(sums), axis=1, kind="stable")  # each row's axes, largest total first
    # each row's cue entries: by row, then strongest first, then column (as they are within a row: a stable sort)
    ranked = cue_entries[np.lexsort((-np.abs(weights[cue_entries]), row[cue_entries]))]
    strength = weights[ranked]
    keys = np.where(strength != 0.0, axis_ids[ranked] * 2 + (strength > 0), -1)
    return _Head(
        X.indptr.tolist(),
        X.indices,
        weights,
        sums.tolist(),
        present.tolist(),
        order.tolist(),
        negative.tolist(),
        positive.tolist(),
        X.indices[ranked].tolist(),
        keys.tolist(),
        np.searchsorted(row[cue_entries], np.arange(n_rows + 1)).tolist(),
    )
