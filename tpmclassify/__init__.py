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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # what type checkers and editors see; at run time each name is imported on first use
    from ._api import classify, classify_many, train
    from ._archive import ModelFileError, ModelFileNotFoundError, read_metadata
    from ._atomic import OutputExistsError
    from ._audit import AuditSummary, audit
    from ._batch import BatchError, BatchSummary, classify_csv
    from ._bundled import default_model
    from ._columns import OUTPUT_COLUMNS
    from ._cues import AXES, CUES, Cue
    from ._errors import (
        ColumnError,
        InputNotFoundError,
        InvalidValueError,
        PostingError,
        PostingTypeError,
        TPMClassifyError,
    )
    from ._evaluate import EvaluationReport
    from ._explain import Explanation, Term
    from ._frames import classify_frame
    from ._io import read_table
    from ._labeled import LabelConflictWarning, RowsLeftOutWarning, evaluate
    from ._labels import label_from_title
    from ._model import TPMClassifier
    from ._persist import load, save
    from ._predicting import ModelNotFittedError
    from ._prediction import Prediction
    from ._prior import estimate_prior
    from ._roles import LABEL_ALIASES, LABELS, ROLE_NAMES
    from ._sections import Section, job_text, sections
    from ._text import mask_role_names, normalize

#: Public name -> the private module that defines it. Importing tpmclassify imports none of them (nor pandas,
#: scikit-learn or nltk), so that ``tpmclassify --help`` answers at once; the first use of a name imports its module.
_WHERE = {
    "classify": "_api",
    "classify_many": "_api",
    "train": "_api",
    "AuditSummary": "_audit",
    "audit": "_audit",
    "OUTPUT_COLUMNS": "_columns",
    "BatchError": "_errors",
    "BatchSummary": "_batch",
    "classify_csv": "_batch",
    "classify_frame": "_frames",
    "default_model": "_bundled",
    "OutputExistsError": "_atomic",
    "ColumnError": "_errors",
    "InputNotFoundError": "_errors",
    "InvalidValueError": "_errors",
    "PostingError": "_errors",
    "PostingTypeError": "_errors",
    "TPMClassifyError": "_errors",
    "AXES": "_cues",
    "CUES": "_cues",
    "Cue": "_cues",
    "EvaluationReport": "_evaluate",
    "evaluate": "_labeled",
    "LabelConflictWarning": "_labeled",
    "RowsLeftOutWarning": "_labeled",
    "Explanation": "_explain",
    "ModelNotFittedError": "_predicting",
    "Prediction": "_prediction",
    "Term": "_explain",
    "read_table": "_io",
    "label_from_title": "_labels",
    "TPMClassifier": "_model",
    "estimate_prior": "_prior",
    "ModelFileError": "_archive",
    "ModelFileNotFoundError": "_archive",
    "load": "_persist",
    "read_metadata": "_archive",
    "save": "_persist",
    "LABELS": "_roles",
    "LABEL_ALIASES": "_roles",
    "ROLE_NAMES": "_roles",
    "Section": "_sections",
    "job_text": "_sections",
    "sections": "_sections",
    "mask_role_names": "_text",
    "normalize": "_text",
}


#: Names that moved to :mod:`tpmclassify.evaluation` (for those who measure models, not for those who classify):
#: still found here, with a DeprecationWarning, until the next minor version.
_MOVED = ("KeywordBaseline", "PlainTfidfBaseline", "markdown_table", "model_card", "source_groups")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        import warnings

        warnings.warn(f"tpmclassify.{name} moved to tpmclassify.evaluation.{name}", DeprecationWarning, stacklevel=2)
        return getattr(importlib.import_module(".evaluation", __name__), name)
    if name in _WHERE:
        value = getattr(importlib.import_module(f".{_WHERE[name]}", __name__), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "AXES",
    "ColumnError",
    "InputNotFoundError",
    "InvalidValueError",
    "OutputExistsError",
    "PostingError",
    "PostingTypeError",
    "TPMClassifyError",
    "AuditSummary",
    "CUES",
    "OUTPUT_COLUMNS",
    "BatchError",
    "BatchSummary",
    "Cue",
    "EvaluationReport",
    "LABELS",
    "LABEL_ALIASES",
    "LabelConflictWarning",
    "RowsLeftOutWarning",
    "Explanation",
    "ModelFileError",
    "ModelFileNotFoundError",
    "ROLE_NAMES",
    "ModelNotFittedError",
    "Prediction",
    "Section",
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
    "job_text",
    "label_from_title",
    "load",
    "mask_role_names",
    "normalize",
    "read_metadata",
    "read_table",
    "save",
    "sections",
    "train",
]
