"""The mis-titling audit: what postings are called against what they describe, as one self-contained HTML page.

Reads any file ``batch`` reads, through the same reader and with the same guarantees (any size, streamed in chunks;
every row accounted for, a row that cannot be classified counted as an error), and writes one HTML page with no
network access and no scripts: totals by what the title claims x what the content says, the mismatches ranked by
confidence with their evidence highlighted, and per-axis charts of how TPM- and PM-titled postings differ.
"""

from __future__ import annotations

import heapq
import html
import os
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from ._batch import BatchError, pick_text_column, predict_rows, published_output, with_file_prior
from ._bundled import model_or_default
from ._cues import AXES
from ._explain import Prediction
from ._io import file_format, read_chunks
from ._labels import label_from_title
from ._model import TPMClassifier

__all__ = ["AuditSummary", "audit"]

_TPM, _PM = "31,119,180", "255,127,14"  # blue: TPM, orange: PM (as in notebooks)
#: The most mismatches a page shows in full (each card holds up to 6,000 characters of its posting, highlighted:
#: about 30 KB, so some 30 MB of page at most); all are counted whatever their number.
MAX_TOP = 1000
#: Characters that reorder the text around them when displayed (embeddings, overrides, isolates and marks), shown
#: as their code point so that no title or posting displays other than it is (U+202E could make "MP" of "PM").
_BIDI = {c: f"[U+{c:04X}]" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


@dataclass
class AuditSummary:
    """What an audit found.

    Attributes
    ----------
    output : str
        The HTML page written.
    rows : int
        Every row of the input (``sum(totals.values()) == rows``).
    totals : Counter
        ``(title_label, outcome) -> rows``: what the title claims (``"none"`` without a usable title) against what
        the content says (``tpm``, ``pm``, ``other``) or ``"error"`` for a row that could not be classified.
    mismatches : int
        Rows whose title claims one role while the content confidently says the other.
    seconds : float
        Wall time.
    """

    output: str
    rows: int = 0
    totals: Counter[tuple[str, str]] = field(default_factory=Counter)
    mismatches: int = 0
    seconds: float = 0.0

    def __str__(self) -> str:
        return (f"{self.rows} rows audited -> {self.output}: {self.mismatches} mis-titled "
                f"in {self.seconds:.1f} s")


def audit(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    title_column: str = "title",
    text_column: str | None = None,
    model: TPMClassifier | None = None,
    chunk_size: int = 1000,
    encoding: str | None = None,
    prior: float | str | None = None,
    top: int = 200,
    overwrite: bool = False,
) -> AuditSummary:
    """Audit a file of postings for mis-titled ones and write a self-contained HTML report.

    Parameters
    ----------
    input : path
        Postings: any format ``tpmclassify batch`` reads.
    output : path
        The HTML page to write (``.html``); written to a temporary file and published at the end.
    title_column : str, default "title"
        The job-title column.
    text_column : str, optional
        The posting column (default: description, job_description or text).
    model : TPMClassifier, optional
        Defaults to the bundled model.
    chunk_size : int, default 1000
        Rows read and scored at a time (memory stays bounded, whatever the file's size).
    encoding : str, optional
        Input encoding (default: detected, as ``batch`` does).
    prior : float, "auto" or None
        The TPM share the probabilities are for (see :func:`tpmclassify.classify_csv`).
    top : int, default 200
        How many mismatches the page shows in full, at most :data:`MAX_TOP` (all are counted).
    overwrite : bool, default False
        Replace an existing output.

    Returns
    -------
    AuditSummary
    """
    src, dst = Path(input), Path(output)
    file_format(src)  # refuses a format it cannot read
    if dst.suffix.lower() not in (".html", ".htm"):
        raise BatchError(f"the audit writes an HTML page: name the output .html, got {dst.name}")
    if not src.is_file():
        raise BatchError(f"input file not found: {src}")
    if chunk_size < 1 or not 0 <= top <= MAX_TOP:
        raise BatchError(f"chunk_size must be at least 1 and top from 0 to {MAX_TOP} (the mismatches shown in full; "
                         f"all are counted), got {chunk_size} and {top}")
    start = time.perf_counter()
    summary = AuditSummary(output=str(dst))
    kept: list[tuple[float, int, str]] = []  # (confidence, row, rendered card): the most confident mismatches
    # per title (TPM, PM) and axis: the sum of the contents' evidence (memory stays bounded, whatever the file)
    axes: dict[str, defaultdict[str, float]] = {"tpm": defaultdict(float), "pm": defaultdict(float)}
    counts = Counter[str]()
    with published_output(dst, overwrite) as tmp:
        mdl, _ = with_file_prior(model_or_default(model), prior, src, chunk_size, encoding, text_column)
        column = ""
        row = 0
        for chunk in read_chunks(src, chunk_size, encoding)[1]:
            frame = chunk.frame
            if row == 0:  # the columns are checked on the first chunk, as batch does
                column = pick_text_column(list(frame.columns), text_column)
                if title_column not in frame.columns:
                    raise BatchError(f"no column {title_column!r}; the columns are: "
                                     f"{', '.join(map(str, frame.columns))}")
            values = frame[column].tolist() if column in frame.columns else [None] * len(frame)
            titles = frame[title_column].tolist() if title_column in frame.columns else [None] * len(frame)
            _, scored = predict_rows(mdl, values, titles, chunk.errors)
            by_row = dict(scored)
            for i in range(len(frame)):
                p = by_row.get(i)
                title = titles[i] if isinstance(titles[i], str) else None
                claim = (p.title_label if p is not None else label_from_title(title)) or "none"
                outcome = "error" if p is None else (p.content_label or p.label)
                summary.totals[(claim, outcome)] += 1
                if p is not None and p.content is not None and p.title_label in ("tpm", "pm"):
                    counts[p.title_label] += 1
                    for axis, total in p.content.explanation.by_axis.items():
                        axes[p.title_label][axis] += total
                if p is not None and p.title_mismatch:
                    summary.mismatches += 1
                    confidence = max(p.content.probabilities.values()) if p.content else 0.0
                    rank = (confidence, -(row + i))  # most confident first, then earlier rows
                    if len(kept) < top or (top and rank > kept[0][:2]):
                        item = (*rank, _card(row + i + 1, p.title or "", p, confidence))
                        (heapq.heappush if len(kept) < top else heapq.heapreplace)(kept, item)
            row += len(frame)
        summary.rows = row
        summary.seconds = time.perf_counter() - start
        cards = [card for _, _, card in sorted(kept, reverse=True)]
        page = _page(src.name, summary, cards, axes, counts, mdl).translate(_BIDI)  # no markup of ours has them
        Path(tmp).write_text(page, encoding="utf-8")
    return summary


def _card(number: int, title: str, p: Prediction, confidence: float) -> str:
    """One mismatch: title, verdict, reasons, per-axis bars and the posting with its evidence highlighted."""
    c = p.content
    assert c is not None
    reasons = "".join(f"<li>{html.escape(r)}</li>" for r in p.reasons[:4])
    return (
        f'<section class="card"><h3>Row {number}: {html.escape(title)}</h3>'
        f"<p class=verdict>titled <b>{p.title_label.upper()}</b>, reads as <b>{c.label.upper()}</b> "
        f"({confidence:.0%} with role names masked)</p><ul>{reasons}</ul>"
        f"{_axis_bars(c.explanation.by_axis)}"
        f'<div class="posting">{c.highlighted_html(limit=6000)}</div></section>'
    )


def _bars(items: list[tuple[str, float]], zero: int, half: int, label: str) -> str:
    """Inline SVG: one labelled bar per item from a zero line, TPM (> 0) to the right in blue, PM to the left in
    orange, longest bar ``half`` pixels, value printed after it."""
    scale = max(1e-9, *(abs(v) for _, v in items))
    rows = []
    for k, (name, v) in enumerate(items):
        width = half * abs(v) / scale
        rows.append(f'<text x="0" y="{14 + 18 * k}" font-size="12">{html.escape(name)}</text>'
                    f'<rect x="{zero if v > 0 else zero - width:.1f}" y="{4 + 18 * k}" width="{width:.1f}" '
                    f'height="12" fill="rgb({_TPM if v > 0 else _PM})"/>'
                    f'<text x="{zero + half + 10}" y="{14 + 18 * k}" font-size="12">{v:+.2f}</text>')
    height = 18 * len(items) + 6
    return (f'<svg width="{zero + half + 60}" height="{height}" role="img" aria-label="{html.escape(label)}">'
            f'<line x1="{zero}" y1="0" x2="{zero}" y2="{height}" stroke="#888"/>{"".join(rows)}</svg>')


def _axis_bars(by_axis: dict[str, float]) -> str:
    """One posting's evidence per axis."""
    items = [(AXES.get(a, a), v) for a, v in by_axis.items() if a != "wording"]
    return _bars(items, 300, 110, "per-axis evidence") if items else ""


def _axis_chart(axes: dict[str, defaultdict[str, float]], counts: Counter[str]) -> str:
    """Per axis: the mean content evidence of TPM-titled and of PM-titled postings in this file."""
    if not counts:
        return "<p>No TPM- or PM-titled postings with classifiable text in this file.</p>"
    out = []
    for axis in (a for a in AXES if a not in ("wording", "role_name", "other_role")):
        items = [(f"{side.upper()}-titled ({counts[side]})",
                  axes[side][axis] / counts[side] if counts[side] else 0.0) for side in ("tpm", "pm")]
        out.append(f"<figure><figcaption>{html.escape(AXES[axis])}</figcaption>"
                   f"{_bars(items, 190, 80, AXES[axis])}</figure>")
    return "".join(out)


def _totals_table(totals: Counter[tuple[str, str]]) -> str:
    claims = [c for c in ("tpm", "pm", "hybrid", "other", "none") if any(k[0] == c for k in totals)]
    outcomes = [o for o in ("tpm", "pm", "other", "error") if any(k[1] == o for k in totals)]
    head = "".join(f"<th>{o}</th>" for o in outcomes)
    body = "".join(
        f"<tr><th>{c}</th>" + "".join(f"<td>{totals.get((c, o), 0)}</td>" for o in outcomes)
        + f"<td><b>{sum(v for k, v in totals.items() if k[0] == c)}</b></td></tr>"
        for c in claims
    )
    foot = "".join(f"<td><b>{sum(v for k, v in totals.items() if k[1] == o)}</b></td>" for o in outcomes)
    return (f'<table id="totals"><tr><th>title says \\ content says</th>{head}<th>all</th></tr>{body}'
            f'<tr><th>all</th>{foot}<td id="total-rows"><b>{sum(totals.values())}</b></td></tr></table>')


_STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th:first-child{text-align:left}.card{border:1px solid #ddd;border-radius:6px;padding:0 1em 1em;margin:1em 0}
.posting{white-space:pre-wrap;font-size:13px;max-height:18em;overflow:auto;background:#fafafa;padding:.5em}
figure{display:inline-block;margin:0 1.5em 1em 0}figcaption{font-size:13px;font-weight:600}
mark{color:inherit}.verdict{font-size:15px}.note{color:#555;font-size:13px}"""


def _page(name: str, s: AuditSummary, cards: list[str], axes: dict[str, defaultdict[str, float]],
          counts: Counter[str], model: TPMClassifier) -> str:
    shown = f"the {len(cards)} most confident" if len(cards) < s.mismatches else "all"
    return (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Mis-titling audit: {html.escape(name)}"
        f"</title><style>{_STYLE}</style></head><body>"
        f"<h1>Mis-titling audit of {html.escape(name)}</h1>"
        f'<p><span id="rows">{s.rows}</span> postings; <b id="mismatches">{s.mismatches}</b> whose title claims one '
        f"role while the content, read with every role name masked, says the other with probability at least "
        f"{model.mismatch_confidence:.0%}. Probabilities assume a TPM share of {model.prior_:.0%} among TPM and PM "
        f"postings.</p>"
        f"<h2>What the title says against what the content says</h2>{_totals_table(s.totals)}"
        f'<p class=note>"none": no title, or a title the rule does not label; "error": a row that could not be '
        f"classified (missing or unreadable text). Every row of the file is in this table.</p>"
        f"<h2>How TPM- and PM-titled postings differ here</h2>"
        f"<p class=note>Mean evidence per axis of the content (role names masked); right and blue: TPM, left and "
        f"orange: PM.</p>{_axis_chart(axes, counts)}"
        f"<h2>Mismatches ({shown}, most confident first)</h2>"
        f"<p class=note>Highlighted: the words the model weighed, blue towards TPM, orange towards PM, stronger "
        f"colour for more weight.</p>{''.join(cards) or '<p>None found.</p>'}"
        f"</body></html>\n"
    )
