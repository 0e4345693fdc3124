"""How well a file's TPM share is estimated (``--prior auto``): the shipped estimate against plain EM.

Usage (from the repository root)::

    python scripts/company_check.py --predictions cc.csv   # out-of-fold P(TPM), companies left out
    python scripts/prior_check.py cc.csv

Files of 20 to 300 TPM and PM postings are drawn from those out-of-fold probabilities, 400 of each size, at TPM
shares from 0 to 1 (a file of one role included). For each, the share is estimated twice: by
:func:`tpmclassify.estimate_prior` (the share EM climbs to, counting one more posting of each role) and by plain EM
(Saerens, Latinne & Decaestecker 2002: the most likely share, run to its fixed point). Prints, per size, the mean
distance of each estimate from the file's true share, and the log-loss of the answers each makes (the
probabilities moved to that share), on average and at worst: what a user of ``--prior auto`` gets.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd

from tpmclassify import estimate_prior


def plain_em(p: np.ndarray, prior: float, tol: float = 1e-10, max_iter: int = 100_000) -> float:
    """The most likely share (Saerens et al.'s EM, without the one more posting of each role)."""
    odds = p / (1 - p) / (prior / (1 - prior))
    share = prior
    for _ in range(max_iter):
        r = share / (1 - share)
        new = min(max(float(np.mean(odds * r / (1 + odds * r))), 1e-6), 1 - 1e-6)
        if abs(new - share) < tol:
            return new
        share = new
    return share


def log_loss(y: np.ndarray, p: np.ndarray, prior: float, share: float) -> float:
    """The log-loss of probabilities ``p`` (computed under ``prior``) moved to ``share``."""
    odds = p / (1 - p) * (share / (1 - share)) / (prior / (1 - prior))
    q = np.clip(odds / (1 + odds), 1e-15, 1 - 1e-15)
    return float(-np.mean(y * np.log(q) + (1 - y) * np.log(1 - q)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("predictions", help="a --predictions file of scripts/company_check.py")
    parser.add_argument("--draws", type=int, default=400)
    args = parser.parse_args(argv)
    scored = pd.read_csv(args.predictions)
    y = (scored["target"] == "tpm").to_numpy()
    p = np.clip(scored["p_tpm"].to_numpy(), 1e-12, 1 - 1e-12)
    prior = float(y.mean())  # (about the fold models' own: the probabilities assume it)
    tpm, pm = np.flatnonzero(y), np.flatnonzero(~y)
    rng = np.random.default_rng(0)
    print(f"{len(y)} postings ({len(tpm)} TPM); {args.draws} files per size; shipped estimate against plain EM")
    for n in (20, 30, 50, 100, 300):
        error: dict[str, list[float]] = {"shipped": [], "plain EM": []}
        loss: dict[str, list[float]] = {"shipped": [], "plain EM": []}
        for _ in range(args.draws):
            k = min(rng.binomial(n, rng.choice([0.0, 0.05, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0])), len(tpm))
            rows = np.concatenate([rng.choice(tpm, k, replace=False), rng.choice(pm, n - k, replace=False)])
            for name, share in (("shipped", estimate_prior(p[rows], prior)), ("plain EM", plain_em(p[rows], prior))):
                error[name].append(abs(share - k / n))
                loss[name].append(log_loss(y[rows], p[rows], prior, share))
        print(
            f"  {n:3d} postings: share off by {np.mean(error['shipped']):.4f} "
            f"(plain EM {np.mean(error['plain EM']):.4f});"
            f" answers' log-loss {np.mean(loss['shipped']):.4f} ({np.mean(loss['plain EM']):.4f}),"
            f" at worst {np.max(loss['shipped']):.2f} ({np.max(loss['plain EM']):.2f})"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
