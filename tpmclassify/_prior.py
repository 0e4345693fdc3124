"""The TPM share that probabilities are for: checking a stated share, and estimating a file's share by EM.

A model's probabilities assume a TPM share among TPM and PM postings (its ``prior_``); a share moves only the role
head's intercept, by the change in log prior odds (:func:`logit`).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence

import numpy as np
from scipy.optimize import brentq

from ._errors import InvalidValueError

__all__ = ["MIN_PRIOR_POSTINGS", "PRIOR_MARGIN", "check_prior", "estimate_prior", "logit", "percent_hint"]


def logit(p: float) -> float:
    """The log-odds of a probability."""
    return math.log(p / (1.0 - p))


#: Shares closer to 0 or 1 than this are refused: their log-odds would swamp every posting's evidence.
PRIOR_MARGIN = 1e-6
#: The fewest in-scope postings a TPM share is estimated from: fewer (one posting, a few copies of one) say little
#: of a file's share, and the estimate would be mostly the one more posting of each role it counts.
MIN_PRIOR_POSTINGS = 20


def check_prior(prior: object) -> float:
    """``prior`` as a float share, or an error saying what a prior must be."""
    if not isinstance(prior, bool) and isinstance(prior, numbers.Real):
        value = float(prior)
        if PRIOR_MARGIN <= value <= 1.0 - PRIOR_MARGIN:
            return value
    raise InvalidValueError(
        f"{{arg:prior}} must be a TPM share between {PRIOR_MARGIN:g} and {1 - PRIOR_MARGIN} (batch and audit also take "
        f"'auto', to estimate a file's share), got {prior!r}{percent_hint(prior)}"
    )


def percent_hint(prior: object) -> str:
    """What a prior written as a percent (over 1 and under 100: 100% is no share either) meant, to say beside its
    refusal; else ``""``.

    Examples
    --------
    >>> percent_hint(20), percent_hint(0.2), percent_hint(True), percent_hint(100)
    (' (a share, not a percent: 0.2 for 20%)', '', '', '')
    """
    number = float(prior) if not isinstance(prior, bool) and isinstance(prior, numbers.Real) else None
    return f" (a share, not a percent: {number / 100:g} for {number:g}%)" if number and 1 < number < 100 else ""


def estimate_prior(
    p_tpm: Sequence[float] | np.ndarray, prior: float, *, tol: float = 1e-12, max_iter: int = 200
) -> float:
    """Estimate the TPM share of a set of postings from their TPM probabilities.

    Saerens, Latinne & Decaestecker (2002), "Adjusting the outputs of a classifier to new a priori probabilities":
    EM re-weights each posterior by the ratio of the new and the assumed prior, averages, and repeats until it
    settles, at the share the postings make most likely. That share counts one more posting of each role here (the
    most probable share under a Beta(2, 2) prior), so that a small file of one role gets a share near, not at, 0 or
    1: 20 postings that all read as TPM give 21/22, where the plain average ran to 1, and its log-odds then
    outweighed every posting's evidence. On out-of-fold probabilities of the shared postings, files of 20 drawn at
    shares from 0 to 1 got answers of a lower log-loss than plain EM's (0.063 against 0.071 on average, 0.49
    against 1.25 at worst; ``python scripts/prior_check.py``); from 100 postings on, the same to 0.001. The share
    EM climbs to is found directly, as the one root of the posterior's slope (which falls from one end to the
    other): EM itself could stop short of it on probabilities that say little.

    Parameters
    ----------
    p_tpm : sequence of float
        TPM probabilities, computed under ``prior``.
    prior : float
        The TPM share the probabilities assume.
    tol : float, default 1e-12
        How close to the estimate the share returned is (0: as close as floats go).
    max_iter : int, default 200
        The most steps taken to find it (Brent's method takes a few dozen at most; fewer give a rougher share).

    Returns
    -------
    float
        The estimated share, in (0, 1).

    Raises
    ------
    InvalidValueError
        Fewer than :data:`MIN_PRIOR_POSTINGS` probabilities, or values that are not one row of probabilities
        (missing, outside 0 to 1, or not in one row), or a ``tol`` or ``max_iter`` out of its range.

    Examples
    --------
    >>> round(estimate_prior([0.9, 0.8, 0.2, 0.1, 0.1] * 4, prior=0.5), 2)
    0.37
    >>> round(estimate_prior([1.0] * 20, prior=0.5), 3)  # all TPM: 21/22, one more posting of each role counted
    0.955
    """
    prior = check_prior(prior)
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < 1:
        raise InvalidValueError(f"tol must be a number from 0 (the float's own precision) to under 1, got {tol!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or not 1 <= max_iter <= 10_000:
        raise InvalidValueError(f"max_iter must be a whole number from 1 to 10,000, got {max_iter!r}")
    try:
        p = np.asarray(p_tpm, dtype=float)
    except (TypeError, ValueError) as err:
        raise InvalidValueError(f"p_tpm must be TPM probabilities (numbers from 0 to 1): {err}") from None
    if p.ndim != 1 or not np.all((p >= 0) & (p <= 1)):  # (NaN fails the test too)
        bad = f"an array of shape {p.shape}" if p.ndim != 1 else "values that are missing or outside 0 to 1"
        raise InvalidValueError(f"p_tpm must be one row of TPM probabilities (from 0 to 1), got {bad}")
    p = np.clip(p, 1e-12, 1 - 1e-12)
    if p.size < MIN_PRIOR_POSTINGS:
        raise InvalidValueError(
            f"estimating the TPM share needs at least {MIN_PRIOR_POSTINGS} in-scope TPM or PM postings, got "
            f"{p.size}; state the share instead (e.g. with_prior(0.3))"
        )
    ratio = p / (1 - p) / (prior / (1 - prior)) - 1.0  # each posting's likelihood ratio of TPM to PM, less 1

    def slope(share: float) -> float:  # of the log posterior: its log-likelihood, and log(share) + log(1 - share)
        return float(np.sum(ratio / (1.0 + share * ratio))) + 1.0 / share - 1.0 / (1.0 - share)

    low, high = PRIOR_MARGIN, 1.0 - PRIOR_MARGIN  # (shares past them are refused: see check_prior)
    if slope(low) <= 0.0:
        return low
    if slope(high) >= 0.0:
        return high
    # (disp=False: past max_iter steps, the last estimate, as EM's was; a tolerance of 0 is the float's own)
    return float(brentq(slope, low, high, xtol=max(float(tol), 1e-300), maxiter=int(max_iter), disp=False))
