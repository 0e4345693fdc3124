"""Short texts: what a text lacks for its length alone, so that a snippet is not read as a PM's job for it.

A head's baseline is what a typical whole training posting contributes to its log-odds, axis by axis
(``_heads.axis_baseline``); explanations measure each posting from it. A shorter text names fewer cues and n-grams
for the same job, so, measured from a whole posting, it lacks what a typical one has: mostly the technical cues every
software company's postings hold, so it reads as a PM's job. Out of source (companies left out), 80 words of each TPM
and PM posting averaged P(TPM) 0.13 for a TPM share of 0.29.

What a typical text of each length contributes is measured on windows of the training postings (role names masked,
:data:`WINDOWS_PER_POSTING` windows of each of :data:`WINDOW_TOKENS` tokens of each posting's job text, at random
places). A text with fewer words than a tenth of the TPM and PM training postings (:data:`REFERENCE_QUANTILE`, role
names masked) gains, per axis, the **shortfall** of a typical window of its length against a typical window of that
reference length: it is measured from a typical whole posting less what a text of its length lacks against one of
the reference length. From the reference length on nothing changes, so an answer does not jump with a word more.
The explanation identity holds: the shortfall is taken off the baseline an explanation measures the posting from.

Why a tenth: a short posting is not only a cut one. The training data's short postings are mostly PM ads of job
boards (a short TPM posting is rarer), and the model read them right; from a quarter of the training postings, 80-word
cuts gained more (macro-F1 0.73 to 0.82 out of source) but short PM ads lost (pooled macro-F1 leaving one source out
0.964 to 0.954); from a tenth, cuts gain less (0.73 to 0.78, Brier 0.150 to 0.127) and whole postings read as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._heads import axis_baseline

__all__ = ["REFERENCE_QUANTILE", "WINDOWS_PER_POSTING", "WINDOW_TOKENS", "Shortfall", "measure_shortfall", "windows"]

#: The window lengths (tokens of a posting's normalised job text) a typical text of each length is measured on.
WINDOW_TOKENS = (30, 45, 70, 100, 150, 220, 330, 500)
#: Windows of each length taken of each training posting (one is a noisy mean on a few hundred postings).
WINDOWS_PER_POSTING = 3
#: Texts with fewer words than this share of the training postings gain what their length lacks against that length.
REFERENCE_QUANTILE = 0.1


class Shortfall(NamedTuple):
    """Per axis, how much less a typical text of ``words[k]`` words contributes to a head's log-odds than one of
    the reference length (``words[-1]``, whose row is zeros): ``table[k]``. Empty: no text is short."""

    words: np.ndarray
    table: np.ndarray

    def at(self, words: np.ndarray | Sequence[int], n_axes: int) -> np.ndarray:
        """The shortfall of texts of ``words`` words, per axis (a row each): interpolated between the measured
        lengths, the first length's below it, and none from the reference length on.

        Examples
        --------
        >>> s = Shortfall(np.array([20.0, 60.0, 100.0]), np.array([[2.0, -0.4], [1.0, -0.2], [0.0, 0.0]]))
        >>> s.at([10, 40, 100, 400], 2).tolist()
        [[2.0, -0.4], [1.5, -0.30000000000000004], [0.0, 0.0], [0.0, 0.0]]
        >>> Shortfall.none().at([10], 2).tolist()
        [[0.0, 0.0]]
        """
        words = np.asarray(words, dtype=float)
        if not len(self.words):
            return np.zeros((len(words), n_axes))
        return np.column_stack([np.interp(words, self.words, self.table[:, a]) for a in range(n_axes)])

    @classmethod
    def none(cls) -> Shortfall:
        """No text is short (a model fitted before short texts gained what their length lacks)."""
        return cls(np.zeros(0), np.zeros((0, 0)))


def windows(tokens: Sequence[Sequence[str]], size: int, rng: np.random.Generator) -> list[list[str]]:
    """A window of ``size`` tokens of each token list, at a random place (the whole list when it is no longer).

    Examples
    --------
    >>> windows([list("abcdef"), list("ab")], 3, np.random.default_rng(0))
    [['d', 'e', 'f'], ['a', 'b']]
    """
    out = []
    for t in tokens:
        start = int(rng.integers(0, len(t) - size + 1)) if len(t) > size else 0
        out.append(list(t[start : start + size]))
    return out


def measure_shortfall(
    reads: Sequence[tuple[sp.csr_matrix, np.ndarray]],
    reference: float,
    coef: np.ndarray,
    weights: np.ndarray,
    axis_of: np.ndarray,
    n_axes: int,
) -> Shortfall:
    """A head's :class:`Shortfall` from windows of its training postings: ``reads`` holds, per window length, the
    windows' features and word counts (one row per posting, weighted by ``weights``); ``reference`` is the length from
    which texts are read as they are. Per window length, the mean word count and the mean contribution of each axis;
    each length shorter than the reference gets the difference from the contributions interpolated at it (the
    longest window's, when the reference is longer than every window: a posting shorter than that window is read
    whole).

    Examples
    --------
    Windows of 10 and of 40 words, whose one feature (axis 0) counts 1 and 4: a text of 10 words falls short of one of
    40 by 3.

    >>> ten, forty = sp.csr_matrix([[1.0], [1.0]]), sp.csr_matrix([[4.0], [4.0]])
    >>> reads = [(ten, np.array([10, 10])), (forty, np.array([40, 40]))]
    >>> s = measure_shortfall(reads, 40.0, np.array([1.0]), np.ones(2), np.array([0]), 2)
    >>> s.words.tolist(), s.table.tolist()
    ([10.0, 40.0], [[3.0, 0.0], [0.0, 0.0]])
    >>> measure_shortfall(reads + reads, 40.0, np.array([1.0]), np.ones(2), np.array([0]), 2).words.tolist()
    [10.0, 40.0]
    """
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    lengths = [float(np.dot(w, words)) for _, words in reads]
    means = [axis_baseline(X, w, coef, axis_of, n_axes) for X, _ in reads]  # (a typical window's, as a posting's)
    # by length, each once (windows longer than every posting are the whole postings: the same length, the first kept)
    at, first = np.unique(lengths, return_index=True)
    table = np.array(means)[first]
    typical = np.array([np.interp(reference, at, table[:, a]) for a in range(n_axes)])
    short = at < reference
    return Shortfall(np.append(at[short], reference), np.vstack([typical - table[short], np.zeros(n_axes)]))
