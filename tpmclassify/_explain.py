"""What a prediction says and why: :class:`Prediction`, :class:`Explanation`, :class:`Term`.

An :class:`Explanation` is computed from the linear model itself: each term is
``coefficient x feature value`` of one non-zero feature, measured from a typical
posting (per axis, a term takes away what a typical training posting's features
contribute, less, for a text shorter than a tenth of them, what a text of its length
lacks against one of a reference length, see ``_lengths``; the intercept is the typical
posting's log-odds), so
``intercept + sum(t.weight for t in terms) == logit`` and the probability is
``sigmoid(logit)``, up to floating-point rounding (~1e-14; the terms are summed in
another order than the model's dot product): calibration and the stated prior are folded
into the weights and the intercept, so the sign of the log-odds is the side
the label is on.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import NamedTuple

import numpy as np

from ._cues import AXES
from ._errors import check_count
from ._features import Evidence, FeatureSpace
from ._roles import SHORT_NAMES, TPM

__all__ = ["Explanation", "Scored", "Term", "display"]


class Term(NamedTuple):
    """One piece of evidence: a feature of the posting and its weight.

    Attributes
    ----------
    text : str
        The words of the posting that produced the feature (first occurrence).
    feature : str
        Feature name, ``cue:<axis>:<cue>`` or ``ngram:<stems>``.
    axis : str
        Axis key (see ``tpmclassify.AXES``), or ``"wording"`` for plain n-grams.
    weight : float
        Contribution to the log-odds (coefficient x feature value).
    points_to : str
        The outcome this term pushes towards (``"tpm"``/``"pm"``, or ``"in scope"``/``"other"``).
    spans : tuple of (int, int)
        Character spans of every occurrence in the prediction's text (``Prediction.text``: the posting as given, or,
        with a title, the posting, a line break and the title).

    Examples
    --------
    >>> import tpmclassify
    >>> text = ("We are hiring a Project Manager to deliver office fit-out projects for our clients. Manage the "
    ...         "project plan, schedule and budget, coordinate subcontractors on site and send weekly status "
    ...         "reports to the client. PMP certification is an advantage.")
    >>> t = next(t for t in tpmclassify.classify(text).explanation.terms if t.text == "PMP")
    >>> t.feature, t.axis, t.points_to, t.weight < 0
    ('cue:technical:certification', 'technical', 'pm', True)
    >>> [text[a:b] for a, b in t.spans]
    ['PMP']
    """

    text: str
    feature: str
    axis: str
    weight: float
    points_to: str
    spans: tuple[tuple[int, int], ...] = ()


class Scored(NamedTuple):
    """One posting's answer by one head, and what its explanation is computed from (a batch makes them).

    Attributes
    ----------
    logit, intercept, probability : float
        The head's log-odds, a typical training posting's log-odds, and ``sigmoid(logit)``.
    positive, negative : str
        The two outcomes the log-odds compare.
    baseline : array of float
        Per axis (``space.axes``): the head's contributions in a typical training posting (for a short text, less
        what a text of its length lacks against one of the reference length: see ``_lengths``).
    columns, weights : array
        The posting's non-zero features and their contributions ``coefficient x value``.
    axis_sums : (list of float, list of bool, list of int)
        Per axis: contributions less the baseline, whether the axis has any, and the axes by size (largest first).
    sides : (list of float, list of float)
        Per axis: the size of the posting's own contributions to ``negative``, and to ``positive``.
    ranked_cues : (list of int, list of int)
        The posting's cue columns, strongest first, and their keys ``2 * axis + (contribution > 0)``.
    space : FeatureSpace
        Names, display forms and axes of the features.
    evidence : callable
        ``() ->`` column -> the text and spans behind it (``FeatureSpace.matches`` of the posting).
    quotes : callable
        ``(columns) ->`` column -> the posting's own words behind it, where the reading first found them.
    """

    logit: float
    intercept: float
    probability: float
    positive: str
    negative: str
    baseline: np.ndarray
    columns: np.ndarray
    weights: np.ndarray
    axis_sums: tuple[list[float], list[bool], list[int]]
    sides: tuple[list[float], list[float]]
    ranked_cues: tuple[list[int], list[int]]
    space: FeatureSpace
    evidence: Callable[[], dict[int, Evidence]]
    quotes: Callable[[frozenset[int]], dict[int, str]]


class Explanation:
    """Why the model scored a posting the way it did.

    Built from the model's own arithmetic: the non-zero features of the
    posting, each with its contribution ``coefficient x value`` to the log-odds.
    Per-axis sums and reasons come straight from those numbers; the term list
    with the posting's words and character spans is built on first access.

    Attributes
    ----------
    logit : float
        The model's log-odds for ``positive``.
    intercept : float
        The log-odds of a typical whole training posting (the head's intercept plus its baseline's sum; for a titled
        posting's content, read with role names masked, without the role-name cues' part, which a masked posting
        has none of); ``intercept + sum of term weights == logit``.
    positive, negative : str
        The two outcomes the log-odds compare (``"tpm"`` vs ``"pm"``, or ``"in scope"`` vs ``"other"``).
    probability : float
        Calibrated probability of ``positive``: ``sigmoid(logit)``.

    Examples
    --------
    >>> import math, tpmclassify
    >>> e = tpmclassify.classify(
    ...     "We are hiring a Project Manager to deliver office fit-out projects for our clients. Manage the "
    ...     "project plan, schedule and budget, coordinate subcontractors on site and send weekly status "
    ...     "reports to the client. PMP certification is an advantage.").explanation
    >>> e.positive, e.negative, e.logit < 0  # log-odds of TPM over PM: this one reads as PM
    ('tpm', 'pm', True)
    >>> abs(e.intercept + sum(t.weight for t in e.terms) - e.logit) < 1e-9  # the terms add up to the log-odds
    True
    >>> abs(e.probability - 1 / (1 + math.exp(-e.logit))) < 1e-12
    True
    >>> abs(sum(e.by_axis.values()) - (e.logit - e.intercept)) < 1e-9  # the terms again, summed by axis
    True
    >>> scope = [t for t in e.terms if t.axis == "scope" and t.spans]
    >>> (scope[0].text, scope[0].points_to)  # the posting's own words, where it says them
    ('fit-out', 'pm')
    """

    def __init__(self, scored: Scored) -> None:
        self.logit, self.intercept, self.probability = scored.logit, scored.intercept, scored.probability
        self.positive, self.negative = scored.positive, scored.negative
        self._baseline = scored.baseline  # per axis: the head's contributions in a typical posting
        self._raw = (scored.columns, scored.weights)  # the posting's features: column and contribution
        self._axis_sums, self._sides = scored.axis_sums, scored.sides
        self._ranked_cues = scored.ranked_cues  # the posting's cue columns and keys, strongest first
        self._space, self._evidence, self._quotes = scored.space, scored.evidence, scored.quotes

    @cached_property
    def _sorted(self) -> tuple[np.ndarray, np.ndarray]:
        columns, weights = self._raw
        keep = weights != 0.0
        columns, weights = columns[keep], weights[keep]
        order = np.argsort(-np.abs(weights), kind="stable")
        return columns[order], weights[order]

    @cached_property
    def terms(self) -> tuple[Term, ...]:
        """Every non-zero feature's contribution, and per axis the typical posting's (taken away), largest first.

        A term of a feature is ``coefficient x value``; an axis's ``baseline:<axis>`` term is minus what a typical
        training posting's features of that axis contribute (less, for a text shorter than a tenth of the training
        postings, what a text of its length lacks against one of the reference length), so each axis is measured
        from the ordinary and the intercept is the log-odds of a typical posting.
        """
        evidence = self._evidence()
        space = self._space
        names, display, axes = space.names, space.display, space.axis_names
        out = []
        for j, w in zip(*(a.tolist() for a in self._sorted), strict=True):
            ev = evidence.get(j)
            side = self.positive if w > 0 else self.negative
            text, spans = ev if ev else (display[j], ())
            out.append(Term(text, names[j], axes[j], w, side, spans))
        for axis, b in zip(space.axes, self._baseline.tolist(), strict=True):
            if b != 0.0:
                side = self.positive if b < 0 else self.negative
                out.append(Term(_TYPICAL, f"baseline:{axis}", axis, -b, side))
        return tuple(sorted(out, key=lambda t: -abs(t.weight)))

    @cached_property
    def by_axis(self) -> dict[str, float]:
        """Sum of term weights per axis, largest magnitude first."""
        sums, present, order = self._axis_sums  # order: the axes by the size of their sums, largest first
        axes = self._space.axes
        return {axes[k]: sums[k] for k in order if present[k]}

    def cued_axes(self, side: str) -> frozenset[str]:
        """The axes on which the posting has at least one cue (its own words) pointing to ``side``: what an axis
        says beyond the absence of the other side's cues."""
        axes, odd = self._space.axes, int(side == self.positive)
        return frozenset(axes[key // 2] for key in self._ranked_cues[1] if key >= 0 and key % 2 == odd)

    @property
    def n_terms(self) -> int:
        """Number of terms: the features of the posting with a non-zero weight, and the typical posting's."""
        return int(np.count_nonzero(self._raw[1]) + np.count_nonzero(self._baseline))

    def top(self, n: int | None = 10, axis: str | None = None) -> list[Term]:
        """The ``n`` strongest terms (all with None), optionally of one axis."""
        return [t for t in self.terms if axis is None or t.axis == axis][
            : None if n is None else check_count(n, "terms")
        ]

    @cached_property
    def reasons(self) -> list[str]:
        """Two to four short sentences: the axes that differ most from a typical posting, and their strongest words."""
        return self.first_reasons(4)

    def first_reasons(self, n: int) -> list[str]:
        """The first ``n`` of :attr:`reasons`, finding the words of those only (a batch's column holds three).

        Examples
        --------
        >>> import tpmclassify
        >>> e = tpmclassify.classify("Run the budget, the schedule and weekly status reports for the "
        ...                          "office move; coordinate vendors and contractors day to day.").explanation
        >>> e.first_reasons(1) == e.reasons[:1]
        True
        """
        n = check_count(n, "reasons")
        chosen: list[tuple[str, float]] = []
        for axis, total in self.by_axis.items():
            if len(chosen) >= min(n, 4) or (len(chosen) >= 2 and abs(total) < 0.25):
                break
            chosen.append((axis, total))
        # the three strongest distinct words of each chosen axis, on the side its total points to, quoted as the
        # posting writes them. A row's features are its few cues (columns first, any axis but "wording"; ranked for
        # the whole batch) then its many n-grams ("wording"; ranked with numpy, and only if "wording" was chosen).
        space = self._space
        by_key: dict[int, list[int]] = {2 * space.axes.index(axis) + (total > 0): [] for axis, total in chosen}
        for j, key in zip(*self._ranked_cues, strict=True):
            if key in by_key:
                by_key[key].append(j)
        wording = 2 * space.axes.index("wording")
        for key in (wording, wording + 1):
            if key in by_key:
                columns, weights = self._raw
                n_cues = len(self._ranked_cues[0])
                ngram_weights = weights[n_cues:]
                where = np.flatnonzero(ngram_weights > 0 if key & 1 else ngram_weights < 0)
                order = where[np.argsort(-np.abs(ngram_weights[where]), kind="stable")][:8]
                by_key[key] = columns[n_cues:][order].tolist()
        # the words of the first three candidates of each; of more only if some of those read the same
        wanted: dict[int, list[str]] = {key: [] for key in by_key}
        for first, last in ((0, 3), (3, None)):
            ask = frozenset(j for key, cols in by_key.items() if len(wanted[key]) < 3 for j in cols[first:last])
            found = self._quotes(ask) if ask else {}
            for key, cols in by_key.items():
                for j in cols[first:last]:
                    if j in found and _add(wanted[key], found[j]):
                        break
        out = []
        for axis, total in chosen:
            side, other = (self.positive, self.negative) if total > 0 else (self.negative, self.positive)
            k = space.axes.index(axis)
            quoted = ", ".join(f"'{w}'" for w in wanted[2 * k + (total > 0)])
            # the typical posting's part (minus its contributions), said when it points this way more strongly
            # than the posting's own words of this side do: the posting has less of the other side than is typical
            typical = f"less {display(other)} evidence than a typical posting"
            part = -float(self._baseline[k])
            if not quoted:
                quoted = typical
            elif part * total > 0 and abs(part) > self._sides[total > 0][k]:
                quoted += f", and {typical}"
            # an axis of the role head against its answer says so: the rest of the log-odds outweighs it (the scope
            # head's answer is decided at its threshold, not at even odds: its axes are shown as they point)
            against = ", outweighed" if self.positive == TPM and total * self.logit < 0 else ""
            out.append(f"{AXES.get(axis, axis)} points to {display(side)} ({total:+.2f}){against}: {quoted}")
        return out

    def __str__(self) -> str:
        head = (
            f"log-odds {self.logit:+.2f} for {display(self.positive)} vs {display(self.negative)}"
            f" (intercept {self.intercept:+.2f}, {self.n_terms} terms)"
        )
        return "\n".join([head, *("  - " + r for r in self.reasons)])

    def __repr__(self) -> str:
        return f"<Explanation logit={self.logit:+.3f} {self.positive} vs {self.negative}, {self.n_terms} terms>"


#: The text of an axis's baseline term.
_TYPICAL = "(a typical posting)"


def _add(words: list[str], word: str) -> bool:
    """Add ``word`` to a reason's list of up to three distinct words; return whether the list is full."""
    if len(words) < 3 and word not in words:
        words.append(word)
    return len(words) >= 3


def display(label: str) -> str:
    """How reasons name an outcome: "TPM", "PM", or the outcome itself ("in scope", "other")."""
    return SHORT_NAMES.get(label, label)
