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
    fast path found no feature the posting's own words do not have, and missed none of the cues."""
    p = bundled.classify(text)
    for explanation in (p.explanation, p.scope_explanation):
        assert explanation.terms, text
        for term in explanation.terms:
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
