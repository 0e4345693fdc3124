"""The sources of labeled postings (companies, job boards, data sets): one reading of a source's name, wherever
sources are given (a column named to ``train`` or ``evaluate``, values, or ``TPMClassifier.fit``'s ``groups``)."""

from __future__ import annotations

import re

__all__ = ["FEW_SOURCES", "MIN_SOURCES", "few_sources", "source_name"]

#: A source written as a name and a detail, ``name:detail`` (as the project's shared postings write theirs,
#: ``owner/repo:path``): the name is the source. A colon before a blank or a slash is no such mark: a drive
#: ("C:\\exports", "C:/exports"), a URL ("https://...") or "Board: City" stays whole.
_NAMED = re.compile(r"([^\s:]+):(?![\s/\\])")

#: Sources are used from this many on: fewer leave nothing to hold out, nor to judge a wording common by.
MIN_SOURCES = 3


def source_name(value: str) -> str:
    """The source ``value`` names: ``name`` for ``name:detail`` (``owner/repo`` for ``owner/repo:path``), else
    ``value`` itself.

    Examples
    --------
    >>> [source_name(v) for v in ("acme/jobs:a.csv", "acme/jobs", "x/y:z@3f2a", "s0:file0.csv")]
    ['acme/jobs', 'acme/jobs', 'x/y', 's0']
    >>> [source_name(v) for v in ("C:/exports/indeed.csv", "LinkedIn: Seattle", "https://jobs.example:8001/feed")]
    ['C:/exports/indeed.csv', 'LinkedIn: Seattle', 'https://jobs.example:8001/feed']
    >>> source_name(r"C:\\exports\\indeed.csv") == r"C:\\exports\\indeed.csv"
    True
    """
    found = _NAMED.match(value)
    return value if found is None else found.group(1)


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
