"""The errors tpmclassify raises on purpose: each says what is wrong and how to fix it.

The command line prints these as one line; any other exception is a bug and is shown with its traceback.
"""

from __future__ import annotations

__all__ = ["ColumnError", "InputNotFoundError", "PostingError", "PostingTypeError", "TPMClassifyError"]


class TPMClassifyError(Exception):
    """Base of the errors raised on purpose (bad input, file, column or model file), never of a bug."""


class PostingError(TPMClassifyError, ValueError):
    """A posting text cannot be classified (empty, no words, too long)."""


class InvalidValueError(TPMClassifyError, ValueError):
    """A value the caller gave is not one the library accepts: an unknown label, a prior outside (0, 1), a number
    of folds the data cannot have."""


class PostingTypeError(TPMClassifyError, TypeError):
    """A posting is not a ``str``."""


class ColumnError(TPMClassifyError, KeyError):
    """A table lacks a column it needs (a ``KeyError``, for code that catches that)."""

    __str__ = Exception.__str__  # the message as written, not quoted as KeyError quotes it


class InputNotFoundError(TPMClassifyError, FileNotFoundError):
    """A file named on the command line does not exist."""
