"""The role names and labels: one vocabulary read by the title rule, the masking and the role-name cues.

A job title *claims* a role with these names; a description that repeats them lets a model read the name instead
of the job. The same table therefore labels titles (:func:`tpmclassify.label_from_title`), masks descriptions
(:func:`tpmclassify.mask_role_names`) and makes the role-name cues of the cue table, so the three cannot disagree
but in how they read a gap: a name's words may be joined by blanks or a hyphen for the patterns, by anything that is
no word for the cues, and so it is for a clock time's "PM" (see :func:`clock_time`) and a negated qualifier's name
(see :func:`negated`).
"""

from __future__ import annotations

import re
from html.entities import html5

from ._errors import InvalidValueError
from ._invisible import as_seen, format_cuts
from ._markup import MAX_ATTRIBUTES, TAG

__all__ = [
    "CLASSES",
    "HYBRID",
    "LABELS",
    "LABEL_ALIASES",
    "NEGATED_QUALIFIERS",
    "OTHER",
    "PM",
    "PROGRAM",
    "ROLES",
    "ROLE_NAMES",
    "SCOPED_CLASSES",
    "SHORT_NAMES",
    "TECHNICAL_QUALIFIERS",
    "TPM",
    "check_labels",
    "clock_time",
    "find_role_names",
    "names_pattern",
    "negated",
    "normalize_label",
    "role_name_pattern",
]

#: The two roles the library tells apart. The role head's log-odds are TPM's over PM's.
TPM, PM = "tpm", "pm"
ROLES: tuple[str, str] = (TPM, PM)
#: A title used for either role, and any other job.
HYBRID, OTHER = "hybrid", "other"
#: What a plain Program Manager title claims: a program, technical or not.
PROGRAM = "program"
#: Words that, next to a Program Manager name, make a title no plain one: before it ("Engineering Program Manager",
#: "Tech Program Manager") or all that follows it ("Program Manager, Technical"), not a team's or company's name
#: further on ("Program Manager, Consumer Hardware"). The title rule names no role for it; it stays a program manager's
#: title, and neither reading of its content contradicts it.
TECHNICAL_QUALIFIERS: tuple[str, ...] = ("technical", "tech", "technology", "engineering", "software", "hardware")
#: How reasons, cards and the audit page name each role.
SHORT_NAMES: dict[str, str] = {TPM: "TPM", PM: "PM"}
#: A model's ``classes_``, sorted as scikit-learn sorts them: the two roles, and ``other`` with a scope head.
CLASSES: tuple[str, ...] = tuple(sorted(ROLES))
SCOPED_CLASSES: tuple[str, ...] = tuple(sorted((*ROLES, OTHER)))

#: Every label the library knows, and what it means.
LABELS: dict[str, str] = {
    TPM: "Technical Program Manager",
    PM: "Project Manager",
    HYBRID: "a title used for either role (Technical/Engineering Project Manager), or a reading that could not "
    "decide (unsure): in scope, TPM vs PM unknown",
    OTHER: "another role (product manager, non-technical program manager, engineer, ...)",
}
#: Other spellings read as a label: ``unsure``, a reading whose axes split evenly (the shared postings'
#: ``content_label``), is in scope and neither role, as a hybrid title is.
LABEL_ALIASES: dict[str, str] = {"unsure": HYBRID}

#: Role names by the role they claim, as plain phrases (matched case-insensitively, words separated by blanks or a
#: hyphen, see ``_GAP``; seniority prefixes and a plural "s" are matched too).
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    TPM: tuple(f"technical {p} {m}" for p in ("program", "programme") for m in ("manager", "management", "mgr"))
    + ("tpm",),
    HYBRID: tuple(f"{k} project {m}" for k in ("technical", "engineering") for m in ("manager", "management", "mgr")),
    PROGRAM: tuple(f"{p} {m}" for p in ("program", "programme") for m in ("manager", "management", "mgr")),
    PM: ("project management professional", "project manager", "project management", "project mgr", "pm"),
}

#: What separates two words of a role name: blanks (white space, entities that read as one, such as "&nbsp;" and a
#: zero-width space's, and tags and comments, which reading a posting blanks), or one hyphen joining them, as between
#: the words the role-name cues read, so that the masking finds "Technical&nbsp;Program&nbsp;Manager", "<b>Project</b>
#: Manager" and a link's "technical-program-manager" as the cues do; not other punctuation, nor a hyphen set apart by
#: blanks ("a degree in Engineering, Project Management", "Engineering - Project Manager": the name is the last two
#: words). Possessive (a long run of blanks holds no backtracking stack): a name's next word starts with a letter,
#: never in a gap.
_BLANKS = [c for c in range(0x3000 + 1) if chr(c).isspace()] + [0x200B]  # (a zero-width space: a space unseen)
_BLANK_NAMES = sorted(k[:-1] for k, v in html5.items() if k.endswith(";") and v and all(ord(c) in _BLANKS for c in v))
_ENTITY_BLANK = (  # (as many digits as the reader's entities have: ``_markup.ENTITY``)
    rf"&(?:#(?=\d{{1,7}};)0*(?:{'|'.join(str(c) for c in _BLANKS)})"
    rf"|#[xX](?=[0-9a-fA-F]{{1,6}};)0*(?:{'|'.join(f'{c:x}' for c in _BLANKS)})|{'|'.join(_BLANK_NAMES)});"
)
#: (A comment's body, of at most 200 characters, stops where another comment opens, but for "<!-->", whose "-->"
#: closes it, as in Outlook's "<!--[if !mso]><!-->": a body that could run over one would be scanned again by every
#: name sharing a first word, on a text of many comments.)
_BLANK = rf"(?:\s|{_ENTITY_BLANK}|{TAG % MAX_ATTRIBUTES}|<!---?>|<!--(?:[^<-]|<(?!!--(?!>))|-(?!->)){{0,200}}+-->)"
_HYPHEN = r"(?:[\-\u2010\u2011]|&(?:hyphen|dash|#45|#x2d|#8208|#x2010|#8209|#x2011);)"
_GAP = rf"(?:{_BLANK}++|{_HYPHEN})"
_SENIORITY_WORDS = ("senior", r"sr\.?", "staff", "principal", "lead", "junior", r"jr\.?")
_SENIORITY = rf"(?:(?:{'|'.join(_SENIORITY_WORDS)}){_GAP})?"


def role_name_pattern(*roles: str, plural: bool = True) -> str:
    """A regular expression matching the role names of ``roles`` (all roles when none given), longest first.

    Examples
    --------
    >>> bool(re.fullmatch(role_name_pattern("tpm"), "technical  programme manager"))
    True
    """
    return names_pattern([n for role in (roles or tuple(ROLE_NAMES)) for n in ROLE_NAMES[role]], plural=plural)


def names_pattern(names: list[str], *, plural: bool = True, word_end: bool = True) -> str:
    """A regular expression matching ``names`` (plain phrases), longest first, as :func:`role_name_pattern` does
    (``word_end=False``: a name may run on into a word, as in "Project ManagerDevops")."""
    body = "|".join(re.escape(n).replace(r"\ ", _GAP) for n in sorted(names, key=len, reverse=True))
    return rf"{_start(names)}{_SENIORITY}(?:{body})" + ("s?" if plural else "") + (r"\b" if word_end else "")


def _start(names: list[str]) -> str:
    """Where a name (or a seniority word before it) may start: a word boundary, and, when each of those words has
    two letters first, one of their first two letters, so that other words are passed over at once (a posting's
    role names are found in a third of the time)."""
    words = [*names, *_SENIORITY_WORDS]
    if not all(len(w) > 1 and w[0].isalpha() and w[1].isalpha() for w in words):
        return r"\b"
    first, second = ("".join(sorted({re.escape(c) for w in words for c in (w[k], w[k].upper())})) for k in (0, 1))
    return rf"\b(?=[{first}][{second}])"


#: How far before a role name the two checks of what precedes it (a clock time's number, a negating "non") look.
_LOOKBACK = 300
#: A number, then only blanks (white space, blank entities, tags, comments) up to where a "PM" starts.
_NUMBER_BEFORE = re.compile(rf"(?<![\w+#])[0-9]+{_BLANK}*+\Z")


def clock_time(text: str, start: int, end: int) -> bool:
    """Whether the role name at ``text[start:end]`` is a clock time's "PM" ("9 AM - 5 PM", "10:59:00 PM", "500 PM",
    "5&nbsp;PM"): a bare "PM" after a number (ASCII digits) and only blanks, tags or blank entities, so the masking
    and the title rule pass over it as the role-name cue does (the context cue "clock time"). "5 PMs", "Senior PM",
    "Web3 PM" name the role, and so does a "PM" after punctuation ("Phase 2: PM", "(2) PM openings", "1. PM"),
    which the cues, reading no punctuation, read as a time: the masking then removes a role name the cues do not
    read, never the other way round. "Level 2 PM" reads as a time.

    >>> [clock_time(t, len(t) - 2, len(t)) for t in ("9 AM - 5 PM", "Web3 PM", "at 5&nbsp;PM", "Phase 2: PM", "５ PM")]
    [True, False, True, False, False]
    """
    return text[start:end].lower() == "pm" and _NUMBER_BEFORE.search(text, max(0, start - _LOOKBACK), start) is not None


#: The words a role name may start with that the cue table's negation reads after a "non" ("non technical", "non
#: engineering": its context row "negated or contrasted technical" takes both words).
NEGATED_QUALIFIERS: tuple[str, ...] = ("technical", "engineering")
_NEGATED_QUALIFIER = re.compile(rf"(?:{'|'.join(NEGATED_QUALIFIERS)})\b", re.IGNORECASE)
#: The word "non", then only what the cues read no word in (blanks, tags, hyphens, punctuation, written as characters
#: or as entities: "&ndash;", "&amp;") up to where a name starts.
_ENTITY = r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});"
_NON_BEFORE = re.compile(rf"(?<!\w)non(?:{_BLANK}|{_HYPHEN}|{_ENTITY}|[^\w\s<&])*+\Z", re.IGNORECASE)


def negated(text: str, start: int) -> bool:
    """Whether the word "non" stands right before ``text[start:]``, with only blanks, tags, blank entities, hyphens or
    punctuation between, as the cues read "non technical" in "Non-Technical", "Non&nbsp;Technical" or "Non - Technical":
    the qualifier there is negated, so "Non-Technical Program Manager" names a program manager, for the masking and the
    title rule as for the cues. "Canon", "nonprofit" or "non-technical and technical" negate nothing there. (The "non"
    is looked for in the 300 characters before the name: a longer gap, of tags say, negates nothing.)

    >>> [negated(t, len(t)) for t in ("Non-", "a non&nbsp;", "NON &ndash; ", "Canon ", "non-technical and ", "nontech")]
    [True, True, True, False, False, False]
    """
    return _NON_BEFORE.search(text, max(0, start - _LOOKBACK), start) is not None


def find_role_names(pattern: re.Pattern[str], text: str) -> list[tuple[int, int]]:
    """The spans in ``text`` of the matches of ``pattern`` (a role-name pattern) in the text a reader sees: a span
    covers the format characters inside its match, written as characters or as entities ("Pro&shy;gram"), and a
    zero-width space is a space. A name that starts with a qualifier a "non" negates (:func:`negated`) is read
    without it: "Non-Technical Program Manager" holds the name "Program Manager" (when ``pattern`` matches it).

    Examples
    --------
    >>> text = "Our Technical\u200bPro\u00adgram Man&shy;ager"
    >>> [text[a:b] for a, b in find_role_names(re.compile(role_name_pattern("tpm"), re.I), text)]
    ['Technical\u200bPro\xadgram Man&shy;ager']
    >>> text = "Our Non-Technical Program Manager"
    >>> [text[a:b] for a, b in find_role_names(re.compile(role_name_pattern(), re.I), text)]
    ['Program Manager']
    """
    if not text.isascii():
        text = text.replace("\u200b", " ")  # (a space for a space: the same offsets)
    cuts = format_cuts(text)
    seen, at = as_seen(text, cuts) if cuts else (text, None)
    spans, pos = [], 0
    while (m := pattern.search(seen, pos)) is not None:
        a, b = m.span()
        lead = _NEGATED_QUALIFIER.match(seen, a)
        if lead is not None and negated(seen, a):
            pos = lead.end()  # (the rest of the name, read without the qualifier, may be a name of its own)
            continue
        spans.append((a, b) if at is None else (at(a), at(b - 1) + 1))
        pos = max(b, a + 1)
    return [(a, b) for a, b in spans if not clock_time(text, a, b)]


def normalize_label(value: object) -> str:
    """A label as the library spells it: stripped and lower-cased (``"TPM "`` -> ``"tpm"``), an alias as the
    label it stands for (:data:`LABEL_ALIASES`: ``"Unsure"`` -> ``"hybrid"``); a missing one (None, NaN) as ``""``,
    no label.

    Examples
    --------
    >>> [normalize_label(v) for v in ("TPM ", "Unsure", None, float("nan"), "nan")]
    ['tpm', 'hybrid', '', '', 'nan']
    """
    if value is None or (isinstance(value, float) and value != value):  # (what a table holds for a blank cell)
        return ""
    label = str(value).strip().lower()
    return LABEL_ALIASES.get(label, label)


#: How many unknown labels an error names: enough for every misspelling of an export's few labels.
_SHOWN = 10


def check_labels(values: object, allowed: tuple[str, ...] = tuple(LABELS), *, titles: bool = True) -> list[str]:
    """Normalised labels, or a ``ValueError`` naming every value that is not a known label (``titles``: whether the
    caller can derive labels from titles, said to fix a missing one).

    Examples
    --------
    >>> check_labels(["TPM", " pm", "hybrid", "Unsure"])
    ['tpm', 'pm', 'hybrid', 'hybrid']
    >>> check_labels(["tpm", "manager", ""])
    Traceback (most recent call last):
    ...
    tpmclassify._errors.InvalidValueError: unknown labels ['', 'manager']; labels are: 'tpm', 'pm', 'hybrid', 'other' \
(1 row has no label: label it, drop it, or derive labels from job titles with title_column=...)
    """
    out = [normalize_label(v) for v in values]  # type: ignore[attr-defined]
    unknown = sorted({v for v in out if v not in allowed})
    if unknown:
        blank = out.count("")
        rows = f"{blank} row has" if blank == 1 else f"{blank} rows have"
        it = "it" if blank == 1 else "them"
        fix = (
            f"label {it}, drop {it}, or derive labels from job titles with {{opt:title_column=}}"
            if titles
            else f"label {it} or drop {it}"
        )
        hint = f" ({rows} no label: {fix})" if blank else ""
        shown = [v if len(v) <= 40 else v[:37] + "..." for v in unknown[:_SHOWN]]
        more = f" and {len(unknown) - _SHOWN} more" if len(unknown) > _SHOWN else ""
        if unknown != [""] and not any(v in allowed for v in out):
            more += " (none is a label: the wrong column?)"
        raise InvalidValueError(f"unknown labels {shown}{more}; labels are: {', '.join(map(repr, allowed))}{hint}")
    return out
