"""A prediction: the answer for one posting, its explanations, and what its title claims against what it describes."""

from __future__ import annotations

import bisect
import html
from collections.abc import Callable, Iterable, Iterator
from dataclasses import InitVar, dataclass, field
from functools import cached_property
from typing import Any

from ._cues import AXES
from ._errors import check_count
from ._explain import Explanation, Term, _add, display
from ._roles import HYBRID, OTHER, PM, TPM
from ._text import readable, show_bidi

__all__ = ["Prediction"]


@dataclass
class Prediction:
    """The answer for one posting.

    Attributes
    ----------
    text : str
        The posting as given; with a title, the posting, a newline and the
        title (the title's terms have their spans there, past the posting),
        except for a title used for either role (hybrid), whose answer is the
        content's own: the posting alone.
    label : str
        ``"tpm"``, ``"pm"``, or ``"other"`` when the posting is out of scope.
    probabilities : dict of str to float
        ``{"tpm": p, "pm": 1 - p}``: the TPM/PM split, conditional on the posting
        being one of the two.
    in_scope : float or None
        Calibrated probability that the posting is a TPM or PM role at all
        (``None`` for a model trained without "other" postings).
    needs_review : bool
        Not to be acted on without a reader: in scope, but the TPM/PM split is too close to call (the model's
        ``review_band``), or too little to decide from (``unreadable``: a sentence, another language), whatever
        the label.
    explanation : Explanation
        Why the TPM/PM log-odds are what they are (computed on first access).
    scope_explanation : Explanation or None
        Why the in-scope log-odds are what they are.
    scope_threshold : float or None
        The model's in-scope threshold (under it, the label is "other").
    unreadable : bool
        Too little to decide from: text the model cannot read (fewer than one in ten of its words known: random
        characters, another script; or another language, ``_language.another_language``: the model
        reads English); or a text of fewer words than 99% of the training postings have (``short``: a sentence,
        not a posting, whatever its answer: a TPM's duties, a nurse's, or a scrape's "See attached PDF"); or a TPM
        or PM answer whose words carry less evidence than 99% of them do ("We are hiring. Apply now."). An
        out-of-scope answer is the scope head's and needs no role cue: a nurse's posting is read as it is.
        ``needs_review`` is set, and a title is never flagged as mismatched on it.
    evidence : float
        How much the text's words say about TPM vs PM on the four axes (scope, technical depth, strategy vs
        execution, collaboration): the sum of the magnitudes of the role explanation's cue terms of those axes
        (what ``unreadable`` is judged on; role names and n-grams are left out, as a title or "apply now" says
        nothing about the job); 0 for a text the model cannot read.
    short : bool
        The text has fewer words (those n-grams are made of) than 99% of the training postings (the model's
        ``min_words_``): a sentence, not a posting.
    title : str or None
        The job title, when one was given.
    title_label : str
        What the title claims, by the rule of :func:`tpmclassify.label_from_title`: ``"tpm"``, ``"pm"``,
        ``"hybrid"``, ``"other"``, or ``""`` (no title, or a title the rule does not label).
    title_mismatch : bool
        The title claims one role (Project Manager, TPM, or a plain Program Manager) while the content, read with
        every role name masked, confidently says the other (see ``TPMClassifier.mismatch_confidence``: one
        confidence per title claim; under a plain Program Manager title, only a content that reads as a TPM or PM
        job at all, in scope at the model's threshold), and is not too close to call itself (``needs_review``).
    content : Prediction or None
        The answer for the text alone with every role name masked (with a title only): ``content_label`` and
        ``content_tpm_probability`` are its label and TPM probability. When the title names a TPM, PM, hybrid or
        program manager role, the content is judged TPM vs PM only (the title answers "in scope?"). A hybrid
        title's answer is the content's, unless the posting read with its title is out of scope ("other"). Its
        explanations leave the role-name cues' part out of the typical posting they are measured from (a masked
        posting has no role names to lack), so their intercept and terms differ from those of
        ``classify(mask_role_names(text))``, their log-odds do not.

    Examples
    --------
    >>> import tpmclassify
    >>> p = tpmclassify.classify(
    ...     "We are hiring a Project Manager to deliver office fit-out projects for our clients. Manage the "
    ...     "project plan, schedule and budget, coordinate subcontractors on site and send weekly status "
    ...     "reports to the client. PMP certification is an advantage.", title="Project Manager")
    >>> p.label, p.probabilities["pm"] > 0.99, p.in_scope > p.scope_threshold
    ('pm', True, True)
    >>> p.title_label, p.content_label, p.title_mismatch  # the title agrees with what the text describes
    ('pm', 'pm', False)
    >>> p.needs_review, p.short  # a paragraph, not a posting: a reader should look before acting on it
    (True, True)
    >>> p.reasons[0]
    'Needs review: too short to decide (fewer words than 99% of the training postings have; the model reads whole \
postings)'
    >>> sorted(p.to_dict())[:5]  # plain data, for JSON
    ['content_label', 'content_tpm_probability', 'in_scope', 'label', 'needs_review']
    """

    text: str = field(repr=False)
    label: str
    probabilities: dict[str, float]
    in_scope: float | None
    needs_review: bool
    #: What computes the explanations (0: TPM/PM, 1: in scope) from the batch's arrays and the model's feature space.
    _explain: InitVar[Callable[[int], Explanation | None] | None] = None
    scope_threshold: float | None = field(default=None, repr=False)
    unreadable: bool = field(default=False, repr=False)
    evidence: float = field(default=0.0, repr=False)
    short: bool = field(default=False, repr=False)
    title: str | None = field(default=None, repr=False)
    title_label: str = ""
    title_mismatch: bool = False
    content: Prediction | None = field(default=None, repr=False)
    #: Whether the model knows enough of the text's words to read it (one in ten, in English), short or not.
    _legible: InitVar[bool] = True

    def __post_init__(self, _explain: Callable[[int], Explanation | None] | None, _legible: bool) -> None:
        # kept as attributes of the same names, not fields: ``dataclasses.asdict``, and so
        # ``pandas.DataFrame(predictions)``, copies every field, and what computes the explanations holds megabytes (a
        # batch's arrays, the feature space); ``dataclasses.replace`` passes them on as it finds them
        if _explain is None:  # (a default only so that it can follow fields with defaults: refused as if missing)
            raise TypeError("a Prediction is made by a model's classify, with what computes its explanations")
        vars(self).update(_explain=_explain, _legible=_legible)

    @property
    def content_label(self) -> str:
        """What the text describes with every role name masked (``""`` without a title)."""
        return "" if self.content is None else self.content.label

    @property
    def content_tpm_probability(self) -> float | None:
        """The TPM probability of the text with every role name masked (None without a title)."""
        return None if self.content is None else self.content.probabilities[TPM]

    def _as_written(self, terms: Iterable[Term]) -> Iterator[str]:
        """The texts of the content reading's ``terms`` that the posting holds as written: a term whose words run
        across a masked role name ("knowledge of , Excel" of "knowledge of Project Management, Excel") is not
        quoted."""
        for t in terms:
            if t.spans and readable(self.text[t.spans[0][0] : t.spans[0][1]]) == t.text:
                yield t.text

    def _title_reason(self) -> str | None:
        """What the title claims against what the content says, in the posting's own words (or None)."""
        c, claim = self.content, self.title_label
        if c is None or self.title is None:
            return None
        if self.title_mismatch and c.label == OTHER and c.scope_explanation is not None:
            quoted = _quoted(self._as_written(t for t in c.scope_explanation.terms if t.points_to == OTHER))
            shown, threshold = _apart(float(c.in_scope or 0.0), float(c.scope_threshold or 0.0))
            return (
                f"Titled {self.title!r}, but reads as another role (in scope {shown} with role names masked, under "
                f"the threshold for titled postings {threshold})" + (f": {quoted}" if quoted else "")
            )
        if self.title_mismatch:
            side = c.label
            quoted = _quoted(self._as_written(t for t in c.explanation.terms if t.points_to == side))
            return f"Titled {self.title!r}, but reads as a {display(side)} " + (
                f"({c.probabilities[side]:.0%} with role names masked)" + (f": {quoted}" if quoted else "")
            )
        if claim == HYBRID and self.label != OTHER:  # the answer is the content's own, judged TPM vs PM
            return (
                f"Titled {self.title!r} (a title used for either role): decided by its content, which reads as "
                f"{display(c.label)} ({c.probabilities[c.label]:.0%} with role names masked)"
            )
        return None

    @cached_property
    def explanation(self) -> Explanation:
        return vars(self)["_explain"](0)  # (an attribute, see __post_init__)

    @cached_property
    def scope_explanation(self) -> Explanation | None:
        return vars(self)["_explain"](1)

    @property
    def _too_short(self) -> bool:
        """Left to review because its text is too short, whatever its answer (a sentence of a TPM's duties says as
        little of whether the posting is a TPM or PM job at all as of which; a scrape's "See attached PDF" says
        nothing of either); but an out-of-scope one with no evidence whose words the model cannot read (another
        script, another language) is said to have too little."""
        return self.unreadable and self.short and (self.label != OTHER or self.evidence > 0.0 or vars(self)["_legible"])

    def _unread_reason(self) -> str | None:
        """The one reason of an answer left to review because the posting could not be read (None if it was)."""
        if self._too_short:
            return (
                "Needs review: too short to decide (fewer words than 99% of the training postings have; the model "
                "reads whole postings)"
            )
        if self.unreadable and self.evidence == 0.0:
            return (
                "Needs review: too little evidence in the posting to decide (no cue of the four axes, too few words "
                "the model knows, or another language: the model reads English)"
            )
        if self.unreadable:
            return (
                "Needs review: too little evidence in the posting to decide (its cues on the four axes add up to "
                "less than 99% of the training postings carry)"
            )
        return None

    @property
    def reasons(self) -> list[str]:
        """Short reasons: why out of scope (for "other"), else why TPM or PM."""
        return self.first_reasons()

    def first_reasons(self, n: int | None = None) -> list[str]:
        """The first ``n`` of :attr:`reasons` (all of them with None), finding the words of those only.

        Examples
        --------
        >>> import tpmclassify
        >>> p = tpmclassify.classify("Run the budget, the schedule and weekly status reports for the office "
        ...                          "move; coordinate vendors and contractors day to day.")
        >>> p.first_reasons(2) == p.reasons[:2]
        True
        """
        if n is not None:
            n = check_count(n, "reasons")
        unread = self._unread_reason()
        if unread is not None:
            return [unread][:n]
        title = self._title_reason()
        lines = [] if title is None else [title]
        if self.label == OTHER and self.scope_explanation is not None:
            # a scope explanation comes with the probability and threshold it explains
            shown, threshold = _apart(float(self.in_scope or 0.0), float(self.scope_threshold or 0.0))
            lines.append(f"Out of scope: in scope {shown} is under the threshold {threshold}")
            explanation = self.scope_explanation
        else:
            if self.needs_review:
                lines.append(f"Needs review: TPM {self.probabilities[TPM]:.0%} is too close to call")
            explanation = self.explanation
        if n is None:
            return [*lines, *explanation.reasons]
        return [*lines, *explanation.first_reasons(n - len(lines))][:n] if n > len(lines) else lines[:n]

    def to_dict(self, *, terms: bool = False) -> dict[str, Any]:
        """The answer as plain data (str, float, bool, None, lists, dicts): ``json.dumps`` takes it as it is.

        A Prediction computes its explanation on first access from the arrays of the batch it came from and the
        model's feature space, so holding one holds both (in memory, and pickled: about 2.4 MB for one posting's
        Prediction with the bundled model, more for a batch of a thousand); this holds nothing of them (a few KB):
        keep it, or send it, rather than the Prediction.

        Parameters
        ----------
        terms : bool, default False
            Also give every term of the TPM/PM explanation (``text``, ``feature``, ``axis``, ``weight``,
            ``points_to``, ``spans``), with ``logit`` and ``intercept``: ``intercept`` plus the terms' weights
            is ``logit``, and ``probabilities["tpm"]`` is its sigmoid, as for :attr:`explanation`; and those of
            the in-scope explanation as ``scope_terms``, ``scope_logit`` and ``scope_intercept`` (what an "other"
            answer's reasons come from), when the model has one.

        Examples
        --------
        >>> import json, tpmclassify
        >>> p = tpmclassify.classify("Run the budget, the schedule and weekly status reports for the office "
        ...                          "move; coordinate vendors and contractors day to day.")
        >>> d = p.to_dict(terms=True)
        >>> json.loads(json.dumps(d)) == d, d["label"], d["reasons"] == p.reasons
        (True, 'pm', True)
        >>> abs(d["intercept"] + sum(t["weight"] for t in d["terms"]) - d["logit"]) < 1e-9
        True
        """
        c = self.content
        out: dict[str, Any] = {
            "label": self.label,
            "probabilities": {k: float(v) for k, v in self.probabilities.items()},
            "in_scope": None if self.in_scope is None else float(self.in_scope),
            "scope_threshold": None if self.scope_threshold is None else float(self.scope_threshold),
            "needs_review": bool(self.needs_review),
            "unreadable": bool(self.unreadable),
            "short": bool(self.short),
            "reasons": self.reasons,
            "title": self.title,
            "title_label": self.title_label,
            "title_mismatch": bool(self.title_mismatch),
            "content_label": self.content_label,
            "content_tpm_probability": None if c is None else float(c.probabilities[TPM]),
        }
        if terms:
            for key, e in (("", self.explanation), ("scope_", self.scope_explanation)):
                if e is not None:
                    out[f"{key}logit"], out[f"{key}intercept"] = float(e.logit), float(e.intercept)
                    out[f"{key}terms"] = [
                        {**t._asdict(), "weight": float(t.weight), "spans": [list(map(int, s)) for s in t.spans]}
                        for t in e.terms
                    ]
        return out

    def __str__(self) -> str:
        tpm = self.probabilities[TPM]
        if self.unreadable:  # no split is printed as if the words had decided it
            head = f"needs review  (too {'short' if self._too_short else 'little evidence'} to decide)"
        elif self.label == OTHER and self.in_scope is not None:  # a split of a job that is neither would mislead
            shown = _apart(self.in_scope, self.scope_threshold)[0] if self.scope_threshold is not None else None
            head = f"other  (in scope {shown or f'{self.in_scope:.0%}'})"  # (as the reason under it shows it)
        else:
            head = f"{display(self.label)}  (TPM {tpm:.0%}, PM {1 - tpm:.0%}"
            head += ")" if self.in_scope is None else f"; in scope {self.in_scope:.0%})"
            head += "  needs review" if self.needs_review else ""
        lines = [head] if self.title is None or self.content is None else [head, self._title_line(self.content)]
        return "\n".join([*lines, *("  - " + r for r in self.reasons)])

    def _title_line(self, c: Prediction) -> str:
        """What the title says against how the content ``c`` (role names masked) reads, and the flag."""
        if self.title_label in (TPM, PM):
            said = f"says {display(self.title_label)}"
        elif self.title_label == HYBRID:
            said = "names a role used for either"
        elif self.title_mismatch:  # (a plain Program Manager title: the only other claim a content can contradict)
            said = "a plain Program Manager title"
        else:
            said = "names no TPM or PM role"
        if c.unreadable:
            reads = "has too little to decide"
        elif c.label == OTHER and c.in_scope is not None:  # (no TPM/PM split of a job that is neither, as above)
            reads = f"reads other (in scope {c.in_scope:.0%})"
        else:  # (a titled content is not judged out of scope: beside an answer that is, its own in-scope is said)
            scope = f"; in scope {c.in_scope:.0%}" if self.label == OTHER and c.in_scope is not None else ""
            reads = f"reads {display(c.label)} (TPM {c.probabilities[TPM]:.0%}{scope})"
            reads += ", too close to call" if c.needs_review else ""
        flagged = "; flagged as mis-titled" if self.title_mismatch else ""
        return f"  title {self.title!r}: {said}; the content, role names masked, {reads}{flagged}"

    def highlighted_html(self, limit: int | None = None) -> str:
        """The posting as escaped HTML with each evidence span coloured by its weight (blue: TPM, orange: PM;
        stronger colour, more weight), at most ``limit`` characters of it.

        Terms read from the same characters (a cue and the n-gram of its word) show their summed weight; where spans
        overlap otherwise, the heavier is shown, whichever side it points to; a weight that rounds to 0.000 is not
        shown."""
        exp = self.explanation
        text = self.text if limit is None else self.text[:limit]
        biggest = max((abs(t.weight) for t in exp.terms), default=1.0) or 1.0
        weights: dict[tuple[int, int], float] = {}
        for t in exp.terms:
            for span in t.spans:
                if span[1] <= len(text):
                    weights[span] = weights.get(span, 0.0) + t.weight
        shown: list[tuple[int, int, float]] = []  # (in order of position: none overlap)
        for (a, b), w in sorted(weights.items(), key=lambda m: -abs(m[1])):  # heaviest first (stable among equals)
            if abs(w) < 5e-4:  # (the rest weigh less still)
                break
            i = bisect.bisect(shown, (a,))
            if (i == 0 or shown[i - 1][1] <= a) and (i == len(shown) or b <= shown[i][0]):
                shown.insert(i, (a, b, w))
        parts, pos = [], 0
        for a, b, w in shown:
            colour = "31,119,180" if w > 0 else "255,127,14"
            alpha = 0.15 + 0.85 * min(1.0, abs(w) / biggest)
            parts.append(html.escape(text[pos:a]))
            parts.append(
                f'<span style="background:rgba({colour},{alpha:.2f})" title="{w:+.3f}">{html.escape(text[a:b])}</span>'
            )
            pos = b
        parts.append(html.escape(text[pos:]) + ("…" if len(text) < len(self.text) else ""))
        return "".join(parts)

    def _repr_html_(self) -> str:
        """The posting with its evidence highlighted (blue: TPM, orange: PM), and bars per axis."""
        exp = self.explanation
        bars = []
        for axis, total in exp.by_axis.items():
            width = int(100 * min(1.0, abs(total) / max(1e-9, max(abs(v) for v in exp.by_axis.values()))))
            colour = "#1f77b4" if total > 0 else "#ff7f0e"
            bars.append(
                f"<tr><td>{html.escape(AXES.get(axis, axis))}</td><td>{total:+.2f}</td>"
                f'<td><div style="background:{colour};width:{width}px;height:10px"></div></td></tr>'
            )
        head = html.escape(str(self).splitlines()[0])
        return show_bidi(  # (as the audit page: no title or posting displays other than it is)
            f"<div><b>{head}</b><table>{''.join(bars)}</table>"
            f'<div style="white-space:pre-wrap;font-family:sans-serif">{self.highlighted_html()}</div></div>'
        )


def _quoted(texts: Iterable[str]) -> str:
    """The first three distinct ``texts`` (a cue and an n-gram often quote the same words), each in quotes.

    Examples
    --------
    >>> _quoted(["client", "client", "engagement", "budget", "scope"])
    "'client', 'engagement', 'budget'"
    """
    words: list[str] = []
    for text in texts:
        if _add(words, text):  # (the explanation's own rule for a reason's words)
            break
    return ", ".join(f"'{w}'" for w in words)


def _apart(p: float, threshold: float) -> tuple[str, str]:
    """``p`` and ``threshold`` as percentages with as few decimals as show them apart (as many as that takes).

    Examples
    --------
    >>> _apart(0.1576, 0.1603), _apart(0.02, 0.16), _apart(0.15999, 0.16)
    (('15.8%', '16.0%'), ('2%', '16%'), ('15.999%', '16.000%'))
    """
    for digits in range(18):  # two different floats differ within 17 significant digits
        shown = f"{p:.{digits}%}", f"{threshold:.{digits}%}"
        if shown[0] != shown[1]:
            break
    return shown
