"""Weak labels from job titles: what a title claims."""

from __future__ import annotations

import re

from ._roles import role_name_pattern

__all__ = ["label_from_title"]

_TPM = re.compile(role_name_pattern("tpm", plural=False) + r"|^\s*tpm\b", re.IGNORECASE)
_HYBRID = re.compile(role_name_pattern("hybrid", plural=False), re.IGNORECASE)
_PROJECT = re.compile(r"\bproject\s+(?:manager|mgr)", re.IGNORECASE)
_PROGRAM = re.compile(r"\bprogram", re.IGNORECASE)
_OTHER = re.compile(
    r"\b(?:program(?:me)?\s+manag(?:er|ement)|product\s+manager|engineering\s+manager|scrum\s+master"
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
    * ``"pm"``: "project manager" and no "program" in the title;
    * ``"other"``: another program manager, product manager, engineering
      manager, scrum master, software engineer/developer or data scientist;
    * ``None``: anything else (do not guess).

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
    >>> label_from_title("Chef") is None
    True
    """
    if not isinstance(title, str) or not title.strip():
        return None
    if _TPM.search(title):
        return "tpm"
    if _HYBRID.search(title):
        return "hybrid"
    if _PROJECT.search(title) and not _PROGRAM.search(title):
        return "pm"
    if _OTHER.search(title):
        return "other"
    return None
