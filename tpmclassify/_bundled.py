"""The bundled default model: found inside the installed package, loaded on first use, cached."""

from __future__ import annotations

import importlib.resources
from functools import lru_cache

from ._model import TPMClassifier
from ._persist import ModelFileError, load

__all__ = ["default_model", "model_or_default"]

_BUNDLED = "default.tpmc"


@lru_cache(maxsize=1)
def default_model() -> TPMClassifier:
    """The bundled model, loaded on first use and cached.

    Raises
    ------
    ModelFileError
        If the bundled file is missing from the installation.
    """
    ref = importlib.resources.files("tpmclassify") / "_data" / _BUNDLED
    with importlib.resources.as_file(ref) as path:
        if not path.is_file():
            raise ModelFileError(
                f"the bundled model {path} is missing: reinstall tpmclassify, or rebuild it with "
                "`python scripts/train_default.py` in a source checkout"
            )
        return load(path)


def model_or_default(model: TPMClassifier | None) -> TPMClassifier:
    """``model``, or the bundled one when it is None."""
    return default_model() if model is None else model
