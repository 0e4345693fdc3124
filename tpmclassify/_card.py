"""Model cards: a Markdown summary written beside every saved model."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._atomic import atomic_path

__all__ = ["markdown_table", "metrics_table", "model_card", "write_card"]


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
    rows = ([variant, *(_cell(k, m[k]) for k in keys)] for variant, m in metrics.items())
    return markdown_table(["variant", *keys], rows)


def _cell(key: str, value: Any) -> str:
    """A metric as a table cell: counts (``n_*``) as integers, other numbers to three decimals."""
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
        The title (default: the ``name`` in the metadata, else "model"); :func:`write_card` gives the file's name.

    Examples
    --------
    >>> _cell("n_tpm", 58.0), _cell("macro_f1", 0.91234)
    ('58', '0.912')
    """
    meta = getattr(model, "metadata_", {})
    lines = [f"# tpmclassify model card: {meta.get('name') or name or 'model'}", ""]
    if meta.get("description"):
        lines += [meta["description"], ""]
    if meta.get("summary"):
        lines += ["## Summary", "", meta["summary"], ""]
    lines += [
        f"- created: {meta.get('created', '?')} with tpmclassify {meta.get('tpmclassify_version', '?')}, "
        f"scikit-learn {meta.get('sklearn_version', '?')}, nltk {meta.get('nltk_version', '?')}",
        f"- classes: {', '.join(map(str, model.classes_))}",
        f"- features: {len(model.cues_)} article cues + {len(model.space_.vocabulary)} stemmed word n-grams",
        f"- in-scope threshold: {model.scope_threshold_} (the highest that keeps {model.scope_recall:.0%} of TPM "
        "and of PM postings in scope out-of-fold, as written and role-masked; below it the label is 'other')",
        f"- TPM/PM probabilities assume a TPM share of {model.prior_:.3f} among TPM and PM postings "
        f"(training data: {model.training_prior_:.3f}, each source weighing the same); change it with "
        "`model.with_prior(share)`, `tpmclassify batch --prior SHARE`, or `--prior auto` to estimate a file's share",
        f"- role head: {int(np.count_nonzero(model.coef_))} of "
        f"{sum(c.role in ('tpm', 'pm') for c in model.cues_)} TPM/PM cues carry weight, each on its table side "
        f"(C = {model.C_:g}); probability = sigmoid(intercept + sum of terms), no map after it",
    ]
    if digest:
        lines.append(f"- file SHA-256: `{digest}` (pass it to `tpmclassify.load(path, sha256=...)`)")
    data = meta.get("training_data")
    if data:
        lines += ["", "## Training data", "", f"- rows: {data.get('rows')}, labels: {data.get('labels')}",
                  f"- sources: {data.get('sources', '?')}, fingerprint: `{data.get('sha256', '?')}`"]
        if data.get("notes"):
            lines += ["", data["notes"]]
    params = model.get_params()
    params.pop("cues", None)
    lines += ["", "## Parameters", "", "```", *(f"{k} = {v!r}" for k, v in sorted(params.items())), "```"]
    for title, metrics in (meta.get("metrics") or {}).items():
        lines += ["", f"## {title}", ""]
        if isinstance(metrics, dict) and metrics and all(isinstance(v, dict) for v in metrics.values()):
            lines.append(metrics_table(metrics))
        else:
            lines.append(str(metrics))
    if meta.get("notes"):
        lines += ["", "## Notes", "", meta["notes"]]
    return "\n".join(lines) + "\n"


def write_card(model: Any, path: str | os.PathLike[str], digest: str | None = None) -> Path:
    """Write ``model_card`` next to the model file (same name, ``.md``)."""
    card = Path(path).with_suffix(".md")
    with atomic_path(card) as tmp:
        Path(tmp).write_text(model_card(model, digest, name=Path(path).name), encoding="utf-8")
    return card
