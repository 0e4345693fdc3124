"""What a job title claims, and when a posting's content contradicts it.

A title names a role (``label_from_title``); a plain "Program Manager" title claims a program manager's job, maybe a
TPM in all but name. A posting's content, read with every role name masked, contradicts its title when it reads as
the other of TPM and PM with enough confidence and with evidence on at least two of the article's four axes, or as
another role altogether.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._cues import ARTICLE_AXES
from ._labels import label_from_title
from ._prediction import Prediction
from ._roles import HYBRID, OTHER, PROGRAM, ROLES, TPM, role_name_pattern

__all__ = ["AXIS_EVIDENCE", "TITLED_CLAIMS", "axes_toward", "contradicts", "title_claim"]

_PROGRAM_TITLE = re.compile(role_name_pattern(PROGRAM), re.IGNORECASE)
#: A title mismatch needs evidence on at least two of the article's axes, each at least this much (measured from a
#: typical posting) on the side the content reads as.
AXIS_EVIDENCE = 0.1
#: Claims that say a posting is a TPM or PM job (or a program manager's): its content then only says which.
TITLED_CLAIMS = (*ROLES, HYBRID, PROGRAM)


def axes_toward(by_axis: dict[str, float], side: str) -> int:
    """How many of the article's four axes point to ``side`` ("tpm" or "pm") by at least ``AXIS_EVIDENCE``
    (an explanation's ``by_axis``, measured from a typical posting).

    Examples
    --------
    >>> axes_toward({"technical": 1.2, "scope": 0.3, "strategy": -0.5, "wording": 2.0}, "tpm")
    2
    """
    sign = 1.0 if side == TPM else -1.0
    return sum(sign * by_axis.get(a, 0.0) >= AXIS_EVIDENCE for a in ARTICLE_AXES)


def title_claim(title: str) -> tuple[str | None, str | None]:
    """The title's label by the title rule, and what it claims: the label, or "program" for a plain Program
    Manager title (the rule's "other").

    Examples
    --------
    >>> title_claim("Senior Technical Program Manager"), title_claim("Program Manager, Partnerships")
    (('tpm', 'tpm'), ('other', 'program'))
    """
    rule = label_from_title(title)
    if rule == OTHER and _PROGRAM_TITLE.search(title):
        return rule, PROGRAM
    return rule, rule


def contradicts(claim: str | None, content: Prediction, confidence: Mapping[str, float]) -> bool:
    """Whether the content (role names masked) contradicts what the title claims: it reads as another role
    altogether, or as the other of TPM and PM with at least the ``confidence`` of the role it reads as, and with
    evidence on at least two of the article's axes. Never on too little evidence, nor on a reading as TPM or PM
    that itself needs review (too close to call)."""
    if content.unreadable:
        return False
    if content.label == OTHER:
        return claim in (*ROLES, HYBRID)
    other = (claim in ROLES and content.label != claim) or (claim == PROGRAM and content.label == TPM)
    if not other or content.needs_review or content.probabilities[content.label] < confidence[content.label]:
        return False
    return axes_toward(content.explanation.by_axis, content.label) >= 2
