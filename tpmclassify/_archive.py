"""The model file as an archive: a zip of ``metadata.json``, ``model.json`` and ``arrays.npz``, read safely.

Each member's size is checked before it is decompressed, JSON is parsed without running code, and the arrays are
read as plain float64 ``.npy`` members whose headers are checked before their values are read; what the content
means is checked by :mod:`tpmclassify._validate`, and :mod:`tpmclassify._persist` saves and loads whole models.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
import zlib
from pathlib import Path
from typing import IO, Any

import numpy as np

from ._errors import TPMClassifyError

__all__ = ["ModelFileError", "ModelFileNotFoundError", "file_sha256", "model_path", "read_metadata"]

# What a model file may hold, checked on load before anything is built from it.
#: Largest uncompressed size of each zip member, checked before it is decompressed (model.json: about 35 bytes an
#: n-gram, so 7 MB at the vocabulary's bound, ``_vocabulary.MAX_VOCABULARY``; arrays.npz: three arrays of 8 bytes a
#: feature, 5 MB at the bound).
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


class ModelFileError(TPMClassifyError, ValueError):
    """A model file is missing, corrupted, tampered with or of an unsupported format."""


class ModelFileNotFoundError(ModelFileError, FileNotFoundError):
    """A model file named does not exist (a ``FileNotFoundError`` too, as a missing input file is)."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file, to publish beside a model you share."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def model_path(path: object) -> Path:
    """``path`` as a model file's path, checked: a path (not another type), of a file that exists (not a folder)."""
    if not isinstance(path, (str, os.PathLike)):
        raise ModelFileError(f"a model file is named by a path (str or os.PathLike), got {type(path).__name__}")
    if not os.fspath(path):  # (Path("") is the current folder, and cannot be told from it)
        raise ModelFileError("a model file is named by a path, got an empty one")
    found = Path(path)
    if found.is_dir():
        raise ModelFileError(f"{found} is a folder: name the model file (.tpmc) in it")
    if found.exists() and not found.is_file():  # (a device, a pipe)
        raise ModelFileError(f"{found} is not a regular file: name a model file (.tpmc)")
    if not found.is_file():
        raise ModelFileNotFoundError(f"model file not found: {found}")
    return found


def read_metadata(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a model file's metadata without loading the model.

    Examples
    --------
    >>> from importlib.resources import as_file, files
    >>> with as_file(files("tpmclassify").joinpath("_data", "default.tpmc")) as path:
    ...     print(read_metadata(path)["classes"])
    ['other', 'pm', 'tpm']
    """
    path = model_path(path)
    try:
        with zipfile.ZipFile(path) as z:
            meta = _json(path, "metadata.json", _read_member(path, z, "metadata.json"))
    except FileNotFoundError:  # (gone since it was checked)
        raise ModelFileNotFoundError(f"model file not found: {path}") from None
    except OSError as err:  # a folder, no permission: the file system's answer, said in one line
        raise ModelFileError(f"cannot read the model file {path}: {err.strerror or err}") from None
    except (zipfile.BadZipFile, KeyError, EOFError, zlib.error) as err:  # (zlib: a damaged compressed member)
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


def _bad(path: Path, msg: str) -> ModelFileError:
    return ModelFileError(f"{path}: {msg}; the file was edited or is damaged (retrain or re-download it)")


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
    except (ValueError, OSError, zipfile.BadZipFile, EOFError, zlib.error) as err:
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
