"""Saving and loading models: a zip of JSON and ``.npz`` arrays, plus metadata.

A saved model is data, not code: the vocabulary, idf, weights, priors and
cue table are stored as JSON and NumPy arrays (read with ``allow_pickle=False``),
so loading a file cannot run code, whoever made it. Every member's SHA-256 is
recorded in ``metadata.json`` and checked on load (catching truncated or edited
files); pass ``sha256=`` to :func:`load` to also check the whole file against a
digest you got from its author.

This module writes model files and loads them (refusing other format versions); reading the archive's members
safely is :mod:`tpmclassify._archive`'s, checking what they hold is :mod:`tpmclassify._validate`'s.
"""

from __future__ import annotations

import copy
import io
import json
import os
import re
import zipfile
import zlib
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from ._archive import (
    _MAX_MEMBER_BYTES,
    ModelFileError,
    _bad,
    _json,
    _read_arrays,
    _read_member,
    _sha256,
    file_sha256,
    model_path,
    read_metadata,
)
from ._atomic import atomic_path, check_target
from ._card import card_path, model_card
from ._errors import InvalidValueError, TPMClassifyError, warn
from ._model import TPMClassifier
from ._state import changed_since_fit
from ._validate import _MAX_VOCABULARY, _check_arrays, _check_nltk, _check_state, _stem_probe, _token_probe
from ._version import __version__

__all__ = ["FORMAT_VERSION", "ModelFileError", "load", "save"]

#: Version of the file layout written by :func:`save`.
FORMAT_VERSION = 7  # 2: priors, calibration folded into the weights; 3: baselines, evidence floor, context cues;
# 4: a mismatch confidence per title claim (a dict where format 3 has one number); 5: a floor on a posting's words;
# 6: cue counts read as in a posting of a reference length (``cue_reference_words``); 7: short texts gain what their
# length lacks against a reference length (``shortfall``)

#: The oldest format this version reads: a format 3 file is a format 4 file whose mismatch confidence is one number,
#: a format 4 file is a format 5 file without a floor on words (read as 0: none), a format 5 file is a format 6
#: file whose cue counts are read as written (``cue_reference_words`` None), and a format 6 file is a format 7 file
#: without a shortfall (every text measured from a typical whole posting).
OLDEST_READ = 3


def save(
    model: TPMClassifier,
    path: str | os.PathLike[str],
    *,
    extra: dict[str, Any] | None = None,
    card: bool = True,
    overwrite: bool = False,
) -> str:
    """Save a fitted model atomically, with a Markdown model card beside it; return the file's SHA-256.

    Parameters
    ----------
    model : TPMClassifier
        A fitted model.
    path : path
        Destination file (conventionally ``*.tpmc``). Written to a temporary
        file in the same folder, then published, so it is never half-written.
    extra : dict, optional
        More metadata (e.g. ``{"metrics": ..., "training_data": ...}``).
    card : bool, default True
        Also write the model card (same name, ``.md``).
    overwrite : bool, default False
        Replace an existing model file and card. Without it, an existing file at either path is refused before
        anything is written (a typo must not turn a CSV or someone's notes into a model); with it, only regular
        files are replaced, never a folder or a link.

    Returns
    -------
    str
        SHA-256 of the written file.

    Raises
    ------
    OutputExistsError
        If the model file or its card exists and ``overwrite`` is false, or either is not a regular file.
    ModelFileError
        If the file system refuses them (a folder that cannot be written, a full disk): the file system's own
        error (an ``OSError``) said with the file and its folder, nothing published.

    Examples
    --------
    >>> import os, shutil, tempfile
    >>> import tpmclassify
    >>> folder = tempfile.mkdtemp()
    >>> path = os.path.join(folder, "model.tpmc")
    >>> digest = save(tpmclassify.default_model(), path)
    >>> len(digest), sorted(os.listdir(folder))
    (64, ['model.md', 'model.tpmc'])
    >>> load(path, sha256=digest).classes_.tolist()
    ['other', 'pm', 'tpm']
    >>> save(tpmclassify.default_model(), path)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tpmclassify._atomic.OutputExistsError: output .../model.tpmc already exists; pass overwrite=True to replace it
    >>> len(save(tpmclassify.default_model(), path, overwrite=True))
    64
    >>> shutil.rmtree(folder)
    """
    import nltk
    import sklearn

    if not hasattr(model, "coef_"):
        raise InvalidValueError("cannot save an unfitted model: call fit() first")
    if card and Path(path).suffix.lower() == ".md":
        raise ModelFileError(
            f"{path}: the model card is written beside the model as a .md file, so the model "
            "cannot be one; name the model file .tpmc"
        )
    if len(model.space_.vocabulary) > _MAX_VOCABULARY:
        raise ModelFileError(
            f"refusing to save a model of {len(model.space_.vocabulary):,} n-grams: a model file "
            f"holds at most {_MAX_VOCABULARY:,} (train with max_features at most that)"
        )
    changed = changed_since_fit(model)
    if changed:
        warn(
            f"{', '.join(changed)} changed by set_params since the model was fitted: a fit's parameters take effect at "
            "the next fit(), so the file and its card record the values the model was fitted with"
        )
    state, arrays = model.to_state()
    arrays = {name: np.asarray(values, dtype=np.float64) for name, values in arrays.items()}  # as load reads them
    lengths = _check_state(Path(path), state, saving=True)  # what load checks, before anything is written
    _check_arrays(Path(path), state, arrays, lengths, saving=True)
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]  # (the stub reads a key as allow_pickle)
    members = {
        "model.json": json.dumps(state, sort_keys=True, default=_jsonable).encode(),
        "arrays.npz": buf.getvalue(),
    }
    kept = getattr(model, "metadata_", {})
    if extra and "metrics" in extra:  # new figures, measured at the share the model has now (see with_prior)
        kept = {k: v for k, v in kept.items() if k != "metrics_prior"}
    meta = {
        **kept,
        **(extra or {}),
        "format_version": FORMAT_VERSION,
        "tpmclassify_version": __version__,
        "sklearn_version": sklearn.__version__,
        "nltk_version": nltk.__version__,
        "stem_probe": _stem_probe(),
        "token_probe": _token_probe(),
        "classes": state["classes"],
        "members_sha256": {name: _sha256(data) for name, data in members.items()},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    try:  # before anything is written: metadata JSON cannot hold is the caller's ``extra``
        metadata = json.dumps(meta, indent=2, sort_keys=True, default=_jsonable)
    except (TypeError, ValueError) as err:
        raise InvalidValueError(f"extra metadata must be JSON data (numbers, strings, lists, dicts): {err}") from None
    path = Path(path)
    card_file = card_path(path)
    try:
        for target in (path, card_file) if card else (path,):  # refused before anything is written
            check_target(target, overwrite)
        path.parent.mkdir(parents=True, exist_ok=True)
        # both are written before either is published (the model, then its card): a failure leaves neither, so a card
        # never describes a model that is not beside it
        with ExitStack() as published:
            card_tmp = published.enter_context(atomic_path(card_file, overwrite=overwrite)) if card else None
            with atomic_path(path, overwrite=overwrite) as tmp:
                with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
                    z.writestr("metadata.json", metadata)
                    for name, data in members.items():
                        z.writestr(name, data)
                digest = file_sha256(tmp)
                if card_tmp is not None:  # the file as loaded; the model given is left as it was (it may be shared)
                    saved = copy.copy(model)
                    saved.metadata_ = {k: v for k, v in meta.items() if k != "members_sha256"}
                    Path(card_tmp).write_text(model_card(saved, digest, name=path.name), encoding="utf-8")
    except TPMClassifyError:
        raise
    except OSError as err:  # the file system's answer (a folder not writable, a full disk): nothing was published
        what = f"{path} and its card {card_file.name}" if card else str(path)
        raise ModelFileError(f"cannot write {what} (in {path.parent}): {err.strerror or err}") from None
    return digest


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def load(path: str | os.PathLike[str], *, sha256: str | None = None) -> TPMClassifier:
    """Load a model saved by :func:`tpmclassify.save`.

    Loading never runs code from the file (it holds JSON and plain arrays).

    Parameters
    ----------
    path : path
        The model file.
    sha256 : str, optional
        Expected SHA-256 of the whole file (as printed by ``save``). Given, a
        file with another digest is refused before it is read.

    Returns
    -------
    TPMClassifier
        The fitted model, with its metadata in ``metadata_``.

    Raises
    ------
    ModelFileError
        Missing, corrupted, tampered or newer-format file, or a digest mismatch.

    Examples
    --------
    >>> import importlib.resources
    >>> bundled = importlib.resources.files("tpmclassify") / "_data" / "default.tpmc"
    >>> with importlib.resources.as_file(bundled) as path:
    ...     model = load(path)
    ...     load(path, sha256="0" * 64)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tpmclassify._archive.ModelFileError: ...default.tpmc: SHA-256 is ..., expected 000...; refusing to load it
    >>> model.predict(["Own the project schedule, the budget and weekly status reports to the client."]).tolist()
    ['pm']
    """
    path = model_path(path)
    if sha256 is not None:
        if not isinstance(sha256, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", sha256.strip()):
            raise InvalidValueError(
                f"{{arg:sha256}} must be a SHA-256 as save() returns it and model cards print it (64 hexadecimal "
                f"digits), got {sha256!r}"
            )
        sha256 = sha256.strip()
        actual = file_sha256(path)
        if actual != sha256.lower():
            raise ModelFileError(f"{path}: SHA-256 is {actual}, expected {sha256}; refusing to load it")
    meta = read_metadata(path)
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format {version!r}; this tpmclassify reads formats {OLDEST_READ} to {FORMAT_VERSION}. "
            f"It was written by tpmclassify {meta.get('tpmclassify_version')}: upgrade tpmclassify to load it."
        )
    if version < OLDEST_READ:
        raise ModelFileError(
            f"{path} has model format {version}, written by tpmclassify {meta.get('tpmclassify_version')}; "
            f"this tpmclassify reads formats {OLDEST_READ} to {FORMAT_VERSION} (baselines, evidence floor, context "
            "cues): "
            "retrain it with tpmclassify.train or `tpmclassify train`."
        )
    try:
        with zipfile.ZipFile(path) as z:
            names = z.namelist()
            if sorted(names) != sorted(_MAX_MEMBER_BYTES):
                raise _bad(
                    path, f"it holds the members {names}; a model file holds {sorted(_MAX_MEMBER_BYTES)}, once each"
                )
            members = {name: _read_member(path, z, name) for name in ("model.json", "arrays.npz")}
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, zlib.error) as err:
        raise ModelFileError(f"{path} is corrupted or truncated: {err}") from None
    recorded = meta.get("members_sha256")
    for name, data in members.items():
        if not isinstance(recorded, dict) or _sha256(data) != recorded.get(name):
            raise ModelFileError(f"{path}: {name} does not match its recorded checksum (the file was modified)")
    state = _json(path, "model.json", members["model.json"])
    if version < 5 and isinstance(state, dict):
        state.setdefault("min_words", 0)  # no floor on a posting's words before format 5
    if version < 6 and isinstance(state, dict) and isinstance(state.get("params"), dict):
        state["params"].setdefault("cue_reference_words", None)  # cue counts read as written before format 6
    if version < 7 and isinstance(state, dict):
        state.setdefault("shortfall", {"words": [], "table": []})  # no text measured as short before format 7
    lengths = _check_state(path, state)
    arrays = _read_arrays(path, members["arrays.npz"], lengths)
    _check_arrays(path, state, arrays, lengths)
    _check_nltk(path, meta)
    try:
        model = TPMClassifier.from_state(state, arrays)
    except (TypeError, ValueError, KeyError, AttributeError) as err:  # e.g. a cue with fields it cannot have
        reason = f"{type(err).__name__}: {err}"
        raise ModelFileError(f"{path}: the model cannot be rebuilt from the file ({reason})") from None
    model.metadata_ = {k: v for k, v in meta.items() if k != "members_sha256"}
    if len(model.coef_) != model.space_.n_features:
        raise ModelFileError(f"{path}: {len(model.coef_)} weights for {model.space_.n_features} features")
    return model
