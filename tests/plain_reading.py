"""The plain reading: what a :class:`~tpmclassify._features.FeatureSpace` computes, in the shortest plain code.

This is the specification the fast reader is held to (``tests/test_plain_reading.py``): one posting at a time,
tokens from the tokenising regex on the whole normalised posting read without its format characters, cue phrases
matched left to right (the longest phrase at each position; no two matches of one matcher overlap; a number matches
any number), words read in context taken out of the n-grams, n-grams of the remaining words' stems, scikit-learn's
TF-IDF sums. No ids, tries, pieces or caches.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from functools import cache, lru_cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from tpmclassify._features import Evidence, FeatureSpace
from tpmclassify._invisible import FORMAT_CHARACTERS
from tpmclassify._sections import job_text
from tpmclassify._text import WORD_FILL, light_stem, normalize, readable, stem

__all__ = ["PlainReading", "nonzero"]

#: A token: a letter or digit, then letters, digits, "_", "+" and "#".
_TOKEN = re.compile(r"[^\W_][\w+#]*")


def tokens_and_spans(text: str) -> tuple[list[str], list[tuple[int, int]]]:
    """The tokens of normalised ``text`` with its format characters left out, and the span in ``text`` from each
    token's first character to its last, and on over the fill of an entity that ends it (``WORD_FILL``)."""
    cut = {m.start() for m in FORMAT_CHARACTERS.finditer(text)}
    where = [i for i in range(len(text)) if i not in cut] if cut else range(len(text))
    seen = "".join(text[i] for i in where) if cut else text
    found = list(_TOKEN.finditer(seen))
    spans = []
    for m in found:  # from a token's first character to its last, and over the fill of an entity that ends it
        end = where[m.end() - 1] + 1
        while end < len(text) and text[end] == WORD_FILL:
            end += 1
        spans.append((where[m.start()], end))
    return [m.group() for m in found], spans


def _cue_form(token: str) -> str:
    """A token as the cue phrases read it: its plural-stripped form, or "0" for a number (ASCII digits only)."""
    return "0" if token.isdigit() and token.isascii() else light_stem(token)


@cache
def _ngram_stem(token: str) -> str:
    """A token's stem, or "" when n-grams leave it out (a stop word, a number, a single character)."""
    s = stem(token)
    return "" if s in ENGLISH_STOP_WORDS or s.isdigit() or len(s) <= 1 else s


class PlainReading:
    """The features, spans and quotes of postings, from a feature space's public parts only.

    Parameters
    ----------
    space : FeatureSpace
        The fitted space whose cue table, vocabulary, idf and block scales are read.
    """

    def __init__(self, space: FeatureSpace) -> None:
        self.n_cues = len(space.cues)
        self.vocabulary = {gram: j for j, gram in enumerate(space.vocabulary)}
        self.idf, self.ngram_max = space.idf, space.ngram_max
        self.cue_scale, self.ngram_scale = space.cue_scale, space.ngram_scale
        self.reference_words = space.reference_words
        self.context = {j for j, cue in enumerate(space.cues) if cue.axis == "context"}
        # two matchers: the other-role cues apart from the rest; a phrase's first cue wins it
        self.matchers: list[tuple[dict[tuple[str, ...], int], int, set[str]]] = []
        for other in (False, True):
            table: dict[tuple[str, ...], int] = {}
            for j, cue in enumerate(space.cues):
                if (cue.axis == "other_role") == other:
                    for phrase in cue.phrases:
                        key = tuple(_cue_form(t) for t in tokens_and_spans(normalize(job_text(phrase)))[0])
                        if key:
                            table.setdefault(key, j)
            if table:  # with its longest phrase's length and the words phrases begin with
                self.matchers.append((table, max(map(len, table)), {key[0] for key in table}))

    @lru_cache(maxsize=8192)  # noqa: B019 (one reader per test module)
    def read(self, text: str) -> tuple[list[str], list[tuple[int, int]], dict[int, list[tuple[int, int]]], int]:
        """A posting's tokens, their character spans, each feature column's matches (first and end token), and how
        many words n-grams are made of (outside the context cues' matches)."""
        tokens, spans = tokens_and_spans(normalize(job_text(text)))
        matches: dict[int, list[tuple[int, int]]] = defaultdict(list)
        forms = [_cue_form(t) for t in tokens]
        for table, longest, first in self.matchers if self.cue_scale else []:
            i = 0
            while i < len(forms):
                for n in range(min(longest, len(forms) - i) if forms[i] in first else 0, 0, -1):
                    j = table.get(tuple(forms[i : i + n]))
                    if j is not None:
                        matches[j].append((i, i + n))
                        i += n
                        break
                else:
                    i += 1
        in_context = {k for j in self.context for a, b in matches.get(j, []) for k in range(a, b)}
        kept = [(i, s) for i, t in enumerate(tokens) if i not in in_context and (s := _ngram_stem(t))]
        stems = [s for _, s in kept]
        for n in range(1, self.ngram_max + 1) if self.ngram_scale else []:
            for k in range(len(kept) - n + 1):
                j = self.vocabulary.get(" ".join(stems[k : k + n]))
                if j is not None:
                    matches[self.n_cues + j].append((kept[k][0], kept[k + n - 1][0] + 1))
        return tokens, spans, {j: sorted(m) for j, m in matches.items()}, len(kept)

    def transform(self, texts: list[str]) -> sp.csr_matrix:
        """The feature matrix: ``log1p`` of each cue's count, then each n-gram's TF-IDF, the row's n-grams of
        unit length. The logarithms are numpy's, as the reader's are: libm's (``math``) differ in the last bit on some
        counts under numpy 2.4, and which library takes a logarithm is no part of the reading."""
        rows, cols, values = [], [], []
        for i, text in enumerate(texts):
            _, _, matches, words = self.read(text)
            factor = 1.0  # a cue's count read as in a posting of reference_words words, within 0.2 to 5 times
            if self.reference_words is not None:
                factor = min(max(float(np.sqrt(self.reference_words / max(words, 1))), 0.2), 5.0)
            row = {j: float(np.log1p(len(m) * factor)) * self.cue_scale for j, m in matches.items() if j < self.n_cues}
            counts = {j: len(m) for j, m in matches.items() if j >= self.n_cues}
            grams = {j: (1.0 + float(np.log(n))) * self.idf[j - self.n_cues] for j, n in counts.items()}
            norm = math.sqrt(sum(v * v for _, v in sorted(grams.items()))) or 1.0
            row.update((j, v / norm * self.ngram_scale) for j, v in grams.items())
            rows.extend([i] * len(row))
            cols.extend(row)
            values.extend(row.values())
        return sp.csr_matrix((values, (rows, cols)), shape=(len(texts), self.n_cues + len(self.vocabulary)))

    def matches(self, text: str) -> dict[int, Evidence]:
        """Feature column -> the posting's text at its first match, and the character spans of every match."""
        _, spans, matches, _ = self.read(text)
        out = {}
        for j, m in matches.items():
            where = tuple((spans[a][0], spans[b - 1][1]) for a, b in m)
            out[j] = Evidence(readable(text[where[0][0] : where[0][1]]), where)
        return out

    def quotes(self, text: str) -> dict[int, str]:
        """Feature column -> the normalised tokens of its first match (stop words inside an n-gram included)."""
        tokens, _, matches, _ = self.read(text)
        return {j: " ".join(tokens[m[0][0] : m[0][1]]) for j, m in matches.items()}


def nonzero(X: sp.csr_matrix) -> np.ndarray:
    """The stored entries of a matrix as (row, column, value) rows, sorted: two matrices are the same features."""
    X = sp.coo_matrix(X)
    keep = X.data != 0
    table = np.column_stack([X.row[keep], X.col[keep], X.data[keep]])
    return table[np.lexsort((table[:, 1], table[:, 0]))]
