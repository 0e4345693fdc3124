"""Measuring models: what an analyst who retrains or compares models needs, beside what a recruiting script calls.

``import tpmclassify.evaluation`` gives the evaluation (:func:`evaluate`, :class:`EvaluationReport`), the two
baselines a model is judged against (the keyword logistic regression of the yardstick, and a plain TF-IDF +
logistic regression), the source of each row that leave-one-source-out folds by (:func:`source_groups`), and the
model card and its tables (:func:`model_card`, :func:`markdown_table`).

Examples
--------
>>> from tpmclassify.evaluation import KeywordBaseline, markdown_table
>>> print(markdown_table(["metric", "value"], [["macro-F1", "0.91"]]))
| metric | value |
|---|---|
| macro-F1 | 0.91 |
"""

from __future__ import annotations

from ._baselines import KeywordBaseline, PlainTfidfBaseline
from ._card import markdown_table, model_card
from ._evaluate import EvaluationReport
from ._labeled import evaluate, source_groups

__all__ = [
    "EvaluationReport",
    "KeywordBaseline",
    "PlainTfidfBaseline",
    "evaluate",
    "markdown_table",
    "model_card",
    "source_groups",
]
