"""Whether a posting is in English: the model reads English, and what it says of another language is chance.

It read every French and Spanish posting of the shared data as PM or other, whatever the job, and a German TPM's too;
such a posting is left to review (``Prediction.unreadable``). A language is told by the small words every text in it
uses, as written: lower-case, so that a place name ("Los Angeles", "La Jolla", "Des Moines") or a company's
("SAP SE") is none; and a language of another script, or of many accented letters, by its letters.
"""

from __future__ import annotations

import unicodedata

from ._text import normalize, token_spans

__all__ = ["LANGUAGE_WORDS", "MAX_ENGLISH", "MIN_FOREIGN", "MIN_FOREIGN_WORDS", "MIN_TOKENS", "another_language"]

#: Words every posting in its language uses, as tokens (lower-cased), to tell whether a text is English (the model
#: reads English): English ones, and other languages' (French, Spanish, Portuguese, Italian, Catalan, German, Dutch,
#: the Scandinavian ones, Romanian, Polish, Czech, Turkish, Indonesian, Vietnamese, Hungarian, Finnish). The foreign
#: ones are no English word or common abbreviation: "a", "in", "on", "an", "as", "per", "com", "met", "av", "est",
#: "im", "er", "dem", "mit" and "ve" (of "we've") are left out, as are "is", "we" and "for" (English, though Dutch or
#: Danish too); "de" and "en" are in, though "de-risk" and "en route" are English: one word repeated is no language
#: (see :func:`another_language` for how they are counted, and what they give on the shared postings). German writes
#: "Sie" and "Wir" capitalised, and capitals are not counted: its articles, pronouns and small words are ("einen",
#: "unsere", "wie", "haben"; a German TPM posting of 60 words had only "und" besides), none of them found lower-case in
#: an English posting of the shared data; not "die" and "den", English words a chip maker's posting repeats ("die
#: attach", "known good die").
LANGUAGE_WORDS = {
    "english": (
        "the", "and", "to", "of", "for", "with", "you", "our", "we", "will", "is", "are", "your", "this", "that",
        "from", "have", "who",
    ),
    "foreign": (
        "la", "le", "les", "des", "et", "du", "une", "pour", "dans", "sur", "avec", "vous", "nous", "aux", "el",
        "los", "las", "y", "del", "para", "por", "una", "es", "que", "se", "su", "como", "con", "der", "das", "und",
        "für", "ist", "sie", "wir", "ein", "eine", "zu", "von", "auf", "bei", "werden", "sich", "sind", "oder",
        "nicht", "ich", "het", "een", "van", "voor", "zijn", "wij", "naar", "bij", "ook", "aan", "wordt", "worden",
        "onze", "jouw", "deze", "als", "je", "te", "de", "en", "dos", "em", "um", "uma", "einen",
        "eines", "einer", "wie", "haben", "unser", "unsere", "unserer", "unseren", "uns", "auch", "mehr", "nach",
        "durch", "über", "sowie", "zur", "zum", "ihr", "ihre", "bist", "dich", "deine",
        "não", "ao", "aos", "pela", "pelo", "você", "são", "também", "às", "di", "il", "che", "della", "nel", "gli",
        "delle", "alla", "sono", "nella", "og", "til", "af", "det", "som", "på", "för", "och", "att", "är", "și",
        "în", "pentru", "să", "sau", "się", "oraz", "przez", "jako", "że", "lub", "nebo", "jsou", "které", "při",
        "bir", "için", "ile", "olarak", "untuk", "dengan", "dalam", "kami", "anda", "atau", "sebagai", "và", "của",
        "các", "có", "được", "trong", "với", "là", "és", "hogy", "egy", "vagy", "sekä", "kanssa", "että",
    ),
}  # fmt: skip

#: Below this many tokens a text is too short to tell its language by (and too short for a TPM or PM answer).
MIN_TOKENS = 30
#: Another language's small words, as written (lower-case), are at least this share of its tokens ...
MIN_FOREIGN = 0.05
#: ... and at least this many different ones: one word repeated ("9am est", "de-risk") is no language.
MIN_FOREIGN_WORDS = 4
#: A text this short of English small words (a share of its tokens) with ``MIN_NON_ASCII`` of its tokens spelt with
#: letters outside ASCII is in another language too: Polish, Czech, Turkish or Vietnamese bullet lists, Russian.
MAX_ENGLISH = 0.05
MIN_NON_ASCII = 0.15

_ENGLISH = frozenset(LANGUAGE_WORDS["english"])
_FOREIGN = frozenset(LANGUAGE_WORDS["foreign"])


def another_language(text: str) -> bool:
    """Whether ``text`` (a posting's job text) is in another language than English, its tokens read as the model
    reads them (no tags, entities or scripts), accents composed.

    It is, with :data:`MIN_TOKENS` tokens or more, when its other languages' small words, as written (lower-case),
    are at least :data:`MIN_FOREIGN` of its tokens, more than twice as many as its English ones, and at least
    :data:`MIN_FOREIGN_WORDS` different ones; or when its English small words are under :data:`MAX_ENGLISH` of its
    tokens and at least :data:`MIN_NON_ASCII` of them have a letter outside ASCII. In the shared postings (their job
    text), an English one has at most 2.2% of those foreign words and 3 different ones, and at most 6% of tokens
    outside ASCII; a French or Spanish one at least 17.4% and 7, with at most 0.074 times as many English words; a
    bilingual French and English one is read for its English.

    Examples
    --------
    >>> another_language("Nous cherchons un chef de projet pour la mise en place des outils et du suivi avec les "
    ...                  "équipes de développement, le client et les partenaires, dans le respect des délais et du "
    ...                  "budget.")
    True
    >>> another_language("Wir suchen einen Technischen Programm-Manager. Sie koordinieren mehrere Teams, "
    ...                  "verantworten die Roadmap, steuern Abhängigkeiten zwischen den Teams und treiben die "
    ...                  "Architektur unserer verteilten Systeme voran. Sie kennen Cloud-Plattformen wie AWS und "
    ...                  "haben Erfahrung mit agilen Methoden.")
    True
    >>> another_language("Territory: Los Angeles, Las Vegas, El Paso, La Jolla. Manage installation schedules, "
    ...                  "crews, permits, budgets, vendor coordination, client walkthroughs, punch lists, closeout "
    ...                  "documents, weekly status reports, change orders, safety audits.")
    False
    """
    text = unicodedata.normalize("NFC", text)  # (accents composed: a letter, not a letter and a mark)
    tokens, starts, ends = token_spans(normalize(text))  # what a reader sees: no tags, entities or scripts
    n = len(tokens)
    if n < MIN_TOKENS:
        return False
    english = sum(t in _ENGLISH for t in tokens) / n
    # another language's small words as written, lower-case: "Los Angeles" or "SAP SE" is none
    foreign = [t for t, a, b in zip(tokens, starts, ends, strict=True) if t in _FOREIGN and text[a:b] == t]
    if len(foreign) / n >= MIN_FOREIGN and len(foreign) / n > 2 * english and len(set(foreign)) >= MIN_FOREIGN_WORDS:
        return True
    return english < MAX_ENGLISH and sum(not t.isascii() for t in tokens) / n >= MIN_NON_ASCII
