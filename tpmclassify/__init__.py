"""tpmclassify: is this job posting for a Technical Program Manager or a Project Manager?

>>> import tpmclassify
>>> p = tpmclassify.classify(
...     "As our Technical Program Manager you will lead a multi-year program across six engineering "
...     "teams. Run system design reviews with principal engineers, map dependencies and technical "
...     "risks, and align the roadmap with "
...     "business strategy. Partner with product managers and report to senior leadership. "
...     "Requirements: computer science degree, experience with distributed systems and APIs.")
>>> p.label, p.probabilities["tpm"] > 0.5
('tpm', True)
"""

from ._api import classify, classify_many, source_groups, train
from ._audit import AuditSummary, audit
from ._batch import OUTPUT_COLUMNS, BatchError, BatchSummary, classify_csv, classify_frame
from ._bundled import default_model
from ._card import markdown_table, model_card
from ._cues import AXES, CUES, Cue
from ._evaluate import EvaluationReport, KeywordBaseline, PlainTfidfBaseline, evaluate
from ._explain import Explanation, Prediction, Term
from ._io import read_table
from ._labels import label_from_title
from ._model import TPMClassifier, estimate_prior
from ._persist import ModelFileError, load, read_metadata, save
from ._roles import LABELS, ROLE_NAMES
from ._text import mask_role_names, normalize
from ._version import __version__

__all__ = [
    "AXES",
    "AuditSummary",
    "CUES",
    "OUTPUT_COLUMNS",
    "BatchError",
    "BatchSummary",
    "Cue",
    "EvaluationReport",
    "KeywordBaseline",
    "LABELS",
    "Explanation",
    "ModelFileError",
    "PlainTfidfBaseline",
    "ROLE_NAMES",
    "Prediction",
    "TPMClassifier",
    "Term",
    "__version__",
    "audit",
    "classify",
    "classify_csv",
    "classify_frame",
    "classify_many",
    "default_model",
    "estimate_prior",
    "evaluate",
    "label_from_title",
    "load",
    "markdown_table",
    "model_card",
    "mask_role_names",
    "normalize",
    "read_metadata",
    "read_table",
    "save",
    "source_groups",
    "train",
]
