"""Scoring at its edges: what mutation testing showed the suite did not hold (see benchmarks/MUTATION.md).

The TPM share's estimate under any assumed prior, the limits of a share, how axes are counted toward a side, when a
titled posting reads as another role, what "readable" means at one word in ten, and the choice of ``C`` against an
independent computation.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

import tpmclassify
from tpmclassify import TPMClassifier, estimate_prior

#: The fixture postings' sources (with sources, the scope head's out-of-fold scores leave whole ones out).
SOURCES = ["s0", "s1", "s2", "s3", "s0", "s1", "s2", "s3", "s0", "s1"]


def _at_prior(p: np.ndarray, old: float, new: float) -> np.ndarray:
    """Posteriors computed under a prior ``old``, as they are under ``new`` (Bayes: only the prior odds change)."""
    odds = p / (1 - p) * (new / (1 - new)) / (old / (1 - old))
    return odds / (1 + odds)


@pytest.mark.parametrize("assumed", [0.1, 0.2, 0.7])
def test_the_estimated_share_does_not_depend_on_the_prior_the_probabilities_assume(assumed):
    """The same postings scored under another prior give the same estimate (EM divides that prior out)."""
    rng = np.random.default_rng(1)
    y = rng.random(2000) < 0.3
    p = 1 / (1 + np.exp(-2 * rng.normal(np.where(y, 1.0, -1.0), 1.0)))  # exact posteriors under a 50% prior
    at_half = estimate_prior(p, prior=0.5)
    assert estimate_prior(_at_prior(p, 0.5, assumed), prior=assumed) == pytest.approx(at_half, abs=1e-4)


def test_certain_probabilities_still_give_a_share_inside_the_limits():
    """Probabilities of exactly 0 or 1 (clipped) cannot push the share to 0 or 1, where its log-odds are infinite
    and outweigh every posting's evidence: one more posting of each role is counted (21 of 22 TPM, not 1)."""
    assert estimate_prior([1.0] * 20, prior=0.5) == pytest.approx(21 / 22, abs=1e-5)
    assert estimate_prior([0.0] * 20, prior=0.3) == pytest.approx(1 / 22, abs=1e-5)
    assert estimate_prior([1.0] * 2000, prior=0.2) == pytest.approx(2001 / 2002, abs=1e-5)
    assert estimate_prior(np.zeros(2_000_000), prior=0.2) == 1e-6  # a share with_prior takes, not 1 / 2,000,002
    assert 0.0 < estimate_prior([0.0, 1.0] * 10, prior=0.5) < 1.0
    assert estimate_prior(np.array([0.9] * 20, dtype=np.float32), prior=0.5) > 0.5


@pytest.mark.parametrize(("n", "spread"), [(20_000, 0.001), (300, 0.05), (300, 2.0)])
def test_the_estimated_share_is_where_em_settles_even_on_probabilities_that_say_little(n, spread):
    """The estimate is EM's fixed point, counting one more posting of each role: the share whose re-weighted
    posteriors, with one more of each, average to it. On many probabilities that say next to nothing (each the
    assumed prior, give or take a thousandth in log-odds) EM moves by less than its tolerance a step, and stopped at
    0.32 where the fixed point is 0.51 (from a review)."""
    rng = np.random.default_rng(3)
    p = 1 / (1 + np.exp(-rng.normal(np.log(0.3 / 0.7), spread, n)))  # (about the prior, 0.3)
    share = estimate_prior(p, prior=0.3)
    odds = p / (1 - p) / (0.3 / 0.7) * share / (1 - share)
    assert share == pytest.approx((np.sum(odds / (1 + odds)) + 1) / (n + 2), abs=1e-9)


def test_the_solver_s_own_bounds_give_an_estimate_not_an_error():
    """``tol`` and ``max_iter`` bound the search: at 0 they gave scipy's errors (a review). A tolerance of 0 is the
    floats' own; too few steps give the last estimate; values out of range are refused in the library's words."""
    p = [0.9, 0.8, 0.2, 0.1, 0.1] * 4
    exact = estimate_prior(p, prior=0.5)
    assert estimate_prior(p, prior=0.5, tol=0) == pytest.approx(exact, abs=1e-12)
    for steps in (1, 5):
        assert 0.0 < estimate_prior(p, prior=0.5, max_iter=steps) < 1.0
    for bad in (
        {"tol": float("nan")},
        {"tol": -1},
        {"tol": 1},
        {"max_iter": 0},
        {"max_iter": 10**30},
        {"max_iter": None},
    ):
        with pytest.raises(tpmclassify.InvalidValueError, match="tol must be|max_iter must be"):
            estimate_prior(p, prior=0.5, **bad)


def test_twenty_postings_are_enough_and_nineteen_are_not():
    assert 0.0 < estimate_prior([0.8] * 20, prior=0.5) < 1.0
    with pytest.raises(tpmclassify.InvalidValueError, match="at least 20"):
        estimate_prior([0.8] * 19, prior=0.5)


def test_the_limits_of_a_share_are_themselves_shares(small_model):
    for share in (1e-6, 1 - 1e-6):
        assert small_model.with_prior(share).prior_ == share


def test_axes_count_toward_either_side_from_a_tenth_of_a_logit():
    from tpmclassify._titles import axes_toward

    by_axis = {"scope": -0.1, "technical": -2.0, "strategy": 0.1, "collaboration": 0.0999, "wording": -5.0}
    assert axes_toward(by_axis, "pm") == 2  # scope (exactly a tenth) and technical; wording is not an axis
    assert axes_toward(by_axis, "tpm") == 1  # strategy only; collaboration falls short
    assert axes_toward({"technical": -1.0}, "pm") == 1 and axes_toward({}, "pm") == axes_toward({}, "tpm") == 0
    assert axes_toward({"scope": -0.06, "technical": 0.06}, "pm") == 0  # a side's sign is +-1, not larger


def test_a_titled_posting_that_reads_as_another_role_is_flagged(postings):
    """With ``titled_scope_threshold``, the content of a TPM- or PM-titled posting that is not a TPM or PM job reads
    as "other" and contradicts its title; a plain Program Manager title claims no such job, so it is not flagged."""
    X, y = postings["description"].tolist(), postings["label"].tolist()
    model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1, titled_scope_threshold=0.5).fit(X, y, SOURCES)
    others = [x for x, label in zip(X, y, strict=True) if label == "other" and model.classify(x).label == "other"]
    assert others, "the fixture's other roles all read as TPM or PM"
    engineer = others[0]
    for title, flagged in (
        ("Technical Program Manager", True),
        ("Project Manager", True),
        ("Technical Project Manager", True),  # a hybrid title also claims a TPM or PM job
        ("Program Manager", False),
    ):
        p = model.classify(engineer, title=title)
        assert p.content is not None and p.content.label == "other", title
        assert p.title_mismatch is flagged, title
    pm = X[y.index("pm")]
    p = model.classify(pm, title="Project Manager")
    assert p.content is not None and p.content.label == "pm" and not p.title_mismatch


def test_without_titled_scope_threshold_a_title_settles_that_the_posting_is_in_scope(postings):
    X, y = postings["description"].tolist(), postings["label"].tolist()
    model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1).fit(X, y, SOURCES)
    others = [x for x, label in zip(X, y, strict=True) if label == "other" and model.classify(x).label == "other"]
    assert others, "the fixture's other roles all read as TPM or PM"
    other = others[0]
    p = model.classify(other, title="Project Manager")
    assert p.content is not None and p.content.label in ("tpm", "pm") and p.content.scope_threshold is None
    assert p.title_label == "pm"
    # the combined answer reads the title too: a title that names the role moves it
    assert p.probabilities != model.classify(other).probabilities


@pytest.mark.parametrize(
    ("text", "readable"),
    [
        ("architecture", True),  # one word, known: a tenth is not needed of one
        ("architecture " + "zqxv " * 9, True),  # one known word in ten: just readable
        ("architecture " + "zqxv " * 10, False),  # one in eleven: not
    ],
)
def test_one_known_word_in_ten_is_readable(bundled, text, readable):
    """A posting the model can read carries the evidence of its cues; one it cannot read carries none."""
    p = bundled.classify(text)
    assert (p.evidence > 0) is readable, p.evidence


def test_the_chosen_C_is_the_best_by_an_independent_computation():
    """choose_C against scikit-learn's LogisticRegression (the same objective when no weight is bounded) on noisy
    data, where the candidates' out-of-fold Brier scores are close: the one with the lowest is chosen."""
    from tpmclassify._heads import choose_C

    rng = np.random.default_rng(3)
    X = rng.normal(size=(120, 6))
    y = (X[:, 0] + 0.8 * X[:, 1] + rng.normal(scale=1.5, size=120) + 0.7 > 0).astype(float)
    w = rng.uniform(0.5, 1.5, size=120)
    groups = np.arange(120) % 6
    grid = (0.01, 0.1, 0.3, 1.0)
    folds = list(GroupKFold(n_splits=6).split(X, y, groups))

    def out_of_fold(C: float) -> np.ndarray:
        z = np.zeros(len(y))
        for train, test in folds:
            lr = LogisticRegression(C=C, tol=1e-10, max_iter=10000).fit(X[train], y[train], sample_weight=w[train])
            z[test] = lr.decision_function(X[test])
        return z

    def brier(C: float) -> float:
        return float(np.sum(w * (1 / (1 + np.exp(-out_of_fold(C))) - y) ** 2))

    scores = [brier(C) for C in grid]
    assert sorted(scores)[1] - min(scores) < 1.0  # close: a chooser that ignores small differences would fail
    best = grid[int(np.argmin(scores))]
    assert best not in (grid[0], grid[-1])
    chosen, oof = choose_C(X, y, w, groups, np.zeros(6), grid, 10)
    assert chosen == best
    np.testing.assert_allclose(oof, out_of_fold(best), atol=1e-4)  # the chosen C's out-of-fold log-odds
    assert choose_C(X, y, w, groups, np.zeros(6), (0.5,), 10)[0] == 0.5


def test_platt_minimises_its_stated_objective():
    """The Platt map against a derivative-free minimiser of what its docstring states: the weighted log-loss of
    ``a * z + b``, plus ``(a - 1)**2 / 2``. On scores too timid for what they know, the slope goes above 1; with
    few postings, the pull towards 1 shows."""
    from scipy.optimize import minimize

    from tpmclassify._heads import platt

    rng = np.random.default_rng(5)
    for n in (400, 6):
        truth = rng.normal(scale=2.0, size=n)
        y = (rng.uniform(size=n) < 1 / (1 + np.exp(-truth))).astype(float)
        z, w = truth / 2.5 - 0.3, rng.uniform(0.5, 1.5, size=n)

        def objective(t: np.ndarray, z: np.ndarray = z, y: np.ndarray = y, w: np.ndarray = w) -> float:
            m = -(2 * y - 1) * (t[0] * z + t[1])
            return float(np.sum(w * np.logaddexp(0.0, m)) + 0.5 * (t[0] - 1.0) ** 2)

        want = minimize(objective, np.array([1.0, 0.0]), method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12})
        np.testing.assert_allclose(platt(z, y, w), want.x, atol=1e-4)
        if n == 400:
            assert want.x[0] > 1.5
    # scores that point the wrong way: the map keeps the order, at its smallest slope, rather than reverse it
    a, _ = platt(np.array([-2.0, -1.0, 1.0, 2.0] * 25), np.array([1, 1, 0, 0] * 25), np.ones(100))
    assert a == pytest.approx(1e-3)


@pytest.fixture(scope="module")
def unfloored(bundled):
    """The bundled model without its floor on a posting's words, and measuring every text from a typical whole
    posting (as a model file before format 7 does): the flag tests below read sentences, which it would otherwise
    leave to review as too short (``test_answers``), and read as parts of whole postings, which lack what a typical
    posting has (the shipped model adds back what a sentence lacks for its length: ``test_model``)."""
    import copy

    from tpmclassify._lengths import Shortfall

    model = copy.copy(bundled)
    model.min_words_ = 0
    model.shortfall_ = Shortfall.none()
    return model


#: A short project manager's text that the bundled model reads as a PM's on exactly two of the four axes: scope, on
#: its own words, and technical depth, on what it lacks (each axis is measured from a typical, longer posting).
TWO_AXES = (
    "Run the project schedule, budget and deliverables, working cross-functionally with product managers, engineers "
    "and executives."
)
#: A short, technical text read as a PM's only by what it lacks: measured from a typical, longer posting, three
#: axes point to PM, but no word of its own does on any of them (its 'budget' is outweighed on its axis).
ABSENT = "Own the technical design reviews for our APIs. Manage the budget."


def test_the_bundled_floor_on_words_leaves_a_sentence_unflagged(bundled, unfloored):
    """TWO_AXES, a sentence, is flagged under a TPM title without the floor on words; with it (the bundled model as
    shipped), its masked content is too short to decide, also on the titled path, and nothing is flagged."""
    assert unfloored.classify(TWO_AXES, title="Technical Program Manager").title_mismatch
    p = bundled.classify(TWO_AXES, title="Technical Program Manager")
    assert p.content.short and p.content.unreadable and p.content.needs_review and not p.title_mismatch
    assert "has too little to decide" in str(p)


def test_a_mismatch_needs_two_axes_and_the_stated_confidence(unfloored):
    """Two axes agreeing are enough, one on the posting's own words; the confidence is a floor that the content's
    probability may equal."""
    import copy

    from tpmclassify._titles import axes_toward, evidenced_axes

    p = unfloored.classify(TWO_AXES, title="Technical Program Manager")
    content = p.content
    assert content is not None and content.label == "pm" and not content.unreadable
    assert axes_toward(content.explanation.by_axis, "pm") == evidenced_axes(content, "pm") == 2
    assert "scope" in content.explanation.cued_axes("pm") and "technical" not in content.explanation.cued_axes("pm")
    assert p.title_mismatch
    exact = copy.copy(unfloored).set_params(mismatch_confidence=content.probabilities["pm"])
    assert exact.classify(TWO_AXES, title="Technical Program Manager").title_mismatch
    above = copy.copy(unfloored).set_params(mismatch_confidence=min(1.0, content.probabilities["pm"] + 1e-9))
    assert not above.classify(TWO_AXES, title="Technical Program Manager").title_mismatch


def test_absence_of_evidence_is_no_axis_of_a_mismatch(unfloored):
    """A text read as a PM's only by what it lacks, however confidently, contradicts no TPM title: at least one of
    the axes must point that way through the posting's own words."""
    from tpmclassify._titles import axes_toward, evidenced_axes

    p = unfloored.classify(ABSENT, title="Technical Program Manager")
    c = p.content
    assert c is not None and c.label == "pm" and c.probabilities["pm"] > 0.9 and not c.needs_review
    assert axes_toward(c.explanation.by_axis, "pm") >= 2 and evidenced_axes(c, "pm") == 0
    assert not p.title_mismatch


def test_each_title_claim_has_its_own_confidence(unfloored, postings):
    """``mismatch_confidence`` as a dict: the floor for a Project Manager title read as TPM is its "pm" entry, for a
    plain Program Manager title its "program" entry, and the other way is left to "tpm"; one number holds for all."""
    import copy
    import math

    technical = postings["description"][0]  # a TPM's posting
    content = unfloored.classify(technical, title="Project Manager").content
    assert content is not None and content.label == "tpm" and not content.needs_review
    p = content.probabilities["tpm"]

    def flags(tpm: float, pm: float, program: float) -> list[bool]:
        model = copy.copy(unfloored).set_params(mismatch_confidence={"tpm": tpm, "pm": pm, "program": program})
        titles = ["Project Manager", "Program Manager, Platform", "Technical Program Manager"]
        return [a.title_mismatch for a in model.classify_many([technical, technical, TWO_AXES], titles)]

    above = math.nextafter(p, 2.0)
    assert flags(0.65, p, p) == [True, True, True]
    assert flags(0.65, above, p) == [False, True, True]
    assert flags(0.65, p, above) == [True, False, True]
    assert flags(1.0, p, p) == [True, True, False]
    one = copy.copy(unfloored).set_params(mismatch_confidence=0.65)
    assert one.mismatch_confidences == {"tpm": 0.65, "pm": 0.65, "program": 0.65}


def test_a_confidence_of_one_flags_no_title_even_at_probability_one(bundled, postings):
    """1 means never: a content read as TPM with probability exactly 1.0 (a posting repeated until the sigmoid rounds
    to 1) still flags no Project Manager title at 1, and does at anything less."""
    import copy

    text = " ".join([postings["description"][1]] * 400)  # cue counts read at most 5x sparser than they are
    strict = copy.copy(bundled).set_params(mismatch_confidence={"tpm": 0.65, "pm": 1.0, "program": 1.0})
    p = strict.classify(text, title="Project Manager")
    assert p.content is not None and p.content.probabilities["tpm"] == 1.0
    assert not p.title_mismatch
    assert not strict.classify(text, title="Program Manager").title_mismatch
    assert copy.copy(strict).set_params(mismatch_confidence=0.99).classify(text, title="Project Manager").title_mismatch


def test_mismatch_confidence_is_checked_at_fit_and_save(small_model, postings, tmp_path):
    """set_params checks nothing (scikit-learn's convention); fit and save do, so no file is written that load would
    refuse; numpy numbers are saved as plain ones, in the claims' order."""
    import copy

    from tpmclassify import InvalidValueError

    for bad in (
        {"tpm": 0.7},
        {"tpm": 0.7, "pm": 0.7, "program": 0.4},
        {"tpm": 0.7, "pm": 1.5, "program": 0.9},
        {"tpm": 0.7, "pm": 0.7, "program": True},
        {"tpm": 0.7, "pm": 0.7, "program": 10**400},  # (too large for a float)
    ):
        with pytest.raises(InvalidValueError, match=r"per title claim \('tpm', 'pm', 'program'\); got"):
            copy.copy(small_model).set_params(mismatch_confidence=bad).check_params()
    with pytest.raises(InvalidValueError, match="mismatch_confidence"):
        copy.copy(small_model).set_params(mismatch_confidence=0.3).check_params()
    with pytest.raises(InvalidValueError, match="mismatch_confidence"):
        tpmclassify.TPMClassifier(cv=2, min_df=1, min_groups=1, mismatch_confidence={"tpm": 0.7}).fit(
            postings["description"].tolist(), postings["label"].tolist()
        )
    with pytest.raises(InvalidValueError, match="mismatch_confidence"):
        tpmclassify.save(copy.copy(small_model).set_params(mismatch_confidence={"tpm": 0.7}), tmp_path / "bad.tpmc")
    assert not (tmp_path / "bad.tpmc").exists()
    given = {"program": np.float32(0.75), "pm": np.float64(1.0), "tpm": 0.7}
    tpmclassify.save(copy.copy(small_model).set_params(mismatch_confidence=given), tmp_path / "np.tpmc")
    loaded = tpmclassify.load(tmp_path / "np.tpmc").mismatch_confidence
    assert loaded == {"tpm": 0.7, "pm": 1.0, "program": 0.75} and list(loaded) == ["tpm", "pm", "program"]


def test_a_reading_too_close_to_call_flags_no_title(unfloored):
    """A content reading the model sends for review (inside ``review_band``) contradicts no title, however low the
    confidence asked for."""
    import copy

    content = unfloored.classify(TWO_AXES, title="Technical Program Manager").content
    assert content is not None
    p_tpm = content.probabilities["tpm"]
    low = copy.copy(unfloored).set_params(mismatch_confidence=0.5, review_band=(0.0, p_tpm / 2))
    assert low.classify(TWO_AXES, title="Technical Program Manager").title_mismatch
    band = copy.copy(low).set_params(review_band=(p_tpm, 0.99))
    answer = band.classify(TWO_AXES, title="Technical Program Manager")
    assert answer.content is not None and answer.content.needs_review
    assert not answer.title_mismatch


def test_the_card_states_each_claims_confidence(small_model):
    """The model card gives each title claim's confidence, and says which claims are never flagged."""
    import copy

    from tpmclassify.evaluation import model_card

    def line(confidence):
        card = model_card(copy.copy(small_model).set_params(mismatch_confidence=confidence))
        return next(x for x in card.splitlines() if x.startswith("- title mismatch"))

    said = line({"tpm": 0.7, "pm": 1.0, "program": 0.9})
    assert "a TPM title when read as a PM's job with probability at least 0.7;" in said
    assert "a Project Manager title never as a TPM's job" in said
    assert "a plain Program Manager title when read as a TPM's job with probability at least 0.9" in said
    assert line(0.8).count("at least 0.8") == 3 and "at least 0.996" in line(0.996)
    assert "a Project Manager title when read as a TPM's job with probability at least 0.8;" in line(0.8)
