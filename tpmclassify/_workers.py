"""Scoring in worker processes, and the cycle collector while a process only scores.

A worker is sent the model once (:func:`init_worker`) and scores the chunks it is given (:func:`worker_score`) by a
deadline set from each chunk's size (:func:`chunk_seconds`); see ``tpmclassify._pool``.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ._model import TPMClassifier
from ._rows import score_texts
from ._text import stem

__all__ = ["chunk_seconds", "collecting_less", "init_worker", "prepare_worker", "worker_score"]


def prepare_worker() -> None:
    """What a worker process does as it starts, while its parent loads the model (see ``_pool.serve``): import the
    stemmer's nltk (about 0.3 s; imported on first use, see ``_text``), which its first chunk would wait for."""
    stem("scoring")


_WORKER_MODEL: TPMClassifier | None = None


def init_worker(model: TPMClassifier) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = model
    gc.freeze()  # a worker is ours and only scores: for good
    gc.set_threshold(*_SCORING_THRESHOLDS)


#: The cycle collector's thresholds while a process only scores: a chunk's many objects all live until the chunk
#: is written, so collecting every 700 new objects (the default) would only rescan them, about a tenth of the
#: scoring time.
_SCORING_THRESHOLDS = (50_000, 20, 100)


@contextmanager
def collecting_less() -> Iterator[None]:
    """While a long batch runs in this process: the cycle collector leaves alone what is already loaded (modules,
    the model) and runs less often (see :data:`_SCORING_THRESHOLDS`); both are restored afterwards.

    For a program whose main job is the run (the command line uses it): the collector is the whole process's.
    Runs that overlap (command lines run in threads) share one setting: the first to start saves the collector's
    state and the last to end restores it, so they leave it as they found it, whatever their order.
    """
    with _COLLECTING_LOCK:  # held only while the collector is set, never while a run goes on
        if _COLLECTING["runs"] == 0:
            frozen = gc.get_freeze_count() > 0
            _COLLECTING["saved"] = (gc.get_threshold(), frozen)
            if not frozen:  # a program that froze objects itself keeps them as it froze them
                gc.freeze()
            gc.set_threshold(*_SCORING_THRESHOLDS)
        _COLLECTING["runs"] += 1
    try:
        yield
    finally:
        with _COLLECTING_LOCK:
            _COLLECTING["runs"] -= 1
            if _COLLECTING["runs"] == 0:
                thresholds, frozen = _COLLECTING["saved"]
                gc.set_threshold(*thresholds)
                if not frozen:
                    gc.unfreeze()


#: The runs inside :func:`collecting_less` now, and the collector's state before the first of them.
_COLLECTING: dict[str, Any] = {"runs": 0, "saved": None}
_COLLECTING_LOCK = threading.Lock()


def worker_score(texts: list[object], titles: list[object] | None, errors: list[object]) -> dict[str, list[Any]]:
    assert _WORKER_MODEL is not None
    return score_texts(_WORKER_MODEL, texts, titles, errors)


#: A worker's deadline for a chunk, from its size: these seconds, plus so many a row, plus one per so many characters
#: of its texts and titles. A chunk of 1,000 postings of 3 KB takes about 0.3 s here (0.7 s for 1,000 short ones
#: with titles, read twice), so a deadline of 10 + 5 + 12 s leaves room for a busy machine: a worker past it is dead,
#: hung or stopped, and is killed and its chunk scored here (the output is the same either way).
_CHUNK_SECONDS, _ROW_SECONDS, _CHARS_PER_SECOND = 10.0, 0.005, 250_000


def chunk_seconds(args: tuple[Any, ...]) -> float:
    """The deadline of a worker's chunk, from its size (see :data:`_CHUNK_SECONDS`)."""
    texts, titles = args[0], args[1] or ()
    chars = sum(len(v) for v in texts if isinstance(v, str)) + sum(len(v) for v in titles if isinstance(v, str))
    return _CHUNK_SECONDS + len(texts) * _ROW_SECONDS + chars / _CHARS_PER_SECOND
