"""What a job title claims, and when a posting's content contradicts it.

A title names a role (``label_from_title``); a plain "Program Manager" title claims a program manager's job, maybe a
TPM in all but name. A posting's content, read with every role name masked, contradicts its title when it reads as
the other of TPM and PM with enough confidence and with evidence on at least two of the article's four axes, or as
another role altogether.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from numbers import Real

from ._cues import ARTICLE_AXES
from ._errors import InvalidValueError
from ._invisible import without_format
from ._labels import label_from_title
from ._prediction import Prediction
from ._roles import (
    HYBRID,
    OTHER,
    PM,
    PROGRAM,
    ROLE_NAMES,
    ROLES,
    TECHNICAL_QUALIFIERS,
    TPM,
    negated,
    role_name_pattern,
)

__all__ = [
    "AXIS_EVIDENCE",
    "FLAGGED_CLAIMS",
    "TECHNICAL_PROGRAM",
    "TITLED_CLAIMS",
    "axes_toward",
    "claim_confidences",
    "contradicts",
    "describe_confidences",
    "evidenced_axes",
    "title_claim",
]

_PROGRAM_TITLE = re.compile(role_name_pattern(PROGRAM), re.IGNORECASE)
_QUALIFIER = "|".join(TECHNICAL_QUALIFIERS)
_PROGRAM_NAME = "|".join(n.replace(" ", r"[\s-]+") for n in ROLE_NAMES[PROGRAM])
_QUALIFIED = re.compile(  # (the qualifier next to the name: before it, not negated; or all that follows it)
    rf"(?<![\w-])(?:{_QUALIFIER})[\s-]+(?:{_PROGRAM_NAME})\b"
    rf"|\b(?:{_PROGRAM_NAME})s?\s*[,(\-\u2013\u2014:|]\s*(?:{_QUALIFIER})\s*+(?:\)\s*+)?$",  # (possessive: no run of
    # blanks is tried at every split, quadratic on a title padded with spaces)
    re.IGNORECASE,
)
#: What a Program Manager title a technical word qualifies claims (:data:`~._roles.TECHNICAL_QUALIFIERS`): a program
#: manager's job, which neither reading contradicts.
TECHNICAL_PROGRAM = "technical program"
#: A title mismatch needs evidence on at least two of the article's axes, each at least this much (measured from a
#: typical posting) on the side the content reads as.
AXIS_EVIDENCE = 0.1
#: Claims that say a posting is a TPM or PM job (or a program manager's): its content then only says which.
TITLED_CLAIMS = (*ROLES, HYBRID, PROGRAM, TECHNICAL_PROGRAM)
#: The claims a content reading as the other of TPM and PM can contradict: a TPM title read as a PM's job, a PM title
#: or a plain Program Manager title read as a TPM's.
FLAGGED_CLAIMS = (*ROLES, PROGRAM)


def _probability(v: object) -> bool:
    """A number (not a bool) in [0.5, 1]."""
    try:
        return isinstance(v, Real) and not isinstance(v, bool) and 0.5 <= float(v) <= 1
    except (OverflowError, ValueError):  # an integer too large for a float
        return False


def claim_confidences(value: object) -> dict[str, float]:
    """The confidence a title mismatch needs, per claim of :data:`FLAGGED_CLAIMS`, from a ``mismatch_confidence``:
    one probability for every title, or a dict with one per claim. A probability of 1 flags no title of that claim.

    Examples
    --------
    >>> claim_confidences(0.8)
    {'tpm': 0.8, 'pm': 0.8, 'program': 0.8}
    >>> claim_confidences({"tpm": 0.65, "pm": 1.0, "program": 0.93})
    {'tpm': 0.65, 'pm': 1.0, 'program': 0.93}
    >>> claim_confidences({"tpm": 0.65})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tpmclassify._errors.InvalidValueError: mismatch_confidence must be ... per title claim ('tpm', 'pm', 'program'); ...
    """
    given: dict[object, object] = value if isinstance(value, dict) else dict.fromkeys(FLAGGED_CLAIMS, value)
    if set(given) != set(FLAGGED_CLAIMS) or not all(map(_probability, given.values())):
        claims = ", ".join(map(repr, FLAGGED_CLAIMS))
        raise InvalidValueError(
            f"mismatch_confidence must be a probability in [0.5, 1], or a dict of one per title claim ({claims}); "
            f"got {value!r}"
        )
    return {claim: float(given[claim]) for claim in FLAGGED_CLAIMS}  # type: ignore[arg-type]


def axes_toward(by_axis: dict[str, float], side: str, cued: Collection[str] | None = None) -> int:
    """How many of the article's four axes point to ``side`` ("tpm" or "pm") by at least ``AXIS_EVIDENCE``
    (an explanation's ``by_axis``, measured from a typical posting), counting only the ``cued`` axes when given: those
    where the posting has words of its own on that side (``Explanation.cued_axes``), not merely fewer of the other
    side's than a typical posting.

    Examples
    --------
    >>> axes_toward({"technical": 1.2, "scope": 0.3, "strategy": -0.5, "wording": 2.0}, "tpm")
    2
    >>> axes_toward({"technical": 1.2, "scope": 0.3, "strategy": -0.5, "wording": 2.0}, "tpm", cued={"scope"})
    1
    """
    sign = 1.0 if side == TPM else -1.0
    return sum(sign * by_axis.get(a, 0.0) >= AXIS_EVIDENCE and (cued is None or a in cued) for a in ARTICLE_AXES)


def evidenced_axes(content: Prediction, side: str) -> int:
    """How many of the article's axes point to ``side`` (see :func:`axes_toward`), or 0 when the posting has no word
    of its own on that side on any of them: a reading on what a posting lacks alone (fewer TPM words than a typical
    posting, say) quotes nothing a recruiter could check."""
    e = content.explanation
    return axes_toward(e.by_axis, side) if axes_toward(e.by_axis, side, e.cued_axes(side)) else 0


def title_claim(title: str) -> tuple[str | None, str | None]:
    """The title's label by the title rule, and what it claims: the label, or "program" for a plain Program
    Manager title (the rule's "other"), "technical program" for one a technical word qualifies
    (:data:`~._roles.TECHNICAL_QUALIFIERS`). Both read the title as the rule does, format characters ignored.

    Examples
    --------
    >>> title_claim("Senior Technical Program Manager"), title_claim("Program Manager, Partnerships")
    (('tpm', 'tpm'), ('other', 'program'))
    >>> title_claim("Pro\u00adgram\u200bManager")
    ('other', 'program')
    >>> title_claim("Program Manager, Technical"), title_claim("Siri - Engineering Program Manager")
    (('other', 'technical program'), ('other', 'technical program'))
    >>> title_claim("Program Manager, Consumer Hardware"), title_claim("Program Manager (Non-Technical)")
    (('other', 'program'), ('other', 'program'))
    >>> title_claim("Non Technical Program Manager")
    ('other', 'program')
    """
    rule = label_from_title(title)
    plain = without_format(title)
    if rule == OTHER and _PROGRAM_TITLE.search(plain):
        qualified = any(not negated(plain, m.start()) for m in _QUALIFIED.finditer(plain))
        return rule, TECHNICAL_PROGRAM if qualified else PROGRAM
    return rule, rule


def describe_confidences(confidence: Mapping[str, float]) -> str:
    """In words, what a content reading needs to contradict each kind of title (see :func:`claim_confidences`).

    Examples
    --------
    >>> print(describe_confidences({"tpm": 0.65, "pm": 1.0, "program": 0.93}))  # doctest: +NORMALIZE_WHITESPACE
    a TPM title when read as a PM's job with probability at least 0.65; a Project Manager title never as a TPM's
    job; a plain Program Manager title when read as a TPM's job with probability at least 0.93, its content in scope
    """

    def need(claim: str, reading: str) -> str:
        c = confidence[claim]
        return f"never as {reading}" if c >= 1 else f"when read as {reading} with probability at least {c:g}"

    as_pm, as_tpm = "a PM's job", "a TPM's job"
    return (
        f"a TPM title {need(TPM, as_pm)}; a Project Manager title {need(PM, as_tpm)}; a plain Program Manager "
        f"title {need(PROGRAM, as_tpm)}" + (", its content in scope" if confidence[PROGRAM] < 1 else "")
    )


def contradicts(
    claim: str | None, content: Prediction, confidence: Mapping[str, float], scope_threshold: float | None = None
) -> bool:
    """Whether the content (role names masked) contradicts what the title claims: it reads as another role
    altogether, or as the other of TPM and PM with at least the ``confidence`` of the title's claim (1: never), and
    with evidence on at least two of the article's axes, words of the posting's own on that side on one of them at
    least (:func:`evidenced_axes`). Never on too little evidence, nor on a reading as TPM or PM that itself needs
    review (too close to call). A plain Program Manager title is contradicted only by a content in scope at the
    model's ``scope_threshold`` (when it has one): another job agrees with it ("reads as a TPM", said of a partner
    program manager's posting in scope 1%, is no reason to look); under a TPM or PM title, another job is a title
    worth checking, though not for the reason given."""
    if content.unreadable:
        return False
    if content.label == OTHER:
        return claim in (*ROLES, HYBRID)
    other = (claim in ROLES and content.label != claim) or (claim == PROGRAM and content.label == TPM)
    if not other or content.needs_review:
        return False
    scope = content.in_scope
    if claim == PROGRAM and scope_threshold is not None and scope is not None and scope < scope_threshold:
        return False
    needed = confidence[str(claim)]
    if needed >= 1 or content.probabilities[content.label] < needed:
        return False
    return evidenced_axes(content, content.label) >= 2
