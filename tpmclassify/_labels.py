"""Weak labels from job titles: what a title claims."""

from __future__ import annotations

import re

from ._invisible import without_format
from ._roles import (
    HYBRID,
    OTHER,
    PM,
    PROGRAM,
    ROLE_NAMES,
    TPM,
    clock_time,
    find_role_names,
    names_pattern,
    role_name_pattern,
)

__all__ = ["label_from_title"]

# Every pattern comes from the one role-name vocabulary (ROLE_NAMES), read as the masking reads text (format
# characters removed, a zero-width space a space), so a title claims a role exactly when its name would be masked.
_TPM = re.compile(role_name_pattern(TPM), re.IGNORECASE)
_HYBRID = re.compile(role_name_pattern(HYBRID), re.IGNORECASE)
_PM = re.compile(names_pattern([n for n in ROLE_NAMES[PM] if " " in n], word_end=False), re.IGNORECASE)
_PM_SHORT = re.compile(names_pattern([n for n in ROLE_NAMES[PM] if " " not in n]), re.IGNORECASE)  # "PM"
_PROGRAM = re.compile(r"\bprogram", re.IGNORECASE)
#: Other roles a title can name: another program manager, and roles that are neither TPM nor PM.
_OTHER = re.compile(
    role_name_pattern(PROGRAM) + r"|\b(?:product\s+manager|engineering\s+manager|scrum\s+master"
    r"|data\s+scientist)\b|\bsoftware\s+(?:engineer|developer)",
    re.IGNORECASE,
)


def label_from_title(title: object) -> str | None:
    """Weak label from a job title: ``"tpm"``, ``"pm"``, ``"hybrid"``, ``"other"`` or ``None``.

    The rule (the one the shared training data was labeled with):

    * ``"tpm"``: "technical program(me) manager/management/mgr", or
      "Sr./Senior/Staff/Principal/Lead TPM";
    * ``"hybrid"``: "technical project manager" or "engineering project
      manager", titles companies use for either role;
    * ``"pm"``: "project manager/mgr/management" and no "program" in the title;
    * ``"other"``: another program manager, product manager, engineering
      manager, scrum master, software engineer/developer or data scientist;
    * ``"pm"``: "PM" or "Senior PM" (and no "program"), if no other role is named;
    * ``None``: anything else (do not guess).

    The names are those of :data:`tpmclassify.ROLE_NAMES`, the vocabulary the masking removes, read as the
    masking reads them: format characters (soft hyphens, zero-width joiners, bidi controls) ignored, and a
    zero-width space taken for a space.

    Known traps: "Program/Project Manager" gets ``None`` (it names a project
    manager and a program, so the rule declines), and a plain "Program
    Manager" is ``"other"`` even where the job is technical in all but name.

    Examples
    --------
    >>> label_from_title("Senior Technical Program Manager, Cloud")
    'tpm'
    >>> label_from_title("Construction Project Manager")
    'pm'
    >>> label_from_title("Sr. Technical Project Manager")
    'hybrid'
    >>> label_from_title("Program/Project Manager") is None
    True
    >>> label_from_title("Non-Technical Program Manager"), label_from_title("Non-Engineering Project Manager")
    ('other', 'pm')
    >>> label_from_title("Technical\u200bProgram Manager"), label_from_title("Senior PM")
    ('tpm', 'pm')
    >>> label_from_title("Chef") is None
    True
    """
    if not isinstance(title, str) or not title.strip():
        return None
    title = without_format(title)
    if find_role_names(_TPM, title):  # (not after a "non": "Non-Technical Program Manager" is a program manager)
        return TPM
    if find_role_names(_HYBRID, title):
        return HYBRID
    program = _PROGRAM.search(title) is not None
    if _PM.search(title) and not program:
        return PM
    if _OTHER.search(title):
        return OTHER
    short = (m for m in _PM_SHORT.finditer(title) if not clock_time(title, *m.span()))  # ("Nurse, 7 AM - 7 PM")
    if next(short, None) and not program:  # after the other roles: "Product Manager (PM)" is not a PM
        return PM
    return None
