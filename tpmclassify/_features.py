"""Features: article cues and stemmed word n-grams, from one tokenisation.

A posting is normalised, tokenised and stemmed once. The stems feed two blocks
of one sparse matrix: one column per cue of the cue table (``log1p`` of its
match count) and one TF-IDF column per stemmed word uni/bi-gram of the fitted
vocabulary. :func:`evidence` re-runs the same matching with character spans, so
an explanation can point at the exact text behind every non-zero feature.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import cached_property
from itertools import compress, product
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS
from sklearn.preprocessing import normalize as l2_normalize

from ._cues import AXES, Cue
from ._text import light_stem, normalize, readable, stem, token_matches, tokenize

__all__ = ["CueMatcher", "Evidence", "FeatureSpace", "tokens_of"]

# token -> its stem, or "" when n-grams leave the token out (its stem is a stop word, a number or a single
# character); grows as new words are seen, so each distinct word is stemmed and judged once.
_WORDS: dict[str, str] = {}
_MAX_CACHE = 500_000


def _new_word(token: str) -> str:
    if len(_WORDS) >= _MAX_CACHE:
        _WORDS.clear()
    s = stem(token)
    s = _WORDS[token] = "" if s in ENGLISH_STOP_WORDS or s.isdigit() or len(s) <= 1 else s
    return s


def stems_of_tokens(tokens: Sequence[str]) -> list[str]:
    """The stem of each normalised token, ``""`` for the tokens n-grams leave out."""
    try:
        return list(map(_WORDS.__getitem__, tokens))
    except KeyError:  # words not seen before: stem them once
        return [_WORDS[t] if t in _WORDS else _new_word(t) for t in tokens]


def _surface_forms(word: str) -> list[str]:
    """Every token whose plural-stripped form is ``word``."""
    forms = {word, word + "s", word[:-1] + "ies" if word.endswith("y") else word}
    return sorted(f for f in forms if light_stem(f) == word)


def tokens_of(text: str) -> list[str]:
    """Normalised tokens of a raw posting."""
    return tokenize(normalize(text))


def kept(stems: Sequence[str]) -> list[int]:
    """Positions of the stems that n-grams are made of."""
    return list(compress(range(len(stems)), stems))


def _grams(words: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return zip(*(words[k:] for k in range(n)), strict=False)


def ngrams(stems: Sequence[str], n_max: int) -> list[str]:
    """Stemmed uni- to ``n_max``-grams, stop words and bare numbers left out."""
    words = list(filter(None, stems))
    grams = list(words)
    for n in range(2, n_max + 1):
        grams.extend(map(" ".join, _grams(words, n)))
    return grams


class CueMatcher:
    """Find cue phrases in a token sequence: longest match first, no overlaps.

    A token matches a phrase word when their plural-stripped forms agree (see :func:`light_stem`); the
    matcher indexes every surface form that strips to each phrase word, so matching is plain lookups.

    Parameters
    ----------
    cues : sequence of Cue
        The cue table.
    """

    def __init__(self, cues: Sequence[Cue]) -> None:
        self.cues = tuple(cues)
        # one-word phrases by surface form; longer phrases by their first two surface forms (the first cue
        # to claim a form wins, as the table is ordered)
        self._single: dict[str, int] = {}
        self._pairs: dict[tuple[str, str], list[tuple[tuple[str, ...], int]]] = defaultdict(list)
        for j, cue in enumerate(self.cues):
            for phrase in cue.phrases:
                key = [light_stem(t) for t in tokens_of(phrase)]
                for surface in product(*map(_surface_forms, key)):
                    if len(surface) == 1:
                        self._single.setdefault(surface[0], j)
                    elif surface:
                        self._pairs[(surface[0], surface[1])].append((surface, j))
        for options in self._pairs.values():
            options.sort(key=lambda o: -len(o[0]))
        self._starts = set(self._single) | {first for first, _ in self._pairs}

    def matches(self, tokens: Sequence[str]) -> list[tuple[int, int, int]]:
        """Return ``(cue index, first token, end token)`` for each match, in text order."""
        # Left to right, no overlaps: at each token that can start a cue, the longest phrase starting there,
        # else its one-word cue. Candidate positions are found by one C-level pass of set lookups.
        found = []
        pairs, single = self._pairs, self._single
        free, n = 0, len(tokens)
        for i in compress(range(n), map(self._starts.__contains__, tokens)):
            if i < free:
                continue
            for key, j in pairs.get((tokens[i], tokens[i + 1]), ()) if i + 1 < n else ():
                k = len(key)
                if k == 2 or tuple(tokens[i : i + k]) == key:
                    found.append((j, i, i + k))
                    free = i + k
                    break
            else:
                one = single.get(tokens[i])
                if one is not None:
                    found.append((one, i, i + 1))
        return found


class Evidence(NamedTuple):
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
    display : sequence of str, optional
        How each n-gram usually reads in postings (default: its stems).
    """

    def __init__(
        self,
        cues: Sequence[Cue],
        vocabulary: Sequence[str],
        idf: np.ndarray,
        ngram_max: int = 2,
        cue_scale: float = 1.0,
        ngram_scale: float = 1.0,
        display: Sequence[str] | None = None,
    ) -> None:
        for cue in cues:
            if cue.axis not in AXES or cue.axis == "wording":
                axes = ", ".join(a for a in AXES if a != "wording")
                raise ValueError(f"cue {cue.name!r} has axis {cue.axis!r}; a cue's axis is one of: {axes}")
        self.cues = tuple(cues)
        # Each head reads the cues of its own axes: the other-role cues (the scope head's) are matched apart, so
        # that a phrase naming another role ("software engineers") does not hide the words the TPM/PM cues read.
        groups = ([j for j, c in enumerate(self.cues) if c.axis != "other_role"],
                  [j for j, c in enumerate(self.cues) if c.axis == "other_role"])
        self.matchers = [(CueMatcher([self.cues[j] for j in cols]), cols) for cols in groups if cols]
        self.vocabulary = list(vocabulary)
        self._lookup = _lookup_tables(self.vocabulary, ngram_max)
        self.idf = np.asarray(idf, dtype=float)
        self.ngram_max = ngram_max
        self.cue_scale = cue_scale
        self.ngram_scale = ngram_scale
        self.display = [c.name for c in self.cues] + list(self.vocabulary if display is None else display)
        self.axes = list(AXES)
        self.axis_of = np.array(
            [self.axes.index(c.axis) for c in self.cues] + [self.axes.index("wording")] * len(self.vocabulary),
            dtype=np.int64,
        )

    @property
    def n_features(self) -> int:
        return len(self.cues) + len(self.vocabulary)

    @cached_property
    def axis_names(self) -> list[str]:
        """The axis of each feature."""
        return [self.axes[a] for a in self.axis_of.tolist()]

    @cached_property
    def names(self) -> list[str]:
        """Feature names: ``cue:<axis>:<name>`` then ``ngram:<stems>``."""
        return [f"cue:{c.axis}:{c.name}" for c in self.cues] + [f"ngram:{g}" for g in self.vocabulary]

    def transform(
        self, token_lists: Iterable[list[str]], first_cues: list[dict[int, tuple[int, int]]] | None = None
    ) -> sp.csr_matrix:
        """Turn normalised token lists into the feature matrix.

        Given a list ``first_cues``, also append to it, for each posting, the token range of each cue's first
        match (column -> (start, end)): what :meth:`quotes` needs, so it need not match the cues again.
        """
        cue_ptr, cue_idx = [0], []
        ng_ptr: list[int] = [0]
        ng_idx: list[int] = []
        lookups = [(n, table.get) for n, table in enumerate(self._lookup, start=1) if table]
        for tokens in token_lists:
            if self.cue_scale:
                first: dict[int, tuple[int, int]] = {}
                for matcher, cols in self.matchers:
                    found = matcher.matches(tokens)
                    cue_idx.extend([cols[j] for j, _, _ in found])
                    if first_cues is not None:
                        for j, a, b in reversed(found):  # the first occurrence is written last
                            first[cols[j]] = (a, b)
                if first_cues is not None:
                    first_cues.append(first)
            cue_ptr.append(len(cue_idx))
            if self.ngram_scale:
                words = list(filter(None, stems_of_tokens(tokens)))  # stop words and numbers left out
                for n, get in lookups:
                    ng_idx.extend(filter(None, map(get, words if n == 1 else _grams(words, n))))
            ng_ptr.append(len(ng_idx))
        # one entry per occurrence; scipy sums the duplicates into counts
        cue_block = _counts(cue_idx, cue_ptr, len(self.cues))
        cue_block.data = np.log1p(cue_block.data) * self.cue_scale
        tf = _counts(np.asarray(ng_idx, dtype=np.int64) - 1, ng_ptr, len(self.vocabulary))
        if tf.nnz:
            tf.data = (1.0 + np.log(tf.data)) * self.idf[tf.indices]
            tf = l2_normalize(tf, copy=False) * self.ngram_scale
        out = sp.hstack([cue_block, tf], format="csr")
        out.sort_indices()
        return out

    def quotes(
        self, tokens: Sequence[str], columns: Collection[int], first_cues: dict[int, tuple[int, int]] | None = None
    ) -> dict[int, str]:
        """Column -> the words (normalised tokens) of its first occurrence, for the given feature ``columns``.

        What reasons quote: found from the tokens the features were computed from, without re-reading the text
        (and, with ``first_cues`` from :meth:`transform`, without matching the cues again).
        """
        if first_cues is None:
            first_cues = {}
            for matcher, cols in self.matchers:
                for j, a, b in reversed(matcher.matches(tokens)):
                    first_cues[cols[j]] = (a, b)
        out = {j: " ".join(tokens[a:b]) for j, (a, b) in first_cues.items() if j in columns}
        n_cues = len(self.cues)
        # the wanted n-grams as transform() reads them (tuples of the kept stems), each found at its first position
        wanted = [(tuple(self.vocabulary[j - n_cues].split(" ")), j) for j in columns if j >= n_cues]
        if wanted:
            stems = stems_of_tokens(tokens)
            keep = kept(stems)
            words = [stems[i] for i in keep]
            for key, col in wanted:
                k = _first(words, key)
                if k is not None:
                    out[col] = " ".join(tokens[keep[k] : keep[k + len(key) - 1] + 1])  # with its stop words
        return out

    def evidence(self, text: str) -> dict[int, Evidence]:
        """Feature column -> the text and character spans that produced it."""
        found = token_matches(normalize(text))
        tokens = [m.group() for m in found]
        starts = [m.start() for m in found]
        ends = [m.end() for m in found]
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for matcher, cols in self.matchers:
            for j, a, b in matcher.matches(tokens):
                spans[cols[j]].append((starts[a], ends[b - 1]))
        n_cues = len(self.cues)
        for col, idx in vocabulary_grams(stems_of_tokens(tokens), self._lookup):
            spans[n_cues + col].append((starts[idx[0]], ends[idx[-1]]))
        return {col: Evidence(readable(text[where[0][0] : where[0][1]]), tuple(where)) for col, where in spans.items()}


def _first(words: list[str], key: tuple[str, ...]) -> int | None:
    """Position of the first occurrence of the n-gram ``key`` in ``words`` (None if absent)."""
    start, n = 0, len(key)
    try:
        while True:
            i = words.index(key[0], start)  # a C-level scan to each occurrence of the first word
            if n == 1 or tuple(words[i : i + n]) == key:
                return i
            start = i + 1
    except ValueError:
        return None


def _counts(indices: Sequence[int] | np.ndarray, indptr: list[int], n_cols: int) -> sp.csr_matrix:
    """CSR matrix of occurrence counts from per-row lists of column indices (with repeats)."""
    m = sp.csr_matrix(
        (np.ones(len(indices)), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
        shape=(len(indptr) - 1, n_cols),
    )
    m.sum_duplicates()
    return m


def _lookup_tables(vocabulary: Sequence[str], ngram_max: int) -> list[dict]:
    """Per n, the vocabulary's n-grams as the keys :meth:`FeatureSpace.transform` looks up (a stem for n = 1,
    else a tuple of stems), mapped to their column + 1 so that a miss (None) and column 0 stay apart."""
    tables: list[dict] = [{} for _ in range(ngram_max)]
    for i, g in enumerate(vocabulary):
        key = tuple(g.split(" "))
        tables[len(key) - 1][key[0] if len(key) == 1 else key] = i + 1
    return tables


def vocabulary_grams(stems: Sequence[str], lookup: list[dict]) -> Iterator[tuple[int, list[int]]]:
    """Each vocabulary n-gram of a posting (column, token positions), found as :meth:`FeatureSpace.transform`
    finds them; ``lookup`` is from :func:`_lookup_tables`."""
    keep = kept(stems)
    words = [stems[i] for i in keep]
    for n, table in enumerate(lookup, start=1):
        for k, col in enumerate(map(table.get, words if n == 1 else _grams(words, n))):
            if col:
                yield col - 1, keep[k : k + n]


def display_forms(token_lists: Iterable[Sequence[str]], vocabulary: Sequence[str], ngram_max: int) -> list[str]:
    """The commonest surface form (lower-cased words) of each vocabulary n-gram in the given postings."""
    lookup = _lookup_tables(vocabulary, ngram_max)
    seen: list[Counter[str]] = [Counter() for _ in vocabulary]
    for tokens in token_lists:
        for col, idx in vocabulary_grams(stems_of_tokens(tokens), lookup):
            seen[col][" ".join(tokens[i] for i in idx)] += 1
    return [c.most_common(1)[0][0] if c else g for c, g in zip(seen, vocabulary, strict=True)]


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
