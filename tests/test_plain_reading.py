"""The fast reader is held to its specification, the plain reading (``tests/plain_reading.py``).

Same features (every entry, to the last bit), same character spans behind each, same quoted words: on the fixture
postings, on every shared posting when ``../shared`` is there, and on generated postings made of what the fast path
handles apart (tags holding spaces, entities, odd spaces, cased Unicode, long tokens, cue words and headings).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plain_reading import PlainReading, nonzero

import tpmclassify

MODEL = copy.deepcopy(tpmclassify.default_model())  # one copy read by every example: what it remembers must not matter
SPACE = MODEL.space_
PLAIN = PlainReading(SPACE)


def assert_same_reading(texts: list[str]) -> None:
    """The fast reader's features, spans and quotes of ``texts`` are the plain reading's."""
    X, found = SPACE.read(texts)
    expected = PLAIN.transform(texts)
    assert X.shape == expected.shape
    got, want = nonzero(X), nonzero(expected)
    assert got.shape == want.shape, texts
    assert np.array_equal(got, want), texts
    for i, text in enumerate(texts):
        assert SPACE.matches(text) == PLAIN.matches(text), text
        columns = set(X.indices[X.indptr[i] : X.indptr[i + 1]].tolist())
        assert SPACE.quotes(found, i, columns) == PLAIN.quotes(text), text
        assert set(PLAIN.matches(text)) == columns, text  # every feature has its words, and no words lack a feature


def test_the_fixture_postings_read_the_same(postings):
    texts = postings["description"].tolist()
    assert_same_reading(texts)
    assert_same_reading(texts[::-1])  # a second reading, with every word and piece remembered


@pytest.mark.parametrize("reference", [None, 60.0, 1000.0])
def test_cue_counts_at_any_reference_length_read_the_same(postings, reference):
    """The bundled model reads cue counts at 450 words; a space at another length (or none) reads as the plain
    reading does too, on postings cut to lengths whose factors fall between the bounds and on them."""
    fitted = tpmclassify.TPMClassifier(cv=2, min_df=1, min_groups=1, cue_reference_words=reference).fit(
        postings["description"].tolist(), postings["label"].tolist()
    )
    space, plain = fitted.space_, PlainReading(fitted.space_)
    texts = [t[:n] for t in postings["description"] for n in (60, 300, 1200, len(t))]
    X = space.transform(texts)
    assert np.array_equal(nonzero(X), nonzero(plain.transform(texts)))
    values = set(X[:, : len(space.cues)].data.round(9))  # read as written, log1p of a count; else many values
    assert values <= {round(float(np.log1p(k)), 9) for k in range(1, 100)} if reference is None else len(values) > 10


@pytest.mark.shared
def test_every_shared_posting_reads_the_same(shared_postings):
    assert_same_reading(shared_postings["description"].tolist())


def test_the_plain_reading_is_not_a_copy_of_the_fast_one(postings):
    """The specification sees what the fast path must: a context phrase takes its words out of the n-grams, the
    longest cue phrase wins, a stop word inside an n-gram is quoted."""
    text = "You will work with technical and non-technical stakeholders on the technical roadmap of the program."
    matches = PLAIN.matches(text)
    names = {SPACE.names[j] for j in matches}
    assert any(n.startswith("cue:context:") for n in names)
    assert SPACE.matches(text) == matches
    assert nonzero(SPACE.transform([text])).tolist() == nonzero(PLAIN.transform([text])).tolist()


# What the fast path reads apart from the regex on a whole posting: pieces between spaces looked up, tags (which may
# hold spaces) read whole, entities and case folded per piece, long pieces not remembered.
CUE_WORDS = sorted({w for cue in SPACE.cues for phrase in cue.phrases for w in phrase.split()})
GRAM_WORDS = sorted({w for gram in SPACE.display[len(SPACE.cues) :] for w in gram.split()})
TAGS = [
    "<b>",
    "</b>",
    "<p>",
    "</p>",
    "<br/>",
    "<a href='x y'>",
    "</a>",
    "<li>",
    "<!-- note -->",
    "<script>var s = 'program';</script>",
]
ENTITIES = ["&amp;", "&nbsp;", "&#10;", "&Sigma;", "&#x3a3;", "&lt;", "&gt;", "&Idot;", "&#8217;", "&bogus;", "&"]
SPACES = [" ", "  ", "\n", "\t", "\u00a0", "\u2028", "\u3000", "\x1c", "\x85", "\r\n"]
UNICODE = ["İ", "Σ", "ς", "σ", "ΟΔΟΣ", "İSTANBUL", "ß", "ﬁ", "Ǆ", "—", "“", "”", "’", "é", "Ω", "ΣYSTEMS", "K"]
PUNCTUATION = [",", ".", ";", ":", "/", "-", "&", "+", "#", "(", ")", "•", "c++", "c#", "_", "'"]
HEADINGS = ["Benefits:", "About us", "What you'll do", "Requirements", "Equal Opportunity Employer", "How to apply"]

words = st.one_of(
    st.sampled_from(CUE_WORDS),
    st.sampled_from(GRAM_WORDS),
    st.sampled_from(CUE_WORDS).map(str.upper),
    st.sampled_from(GRAM_WORDS).map(str.title),
    st.sampled_from(CUE_WORDS).map(lambda w: w + "s"),
)
pieces = st.one_of(
    words,
    words,
    words,
    st.sampled_from(TAGS),
    st.sampled_from(ENTITIES),
    st.sampled_from(UNICODE),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(HEADINGS),
    st.integers(1, 300).map(lambda n: "x" * n),  # long tokens, past what is remembered
    st.text(min_size=1, max_size=6),  # anything at all
)
postings_made_of_pieces = st.lists(st.tuples(pieces, st.sampled_from(SPACES + ["", "", ""])), max_size=60).map(
    lambda parts: "".join(p + s for p, s in parts)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(postings_made_of_pieces, min_size=1, max_size=4))
def test_generated_postings_read_the_same(texts):
    assert_same_reading(texts)
