"""Saving and loading models: a zip of JSON and ``.npz`` arrays, plus metadata.

A saved model is data, not code: the vocabulary, idf, weights, calibration and
cue table are stored as JSON and NumPy arrays (read with ``allow_pickle=False``),
so loading a file cannot run code, whoever made it. Every member's SHA-256 is
recorded in ``metadata.json`` and checked on load (catching truncated or edited
files); pass ``sha256=`` to :func:`load` to also check the whole file against a
digest you got from its author.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from dataclasses import asdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_path
from ._cues import Cue
from ._errors import TPMClassifyError
from ._features import FeatureSpace
from ._model import TPMClassifier

__all__ = ["FORMAT_VERSION", "ModelFileError", "load", "save"]

#: Version of the file layout written by :func:`save`.
FORMAT_VERSION = 1
_ARRAYS = ("idf", "coef", "scope_coef")


class ModelFileError(TPMClassifyError, ValueError):
    """A model file is missing, corrupted, tampered with or of an unsupported format."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, to publish beside a model you share."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def save(model: TPMClassifier, path: str | os.PathLike[str], *, extra: dict[str, Any] | None = None) -> str:
    """Save a fitted model atomically; return the file's SHA-256.

    Parameters
    ----------
    model : TPMClassifier
        A fitted model.
    path : path
        Destination file (conventionally ``*.tpmc``). Written to a temporary
        file in the same folder, then renamed, so it is never half-written.
    extra : dict, optional
        More metadata (e.g. ``{"metrics": ..., "training_data": ...}``).

    Returns
    -------
    str
        SHA-256 of the written file.
    """
    import nltk
    import sklearn

    from . import __version__

    if not hasattr(model, "coef_"):
        raise ValueError("cannot save an unfitted model: call fit() first")
    params = {k: v for k, v in model.get_params().items() if k != "cues"}
    params["review_band"] = list(params["review_band"])
    params["scope_axes"] = list(params["scope_axes"])
    state = {
        "params": params,
        "cues": [asdict(c) for c in model.cues_],
        "vocabulary": model.space_.vocabulary,
        "display": model.space_.display[len(model.cues_) :],
        "intercept": model.intercept_,
        "calibration": list(model.calibration_),
        "scope_intercept": model.scope_intercept_,
        "scope_calibration": None if model.scope_calibration_ is None else list(model.scope_calibration_),
        "scope_threshold": model.scope_threshold_,
        "classes": [str(c) for c in model.classes_],
    }
    buf = io.BytesIO()
    arrays = {"idf": model.space_.idf, "coef": model.coef_}
    if model.scope_coef_ is not None:
        arrays["scope_coef"] = model.scope_coef_
    np.savez(buf, **arrays)
    members = {"model.json": json.dumps(state, sort_keys=True).encode(), "arrays.npz": buf.getvalue()}
    meta = {
        **getattr(model, "metadata_", {}),
        **(extra or {}),
        "format_version": FORMAT_VERSION,
        "tpmclassify_version": __version__,
        "sklearn_version": sklearn.__version__,
        "nltk_version": nltk.__version__,
        "classes": state["classes"],
        "members_sha256": {name: _sha256(data) for name, data in members.items()},
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", json.dumps(meta, indent=2, sort_keys=True, default=_jsonable))
        for name, data in members.items():
            z.writestr(name, data)
    model.metadata_ = {k: v for k, v in meta.items() if k != "members_sha256"}
    return file_sha256(path)


def _jsonable(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a model file's metadata without loading the model."""
    try:
        with zipfile.ZipFile(path) as z:
            return json.loads(z.read("metadata.json"))
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {path}") from None
    except (zipfile.BadZipFile, KeyError, json.JSONDecodeError, EOFError) as err:
        raise ModelFileError(
            f"{path} is not a readable tpmclassify model (corrupted or truncated?): {err}. "
            "Save it again with model.save() or retrain with `tpmclassify train`."
        ) from None


def load(path: str | os.PathLike[str], *, sha256: str | None = None) -> TPMClassifier:
    """Load a model saved by :meth:`TPMClassifier.save` / :func:`save`.

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
    """
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"model file not found: {path}")
    if sha256 is not None:
        actual = file_sha256(path)
        if actual != sha256.lower():
            raise ModelFileError(f"{path}: SHA-256 is {actual}, expected {sha256}; refusing to load it")
    meta = read_metadata(path)
    version = meta.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format {version!r}; this tpmclassify reads format {FORMAT_VERSION} or older. "
            f"It was written by tpmclassify {meta.get('tpmclassify_version')}: upgrade tpmclassify to load it."
        )
    try:
        with zipfile.ZipFile(path) as z:
            members = {name: z.read(name) for name in ("model.json", "arrays.npz")}
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as err:
        raise ModelFileError(f"{path} is corrupted or truncated: {err}") from None
    for name, data in members.items():
        if _sha256(data) != meta.get("members_sha256", {}).get(name):
            raise ModelFileError(f"{path}: {name} does not match its recorded checksum (the file was modified)")
    state = json.loads(members["model.json"])
    with np.load(io.BytesIO(members["arrays.npz"]), allow_pickle=False) as npz:
        arrays = {k: npz[k] for k in _ARRAYS if k in npz}
    params = state["params"]
    params["review_band"] = tuple(params["review_band"])
    params["scope_axes"] = tuple(params["scope_axes"])
    model = TPMClassifier(**params, cues=tuple(Cue(**{**c, "phrases": tuple(c["phrases"])}) for c in state["cues"]))
    model.cues_ = tuple(model.cues)
    model.space_ = FeatureSpace(
        model.cues_, state["vocabulary"], arrays["idf"], model.ngram_max,
        cue_scale=0.0 if model.features == "ngrams" else model.cue_scale,
        ngram_scale=0.0 if model.features == "cues" else model.ngram_scale,
        display=state["display"],
    )
    model.feature_names_ = model.space_.names
    model.n_features_in_ = 1
    model.classes_ = np.array(state["classes"], dtype=object)
    model.coef_, model.intercept_ = arrays["coef"], float(state["intercept"])
    model.calibration_ = tuple(state["calibration"])
    model.scope_coef_ = arrays.get("scope_coef")
    model.scope_intercept_ = state["scope_intercept"]
    model.scope_calibration_ = None if state["scope_calibration"] is None else tuple(state["scope_calibration"])
    model.scope_threshold_ = state["scope_threshold"]
    model.metadata_ = {k: v for k, v in meta.items() if k != "members_sha256"}
    if len(model.coef_) != model.space_.n_features:
        raise ModelFileError(f"{path}: {len(model.coef_)} weights for {model.space_.n_features} features")
    return model
