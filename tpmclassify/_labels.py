"""Weak labels from job titles."""

from __future__ import annotations

import re

__all__ = ["label_from_title"]

_TPM = re.compile(
    r"\btechnical\s+program(?:me)?\s+(?:manager|management|mgr)\b|\b(?:sr\.?|senior|staff|principal|lead)\s+tpm\b|^tpm\b",
    re.IGNORECASE,
)
_PROJECT = re.compile(r"\bproject\s+(?:manager|mgr)\b", re.IGNORECASE)
_PROGRAM = re.compile(r"\bprogram", re.IGNORECASE)
_OTHER = re.compile(
    r"\b(?:program(?:me)?\s+manager|product\s+manager|engineering\s+manager|scrum\s+master"
    r"|software\s+(?:engineer|developer)|data\s+scientist)\b",
    re.IGNORECASE,
)


def label_from_title(title: object) -> str | None:
    """Weak label from a job title: ``"tpm"``, ``"pm"``, ``"other"`` or ``None``.

    The rule (the one the shared training data was labeled with):

    * ``"tpm"``: "technical program(me) manager/management/mgr", or
      "Sr./Senior/Staff/Principal/Lead TPM";
    * ``"pm"``: "project manager" and no "program" in the title;
    * ``"other"``: another program manager, product manager, engineering
      manager, scrum master, software engineer/developer or data scientist;
    * ``None``: anything else (do not guess).

    Known traps: "Technical Project Manager" is labeled ``"pm"`` although many
    such jobs are TPM-like; "Program/Project Manager" gets ``None`` (it names a
    project manager and a program, so the rule declines), and a plain "Program
    Manager" is ``"other"`` even where the job is technical in all but name.

    Examples
    --------
    >>> label_from_title("Senior Technical Program Manager, Cloud")
    'tpm'
    >>> label_from_title("Construction Project Manager")
    'pm'
    >>> label_from_title("Program/Project Manager") is None
    True
    >>> label_from_title("Chef") is None
    True
    """
    if not isinstance(title, str) or not title.strip():
        return None
    if _TPM.search(title):
        return "tpm"
    if _PROJECT.search(title) and not _PROGRAM.search(title):
        return "pm"
    if _OTHER.search(title):
        return "other"
    return None
