"""What a company says of its own technology is not the role's technical depth.

At a software company every posting opens with what the company builds ("Acme builds cloud infrastructure for
millions of developers"), whatever the job. The article's technical depth is what the role does with technology, not
working at a technology company: so :func:`job_reading`, what the model reads of a posting, is its job text
(:func:`~tpmclassify._sections.job_text`: boilerplate blanked) with the words of the technical-depth cues
(``tpmclassify.CUES``, axis ``technical``, role ``tpm``: "infrastructure", "platform", "machine learning", ...)
blanked, character for character, in each sentence where the company speaks of itself: a sentence that says "we",
"company", "mission" or "founded" (not "company-wide", "mission-critical"), or begins with "Our" (a duty says "the
roadmap of our platform"), and speaks neither to the reader ("you", "your"), nor of the job ("role", "position",
"responsibilities", "experience", "will", ...), nor of the team the hire joins ("team"). The rest of such a sentence
is read (what a company does, construction or software, still bears on which role it hires), and every span still
indexes the posting as given.

Measured with ``python scripts/intro_check.py`` (another company's introduction put before a posting, out of
source): before this reading an introduction moved PM postings' log-odds by +0.88 towards TPM on average and turned
4.0% of them to TPM (the keyword model: +0.42, 3.8%); with it, +0.59 and 2.9%. It costs about 0.15 ms a posting of
3,000 characters (docs/evaluation.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from ._cues import CUES
from ._invisible import as_seen, format_cuts
from ._roles import TPM
from ._sections import job_text
from ._text import in_words, light_stem, lower, past_fill

__all__ = ["job_reading", "speaks_as_company"]

#: The words of the technical-depth cues, as written in a posting: a phrase's words apart by blanks or a hyphen, its
#: last word singular or plural (the cues match plurals stripped: "developers" is read in "developer" too).
_PHRASES = {p for c in CUES if c.axis == "technical" and c.role == TPM for p in c.phrases}
_FORMS = _PHRASES | {" ".join([*p.split()[:-1], light_stem(p.split()[-1])]) for p in _PHRASES if p.strip()}
#: A sentence in the company's voice says one of these words...
_COMPANY_WORDS = ("we", "our", "company", "mission", "founded", "headquartered")
#: ... and none of these: the reader, the job, the team the hire joins (``responsib`` and ``qualif`` begin words).
_JOB_WORDS = (
    "you", "your", "role", "position", "candidate", "candidates", "looking", "seeking", "hiring", "responsib",
    "requirement", "requirements", "qualif", "experience", "manager", "managers", "manage", "will", "team", "teams",
)  # fmt: skip


def _trie(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words`` (lower case; a space: blanks or a hyphen), longest first, with
    their common beginnings shared: scanned many times faster than an alternation of the words."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [
            (r"[\s-]+" if ch == " " else re.escape(ch)) + pattern(rest) for ch, rest in sorted(node.items()) if ch
        ]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)


# Each is matched in lower case, and begins with the words themselves (the word boundary before them is checked
# apart), so that the scan can skip to where one could begin.
_TECHNICAL = re.compile(f"(?:{_trie(_FORMS)})s?(?![\\w+#])")
_COMPANY = re.compile(f"(?:{_trie(_COMPANY_WORDS)})(?!\\w)")
_JOB = re.compile(f"(?:{_trie(_JOB_WORDS)})")


def _starts_word(s: str, i: int) -> bool:
    return i == 0 or not (s[i - 1].isalnum() or s[i - 1] in "_+#")


def _ends(s: str, i: int) -> bool:
    """Whether the character at ``i`` ends a sentence: a line break, or a stop followed by a blank (or the end) that
    does not follow a lone letter ("U.S.", "e.g.")."""
    if s[i] == "\n":
        return True
    if i + 1 < len(s) and not s[i + 1].isspace():
        return False
    return not (i >= 1 and s[i - 1].isalpha() and _starts_word(s, i - 1))


def _sentence(s: str, i: int) -> tuple[int, int]:
    """The sentence of ``s`` the character at ``i`` is in: from after the end before it to its own end, inclusive
    (the end of ``s`` if it has none)."""
    start = i
    while True:
        start = max(s.rfind(".", 0, start), s.rfind("!", 0, start), s.rfind("?", 0, start), s.rfind("\n", 0, start))
        if start < 0 or _ends(s, start):
            break
    end = i
    while True:
        found = [k for k in (s.find(".", end), s.find("!", end), s.find("?", end), s.find("\n", end)) if k >= 0]
        if not found:
            return start + 1, len(s)
        end = min(found)
        if _ends(s, end):
            return start + 1, end + 1
        end += 1


def _says_company(low: str, start: int, end: int) -> bool:
    """Whether the sentence ``low[start:end]`` (lower case) says one of the company's words: "our" only as its first
    word (a duty says "the roadmap of our platform"), none joined by a hyphen ("company-wide", "mission-critical")."""
    for m in _COMPANY.finditer(low, start, end):
        if not _starts_word(low, m.start()) or low.startswith("-", m.end()):
            continue
        if m.group() != "our" or not any(c.isalnum() for c in low[start : m.start()]):
            return True
    return False


def speaks_as_company(sentence: str) -> bool:
    """Whether ``sentence`` is the company speaking of itself (see the module's docstring).

    Examples
    --------
    >>> speaks_as_company("Our platform powers payments for millions of developers.")
    True
    >>> speaks_as_company("You will own our platform's roadmap.")
    False
    >>> speaks_as_company("Our team builds the infrastructure behind search.")
    False
    """
    low = lower(sentence)
    return _says_company(low, 0, len(low)) and not _has_job(low, 0, len(low))


def _has_job(low: str, start: int, end: int) -> bool:
    for m in _JOB.finditer(low, start, end):
        whole = m.group() in ("responsib", "qualif") or m.end() == len(low) or not low[m.end()].isalnum()
        if whole and _starts_word(low, m.start()):
            return True
    return False


def job_reading(text: str) -> str:
    """What the model reads of ``text``: its job text with the technical-depth cues' words blanked where the company
    speaks of itself (see the module's docstring). The same length, so offsets into it are offsets into ``text``.

    Examples
    --------
    >>> job_reading("We build cloud infrastructure for developers. You will own the platform roadmap.")
    'We build                      for           . You will own the platform roadmap.'
    """
    job = job_text(text)
    # read as the reading reads it (as masking does): entities that write a word's letters decoded where they stand,
    # format characters (soft hyphens, joiners) passed over, lower case one for one
    seen = in_words(job)
    cuts = format_cuts(seen)
    view, at = as_seen(seen, cuts) if cuts else (seen, None)
    spans = _company_technical(lower(view))
    if at is not None:
        spans = [(at(a), at(b - 1) + 1) for a, b in spans]
    out: list[str] = []
    done = 0
    for a, b in spans:
        b = past_fill(seen, b)  # to the end of an entity that ends the word
        out += (job[done:a], " " * (b - a))
        done = b
    return "".join(out) + job[done:] if out else job


def _company_technical(low: str) -> list[tuple[int, int]]:
    """The spans of the technical-depth cues' words in the sentences of ``low`` (lower case) where the company speaks
    of itself."""
    spans: list[tuple[int, int]] = []
    done = end = 0
    for m in _COMPANY.finditer(low):  # (in order: a word before ``end`` is in the sentence just judged)
        if m.start() < end:
            continue
        start, end = _sentence(low, m.start())
        if not _says_company(low, start, end) or _has_job(low, start, end):
            continue
        for t in _TECHNICAL.finditer(low, max(start, done), end):
            if _starts_word(low, t.start()):
                spans.append(t.span())
                done = t.end()
    return spans
