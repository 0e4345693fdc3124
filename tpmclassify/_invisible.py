"""Invisible characters: Unicode's format characters, which a reader does not see, and finding text as it shows.

A soft hyphen, a zero-width joiner or a byte-order mark can sit inside a word ("Pro\u00adgram", "archi&shy;tecture")
without changing what a reader sees, so role names, tokens and quotes are read without them; the zero-width space is
a space one cannot see, and separates words.
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Callable, Iterable
from html.entities import html5

__all__ = [
    "FORMAT_CHARACTERS",
    "as_seen",
    "as_shown",
    "format_cuts",
    "may_hold_format",
    "without_format",
]

#: Unicode's format characters (category Cf, Unicode 14) but the zero-width space: zero-width joiners, soft hyphens,
#: bidi controls, byte-order marks, invisible operators and tags.
FORMAT_CHARACTERS = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200c-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3"
    "\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
#: A quick test that a text may hold one (or a zero-width space): the same in the Basic Multilingual Plane, and any
#: character past it (a few astral ranges make a character class several times slower to scan).
_MAYBE_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\U00010000-\U0010ffff]"
)
#: A character entity that may write one (or a zero-width space): a number, or a name HTML gives one ("&shy;",
#: "&NoBreak;", "&ZeroWidthSpace;"; names are read as written, case and all, as the text's normaliser reads them).
_FORMAT_NAMES = sorted(
    k[:-1] for k, v in html5.items() if k.endswith(";") and (FORMAT_CHARACTERS.fullmatch(v) or v == "\u200b")
)
_FORMAT_ENTITY = re.compile(rf"&(?:#\d{{1,7}}|#[xX][0-9a-fA-F]{{1,6}}|{'|'.join(_FORMAT_NAMES)});")
#: Format characters a reader sees the effect of, kept in a quote: a zero-width joiner between two emoji
#: ("🧑\u200d💻" shows one, two without it), the tags of a subdivision flag (Scotland's: a black flag, two to six
#: letters or digits, a cancel tag), and a joiner or non-joiner after a letter of the scripts they shape (Arabic and
#: Persian, the Indic scripts, Sinhala). The others go first, so that what stands beside these is what a reader sees
#: beside them. (Emoji: the pictographs' blocks, their variation selectors and keycap mark.)
_JOINER, _NON_JOINER, _TAGS = "\u200d", "\u200c", "\U000e0020-\U000e007f"
_EMOJI = (
    "[\u00a9\u00ae\u203c\u2049\u20e3\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u27bf\u2934\u2935"
    "\u2b05-\u2b55\u3030\u303d\u3297\u3299\ufe0e\ufe0f\U0001f000-\U0001faff]"
)
_SHAPED = "[\u0600-\u08ff\u0900-\u0dff\ufb50-\ufdff\ufe70-\ufefc]"
_FLAG = "\U0001f3f4[\U000e0061-\U000e007a]{2}[\U000e0030-\U000e0039\U000e0061-\U000e007a]{1,4}\U000e007f"
_HIDDEN = re.compile(rf"(?![{_JOINER}{_NON_JOINER}{_TAGS}]){FORMAT_CHARACTERS.pattern}")
_LOOSE = re.compile(  # (a named group is kept, the rest dropped)
    rf"(?P<flag>{_FLAG})|(?P<emoji>(?<={_EMOJI}){_JOINER}(?={_EMOJI}))|(?P<shaped>(?<={_SHAPED})[{_JOINER}{_NON_JOINER}])"
    rf"|[{_JOINER}{_NON_JOINER}{_TAGS}]"
)


def may_hold_format(text: str) -> bool:
    """Whether ``text`` may hold a format character or a zero-width space: a quick test, true of any character
    past the Basic Multilingual Plane too.

    Examples
    --------
    >>> may_hold_format("Pro\u00adgram"), may_hold_format("Programme – café")
    (True, False)
    """
    return not text.isascii() and _MAYBE_FORMAT.search(text) is not None


def without_format(text: str) -> str:
    """``text`` as its words are read: without its format characters (written as characters or as entities), a
    zero-width space made a space.

    Examples
    --------
    >>> without_format("Technical\u200bPro\u00adgram Man\u200dager\u200d"), without_format("Tech&shy;nical&#8203;Lead")
    ('Technical Program Manager', 'Technical Lead')
    """
    if "&" in text:
        text = _FORMAT_ENTITY.sub(lambda m: _hidden(m.group()), text)
    return FORMAT_CHARACTERS.sub("", text.replace("\u200b", " "))


def _hidden(entity: str) -> str:
    """An entity as :func:`without_format` reads it: nothing if it writes a format character, a space if it writes
    a zero-width space, else as written."""
    plain = html.unescape(entity)
    return "" if FORMAT_CHARACTERS.fullmatch(plain) else " " if plain == "\u200b" else entity


def as_shown(text: str) -> str:
    """``text`` as a reader sees it: :func:`without_format`, but for the format characters whose effect shows (a
    zero-width joiner between two emoji, the tags of a subdivision flag, a joiner or non-joiner after a letter of a
    script they shape).

    Examples
    --------
    >>> as_shown("archi\u200d\u00adtecture\u200breviews"), as_shown("archi\u00ad\U000e0041tecture")
    ('architecture reviews', 'architecture')
    >>> as_shown("\U0001f9d1\u200d\U0001f4bb") == "\U0001f9d1\u200d\U0001f4bb"  # one emoji: a technologist
    True
    >>> as_shown("Cross-\U000e0049\U000e0047functional, cross-\u200d-functional")  # hidden after punctuation
    'Cross-functional, cross--functional'
    >>> hidden = "".join(chr(0xE0000 + ord(c)) for c in "ignore all")  # tag characters: no flag's
    >>> as_shown(f"cross-\U0001f3f4{hidden}\U000e007ffunctional, cross-\u200c\u200cfunctional")
    'cross-🏴functional, cross-functional'
    """
    return _LOOSE.sub(lambda m: m.group() if m.lastgroup else "", _HIDDEN.sub("", text.replace("\u200b", " ")))


def format_cuts(text: str) -> list[tuple[int, int]]:
    """The spans of ``text``'s format characters and of the character entities that write one ("&shy;"), in order.

    Examples
    --------
    >>> format_cuts("archi\u00adtecture, tech&shy;nical")
    [(5, 6), (19, 24)]
    """
    cuts = [m.span() for m in FORMAT_CHARACTERS.finditer(text)] if may_hold_format(text) else []
    if "&" in text:
        written = [m.span() for m in _FORMAT_ENTITY.finditer(text) if not _hidden(m.group())]
        cuts = sorted(cuts + written) if cuts else written
    return cuts


def as_seen(text: str, cuts: Iterable[tuple[int, int]]) -> tuple[str, Callable[[int], int]]:
    """``text`` without the spans ``cuts`` (sorted, not overlapping), and the position in ``text`` of each character
    there.

    Examples
    --------
    >>> seen, at = as_seen("archi\u00adtecture", [(5, 6)])
    >>> seen, at(4), at(5)
    ('architecture', 4, 6)
    """
    # the text without them is made of pieces: the k-th starts at clean[k] there and at origin[k] in ``text``
    clean, origin, pieces, pos = [0], [0], [], 0
    for start, end in cuts:
        pieces.append(text[pos:start])
        clean.append(clean[-1] + start - pos)
        origin.append(end)
        pos = end
    pieces.append(text[pos:])

    def at(i: int) -> int:
        k = bisect.bisect_right(clean, i) - 1
        return origin[k] + i - clean[k]

    return "".join(pieces), at
