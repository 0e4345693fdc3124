"""Features: article cues and stemmed word n-grams, from one tokenisation.

A posting is normalised and tokenised once. Its words are numbered (each distinct
word is stemmed once), and the postings of a batch are matched together: cue
phrases and vocabulary n-grams are phrases of word or stem ids in a trie walked
from every position at once. Two blocks of one sparse matrix come out: one column
per cue of the cue table (``log1p`` of its match count) and one TF-IDF column per
stemmed word uni/bi-gram of the fitted vocabulary. :meth:`FeatureSpace.evidence`
runs the same matching on one posting with character spans, so an explanation can
point at the exact text behind every non-zero feature.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
from functools import cached_property
from itertools import chain, islice, product
from typing import NamedTuple

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ._cues import AXES, Cue
from ._errors import InvalidValueError
from ._sections import job_text
from ._text import light_stem, normalize, readable, stem, token_matches, tokenize

__all__ = ["CueMatcher", "Encoded", "Evidence", "FeatureSpace", "Found", "tokens_of"]

# token -> its stem, or "" when n-grams leave the token out (its stem is a stop word, a number or a single
# character); grows as new words are seen, so each distinct word is stemmed and judged once.
_WORDS: dict[str, str] = {}
_MAX_CACHE = 500_000
#: The longest word the stem cache keeps, and the longest piece of text (between spaces) a feature space
#: remembers: a longer one (a URL, a blob without spaces) is read again each time it is met.
_LONGEST_REMEMBERED = 64


def _new_word(token: str) -> str:
    if len(_WORDS) >= _MAX_CACHE:
        _WORDS.clear()
    s = stem(token)
    s = "" if s in ENGLISH_STOP_WORDS or s.isdigit() or len(s) <= 1 else s
    if len(token) <= _LONGEST_REMEMBERED:  # a longer one (stemming leaves it as it is) is not worth the memory
        _WORDS[token] = s
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
    """Normalised tokens of a raw posting's job (its boilerplate sections blanked, see :func:`job_text`)."""
    return tokenize(normalize(job_text(text)))


def _grams(words: list[str], n: int) -> Iterable[tuple[str, ...]]:
    return zip(*(words[k:] for k in range(n)), strict=False)


def ngrams(stems: Sequence[str], n_max: int) -> list[str]:
    """Stemmed uni- to ``n_max``-grams, stop words and bare numbers left out."""
    words = list(filter(None, stems))
    grams = list(words)
    for n in range(2, n_max + 1):
        grams.extend(map(" ".join, _grams(words, n)))
    return grams


#: Distinct words a feature space numbers, and pieces of text (between spaces) it remembers the words of, before
#: it starts afresh (memory stays bounded).
_MAX_WORDS = 500_000
_MAX_CHARS = 20_000_000
_MAX_PIECES = 500_000
#: The stem id of the separator that ends each encoded posting (-1 is a kept word's stem in no n-gram).
_SEPARATOR_STEM = -2


class _Words:
    """Integer ids of words (normalised tokens), and what the n-grams need of each word.

    Id 0 ends each posting (no phrase or n-gram runs across it). The words of the cue phrases are numbered
    next, by :meth:`add` before :meth:`freeze`, and keep their ids; other words are numbered as postings bring
    them. Thread-safe: numbering happens under a lock, and :meth:`encode` reads what it needs of each word under
    it.

    Parameters
    ----------
    stem_ids : dict of str to int
        The vocabulary's stems, numbered: a word whose stem is one gets that id (else -1).
    """

    def __init__(self, stem_ids: dict[str, int]) -> None:
        self.stem_ids = stem_ids
        self.ids: dict[str, int] = {"": 0}  # no token is empty: the posting separator's id
        self.words = [""]  # id -> word; replaced, never cut, when the numbering starts afresh
        self.kept = np.zeros(64, dtype=bool)  # the word's stem is one n-grams are made of
        self.stem = np.full(64, -1, dtype=np.int64)  # its id among the vocabulary's stems, or -1
        self.stem[0] = _SEPARATOR_STEM
        self.base = 1
        self.chars = 0  # the characters of the words numbered after the cue words
        self._pieces: dict[str, tuple[int, ...]] = {}  # a short piece of text between spaces -> its words' ids
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Sent to worker processes: the cue words only, no lock. (Read without the lock: the first ``base``
        entries never change.)"""
        state = self.__dict__.copy()
        del state["_lock"]
        state["chars"] = 0
        state["ids"], state["words"] = dict(islice(self.ids.items(), self.base)), self.words[: self.base]
        state["kept"], state["stem"] = self.kept[: self.base].copy(), self.stem[: self.base].copy()
        state["_pieces"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    def add(self, word: str) -> int:
        """The id of ``word``, numbering it if it is new (call under the lock once :meth:`freeze` is done)."""
        i = self.ids.get(word)
        if i is None:
            i = self.ids[word] = len(self.ids)
            self.words.append(word)
            self.chars += len(word)
            if i >= len(self.kept):
                self.kept = np.concatenate([self.kept, np.zeros(len(self.kept), dtype=bool)])
                self.stem = np.concatenate([self.stem, np.full(len(self.stem), -1, dtype=np.int64)])
            s = stems_of_tokens([word])[0]
            self.kept[i] = bool(s)
            self.stem[i] = self.stem_ids.get(s, -1) if s else -1
        return i

    def freeze(self) -> None:
        """The words numbered so far keep their ids for good."""
        self.base = len(self.ids)

    def _bounded(self) -> None:
        """Start the numbering afresh (but for the cue words) past ``_MAX_WORDS`` words or ``_MAX_CHARS`` of them,
        and the pieces past ``_MAX_PIECES`` (each at most ``_LONGEST_REMEMBERED`` long), so that what a process keeps
        between batches stays bounded whatever the input (a batch's own words last until the next one)."""
        if len(self.ids) > _MAX_WORDS or self.chars > _MAX_CHARS:
            self.ids, self.words = dict(islice(self.ids.items(), self.base)), self.words[: self.base]
            self.chars = 0
            self._pieces = {}
        if len(self._pieces) > _MAX_PIECES:
            self._pieces = {}

    def encode(self, token_lists: Iterable[Sequence[str]]) -> Encoded:
        """Encode postings given as normalised tokens (see :class:`Encoded`)."""
        rows = []
        with self._lock:
            self._bounded()
            known = self.ids.__getitem__
            for tokens in token_lists:
                try:
                    rows.append(list(map(known, tokens)))
                except KeyError:  # a word not seen before
                    rows.append(list(map(self.add, tokens)))
                rows.append([0])
            return self._encoded(rows)

    def encode_texts(self, texts: Iterable[str]) -> Encoded:
        """Encode raw postings (see :class:`Encoded`) as :meth:`encode` encodes their tokens (:func:`tokens_of`).

        A token never spans a space, and normalising a posting normalises each of its pieces between spaces on its
        own (but for HTML tags, which may hold spaces: a posting with one is normalised whole; lowering and
        entities are local to a piece, see ``_text._lower``), so the text is split at spaces (in C) and each piece
        looked up among the pieces seen before, with the ids of its normalised words; only a new piece is
        normalised and tokenised (and remembered, if short).
        """
        rows = []
        with self._lock:
            self._bounded()
            pieces = self._pieces
            known = pieces.__getitem__
            for text in texts:
                if "<" in text:  # a tag may hold spaces: normalised whole
                    rows.append(list(map(self.add, tokens_of(text))))
                    rows.append([0])
                    continue
                split = text.split()
                try:
                    rows.append(list(chain.from_iterable(map(known, split))))
                except KeyError:  # pieces not seen before
                    new = {
                        piece: tuple(map(self.add, tokenize(normalize(piece))))  # a piece is never sectioned
                        for piece in set(split).difference(pieces)
                    }
                    pieces.update((piece, ids) for piece, ids in new.items() if len(piece) <= _LONGEST_REMEMBERED)
                    rows.append(list(chain.from_iterable(pieces[p] if p in pieces else new[p] for p in split)))
                rows.append([0])
            return self._encoded(rows)

    def _encoded(self, rows: list[list[int]]) -> Encoded:
        ptr = np.zeros(len(rows) // 2 + 1, dtype=np.int64)
        np.cumsum(list(map(len, rows[::2])), out=ptr[1:])
        ptr[1:] += np.arange(1, len(ptr))  # the separators
        ids = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(ptr[-1]))
        return Encoded(ids, ptr, self.kept[ids], self.stem[ids], self.words)


class Encoded(NamedTuple):
    """Postings as word ids, from :class:`_Words`.

    ``ids`` holds every posting's word ids end to end, each posting followed by the separator (id 0); posting
    ``i`` starts at ``ptr[i]``. For each position: whether n-grams keep the word (``kept``) and its stem's id
    among the vocabulary's stems (``stems``: -1 for none, -2 for the separator). ``words[id]`` is the word.
    """

    ids: np.ndarray
    ptr: np.ndarray
    kept: np.ndarray
    stems: np.ndarray
    words: list[str]


class _Trie:
    """Phrases of integer keys (word or stem ids), walked from every position of a sequence at once.

    Parameters
    ----------
    phrases : iterable of (sequence of int, int)
        Each phrase's keys and its value (a feature column); the first value given for a phrase wins.
    """

    def __init__(self, phrases: Iterable[tuple[Sequence[int], int]]) -> None:
        first: dict[int, int] = {}  # key -> node of the phrases' first words
        children: dict[tuple[int, int], int] = {}  # (node, key) -> node one word further
        value: list[int] = []

        def node_at(table: dict, key: object) -> int:
            node: int = table.setdefault(key, len(value))
            if node == len(value):
                value.append(-1)
            return node

        self.depth = 0
        for keys, v in phrases:
            node = node_at(first, keys[0])
            for key in keys[1:]:
                node = node_at(children, (node, key))
            if value[node] < 0:
                value[node] = v
            self.depth = max(self.depth, len(keys))
        self.first = np.full(max(first, default=-1) + 1, -1, dtype=np.int64)
        self.first[list(first)] = list(first.values())
        self.value = np.array(value, dtype=np.int64)
        # (node, key) packed into one integer, sorted, with the node one word further
        steps = sorted(((node << 32) | key, child) for (node, key), child in children.items())
        self.steps = np.array([k for k, _ in steps], dtype=np.int64)
        self.child = np.array([c for _, c in steps], dtype=np.int64)
        self._hashed: pd.Index | None = None

    def walk(self, keys: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        """For n = 1, 2, ...: where a phrase of ``n`` keys starts, and its value.

        ``keys`` must end with a key that is in no phrase (a separator), so that a phrase never runs past the end.
        """
        at = np.flatnonzero((keys >= 0) & (keys < len(self.first)))
        node = self.first[keys[at]]
        at, node = at[node >= 0], node[node >= 0]
        n = 1
        while len(at):
            value = self.value[node]
            has = value >= 0
            yield at[has], value[has], n
            if n == self.depth:
                return
            step = self._step((node << 32) | keys[at + n])  # a negative key finds no step
            at, node = at[step >= 0], self.child[step[step >= 0]]
            n += 1

    def _step(self, query: np.ndarray) -> np.ndarray:
        """The position of each packed (node, key) in :attr:`steps`, -1 where there is none: by binary search for a
        few (one posting), by pandas' hash table for many (a batch; it costs more to set up, less a lookup)."""
        if not len(self.steps):
            return np.full(len(query), -1, dtype=np.int64)
        if len(query) < 4096:
            where = np.minimum(np.searchsorted(self.steps, query), len(self.steps) - 1)
            return np.where(self.steps[where] == query, where, -1)
        if self._hashed is None:
            self._hashed = pd.Index(self.steps)
        return self._hashed.get_indexer(pd.Index(query, copy=False))


def _longest_first(trie: _Trie, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Phrase matches read left to right, the longest phrase at each position, no two overlapping: their
    first and end positions and values, in text order."""
    length = np.zeros(len(ids), dtype=np.int64)
    value = np.zeros(len(ids), dtype=np.int64)
    for at, v, n in trie.walk(ids):
        length[at], value[at] = n, v
    starts = np.flatnonzero(length)
    lengths = length[starts]
    keep = lengths == 1
    multi = starts[~keep]
    if len(multi):
        # a phrase of several words starts where no earlier one (of several words) still runs: in order
        taken, free = [], 0
        for i, k in zip(multi.tolist(), length[multi].tolist(), strict=True):
            if i >= free:
                taken.append(i)
                free = i + k
        took = np.array(taken, dtype=np.int64)
        inner = length[took] - 1  # the positions each taken phrase covers after its first
        covered = np.zeros(len(ids), dtype=bool)
        covered[np.repeat(took + 1, inner) + np.arange(inner.sum()) - np.repeat(np.cumsum(inner) - inner, inner)] = True
        is_taken = np.zeros(len(ids), dtype=bool)
        is_taken[took] = True
        keep = (keep & ~covered[starts]) | is_taken[starts]
    starts = starts[keep]
    return starts, starts + length[starts], value[starts]


class CueMatcher:
    """Find cue phrases in token sequences: longest match first, no overlaps.

    A token matches a phrase word when their plural-stripped forms agree (see :func:`light_stem`); the
    matcher numbers every surface form that strips to each phrase word, so matching is array lookups.

    Parameters
    ----------
    cues : sequence of Cue
        The cue table (earlier cues win a phrase two of them share).
    columns : sequence of int
        The feature column of each cue.
    words : _Words
        The word numbering the phrases' surface forms are added to.
    """

    def __init__(self, cues: Sequence[Cue], columns: Sequence[int], words: _Words) -> None:
        phrases: list[tuple[list[int], int]] = []
        for cue, col in zip(cues, columns, strict=True):
            for phrase in cue.phrases:
                key = [light_stem(t) for t in tokens_of(phrase)]
                phrases.extend(
                    ([words.add(w) for w in surface], col) for surface in product(*map(_surface_forms, key)) if surface
                )
        self._trie = _Trie(phrases)

    def match(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """First and end token positions and feature column of each match in ``ids`` (from :meth:`_Words.encode`)."""
        return _longest_first(self._trie, ids)


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
        self._grams = _Trie((key, col) for col, key in enumerate(self._gram_keys))
        self._words = _Words(stem_ids)
        # Each head reads the cues of its own axes: the other-role cues (the scope head's) are matched apart, so
        # that a phrase naming another role ("software engineers") does not hide the words the TPM/PM cues read.
        groups = (
            [j for j, c in enumerate(self.cues) if c.axis != "other_role"],
            [j for j, c in enumerate(self.cues) if c.axis == "other_role"],
        )
        self.matchers = [CueMatcher([self.cues[j] for j in cols], cols, self._words) for cols in groups if cols]
        self._words.freeze()
        self.idf = np.asarray(idf, dtype=float)
        self.ngram_max = ngram_max
        self.cue_scale = cue_scale
        self.ngram_scale = ngram_scale
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

    def transform(self, token_lists: Iterable[Sequence[str]]) -> sp.csr_matrix:
        """Turn normalised token lists into the feature matrix (see :meth:`features`)."""
        return self.features(token_lists)[0]

    def features(self, token_lists: Iterable[Sequence[str]]) -> tuple[sp.csr_matrix, Found]:
        """The feature matrix of normalised token lists, and what :meth:`quotes` needs to find its words."""
        return self._features(self._words.encode(token_lists))

    def features_of_texts(self, texts: Iterable[str]) -> tuple[sp.csr_matrix, Found]:
        """:meth:`features` of raw postings: the same as of their tokens (:func:`tokens_of`), found faster."""
        return self._features(self._words.encode_texts(map(job_text, texts)))

    def _features(self, encoded: Encoded) -> tuple[sp.csr_matrix, Found]:
        """All postings are matched at once: their words are numbered, and cues and n-grams are looked up for
        every position together (array operations, a Python step per match of several words only)."""
        ids, ptr, kept, stem_ids, _ = encoded
        n = len(ptr) - 1
        row = np.repeat(np.arange(n), np.diff(ptr))
        starts, ends, cols = self._cue_matches(ids) if self.cue_scale else (ids[:0],) * 3
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
        cue_rows, cue_cols, cue_counts = _counts(at_row, cols, n_cues)
        cue_values = np.log1p(cue_counts) * self.cue_scale
        hits = [(at[:, 0], c) for at, c in self._gram_hits(kept, stem_ids)] if self.ngram_scale else []
        tf_rows, tf_cols, tf = _counts(
            row[np.concatenate([h for h, _ in hits] or [ids[:0]])],
            np.concatenate([c for _, c in hits] or [ids[:0]]),
            len(self.vocabulary),
        )
        if len(tf):
            tf = (1.0 + np.log(tf)) * self.idf[tf_cols]
            tf = _unit_rows(tf_rows, tf, n) * self.ngram_scale
        # cues come before n-grams in a row, so a stable sort by row keeps each row's columns sorted
        rows = np.concatenate([cue_rows, tf_rows])
        order = np.argsort(rows, kind="stable")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        out = sp.csr_matrix(
            (np.concatenate([cue_values, tf])[order], np.concatenate([cue_cols, tf_cols + n_cues])[order], indptr),
            shape=(n, n_cues + len(self.vocabulary)),
        )
        return out, found

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

    def _cue_matches(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every cue match (first and end token positions, column), by matcher, each in text order."""
        found = [m.match(ids) for m in self.matchers] or [(ids[:0],) * 3]
        return tuple(np.concatenate(parts) for parts in zip(*found, strict=True))  # type: ignore[return-value]

    def _gram_hits(self, kept: np.ndarray, stem_ids: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Each vocabulary n-gram of encoded postings (see :meth:`_Words.encode`): the token positions of its
        words (one row per hit, ``n`` columns) and its vocabulary column, for n = 1, 2, ..."""
        sequence = np.flatnonzero(kept | (stem_ids == _SEPARATOR_STEM))  # the kept words and the separators
        for at, cols, n in self._grams.walk(stem_ids[sequence]):
            yield sequence[at[:, None] + np.arange(n)], cols

    def quotes(self, found: Found, i: int, columns: Collection[int]) -> dict[int, str]:
        """Column -> the words (normalised tokens) of its first occurrence, for the given feature ``columns`` of
        posting ``i`` of a batch (``found`` by :meth:`features`).

        What reasons quote: found from the words the features were computed from, without matching again.
        """
        start = found.ptr[i]
        ids, words = found.ids, found.words

        def tokens(a: int, b: int) -> str:
            return " ".join([words[k] for k in ids[start + a : start + b].tolist()])

        a, b = found.cue_ptr[i : i + 2].tolist()
        cues = found.cols[a:b].tolist()  # sorted
        n_cues = len(self.cues)
        out: dict[int, str] = {}
        for j in columns:
            k = bisect_left(cues, j) if j < n_cues else len(cues)
            if k < len(cues) and cues[k] == j:
                out[j] = tokens(found.starts[a + k], found.ends[a + k])
        wanted = [j for j in columns if j >= n_cues]
        if wanted:
            # the wanted n-grams as transform() reads them: runs of the kept words' stem ids, each at its first place
            a, b = found.kept_ptr[i : i + 2].tolist()
            stems, where = found.kept_stems[a:b].tolist(), found.kept[a:b]
            for j in wanted:
                key = self._gram_keys[j - n_cues]
                at = _first(stems, key)
                if at is not None:
                    out[j] = tokens(where[at], where[at + len(key) - 1] + 1)  # with its stop words
        return out

    def evidence(self, text: str) -> dict[int, Evidence]:
        """Feature column -> the text and character spans that produced it."""
        found = token_matches(normalize(job_text(text)))
        starts = [m.start() for m in found]
        ends = [m.end() for m in found]
        ids, _, kept, stem_ids, _ = self._words.encode([[m.group() for m in found]])
        spans: dict[int, list[tuple[int, int]]] = defaultdict(list)
        matches = self._cue_matches(ids) if self.cue_scale else (ids[:0],) * 3
        kept = self._outside_context(kept, *matches)
        for a, b, col in zip(*(x.tolist() for x in matches), strict=True):
            spans[col].append((starts[a], ends[b - 1]))
        n_cues = len(self.cues)
        for where, cols in self._gram_hits(kept, stem_ids):
            for a, b, col in zip(where[:, 0].tolist(), where[:, -1].tolist(), cols.tolist(), strict=True):
                spans[n_cues + col].append((starts[a], ends[b]))
        return {col: Evidence(readable(text[where[0][0] : where[0][1]]), tuple(where)) for col, where in spans.items()}

    def surface_forms(self, token_lists: Sequence[Sequence[str]]) -> list[str]:
        """The commonest surface form (the lower-cased words, stop words between them left out) of each
        vocabulary n-gram in the given postings; its stems where it does not occur."""
        seen: list[Counter[str]] = [Counter() for _ in self.vocabulary]
        _, _, kept, stem_ids, _ = self._words.encode(token_lists)
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
    ``kept_ptr[i]:kept_ptr[i + 1]``.
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
    )


def _first(words: list[int], key: tuple[int, ...]) -> int | None:
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


def _counts(rows: np.ndarray, cols: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Occurrence counts from the row and column of each occurrence: the distinct (row, column) pairs, sorted
    by row then column, and how often each occurs."""
    keys, counts = np.unique(rows.astype(np.int64) * n_cols + cols, return_counts=True)
    return keys // n_cols, keys % n_cols, counts.astype(np.float64)


def _unit_rows(rows: np.ndarray, values: np.ndarray, n_rows: int) -> np.ndarray:
    """``values`` (grouped by row, in column order) scaled so that each row has unit Euclidean length.

    What scikit-learn's ``normalize`` does (the same sums, in the same order), without its checks on every call.
    """
    norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_rows))
    norms[norms == 0.0] = 1.0
    return values / norms[rows]


def display_forms(token_lists: Sequence[Sequence[str]], vocabulary: Sequence[str], ngram_max: int) -> list[str]:
    """The commonest surface form of each vocabulary n-gram in the given postings (see
    :meth:`FeatureSpace.surface_forms`)."""
    return FeatureSpace((), vocabulary, np.ones(len(vocabulary)), ngram_max).surface_forms(token_lists)


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
