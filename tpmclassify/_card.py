"""Model cards: a Markdown summary written beside every saved model."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._cues import ARTICLE_AXIS_NAMES
from ._language import MIN_FOREIGN, MIN_FOREIGN_WORDS, MIN_TOKENS
from ._lengths import REFERENCE_QUANTILE
from ._roles import OTHER, ROLES
from ._state import fitted_params
from ._titles import describe_confidences

__all__ = ["card_path", "markdown_table", "metrics_table", "metrics_text", "model_card"]


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A Markdown table: the library's one writer of them (model cards, evaluation reports, the training script).

    Examples
    --------
    >>> print(markdown_table(["metric", "ours"], [["brier", "0.036"]]))
    | metric | ours |
    |---|---|
    | brier | 0.036 |
    """
    lines = ["| " + " | ".join(map(str, header)) + " |", "|---" * len(header) + "|"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines)


def metrics_table(metrics: dict[str, dict[str, Any]]) -> str:
    """Markdown table of metrics, a row per variant (lists, e.g. confusion matrices, left out).

    Examples
    --------
    >>> print(metrics_table({"raw": {"n_tpm": 3.0, "brier": 0.04123}}))
    | variant | n_tpm | brier |
    |---|---|---|
    | raw | 3 | 0.041 |
    """
    first = next(iter(metrics.values()))
    keys = [k for k in first if not isinstance(first[k], list)]
    rows = ([variant, *(_cell(k, m[k], m) for k in keys)] for variant, m in metrics.items())
    return markdown_table(["variant", *keys], rows)


#: The figures :func:`metrics_text` shows, in the order a person reads them: (key, what it is).
_HEADLINE = (
    ("n_tpm", "TPM postings"),
    ("n_pm", "PM postings"),
    ("n_sources", "sources of TPM/PM postings"),
    ("macro_f1", "macro-F1"),
    ("pooled_macro_f1", "macro-F1, postings pooled"),
    ("roc_auc", "ROC AUC"),
    ("brier", "Brier (lower is better)"),
    ("ece", "calibration error (ECE)"),
    ("worst_source_accuracy", "Brier-worst source: accuracy"),
    ("worst_source_brier", "Brier-worst source: Brier"),
    ("n_other", "other postings"),
    ("scope_roc_auc", "in scope or not: ROC AUC"),
    ("scope_precision", "in scope: precision"),
    ("scope_recall", "in scope: recall"),
)
#: A reading's name, for the variants of an evaluation.
_READINGS = {"raw": "as written", "masked": "role names masked"}


def metrics_text(metrics: dict[str, dict[str, Any]]) -> str:
    """The headline metrics as a narrow text table: a row per figure, a column per reading (as written, role
    names masked); which source is the worst is said below it, not in the table of numbers.

    Examples
    --------
    >>> m = {"n_tpm": 2.0, "n_pm": 2.0, "n_sources": 4.0, "brier": 0.1, "worst_source": "acme",
    ...      "worst_source_accuracy": 0.0}
    >>> print(metrics_text({"raw": m, "masked": m}))
                                  as written  role names masked
    TPM postings                           2                  2
    PM postings                            2                  2
    sources of TPM/PM postings             4                  4
    Brier (lower is better)            0.100              0.100
    Brier-worst source: accuracy         n/a                n/a
    TPM/PM figures weigh each source the same; worst source (highest Brier): n/a, one TPM or PM posting per source
    """
    names = [_READINGS.get(v, v) for v in metrics]
    rows = [
        (label, [_cell(key, m[key], m) if key in m else "" for m in metrics.values()])
        for key, label in _HEADLINE
        if any(key in m for m in metrics.values())
    ]
    width = max([len(label) for label, _ in rows] + [10]) + 2
    widths = [max(len(n), 8) for n in names]
    lines = [" " * width + "  ".join(n.rjust(w) for n, w in zip(names, widths, strict=True))]
    lines += [
        label.ljust(width) + "  ".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) for label, cells in rows
    ]
    worst = {_worst(m) for m in metrics.values() if "worst_source" in m}
    if worst:
        said = (
            "; ".join(sorted(worst))
            if len(worst) == 1
            else "; ".join(f"{_READINGS.get(v, v)}: {_worst(m)}" for v, m in metrics.items() if "worst_source" in m)
        )
        lines.append(f"TPM/PM figures weigh each source the same; worst source (highest Brier): {said}")
    counts = [(int(m.get("n_tpm", 0)), int(m.get("n_pm", 0))) for m in metrics.values() if "n_tpm" in m]
    if counts and not all(t and p for t, p in counts):
        t, p = counts[0]
        lines.append(
            f"n/a: a figure that compares TPM with PM needs postings of both; these rows have {t} TPM and {p} PM"
            + ("" if t or p else ": nothing to score as TPM or PM")
        )
    return "\n".join(lines)


def _one_per_source(m: dict[str, Any]) -> bool:
    """Whether every source has a single TPM or PM posting (or there is one source): a "worst source" is then
    one posting, or all of them, and its accuracy says nothing."""
    n = m.get("n_sources")
    return n is not None and (n <= 1 or m.get("n_tpm", 0) + m.get("n_pm", 0) <= n)


def _worst(m: dict[str, Any]) -> str:
    if _one_per_source(m):
        return "n/a, one source" if m.get("n_sources", 0) <= 1 else "n/a, one TPM or PM posting per source"
    return str(m["worst_source"])


def _cell(key: str, value: Any, metrics: dict[str, Any] | None = None) -> str:
    """A metric as a table cell: counts (``n_*``) as integers, other numbers to three decimals; a worst source's
    figures are "n/a" when every source has one TPM or PM posting (see :func:`_one_per_source`)."""
    if key.startswith("worst_source") and metrics is not None and _one_per_source(metrics):
        return "n/a"
    if isinstance(value, float) and value != value:  # (NaN: a figure these rows cannot give, said under the table)
        return "n/a"
    if isinstance(value, float):
        return str(int(value)) if key.startswith("n_") and value.is_integer() else f"{value:.3f}"
    return str(value)


def model_card(model: Any, digest: str | None = None, name: str | None = None) -> str:
    """Markdown model card from a model's metadata (training data, parameters, metrics).

    Parameters
    ----------
    model : TPMClassifier
        A fitted model.
    digest : str, optional
        The model file's SHA-256.
    name : str, optional
        The title (default: the ``name`` in the metadata, else "model"); ``tpmclassify.save`` gives the file's name.

    Examples
    --------
    >>> import copy, tpmclassify
    >>> card = model_card(tpmclassify.default_model())  # (titled by its metadata's name)
    >>> card.splitlines()[0]
    '# tpmclassify model card: default'
    >>> model = copy.copy(tpmclassify.default_model()).set_params(min_df=1)  # (takes effect at the next fit)
    >>> lines = model_card(model).splitlines()
    >>> "min_df = 1" in lines, "min_df = 3" in lines
    (False, True)
    """
    meta = getattr(model, "metadata_", {})
    params = fitted_params(model)  # (as fitted: set_params changes those of the fit for the next one only)
    n_cues = len(model.cues_)
    cue_weights = int(np.count_nonzero(model.coef_[:n_cues]))
    gram_weights = int(np.count_nonzero(model.coef_[n_cues:]))
    lines = [f"# tpmclassify model card: {meta.get('name') or name or 'model'}", ""]
    if meta.get("description"):
        lines += [str(meta["description"]), ""]
    if meta.get("summary"):
        lines += ["## Summary", "", str(meta["summary"]), ""]
    lines += [
        f"- created: {meta.get('created', '?')} with tpmclassify {meta.get('tpmclassify_version', '?')}, "
        f"scikit-learn {meta.get('sklearn_version', '?')}, nltk {meta.get('nltk_version', '?')}",
        f"- classes: {', '.join(map(str, model.classes_))}",
        f"- features: {len(model.cues_)} cues + {len(model.space_.vocabulary)} stemmed word n-grams",
        (
            f"- in-scope threshold: {model.scope_threshold_} (the highest that keeps {params['scope_recall']:.0%} of "
            f"TPM and of PM postings in scope out-of-fold, as written and role-masked; below it the label is {OTHER!r})"
            if model.active_scope_threshold == model.scope_threshold_
            else f"- in-scope threshold: {model.active_scope_threshold} (set; fit chose {model.scope_threshold_}); "
            f"below it the label is {OTHER!r}"
        )
        if model.scope_coef_ is not None
        else f"- in scope: no scope head (trained on fewer than 2 {OTHER!r} postings): every posting is answered TPM "
        "or PM, and `in_scope` is None",
        f"- TPM/PM probabilities assume a TPM share of {model.prior_:.3f} among TPM and PM postings "
        f"(training data: {model.training_prior_:.3f}, each posting counted once); change it with "
        "`model.with_prior(share)`, `tpmclassify batch --prior SHARE`, or `--prior auto` to estimate a file's share",
        f"- role head: {cue_weights} of {sum(c.role in ROLES for c in model.cues_)} TPM/PM cues carry weight, "
        f"each on its table side, beside {gram_weights} n-grams (C = {model.C_:g}), calibrated by a Platt map fitted "
        "on out-of-fold log-odds (sources left out, when it has them) and folded into the weights: probability = "
        "sigmoid(intercept + sum of terms), no map after it; explanations measure each axis from a typical training "
        "posting" + _shortfall_line(model),
        f"- too little to decide: a TPM or PM answer whose cue terms on the four axes ({ARTICLE_AXIS_NAMES}) add up "
        "(in magnitude) "
        + (
            f"to less than {model.min_evidence_:.2f}"
            if model.min_evidence_ >= 0.005
            else f"to less than {model.min_evidence_:.2g}, which none does (the floor is 0: 1% of the training "
            "postings or more have no such terms)"
        )
        + (
            f", or whose text has fewer than {model.min_words_} words (not counting stop words, numbers and single "
            "characters; as written or role-masked)"
            if model.min_words_
            else ""
        )
        + ", what 99% of the training postings have, "
        + (
            "or an out-of-scope answer of that few words (a sentence, not a posting, whatever it reads as), "
            if model.min_words_ and model.scope_coef_ is not None  # (no scope head: no answer is out of scope)
            else ""
        )
        + "or any posting fewer than one in ten of whose words the model "
        f"knows, or in another language (of {MIN_TOKENS} tokens or more, at least {MIN_FOREIGN:.0%} of them small "
        f'words of other languages as written, such as "la", "und", "het", at least {MIN_FOREIGN_WORDS} different '
        'ones, more than twice its share of English ones, such as "the", "and"; or few English ones and many letters '
        "outside ASCII), needs review and is never flagged",
        "- title mismatch: the content (role names masked) says the other role, not too close to call, with at least "
        "two of the four axes agreeing, one of them on the posting's own words: "
        f"{describe_confidences(model.mismatch_confidences)}"
        + (
            ""
            if model.titled_scope_threshold is None
            else f"; or a TPM-, PM- or hybrid-titled posting's content is in scope under "
            f"{model.titled_scope_threshold:g}"
        ),
    ]
    if digest:
        lines.append(f"- file SHA-256: `{digest}` (pass it to `tpmclassify.load(path, sha256=...)`)")
    data = meta.get("training_data")
    if isinstance(data, dict) and data:  # as train() records it
        lines += [
            "",
            "## Training data",
            "",
            f"- rows: {data.get('rows')}, labels: {data.get('labels')}",
            f"- sources: {data.get('sources', '?')}, fingerprint: `{data.get('sha256', '?')}`",
        ]
        if data.get("notes"):
            lines += ["", str(data["notes"])]
    elif data:  # a caller's own account (save's ``extra``): any JSON data
        lines += ["", "## Training data", "", str(data)]
    lines += ["", "## Parameters", "", "```", *(f"{k} = {v!r}" for k, v in sorted(params.items())), "```"]
    recorded = meta.get("metrics") or {}
    measured, prior = meta.get("metrics_prior"), getattr(model, "prior_", None)
    if recorded and isinstance(measured, float) and isinstance(prior, float) and measured != prior:
        lines += [
            "",
            f"The figures below were measured with this model at a TPM share of {measured:.3g}, before `with_prior` "
            f"set it to {prior:.3g}: those of this model that depend on the share (macro-F1, Brier, calibration "
            "error) would differ at it; its ranking (ROC AUC) and in-scope figures do not.",
        ]
    for title, metrics in (recorded if isinstance(recorded, dict) else {"Metrics": recorded}).items():
        lines += ["", f"## {title}", ""]
        if isinstance(metrics, dict) and metrics and all(isinstance(v, dict) for v in metrics.values()):
            lines.append(metrics_table(metrics))
        else:
            lines.append(str(metrics))
    if meta.get("notes"):
        lines += ["", "## Notes", "", str(meta["notes"])]
    return "\n".join(lines) + "\n"


def _shortfall_line(model: Any) -> str:
    """What the card says of short texts: up to which length a text gains what its length lacks (see ``_lengths``)."""
    short = model.shortfall_
    if not np.any(short.table):
        return " (every text, however short, from a typical whole posting)"
    return (
        f"; a text of at most {math.ceil(short.words[-1]) - 1} words (not counting stop words, numbers and single "
        f"characters; {REFERENCE_QUANTILE:.0%} of the TPM and PM training postings, role names masked, have fewer) "
        "from a typical whole posting less what a text of its length lacks against one of that length, measured on "
        "windows of the training postings, so that lacking the cues a whole posting has is not read as evidence"
    )


def card_path(path: str | os.PathLike[str]) -> Path:
    """Where a model file's card is written: the same name, ending ``.md`` (the one rule every writer and check uses).

    Examples
    --------
    >>> [card_path(p).name for p in ("my_model.tpmc", "model.v2.tpmc", "model")]
    ['my_model.md', 'model.v2.md', 'model.md']
    """
    return Path(path).with_suffix(".md")
