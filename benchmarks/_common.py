"""Shared helpers for the benchmarks: the postings to run on and the plain baseline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "postings.csv"


def postings() -> tuple[pd.DataFrame, str]:
    """The shared postings when present, else the test fixtures (say which)."""
    if SHARED.is_file():
        return pd.read_csv(SHARED, dtype=str, keep_default_na=False), str(SHARED)
    path = ROOT / "tests" / "data" / "postings.csv"
    return pd.read_csv(path, dtype=str, keep_default_na=False), f"{path} (shared postings not found)"


def plain_pipeline(df: pd.DataFrame) -> Pipeline:
    """The plain TF-IDF + logistic regression pipeline, fitted on the postings."""
    return make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(max_iter=2000)).fit(
        df["description"], df["label"]
    )
