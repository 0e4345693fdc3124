"""Shared helpers for the benchmarks: the postings to run on, distinct postings made from them, the plain baseline."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data" / "postings.csv"
SAMPLE = ROOT / "data" / "sample_postings.csv"

_SENTENCE = re.compile(r".+?(?:[.!?](?=\s)|\n|$)\s*", re.DOTALL)  # a sentence or line, with the space after it


def postings() -> tuple[pd.DataFrame, str]:
    """The shared labelled postings when present, else the bundled sample, weak-labelled from its titles.

    Returns
    -------
    frame : DataFrame
        Columns ``id``, ``title``, ``company``, ``description`` and ``label``.
    source : str
        Where they came from (says so when the shared postings are absent).
    """
    if SHARED.is_file():
        return pd.read_csv(SHARED, dtype=str, keep_default_na=False), str(SHARED)
    from tpmclassify import label_from_title

    df = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    df["label"] = [label_from_title(t) or "other" for t in df["title"]]
    return df, f"{SAMPLE} (shared postings not found; labels from the titles)"


def distinct_postings(df: pd.DataFrame, n: int, *, seed: int = 0, parts: int = 3) -> list[str]:
    """``n`` postings that are all different, stitched from the sentences of real ones.

    Each is a run of consecutive sentences from each of ``parts`` randomly drawn postings (about a
    ``1 / parts`` share of each), so the vocabulary, sentence shapes and lengths stay those of real
    postings while no text repeats and no cache keyed on a whole text can help. When the draws keep
    repeating texts (a handful of postings, many wanted), each posting is stitched from one more part.

    Parameters
    ----------
    df : DataFrame
        Postings with a ``description`` column.
    n : int
        How many to make.
    seed : int, default 0
        Seed of the draws (the same seed gives the same postings).
    parts : int, default 3
        How many real postings each one is stitched from.

    Returns
    -------
    list of str
        ``n`` distinct texts, none equal to a real posting.
    """
    docs = [s for s in (_SENTENCE.findall(d) for d in df["description"]) if s]
    if not docs:
        raise ValueError("no sentences to stitch postings from")
    rng = random.Random(seed)
    seen = set(df["description"])
    out: list[str] = []
    misses = 0
    while len(out) < n:
        pieces = []
        for sentences in rng.sample(docs, min(parts, len(docs))):
            size = max(1, round(len(sentences) / parts))
            start = rng.randrange(len(sentences) - size + 1)
            pieces.extend(sentences[start : start + size])
        text = "".join(p if p[-1:].isspace() else p + " " for p in pieces).strip()
        if text in seen:
            misses += 1
            if misses > 50:  # too few combinations left: stitch from more postings
                parts, misses = parts + 1, 0
            continue
        seen.add(text)
        out.append(text)
        misses = 0
    return out


def plain_pipeline(df: pd.DataFrame) -> Pipeline:
    """The plain TF-IDF + logistic regression pipeline, fitted on the postings.

    Parameters
    ----------
    df : DataFrame
        Postings with ``description`` and ``label`` columns.

    Returns
    -------
    Pipeline
        The fitted pipeline (``classes_`` are the labels, sorted).
    """
    return make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(max_iter=2000)).fit(
        df["description"], df["label"]
    )
