"""Shared fixtures: the bundled model, a tiny model trained in about a second, the fixture postings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import tpmclassify

DATA = Path(__file__).parent / "data"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "postings.csv"


@pytest.fixture(scope="session")
def postings() -> pd.DataFrame:
    """Ten realistic postings written for this project: 3 tpm, 3 pm, 4 other."""
    return pd.read_csv(DATA / "postings.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def small_model(postings: pd.DataFrame) -> tpmclassify.TPMClassifier:
    """A model trained on the fixture postings (fast; for invariants, not for accuracy)."""
    return tpmclassify.TPMClassifier(cv=2, min_df=1, min_groups=1).fit(
        postings["description"].tolist(), postings["label"].tolist()
    )


@pytest.fixture(scope="session")
def bundled() -> tpmclassify.TPMClassifier:
    return tpmclassify.default_model()


@pytest.fixture(scope="session")
def shared_postings() -> pd.DataFrame:
    if not SHARED.is_file():
        pytest.skip(f"needs the shared postings at {SHARED} (not part of a user's clone)")
    return pd.read_csv(SHARED, dtype=str, keep_default_na=False)
