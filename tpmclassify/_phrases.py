"""Phrases: cue phrases and n-grams as phrases of integer ids, found at every position of a batch at once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence

import numpy as np
import pandas as pd

from ._cues import Cue
from ._text import light_stem
from ._words import Words, cue_word, tokens_of

__all__ = ["CueMatcher", "Trie", "longest_first"]


def _surface_forms(word: str) -> list[str]:
    """Every token whose plural-stripped form is ``word``."""
    forms = {word, word + "s", word[:-1] + "ies" if word.endswith("y") else word}
    return sorted(f for f in forms if light_stem(f) == word)


class Trie:
    """Phrases of integer keys (word or stem ids), walked from every position of a sequence at once.

    Parameters
    ----------
    phrases : iterable of (sequence of int or tuple of int, int)
        Each phrase's keys and its value (a feature column); the first value given for a phrase wins. A tuple
        stands for its keys, any of which matches there (a word's surface forms: the phrases they make share
        their nodes, so a phrase of many words costs its length, not the product of its forms). Two tuples at
        one place of two phrases must be the same or share no key.

    Examples
    --------
    >>> trie = Trie([([7, (3, 4)], 0), ([7], 1)])  # "report" then "director" or "directors"; "report" alone
    >>> [(at.tolist(), value.tolist(), n) for at, value, n in trie.walk(np.array([7, 4, 7, 3, 9, -1]))]
    [([0, 2], [1, 1], 1), ([0, 2], [0, 0], 2)]
    >>> Trie([([(3, 4)], 0), ([(4, 5)], 1)])
    Traceback (most recent call last):
    ...
    ValueError: the keys [4, 5] are in part another word's: two words' keys must not overlap
    """

    def __init__(self, phrases: Iterable[tuple[Sequence[int | tuple[int, ...]], int]]) -> None:
        first: dict[int, int] = {}  # key -> node of the phrases' first words
        children: dict[tuple[int, int], int] = {}  # (node, key) -> node one word further
        value: list[int] = []
        keys_of: list[frozenset] = []  # node -> the keys that lead to it

        def node_at(table: dict, keys: list) -> int:
            node: int | None = table.get(keys[0])
            if node is None and not any(key in table for key in keys):
                node = len(value)
                value.append(-1)
                keys_of.append(frozenset(keys))
                table.update(dict.fromkeys(keys, node))
            elif node is None or keys_of[node] != frozenset(keys):
                raise ValueError(f"the keys {keys} are in part another word's: two words' keys must not overlap")
            return node

        self.depth = 0
        for keys, v in phrases:
            node = -1
            for word in keys:
                alternatives = (word,) if isinstance(word, int) else word
                if node < 0:
                    node = node_at(first, list(alternatives))
                else:
                    node = node_at(children, [(node, key) for key in alternatives])
            if value[node] < 0:
                value[node] = v
            self.depth = max(self.depth, len(keys))
        self.first = np.full(max(first, default=-1) + 1, -1, dtype=np.int64)
        self.first[list(first)] = list(first.values())
        self._first_padded = np.append(self.first, -1)  # (see _first_of)
        self.value = np.array(value, dtype=np.int64)
        # (node, key) packed into one integer, sorted, with the node one word further
        steps = sorted(((node << 32) | key, child) for (node, key), child in children.items())
        self.steps = np.array([k for k, _ in steps], dtype=np.int64)
        self.child = np.array([c for _, c in steps], dtype=np.int64)
        self._hashed: pd.Index | None = None

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)
        if "_first_padded" not in state:  # (a model pickled before the padded table: it is made from the table)
            self._first_padded = np.append(self.first, -1)

    def walk(self, keys: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray, int]]:
        """For n = 1, 2, ...: where a phrase of ``n`` keys starts, and its value.

        ``keys`` must end with a key that is in no phrase (a separator), so that a phrase never runs past the end.
        """
        node = self._first_of(keys)
        at = (node >= 0).nonzero()[0]
        node = node[at]
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

    def _first_of(self, keys: np.ndarray) -> np.ndarray:
        """The node each key starts a phrase at, -1 where none does (a negative key, or one past every phrase's)."""
        past = len(self.first)  # the table's last entry, -1: where every key outside it is looked up
        where = np.minimum(keys, past)
        where[where < 0] = past
        return self._first_padded[where]

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


def longest_first(trie: Trie, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
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

    A token matches a phrase word when their plural-stripped forms agree (see :func:`light_stem`), and any number
    matches a number (see ``_words.cue_word``); the matcher numbers every surface form that strips to each phrase
    word, so matching is array lookups.

    Parameters
    ----------
    cues : sequence of Cue
        The cue table (earlier cues win a phrase two of them share).
    columns : sequence of int
        The feature column of each cue.
    words : _Words
        The word numbering the phrases' surface forms are added to.
    """

    def __init__(self, cues: Sequence[Cue], columns: Sequence[int], words: Words) -> None:
        phrases: list[tuple[list[int | tuple[int, ...]], int]] = []
        for cue, col in zip(cues, columns, strict=True):
            for phrase in cue.phrases:
                words_of = (light_stem(cue_word(t)) for t in tokens_of(phrase))
                forms = [tuple(words.add(f) for f in _surface_forms(w)) for w in words_of]
                if forms and all(forms):
                    phrases.append((list(forms), col))
        self._trie = Trie(phrases)

    def match(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """First and end token positions and feature column of each match in ``ids`` (from :meth:`Words.encode`)."""
        return longest_first(self._trie, ids)
