"""A batch is matched together, by pieces between spaces, with remembered words: none of that may change an answer.

The features of a posting are found by a fast path (pieces of text looked up among those seen before, all postings
of a batch matched at once); the words behind each term are found by another (the tokenising regex on the one
posting). These tests hold the two to each other, and an answer to be the same whatever else is in its batch.
"""

import copy

import pytest

import tpmclassify

# postings with cue words among what the pieces path must normalise as the whole text would: tags holding spaces,
# entities, a capital sigma (lowered by its context), dotted capitals (lowered to two characters), odd spaces
TRICKY = [
    "<p>Lead the <b>technical program</b> &amp; roadmap across engineering teams.</p> ΟΔΟΣ İSTANBUL",
    "Own the project schedule,&nbsp;budget and vendors; PMP required. İSTANBUL office — “status reports”",
    "Drive the roadmap with ΣYSTEMS architects;&#10;manage dependencies\u00a0and risks across teams.",
    "<a href='x y'>Project Manager</a>: scope, schedule, budget\u2028and stakeholders; "
    "<script>var s = 'program';</script>",
    "Technical Program Manager &lt;TPM&gt; — system design, APIs, cross-functional delivery, İ Σ ς σ",
    "Project coordinator\u3000for construction: RFIs, submittals, change orders, site meetings &amp; punch lists.",
]


@pytest.mark.parametrize("text", TRICKY)
def test_every_term_points_at_the_words_behind_it(bundled, text):
    """Each term of both explanations has the spans of the words that produced it, found by the regex path: the
    fast path found no feature the posting's own words do not have."""
    p = bundled.classify(text)
    for explanation in (p.explanation, p.scope_explanation):
        assert explanation.terms, text
        for term in explanation.terms:
            if term.feature.startswith("baseline:"):  # the typical posting's part of an axis: no words
                continue
            assert term.spans, (text, term)
            assert all(0 <= a < b <= len(text) for a, b in term.spans)


def test_an_answer_does_not_depend_on_its_batch_or_on_what_was_read_before(bundled, postings):
    """Cold (a fresh copy of the model, nothing remembered), alone, in a batch, in another order: the same
    probabilities and reasons to the last bit."""
    texts = [*postings["description"].tolist(), *TRICKY]
    cold = copy.deepcopy(bundled)
    together = cold.classify_many(texts)
    alone = [copy.deepcopy(bundled).classify(t) for t in texts]
    backwards = bundled.classify_many(texts[::-1])[::-1]
    for a, b, c in zip(together, alone, backwards, strict=True):
        assert a.probabilities == b.probabilities == c.probabilities
        assert a.in_scope == b.in_scope == c.in_scope
        assert a.reasons == b.reasons == c.reasons


def test_a_model_sent_to_a_worker_answers_as_the_original_and_leaves_its_memory_behind(postings):
    """What a worker process receives (the pickled model) answers the same, and is no bigger for all the words the
    model has read (they are remembered per process, not sent)."""
    import pickle

    model = copy.deepcopy(tpmclassify.default_model())
    size = len(pickle.dumps(model))
    texts = [*postings["description"].tolist(), *TRICKY]
    warm = model.classify_many(texts)
    assert len(pickle.dumps(model)) == size
    again = pickle.loads(pickle.dumps(model)).classify_many(texts)
    assert [p.probabilities for p in again] == [p.probabilities for p in warm]
    assert [p.reasons for p in again] == [p.reasons for p in warm]


ADVERSARIAL = [
    "İ abc&Sigma;",  # a dotted capital and an entity-written final sigma in other pieces
    "&Idot; abc&#x3a3; ΟΔΟΣ, İSTANBUL",
    "a\u00a0b\u2028c\u3000d\x1ce\x85f",  # spaces str.split knows and the tokeniser treats as separators
    "c++ c# _x +y #z a_b __ ++ x+y",
    "•••  —— …",  # punctuation only
    "",
    "x" * 5000 + " roadmap",  # a very long token
    "R&amp;D&nbsp;program &lt;b&gt; <b>technical</b> program",
]


def test_the_fast_path_reads_the_same_words_as_the_tokeniser(bundled, postings):
    """The features of raw postings (read by pieces between spaces, remembered) are those of their tokens read by
    the tokenising regex on each whole posting: the same words, the same matrix."""
    from tpmclassify._words import tokens_of

    texts = [*ADVERSARIAL, *TRICKY, *postings["description"].tolist()]
    fast_model, plain_model = copy.deepcopy(bundled), copy.deepcopy(bundled)
    X, found = fast_model.space_.read(texts)
    Y, plain = plain_model.space_.read_tokens([tokens_of(t) for t in texts])
    for i, text in enumerate(texts):
        a, b = found.ptr[i], found.ptr[i + 1] - 1
        assert [found.words[k] for k in found.ids[a:b].tolist()] == tokens_of(text), text
    assert (X != Y).nnz == 0 and (X.indices == Y.indices).all()


def test_the_pieces_remembered_are_forgotten_with_the_words_they_name(bundled, postings, monkeypatch):
    """When the word numbering starts afresh (too many words), the pieces of text remembered with their words' ids
    go with it, however few pieces there are: an id kept past its word would read as another word."""
    from tpmclassify import _words

    texts = postings["description"].tolist()
    expected = copy.deepcopy(bundled).classify_many(texts)
    monkeypatch.setattr(_words, "_MAX_WORDS", 1)  # every batch starts the numbering afresh; pieces are not bounded
    forgetful = copy.deepcopy(bundled)
    got = [forgetful.classify_many([t])[0] for t in [*texts[1:], texts[0]]]
    assert [p.probabilities for p in [got[-1], *got[:-1]]] == [p.probabilities for p in expected]


@pytest.mark.parametrize("bound", ["_MAX_PIECES", "_MAX_PIECE_WORDS"])
def test_pieces_forgotten_alone_change_no_answer(bundled, postings, bound, monkeypatch):
    """The pieces held start afresh on their own (too many, or too many words in them: a posting with a tag is one
    piece) while the words keep their ids: no answer changes, whether a piece was met in this batch or before."""
    from tpmclassify import _words

    texts = [*TRICKY, *postings["description"].tolist()[:40], "<p>Own the <b>program</b> roadmap with engineers</p>"]
    expected = copy.deepcopy(bundled).classify_many(texts)
    monkeypatch.setattr(_words, bound, 1)
    forgetful = copy.deepcopy(bundled)
    got = [*forgetful.classify_many(texts[:5]), *(forgetful.classify_many([t])[0] for t in texts[5:])]
    assert [(p.probabilities, p.reasons) for p in got] == [(p.probabilities, p.reasons) for p in expected]


def test_what_the_pieces_hold_stays_bounded_by_their_words(bundled, postings, monkeypatch):
    """A posting with a tag is read whole, as one piece that is never looked up again: batch after batch of them,
    the words the pieces hold start afresh past ``_MAX_PIECE_WORDS``, so memory does not grow with the file (the
    words themselves are bounded apart)."""
    from tpmclassify import _words

    monkeypatch.setattr(_words, "_MAX_PIECE_WORDS", 1_000)
    words = copy.deepcopy(bundled).space_._words
    texts = postings["description"].tolist()
    held = []
    for k in range(12):
        encoded = words.encode_texts([f"<p>{t}</p><p>{k}</p>" for t in texts])
        held.append(words._pieces.size)
    bound = 1_000 + 2 * len(encoded.ids)  # past the bound, then one more batch
    assert 12 * held[0] > bound > max(held), held  # (held[0]: one batch's words, and the separator)


def test_forgetting_words_and_pieces_changes_no_answer(bundled, postings, monkeypatch):
    """With room for almost nothing (the word numbering starts afresh every batch, no piece is remembered), the
    answers are those of a model that remembers everything."""
    from tpmclassify import _words

    readable = [t for t in ADVERSARIAL if any(c.isalpha() for c in t)]
    texts = [*TRICKY, *readable, *postings["description"].tolist()]
    expected = copy.deepcopy(bundled).classify_many(texts)
    monkeypatch.setattr(_words, "_MAX_WORDS", 1)
    monkeypatch.setattr(_words, "_MAX_CHARS", 1)
    monkeypatch.setattr(_words, "_MAX_PIECES", 1)
    monkeypatch.setattr(_words, "_LONGEST_REMEMBERED", 3)
    forgetful = copy.deepcopy(bundled)
    first = forgetful.classify_many(texts[:7])  # its words are forgotten by the next batch, its quotes are not
    got = [*first, *(forgetful.classify_many([t])[0] for t in texts[7:])]
    assert [p.probabilities for p in got] == [p.probabilities for p in expected]
    assert [p.reasons for p in got] == [p.reasons for p in expected]


def test_trie_refuses_alternatives_that_overlap_anywhere_but_keeps_equal_ones():
    """Two words' alternatives at one place must be the same keys (in any order) or share none: an overlap is
    refused wherever it is, also when the later word's first key is new (5 of (5, 4)), and one word further."""
    import numpy as np

    from tpmclassify._phrases import Trie

    for phrases in ([([(3, 4)], 0), ([(5, 4)], 1)], [([1, (3, 4)], 0), ([1, (5, 4)], 1)]):
        with pytest.raises(ValueError, match="are in part another word's"):
            Trie(phrases)
    trie = Trie([([(3, 4)], 0), ([(4, 3), 1], 1), ([(5, 6)], 2)])
    walked = [(at.tolist(), v.tolist(), n) for at, v, n in trie.walk(np.array([4, 1, 6, 3, 0]))]
    assert walked == [([0, 2, 3], [0, 2, 0], 1), ([0], [1], 2)]


def test_a_long_batch_walks_the_trie_as_its_postings_one_by_one():
    """A batch with 4,096 or more places to look up takes the hash table, a posting the binary search: the same
    phrases, at the same places, either way."""
    import numpy as np

    from tpmclassify._phrases import Trie

    trie = Trie([([1, (2, 3)], 0), ([1], 1), ([2, 1, 2], 2), ([3, 3], 3)])
    one = np.array([1, 2, 1, 3, 3, 2, 1, 2, 9, 0])  # ends with a key in no phrase
    tiles = 1000
    expected = [
        (np.concatenate([at + k * len(one) for k in range(tiles)]), np.tile(value, tiles), n)
        for at, value, n in trie.walk(one)
    ]
    got = list(trie.walk(np.tile(one, tiles)))
    assert trie._hashed is not None  # (the batch's lookups went through the hash table)
    assert [n for *_, n in got] == [n for *_, n in expected] == [1, 2, 3]
    for (at, value, _), (at_expected, value_expected, _) in zip(got, expected, strict=True):
        assert at.tolist() == at_expected.tolist() and value.tolist() == value_expected.tolist()


def test_a_trie_pickled_without_its_padded_table_walks_as_one_made_now():
    """A model pickled by a version before the first words' padded table (``Trie._first_padded``) is sent to
    workers, or loaded from joblib, without it: its tries make it when unpickled (a review found the first walk
    failing with AttributeError). Negative keys (separators, numbers) and keys past every phrase find nothing."""
    import pickle

    import numpy as np

    from tpmclassify._phrases import Trie

    phrases = [([1, (2, 3)], 0), ([1], 1), ([2, 1, 2], 2), ([3, 3], 3)]
    old = Trie(phrases)
    del old._first_padded  # (as pickled before it)
    keys = np.array([1, 2, -2, 1, 3, 3, -3, 2, 1, 2, 99, 4, -1])
    walked = [(at.tolist(), value.tolist(), n) for at, value, n in pickle.loads(pickle.dumps(old)).walk(keys)]
    assert walked == [(at.tolist(), value.tolist(), n) for at, value, n in Trie(phrases).walk(keys)]
    assert walked == [([0, 3, 8], [1, 1, 1], 1), ([0, 3, 4, 8], [0, 0, 3, 0], 2), ([7], [2], 3)]


def test_a_cue_phrase_without_words_matches_nothing_and_leaves_the_others_read():
    """A phrase of a user's table with no word in it ("--") is never matched, even as its table's first phrase."""
    import numpy as np

    from tpmclassify._features import FeatureSpace

    space = FeatureSpace([tpmclassify.Cue("dash", "scope", "tpm", ("--", "roadmap"))], [], np.ones(0))
    assert space.transform(["Own the roadmap -- end to end."])[0, 0] > 0
    assert set(space.matches("Own the roadmap -- end to end.")) == {0}
