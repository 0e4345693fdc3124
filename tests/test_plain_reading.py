"""The fast reader is held to its specification, the plain reading (``tests/plain_reading.py``).

Same features (every entry, to the last bit), same character spans behind each, same quoted words: on the fixture
postings, on every shared posting when ``../shared`` is there, and on generated postings made of what the fast path
handles apart (tags holding spaces, entities, odd spaces, cased Unicode, format characters inside words, long tokens,
cue words and headings).
"""

from __future__ import annotations

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from plain_reading import PlainReading, _ngram_stem, nonzero

import tpmclassify
from tpmclassify import Cue
from tpmclassify._features import FeatureSpace
from tpmclassify._language import LANGUAGE_WORDS
from tpmclassify._text import light_stem
from tpmclassify._words import stems_of_tokens, tokens_of

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
        plain = PLAIN.matches(text)
        assert SPACE.matches(text) == plain, text
        columns = set(X.indices[X.indptr[i] : X.indptr[i + 1]].tolist())
        assert SPACE.quotes(found, i, columns) == PLAIN.quotes(text), text
        assert set(plain) == columns, text  # every feature has its words, and no words lack a feature


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


def _inflected(phrase: str, mask: int) -> str:
    """``phrase`` with each word whose bit is set in ``mask`` in its plural form, where it has one ("directors",
    "dependencies"; "to" stays "to")."""
    out = []
    for i, w in enumerate(phrase.split()):
        plural = w[:-1] + "ies" if w.endswith("y") else w + "s"
        out.append(plural if mask >> i & 1 and tokens_of(plural) == [plural] and light_stem(plural) == w else w)
    return " ".join(out)


# every phrase of three words or more (the context rows hold hundreds, written as their parts), each word in either
# form: a phrase's words match in any of their forms, all together (shared nodes, not a product of forms)
LONG_PHRASES = [(c.name, p) for c in SPACE.cues for p in c.phrases if len(tokens_of(p)) >= 3]


def test_every_long_phrase_reads_in_any_form_of_its_words():
    texts = [f"We {_inflected(p, mask)} daily." for i, (_, p) in enumerate(LONG_PHRASES) for mask in (0, i + 1, -1)]
    assert len(LONG_PHRASES) > 500
    assert sum(t != u for t, u in zip(texts[::3], texts[2::3], strict=True)) > 500  # most have a plural form
    assert_same_reading(texts)
    # each phrase of the two long context rows, in each form, is read as its own row (no longer phrase takes it)
    for i, (name, _) in enumerate(LONG_PHRASES):
        if name in ("reports to a director", "negated or contrasted technical"):
            for text in texts[3 * i : 3 * i + 3]:
                assert f"cue:context:{name}" in {SPACE.names[j] for j in SPACE.matches(text)}, text


@pytest.mark.shared
@pytest.mark.parametrize("part", range(4))
def test_every_shared_posting_reads_the_same(shared_postings, part):
    """Every shared posting, in four parts that the suite's processes share (one test of them all took 40 s of one
    process, the longest of the suite)."""
    assert_same_reading(shared_postings["description"].tolist()[part::4])


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
FORMAT = ["\u00ad", "\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\U000e0041"]  # inside words
PUNCTUATION = [",", ".", ";", ":", "/", "-", "&", "+", "#", "(", ")", "•", "c++", "c#", "_", "'"]
HEADINGS = ["Benefits:", "About us", "What you'll do", "Requirements", "Equal Opportunity Employer", "How to apply"]

words = st.one_of(
    st.sampled_from(CUE_WORDS),
    st.sampled_from(GRAM_WORDS),
    st.sampled_from(CUE_WORDS).map(str.upper),
    st.sampled_from(GRAM_WORDS).map(str.title),
    st.sampled_from(CUE_WORDS).map(lambda w: w + "s"),
)
words_with_format = st.tuples(words, st.sampled_from(FORMAT), st.integers(0, 12)).map(
    lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
)
pieces = st.one_of(
    words,
    words,
    words,
    words_with_format,
    st.sampled_from(TAGS),
    st.sampled_from(ENTITIES),
    st.sampled_from(UNICODE),
    st.sampled_from(PUNCTUATION),
    st.sampled_from(HEADINGS),
    st.integers(1, 300).map(lambda n: "x" * n),  # long tokens, past what is remembered
    st.sampled_from(["5", "12", "500", "00", "10:59:00", "9.30", "6pm", "web3", "²", "٣"]),  # numbers, or not
    st.text(min_size=1, max_size=6),  # anything at all
)
postings_made_of_pieces = st.lists(st.tuples(pieces, st.sampled_from(SPACES + ["", "", ""])), max_size=60).map(
    lambda parts: "".join(p + s for p, s in parts)
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(postings_made_of_pieces, min_size=1, max_size=4))
def test_generated_postings_read_the_same(texts):
    assert_same_reading(texts)


# a salary line: "000+" is the vocabulary's first stem (id 0); a posting of no words, of one word, and in French
COUNTED = [
    "Compensation: $150,000+ base salary plus equity, for a Technical Program Manager who will own the roadmap.",
    "",
    "The",
    "Roadmap",
    "Nous cherchons un chef de projet pour la mise en place des outils et du suivi avec les équipes",
]


def test_word_counts_known_shares_and_language_shares_are_counted_as_the_plain_reading_counts(postings):
    """What the review rules read besides the features: the words n-grams are made of (outside context phrases),
    the share of them whose stem is in a vocabulary n-gram, and each language's share of the tokens, 0 for a
    posting without any (and no warning)."""
    texts = [*COUNTED, *postings["description"].tolist()]
    _, found = SPACE.read(texts)
    counts, known, shares = SPACE.word_counts(found), SPACE.known_share(found), SPACE.language_shares(found)
    stems = {w for gram in SPACE.vocabulary for w in gram.split(" ")}
    for i, text in enumerate(texts):
        tokens, _, matches, words = PLAIN.read(text)
        in_context = {k for j in PLAIN.context for a, b in matches.get(j, []) for k in range(a, b)}
        kept = [s for k, t in enumerate(tokens) if k not in in_context and (s := _ngram_stem(t))]
        assert counts[i] == words == len(kept), text
        assert known[i] == (sum(s in stems for s in kept) / len(kept) if kept else 0.0), text
        assert shares["tokens"][i] == len(tokens), text
        for name, small in LANGUAGE_WORDS.items():
            assert shares[name][i] == (sum(t in small for t in tokens) / len(tokens) if tokens else 0.0), (name, text)
    assert known[0] == 1.0 and shares["english"][2] == 1.0 and shares["foreign"][4] > 0.5  # (the cases above happen)


def test_a_phrase_two_cues_share_is_the_first_cue_s_in_any_cue_table():
    """The first cue given for a phrase wins it, in the table's first column too (a column of 0 is a value like any
    other): a custom table's first cue takes "roadmap" from the second, as the plain reading says."""
    cues = [Cue("roadmap", "scope", "tpm", ("roadmap",)), Cue("planning", "strategy", "tpm", ("roadmap", "planning"))]
    space = FeatureSpace(cues, ["roadmap", "plan"], np.ones(2))
    text = "Own the product roadmap and quarterly planning across teams."
    X = space.transform([text])
    assert X[0, 0] > 0 and X[0, 1] > 0  # each cue once: "roadmap" for the first, "planning" for the second
    assert np.array_equal(nonzero(X), nonzero(PlainReading(space).transform([text])))
    assert space.matches(text) == PlainReading(space).matches(text)


def test_a_number_in_a_cue_phrase_matches_any_number_in_any_cue_table():
    """Cues read every number (a word of ASCII digits) as any number, in a posting and in a phrase: "5 pm" in a custom
    table is the clock time "9:00 PM" or "500 PM", not "web3 pm" or a number in other digits, as the plain reading
    says."""
    cues = [Cue("evening", "strategy", "pm", ("5 pm",)), Cue("pm", "scope", "pm", ("pm",))]
    space = FeatureSpace(cues, ["pm"], np.ones(1))
    for text, times, names in [("From 9:00 AM to 9:00 PM, or 500 PM, our PM", 2, 1), ("Our web3 PM, and a ٣ PM", 0, 2)]:
        X = space.transform([text])
        assert X[0, 0] == pytest.approx(np.log1p(times)) and X[0, 1] == pytest.approx(np.log1p(names)), text
        assert np.array_equal(nonzero(X), nonzero(PlainReading(space).transform([text])))
        assert space.matches(text) == PlainReading(space).matches(text)


# a context phrase ("technical and non-technical"), cues and n-grams; the n-grams of its words (a small space)
BLOCKS = "You will work with technical and non-technical stakeholders on the technical roadmap of the program."
BLOCK_STEMS = set(stems_of_tokens(tokens_of(BLOCKS)))
BLOCK_GRAMS = [j for j, gram in enumerate(SPACE.vocabulary) if set(gram.split(" ")) <= BLOCK_STEMS]


@pytest.mark.parametrize("cue_scale", [0.0, 2.0])
def test_the_cue_block_scaled_or_switched_off_reads_as_the_plain_reading(cue_scale):
    """``cue_scale`` multiplies the cue block; at 0 no cue is a feature and no context phrase takes words from the
    n-grams. The features, and the words each is said to come from, are the plain reading's."""
    vocabulary = [SPACE.vocabulary[j] for j in BLOCK_GRAMS]
    space = FeatureSpace(SPACE.cues, vocabulary, SPACE.idf[BLOCK_GRAMS], cue_scale=cue_scale, reference_words=450.0)
    plain = PlainReading(space)
    X = space.transform([BLOCKS])
    assert np.array_equal(nonzero(X), nonzero(plain.transform([BLOCKS])))
    assert space.matches(BLOCKS) == plain.matches(BLOCKS)
    assert set(space.matches(BLOCKS)) == set(X.indices.tolist())
    assert (X.indices.min() >= len(space.cues)) == (cue_scale == 0)  # (no cue stored, not even as a 0)


@pytest.mark.parametrize("ngram_scale", [0.0, 2.0])
def test_the_ngram_block_scaled_or_switched_off_reads_as_the_plain_reading(ngram_scale):
    """``ngram_scale`` multiplies the n-gram block; at 0 the matrix has the cues alone (no n-gram stored as a 0), and
    no n-gram is said to come from the posting's words either (as it was before the evidence checked the scale)."""
    vocabulary = [SPACE.vocabulary[j] for j in BLOCK_GRAMS]
    space = FeatureSpace(SPACE.cues, vocabulary, SPACE.idf[BLOCK_GRAMS], ngram_scale=ngram_scale)
    plain = PlainReading(space)
    X = space.transform([BLOCKS])
    assert np.array_equal(nonzero(X), nonzero(plain.transform([BLOCKS])))
    assert space.matches(BLOCKS) == plain.matches(BLOCKS)
    assert set(space.matches(BLOCKS)) == set(X.indices.tolist())
    assert (X.indices.max() < len(space.cues)) == (ngram_scale == 0)
    grams = range(len(space.cues), space.n_features)  # what reasons would quote of them
    assert set(space.quotes(space.read([BLOCKS])[1], 0, grams)) == set(X.indices.tolist()) & set(grams)


def test_a_space_without_ngrams_or_without_cues_reads_the_other_block(postings):
    """A vocabulary can be empty (a ``min_df`` above every n-gram's count fits one), and a space can have no cues (the
    one that finds the n-grams' display forms): either reads the other block alone, as the plain reading does."""
    texts = postings["description"].tolist()[:3]
    for space in (
        FeatureSpace(SPACE.cues, [], np.ones(0), reference_words=SPACE.reference_words),
        FeatureSpace((), [SPACE.vocabulary[j] for j in BLOCK_GRAMS], SPACE.idf[BLOCK_GRAMS]),
    ):
        X = space.transform(texts)
        assert X.shape == (3, space.n_features) and X.nnz > 0
        assert np.array_equal(nonzero(X), nonzero(PlainReading(space).transform(texts)))
