"""Reading tables of postings (CSV, gzipped CSV, JSON lines, Parquet)."""

from __future__ import annotations

import pandas as pd

__all__ = ["read_table"]


def read_table(path: str) -> pd.DataFrame:
    """Read a whole table of postings; the format follows the file name."""
    low = str(path).lower()
    if low.endswith((".jsonl", ".jsonl.gz")):
        return pd.read_json(path, lines=True, dtype=False)
    if low.endswith(".parquet"):
        return pd.read_parquet(path)
    return pd.read_csv(path, dtype=str, keep_default_na=False)
