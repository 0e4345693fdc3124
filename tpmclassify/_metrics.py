"""The metrics of an evaluation: calibration error, and the TPM-vs-PM figures each source weighing the same.

Pure functions of labels, probabilities and sources; :func:`~tpmclassify.evaluate` computes them over its
out-of-fold predictions, and :meth:`~tpmclassify.EvaluationReport.rescored` against other labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, confusion_matrix, f1_score, roc_auc_score

from ._roles import ROLES, TPM

__all__ = ["expected_calibration_error"]


def expected_calibration_error(
    y: np.ndarray, p: np.ndarray, bins: int = 10, weights: np.ndarray | None = None
) -> float:
    """Expected calibration error over ``bins`` equal-width probability bins (optionally weighted).

    Examples
    --------
    >>> expected_calibration_error(np.array([0, 1]), np.array([0.0, 1.0]))
    0.0
    >>> round(expected_calibration_error(np.array([0, 1]), np.array([0.3, 0.9])), 2)
    0.2
    """
    y, p = np.asarray(y, float), np.asarray(p, float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    err = 0.0
    for b in range(bins):
        sel = which == b
        if w[sel].sum() > 0:
            err += w[sel].sum() / w.sum() * abs(np.average(p[sel], weights=w[sel]) - np.average(y[sel], weights=w[sel]))
    return float(err)


def _role_metrics(labels: np.ndarray, p_tpm: np.ndarray, sources: np.ndarray) -> tuple[dict[str, Any], pd.DataFrame]:
    """TPM-vs-PM metrics over the tpm and pm rows: each source weighing the same, pooled, and per source."""
    role = np.isin(labels, ROLES)
    y, p, src = (labels[role] == TPM).astype(int), p_tpm[role], sources[role]
    if len(y) == 0:
        return {"n_tpm": 0, "n_pm": 0}, pd.DataFrame()
    _, inverse, counts = np.unique(src.astype(str), return_inverse=True, return_counts=True)
    w = 1.0 / counts[inverse]  # each source's TPM/PM rows weigh 1 together
    both = 0 < y.sum() < len(y)
    m: dict[str, Any] = {
        "n_tpm": int(y.sum()),
        "n_pm": int(len(y) - y.sum()),
        "n_sources": int(len(counts)),
        "macro_f1": float(f1_score(y, p >= 0.5, average="macro", sample_weight=w)) if both else float("nan"),
        "roc_auc": float(roc_auc_score(y, p, sample_weight=w)) if both else float("nan"),
        "brier": float(brier_score_loss(y, p, sample_weight=w)),
        "ece": expected_calibration_error(y, p, weights=w),
        "pooled_macro_f1": float(f1_score(y, p >= 0.5, average="macro")) if both else float("nan"),
        "pooled_roc_auc": float(roc_auc_score(y, p)) if both else float("nan"),
        "pooled_brier": float(brier_score_loss(y, p)),
        "pooled_ece": expected_calibration_error(y, p),
        "confusion": confusion_matrix(y, p >= 0.5, labels=[0, 1]).tolist(),
    }
    rows = []
    for name in sorted(set(src.astype(str))):
        sel = src.astype(str) == name
        rows.append(
            {
                "source": name,
                "n_tpm": int(y[sel].sum()),
                "n_pm": int((1 - y[sel]).sum()),
                "accuracy": float(np.mean((p[sel] >= 0.5) == y[sel])),
                "brier": float(np.mean((p[sel] - y[sel]) ** 2)),
                "ece": expected_calibration_error(y[sel], p[sel]),
            }
        )
    names = pd.Index([r.pop("source") for r in rows], dtype=object, name="source")  # (a str one refuses a surrogate)
    table = pd.DataFrame(rows, index=names)
    worst = table["brier"].idxmax()
    m.update(
        worst_source=str(worst),
        worst_source_accuracy=float(table["accuracy"].to_numpy()[table.index.get_loc(worst)]),
        worst_source_brier=float(table["brier"].max()),
    )
    return m, table
