"""The parts of a posting, from its own headings: the job, and the employer's boilerplate around it.

A posting describes the job (duties, requirements, the team) and, around it, the employer's standard text: benefits
and pay, equal opportunity, legal notices, how to apply. Those say nothing about whether the job is a TPM's or a PM's,
and at software companies they are full of words that read as technical ("our engineering culture", "a learning
budget", "vision insurance"). :func:`sections` finds the parts from the posting's own heading lines (one table of
headings, :data:`HEADINGS`), keeping offsets; :func:`job_text` blanks the boilerplate ones, character for
character, so the features read the job and every span still indexes the posting as given.

The company's own description ("About us", mission) is kept: what a company does (construction, an agency, a cloud
platform) bears on which of the two roles it hires, and blanking it, measured on 2026-12-05, moved the TPM/PM figures
within noise while the in-scope filter kept fewer TPM postings (docs/evaluation.md). Postings whose line
breaks were lost have no heading lines: they are read whole.
"""

from __future__ import annotations

from typing import NamedTuple

from ._invisible import may_hold_format, without_format

__all__ = ["HEADINGS", "Section", "job_text", "sections"]

#: Heading (lower case, without its colon) -> the kind of part it opens: "job", or a kind of boilerplate. A part runs
#: to the next heading: a line in this table, or any short line that ends with a colon (a part of the job); a part of
#: boilerplate ends, too, at the first line past :data:`MAX_BOILERPLATE` characters.
HEADINGS: dict[str, str] = {
    **dict.fromkeys(
        (
            "responsibilities",
            "key responsibilities",
            "your responsibilities",
            "what you'll do",
            "what you will do",
            "what you'll be doing",
            "the role",
            "about the role",
            "your role",
            "the job",
            "about the job",
            "job description",
            "description",
            "requirements",
            "qualifications",
            "minimum qualifications",
            "basic qualifications",
            "preferred qualifications",
            "about you",
            "who you are",
            "what you bring",
            "what we're looking for",
            "skills",
            "experience",
            "nice to have",
            "bonus points",
            "the team",
            "about the team",
            "about us",
            "who we are",
            "our mission",
            "the opportunity",
            "in this role",
            "you will",
        ),
        "job",
    ),
    **dict.fromkeys(
        (
            "benefits",
            "our benefits",
            "benefits and perks",
            "perks and benefits",
            "perks & benefits",
            "benefits & perks",
            "perks",
            "what we offer",
            "we offer",
            "what we offer you",
            "what's in it for you",
            "whats in it for you",
            "compensation",
            "compensation and benefits",
            "compensation & benefits",
            "total rewards",
            "salary",
            "salary range",
            "pay",
            "pay range",
            "pay transparency",
            "base pay range",
            "why join us",
            "why work with us",
            "why you'll love working here",
            "the perks",
        ),
        "benefits and pay",
    ),
    **dict.fromkeys(
        (
            "equal opportunity",
            "equal opportunity employer",
            "equal employment opportunity",
            "eeo",
            "eeo statement",
            "diversity",
            "diversity & inclusion",
            "diversity and inclusion",
            "diversity, equity and inclusion",
            "diversity, equity & inclusion",
            "our commitment to diversity",
            "commitment to diversity",
            "accommodations",
            "reasonable accommodations",
            "accessibility",
        ),
        "equal opportunity",
    ),
    **dict.fromkeys(
        (
            "privacy notice",
            "privacy policy",
            "data privacy",
            "applicant privacy notice",
            "disclaimer",
            "legal",
            "note to recruiters",
            "recruitment agencies",
            "to all recruitment agencies",
            "e-verify",
        ),
        "legal",
    ),
    **dict.fromkeys(
        (
            "how to apply",
            "application process",
            "our hiring process",
            "interview process",
            "hiring process",
            "next steps",
            "additional information",
        ),
        "how to apply",
    ),
    **dict.fromkeys(
        (
            "location",
            "work location",
            "job type",
            "job types",
            "work schedule",
            "working hours",
            "contract type",
            "employment type",
        ),
        "terms",
    ),
}

#: The longest a part of boilerplate runs without a heading: past it, the next line is read as the job again.
MAX_BOILERPLATE = 1500
_BULLETS = "-*•·–—>+0123456789"
_STRIP = " \t#*•·-–—>:：.!"


class Section(NamedTuple):
    """A part of a posting: characters ``start:end``, the heading that opened it, and its kind (``"job"`` for all
    but boilerplate)."""

    start: int
    end: int
    kind: str
    heading: str


def _heading(line: str) -> str | None:
    """The heading a line is (lower case, without marks and colon), or None: a short line (never a bullet) that is
    in :data:`HEADINGS` or ends with a colon, read as a reader sees it (no soft hyphen or byte-order mark)."""
    s = line.strip()  # (a heading may be padded with spaces, as in HTML exports)
    if len(s) <= 200 and ("&" in s or not s.isascii() and may_hold_format(s)):  # ("Bene\u00adfits", "Bene&shy;fits")
        s = without_format(s).strip()
    if not s or len(s) > 60 or s[0] in _BULLETS:
        return None
    key = s.strip(_STRIP).lower().replace("\u2019", "'")
    return key if s[-1] in ":：" or key in HEADINGS else None


def sections(text: str) -> list[Section]:
    """The posting's parts, from its heading lines (see :data:`HEADINGS`), in order, covering it.

    Examples
    --------
    >>> text = "Responsibilities:\\nLead the launch.\\nBenefits\\n- Dental and vision\\nRequirements:\\nSQL."
    >>> [(s.kind, text[s.start:s.end].split()[0]) for s in sections(text)]
    [('job', 'Responsibilities:'), ('benefits and pay', 'Benefits'), ('job', 'Requirements:')]
    """
    out: list[Section] = []
    kind, heading, start, pos = "job", "", 0, 0
    if "\n" in text:
        for line in text.splitlines(keepends=True):
            h = _heading(line)
            if kind != "job" and h is None and pos - start >= MAX_BOILERPLATE:
                h = ""  # boilerplate this long has run into the job without a heading
            if h is not None:
                new = HEADINGS.get(h, "job")
                if new != kind:
                    if pos > start:
                        out.append(Section(start, pos, kind, heading))
                    kind, heading, start = new, h, pos
            pos += len(line)
    out.append(Section(start, len(text), kind, heading))
    return out


def job_text(text: str) -> str:
    """``text`` with its boilerplate sections blanked (every character becomes a space): the same length, so
    offsets into it are offsets into ``text``.

    Examples
    --------
    >>> job_text("Own the roadmap.\\nPerks:\\nA learning budget")
    'Own the roadmap.\\n                        '
    """
    if "\n" not in text:
        return text
    parts = sections(text)
    if len(parts) == 1 and parts[0].kind == "job":
        return text
    return "".join(text[s.start : s.end] if s.kind == "job" else " " * (s.end - s.start) for s in parts)
