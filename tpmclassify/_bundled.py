"""The bundled default model: found inside the installed package, loaded on first use, cached."""

from __future__ import annotations

import importlib.resources
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ._archive import ModelFileNotFoundError
from ._errors import InvalidValueError
from ._model import TPMClassifier
from ._persist import load

__all__ = ["bundled_model", "default_model", "model_or_default"]

_BUNDLED = "default.tpmc"
_LOADED: list[TPMClassifier] = []  # (the model, once loaded)
_LOADING = threading.Lock()


def _unlock_in_child() -> None:
    """A process forked while a thread of its parent loaded the model gets a lock nobody holds (it inherited one held
    by a thread it does not have, and would wait on it for ever)."""
    global _LOADING
    _LOADING = threading.Lock()


if hasattr(os, "register_at_fork"):  # (not on Windows, which does not fork)
    os.register_at_fork(after_in_child=_unlock_in_child)


@contextmanager
def _bundled_file() -> Iterator[Path]:
    ref = importlib.resources.files("tpmclassify") / "_data" / _BUNDLED
    with importlib.resources.as_file(ref) as path:
        if not path.is_file():
            raise ModelFileNotFoundError(
                f"the bundled model {path} is missing: reinstall tpmclassify, or rebuild it with "
                "`python scripts/train_default.py` in a source checkout"
            )
        yield path


def default_model() -> TPMClassifier:
    """The bundled model, loaded on first use and cached (once, whichever threads ask for it first).

    Every call returns the same object, the one :func:`tpmclassify.classify` answers with: setting a parameter on it
    (``set_params``, or an attribute) changes the answers of every caller in the process. For other settings, take a
    copy (``copy.copy(default_model()).set_params(...)``) or ``with_prior`` (a new model).

    Raises
    ------
    ModelFileError
        If the bundled file is missing from the installation.

    Examples
    --------
    >>> model = default_model()
    >>> model is default_model()  # loaded once
    True
    >>> model.classes_.tolist(), 0 < model.prior_ < 1  # TPM, PM and other; the TPM share its answers assume
    (['other', 'pm', 'tpm'], True)
    >>> model.with_prior(0.5).prior_  # the same model, its answers for another share
    0.5
    """
    if not _LOADED:
        with _LOADING:
            if not _LOADED:  # (another thread may have loaded it while this one waited)
                with _bundled_file() as path:
                    _LOADED.append(load(path))
    return _LOADED[0]


def bundled_model(sha256: str | None = None) -> TPMClassifier:
    """The bundled model; with ``sha256``, read again and refused unless its file has that SHA-256 (what
    ``--sha256`` checks when no ``--model`` is named), as :func:`tpmclassify.load` refuses any file.

    Examples
    --------
    >>> bundled_model() is default_model()
    True
    >>> bundled_model(sha256="0" * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tpmclassify._archive.ModelFileError: ...default.tpmc: SHA-256 is ..., expected 000...; refusing to load it
    """
    if sha256 is None:
        return default_model()
    with _bundled_file() as path:
        return load(path, sha256=sha256)


def model_or_default(model: TPMClassifier | None) -> TPMClassifier:
    """``model``, or the bundled one when it is None; anything but a :class:`TPMClassifier` is refused by name."""
    if model is None:
        return default_model()
    if not isinstance(model, TPMClassifier):
        got = f"the class {model.__name__}" if isinstance(model, type) else type(model).__name__
        raise InvalidValueError(f"model must be a TPMClassifier (None: the bundled model), got {got}")
    return model
