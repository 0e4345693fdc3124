"""Features: article cues and stemmed word n-grams, from one tokenisation.

A posting is normalised, tokenised and stemmed once. The stems feed two blocks
of one sparse matrix: one column per cue of the cue table (``log1p`` of its
match count) and one TF-IDF column per stemmed word uni/bi-gram of the fitted
vocabulary. :func:`evidence` re-runs the same matching with character spans, so
an explanation can point at the exact text behind every non-zero feature.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize as l2_normalize

from ._cues import Cue
from ._text import normalize, readable, stem, token_spans, tokenize

__all__ = ["CueMatcher", "Evidence", "FeatureSpace", "stems_of"]

_STOP = frozenset(ENGLISH_STOP_WORDS)


def stems_of(text: str) -> list[str]:
    """Stemmed tokens of a raw posting."""
    return [stem(t) for t in tokenize(normalize(text))]


def ngrams(stems: Sequence[str], n_max: int) -> list[str]:
    """Stemmed uni- to ``n_max``-grams, stop words and bare numbers left out."""
    words = [s for s in stems if s not in _STOP and not s.isdigit() and len(s) > 1]
    grams = list(words)
    for n in range(2, n_max + 1):
        grams.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    return grams


class CueMatcher:
    """Find cue phrases in a stem sequence: longest match first, no overlaps.

    Parameters
    ----------
    cues : sequence of Cue
        The cue table.
    """

    def __init__(self, cues: Sequence[Cue]) -> None:
        self.cues = tuple(cues)
        index: dict[str, list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for j, cue in enumerate(self.cues):
            for phrase in cue.phrases:
                key = tuple(stems_of(phrase))
                if key:
                    index[key[0]].append((key, j))
        for options in index.values():
            options.sort(key=lambda o: -len(o[0]))
        self._index = dict(index)

    def matches(self, stems: Sequence[str]) -> list[tuple[int, int, int]]:
        """Return ``(cue index, first token, end token)`` for each match."""
        found = []
        i, n, index = 0, len(stems), self._index
        while i < n:
            options = index.get(stems[i])
            if options:
                for key, j in options:
                    k = len(key)
                    if tuple(stems[i : i + k]) == key:
                        found.append((j, i, i + k))
                        i += k
                        break
                else:
                    i += 1
            else:
                i += 1
        return found


@dataclass(frozen=True)
class Evidence:
    """Where one feature came from in one posting: its matched text and spans."""

    text: str
    spans: tuple[tuple[int, int], ...]


class FeatureSpace:
    """The fitted mapping from text to features (cues, then n-grams).

    Parameters
    ----------
    cues : sequence of Cue
        Cue table.
    vocabulary : sequence of str
        Stemmed n-grams, in column order.
    idf : array of float
        Inverse document frequency of each n-gram.
    ngram_max : int
        Longest n-gram.
    cue_scale, ngram_scale : float
        Multipliers of the two blocks (0 switches a block off).
    """

    def __init__(
        self,
        cues: Sequence[Cue],
        vocabulary: Sequence[str],
        idf: np.ndarray,
        ngram_max: int = 2,
        cue_scale: float = 1.0,
        ngram_scale: float = 1.0,
    ) -> None:
        self.matcher = CueMatcher(cues)
        self.cues = self.matcher.cues
        self.vocabulary = list(vocabulary)
        self._column = {g: i for i, g in enumerate(self.vocabulary)}
        self.idf = np.asarray(idf, dtype=float)
        self.ngram_max = ngram_max
        self.cue_scale = cue_scale
        self.ngram_scale = ngram_scale

    @property
    def n_features(self) -> int:
        return len(self.cues) + len(self.vocabulary)

    @property
    def names(self) -> list[str]:
        """Feature names: ``cue:<axis>:<name>`` then ``ngram:<stems>``."""
        return [f"cue:{c.axis}:{c.name}" for c in self.cues] + [f"ngram:{g}" for g in self.vocabulary]

    def transform(self, stem_lists: Iterable[Sequence[str]]) -> sp.csr_matrix:
        """Turn stem sequences into the feature matrix."""
        n_cues = len(self.cues)
        indptr, indices, values = [0], [], []
        ng_rows, ng_cols, ng_vals = [], [], []
        for row, stems in enumerate(stem_lists):
            if self.cue_scale:
                counts = Counter(j for j, _, _ in self.matcher.matches(stems))
                for j in sorted(counts):
                    indices.append(j)
                    values.append(np.log1p(counts[j]) * self.cue_scale)
            indptr.append(len(indices))
            if self.ngram_scale:
                grams = Counter(self._column[g] for g in ngrams(stems, self.ngram_max) if g in self._column)
                ng_rows.extend([row] * len(grams))
                ng_cols.extend(grams.keys())
                ng_vals.extend(grams.values())
        n_rows = len(indptr) - 1
        cue_block = sp.csr_matrix(
            (np.asarray(values, dtype=float), np.asarray(indices, dtype=np.int64), np.asarray(indptr)),
            shape=(n_rows, n_cues),
        )
        rows_cols = (np.asarray(ng_rows, dtype=np.int64), np.asarray(ng_cols, dtype=np.int64))
        tf = sp.csr_matrix((np.asarray(ng_vals, dtype=float), rows_cols), shape=(n_rows, len(self.vocabulary)))
        if tf.nnz:
            tf.data = 1.0 + np.log(tf.data)
            tf = l2_normalize(tf @ sp.diags(self.idf), copy=False) * self.ngram_scale
        return sp.hstack([cue_block, tf], format="csr")

    def evidence(self, text: str) -> dict[int, Evidence]:
        """Feature column -> the text and character spans that produced it."""
        norm = normalize(text)
        toks = list(token_spans(norm))
        stems = [stem(t) for t, _, _ in toks]
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for j, a, b in self.matcher.matches(stems):
            spans[j].append((toks[a][1], toks[b - 1][2]))
        # n-grams: rebuild them over the kept tokens, remembering where each starts and ends
        kept = [i for i, s in enumerate(stems) if s not in _STOP and not s.isdigit() and len(s) > 1]
        n_cues = len(self.cues)
        for n in range(1, self.ngram_max + 1):
            for k in range(len(kept) - n + 1):
                idx = kept[k : k + n]
                col = self._column.get(" ".join(stems[i] for i in idx))
                if col is not None:
                    spans[n_cues + col].append((toks[idx[0]][1], toks[idx[-1]][2]))
        out = {}
        for col, where in spans.items():
            out[col] = Evidence(readable(text[where[0][0] : where[0][1]]), tuple(where))
        return out


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
    keep.sort()
    n = len(stem_lists)
    idf = np.array([np.log((1 + n) / (1 + df[g])) + 1.0 for g in keep])
    return keep, idf
