"""Text normalisation, tokenisation and stemming.

Everything here keeps character offsets: :func:`normalize` returns a string of
the same length as its input, so a span found in the normalised text is a span
in the text the user passed in. Stemming uses nltk's Snowball stemmer, which
needs no downloaded corpus, and stems each distinct word once.
"""

from __future__ import annotations

import html
import re
from functools import cache
from typing import Any

from ._errors import PostingError, PostingTypeError
from ._invisible import FORMAT_CHARACTERS, as_seen, as_shown, format_cuts, may_hold_format
from ._markup import ENTITY, MAX_ATTRIBUTES, TAG
from ._roles import find_role_names, role_name_pattern

__all__ = [
    "MAX_CHARS",
    "check_text",
    "check_titled",
    "close_markup",
    "light_stem",
    "lower",
    "mask_role_names",
    "normalize",
    "readable",
    "show_bidi",
    "stem",
    "token_spans",
    "tokenize",
    "verbatim",
]

#: Texts longer than this many characters are refused (50 MB of text is not a posting).
MAX_CHARS = 5_000_000

# Markup is found by scanning forward once: an opening ``<script``/``<style``/``<!--`` is closed by the first
# closing tag after it (found with a forward search, never a lazy ``.*?`` that rescans the rest of the text from
# every opening), and one left unclosed runs to the end of the text. Linear in the length of the text.
_SCRIPT_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_SCRIPT_CLOSE = {name: re.compile(rf"</{name}\s*>", re.IGNORECASE) for name in ("script", "style")}
# A tag's attributes run to 20,000 characters here. The search stays linear: a tag that fails stops at the next "<"
# or ">", where the next search starts.
_TAG_OPEN = re.compile(r"<!--|" + TAG % MAX_ATTRIBUTES)
_ENTITY = re.compile(ENTITY)
#: What a token is made of (letters, digits, "_", "+", "#"; it starts with a letter or digit): one class, used by
#: the tokenizer and by :func:`verbatim` to find token boundaries.
_TOKEN_CHARS = r"\w+#"
_WORD = re.compile(rf"[^\W_][{_TOKEN_CHARS}]*")
#: A token with format characters inside it (soft hyphens, zero-width joiners, see ``_invisible``): invisible, a reader
#: sees one word where they stand ("archi\u00adtecture"), so the token is read without them. (A zero-width space is
#: not one: it separates tokens, as a space does.)
_WORD_WITH_FORMAT = re.compile(rf"[^\W_][{_TOKEN_CHARS}]*(?:{FORMAT_CHARACTERS.pattern}+[{_TOKEN_CHARS}]+)*")
_LETTER = re.compile(r"[^\W\d_]")
#: Characters an entity may stand for inside a word, and what fills the rest of the entity's length after one: a word
#: joiner, a format character that tokens read through (see :func:`tokenize`), where a space would split the word; a
#: token's span runs on over the fill after it (see :func:`token_spans`), to the end of the entity.
_WORD_CHARS = re.compile(rf"[{_TOKEN_CHARS}]+")
WORD_FILL = "\u2060"
#: A token as :func:`token_spans` spans it: with the fill of an entity that ends it.
_WORD_SPANNED = re.compile(_WORD_WITH_FORMAT.pattern + f"{WORD_FILL}*")

# Every role name of the one vocabulary (``_roles.ROLE_NAMES``), longest first, with seniority and plurals.
_ROLE_NAMES = re.compile(role_name_pattern(), re.IGNORECASE)


def check_text(text: object) -> str:
    """Return ``text`` if it is classifiable, else raise a clear error.

    Parameters
    ----------
    text : object
        What the caller passed as a posting.

    Returns
    -------
    str
        The same text.

    Raises
    ------
    TypeError
        If ``text`` is not a ``str`` (``bytes`` must be decoded first).
    ValueError
        If ``text`` is empty, whitespace-only, has no letters or digits, or is
        longer than :data:`MAX_CHARS`.

    Examples
    --------
    >>> check_text("Lead the migration program")
    'Lead the migration program'
    >>> check_text("   ")
    Traceback (most recent call last):
    ...
    tpmclassify._errors.PostingError: posting text is empty or whitespace-only
    """
    if isinstance(text, bytes | bytearray):
        raise PostingTypeError(
            "posting text must be str, got bytes: decode it first, e.g. data.decode('utf-8') (in a file: a binary "
            "column, to be stored as text)"
        )
    if not isinstance(text, str):
        many = hasattr(text, "__len__") and hasattr(text, "__iter__")  # a list, tuple or array (a file's list column)
        hint = ": several values, not one text (in a file: a list column), to be joined into one" if many else ""
        raise PostingTypeError(f"posting text must be str, got {type(text).__name__}{hint}")
    if not text or text.isspace():  # (not text.strip(): a copy of what may be megabytes)
        raise PostingError("posting text is empty or whitespace-only")
    if len(text) > MAX_CHARS:
        raise PostingError(f"posting text has {len(text):,} characters; the limit is {MAX_CHARS:,}")
    letter = _LETTER.search(text)
    if letter is not None and ("<" in text[: letter.start()] or "&" in text[: letter.start()]):
        letter = _LETTER.search(normalize(text))  # the first letter may be inside a tag or an entity
    if letter is None:
        raise PostingError("posting text has no words (only markup, numbers, punctuation or symbols)")
    return text


def check_titled(text: str, title: str) -> None:
    """Refuse a posting whose title makes it longer than :data:`MAX_CHARS`: it is read with its title after it.

    Raises
    ------
    PostingError
        If the text, a line break and the title have more than :data:`MAX_CHARS` characters together.

    Examples
    --------
    >>> check_titled("Lead the migration program", "Technical Program Manager")
    >>> check_titled("Lead the migration program", "x" * MAX_CHARS)
    Traceback (most recent call last):
    ...
    tpmclassify._errors.PostingError: posting text with its title has 5,000,027 characters; the limit is 5,000,000
    """
    title = title.strip()  # as it is read: a blank title is none
    n = len(text) + 1 + len(title)
    if title and n > MAX_CHARS:
        raise PostingError(f"posting text with its title has {n:,} characters; the limit is {MAX_CHARS:,}")


def _script_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``<script>…</script>`` and ``<style>…</style>`` blocks (an unclosed one runs to the end)."""
    spans, pos = [], 0
    while (m := _SCRIPT_OPEN.search(text, pos)) is not None:
        close = _SCRIPT_CLOSE[m.group(1).lower()].search(text, m.end())
        pos = len(text) if close is None else close.end()
        spans.append((m.start(), pos))
    return spans


def _tag_spans(text: str) -> list[tuple[int, int]]:
    """Spans of HTML comments (an unclosed ``<!--`` runs to the end) and tags."""
    spans, pos = [], 0
    while (m := _TAG_OPEN.search(text, pos)) is not None:
        if m.group() == "<!--":
            close = text.find("-->", m.start() + 2)  # "<!-->" and "<!--->" close at once, as browsers read them
            pos = len(text) if close < 0 else close + 3
        else:
            pos = m.end()
        spans.append((m.start(), pos))
    return spans


def close_markup(text: str) -> str:
    """``text`` read alone, whatever is read after it (a title), the same length: its markup as reading it alone
    finds it (tags, comments and scripts, a comment, script or style left open blanked to the end) blanked, and every
    ``<`` left (``<a href='/apply``, which a ``>`` in the title would close; "L5<L6") blanked too. Nothing in it can
    then open or close markup across the title, and its words are read as they are alone (a ``<`` is no part of a
    word, and the entities are left to the reading).

    Examples
    --------
    >>> text = "Lead the program.<!-- tracking pixel"
    >>> close_markup(text).rstrip(), len(close_markup(text)) == len(text)
    ('Lead the program.', True)
    >>> close_markup("Level: L5<L6 depending on experience")
    'Level: L5 L6 depending on experience'
    >>> close_markup("Lead the <b>program</b> &amp; its teams.")
    'Lead the    program     &amp; its teams.'
    """
    if "<" not in text:
        return text
    return _blank_markup(text).replace("<", " ")


def _blank_markup(text: str) -> str:
    """``text`` with its scripts and styles, then its comments and tags, blanked (what reading a posting leaves out of
    it: :func:`normalize`, :func:`close_markup`)."""
    text = _replace(text, _script_spans(text), blank=True)
    return _replace(text, _tag_spans(text), blank=True)


def _replace(text: str, spans: list[tuple[int, int]], blank: bool, with_: str = " ") -> str:
    """``text`` with each span replaced by blanks of its length (``blank``) or by ``with_``."""
    if not spans:
        return text
    parts, pos = [], 0
    for start, end in spans:
        parts += [text[pos:start], " " * (end - start) if blank else with_]
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def _unescape(match: re.Match[str]) -> str:
    raw = match.group()
    plain = html.unescape(raw)
    word = _as_word(raw, plain)
    if word is not None:
        return word
    if plain == raw or len(plain) > len(raw):
        return " " * len(raw)
    if FORMAT_CHARACTERS.fullmatch(plain):  # "&shy;" inside a word: it stays one word (see tokenize)
        return plain * len(raw)
    return plain + " " * (len(raw) - len(plain))


def _as_word(raw: str, plain: str) -> str | None:
    """An entity ``raw`` that stands for a word's own characters ``plain`` ("C&#43;&#43;", "r&eacute;sum&eacute;"),
    decoded and padded with a word joiner (not read), so that the word stays whole; None for any other entity."""
    if len(plain) < len(raw) and _WORD_CHARS.fullmatch(plain):
        return plain + WORD_FILL * (len(raw) - len(plain))
    return None


def in_words(text: str) -> str:
    """``text`` with each entity that stands for a word's own characters decoded where it stands, as normalising
    decodes it (the same length), and the rest as written: the text in which role names are found and quotes looked
    for, so that they see the words the reading reads.

    Examples
    --------
    >>> in_words("Progr&#97;m Manager &amp; R&amp;D").replace("\u2060", "~")
    'Progra~~~~m Manager &amp; R&amp;D'
    """
    if "&" not in text:
        return text
    return _ENTITY.sub(_in_word, text)


def past_fill(text: str, end: int) -> int:
    """Where a span of ``text`` (read by :func:`normalize` or :func:`in_words`) that ends at ``end`` ends once it runs
    on over the fill of an entity that ends it (see :data:`WORD_FILL`): to the end of the entity."""
    while end < len(text) and text[end] == WORD_FILL:
        end += 1
    return end


def _in_word(match: re.Match[str]) -> str:
    raw = match.group()
    return _as_word(raw, html.unescape(raw)) or raw


def lower(text: str) -> str:
    """Lower-case, one character for one character.

    'İ' (U+0130) is the one character that lowers to two ('i' and a combining dot): it becomes 'i' first, so that
    the rest lowers as ``str.lower`` does, a final capital sigma included. Each piece of a text between spaces then
    lowers as it does within the whole text (what reading postings piece by piece rests on).

    Examples
    --------
    >>> lower("İSTANBUL"), len("İ".lower())
    ('istanbul', 2)
    """
    low = text.replace("\u0130", "i").lower() if "\u0130" in text else text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower()[0] for c in text)  # a character a future Unicode lowers to two: one for one


def normalize(text: str) -> str:
    """Normalise a posting without moving any character.

    HTML tags, comments, scripts and entities become blanks (an entity keeps its
    character in its first position; one writing a format character, such as
    "&shy;", fills its place with it, so that a word stays one word) and letters
    are lower-cased. The result has
    exactly the length of the input, so offsets into it are offsets into
    ``text``. (Typographic quotes, dashes and bullets need no mapping: they are
    not word characters, so they separate tokens as their ASCII forms would.)

    Parameters
    ----------
    text : str
        Raw posting text, possibly with HTML.

    Returns
    -------
    str
        Normalised text of the same length.

    Examples
    --------
    >>> normalize("<p>R&amp;D Systems</p>")
    '   r&    d systems    '
    >>> len(normalize("<b>Bold</b>")) == len("<b>Bold</b>")
    True
    """
    if "<" in text:
        text = _blank_markup(text)
    if "&" in text:
        text = _ENTITY.sub(_unescape, text)
    return lower(text)


@cache
def _stemmer() -> Any:  # nltk has no type information
    from nltk.stem.snowball import SnowballStemmer  # imported on first use: nltk is slow to import

    return SnowballStemmer("english", ignore_stopwords=False)


def stem(word: str) -> str:
    """Stem one lower-case word with nltk's Snowball stemmer (the feature code caches it per distinct word).

    Examples
    --------
    >>> stem("architectures")
    'architectur'
    """
    if len(word) > 40 or not word.isascii():
        return word
    return _stemmer().stem(word)


def light_stem(token: str) -> str:
    """Strip a plural ending only: the form cue phrases are matched on.

    Snowball stems conflate words the cue table must keep apart ("experience" and
    "experiments", "program" and "programming", "excel" and "excellent"), so cue
    phrases are matched on tokens with only their plural removed and list their
    other forms explicitly.

    Examples
    --------
    >>> [light_stem(w) for w in ["dependencies", "apis", "programs", "programming", "status", "aws"]]
    ['dependency', 'api', 'program', 'programming', 'status', 'aws']
    """
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "sis")):
        return token[:-1]
    return token


def tokenize(text: str) -> list[str]:
    """Split normalised text into word tokens (``c++``, ``c#`` and ``ci`` stay whole; a format character inside a
    word is not read, a zero-width space separates words).

    Examples
    --------
    >>> tokenize(normalize("Own C++ and CI/CD pipelines."))
    ['own', 'c++', 'and', 'ci', 'cd', 'pipelines']
    >>> tokenize(normalize("Archi\u00adtecture re\u200bviews, tech&shy;nical"))
    ['architecture', 're', 'views', 'technical']
    """
    if text.isascii() or not may_hold_format(text):  # (the usual case, without a call)
        return _WORD.findall(text)
    return [FORMAT_CHARACTERS.sub("", t) for t in _WORD_WITH_FORMAT.findall(text)]


def token_spans(text: str) -> tuple[list[str], list[int], list[int]]:
    """The tokens of normalised ``text`` (as :func:`tokenize` reads them), where each starts and where it ends.

    Examples
    --------
    >>> token_spans("own c++ archi\u00adtecture\u00ad")
    (['own', 'c++', 'architecture'], [0, 4, 8], [3, 7, 21])
    """
    if not may_hold_format(text):
        found = list(_WORD.finditer(text))
        return [m.group() for m in found], [m.start() for m in found], [m.end() for m in found]
    found = list(_WORD_SPANNED.finditer(text))  # (an entity's fill after a token is spanned with it)
    tokens = [FORMAT_CHARACTERS.sub("", m.group()) for m in found]
    return tokens, [m.start() for m in found], [m.end() for m in found]


#: Control characters but the blanks (``str.split`` reads those): a reader sees none of them, a token ends at each.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def readable(raw: str) -> str:
    """A raw slice of a posting as a reader would see it: no tags, entities or format characters, single spaces.

    Examples
    --------
    >>> readable("engineers &amp;  <b>product</b>")
    'engineers & product'
    >>> readable("archi\u00adtecture\u200breviews")
    'architecture reviews'
    >>> readable("Engineering" + chr(0) + "teams" + chr(7))  # (a control character, NUL too, is seen as a blank)
    'Engineering teams'
    """
    if not raw.isprintable():  # (blanks and line ends too; control characters are read as blanks)
        raw = _CONTROL.sub(" ", raw)
    if "<" in raw:
        raw = _replace(raw, _tag_spans(raw), blank=False)
    if "&" in raw:  # the entities normalising reads (html.unescape alone would read "&micro" in "&microservices")
        raw = _ENTITY.sub(lambda m: html.unescape(m.group()), raw)
    if may_hold_format(raw):
        raw = as_shown(raw)
    return " ".join(raw.split())


def verbatim(
    text: str,
    words: str,
    lowered: str | None = None,
    skip: int = 0,
    cuts: list[tuple[int, int]] | None = None,
    normalized: str | None = None,
) -> str | None:
    """The posting's own characters for a run of its normalised tokens: the first place ``words`` (tokens
    separated by single spaces) occur in ``text`` as whole tokens, with whatever separates them there, as a reader
    sees it (:func:`readable`: an entity or a tag between them read as the page shows it).

    ``lowered`` is ``lower(text)`` when the caller has it; ``skip`` occurrences are passed over first (those the
    reading took as part of another phrase). In a text with format characters (or entities writing one: ``cuts``,
    their spans, when the caller has them), the words are looked for as a reader sees them, without those
    ("cross-func&shy;tional"). In a text with markup, a place counts only where a reader reads the words (not in a
    tag's attributes, a comment or a script; ``normalized``: :func:`normalize` of ``text``, when the caller has it).
    None when the words are not found as written (words spelt by entities): quote the tokens instead; None too
    for ``words`` that are not tokens separated by single spaces.

    Examples
    --------
    >>> verbatim("Partner Cross-Functionally with engineers", "cross functionally")
    'Cross-Functionally'
    >>> verbatim("A Technical&nbsp;Program&nbsp;Manager for <b>Engineering</b> Teams", "technical program manager")
    'Technical Program Manager'
    >>> verbatim("A Technical&nbsp;Program&nbsp;Manager for <b>Engineering</b> Teams", "engineering teams")
    'Engineering Teams'
    >>> verbatim("Own the roadmap", "road map") is None
    True
    >>> verbatim("Roadmaps, Roadmapping and the roadmap", "roadmap")  # (whole words only)
    'roadmap'
    >>> verbatim("Program" + " " * 10 + "Roadmap", "program roadmap"), verbatim("Program" + " " * 11 + "Roadmap",
    ...                                                                      "program roadmap")  # (gaps of 10 at most)
    ('Program Roadmap', None)
    >>> verbatim("Own the roadmap", "") is None, verbatim("Own the roadmap", "the  roadmap") is None  # (not words)
    (True, True)
    >>> verbatim("İstanbul office, Cross-Functional teams", "cross functional")  # 'İ' lowers to two characters
    'Cross-Functional'
    >>> verbatim("The Technical Program Manager leads technical reviews", "technical", skip=1)
    'technical'
    >>> verbatim("TECH\u00adNICAL reviews; technical roadmap", "technical")
    'TECHNICAL'
    >>> [verbatim("End to end to end. END TO END\u00ad", "end to end", skip=k) for k in range(3)]  # (they overlap)
    ['End to end', 'end to end', 'END TO END']
    >>> verbatim("Partner Cross-Func&shy;tion\u00adally", "cross functionally")
    'Cross-Functionally'
    >>> verbatim("<div data-tool='MS PROJECT'>Plans in ms project</div>", "ms project")
    'ms project'
    >>> verbatim("<p>Own the ROADMAP&#115;. Then the roadmap.</p>", "roadmap")  # (the first reads 'roadmaps')
    'roadmap'
    """
    low = lower(text) if lowered is None else lowered
    tokens = words.split(" ")
    if len(low) != len(text) or not all(tokens):  # (no words, or not words separated by single spaces)
        return None
    if cuts is None:  # (of the text as written: entity names are read case and all, as normalising reads them)
        cuts = format_cuts(text)
    if normalized is None and "<" in text:
        normalized = normalize(text)

    def read(a: int, b: int) -> bool:  # whether a reader reads the words there, whole (markup is not read)
        if normalized is None:
            return True
        return tokenize(normalized[a:b]) == tokens and not _TOKEN_CHAR.match(normalized, b)

    # as a reader sees the text (rare: in a text with format characters, the words are looked for without them),
    # every occurrence counted so; ``at``, where a character of what is read stands in ``low``
    seen, at = as_seen(low, cuts) if cuts else (low, None)
    start = 0
    while (found := _find_words(seen, tokens, start)) is not None:
        a, b = found
        where = (a, b) if at is None else (at(a), at(b - 1) + 1)
        if read(*where):
            if not skip:  # (quoted with an entity's fill after its last word, if it has one)
                return readable(text[where[0] : where[1] if at is None else past_fill(low, where[1])])
            skip -= 1
        start = a + 1
    return None


def _find_words(text: str, tokens: list[str], start: int) -> tuple[int, int] | None:
    """The first place at or after ``start`` (its start and end) where ``tokens`` occur in ``text`` as whole words,
    each separated from the next by a :data:`_GAP`.

    What a pattern of the words joined by gaps would find, without compiling one: the words are literals and a gap
    is possessive, so at each place the first word starts a word there is one way to match, tried word by word
    (compiling one for each run of words cost a batch's reasons about 10 µs a row, of some 130: its words are many,
    most quoted once). A place inside a word is passed over with the rest of that word, where no other can start, so
    a long word or a run of them costs one step, not one a character.

    Examples
    --------
    >>> _find_words("roadmaps; the road-map", ["road", "map"], 0)
    (14, 22)
    """
    first, rest = tokens[0], tokens[1:]  # (none empty: a token starts with a token character)
    while (a := text.find(first, start)) >= 0:
        if a and _TOKEN_CHAR.match(text, a - 1):  # inside a word: on past it
            found = _NOT_TOKEN_CHAR.search(text, a)
            start = found.start() if found else len(text)
            continue
        end = a + len(first)
        for token in rest:
            gap = _GAP.match(text, end)
            if gap is None or not text.startswith(token, gap.end()):
                break
            end = gap.end() + len(token)
        else:
            if not _TOKEN_CHAR.match(text, end):
                return a, end
        start = a + len(first)
    return None


#: A character that can be part of a token (see :func:`tokenize`): ``str.isalnum()``, ``_``, ``+`` or ``#``.
_TOKEN_CHAR = re.compile(rf"[{_TOKEN_CHARS}]")
_NOT_TOKEN_CHAR = re.compile(rf"[^{_TOKEN_CHARS}]")


#: What may separate two tokens of a quote: 1 to 10 characters that cannot be part of a token, HTML entities
#: (``&nbsp;``) or tags (``</b>``), as normalising reads them; atomic and possessive: no backtracking into a gap.
_GAP = re.compile(rf"(?>[^{_TOKEN_CHARS}<&]|{_ENTITY.pattern}|{TAG % 200}|[<&]){{1,10}}+")


def mask_role_names(text: str, mask: str | None = None) -> str:
    """Remove role names so that a model must rely on what the posting describes.

    Masks every role name of the one role-name vocabulary: "technical
    program manager/management", "technical/engineering project manager",
    "program(me) manager/management", "project manager/management",
    "project management professional", "TPM" and "PM" (with seniority
    prefixes and plurals), but for a clock time's "PM" ("9 AM - 5 PM").

    Parameters
    ----------
    text : str
        Posting text.
    mask : str, optional
        What replaces each role name; by default, as many blanks as it had
        characters, so offsets into the masked text are offsets into ``text``.

    Returns
    -------
    str
        The text with role names replaced.

    Examples
    --------
    >>> mask_role_names("As a Senior Technical Program Manager (TPM) you will...")
    'As a                                  (   ) you will...'
    >>> mask_role_names("5 years of program management or project management experience", mask="")
    '5 years of  or  experience'
    """
    for name, value in (("text", text), ("mask", "" if mask is None else mask)):
        if not isinstance(value, str):
            raise PostingTypeError(f"mask_role_names: {name} must be str, got {type(value).__name__}")
    # read as titles are (format characters ignored, see _roles), and words spelt with entities as the reading reads
    seen = in_words(text)
    spans = [(a, past_fill(seen, b)) for a, b in find_role_names(_ROLE_NAMES, seen)]
    return _replace(text, spans, blank=mask is None, with_="" if mask is None else mask)


#: Characters that reorder the text around them when displayed (embeddings, overrides, isolates and marks), shown
#: as their code point so that no title or posting displays other than it is (U+202E could make "MP" of "PM").
_BIDI = {c: f"[U+{c:04X}]" for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C)}


def show_bidi(text: str) -> str:
    """``text`` with every bidi control shown as its code point, so that a title reads as it is.

    Examples
    --------
    >>> show_bidi("Project \u202eManager")
    'Project [U+202E]Manager'
    """
    return text.translate(_BIDI)
