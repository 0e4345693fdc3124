"""Training under test: a pinned small fit, and what fit() promises, checked through the public estimator.

The pinned answers of the bundled model guard inference only; these guard the fit itself (the choice of ``C``, the
sources' weights, the masked copies, the scope threshold and its calibration, the vocabulary's source filter). When a
deliberate change to training moves the pinned fit, regenerate it in its own commit::

    python tests/test_training.py --write
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tpmclassify
from tpmclassify import TPMClassifier

DATA = Path(__file__).parent / "data"
PINNED = DATA / "pinned_fit.json"
#: The fixture postings' sources (4, so that each weighs the same and C is chosen leaving one out at a time).
SOURCES = ["s0", "s1", "s2", "s3", "s0", "s1", "s2", "s3", "s0", "s1"]
#: The pinned fit's configuration: C chosen from a grid, the scope head fitted, n-grams in both heads.
PINNED_PARAMS = {"cv": 2, "min_df": 1, "min_groups": 1, "C_grid": (0.1, 1.0, 10.0)}


def _fixture() -> tuple[list[str], list[str]]:
    frame = pd.read_csv(DATA / "postings.csv", dtype=str, keep_default_na=False)
    return frame["description"].tolist(), frame["label"].tolist()


def _summary(model: TPMClassifier) -> dict:
    """What the pin holds: every fitted number a prediction depends on (the largest weights by name)."""
    names = model.feature_names_

    def largest(coef: np.ndarray) -> dict[str, float]:
        top = np.argsort(-np.abs(coef), kind="stable")[:25]
        return {names[j]: float(coef[j]) for j in top if coef[j] != 0.0}

    assert model.scope_coef_ is not None
    return {
        "C_": model.C_,
        "prior_": model.prior_,
        "training_prior_": model.training_prior_,
        "intercept_": model.intercept_,
        "scope_intercept_": model.scope_intercept_,
        "scope_threshold_": model.scope_threshold_,
        "min_evidence_": model.min_evidence_,
        "n_features": len(names),
        "coef_norm": float(np.linalg.norm(model.coef_)),
        "scope_coef_norm": float(np.linalg.norm(model.scope_coef_)),
        "baseline_": model.baseline_.tolist(),
        "shortfall_words": model.shortfall_.words.tolist(),
        "shortfall_table": model.shortfall_.table.tolist(),
        "coef": largest(model.coef_),
        "scope_coef": largest(model.scope_coef_),
    }


def _pinned_fit() -> TPMClassifier:
    """Two TPM postings against three PM ones (the scope head weighs TPM postings up to the PM ones)."""
    X, y = _fixture()
    keep = [i for i in range(len(X)) if i != 2]
    return TPMClassifier(**PINNED_PARAMS).fit([X[i] for i in keep], [y[i] for i in keep], [SOURCES[i] for i in keep])


@pytest.fixture(scope="module")
def fixture() -> tuple[list[str], list[str]]:
    return _fixture()


def test_a_small_fit_is_pinned():
    """Every fitted number of a small fit, within a tolerance for other BLAS builds; a change to how fit() works
    (its C, weights, calibration, threshold, vocabulary) moves them."""
    got, want = _summary(_pinned_fit()), json.loads(PINNED.read_text(encoding="utf-8"))
    assert got.keys() == want.keys()
    for key in ("C_", "scope_threshold_", "n_features"):
        assert got[key] == want[key], key
    for key in ("coef", "scope_coef"):
        assert got[key].keys() == want[key].keys(), key
        np.testing.assert_allclose(list(got[key].values()), list(want[key].values()), rtol=1e-4, atol=1e-6, err_msg=key)
    for key in set(got) - {"C_", "scope_threshold_", "n_features", "coef", "scope_coef"}:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-4, atol=1e-6, err_msg=key)


def test_an_other_role_cue_that_votes_for_nothing_gets_no_weight(fixture):
    """A cue of the scope head's axes with role "none" takes its words and votes for nothing: the same phrases as a
    cue of another role family ("other") get a scope weight."""
    X, y = fixture
    phrases = ("user stories", "product requirements", "analyse funnels")  # the product manager's posting only
    weights = {}
    for role in ("other", "none"):
        cues = (*tpmclassify.CUES, tpmclassify.Cue("product discovery", "other_role", role, phrases))
        model = TPMClassifier(cues=cues, cv=2, min_df=1, min_groups=1).fit(X, y, SOURCES)
        j = model.feature_names_.index("cue:other_role:product discovery")
        weights[role] = (model.coef_[j], model.scope_coef_[j])
    assert weights["other"][1] < 0 and weights["other"][0] == 0  # toward "other", in the scope head alone
    assert weights["none"] == (0.0, 0.0)


@pytest.mark.parametrize("grid", [(0.001, 100.0), (100.0, 0.001)])
def test_the_chosen_C_is_the_best_of_the_grid_in_either_order(fixture, grid):
    """On cleanly separated postings a tiny C (all weights near zero) scores far worse out of fold: it is never
    chosen, whether it comes first or last."""
    X, y = fixture
    model = TPMClassifier(cv=2, min_df=1, min_groups=1, C_grid=grid).fit(X, y, SOURCES)
    assert model.C_ == 100.0
    assert TPMClassifier(cv=2, min_df=1, min_groups=1, C=0.5, C_grid=grid).fit(X, y, SOURCES).C_ == 0.5


def test_sources_weigh_the_same_however_many_postings_they_have(fixture):
    """Posting a source's rows twice changes nothing but the amount of data: the role head's weights point where
    those of a fit with ``C`` scaled by the number of TPM/PM rows (weights have mean 1) do, to the last bits. Rows
    weighed one by one, the doubled source would pull them its way. (Only their length may differ: the Platt map
    counts postings, as the prior does.)"""
    X, y = fixture
    params = {"cv": 2, "min_df": 1, "min_groups": 1, "role_ngram_scale": 0.0, "prior": 0.5}
    once = TPMClassifier(C=1.0, **params).fit(X, y, SOURCES)
    twice = [i for i, s in enumerate(SOURCES) if s == "s0"]
    X2, y2, g2 = X + [X[i] for i in twice], y + [y[i] for i in twice], SOURCES + [SOURCES[i] for i in twice]
    n, n2 = sum(v in ("tpm", "pm") for v in y), sum(v in ("tpm", "pm") for v in y2)
    doubled = TPMClassifier(C=n / n2, **params).fit(X2, y2, g2)

    def unit(v: np.ndarray) -> np.ndarray:
        return v / np.linalg.norm(v)

    np.testing.assert_allclose(unit(doubled.coef_), unit(once.coef_), atol=1e-9)
    np.testing.assert_allclose(unit(doubled.baseline_), unit(once.baseline_), atol=1e-9)


def test_the_masked_copy_weighs_what_mask_rate_says(fixture):
    """Trained only on masked copies, a role name never appears: neither head can weigh one. Trained only as
    written, both lean on them (the fixture's titles are in the texts)."""
    X, y = fixture
    role_names = None
    for rate, weighed in ((1.0, False), (0.0, True)):
        model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1, mask_rate=rate).fit(X, y, SOURCES)
        role_names = [j for j, name in enumerate(model.feature_names_) if name.startswith("cue:role_name:")]
        assert role_names
        assert model.scope_coef_ is not None
        for coef in (model.coef_, model.scope_coef_):
            assert bool(np.any(coef[role_names] != 0.0)) is weighed, (rate, coef[role_names])


def test_the_scope_threshold_follows_scope_recall(fixture):
    """The threshold is the highest that keeps ``scope_recall`` of each role in scope out of fold: asking for all
    of them can only lower it, asking for half lets it rise; a stated threshold is kept as it is."""
    X, y = fixture
    params = {"C": 1.0, "cv": 2, "min_df": 1, "min_groups": 1}
    thresholds = [TPMClassifier(scope_recall=r, **params).fit(X, y, SOURCES).scope_threshold_ for r in (0.5, 1.0)]
    assert thresholds[0] > thresholds[1]
    assert TPMClassifier(scope_threshold=0.37, **params).fit(X, y, SOURCES).scope_threshold_ == 0.37


def test_min_groups_keeps_one_source_wording_out(fixture):
    """An n-gram that only one source's postings use is that company's wording: with ``min_groups=2`` it is not
    in the vocabulary, with 1 it is (here: 'rollback', in one posting only)."""
    X, y = fixture
    assert sum("rollback" in x.lower() for x in X) == 1
    names = {}
    for k in (1, 2):
        names[k] = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=k).fit(X, y, SOURCES).feature_names_
    assert "ngram:rollback" in names[1] and "ngram:rollback" not in names[2]
    assert set(names[2]) < set(names[1])
    # wording that postings of several sources use stays ('budget': three sources)
    assert len({s for x, s in zip(X, SOURCES, strict=True) if "budget" in x.lower()}) == 3
    assert "ngram:budget" in names[2]


def test_max_features_keeps_the_n_grams_of_the_most_postings(fixture):
    """``max_features`` keeps the n-grams that the most training postings use (the lowest idf), ties by name (the
    bound falls among the n-grams of two postings here), listed by name with the idf they have without the bound."""
    from tpmclassify._vocabulary import fit_vocabulary
    from tpmclassify._words import stems_of_tokens, tokens_of

    X, _ = fixture
    stems = [stems_of_tokens(tokens_of(x)) for x in X]
    every, every_idf = fit_vocabulary(stems, 2, 1, None, 1, None)
    idf = dict(zip(every, every_idf.tolist(), strict=True))
    ranked = sorted(every, key=lambda g: (idf[g], g))
    assert idf[ranked[99]] == idf[ranked[100]] > idf[ranked[0]]  # a tie at the bound
    kept, kept_idf = fit_vocabulary(stems, 2, 1, None, 1, 100)
    assert kept == sorted(ranked[:100])
    assert kept_idf.tolist() == [idf[g] for g in kept]


def test_the_review_band_decides_which_answers_need_review(fixture):
    """An answer needs review when its TPM probability is inside ``review_band`` (inclusive), whichever band."""
    X, y = fixture
    model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1).fit(X, y, SOURCES)
    first = model.classify(X[0])
    assert first.label == "tpm" and not first.unreadable and not first.needs_review
    p = first.probabilities["tpm"]
    assert not 0.35 <= p <= 0.65  # outside the default band: only a band around it can make it need review
    assert model.set_params(review_band=(p - 1e-6, p + 1e-6)).classify(X[0]).needs_review
    assert not model.set_params(review_band=(p + 1e-6, 1.0)).classify(X[0]).needs_review


def test_calibration_scales_the_scope_head_by_its_out_of_fold_scores(fixture):
    """The scope head's Platt map, fitted on out-of-fold log-odds, is folded into its weights: a slope times the
    plain fit's. Other folds (another ``random_state``) give other out-of-fold scores, so the same weights by
    another slope: parallel, of another length."""
    X, y = fixture
    fits = [
        TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1, random_state=seed).fit(X, y, SOURCES) for seed in range(4)
    ]
    weights = [m.scope_coef_ for m in fits]
    assert all(w is not None for w in weights)
    unit = [w / np.linalg.norm(w) for w in weights]
    for u in unit[1:]:
        np.testing.assert_allclose(u, unit[0], atol=1e-6)
    lengths = sorted({round(float(np.linalg.norm(w)), 6) for w in weights})
    assert len(lengths) >= 2, lengths


def test_calibration_scales_the_role_head_by_its_out_of_fold_scores(fixture):
    """The role head's Platt map, fitted on out-of-fold log-odds, is folded into its weights. Each posting its own
    source, every source weighs what an unsourced posting does, so the plain fit is the same with or without
    sources; only the out-of-fold scores differ (a posting left out at a time, or half of them): the same weights
    by another slope, parallel and of another length."""
    X, y = fixture
    params = {"C": 1.0, "cv": 2, "min_df": 1, "min_groups": 1}
    fits = [TPMClassifier(**params).fit(X, y, [f"own{i}" for i in range(len(X))]), TPMClassifier(**params).fit(X, y)]
    unit = [m.coef_ / np.linalg.norm(m.coef_) for m in fits]
    np.testing.assert_allclose(unit[1], unit[0], atol=1e-6)
    norms = [float(np.linalg.norm(m.coef_)) for m in fits]
    assert abs(norms[0] - norms[1]) > 1e-3 * norms[0], norms


ROLE_HEAD_WARNING = "^the TPM or the PM postings all come from one source, so the role head's out-of-fold scores"


@pytest.mark.parametrize("C", [1.0, None])
def test_tpm_and_pm_postings_from_one_source_still_train(fixture, C):
    """The other common shape of a first export: every TPM and PM posting from one place, the other roles from
    others. The role head has no source to leave out, so its out-of-fold scores (for C, and for its calibration)
    leave postings out, and it says so: it trains, and is the fit without sources, to the last bits."""
    X, y = fixture
    others = iter(["board-a", "board-b"] * 5)
    sources = ["ats" if label in ("tpm", "pm") else next(others) for label in y]
    params = {"C": C, "C_grid": (0.1, 1.0), "cv": 2, "min_df": 1, "min_groups": 1}
    with pytest.warns(UserWarning) as seen:
        model = TPMClassifier(**params).fit(X, y, sources)
    messages = [str(w.message) for w in seen]
    assert any(re.match(ROLE_HEAD_WARNING, m) for m in messages), messages
    assert model.classify(X[0]).label == y[0]
    unsourced = TPMClassifier(**params).fit(X, y)
    assert model.C_ == unsourced.C_
    np.testing.assert_allclose(model.coef_, unsourced.coef_, atol=1e-9)
    assert model.intercept_ == pytest.approx(unsourced.intercept_, abs=1e-9)


def test_a_role_from_one_source_does_not_flatten_the_answers(fixture):
    """TPM postings from one source, PM postings from two others (the confound the shared data has): left out
    by source, the fold without the TPM source would have no TPM posting, its scores would point the wrong way and
    the map would flatten every answer to the prior. Postings are left out instead, with a warning; the answers
    still tell the roles apart."""
    X, y = fixture
    pm_boards, others = iter(["pm-a", "pm-b"] * 5), iter(["board-a", "board-b"] * 5)
    sources = ["tpm-board" if v == "tpm" else next(pm_boards) if v == "pm" else next(others) for v in y]
    with pytest.warns(UserWarning, match=ROLE_HEAD_WARNING):
        model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1).fit(X, y, sources)
    for text, label in zip(X, y, strict=True):
        if label in ("tpm", "pm"):
            assert model.classify(text).label == label


def test_other_roles_from_one_source_still_train(fixture):
    """A first export often has its 'other' rows from one place: the scope head then cannot leave sources out,
    says so (pointing at the line that called fit), and leaves postings out instead (it used to crash with
    scikit-learn's "needs samples of at least 2 classes"). From two sources it leaves sources out, silently."""
    import warnings

    X, y = fixture
    sources = ["other-board" if label == "other" else s for label, s in zip(y, SOURCES, strict=True)]
    with pytest.warns(
        UserWarning,
        match="^the postings of one side of the scope head .* may be optimistic; add .* from other sources$",
    ) as seen:
        model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1).fit(X, y, sources)
    assert list(model.classes_) == ["other", "pm", "tpm"]
    if "MUTANT_UNDER_TEST" not in os.environ:  # mutmut's trampolines add frames between the caller and fit
        assert [w.filename for w in seen] == [__file__]
    others = iter(["board-a", "board-b"] * 2)
    two = [next(others) if label == "other" else s for label, s in zip(y, SOURCES, strict=True)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1).fit(X, y, two)


@pytest.mark.parametrize("keep", [slice(None), [0, 1, 2, 3, 4, 5, 6, 7]])
def test_the_scope_heads_folds_fit_the_sources_and_the_rarest_side(fixture, keep):
    """cv=5 asks for more folds than three sources, or two 'other' postings, can give: the scope head uses as many
    as they allow (scikit-learn would refuse more folds than groups, or fold a side away)."""
    X, y = fixture
    X, y = list(np.array(X)[keep]), list(np.array(y)[keep])
    sources = ["s0", "s1", "s2"] * 4
    model = TPMClassifier(C=1.0, cv=5, min_df=1, min_groups=1).fit(X, y, sources[: len(X)])
    assert list(model.classes_) == ["other", "pm", "tpm"] and 0.0 < model.scope_threshold_ < 1.0


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda X, y: TPMClassifier().fit(X, y[:-1]), tpmclassify.InvalidValueError),
        (lambda X, y: TPMClassifier().fit(X, y, ["a"] * 3), tpmclassify.InvalidValueError),
        (lambda X, y: TPMClassifier(C_grid=()).fit(X, y), tpmclassify.InvalidValueError),
        (lambda X, y: TPMClassifier(review_band=(0.9, 0.1)).fit(X, y), tpmclassify.InvalidValueError),
        (lambda X, y: TPMClassifier(scope_recall=5).fit(X, y), tpmclassify.InvalidValueError),
        (lambda X, y: TPMClassifier(cue_reference_words=0.5).fit(X, y), tpmclassify.InvalidValueError),
        (lambda X, y: TPMClassifier(cue_reference_words=10**400).fit(X, y), tpmclassify.InvalidValueError),
        (lambda X, y: TPMClassifier().fit(X[0], y), tpmclassify.PostingTypeError),
        (lambda X, y: tpmclassify.save(TPMClassifier(), "x.tpmc"), tpmclassify.InvalidValueError),
    ],
)
def test_mistakes_at_fit_are_the_librarys_own_errors(fixture, call, error):
    """Every deliberate error is a TPMClassifyError (and still the ValueError or TypeError it always was)."""
    X, y = fixture
    with pytest.raises(error) as caught:
        call(X, y)
    assert isinstance(caught.value, tpmclassify.TPMClassifyError)


@pytest.mark.parametrize(
    "call",
    [
        lambda path, out: tpmclassify.train(path, text_column="body"),
        lambda path, out: tpmclassify.classify_frame(pd.read_csv(path), text_column="body"),
        lambda path, out: tpmclassify.classify_csv(path, out, text_column="body"),
        lambda path, out: tpmclassify.audit(path, out.with_suffix(".html"), text_column="body"),
    ],
)
def test_a_missing_column_is_one_error_whoever_reads_the_table(tmp_path, call):
    """Training, classifying and auditing a table without the named column raise the same ColumnError."""
    path = tmp_path / "postings.csv"
    path.write_bytes((DATA / "postings.csv").read_bytes())
    with pytest.raises(tpmclassify.ColumnError, match="no column 'body'; the columns are: title, company, label"):
        call(path, tmp_path / "out.csv")
    assert not list(tmp_path.glob("out.*"))


def test_the_role_head_weighs_ngrams_that_many_postings_share(fixture):
    """The role head reads the n-grams of at least 20 of its training postings (each counted as written and masked),
    their block scaled by ``role_ngram_scale``; at 0 it reads the cues alone. The fixture's six TPM/PM postings
    twice over are twelve, so n-grams most of them share are weighed."""
    X, y = fixture
    weighed = {}
    for scale in (0.0, 0.5):
        model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1, role_ngram_scale=scale).fit(X * 2, y * 2)
        grams = [j for j, name in enumerate(model.feature_names_) if name.startswith("ngram:")]
        weighed[scale] = int(np.count_nonzero(model.coef_[grams]))
    assert weighed[0.0] == 0 and weighed[0.5] > 0
    # an n-gram's weight may point either way (only the cues are bounded to their table's side)
    assert (model.coef_[grams] < 0).any() and (model.coef_[grams] > 0).any()


def test_a_prior_stated_at_fit_moves_only_the_intercept(fixture):
    """``prior`` at fit: the probabilities are for that TPM share; the weights are those of the fit without it."""
    X, y = fixture
    plain = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1).fit(X, y, SOURCES)
    stated = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1, prior=0.2).fit(X, y, SOURCES)
    assert stated.prior_ == 0.2 and stated.training_prior_ == plain.training_prior_ == plain.prior_ == 0.5
    np.testing.assert_array_equal(stated.coef_, plain.coef_)
    assert stated.intercept_ == pytest.approx(plain.intercept_ + np.log(0.2 / 0.8))


@pytest.mark.parametrize(
    ("p", "labels", "recall", "threshold"),
    [
        ([0.9, 0.8, 0.3, 0.7, 0.6], ["tpm", "tpm", "tpm", "pm", "pm"], 0.6, 0.6),  # keeps 2 of 3 TPM, both PM
        ([0.9, 0.5, 0.7, 0.6], ["tpm", "tpm", "pm", "pm"], 1.0, 0.5),  # a probability equal to it is kept
        ([0.01, 0.02, 0.9, 0.9], ["tpm", "tpm", "pm", "pm"], 1.0, 0.01),  # below the old floor of 0.05
        ([0.001, 0.02, 0.9, 0.9], ["tpm", "tpm", "pm", "pm"], 1.0, 0.0),  # nothing above 0 keeps every TPM
        ([0.9, 0.9, 0.2, 0.9, 0.9], ["tpm", "tpm", "other", "pm", "pm"], 1.0, 0.9),  # other roles do not count
    ],
)
def test_the_scope_threshold_is_the_highest_that_keeps_the_recall(p, labels, recall, threshold):
    from tpmclassify._fitting import _recall_threshold

    assert _recall_threshold(np.array(p), np.array(labels), recall) == threshold


def test_every_cue_weight_stays_on_its_table_side_even_when_the_data_pulls_it_over(fixture):
    """TPM postings that talk about budgets, schedules and vendors (PM cues) would give those cues TPM weight; the
    bounded fit keeps each cue on the side its table row gives (at most zero), and TPM cues at least zero."""
    X, y = fixture
    X = [
        x + " Own the budget, the schedule and the vendors." if label == "tpm" else x
        for x, label in zip(X, y, strict=True)
    ]
    model = TPMClassifier(C=100.0, cv=2, min_df=1, min_groups=1).fit(X, y, SOURCES)
    for j, cue in enumerate(model.cues_):
        if cue.role == "pm":
            assert model.coef_[j] <= 0.0, cue.name
        elif cue.role == "tpm":
            assert model.coef_[j] >= 0.0, cue.name
    assert any(model.coef_[j] == 0.0 for j, cue in enumerate(model.cues_) if cue.name in ("budget", "schedule"))


def _cue_weight(model: TPMClassifier, text: str, feature: str) -> float:
    return sum(t.weight for t in model.classify(text).explanation.terms if t.feature == feature)


@pytest.mark.parametrize("reference", [450.0, 1000.0, None])
def test_a_cue_counts_as_in_a_posting_of_the_reference_length(fixture, reference):
    """One 'budget' in a sentence of a dozen words weighs as five in a posting of the reference length (the factor's
    upper bound), one in a posting of thousands of words as a fifth (its lower bound): the same cue, the same weight,
    log1p(5) against log1p(0.2). Read as written (None), the two weigh the same."""
    X, y = fixture
    model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1, cue_reference_words=reference).fit(X, y, SOURCES)
    feature = next(name for name in model.feature_names_ if name.startswith("cue:") and name.endswith(":budget"))
    short = "Own the budget of a small office move with care."
    long = short + " Plain words about nothing in particular here." * 8000  # 32,000 words n-grams read
    ratio = _cue_weight(model, short, feature) / _cue_weight(model, long, feature)
    assert ratio == pytest.approx(1.0 if reference is None else np.log1p(5.0) / np.log1p(0.2), rel=1e-9)


def test_a_cue_between_the_bounds_is_read_at_its_models_reference_length(fixture):
    """'budget' once among 201 words (the filler's four words n-grams read, 50 times): read at 450 words it counts
    sqrt(450 / 201) times, at 1000 words sqrt(1000 / 201) times; each explanation's term is its model's weight
    times that value."""
    X, y = fixture
    text = "Own the budget. " + "Plain words about nothing in particular here. " * 50
    for reference in (450.0, 1000.0):
        model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1, cue_reference_words=reference).fit(X, y, SOURCES)
        j = next(j for j, name in enumerate(model.feature_names_) if name.endswith(":budget"))
        assert model.coef_[j] != 0.0
        value = _cue_weight(model, text, model.feature_names_[j]) / model.coef_[j]
        assert value == pytest.approx(np.log1p(np.sqrt(reference / 201)), rel=1e-12)


def test_set_params_after_fit_does_not_change_what_a_saved_model_reads(fixture, tmp_path):
    """The reading's parameters take effect at fit: a fitted model given another cue_reference_words, ngram_scale or
    ngram_max reads as before, and so does its saved file once loaded."""
    X, y = fixture
    model = TPMClassifier(C=1.0, cv=2, min_df=1, min_groups=1).fit(X, y, SOURCES)
    before = model.classify(X[0]).probabilities
    model.set_params(cue_reference_words=None, ngram_scale=3.0, ngram_max=1)
    assert model.classify(X[0]).probabilities == before
    with pytest.warns(UserWarning, match=r"^cue_reference_words, ngram_max, ngram_scale changed by set_params since"):
        tpmclassify.save(model, tmp_path / "m.tpmc", card=False)
    again = tpmclassify.load(tmp_path / "m.tpmc")
    assert (again.cue_reference_words, again.ngram_scale, again.ngram_max) == (450.0, 1.0, 2)
    assert again.classify(X[0]).probabilities == before


def test_an_ngram_reads_as_its_commonest_wording_in_the_postings():
    """How a model shows an n-gram, fixed at fit: the words as the training postings most often write it (stop words
    between them left out), and its stems where no posting writes it."""
    from tpmclassify._features import display_forms
    from tpmclassify._words import stems_of_tokens, tokens_of

    texts = [
        "Manage the vendors and contracts for the site build-out.",
        "Experience managing vendors across regions; PMP preferred.",
        "You will be managing vendors, budgets and the weekly status report.",
    ]
    grams = [" ".join(stems_of_tokens(words)) for words in (["managing", "vendors"], ["stakeholders"])]
    assert display_forms([tokens_of(t) for t in texts], grams, 2) == ["managing vendors", grams[1]]


def test_a_loaded_model_names_its_ngrams_by_their_display_forms(bundled):
    """The display forms a model file holds are the ones its space names n-grams by (in an evaluation's strongest
    features, and in the file it is saved to again), not the stems."""
    space = bundled.space_
    shown = space.display[len(space.cues) :]
    assert len(shown) == len(space.vocabulary)
    assert sum(form != stems for form, stems in zip(shown, space.vocabulary, strict=True)) > len(shown) // 4


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python tests/test_training.py --write  (regenerates tests/data/pinned_fit.json)")
    PINNED.write_text(json.dumps(_summary(_pinned_fit()), indent=1) + "\n", encoding="utf-8")
    print(f"wrote {PINNED}")
