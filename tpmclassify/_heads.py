"""Fitting the two linear heads: sign-bounded logistic regression, its ``C``, and what explanations measure from.

Every function here works on a feature matrix and weights; nothing knows about text. What an explanation needs from a
fit is here too: the **baseline** of a head (its log-odds contributions, axis by axis, in a typical training posting)
and the **evidence** of a posting (the sum of the magnitudes of its contributions), so that a posting can be explained
relative to the ordinary, and one that says too little can be told apart.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, minimize
from sklearn.model_selection import GroupKFold

from ._values import row_of

__all__ = [
    "axis_baseline",
    "bounded_logistic",
    "choose_C",
    "evidence",
    "inner_folds",
    "platt",
    "sigmoid",
    "source_weights",
]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-z))


def source_weights(groups: np.ndarray | None, n: int) -> np.ndarray:
    """Each source weighs the same (rows of one source share its weight); mean weight 1.

    Examples
    --------
    >>> source_weights(np.array(["a", "a", "a", "b"]), 4).tolist()
    [0.6666666666666666, 0.6666666666666666, 0.6666666666666666, 2.0]
    """
    if groups is None:
        return np.ones(n)
    _, inverse, counts = np.unique(groups.astype(str), return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]
    return w * n / w.sum()


def bounded_logistic(
    X: sp.csr_matrix | np.ndarray, y: np.ndarray, w: np.ndarray, C: float, sign: np.ndarray
) -> tuple[np.ndarray, float]:
    """Weighted L2 logistic regression whose weights keep the given signs.

    Minimises ``C * sum(w * logloss) + ||coef||^2 / 2`` (scikit-learn's objective) with scipy's L-BFGS-B;
    ``sign[j]`` is +1 (weight >= 0), -1 (weight <= 0) or 0 (free). The intercept is free.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    >>> coef, b = bounded_logistic(X, np.array([1, 0, 1, 0]), np.ones(4), 10.0, np.array([1, 1]))
    >>> bool(coef[0] > 1.0), float(coef[1])
    (True, 0.0)
    """
    X = sp.csr_matrix(X)
    s = 2.0 * np.asarray(y, dtype=float) - 1.0
    n_coef = X.shape[1]

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        m = -s * (X @ theta[:n_coef] + theta[n_coef])
        dz = C * w * (-s * sigmoid(m))
        grad = np.concatenate([X.T @ dz + theta[:n_coef], [dz.sum()]])
        return float(C * np.sum(w * np.logaddexp(0.0, m)) + 0.5 * theta[:n_coef] @ theta[:n_coef]), grad

    lower = np.where(sign > 0, 0.0, -np.inf)
    upper = np.where(sign < 0, 0.0, np.inf)
    bounds = Bounds(np.append(lower, -np.inf), np.append(upper, np.inf))  # arrays: far faster than a list of pairs
    res = minimize(
        objective, np.zeros(n_coef + 1), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": 5000}
    )
    return np.clip(res.x[:n_coef], lower, upper), float(res.x[n_coef])


def inner_folds(groups: np.ndarray, max_folds: int) -> int:
    """How many grouped folds :func:`choose_C` fits each ``C`` on: one per group, at most ``max_folds``."""
    return min(len(set(groups.tolist())), max_folds)


def choose_C(
    X: sp.csr_matrix,
    y: np.ndarray,
    w: np.ndarray,
    groups: np.ndarray,
    sign: np.ndarray,
    grid: tuple[float, ...],
    max_folds: int,
    step: Callable[[], object] | None = None,
) -> tuple[float, np.ndarray]:
    """The ``C`` of ``grid`` with the best out-of-fold Brier score, groups left out whole (at most ``max_folds``
    grouped folds; ties go to the first, the strongest regularisation when the grid ascends), and the out-of-fold
    log-odds at that ``C`` (what :func:`platt` maps). ``step`` is called after each fold's fit (a progress bar's
    update).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 3)); y = (X[:, 0] > 0).astype(float)
    >>> C, z = choose_C(X, y, np.ones(40), np.arange(40) % 4, np.zeros(3), (0.001, 10.0), 4)
    >>> C, z.shape
    (10.0, (40,))
    """
    folds = list(GroupKFold(n_splits=inner_folds(groups, max_folds)).split(X, y, groups))
    best, best_score, best_z = float(grid[0]), np.inf, np.zeros(len(y))
    for C in grid:
        z = np.zeros(len(y))
        for train, test in folds:
            coef, b = bounded_logistic(X[train], y[train], w[train], C, sign)
            z[test] = X[test] @ coef + b
            if step is not None:
                step()
        score = float(np.sum(w * (sigmoid(z) - y) ** 2))
        if score < best_score - 1e-12:
            best, best_score, best_z = float(C), score, z
    return best, best_z


def platt(z: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """The Platt map ``(a, b)`` that makes ``sigmoid(a * z + b)`` calibrated on out-of-fold log-odds ``z``.

    A weighted logistic regression of ``y`` on ``z`` whose slope is drawn towards 1 (the map that changes
    nothing) as hard as a weight of 1 pulls (callers scale ``w`` so that 1 is one source, or one posting), so that
    a few sources whose scores happen to separate cannot make the map (and every probability) near-certain; the
    slope stays positive (the map keeps the order).

    Examples
    --------
    Log-odds of 3 said "95%", but a quarter of them were wrong: the map says 75%.

    >>> z = np.array([-3.0] * 4 + [3.0] * 4)
    >>> a, b = platt(np.tile(z, 50), np.tile([0, 0, 0, 1, 1, 1, 1, 0], 50), np.ones(400))
    >>> round(float(sigmoid(a * 3.0 + b)), 2), round(b, 6)
    (0.75, 0.0)
    """
    z, s, w = np.asarray(z, dtype=float), 2.0 * np.asarray(y, dtype=float) - 1.0, np.asarray(w, dtype=float)

    def objective(theta: np.ndarray) -> tuple[float, np.ndarray]:
        m = -s * (theta[0] * z + theta[1])
        dm = w * sigmoid(m)
        grad = np.array([np.sum(dm * -s * z) + (theta[0] - 1.0), np.sum(dm * -s)])
        return float(np.sum(w * np.logaddexp(0.0, m)) + 0.5 * (theta[0] - 1.0) ** 2), grad

    bounds = Bounds([1e-3, -np.inf], [np.inf, np.inf])
    res = minimize(objective, np.array([1.0, 0.0]), jac=True, method="L-BFGS-B", bounds=bounds)
    return float(res.x[0]), float(res.x[1])


def axis_baseline(X: sp.csr_matrix, w: np.ndarray, coef: np.ndarray, axis_of: np.ndarray, n_axes: int) -> np.ndarray:
    """A head's contributions to the log-odds in a typical posting, summed by axis: ``coef * mean(X)`` (the mean
    weighted by ``w``) added up over each axis's features.

    An explanation measures each posting from this baseline: its terms are ``coef * x`` plus, per axis, minus the
    baseline, and its intercept is the head's intercept plus the baseline's sum (the log-odds of a typical posting),
    so the identity ``intercept + sum of terms == logit`` still holds.

    Examples
    --------
    >>> X = sp.csr_matrix(np.array([[1.0, 0.0], [3.0, 2.0]]))
    >>> axis_baseline(X, np.ones(2), np.array([0.5, -1.0]), np.array([0, 1]), 3).tolist()
    [1.0, -1.0, 0.0]
    """
    mean = np.asarray(X.T @ w).ravel() / w.sum()
    return np.bincount(axis_of, weights=coef * mean, minlength=n_axes)


def evidence(X: sp.csr_matrix, coef: np.ndarray) -> np.ndarray:
    """How much each row says: the sum of the magnitudes of its contributions ``|coef * x|``.

    Examples
    --------
    >>> evidence(sp.csr_matrix(np.array([[1.0, 2.0], [0.0, 0.0]])), np.array([0.5, -1.0])).tolist()
    [2.5, 0.0]
    """
    X = X if sp.issparse(X) and X.format == "csr" else sp.csr_matrix(X)
    rows = row_of(X.indptr)
    return np.bincount(rows, weights=np.abs(X.data * coef[X.indices]), minlength=X.shape[0])
