"""The role names and labels: one vocabulary read by the title rule, the masking and the role-name cues.

A job title *claims* a role with these names; a description that repeats them lets a model read the name instead
of the job. The same table therefore labels titles (:func:`tpmclassify.label_from_title`), masks descriptions
(:func:`tpmclassify.mask_role_names`) and makes the role-name cues of the cue table, so the three cannot disagree.
"""

from __future__ import annotations

import re

from ._errors import InvalidValueError

__all__ = ["LABELS", "ROLE_LABELS", "ROLE_NAMES", "check_labels", "normalize_label", "role_name_pattern"]

#: Every label the library knows, and what it means.
LABELS: dict[str, str] = {
    "tpm": "Technical Program Manager",
    "pm": "Project Manager",
    "hybrid": "a title used for either role (Technical/Engineering Project Manager): in scope, TPM vs PM unknown",
    "other": "another role (product manager, non-technical program manager, engineer, ...)",
}
#: Labels a TPM-vs-PM question is asked of (in scope).
ROLE_LABELS = ("tpm", "pm", "hybrid")

#: Role names by the role they claim, as plain phrases (matched case-insensitively, words separated by any white
#: space; seniority prefixes and a plural "s" are matched too).
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "tpm": tuple(
        f"technical {p} {m}" for p in ("program", "programme") for m in ("manager", "management", "mgr")
    ) + ("tpm",),
    "hybrid": tuple(f"{k} project {m}" for k in ("technical", "engineering") for m in ("manager", "management", "mgr")),
    "program": tuple(f"{p} {m}" for p in ("program", "programme") for m in ("manager", "management", "mgr")),
    "pm": ("project management professional", "project manager", "project management", "project mgr", "pm"),
}

_SENIORITY = r"(?:(?:senior|sr\.?|staff|principal|lead|junior|jr\.?)\s+)?"


def role_name_pattern(*roles: str, plural: bool = True) -> str:
    """A regular expression matching the role names of ``roles`` (all roles when none given), longest first.

    Examples
    --------
    >>> bool(re.fullmatch(role_name_pattern("tpm"), "technical  programme manager"))
    True
    """
    names = [n for role in (roles or tuple(ROLE_NAMES)) for n in ROLE_NAMES[role]]
    names.sort(key=len, reverse=True)
    body = "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names)
    return rf"\b{_SENIORITY}(?:{body}){'s?' if plural else ''}\b"


def normalize_label(value: object) -> str:
    """A label as the library spells it: stripped and lower-cased (``"TPM "`` -> ``"tpm"``)."""
    return str(value).strip().lower()


def check_labels(values: object, allowed: tuple[str, ...] = tuple(LABELS)) -> list[str]:
    """Normalised labels, or a ``ValueError`` naming every value that is not a known label.

    Examples
    --------
    >>> check_labels(["TPM", " pm", "hybrid"])
    ['tpm', 'pm', 'hybrid']
    >>> check_labels(["tpm", "manager", ""])
    Traceback (most recent call last):
    ...
    tpmclassify._errors.InvalidValueError: unknown labels ['', 'manager']; labels are: 'tpm', 'pm', 'hybrid', 'other'
    """
    out = [normalize_label(v) for v in values]  # type: ignore[attr-defined]
    unknown = sorted({v for v in out if v not in allowed})
    if unknown:
        raise InvalidValueError(f"unknown labels {unknown}; labels are: {', '.join(map(repr, allowed))}")
    return out
