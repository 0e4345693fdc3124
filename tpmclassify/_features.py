"""Features: article cues and stemmed word n-grams, from one tokenisation.

A posting is normalised and tokenised once. Its words are numbered (:mod:`._words`), and the postings of a batch are
matched together: cue phrases and vocabulary n-grams are phrases of word or stem ids, found at every position at once
(:mod:`._phrases`). Two blocks of one sparse matrix come out: one column per cue of the cue table (``log1p`` of its
match count, read as in a posting of ``reference_words`` words: see ``_values.cue_values_of``) and one TF-IDF column per
stemmed word uni/bi-gram of the fitted vocabulary.

:class:`FeatureSpace` is the one reader of postings: a :class:`Vectorizer` (:meth:`~FeatureSpace.transform`, the
features; :meth:`~FeatureSpace.matches`, the character spans behind each of them), plus what a batch's explanations
need to quote its words without reading it again (:meth:`~FeatureSpace.read`, :meth:`~FeatureSpace.quotes`). How it
reads fast (pieces of text remembered, tries, caches) stays inside it; ``tests/plain_reading.py`` is its
specification, the same reading in the shortest plain code, held to it on every shared posting and on fuzz.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import cached_property
from itertools import chain
from typing import NamedTuple, Protocol

import numpy as np
import scipy.sparse as sp

from ._cues import AXES, Cue
from ._errors import InvalidValueError
from ._language import LANGUAGE_WORDS
from ._phrases import CueMatcher, Trie
from ._sections import job_text
from ._text import normalize, readable, token_spans
from ._values import counts_of, cue_values_of, lengths, row_of, unit_rows
from ._words import NUMBER_STEM, NUMBER_WORD, SEPARATOR_STEM, Encoded, Words, tokens_of

__all__ = ["Evidence", "FeatureSpace", "Found", "Vectorizer", "tokens_of"]


class Evidence(NamedTuple):
    """Where one feature came from in one posting: its matched text and spans."""

    text: str
    spans: tuple[tuple[int, int], ...]


class Vectorizer(Protocol):
    """How postings are read into features: what a model needs of a reader, and what its specification answers."""

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """The feature matrix of raw postings (one row each)."""
        ...

    def matches(self, text: str) -> dict[int, Evidence]:
        """Feature column -> the posting's text and character spans behind it."""
        ...


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
    reference_words : float, optional
        Cue counts are read as in a posting of this many words (see ``_values.cue_values_of``); None reads them as they
        are.
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
        reference_words: float | None = None,
    ) -> None:
        for cue in cues:
            if cue.axis not in AXES or cue.axis == "wording":
                axes = ", ".join(a for a in AXES if a != "wording")
                raise InvalidValueError(f"cue {cue.name!r} has axis {cue.axis!r}; a cue's axis is one of: {axes}")
        self.cues = tuple(cues)
        self.vocabulary = list(vocabulary)
        # the n-grams as phrases of the vocabulary's stems, numbered
        grams = [tuple(g.split(" ")) for g in self.vocabulary]
        stem_ids: dict[str, int] = {}
        for gram in grams:
            for w in gram:
                stem_ids.setdefault(w, len(stem_ids))
        self._gram_keys = [tuple(stem_ids[w] for w in gram) for gram in grams]
        self._grams = Trie((key, col) for col, key in enumerate(self._gram_keys))
        self._words = Words(stem_ids)
        self._number = self._words.add(NUMBER_WORD)  # what the cues read every number as
        # Each head reads the cues of its own axes: the other-role cues (the scope head's) are matched apart, so
        # that a phrase naming another role ("software engineers") does not hide the words the TPM/PM cues read.
        groups = (
            [j for j, c in enumerate(self.cues) if c.axis != "other_role"],
            [j for j, c in enumerate(self.cues) if c.axis == "other_role"],
        )
        self.matchers = [CueMatcher([self.cues[j] for j in cols], cols, self._words) for cols in groups if cols]
        languages = {name: [self._words.add(w) for w in words] for name, words in LANGUAGE_WORDS.items()}
        self._words.freeze()
        # each word id's language (index into LANGUAGE_WORDS, from 1; 0: none): those ids are fixed, below every id a
        # posting brings (which is read as the one past them)
        self._fixed = len(self._words.ids)
        self._language = np.zeros(self._fixed + 1, dtype=np.int8)
        for k, ids in enumerate(languages.values(), start=1):
            self._language[ids] = k
        self.idf = np.asarray(idf, dtype=float)
        self.ngram_max = ngram_max
        self.cue_scale = cue_scale
        self.ngram_scale = ngram_scale
        self.reference_words = reference_words
        self.display = [c.name for c in self.cues] + list(self.vocabulary if display is None else display)
        self.axes = list(AXES)
        self._context = np.array([c.axis == "context" for c in self.cues], dtype=bool)
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

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        """The feature matrix of raw postings: a row per posting, the columns of :attr:`names`."""
        return self.read(texts)[0]

    def read(self, texts: Iterable[str]) -> tuple[sp.csr_matrix, Found]:
        """:meth:`transform`, and what :meth:`quotes` and :meth:`known_share` need to find the postings' words."""
        return self.read_jobs(map(job_text, texts))

    def read_jobs(self, jobs: Iterable[str]) -> tuple[sp.csr_matrix, Found]:
        """:meth:`read` of postings given as their job texts (``_sections.job_text``: boilerplate blanked)."""
        return self._features(self._words.encode_texts(jobs))

    def read_tokens(self, token_lists: Iterable[Sequence[str]]) -> tuple[sp.csr_matrix, Found]:
        """:meth:`read` of postings given as their normalised tokens (:func:`tokens_of`): the same features."""
        return self._features(self._words.encode(token_lists))

    def _features(self, encoded: Encoded) -> tuple[sp.csr_matrix, Found]:
        """All postings are matched at once: their words are numbered, and cues and n-grams are looked up for
        every position together (array operations, a Python step per match of several words only)."""
        ids, ptr, kept, stem_ids = encoded.ids, encoded.ptr, encoded.kept, encoded.stems
        n = len(ptr) - 1
        row = row_of(ptr)
        starts, ends, cols = self._cue_matches(ids, stem_ids) if self.cue_scale else (ids[:0],) * 3
        kept = self._outside_context(kept, starts, ends, cols)
        at_row = row[starts]
        positions = np.flatnonzero(kept)
        found = _found(
            encoded,
            at_row,
            starts - ptr[at_row],
            ends - ptr[at_row],
            cols,
            row[positions],
            positions - ptr[row[positions]],
            stem_ids[positions],
        )
        n_cues = len(self.cues)
        cue_rows, cue_cols, cue_counts = counts_of(at_row, cols, n_cues)
        words = lengths(found.kept_ptr)
        cue_values = cue_values_of(cue_counts, words[cue_rows], self.reference_words) * self.cue_scale
        hits = [(at[:, 0], c) for at, c in self._gram_hits(kept, stem_ids)] if self.ngram_scale else []
        tf_rows, tf_cols, tf = counts_of(
            row[np.concatenate([h for h, _ in hits] or [ids[:0]])],
            np.concatenate([c for _, c in hits] or [ids[:0]]),
            len(self.vocabulary),
        )
        if len(tf):
            tf = (1.0 + np.log(tf)) * self.idf[tf_cols]
            tf = unit_rows(tf_rows, tf, n) * self.ngram_scale
        # cues come before n-grams in a row, so a stable sort by row keeps each row's columns sorted
        rows = np.concatenate([cue_rows, tf_rows])
        order = np.argsort(rows, kind="stable")
        n_cols = n_cues + len(self.vocabulary)
        # indices in 32 bits when they fit, as scipy would store them: given so, it need not check them (about 0.01 ms,
        # a fiftieth of one posting's call)
        index: type[np.signedinteger] = np.int32 if max(len(rows), n_cols) <= np.iinfo(np.int32).max else np.int64
        indptr = np.zeros(n + 1, dtype=index)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        columns = np.concatenate([cue_cols, tf_cols + n_cues])[order].astype(index)
        return sp.csr_matrix((np.concatenate([cue_values, tf])[order], columns, indptr), shape=(n, n_cols)), found

    def word_counts(self, found: Found) -> np.ndarray:
        """Per posting read by :meth:`read`: how many words n-grams are made of it has (not stop words, numbers or
        single characters)."""
        return lengths(found.kept_ptr)

    def language_shares(self, found: Found) -> dict[str, np.ndarray]:
        """Per posting read by :meth:`read`, for each language of ``_language.LANGUAGE_WORDS``: the share of its
        tokens that are that language's small words, whatever their case (0 for a posting without tokens); and
        under ``"tokens"``, how many tokens it has. What tells the few postings worth reading for their language
        (``_language.another_language``) from the rest, at once.

        Examples
        --------
        >>> import tpmclassify
        >>> space = tpmclassify.default_model().space_
        >>> shares = space.language_shares(space.read(["Nous cherchons un chef de projet pour la mise en place "
        ...                                            "des outils et du suivi avec les équipes"])[1])
        >>> round(float(shares["foreign"][0]), 2), round(float(shares["english"][0]), 2), int(shares["tokens"][0])
        (0.53, 0.0, 19)
        """
        n, k = len(found.ptr) - 1, len(LANGUAGE_WORDS) + 1
        tokens = lengths(found.ptr) - 1  # (each posting's ids end with the separator)
        rows = row_of(found.ptr)
        language = self._language[np.minimum(found.ids, self._fixed)]
        counts = np.bincount(rows * k + language, minlength=n * k).reshape(n, k)  # per posting, per language
        shares = np.zeros((n, k))
        np.divide(counts, tokens[:, None], out=shares, where=tokens[:, None] > 0)
        return {"tokens": tokens, **{name: shares[:, j] for j, name in enumerate(LANGUAGE_WORDS, start=1)}}

    def known_share(self, found: Found) -> np.ndarray:
        """Per posting read by :meth:`read`: the share of its words (those n-grams are made of) that are in a
        vocabulary n-gram, 0 for a posting without such words."""
        counts = lengths(found.kept_ptr)
        n = len(counts)
        rows = row_of(found.kept_ptr)
        known = np.zeros(n)
        np.divide(np.bincount(rows, weights=found.kept_stems >= 0, minlength=n), counts, out=known, where=counts > 0)
        return known

    def _outside_context(self, kept: np.ndarray, starts: np.ndarray, ends: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """``kept`` without the words of the context cues' matches: a phrase read in context votes for nothing,
        through its cue or through the n-grams (which skip its words as they skip stop words)."""
        context = self._context[cols]
        if not context.any():
            return kept
        a, b = starts[context], ends[context]
        lengths = b - a
        covered = np.repeat(a, lengths) + np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        kept = kept.copy()
        kept[covered] = False
        return kept

    def _cue_matches(self, ids: np.ndarray, stem_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every cue match (first and end token positions, column), by matcher, each in text order; a number is read
        as the word :data:`~tpmclassify._words.NUMBER_WORD`, as the cue phrases' numbers are."""
        ids = np.where(stem_ids == NUMBER_STEM, self._number, ids)
        found = [m.match(ids) for m in self.matchers] or [(ids[:0],) * 3]
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]

    def _gram_hits(self, kept: np.ndarray, stem_ids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Each vocabulary n-gram of encoded postings (see :meth:`Words.encode`): the token positions of its
        words (one row per hit, ``n`` columns) and its vocabulary column, for n = 1, 2, ..."""
        sequence = np.flatnonzero(kept | (stem_ids == SEPARATOR_STEM))  # the kept words and the separators
        for at, cols, n in self._grams.walk(stem_ids[sequence]):
            yield sequence[at[:, None] + np.arange(n)], cols

    def quotes(self, found: Found, i: int, columns: Collection[int]) -> dict[int, str]:
        """Column -> the words (normalised tokens) of its first occurrence, for the given feature ``columns`` of
        posting ``i`` of a batch (``found`` by :meth:`features`).

        What reasons quote: found from the words the features were computed from, without matching again.
        """
        return {j: w for j, (w, _) in self.quoted(found, i, columns).items()}

    def quoted(self, found: Found, i: int, columns: Collection[int]) -> dict[int, tuple[str, int]]:
        """Column -> the words :meth:`quotes` gives, and how many times a cue's words occur in posting ``i``'s words
        before the place they are quoted from: as part of another cue's match (a longer phrase, a role name:
        "technical" in "technical program manager"), where the posting's text holds them too, so that a quote
        passes them over."""
        first = self._first(found, i, columns)
        start = int(found.ptr[i])
        ids = found.ids[start : start + max((b for _, b in first.values()), default=0)].tolist()  # (as far as needed)
        words, n_cues = found.words, len(self.cues)
        out = {}
        for j, (a, b) in first.items():
            phrase = ids[a:b]
            out[j] = " ".join([words[k] for k in phrase]), sum(1 for _ in _places(ids, phrase, a)) if j < n_cues else 0
        return out

    def _first(self, found: Found, i: int, columns: Collection[int]) -> dict[int, tuple[int, int]]:
        """Column -> the token positions (start, end) in posting ``i``'s words of its first occurrence."""
        a, b = found.cue_ptr[i : i + 2].tolist()
        cues = found.cols[a:b].tolist()  # sorted
        n_cues = len(self.cues)
        out: dict[int, tuple[int, int]] = {}
        for j in columns:
            k = bisect_left(cues, j) if j < n_cues else len(cues)
            if k < len(cues) and cues[k] == j:
                out[j] = (int(found.starts[a + k]), int(found.ends[a + k]))
        wanted = [j for j in columns if j >= n_cues] if self.ngram_scale else []  # (no n-gram block at 0)
        if wanted:
            # the wanted n-grams as transform() reads them: runs of the kept words' stem ids, each at its first place
            a, b = found.kept_ptr[i : i + 2].tolist()
            stems, where = found.kept_stems[a:b].tolist(), found.kept[a:b]
            for j in wanted:
                key = self._gram_keys[j - n_cues]
                at = next(_places(stems, key), None)
                if at is not None:
                    out[j] = (int(where[at]), int(where[at + len(key) - 1]) + 1)  # with its stop words
        return out

    def matches(self, text: str) -> dict[int, Evidence]:
        """Feature column -> the text and character spans that produced it."""
        tokens, starts, ends = token_spans(normalize(job_text(text)))
        encoded = self._words.encode([tokens])
        ids, kept, stem_ids = encoded.ids, encoded.kept, encoded.stems
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        matches = self._cue_matches(ids, stem_ids) if self.cue_scale else (ids[:0],) * 3
        kept = self._outside_context(kept, *matches)
        for a, b, col in zip(*(x.tolist() for x in matches), strict=True):
            spans[col].append((starts[a], ends[b - 1]))
        n_cues = len(self.cues)
        for where, cols in self._gram_hits(kept, stem_ids) if self.ngram_scale else ():
            for a, b, col in zip(where[:, 0].tolist(), where[:, -1].tolist(), cols.tolist(), strict=True):
                spans[n_cues + col].append((starts[a], ends[b]))
        return {col: Evidence(readable(text[where[0][0] : where[0][1]]), tuple(where)) for col, where in spans.items()}

    def surface_forms(self, token_lists: Sequence[Sequence[str]]) -> list[str]:
        """The commonest surface form (the lower-cased words, stop words between them left out) of each
        vocabulary n-gram in the given postings; its stems where it does not occur."""
        seen: list[Counter[str]] = [Counter() for _ in self.vocabulary]
        encoded = self._words.encode(token_lists)
        kept, stem_ids = encoded.kept, encoded.stems
        words = list(chain.from_iterable(chain.from_iterable((tokens, [""]) for tokens in token_lists)))
        for at, cols in self._gram_hits(kept, stem_ids):
            for where, col in zip(at.tolist(), cols.tolist(), strict=True):
                seen[col][" ".join(words[i] for i in where)] += 1
        return [c.most_common(1)[0][0] if c else g for c, g in zip(seen, self.vocabulary, strict=True)]


class Found(NamedTuple):
    """What :meth:`FeatureSpace.features` found in a batch of postings, for quoting their words.

    The postings' words are ``words[k]`` for ``k`` in ``ids[ptr[i]:ptr[i + 1]]`` (see :class:`Encoded`).
    Posting ``i``'s cues are ``cols``, with the first and end token of each one's first match (``starts``,
    ``ends``), at ``cue_ptr[i]:cue_ptr[i + 1]``; the token positions of the words n-grams are made of
    (``kept``) and their stems' ids (``kept_stems``, -1 for a stem in no vocabulary n-gram) are at
    ``kept_ptr[i]:kept_ptr[i + 1]``. ``hidden``: see :class:`~tpmclassify._words.Encoded`.
    """

    ids: np.ndarray
    ptr: np.ndarray
    words: list[str]
    cue_ptr: np.ndarray
    cols: np.ndarray
    starts: np.ndarray
    ends: np.ndarray
    kept_ptr: np.ndarray
    kept: np.ndarray
    kept_stems: np.ndarray
    hidden: np.ndarray | None


def _found(
    encoded: Encoded,
    rows: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    cols: np.ndarray,
    kept_rows: np.ndarray,
    kept: np.ndarray,
    kept_stems: np.ndarray,
) -> Found:
    """:class:`Found` from every cue match (a column's matches in text order) and every kept word, by row."""
    _, first = np.unique(rows * (int(cols.max(initial=0)) + 1) + cols, return_index=True)  # first occurrences
    bounds = np.arange(len(encoded.ptr))
    return Found(
        encoded.ids,
        encoded.ptr,
        encoded.words,
        np.searchsorted(rows[first], bounds),
        cols[first],
        starts[first],
        ends[first],
        np.searchsorted(kept_rows, bounds),
        kept,
        kept_stems,
        encoded.hidden,
    )


def _places(words: list[int], key: Sequence[int], end: int | None = None) -> Iterator[int]:
    """Each position before ``end`` (default: the end) where the phrase ``key`` starts in ``words``, in order
    (overlapping ones too).

    Examples
    --------
    >>> list(_places([5, 6, 5, 6, 5, 7], (5, 6, 5))), list(_places([5, 6, 5, 6, 5, 7], [5, 6, 5], 2))
    ([0, 2], [0])
    """
    phrase, start, n = list(key), 0, len(key)
    end = len(words) if end is None else end
    try:
        while True:
            i = words.index(phrase[0], start, end)  # a C-level scan to each place of the first word
            if n == 1 or words[i : i + n] == phrase:
                yield i
            start = i + 1
    except ValueError:
        return


def display_forms(token_lists: Sequence[Sequence[str]], vocabulary: Sequence[str], ngram_max: int) -> list[str]:
    """The commonest surface form of each vocabulary n-gram in the given postings (see
    :meth:`FeatureSpace.surface_forms`)."""
    return FeatureSpace((), vocabulary, np.ones(len(vocabulary)), ngram_max).surface_forms(token_lists)
