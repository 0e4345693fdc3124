"""What a model file's content must be to be loaded: its state, its arrays, and the tokenizer it was written with.

Checked by name from the tables below, on JSON and arrays already read by :mod:`tpmclassify._archive`, before a
model is built from them: a file that passes cannot crash or mislead at classify time.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from ._archive import _ARRAY_LENGTHS, _OPTIONAL_ARRAYS, ModelFileError, _bad
from ._cues import AXES, CUE_ROLES, TABLE_BOUNDS, within_bounds
from ._errors import TPMClassifyError, warn
from ._model import TPMClassifier
from ._roles import CLASSES, SCOPED_CLASSES
from ._state import TUPLE_PARAMS
from ._text import MAX_CHARS
from ._version import __version__
from ._vocabulary import MAX_VOCABULARY

# What a model file may hold, checked on load before anything is built from it. Adding a fitted field is one line.
_MAX_VOCABULARY = MAX_VOCABULARY  # (one name per module that reads it, so that a test can lower it for either)
#: Scalars of model.json: check name -> (must be present, may be null).
_SCALARS = {
    "intercept": ("finite", False),
    "scope_intercept": ("finite", True),
    "scope_threshold": ("unit", True),
    "C": ("positive", False),
    "prior": ("open_unit", False),
    "training_prior": ("open_unit", False),
    "min_evidence": ("nonnegative", False),
    "min_words": ("count", False),
}
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
        warn(
            f"{path} was saved with nltk {recorded}, this is nltk {nltk.__version__}; if stems changed "
            "between them, its n-gram features may not match (retrain to be sure)"
        )


def _refusal(path: Path, saving: bool) -> Callable[[str], ModelFileError]:
    """How a wrong state is refused: on load, the file was edited or damaged; on save, load would refuse the file."""
    if saving:
        return lambda msg: ModelFileError(
            f"refusing to save {path}: {msg}, so load would refuse the file (a model changed after fit, or fitted "
            "past what a model file holds)"
        )
    return lambda msg: _bad(path, msg)


def _check_state(path: Path, state: Any, saving: bool = False) -> dict[str, int]:
    """Refuse model.json content that would crash or mislead at classify time (checked by name, from the tables
    above), on load or, from the model's state, on save; return the length each array must have."""
    bad = _refusal(path, saving)

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
        k: tuple(v) if k in TUPLE_PARAMS and isinstance(v, list) else v for k, v in params.items()
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
    if not within_bounds(phrases):
        raise bad(f"the cue table exceeds its bounds ({TABLE_BOUNDS})")
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
    wrong = _first_wrong(state, _SCALARS) or _wrong_shortfall(state.get("shortfall"))
    if wrong:
        raise bad(wrong)
    lengths = {"vocabulary": len(vocabulary), "features": len(cues) + len(vocabulary), "axes": len(AXES)}
    return {name: lengths[kind] for name, kind in _ARRAY_LENGTHS.items()}


def _check_arrays(
    path: Path, state: dict[str, Any], arrays: dict[str, np.ndarray], lengths: dict[str, int], saving: bool = False
) -> None:
    """Refuse arrays that are missing, of other lengths than ``lengths`` (:func:`_check_state`), not finite, or
    inconsistent with model.json."""
    bad = _refusal(path, saving)
    for name in _ARRAY_LENGTHS:
        values = arrays.get(name)
        if values is None:
            if name not in _OPTIONAL_ARRAYS:
                raise bad(f"array {name!r} is missing")
        elif np.shape(values) != (lengths[name],):
            raise bad(f"array {name!r} has shape {np.shape(values)}; it must be ({lengths[name]},)")
        elif not np.all(np.isfinite(values)):
            raise bad(f"array {name!r} has non-finite values")
    if np.any(arrays["idf"] <= 0):
        raise bad("array 'idf' has values that are not positive")
    scope = [
        arrays.get("scope_coef") is not None,
        arrays.get("scope_baseline") is not None,
        state["scope_intercept"] is not None,
        state["scope_threshold"] is not None,
        state["classes"] == list(SCOPED_CLASSES),
    ]
    if any(scope) and not all(scope):
        raise bad("the scope head is incomplete (its weights, intercept, threshold and the 'other' class go together)")


#: The most lengths a shortfall may be measured at (a model measures ``len(_lengths.WINDOW_TOKENS) + 1``).
_MAX_SHORTFALL_LENGTHS = 64


def _wrong_shortfall(short: Any) -> str | None:
    """What is wrong with model.json's ``shortfall`` (None if nothing): word counts that ascend strictly, each with a
    row of one finite number per axis, the last row zeros (from the reference length on, a text is read as is), or
    none at all."""
    must = (
        f"an object of 'words' (at most {_MAX_SHORTFALL_LENGTHS}, ascending) and 'table' (a row of {len(AXES)} finite "
        "numbers for each, the last all 0)"
    )
    if not isinstance(short, dict) or set(short) != {"words", "table"}:
        return f"shortfall is {short!r}; it must be {must}"
    words, table = short["words"], short["table"]
    ok = (
        isinstance(words, list)
        and isinstance(table, list)
        and len(words) == len(table) <= _MAX_SHORTFALL_LENGTHS
        and all(_finite(w) and w >= 0 for w in words)
        and all(a < b for a, b in zip(words, words[1:], strict=False))
        and all(isinstance(r, list) and len(r) == len(AXES) and all(map(_finite, r)) for r in table)
        and (not table or not any(table[-1]))
    )
    return None if ok else f"shortfall is malformed; it must be {must}"


def _first_wrong(values: dict[str, Any], table: dict[str, tuple[str, bool]]) -> str | None:
    """``"<name> is <value>; it must be <kind>"`` for the first value of ``table`` that is not of its kind."""
    for name, (kind, nullable) in table.items():
        value = values.get(name)
        if not ((value is None and nullable) or _KINDS[kind][0](value)):
            return f"{name} is {value!r}; it must be {_KINDS[kind][1]}"
    return None


def _finite(x: Any) -> bool:
    try:
        return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)
    except OverflowError:  # an integer too large for a float
        return False


def _unit(x: Any) -> bool:
    return _finite(x) and 0.0 <= x <= 1.0


#: What each kind of scalar must be, and how to say so.
_KINDS: dict[str, tuple[Any, str]] = {
    "finite": (_finite, "a finite number"),
    "unit": (_unit, "a probability"),
    "open_unit": (lambda x: _finite(x) and 0.0 < x < 1.0, "a share strictly between 0 and 1"),
    "positive": (lambda x: _finite(x) and x > 0, "a positive number"),
    "nonnegative": (lambda x: _finite(x) and x >= 0, "a number >= 0"),
    # (a posting has fewer words than characters)
    "count": (lambda x: isinstance(x, int) and not isinstance(x, bool) and 0 <= x <= MAX_CHARS, "a count of words"),
}
