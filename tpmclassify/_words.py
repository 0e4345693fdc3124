"""Words: a posting's normalised tokens, their stems, and integer ids for a batch of postings.

A posting is normalised and tokenised once (:func:`tokens_of`); each distinct word is stemmed once (a process-wide
cache) and numbered by a feature space's :class:`Words`, so that matching cue phrases and n-grams is array lookups.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence
from itertools import islice
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from ._invisible import format_cuts, may_hold_format
from ._sections import job_text
from ._text import normalize, stem, tokenize

__all__ = [
    "NUMBER_STEM",
    "NUMBER_WORD",
    "SEPARATOR_STEM",
    "Encoded",
    "Words",
    "cue_word",
    "stems_of_tokens",
    "tokens_of",
]


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


def tokens_of(text: str) -> list[str]:
    """Normalised tokens of a raw posting's job (its boilerplate sections blanked, see :func:`job_text`)."""
    return tokenize(normalize(job_text(text)))


#: Distinct words a feature space numbers, and pieces of text it holds the words of (a piece between spaces, or a
#: posting with a tag, read whole) and their words, before it starts afresh (memory stays bounded).
_MAX_WORDS = 500_000
_MAX_CHARS = 20_000_000
_MAX_PIECES = 500_000
_MAX_PIECE_WORDS = 2_000_000
#: The stem id of the separator that ends each encoded posting (-1 is a kept word's stem in no n-gram).
SEPARATOR_STEM = -2
#: The stem id of a number (a word of ASCII digits, which no n-gram has): the cues read every number, in a posting
#: and in a cue phrase, as :data:`NUMBER_WORD` (see :func:`cue_word`), so that "0 pm" in a cue phrase is any number,
#: then "pm" (a clock time).
NUMBER_STEM = -3
NUMBER_WORD = "0"


def cue_word(token: str) -> str:
    """A normalised token as the cues read it: a number (ASCII digits only) as :data:`NUMBER_WORD`, any other as it is.

    >>> [cue_word(t) for t in ("5", "500", "web3", "²")]
    ['0', '0', 'web3', '²']
    """
    return NUMBER_WORD if token.isdigit() and token.isascii() else token


class Words:
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
        self.stem = np.full(64, -1, dtype=np.int64)  # its id among the vocabulary's stems, or -1 (a number: -3)
        self.stem[0] = SEPARATOR_STEM
        self.base = 1
        self.chars = 0  # the characters of the words numbered after the cue words
        self._pieces = _Pieces(self)  # a short piece of text between spaces -> its id among the pieces
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        """Sent to worker processes: the cue words only, no lock. (Read without the lock: the first ``base``
        entries never change.)"""
        state = self.__dict__.copy()
        del state["_lock"]
        state["chars"] = 0
        state["ids"], state["words"] = dict(islice(self.ids.items(), self.base)), self.words[: self.base]
        state["kept"], state["stem"] = self.kept[: self.base].copy(), self.stem[: self.base].copy()
        state["_pieces"] = {}  # (what a model pickled before _Pieces holds: a version without it can load this one)
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()
        self._pieces = _Pieces(self)

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
            self.stem[i] = NUMBER_STEM if cue_word(word) == NUMBER_WORD else self.stem_ids.get(s, -1) if s else -1
        return i

    def freeze(self) -> None:
        """The words numbered so far keep their ids for good."""
        self.base = len(self.ids)

    def _bounded(self) -> None:
        """Start the numbering afresh (but for the cue words) past ``_MAX_WORDS`` words or ``_MAX_CHARS`` of them,
        and the pieces past ``_MAX_PIECES`` or ``_MAX_PIECE_WORDS`` words (only those at most ``_LONGEST_REMEMBERED``
        long are looked up again), so that what a process keeps between batches stays bounded whatever the input (a
        batch's own words and pieces last until the next one)."""
        if len(self.ids) > _MAX_WORDS or self.chars > _MAX_CHARS:
            self.ids, self.words = dict(islice(self.ids.items(), self.base)), self.words[: self.base]
            self.chars = 0
            self._pieces = _Pieces(self)
        if self._pieces.count > _MAX_PIECES or self._pieces.size > _MAX_PIECE_WORDS:
            self._pieces = _Pieces(self)

    def encode(self, token_lists: Iterable[Sequence[str]]) -> Encoded:
        """Encode postings given as normalised tokens (see :class:`Encoded`)."""
        ids: list[int] = []
        ends = []
        with self._lock:
            self._bounded()
            known = self.ids.__getitem__
            for tokens in token_lists:
                try:
                    ids.extend(list(map(known, tokens)))  # (whole or not at all: the list first)
                except KeyError:  # a word not seen before
                    ids.extend(map(self.add, tokens))
                ids.append(0)
                ends.append(len(ids))
            return self._encoded(ids, ends, None)

    def encode_texts(self, texts: Iterable[str]) -> Encoded:
        """Encode postings given as their job texts (``_sections.job_text``: boilerplate blanked; see :class:`Encoded`)
        as :meth:`encode` encodes their tokens (:func:`tokens_of` of the postings).

        A token never spans a space, and normalising a posting normalises each of its pieces between spaces on its
        own (but for HTML tags, which may hold spaces: a posting with one is normalised whole; lowering and
        entities are local to a piece, see ``_text.lower``), so the text is split at spaces (in C) and each piece
        looked up among the pieces seen before (a dictionary lookup in C: the piece's id); only a new piece is
        normalised and tokenised (and remembered, if short). The pieces' words are then read from arrays at once, and
        whether any of a posting's pieces may hide a character (``Encoded.hidden``).
        """
        ids: list[int] = []  # every posting's pieces' ids end to end, each followed by the separator's
        ends = []  # where each posting's pieces end
        with self._lock:
            self._bounded()
            pieces = self._pieces
            known = pieces.__getitem__  # a piece not seen before is read then (_Pieces.__missing__)
            for text in texts:
                if "<" in text:  # a tag may hold spaces: normalised whole (what markup hides, found in the text)
                    seen = normalize(text)
                    hidden = may_hold_format(seen) or bool(format_cuts(text))
                    ids.append(pieces.new(tuple(map(self.add, tokenize(seen))), hidden))
                else:
                    ids.extend(map(known, text.split()))
                ids.append(0)  # (piece 0 is the separator)
                ends.append(len(ids))
            return self._encoded(*pieces.words_of(ids, ends))

    def _encoded(self, ids: list[int] | np.ndarray, ends: list[int] | np.ndarray, hidden: np.ndarray | None) -> Encoded:
        ptr = np.zeros(len(ends) + 1, dtype=np.int64)
        ptr[1:] = ends
        found = ids if isinstance(ids, np.ndarray) else np.fromiter(ids, dtype=np.int64, count=len(ids))
        return Encoded(found, ptr, self.kept[found], self.stem[found], self.words, hidden)


class _Pieces(dict[str, int]):
    """Pieces of text between spaces -> their ids, each piece's words' ids kept end to end in arrays (piece 0 is the
    separator that ends a posting). A piece not seen before is normalised and tokenised when it is looked up (a piece
    is never sectioned), and remembered if it is at most :data:`_LONGEST_REMEMBERED` characters long; ``hidden``:
    whether a piece, normalised, may hold a format character or a zero-width space (``_invisible``)."""

    def __init__(self, words: Words) -> None:
        super().__init__()
        self._add = weakref.WeakMethod(words.add)  # (its Words owns this: no cycle, freed as soon as it is dropped)
        self.flat = np.zeros(1024, dtype=np.int64)  # every piece's word ids, end to end (grown by doubling)
        self.starts = np.zeros(1024, dtype=np.int64)  # where each piece's words start in it, and how many they are
        self.lengths = np.zeros(1024, dtype=np.int64)
        self.hidden = np.zeros(1024, dtype=bool)
        self.lengths[0] = 1  # the separator: one word, id 0
        self.count, self.size = 1, 1  # pieces, and their words

    def new(self, ids: tuple[int, ...], hidden: bool) -> int:
        """A new piece's id, for the word ids of its text and whether it may hide a character."""
        i, k, n = self.count, self.size, len(ids)
        if i == len(self.starts):
            self.starts, self.lengths, self.hidden = (
                np.concatenate([a, np.zeros_like(a)]) for a in (self.starts, self.lengths, self.hidden)
            )
        if k + n > len(self.flat):
            self.flat = np.concatenate([self.flat, np.zeros(max(len(self.flat), n), dtype=np.int64)])
        self.starts[i], self.lengths[i], self.hidden[i], self.flat[k : k + n] = k, n, hidden, ids
        self.count, self.size = i + 1, k + n
        return i

    def __missing__(self, piece: str) -> int:
        add = self._add()
        assert add is not None  # its Words holds this
        seen = normalize(piece)
        i = self.new(tuple(map(add, tokenize(seen))), not seen.isascii() and may_hold_format(seen))
        if len(piece) <= _LONGEST_REMEMBERED:
            self[piece] = i
        return i

    def words_of(self, ids: list[int], ends: list[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The word ids of postings given as their pieces' ids (``ends``: where each posting's pieces end), where
        each posting's words end, and whether any of its pieces may hide a character."""
        pieces = np.fromiter(ids, dtype=np.int64, count=len(ids))
        n = self.lengths[pieces]
        upto = np.cumsum(n)
        at = np.repeat(self.starts[pieces] - (upto - n), n) + np.arange(int(upto[-1]) if len(upto) else 0)
        if not ends:
            return self.flat[at], np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
        last = np.array(ends, dtype=np.int64)
        first = np.concatenate([[0], last[:-1]])  # (each posting has a piece at least: its separator)
        return self.flat[at], upto[last - 1], np.logical_or.reduceat(self.hidden[pieces], first)


class Encoded(NamedTuple):
    """Postings as word ids, from :class:`Words`.

    ``ids`` holds every posting's word ids end to end, each posting followed by the separator (id 0); posting
    ``i`` starts at ``ptr[i]``. For each position: whether n-grams keep the word (``kept``) and its stem's id
    among the vocabulary's stems (``stems``: -1 for none, -2 for the separator, -3 for a number). ``words[id]`` is
    the word.
    ``hidden``, of postings encoded from their text: whether each may hold a format character (a soft hyphen, a
    zero-width space, see ``_invisible``; false: it holds none), else None.
    """

    ids: np.ndarray
    ptr: np.ndarray
    kept: np.ndarray
    stems: np.ndarray
    words: list[str]
    hidden: np.ndarray | None
