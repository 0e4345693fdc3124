"""The n-gram vocabulary: stemmed word n-grams kept when enough postings, from enough sources, use them."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

import numpy as np

from ._errors import InvalidValueError

__all__ = ["MAX_VOCABULARY", "fit_vocabulary", "ngrams"]

#: The most n-grams a model may have (ten times the default ``max_features``): loading costs about 1 KB of memory
#: per n-gram at its peak (0.7 KB kept), so at most some 200 MB and a few seconds. A fit past it is refused as soon as
#: the vocabulary is counted, and a model file past it is refused at save and at load.
MAX_VOCABULARY = 200_000


def _grams(words: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return zip(*(words[k:] for k in range(n)), strict=False)


def ngrams(stems: Sequence[str], n_max: int) -> list[str]:
    """Stemmed uni- to ``n_max``-grams, stop words and bare numbers left out."""
    words = list(filter(None, stems))
    grams = list(words)
    for n in range(2, n_max + 1):
        grams.extend(map(" ".join, _grams(words, n)))
    return grams


def fit_vocabulary(
    stem_lists: Sequence[Sequence[str]],
    ngram_max: int,
    min_df: int,
    groups: Sequence[object] | None,
    min_groups: int,
    max_features: int | None,
) -> tuple[list[str], np.ndarray]:
    """Choose the n-gram vocabulary and its idf.

    An n-gram is kept if it occurs in at least ``min_df`` postings and, when
    ``groups`` (sources) are given, in postings of at least ``min_groups``
    different sources: wording used by one company only is its boilerplate, not
    evidence about the role.
    """
    df: Counter[str] = Counter()
    sources: dict[str, set[object]] = defaultdict(set)
    for i, stems in enumerate(stem_lists):
        grams = set(ngrams(stems, ngram_max))
        df.update(grams)
        if groups is not None:
            for g in grams:
                sources[g].add(groups[i])
    keep = [g for g, c in df.items() if c >= min_df and (groups is None or len(sources[g]) >= min_groups)]
    keep.sort(key=lambda g: (-df[g], g))
    if max_features is not None:
        keep = keep[:max_features]
    if len(keep) > MAX_VOCABULARY:  # refused before any head is fitted on them
        raise InvalidValueError(
            f"the fit keeps {len(keep):,} n-grams (max_features={max_features}, min_df={min_df}, "
            f"min_groups={min_groups}); a model holds at most {MAX_VOCABULARY:,}: set max_features to at most that"
        )
    keep.sort()
    n = len(stem_lists)
    idf = np.array([np.log((1 + n) / (1 + df[g])) + 1.0 for g in keep])
    return keep, idf
