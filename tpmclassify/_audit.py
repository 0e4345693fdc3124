"""The mis-titling audit: what postings are called against what they describe, as one self-contained HTML page and
a CSV of the flagged rows (beside it, unless told where).

Reads any file ``batch`` reads, through the same reader and with the same guarantees (any size, streamed in chunks;
every row accounted for, a row that cannot be classified counted as an error), and writes one HTML page with no
network access and no scripts: how to read it, the flagged rows as a list to work through, totals by what the title
claims x what the content says, per-axis charts of how TPM- and PM-titled postings differ, and a card per flagged
posting (what to check, why, and the whole posting with its evidence highlighted). Every number on a card comes from
one reading of the posting, named: the content with role names masked (what the flag rests on), or as written.

This module reads, scores and selects the rows; the page and the flags CSV's cells are drawn in ``_audit_page``.
"""

from __future__ import annotations

import csv
import heapq
import json
import logging
import os
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ._audit_page import FLAG_COLUMNS, NO_CLAIM, UNCLASSIFIED, Flag, render_page
from ._batch import BatchError, published_output
from ._bundled import model_or_default
from ._io import as_path, check_count, check_input, file_format, row_numbering
from ._labels import label_from_title
from ._model import TPMClassifier
from ._roles import ROLES
from ._rows import predict_rows, text_chunks, text_column_of, with_file_prior
from ._text import show_bidi

logger = logging.getLogger("tpmclassify")

__all__ = ["AuditSummary", "audit"]

#: The most mismatches a page shows in full (each card holds up to 30,000 characters of its posting, highlighted:
#: some 200 KB, so a page of 1,000 long postings is some 200 MB; most postings are a tenth of that); all are counted
#: whatever their number.
MAX_TOP = 1000
#: What a spreadsheet reads as the start of a formula (OWASP's list): a cell of the flags CSV that starts with one is
#: written after an apostrophe, so that opening the CSV never runs what a posting's title or id holds.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class AuditSummary:
    """What an audit found.

    Attributes
    ----------
    output : str
        The HTML page written.
    flags : str
        The CSV of the flagged rows written (by default beside it).
    rows : int
        Every row of the input (``sum(totals.values()) == rows``).
    totals : Counter
        ``(title_label, outcome) -> rows``: what the title claims (``"none"`` without a usable title) against what
        the content says (``tpm``, ``pm``, ``other``) or ``"error"`` for a row that could not be classified.
    mismatches : int
        Rows whose title claims one role while the content confidently says the other (the rows of ``flags``).
    seconds : float
        Wall time.
    """

    output: str
    flags: str = ""
    rows: int = 0
    totals: Counter[tuple[str, str]] = field(default_factory=Counter)
    mismatches: int = 0
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        """Rows that could not be classified (counted on the page, marked in no output of their own)."""
        return sum(n for (_, outcome), n in self.totals.items() if outcome == UNCLASSIFIED)

    def __str__(self) -> str:
        errors = f", {self.errors} of them could not be classified" if self.errors else ""
        return (
            f"{self.rows} row{'s' * (self.rows != 1)} audited{errors} -> {self.output}: {self.mismatches} mis-titled, "
            f"listed in {self.flags} ({self.seconds:.1f} s)"
        )


def audit(
    input: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    title_column: str = "title",
    text_column: str | None = None,
    id_column: str | None = None,
    show_columns: Sequence[str] = (),
    flags_csv: str | os.PathLike[str] | None = None,
    model: TPMClassifier | None = None,
    chunk_size: int = 1000,
    encoding: str | None = None,
    prior: float | str | None = None,
    top: int = 200,
    overwrite: bool = False,
    progress: bool = False,
) -> AuditSummary:
    """Audit a file of postings for mis-titled ones: an HTML page to act on, and a CSV of the flagged rows.

    Every row is classified with its title, as :func:`classify_csv` does with a title column, and flagged
    (``title_mismatch``) when its content, read with role names masked, contradicts the title: it reads as the
    other of TPM and PM with at least the confidence the model states for that title (its card's mis-titling
    section), outside the review band and with evidence on two of the four axes (under a plain Program Manager
    title, a content in scope: another job agrees with that title), or, for a model with a
    ``titled_scope_threshold``, as another role altogether. The page shows the flagged rows most confident first.

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
    id_column : str, optional
        A column that identifies each posting (a requisition id): shown on every card, in the page's list of
        flagged rows and in the CSV.
    show_columns : sequence of str
        More columns to show the same way (e.g. the company or the hiring manager).
    flags_csv : path, optional
        The CSV of flagged rows (default: beside the page, ``<page>.flags.csv``): in the file's order, the row
        number, the id and shown columns, the title, what the title says, what the content reads as, the
        confidence, what to check and the first reasons.
    model : TPMClassifier, optional
        Defaults to the bundled model.
    chunk_size : int, default 1000
        Rows read and scored at a time (memory stays bounded, whatever the file's size).
    encoding : str, optional
        Input encoding (default: detected, as ``batch`` does).
    prior : float, "auto" or None
        The TPM share the probabilities are for (see :func:`tpmclassify.classify_csv`).
    top : int, default 200
        How many flagged postings the page shows in full, most confident first, at most :data:`MAX_TOP` (all are
        counted, and all are in the CSV).
    overwrite : bool, default False
        Replace an existing page or CSV.
    progress : bool, default False
        Show a progress bar (tqdm, on standard error) with the rows read and the rate.

    Returns
    -------
    AuditSummary

    Examples
    --------
    A requisition titled Technical Program Manager whose duties are a project manager's:

    >>> import os, shutil, tempfile
    >>> import pandas as pd
    >>> folder = tempfile.mkdtemp()
    >>> export = os.path.join(folder, "requisitions.csv")
    >>> duties = (
    ...     "Manage the rollout of the new point-of-sale system across our forty retail stores in the region. You "
    ...     "will own the project plan, the schedule and the budget, coordinate vendors, installers and store "
    ...     "managers, track tasks and milestones, run weekly status meetings, and report progress, risks, issues "
    ...     "and costs to the client and to our operations director. You will order equipment, book installation "
    ...     "crews, arrange staff training sessions and keep the project documentation and change requests up to "
    ...     "date. Requirements: five years of experience running retail or construction projects, PMP "
    ...     "certification, a driving licence, strong organisation, negotiation and communication skills, and "
    ...     "fluency with Excel and MS Project.")
    >>> rows = {"req_id": ["R-102"], "title": ["Technical Program Manager"], "description": [duties]}
    >>> pd.DataFrame(rows).to_csv(export, index=False)
    >>> summary = audit(export, os.path.join(folder, "audit.html"), id_column="req_id")
    >>> summary.rows, summary.mismatches
    (1, 1)
    >>> flagged = pd.read_csv(summary.flags)
    >>> print(flagged[["req_id", "title_says", "content_reads", "confidence"]].to_string(index=False))
    req_id title_says content_reads  confidence
     R-102        TPM            PM         1.0
    >>> shutil.rmtree(folder)
    """
    src, dst = as_path("input", input), as_path("output", output)
    check_count("chunk_size", chunk_size)
    check_count("top", top, 0, MAX_TOP)  # (the flagged postings shown in full; all are counted and in the CSV)
    file_format(src)  # refuses a format it cannot read
    if dst.suffix.lower() not in (".html", ".htm"):
        raise BatchError(f"the audit writes an HTML page: name the output .html, got {dst.name}")
    flags = dst.with_suffix(".flags.csv") if flags_csv is None else as_path("flags_csv", flags_csv)
    if not flags.name.lower().endswith(".csv") or flags.resolve() == dst.resolve():
        raise BatchError(f"the flagged rows are written as a CSV file of their own: name it .csv, got {flags.name}")
    check_input(src)
    if flags.resolve() == src.resolve():
        raise BatchError(f"the flagged rows must not be written over the input file: {flags}")
    shown = _shown_columns(title_column, id_column, show_columns)
    first_row, row_word, numbering = row_numbering(src)
    start = time.perf_counter()
    summary = AuditSummary(output=str(dst), flags=str(flags))
    kept: list[tuple[float, int, str, str]] = []  # (confidence, -row, card, list entry): the most confident flags
    # per title (TPM, PM) and axis: the sum of the contents' evidence (memory stays bounded, whatever the file)
    axes: dict[str, defaultdict[str, float]] = {role: defaultdict(float) for role in ROLES}
    counts = Counter[str]()
    with (
        published_output(dst, overwrite) as tmp,
        published_output(flags, overwrite) as flags_tmp,
        open(flags_tmp, "w", encoding="utf-8-sig", newline="", errors="backslashreplace") as flags_file,
    ):
        writer: Any = None  # (written with the input's delimiter, known from its first chunk)
        flags_header = _spreadsheet_row(["row", *shown, title_column, *FLAG_COLUMNS])
        text_column = text_column_of(src, encoding, text_column)  # (JSON lines: the same whatever the chunks)
        mdl, _ = with_file_prior(model_or_default(model), prior, src, chunk_size, encoding, text_column, title_column)
        bar = _progress(progress)
        row = 0
        others = [
            (id_column, "id_column="),
            *((c, "show_columns=[...]|--show-column") for c in shown if c != id_column),
        ]
        for chunk, column in text_chunks(src, chunk_size, encoding, text_column, title_column, others):
            if writer is None:  # a spreadsheet of the locale that wrote a ';'-separated input opens the flags so
                writer = csv.writer(flags_file, delimiter=chunk.delimiter)
                writer.writerow(flags_header)
                if chunk.delimiter != ",":
                    logger.info("input is %r-separated: the flags CSV is written so", chunk.delimiter)
            frame = chunk.frame
            values = frame[column].tolist() if column in frame.columns else [None] * len(frame)
            titles = frame[title_column].tolist() if title_column in frame.columns else [None] * len(frame)
            _, scored = predict_rows(mdl, values, titles, chunk.errors)
            by_row = dict(scored)
            for i in range(len(frame)):
                p = by_row.get(i)
                title = titles[i] if isinstance(titles[i], str) else None
                claim = (p.title_label if p is not None else label_from_title(title)) or NO_CLAIM
                outcome = UNCLASSIFIED if p is None else (p.content_label or p.label)
                summary.totals[(claim, outcome)] += 1
                if p is not None and p.content is not None and p.title_label in ROLES:
                    counts[p.title_label] += 1
                    for axis, total in p.content.explanation.by_axis.items():
                        axes[p.title_label][axis] += total
                if p is None or not p.title_mismatch or p.content is None:
                    continue
                summary.mismatches += 1
                flag = Flag(first_row + row + i, row_word, p, {c: _cell(frame, c, i) for c in shown})
                writer.writerow(
                    _spreadsheet_row([flag.number, *flag.fields.values(), flag.p.title or "", *flag.csv_cells()])
                )
                rank = (flag.confidence, -flag.number)  # most confident first, then earlier rows
                if len(kept) < top or (top and rank > kept[0][:2]):
                    item = (*rank, flag.card(), flag.list_entry())
                    (heapq.heappush if len(kept) < top else heapq.heapreplace)(kept, item)
            row += len(frame)
            if bar is not None:
                bar.update(len(frame))
        if writer is None:  # (a file of no chunk: the header alone)
            csv.writer(flags_file).writerow(flags_header)
        if bar is not None:
            bar.close()
        summary.rows = row
        summary.seconds = time.perf_counter() - start
        best = sorted(kept, reverse=True)
        page = render_page(
            src,
            flags,
            rows=summary.rows,
            mismatches=summary.mismatches,
            totals=summary.totals,
            best=best,
            shown=shown,
            axes=axes,
            counts=counts,
            model=mdl,
            row_word=row_word,
            numbering=numbering,
            flags_beside=flags.resolve().parent == dst.resolve().parent,
        )
        Path(tmp).write_text(page, encoding="utf-8", errors="backslashreplace")  # (a lone surrogate: its code)
    return summary


def _spreadsheet_row(cells: list[object]) -> list[object]:
    """A row of the flags CSV as a spreadsheet should show it: every bidi control as its code point (as on the page),
    and a text cell that a spreadsheet would read as a formula after an apostrophe.

    Examples
    --------
    >>> _spreadsheet_row([12, '=HYPERLINK("http://x")', "-1", "Technical Program Manager", "\u202eMP"])
    [12, '\\'=HYPERLINK("http://x")', "'-1", 'Technical Program Manager', '[U+202E]MP']
    """
    out: list[object] = []
    for cell in cells:
        if isinstance(cell, str):
            cell = show_bidi(cell)
            cell = "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
        out.append(cell)
    return out


def _progress(show: bool) -> Any:
    if not show:
        return None
    import sys

    from tqdm import tqdm

    return tqdm(unit=" rows", unit_scale=True, file=sys.stderr, desc="audit")


def _shown_columns(title_column: str, id_column: str | None, show_columns: Sequence[str]) -> list[str]:
    """The id column, then the shown columns, each once and none of them the title column (shown anyway)."""
    if isinstance(show_columns, str):
        show_columns = [show_columns]
    out: list[str] = []
    for c in ([] if id_column is None else [id_column]) + list(show_columns):
        if c != title_column and c not in out:
            out.append(c)
    clash = [c for c in out if c in ("row", *FLAG_COLUMNS)]
    if clash:
        raise BatchError(f"column {clash[0]!r} cannot be shown: the flags CSV has a column of that name")
    if title_column in ("row", *FLAG_COLUMNS):  # (its own column of the flags CSV, under its own name)
        raise BatchError(
            f"the title column {title_column!r} has the name of another column of the flags CSV: rename it in the "
            "file (the flags CSV would have two columns of that name)"
        )
    return out


def _cell(frame: Any, column: str, i: int) -> str:
    """A shown cell as text: missing is empty, a str as it is, a true/false, list or mapping as JSON writes it (JSON
    lines: an id ``true`` or ``{"a": 1}`` reads as in the file, not as Python's ``True`` or ``{'a': 1}``; Parquet: a
    list ``["a", "b"]``, not numpy's ``['a' 'b']``), anything else (a number, a date) as ``str`` writes it.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"id": ["R-1", None, True, {"a": 1}, 7, float("nan"), np.array(["a", "b"])]})
    >>> [_cell(frame, "id", i) for i in range(7)]
    ['R-1', '', 'true', '{"a": 1}', '7', '', '["a", "b"]']
    >>> _cell(pd.DataFrame({"ok": [True]}), "ok", 0)  # a column of booleans
    'true'
    >>> _cell(pd.DataFrame({"tags": [{"k": np.array([1, 2])}]}), "tags", 0)
    '{"k": [1, 2]}'
    """
    value = frame[column].iloc[i]
    if isinstance(value, (np.ndarray, np.bool_)):  # a Parquet list, a cell of a column of booleans
        value = value.tolist()
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (bool, list, dict)):
        return json.dumps(value, ensure_ascii=False, default=_json_value)
    return str(value)


def _json_value(value: object) -> object:
    """What JSON writes for a value it has no form of: a numpy array (in a Parquet struct) as its list, else ``str``."""
    return value.tolist() if isinstance(value, (np.ndarray, np.generic)) else str(value)
