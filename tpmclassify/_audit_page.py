"""The audit's rendering: a flagged posting as a row of the flags CSV, an entry in the page's list and a card, and
the self-contained HTML page around them (how to read it, the list, the totals, the per-axis charts, the cards).

The audit itself (reading, scoring and selecting the rows) is in ``_audit``.
"""

from __future__ import annotations

import html
import os
from collections import Counter, defaultdict
from pathlib import Path

from ._cues import ARTICLE_AXIS_NAMES, AXES
from ._model import TPMClassifier
from ._prediction import Prediction
from ._roles import HYBRID, LABELS, OTHER, PM, PROGRAM, ROLES, SHORT_NAMES, TPM
from ._text import show_bidi
from ._titles import describe_confidences

__all__ = ["FLAG_COLUMNS", "NO_CLAIM", "UNCLASSIFIED", "Flag", "render_page"]

_TPM, _PM = "31,119,180", "255,127,14"  # blue: TPM, orange: PM (as in notebooks)
#: What a row's title claims when it has no title, or one the title rule does not label.
NO_CLAIM = "none"
#: The outcome of a row that could not be classified (an unreadable row, an empty text), where the others are labels.
UNCLASSIFIED = "error"
#: The flags CSV's own columns (after the row number, the id and the shown columns, and the title).
FLAG_COLUMNS = ("title_says", "content_reads", "confidence", "as_written", "to_check", "reasons")
#: The titles a flag can contradict, as the page names them (the roles by their labels' names).
_TITLES = {
    **{role: LABELS[role] for role in ROLES},
    PROGRAM: "a plain Program Manager",
    HYBRID: "a title used for either role",
}
#: Characters of a posting shown on its card (postings run to a few thousand; a megabyte one is cut, and says so).
_SHOWN_CHARS = 30_000


def _role(label: str) -> str:
    return {**SHORT_NAMES, PROGRAM: "Program Manager", HYBRID: "TPM or PM", OTHER: "another job"}.get(label, label)


class Flag:
    """One flagged posting, read twice: its content with role names masked (the flag and every unnamed number on
    its card) and as written (title and role names included, the answer ``batch`` gives)."""

    def __init__(self, number: int, row_word: str, p: Prediction, fields: dict[str, str]) -> None:
        assert p.content is not None
        self.number, self.row_word, self.p, self.c, self.fields = number, row_word, p, p.content, fields
        # what the title claims: a TPM, a PM, or a plain Program Manager whose content reads as a TPM's; or (a model
        # that reads a titled posting's scope) a TPM, PM or either-role title over another job altogether
        self.claim = p.title_label if p.title_label in (*ROLES, HYBRID) else PROGRAM
        self.reads = self.c.label
        # how sure the reading is: of the role it reads as, or (another job) that it is no TPM or PM job at all
        scope = self.c.in_scope
        self.confidence = 1.0 - scope if self.reads == OTHER and scope is not None else self.c.probabilities[self.reads]

    def _reasons(self, n: int | None = None) -> list[str]:
        """The content's reasons for its reading: why another job, or why the role it reads as."""
        if self.reads == OTHER:
            return self.c.first_reasons(n)
        return self.c.explanation.reasons[:n]

    def _why(self) -> str:
        """The heading of the card's reasons and bars: for another job, the reasons are the scope head's, and the
        bars and highlights the TPM/PM evidence it has."""
        if self.reads == OTHER:
            return "Why another job; below, the TPM and PM evidence per axis"
        return "Why, and evidence per axis"

    def check(self) -> str:
        """One line: what a person should check."""
        if self.reads == OTHER:
            return (
                "Is this a TPM or PM job at all? The duties read as another job: if they are right, retitle it (and "
                "leave it out of TPM and PM counts); if the title is right, the posting does not describe the job."
            )
        if self.claim == PM:
            return (
                "Is this a Technical Program Manager role advertised as a Project Manager? If the duties are "
                "right, retitle it; if the title is right, the posting overstates the technical scope."
            )
        if self.claim == TPM:
            return (
                "Is this a Project Manager role advertised as a Technical Program Manager? If the duties are "
                "right, retitle it; if the title is right, the posting understates the program and its "
                "technical depth."
            )
        return (
            "Is this a Technical Program Manager role in all but name? If the duties are right, give it the "
            "Technical Program Manager title."
        )

    def content_split(self) -> str:
        if self.reads == OTHER:
            return f"not a TPM or PM job, {self.confidence:.0%}"
        tpm = self.c.probabilities[TPM]
        first, second = (SHORT_NAMES[r] for r in (ROLES if self.reads == TPM else ROLES[::-1]))
        return f"{first} {max(tpm, 1 - tpm):.0%}, {second} {min(tpm, 1 - tpm):.0%}"

    def _in_scope(self) -> str:
        """The content's in-scope probability, beside its TPM/PM split (which holds if it is either role at all): a
        card said "reads as TPM 96%" above "not a TPM or PM posting at all (in scope 1%)" with nothing between."""
        if self.c.in_scope is None or self.reads == OTHER:  # (another job: its split is no reading)
            return ""
        return f"; TPM against PM, if it is either: in scope {self.c.in_scope:.0%}"

    def as_written(self) -> str:
        """The answer as written, in words: out of scope never comes with a TPM/PM split."""
        p = self.p
        if p.unreadable:
            return "no recognised wording (the answer rests on the model's intercepts)"
        if p.label == OTHER:
            threshold = "" if p.scope_threshold is None else f", under the model's threshold of {p.scope_threshold:.0%}"
            return f"not a TPM or PM posting at all (in scope {p.in_scope:.0%}{threshold})"
        tpm = p.probabilities[TPM]
        split = f"TPM {tpm:.0%}, PM {1 - tpm:.0%}"
        if p.needs_review:
            return f"too close to call ({split})"
        return f"{_role(p.label)} ({split})"

    def csv_cells(self) -> list[object]:
        reasons = [self.p.reasons[0], *self._reasons(2)]
        return [
            _role(self.claim),
            _role(self.reads),
            round(self.confidence, 3),
            self.as_written(),
            self.check(),
            " | ".join(reasons),
        ]

    def _fields_html(self) -> str:
        return "".join(
            f"<span><b>{html.escape(k)}</b> {html.escape(v) or '&ndash;'}</span>" for k, v in self.fields.items()
        )

    def list_entry(self) -> str:
        """A row of the page's list of flagged postings."""
        cells = "".join(f"<td class=f>{html.escape(v)}</td>" for v in self.fields.values())
        return (
            f'<tr><td class="n"><a href="#row-{self.number}">{self.number}</a></td>{cells}'
            f"<td>{html.escape(self.p.title or '')}</td><td class=n>{_role(self.claim)}</td>"
            f"<td class=n>{_role(self.reads)}</td><td class=n>{self.confidence:.0%}</td></tr>"
        )

    def card(self) -> str:
        """The card: where the row is, what to check, the content's verdict, reasons and bars, the answer as
        written, and the whole posting with the content's evidence highlighted."""
        c, text = self.c, self.c.text  # the posting shown: the content's (the title is in the heading)
        shown = text if len(text) <= _SHOWN_CHARS else text[:_SHOWN_CHARS]
        cut = "" if shown is text else f", the first {_SHOWN_CHARS:,} shown"
        reasons = "".join(f"<li>{html.escape(r)}</li>" for r in self._reasons())
        return (
            f'<section class="card" id="row-{self.number}">'
            f"<h3>{self.row_word.capitalize()} {self.number}: {html.escape(self.p.title or '')}</h3>"
            f'<p class="fields">{self._fields_html()}</p>'
            f'<p class="check"><b>To check:</b> {html.escape(self.check())}</p>'
            f'<p class="verdict">Titled <b>{_role(self.claim)}</b>; the duties read as <b>{_role(self.reads)}</b>: '
            f'{self.content_split()} <span class="reading">(content, role names masked{self._in_scope()})</span></p>'
            f'<p class="sub">{self._why()} <span class="reading">(content, role names masked; log-odds, '
            f"+ towards TPM, &minus; towards PM)</span></p><ul>{reasons}</ul>"
            f"{_axis_bars(c.explanation.by_axis)}"
            f'<p class="aswritten"><b>As written</b> <span class="reading">(title and role names included, the '
            f"answer of <code>batch</code>)</span>: {html.escape(self.as_written())}</p>"
            f"<details open><summary>The posting ({len(text):,} characters{cut}); highlighted: the words the content "
            f'reading weighed</summary><div class="posting">'
            f"{c.highlighted_html(limit=_SHOWN_CHARS)}</div></details></section>"
        )


def _bars(items: list[tuple[str, float]], zero: int, half: int, label: str) -> str:
    """Inline SVG: one labelled bar per item from a zero line, TPM (> 0) to the right in blue, PM to the left in
    orange, longest bar ``half`` pixels, value printed after it."""
    scale = max(1e-9, *(abs(v) for _, v in items))
    rows = []
    for k, (name, v) in enumerate(items):
        width = half * abs(v) / scale
        rows.append(
            f'<text x="0" y="{14 + 18 * k}" font-size="12">{html.escape(name)}</text>'
            f'<rect x="{zero if v > 0 else zero - width:.1f}" y="{4 + 18 * k}" width="{width:.1f}" '
            f'height="12" fill="rgb({_TPM if v > 0 else _PM})"/>'
            f'<text x="{zero + half + 10}" y="{14 + 18 * k}" font-size="12">{v:+.2f}</text>'
        )
    height = 18 * len(items) + 6
    box = zero + half + 60
    return (
        f'<svg width="{box}" height="{height}" viewBox="0 0 {box} {height}" role="img" '
        f'aria-label="{html.escape(label)}">'
        f'<line x1="{zero}" y1="0" x2="{zero}" y2="{height}" stroke="#888"/>{"".join(rows)}</svg>'
    )


def _axis_bars(by_axis: dict[str, float]) -> str:
    """One posting's evidence per axis (plain wording too: each reason's sum has its bar)."""
    items = [(AXES.get(a, a), v) for a, v in by_axis.items()]
    return _bars(items, 300, 110, "evidence per axis, content with role names masked") if items else ""


def _axis_chart(axes: dict[str, defaultdict[str, float]], counts: Counter[str]) -> str:
    """Per axis: the mean content evidence of TPM-titled and of PM-titled postings in this file."""
    if not counts:
        return "<p>No TPM- or PM-titled postings with classifiable text in this file.</p>"
    out = []
    for axis in (a for a in AXES if a not in ("wording", "role_name", "other_role", "context")):
        items = [
            (f"{side.upper()}-titled ({counts[side]})", axes[side][axis] / counts[side] if counts[side] else 0.0)
            for side in ROLES
        ]
        out.append(
            f"<figure><figcaption>{html.escape(AXES[axis])}</figcaption>{_bars(items, 190, 80, AXES[axis])}</figure>"
        )
    return "".join(out)


def _totals_table(totals: Counter[tuple[str, str]]) -> str:
    claims = [c for c in (*ROLES, HYBRID, OTHER, NO_CLAIM) if any(k[0] == c for k in totals)]
    outcomes = [o for o in (*ROLES, OTHER, UNCLASSIFIED) if any(k[1] == o for k in totals)]
    head = "".join(f"<th>{o}</th>" for o in outcomes)
    body = "".join(
        f"<tr><th>{c}</th>"
        + "".join(f"<td>{totals.get((c, o), 0)}</td>" for o in outcomes)
        + f"<td><b>{sum(v for k, v in totals.items() if k[0] == c)}</b></td></tr>"
        for c in claims
    )
    foot = "".join(f"<td><b>{sum(v for k, v in totals.items() if k[1] == o)}</b></td>" for o in outcomes)
    return (
        f'<table id="totals"><tr><th>title says \\ content says</th>{head}<th>all</th></tr>{body}'
        f'<tr><th>all</th>{foot}<td id="total-rows"><b>{sum(totals.values())}</b></td></tr></table>'
    )


def _no_cards(flagged: int, flags_name: str) -> str:
    """The cards' section when it shows none: none flagged, or none asked for (top 0)."""
    if not flagged:
        return "<p>None.</p>"
    return f"<p>None shown here (top 0): {_rows(flagged, 'flagged row')} in {flags_name}.</p>"


def _rows(n: int, what: str) -> str:
    """``n`` and ``what``, one or several: "1 flagged row is", "2 flagged rows are"."""
    return f"{n} {what} is" if n == 1 else f"{n} {what}s are"


def _flag_list(
    best: list[tuple[float, int, str, str]], shown: list[str], row_word: str, flagged: int, flags_name: str
) -> str:
    if not flagged:
        return "<p>None: no title here claims one role over a posting that clearly describes the other.</p>"
    if not best:
        return _no_cards(flagged, flags_name)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in shown)
    return (
        f'<table class="flags"><tr><th>{row_word}</th>{head}<th>title</th><th>title says</th>'
        f"<th>duties read as</th><th>confidence</th></tr>{''.join(entry for *_, entry in best)}</table>"
    )


# The list of flags may break its cells anywhere (a long title or id must not widen the page), but for the first
# field after the row's number, the id when one is given, which keeps 17 characters' width (ids broke into fragments)
# where the window has room for it (a sixth and more of it: on a narrow one, the page fits first).
_STYLE = """body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;padding:0 1em;color:#222;
line-height:1.4;overflow-wrap:break-word}table.flags td{overflow-wrap:anywhere}
table.flags td.n+td.f{min-width:min(17ch,15vw)}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}table.flags td,table.flags th{text-align:left}
.howto{background:#f4f7fb;border:1px solid #d8e2ee;border-radius:6px;padding:.2em 1.2em;font-size:14px}
.card{border:1px solid #ddd;border-radius:6px;padding:0 1em 1em;margin:1.5em 0}
.fields span{display:inline-block;margin-right:1.5em;max-width:100%}
.check{background:#fff8e1;padding:.4em .6em;border-radius:4px}
.reading{color:#555;font-size:13px;font-weight:normal}.verdict{font-size:15px}.sub{margin-bottom:0;font-weight:600}
.posting{white-space:pre-wrap;overflow-wrap:anywhere;font-size:13px;background:#fafafa;padding:.5em;
border-radius:4px}td.n{white-space:nowrap}
summary{cursor:pointer;color:#333;font-size:14px;margin:.3em 0}svg{max-width:100%;height:auto}
figure{display:inline-block;margin:0 1.5em 1em 0}figcaption{font-size:13px;font-weight:600}
.note{color:#555;font-size:13px}
@media print{body{max-width:none;margin:0;padding:0;font-size:10pt}a{color:inherit;text-decoration:none}
.card{break-before:page;border:none;padding:0;margin:0}.card h3,.check,.verdict{break-after:avoid}
summary{list-style:none}.posting{background:none;padding:0}.howto{background:none}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}"""


def _either(names: list[str]) -> str:
    """``names`` as a list of choices in words ("a, b or c"; "" for none)."""
    return " or ".join(filter(None, [", ".join(names[:-1]), *names[-1:]]))


def render_page(
    src: Path,
    flags: Path,
    *,
    rows: int,
    mismatches: int,
    totals: Counter[tuple[str, str]],
    best: list[tuple[float, int, str, str]],
    shown: list[str],
    axes: dict[str, defaultdict[str, float]],
    counts: Counter[str],
    model: TPMClassifier,
    row_word: str,
    numbering: str,
    flags_beside: bool = True,
) -> str:
    """The page, every bidi control shown as its code point; ``flags_beside``: whether the flags CSV is in the page's
    folder (named by its file name, else by its absolute path, as given: links are not followed)."""
    name = html.escape(src.name)
    # (not beside the page: its whole path, as a path relative to where the command ran says nothing on the page)
    flags_name = f"<b>{html.escape(flags.name if flags_beside else os.path.abspath(flags))}</b>"
    if len(best) > 1:
        listed = f"the {len(best)} most confident of the {mismatches}" if len(best) < mismatches else "all of them"
        which = f"{listed}, most confident first; each links to its card"
    else:  # (one shown)
        which = f"the most confident of the {mismatches}" if mismatches > 1 else "one"
        which += ", linked to its card"
    beside = ", beside this page" if flags_beside else ""
    if not mismatches:
        work = f"No row is flagged here, so {flags_name}{beside + ',' if beside else ''} lists none."
    else:  # (none shown, top 0: the CSV is where to work from)
        work = f'Work from the <a href="#flagged">list of flagged rows</a> ({which}). ' if best else ""
        work += (
            f"Every flagged row is {'also ' if best else ''}in {flags_name}{beside}, in the file's order, to sort, "
            f"filter and assign."
        )
    cards_howto = (  # (none shown: nothing to say of cards)
        "<li>Each card says what to check, why the model thinks so (the posting's own words, per axis of the "
        "TPM/PM distinction) and shows the whole posting, the words it weighed highlighted: blue towards TPM, "
        "orange towards PM, stronger for more weight.</li>"
        if best
        else ""
    )
    as_other = model.titled_scope_threshold is not None  # (a titled posting may read as another job altogether)
    flagged = {c for c in (TPM, PM, PROGRAM) if model.mismatch_confidences[c] < 1} | (
        {TPM, PM, HYBRID} if as_other else set()
    )
    claims = _either([name for c, name in _TITLES.items() if c in flagged]) or "none: this model flags no title"
    another = (
        f", or (a {SHORT_NAMES[TPM]}, Project Manager or either-role title) another job altogether, in scope under "
        f"{model.titled_scope_threshold:g}"
        if as_other
        else ""
    )
    howto = (
        f"<li><b>Flagged</b>: the title claims one role ({claims}) "
        f"while the duties, read with every role name masked so that the title cannot vote, describe the other "
        f"(not too close to call, with at least two of the four axes ({ARTICLE_AXIS_NAMES}) agreeing, one of them on "
        f"the posting's own words){another}. As the other: "
        f"{html.escape(describe_confidences(model.mismatch_confidences))}. A flag is "
        f"the model's reading, not a verdict: someone who knows the role decides.</li>"
        f"<li>{work}</li>{cards_howto}"
        f"<li>Two readings of a posting, each named where it appears: the <b>content</b> (role names masked: the "
        f"flag, the reasons and the bars) and the posting <b>as written</b> (title and role names included: what "
        f"<code>tpmclassify batch</code> answers). They can differ: the title and role names are evidence too.</li>"
        f"<li>{html.escape(numbering)}</li>"
    )
    cards = "".join(card for _, _, card, _ in best)
    text = (
        f"<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Mis-titling audit: {name}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Mis-titling audit of {name}</h1>"
        f'<p><span id="rows">{rows}</span> posting{"" if rows == 1 else "s"}; <b id="mismatches">{mismatches}</b> '
        f"flagged as mis-titled. "
        f"Probabilities assume a TPM share of {model.prior_:.0%} among TPM and PM postings.</p>"
        f'<section class="howto"><h2>How to read this page</h2><ul>{howto}</ul></section>'
        f'<h2 id="flagged">Flagged rows</h2>{_flag_list(best, shown, row_word, mismatches, flags_name)}'
        f"<h2>What the title says against what the content says</h2>{_totals_table(totals)}"
        f'<p class=note>Every row of the file is in this table. "content says": the content with role names masked '
        f'(as written, for a row without a title). "{NO_CLAIM}": no title, or a title the rule does not label; '
        f'"{UNCLASSIFIED}": a row that could not be classified (missing or unreadable text). A title of one role '
        f"whose content says the other is counted here whether or not it is flagged: a flag also needs the reading "
        f"outside the review band, two axes agreeing and the confidence above, so a cell may count more rows than are "
        f'flagged. A plain Program Manager title is counted as "{OTHER}", the title rule\'s label for it.</p>'
        f"<h2>How TPM- and PM-titled postings differ here</h2>"
        f"<p class=note>Mean evidence per axis of the content (role names masked); right and blue: TPM, left and "
        f"orange: PM.</p>{_axis_chart(axes, counts)}"
        f"<h2>The flagged postings{', most confident first' if len(best) > 1 else ''}</h2>"
        f"{cards or _no_cards(mismatches, flags_name)}"
        f"</body></html>\n"
    )
    return show_bidi(text)  # no markup of ours has them
