"""Feature values from occurrence counts: cue counts read at one posting length, TF-IDF rows of unit length.

What :class:`~tpmclassify._features.FeatureSpace` makes of the matches it finds, as plain array arithmetic (no text).
"""

from __future__ import annotations

import numpy as np

__all__ = ["LENGTH_FACTOR_BOUNDS", "counts_of", "cue_values_of", "lengths", "row_of", "unit_rows"]


#: The bounds of the factor a cue count is multiplied by: a posting of a few words, or of thousands, is not read as
#: if its cues were many times as dense as they are.
LENGTH_FACTOR_BOUNDS = (0.2, 5.0)


def lengths(ptr: np.ndarray) -> np.ndarray:
    """Each run's length from the runs' bounds (``ptr[i]:ptr[i + 1]``): ``np.diff`` of one dimension, without its
    checks, which cost a posting's call more than the subtraction.

    Examples
    --------
    >>> import numpy as np
    >>> lengths(np.array([0, 3, 3, 5])).tolist()
    [3, 0, 2]
    """
    return ptr[1:] - ptr[:-1]


def row_of(ptr: np.ndarray) -> np.ndarray:
    """The run (row) of each entry, from the runs' bounds (a CSR matrix's ``indptr``).

    Examples
    --------
    >>> import numpy as np
    >>> row_of(np.array([0, 3, 3, 5])).tolist()
    [0, 0, 0, 2, 2]
    """
    return np.repeat(np.arange(len(ptr) - 1), lengths(ptr))


def cue_values_of(counts: np.ndarray, words: np.ndarray, reference_words: float | None) -> np.ndarray:
    """Cue features: ``log1p`` of each count, read as in a posting of ``reference_words`` words.

    Each count is multiplied by ``sqrt(reference_words / words)`` (``words``: the posting's words n-grams are made of,
    at least 1), bounded to :data:`LENGTH_FACTOR_BOUNDS`, before the logarithm. A short posting names fewer cues than
    a long one for the same job; read as written, the cues it lacks read as evidence for the side whose vocabulary is
    commoner (TPM, at a software company). None reads counts as they are.

    Examples
    --------
    >>> import numpy as np
    >>> cue_values_of(np.array([1, 1]), np.array([100, 400]), 400.0).round(3).tolist()
    [1.099, 0.693]
    >>> cue_values_of(np.array([1]), np.array([100]), None).round(3).tolist()
    [0.693]
    """
    if reference_words is None:
        return np.log1p(counts)
    lo, hi = LENGTH_FACTOR_BOUNDS
    return np.log1p(counts * np.clip(np.sqrt(reference_words / np.maximum(words, 1)), lo, hi))


def counts_of(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Occurrence counts from the row and column of each occurrence: the distinct (row, column) pairs, sorted
    by row then column, and how often each occurs.

    Examples
    --------
    >>> import numpy as np
    >>> [x.tolist() for x in counts_of(np.array([1, 0, 1, 1]), np.array([2, 5, 2, 0]), 6)]
    [[0, 1, 1], [5, 0, 2], [1.0, 1.0, 2.0]]
    >>> [x.tolist() for x in counts_of(np.array([0, 1]), np.array([3, 3], dtype=np.uint64), 86)]  # any integer type
    [[0, 1], [3, 3], [1.0, 1.0]]
    >>> [x.tolist() for x in counts_of(np.array([0, 0, 0]), np.array([9_999, 5, 9_999]), 10_000)]  # sorted
    [[0, 0], [5, 9999], [1.0, 2.0]]
    >>> [x.tolist() for x in counts_of(np.array([3, 3]), np.array([2**30 - 1] * 2), 2**30)]  # past 32 bits
    [[3], [1073741823], [2.0]]
    """
    if not len(rows):
        return rows.astype(np.int64), cols.astype(np.int64), np.zeros(0)
    size = (int(rows.max()) + 1) * n_cols
    if size <= 8 * len(rows) + 4096:  # few pairs there can be (the cues of a few postings): counted in place
        counts = np.bincount(rows.astype(np.int64) * n_cols + cols.astype(np.int64), minlength=size)
        keys = np.flatnonzero(counts)
        return keys // n_cols, keys % n_cols, counts[keys].astype(np.float64)
    # one key per pair, in 32 bits when they fit (sorted twice as fast as 64), counted where a run of equal keys starts
    dtype = np.int32 if size <= np.iinfo(np.int32).max else np.int64
    keys = rows.astype(dtype) * np.asarray(n_cols, dtype=dtype) + cols.astype(dtype)
    keys.sort()
    first = np.empty(len(keys), dtype=bool)
    first[0] = True
    np.not_equal(keys[1:], keys[:-1], out=first[1:])
    at = np.flatnonzero(first)
    keys = keys[at].astype(np.int64)
    runs = np.empty(len(at))  # where the next run starts, less where this one does
    runs[:-1], runs[-1] = lengths(at), len(first) - at[-1]
    return keys // n_cols, keys % n_cols, runs


def unit_rows(rows: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    """``values`` (grouped by row, in column order) scaled so that each row has unit Euclidean length.

    What scikit-learn's ``normalize`` does (the same sums, in the same order), without its checks on every call.
    """
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    norms[norms == 0.0] = 1.0
    return values / norms[rows]
