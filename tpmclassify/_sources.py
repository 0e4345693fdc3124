"""The sources of labeled postings (companies, job boards, data sets): one reading of a source's name, wherever
sources are given (a column named to ``train`` or ``evaluate``, values, or ``TPMClassifier.fit``'s ``groups``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from ._predicting import missing

__all__ = ["FEW_SOURCES", "MIN_SOURCES", "few_sources", "source_name", "source_names"]

#: A source written as a name and a detail, ``name:detail`` (as the project's shared postings write theirs,
#: ``owner/repo:path``): the name is the source, cut at its first colon (a URL's scheme is not a name, so a URL is
#: cut at its port: ``https://jobs.example``). Cutting too much merges sources (figures that leave more out, the
#: safe side); cutting too little splits one company's files, which leak across folds.
_NAMED = re.compile(r"\s*((?:[A-Za-z][\w+.-]*://)?[^:]*)")
#: A Windows drive ("C:\exports\x.csv", "C:/exports/x.csv"): a path, not a name and a detail; kept whole.
_DRIVE = re.compile(r"\s*[A-Za-z]:[\\/]")

#: Sources are used from this many on: fewer leave nothing to hold out, nor to judge a wording common by.
MIN_SOURCES = 3


def source_name(value: str) -> str:
    """The source ``value`` names: ``name`` for ``name:detail`` (``owner/repo`` for ``owner/repo:path``), blanks
    around it aside; a Windows path whole.

    Examples
    --------
    >>> [source_name(v) for v in ("acme/jobs:a.csv", "acme/jobs", " x/y:z@3f2a", "Acme Corp:2023.csv", "Indeed: NYC")]
    ['acme/jobs', 'acme/jobs', 'x/y', 'Acme Corp', 'Indeed']
    >>> [source_name(v) for v in ("C:/exports/indeed.csv", "https://jobs.example:8001/feed", "https://a.example/x")]
    ['C:/exports/indeed.csv', 'https://jobs.example', 'https://a.example/x']
    >>> source_name(r"C:\\exports\\indeed.csv") == r"C:\\exports\\indeed.csv"
    True
    """
    if _DRIVE.match(value):
        return value.strip()
    found = _NAMED.match(value)  # (it matches every value: at worst, nothing before a colon)
    return found.group(1).strip() if found else value


def source_names(values: Iterable[object]) -> list[str]:
    """Each value's source (:func:`source_name`), as a Python string (a str column refuses a lone surrogate); a
    missing one (None, NaN, pd.NA) ``""``, a source of its own.

    Examples
    --------
    >>> source_names(["acme/jobs:a.csv", None, float("nan"), 7])
    ['acme/jobs', '', '', '7']
    """
    return ["" if missing(v) else source_name(str(v)) for v in values]


#: How :func:`few_sources` begins its second part (the evaluation's folds, which may each hold fewer, ignore it).
FEW_SOURCES = f"sources count from {MIN_SOURCES} on"


def few_sources(n: int) -> str:
    """What training on ``n`` sources (fewer than :data:`MIN_SOURCES`) gives up, to warn of.

    Examples
    --------
    >>> few_sources(2)[:62]
    'the postings come from 2 sources, and sources count from 3 on:'
    """
    return (
        f"the postings come from {n} source{'' if n == 1 else 's'}, and {FEW_SOURCES}: they are not used, so the "
        "wording of one source alone is not kept out of the vocabulary, each posting weighs the same, and the "
        "calibration's out-of-fold scores leave postings out rather than sources (optimistic when a source repeats "
        "its boilerplate); give the postings of 3 sources or more"
    )
