"""Saving and loading models: a zip of JSON and ``.npz`` arrays, plus metadata.

A saved model is data, not code: the vocabulary, idf, weights, priors and
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
import math
import os
import warnings
import zipfile
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

import numpy as np

from ._atomic import atomic_path
from ._card import write_card
from ._cues import AXES, CUE_ROLES
from ._errors import InvalidValueError, TPMClassifyError
from ._model import TPMClassifier
from ._roles import CLASSES, SCOPED_CLASSES
from ._version import __version__

__all__ = ["FORMAT_VERSION", "ModelFileError", "load", "save"]

#: Version of the file layout written by :func:`save`.
FORMAT_VERSION = 3  # 2: priors, calibration folded into the weights; 3: baselines, evidence floor, context cues

# What a model file may hold, checked on load before anything is built from it. Adding a fitted field is one line.
#: The most n-grams a model may have (ten times the default ``max_features``): loading costs about 1 KB of memory
#: per n-gram at its peak (0.7 KB kept), so at most some 200 MB and a few seconds; saving a bigger model is refused.
_MAX_VOCABULARY = 200_000
#: Largest uncompressed size of each zip member, checked before it is decompressed (model.json: about 35 bytes an
#: n-gram, so 7 MB at the vocabulary's bound; arrays.npz: three arrays of 8 bytes a feature, 5 MB at the bound).
_MAX_MEMBER_BYTES = {"metadata.json": 1 << 20, "model.json": 16 << 20, "arrays.npz": 8 << 20}
#: Room for an array's ``.npy`` header (numpy writes 128 bytes), beside its 8 bytes a value.
_MAX_NPY_HEADER = 4096
#: Arrays: what their length must equal ("vocabulary": one per n-gram; "features": cues + n-grams); None if optional.
_ARRAY_LENGTHS = {
    "idf": "vocabulary",
    "coef": "features",
    "scope_coef": "features",
    "baseline": "axes",
    "scope_baseline": "axes",
}
_OPTIONAL_ARRAYS = {"scope_coef", "scope_baseline"}
_ONE_PER = {"vocabulary": "n-gram", "features": "feature", "axes": "axis"}
#: Scalars of model.json: check name -> (must be present, may be null).
_SCALARS = {
    "intercept": ("finite", False),
    "scope_intercept": ("finite", True),
    "scope_threshold": ("unit", True),
    "C": ("positive", False),
    "prior": ("open_unit", False),
    "training_prior": ("open_unit", False),
    "min_evidence": ("nonnegative", False),
}
#: Bounds on what makes loading or explaining slow: the cue table's size (n-gram length is a parameter constraint).
_MAX_PHRASES, _MAX_PHRASE_WORDS, _MAX_PHRASE_CHARS = 5000, 8, 200
#: A text whose tokens are the cues' and n-grams' ground truth (HTML, entities, accents, punctuation inside words,
#: a boilerplate heading): a file records how this tokenizer read it, load compares.
_TOKEN_PROBE = (
    "<p>Own the C++/C# APIs &amp; the cross-functional e-mail roadmap; 2nd-gen über-Café (Ｆｕｌｌ width)…</p>\n"
    "Benefits\nDental and vision insurance."
)
#: Words whose Snowball stems are the n-gram keys' ground truth: a file records their stems, load compares.
_STEM_PROBE = (
    "architectures",
    "programming",
    "dependencies",
    "stakeholders",
    "scalability",
    "experiences",
    "budgeting",
    "organizational",
    "communicating",
    "engineering",
    "reliability",
    "generously",
)


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


def save(
    model: TPMClassifier, path: str | os.PathLike[str], *, extra: dict[str, Any] | None = None, card: bool = True
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

    Returns
    -------
    str
        SHA-256 of the written file.
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
    weights = {"idf": model.space_.idf, "coef": model.coef_, "scope_coef": model.scope_coef_}
    for name, values in weights.items():
        if values is not None and not np.all(np.isfinite(values)):
            raise ModelFileError(f"refusing to save a model whose {name} has non-finite values (NaN or infinity)")
    if len(model.space_.vocabulary) > _MAX_VOCABULARY:
        raise ModelFileError(
            f"refusing to save a model of {len(model.space_.vocabulary):,} n-grams: a model file "
            f"holds at most {_MAX_VOCABULARY:,} (train with max_features at most that)"
        )
    state, arrays = model.to_state()
    buf = io.BytesIO()
    np.savez(buf, **arrays)  # type: ignore[arg-type]  # (the stub reads a key as allow_pickle)
    members = {"model.json": json.dumps(state, sort_keys=True).encode(), "arrays.npz": buf.getvalue()}
    meta = {
        **getattr(model, "metadata_", {}),
        **(extra or {}),
        "format_version": FORMAT_VERSION,
        "tpmclassify_version": __version__,
        "sklearn_version": sklearn.__version__,
        "nltk_version": nltk.__version__,
        "stem_probe": _stem_probe(),
        "token_probe": _token_probe(),
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
    digest = file_sha256(path)
    if card:
        write_card(model, path, digest)
    return digest


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
            meta = _json(path, "metadata.json", _read_member(path, z, "metadata.json"))
    except FileNotFoundError:
        raise ModelFileError(f"model file not found: {path}") from None
    except (zipfile.BadZipFile, KeyError, EOFError) as err:
        raise ModelFileError(
            f"{path} is not a readable tpmclassify model (corrupted or truncated?): {err}. "
            "Save it again with tpmclassify.save() or retrain with `tpmclassify train`."
        ) from None
    if not isinstance(meta, dict):
        raise ModelFileError(f"{path}: metadata.json is a {type(meta).__name__}, not an object")
    return meta


def _read_member(path: str | os.PathLike[str], z: zipfile.ZipFile, name: str) -> bytes:
    """A member's bytes, refused before decompressing if its declared size is over its limit."""
    size = z.getinfo(name).file_size  # zipfile never inflates more than this declared size
    if size > _MAX_MEMBER_BYTES[name]:
        raise ModelFileError(f"{path}: {name} is {size:,} bytes uncompressed; the limit is {_MAX_MEMBER_BYTES[name]:,}")
    return z.read(name)


def _json(path: str | os.PathLike[str], name: str, data: bytes) -> Any:
    try:
        return json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as err:
        reason = "nested too deeply" if isinstance(err, RecursionError) else str(err)
        raise ModelFileError(f"{path}: {name} is not valid JSON ({reason})") from None


def _stem_probe() -> list[str]:
    from ._text import stem

    return [stem(w) for w in _STEM_PROBE]


def _token_probe() -> list[str]:
    from ._words import tokens_of

    return tokens_of(_TOKEN_PROBE)


def _check_nltk(path: Path, meta: dict[str, Any]) -> None:
    """Refuse a model whose recorded tokens or stems differ from this tokenizer's and nltk's; warn on another nltk
    version (a file without the probes: one written before they were recorded)."""
    import nltk

    written = meta.get("tpmclassify_version")
    probes = (
        (
            "token_probe",
            _token_probe,
            f"tpmclassify {written}, which splits text into words differently from this "
            f"tpmclassify {__version__}: its cues and n-grams would not match. Install tpmclassify {written}",
        ),
        (
            "stem_probe",
            _stem_probe,
            f"nltk {meta.get('nltk_version')}, whose Snowball stems differ from those of the "
            f"installed nltk {nltk.__version__}: its n-grams would not match. Install nltk {meta.get('nltk_version')}",
        ),
    )
    for key, current, why in probes:
        if meta.get(key) is not None and meta[key] != current():
            raise ModelFileError(f"{path} was trained with {why} or retrain the model.")
    probe = meta.get("stem_probe")
    recorded = meta.get("nltk_version")
    if probe is None and recorded is not None and recorded != nltk.__version__:
        warnings.warn(
            f"{path} was saved with nltk {recorded}, this is nltk {nltk.__version__}; if stems changed "
            "between them, its n-gram features may not match (retrain to be sure)",
            UserWarning,
            stacklevel=3,
        )


def _bad(path: Path, msg: str) -> ModelFileError:
    return ModelFileError(f"{path}: {msg}; the file was edited or is damaged (retrain or re-download it)")


def _check_state(path: Path, state: Any) -> dict[str, int]:
    """Refuse model.json content that would crash or mislead at classify time (checked by name, from the tables
    above); return the length each array must have."""

    def bad(msg: str) -> ModelFileError:
        return _bad(path, msg)

    if not isinstance(state, dict):
        raise bad("model.json is not an object")
    missing = [k for k in ("params", "cues", "vocabulary", "display", "classes", *_SCALARS) if k not in state]
    if missing:
        raise bad(f"model.json lacks {', '.join(missing)}")
    params = state["params"]
    known = set(TPMClassifier().get_params()) - {"cues"}
    if not isinstance(params, dict) or set(params) - known:
        raise bad(f"unknown parameters {sorted(set(params) - known) if isinstance(params, dict) else params!r}")
    # the estimator's own constraints (the ones fit() checks), on the parameters as JSON stores them
    as_given: dict[str, Any] = {
        k: tuple(v) if k in TPMClassifier._TUPLE_PARAMS and isinstance(v, list) else v for k, v in params.items()
    }
    try:
        TPMClassifier(**as_given).check_params()
    except TPMClassifyError as err:
        raise bad(str(err).rstrip(".")) from None
    if state["classes"] not in (list(CLASSES), list(SCOPED_CLASSES)):
        raise bad(f"classes are {state['classes']!r}; they must be {list(CLASSES)} or {list(SCOPED_CLASSES)}")
    cues = state["cues"]
    fields = {"name", "axis", "role", "phrases"}
    if not isinstance(cues, list) or not all(
        isinstance(c, dict)
        and set(c) == fields
        and isinstance(c["phrases"], list)
        and isinstance(c["name"], str)
        and c["axis"] in AXES
        and c["role"] in CUE_ROLES
        for c in cues
    ):
        raise bad("the cue table is malformed")
    phrases = [p for c in cues for p in c["phrases"]]
    if len(phrases) > _MAX_PHRASES or not all(
        isinstance(p, str) and len(p) <= _MAX_PHRASE_CHARS and len(p.split()) <= _MAX_PHRASE_WORDS for p in phrases
    ):
        raise bad(f"the cue table exceeds its bounds ({_MAX_PHRASES} phrases of at most {_MAX_PHRASE_WORDS} words)")
    vocabulary = state["vocabulary"]
    if not isinstance(vocabulary, list) or not all(isinstance(v, str) for v in vocabulary):
        raise bad("the vocabulary is not a list of strings")
    if len(vocabulary) > _MAX_VOCABULARY:
        raise bad(f"the vocabulary has {len(vocabulary):,} n-grams; the limit is {_MAX_VOCABULARY:,}")
    if len(set(vocabulary)) != len(vocabulary):
        raise bad("the vocabulary repeats an n-gram")
    display = state["display"]
    if not isinstance(display, list) or len(display) != len(vocabulary) or not all(isinstance(d, str) for d in display):
        raise bad("the display forms are not one string per n-gram")
    wrong = _first_wrong(state, _SCALARS)
    if wrong:
        raise bad(wrong)
    lengths = {"vocabulary": len(vocabulary), "features": len(cues) + len(vocabulary), "axes": len(AXES)}
    return {name: lengths[kind] for name, kind in _ARRAY_LENGTHS.items()}


def _read_arrays(path: Path, data: bytes, lengths: dict[str, int]) -> dict[str, np.ndarray]:
    """The arrays of ``arrays.npz``, each member checked before a byte of its values is inflated: a known name,
    met once; a declared size within what its expected length takes; a ``.npy`` header saying float64 of that
    length. So loading allocates at most 8 bytes per expected value, whatever the member would inflate to."""
    arrays: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                name = info.filename.removesuffix(".npy")
                if not info.filename.endswith(".npy") or name not in lengths or name in arrays:
                    raise _bad(path, f"arrays.npz holds an unknown or repeated member {info.filename!r}")
                limit = _MAX_NPY_HEADER + 8 * lengths[name]
                if info.file_size > limit:
                    raise _bad(
                        path,
                        f"array {name!r} is {info.file_size:,} bytes uncompressed; {lengths[name]:,} "
                        f"values take at most {limit:,}",
                    )
                with z.open(info) as f:
                    arrays[name] = _read_npy(path, name, f, lengths[name])
    except ModelFileError:
        raise
    except (ValueError, OSError, zipfile.BadZipFile, EOFError) as err:
        raise ModelFileError(f"{path}: arrays.npz is not readable as plain arrays: {err}") from None
    return arrays


def _read_npy(path: Path, name: str, f: IO[bytes], length: int) -> np.ndarray:
    """One ``.npy`` member: its header read and checked (float64, ``(length,)``) before its values are read."""
    version = np.lib.format.read_magic(f)
    if version not in ((1, 0), (2, 0)):
        raise _bad(path, f"array {name!r} has .npy format {version}")
    read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read_header(f, max_header_size=_MAX_NPY_HEADER)
    if dtype != np.float64 or shape != (length,):
        raise _bad(
            path,
            f"array {name!r} has shape {shape} ({dtype}); expected ({length},) floats, one per "
            f"{_ONE_PER[_ARRAY_LENGTHS[name]]}",
        )
    raw = f.read(8 * length)
    if len(raw) != 8 * length or f.read(1):
        raise _bad(path, f"array {name!r} does not hold exactly its {length:,} values")
    return np.frombuffer(raw, dtype=dtype).astype(np.float64)  # a writable copy, in this machine's byte order


def _check_arrays(path: Path, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Refuse arrays (already of the right shapes) that are missing, not finite, or inconsistent with model.json."""
    for name in _ARRAY_LENGTHS:
        values = arrays.get(name)
        if values is None:
            if name not in _OPTIONAL_ARRAYS:
                raise _bad(path, f"array {name!r} is missing")
        elif not np.all(np.isfinite(values)):
            raise _bad(path, f"array {name!r} has non-finite values")
    if np.any(arrays["idf"] <= 0):
        raise _bad(path, "array 'idf' has values that are not positive")
    scope = [
        arrays.get("scope_coef") is not None,
        arrays.get("scope_baseline") is not None,
        state["scope_intercept"] is not None,
        state["scope_threshold"] is not None,
        state["classes"] == list(SCOPED_CLASSES),
    ]
    if any(scope) and not all(scope):
        raise _bad(
            path, "the scope head is incomplete (its weights, intercept, threshold and the 'other' class go together)"
        )


def _first_wrong(values: dict[str, Any], table: dict[str, tuple[str, bool]]) -> str | None:
    """``"<name> is <value>; it must be <kind>"`` for the first value of ``table`` that is not of its kind."""
    for name, (kind, nullable) in table.items():
        value = values.get(name)
        if not ((value is None and nullable) or _KINDS[kind][0](value)):
            return f"{name} is {value!r}; it must be {_KINDS[kind][1]}"
    return None


def _finite(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _unit(x: Any) -> bool:
    return _finite(x) and 0.0 <= x <= 1.0


#: What each kind of scalar must be, and how to say so.
_KINDS: dict[str, tuple[Any, str]] = {
    "finite": (_finite, "a finite number"),
    "unit": (_unit, "a probability"),
    "open_unit": (lambda x: _finite(x) and 0.0 < x < 1.0, "a share strictly between 0 and 1"),
    "positive": (lambda x: _finite(x) and x > 0, "a positive number"),
    "nonnegative": (lambda x: _finite(x) and x >= 0, "a number >= 0"),
}


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
            f"{path} has model format {version!r}; this tpmclassify reads format {FORMAT_VERSION}. "
            f"It was written by tpmclassify {meta.get('tpmclassify_version')}: upgrade tpmclassify to load it."
        )
    if version < FORMAT_VERSION:
        raise ModelFileError(
            f"{path} has model format {version}, written by tpmclassify {meta.get('tpmclassify_version')}; "
            f"this tpmclassify reads format {FORMAT_VERSION} (calibration folded into the weights, a stated prior): "
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
    except (zipfile.BadZipFile, KeyError, EOFError, OSError) as err:
        raise ModelFileError(f"{path} is corrupted or truncated: {err}") from None
    recorded = meta.get("members_sha256")
    for name, data in members.items():
        if not isinstance(recorded, dict) or _sha256(data) != recorded.get(name):
            raise ModelFileError(f"{path}: {name} does not match its recorded checksum (the file was modified)")
    state = _json(path, "model.json", members["model.json"])
    arrays = _read_arrays(path, members["arrays.npz"], _check_state(path, state))
    _check_arrays(path, state, arrays)
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
