"""A fitted model as plain data (a JSON-able dict and named float arrays), and back: what a model file holds."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ._cues import Cue, cue_table
from ._features import FeatureSpace
from ._lengths import Shortfall
from ._predicting import check_fitted
from ._titles import claim_confidences

if TYPE_CHECKING:
    from ._model import TPMClassifier

__all__ = [
    "ANSWER_PARAMS",
    "TUPLE_PARAMS",
    "changed_since_fit",
    "fitted_params",
    "from_state",
    "record_fit",
    "to_state",
]

#: Parameters that are tuples (JSON stores them as lists).
TUPLE_PARAMS = ("review_band", "scope_axes", "C_grid")
#: The parameters of a fitted model's answers, which apply at once when set on it; every other one says how the model
#: is fitted, and takes effect at the next fit.
ANSWER_PARAMS = ("prior", "review_band", "scope_threshold", "mismatch_confidence", "titled_scope_threshold")


def record_fit(model: TPMClassifier) -> None:
    """Keep the parameters ``model`` is fitted with (its cue table is ``cues_``): ``set_params`` may change them
    afterwards for the next fit, and the model still is what they made it."""
    model.fitted_params_ = {k: v for k, v in model.get_params().items() if k not in (*ANSWER_PARAMS, "cues")}


def fitted_params(model: TPMClassifier) -> dict[str, Any]:
    """The fitted ``model``'s parameters, its cue table aside: those of the fit as they were when it was fitted, and
    those of its answers as they are (what a model file and its card record). A model pickled before they were kept
    has only its reading's (n-gram length and scale, cue counts' length) kept apart: its other ones are as set."""
    params = {k: v for k, v in model.get_params().items() if k != "cues"}
    params.update(model.__dict__.get("fitted_params_", {}))  # (none in a model pickled before they were kept)
    space = model.space_  # how the model reads postings, whatever set_params said since
    params.update(ngram_max=space.ngram_max, ngram_scale=space.ngram_scale, cue_reference_words=space.reference_words)
    return params


def changed_since_fit(model: TPMClassifier) -> list[str]:
    """The parameters of the fit that ``set_params`` changed since ``model`` was fitted (in effect at the next fit).

    Examples
    --------
    >>> import copy, tpmclassify
    >>> model = copy.copy(tpmclassify.default_model())
    >>> changed_since_fit(model.set_params(C=100.0, prior=0.2))
    ['C']
    """
    fitted, now = fitted_params(model), model.get_params()
    changed = [k for k, v in fitted.items() if k not in ANSWER_PARAMS and now[k] != v]
    try:
        cues: tuple[Any, ...] | None = cue_table(model.cues)
    except TypeError:  # (set to what no fit takes: changed, whatever it is)
        cues = None
    return changed + ["cues"] * (cues != tuple(model.cues_))


def to_state(model: TPMClassifier) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The fitted ``model`` as plain data (see :meth:`TPMClassifier.to_state`)."""
    check_fitted(model)
    params = fitted_params(model)  # what the model was fitted with, whatever set_params said since
    # (set_params checks nothing: a file is never written that load() would refuse)
    type(model)(**params, cues=model.cues_).check_params()
    confidence = model.mismatch_confidence  # as plain floats, one per claim in the claims' order
    params["mismatch_confidence"] = model.mismatch_confidences if isinstance(confidence, dict) else float(confidence)
    for key in TUPLE_PARAMS:
        params[key] = list(params[key])
    state = {
        "params": params,
        "cues": [{"name": c.name, "axis": c.axis, "role": c.role, "phrases": list(c.phrases)} for c in model.cues_],
        "vocabulary": list(model.space_.vocabulary),
        "display": model.space_.display[len(model.cues_) :],
        "intercept": float(model.intercept_),
        "C": model.C_,
        "prior": model.prior_,
        "training_prior": model.training_prior_,
        "scope_intercept": model.scope_intercept_,
        "scope_threshold": model.scope_threshold_,
        "classes": [str(c) for c in model.classes_],
    }
    state["min_evidence"] = model.min_evidence_
    state["min_words"] = int(model.min_words_)
    short = model.shortfall_
    state["shortfall"] = {"words": short.words.tolist(), "table": short.table.tolist()}
    arrays = {"idf": model.space_.idf, "coef": model.coef_, "baseline": model.baseline_}
    if model.scope_coef_ is not None and model.scope_baseline_ is not None:
        arrays["scope_coef"] = model.scope_coef_
        arrays["scope_baseline"] = model.scope_baseline_
    return state, arrays


def from_state(model: TPMClassifier, state: dict[str, Any], arrays: dict[str, np.ndarray]) -> TPMClassifier:
    """``model`` (made with ``state``'s parameters and cues) given the fitted attributes of :func:`to_state`'s data."""
    cues = model.cues_ = tuple(model.cues or ())
    model.space_ = FeatureSpace(
        cues,
        state["vocabulary"],
        arrays["idf"],
        model.ngram_max,
        ngram_scale=model.ngram_scale,
        display=state["display"],
        reference_words=model.cue_reference_words,
    )
    model.feature_names_ = model.space_.names
    model.classes_ = np.array(state["classes"], dtype=object)
    model.coef_, model.intercept_ = arrays["coef"], float(state["intercept"])
    model.C_, model.prior_, model.training_prior_ = state["C"], state["prior"], state["training_prior"]
    model.scope_coef_ = arrays.get("scope_coef")
    model.baseline_, model.scope_baseline_ = arrays["baseline"], arrays.get("scope_baseline")
    model.min_evidence_ = float(state["min_evidence"])
    model.min_words_ = int(state["min_words"])
    short = state.get("shortfall")  # (none before format 7)
    model.shortfall_ = (
        Shortfall.none()
        if not short or not short["words"]
        else Shortfall(np.array(short["words"], dtype=float), np.array(short["table"], dtype=float))
    )
    model.scope_intercept_ = state["scope_intercept"]
    model.scope_threshold_ = state["scope_threshold"]
    record_fit(model)
    return model


def state_params(state: dict[str, Any]) -> dict[str, Any]:
    """The estimator's parameters from a state, its cue table included."""
    params = dict(state["params"])
    for key in TUPLE_PARAMS:
        params[key] = tuple(params[key])
    params["cues"] = tuple(Cue(c["name"], c["axis"], c["role"], tuple(c["phrases"])) for c in state["cues"])
    if isinstance(params["mismatch_confidence"], dict):  # in the claims' order (the file's JSON sorts its keys)
        params["mismatch_confidence"] = claim_confidences(params["mismatch_confidence"])
    return params
