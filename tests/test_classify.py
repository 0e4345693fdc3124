"""Behaviour of the public API with the bundled model."""

import json
import math
import re
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tpmclassify
from tpmclassify import classify, classify_many


def test_explanation_adds_up_to_the_logit(postings):
    for p in classify_many(postings["description"]):
        for exp in (p.explanation, p.scope_explanation):
            assert exp.intercept + sum(t.weight for t in exp.terms) == pytest.approx(exp.logit, abs=1e-6)
            assert exp.terms, "a real posting has evidence"


def test_a_content_read_with_role_names_masked_is_measured_from_a_typical_masked_posting(postings):
    """A titled posting's content has its role names masked: it is explained from a typical posting with its role
    names masked too, so no axis says it lacks the role names a typical posting has; its terms still add up to its
    log-odds, which are those of the masked text. The posting as written keeps its role-name terms."""
    texts, titles = postings["description"].tolist(), postings["title"].tolist()
    for p, text in zip(classify_many(texts, titles=titles), texts, strict=True):
        masked = classify(tpmclassify.mask_role_names(text))
        for exp, alone in (
            (p.content.explanation, masked.explanation),
            (p.content.scope_explanation, masked.scope_explanation),
        ):
            assert "baseline:role_name" not in {t.feature for t in exp.terms} and "role_name" not in exp.by_axis
            assert exp.logit == alone.logit and exp.intercept + sum(t.weight for t in exp.terms) == pytest.approx(
                exp.logit, abs=1e-9
            )
            assert alone.by_axis.get("role_name", 0.0) != 0.0  # (read alone, from a typical posting as written)
        if re.search(r"(?i)program manager|project manager", text):
            assert "role_name" in p.explanation.by_axis


def test_probability_is_monotone_in_logit_and_matches(postings):
    preds = classify_many(postings["description"])
    pairs = sorted((p.explanation.logit, p.probabilities["tpm"]) for p in preds)
    assert all(b1 <= b2 + 1e-12 for (_, b1), (_, b2) in pairwise(pairs))
    for p in preds:
        assert p.explanation.probability == pytest.approx(p.probabilities["tpm"], abs=1e-9)
        assert p.scope_explanation.probability == pytest.approx(p.in_scope, abs=1e-9)


def test_probabilities_are_the_sigmoid_of_the_logit_and_split_predict_proba(bundled, postings):
    """Each probability is recomputed here from the model's log-odds and its predict_proba, not summed to 1."""
    texts = postings["description"].tolist()
    preds = classify_many(texts)
    proba = pd.DataFrame(bundled.predict_proba(texts), columns=bundled.classes_)
    logits = bundled.decision_function(texts)
    for p, (_, row), logit in zip(preds, proba.iterrows(), logits, strict=True):
        assert set(p.probabilities) == {"tpm", "pm"}
        assert p.explanation.logit == pytest.approx(logit, abs=1e-9)
        tpm = 1.0 / (1.0 + math.exp(-logit))
        assert p.probabilities["tpm"] == pytest.approx(tpm, abs=1e-9)
        assert p.probabilities["pm"] == pytest.approx(1.0 - tpm, abs=1e-9)
        assert p.in_scope == pytest.approx(1.0 / (1.0 + math.exp(-p.scope_explanation.logit)), abs=1e-9)
        assert row["other"] == pytest.approx(1.0 - p.in_scope, abs=1e-9)
        assert row["tpm"] == pytest.approx(p.in_scope * tpm, abs=1e-9)
        assert row["pm"] == pytest.approx(p.in_scope * (1.0 - tpm), abs=1e-9)


def test_classify_agrees_with_classify_many_and_is_deterministic(postings):
    texts = postings["description"].tolist()
    many = classify_many(texts)
    again = classify_many(texts)
    for text, p, q in zip(texts, many, again, strict=True):
        one = classify(text)
        assert one.label == p.label == q.label
        assert one.probabilities == pytest.approx(p.probabilities, abs=1e-12)
        assert one.probabilities == q.probabilities
        assert [t.feature for t in one.explanation.terms] == [t.feature for t in p.explanation.terms]


def test_roles_on_written_postings(postings):
    preds = classify_many(postings["description"])
    pairs = list(zip(postings.to_dict("records"), preds, strict=True))
    for row, p in pairs:
        if row["label"] != "other":
            assert p.label == row["label"], (row["title"], str(p))
    # Every other-role posting ranks below every TPM or PM posting on in_scope. The threshold keeps 90% of TPM and
    # PM postings even without role names, so a delivery role close to a PM's (the Scrum Master) may pass it; the
    # engineer, the product manager and the non-technical program manager do not.
    assert max(p.in_scope for r, p in pairs if r["label"] == "other") < min(
        p.in_scope for r, p in pairs if r["label"] != "other"
    )
    for (_, row), p in zip(postings.iterrows(), preds, strict=True):
        if row["title"] != "Scrum Master" and row["label"] == "other":
            assert p.label == "other", (row["title"], str(p))
        if p.label == "other":  # the reasons say why it is out of scope, from the scope explanation
            assert p.reasons[0].startswith("Out of scope: in scope")
            assert p.reasons[1:] == p.scope_explanation.reasons


def test_spans_point_at_the_evidence():
    text = "<p>Lead the program&nbsp;roadmap: <b>System Design</b> reviews with engineers &amp; product managers.</p>"
    p = classify(text)
    features = {t.feature for t in p.explanation.terms}
    assert "cue:technical:system design" in features
    for t in p.explanation.terms:
        assert t.spans or t.feature.startswith("baseline:")  # a typical posting's part of an axis has no words
        for a, b in t.spans:
            found = re.sub(r"\s+", " ", tpmclassify.normalize(text[a:b])).strip()
            assert found == t.text.lower(), (t, text[a:b])
    assert {"scope", "technical"} <= set(p.explanation.by_axis)
    assert all(t.weight != 0 for t in p.explanation.terms)  # a cue the model gives no weight is no evidence


def test_reasons_and_str_read_well(postings):
    p = classify(postings["description"][0])
    assert 2 <= len(p.explanation.reasons) <= 4
    assert re.match(r"^[A-Z][\w ]+ points to (TPM|PM) \([+-]\d", p.explanation.reasons[0])
    text = str(p)
    assert text.startswith("TPM") and "in scope" in text


def test_the_first_reasons_are_the_reasons_cut_short(postings):
    """A batch's reasons column asks for the first three reasons only, and only their words are looked for: they
    are the reasons' first ones, whatever the answer (TPM, PM, other; titled; too close to call; too short)."""
    texts = [*postings["description"], "Lead the program roadmap with engineers."]
    titles = [*postings["title"], "Project Manager"]
    kinds = set()
    for title_of in (lambda t: None, lambda t: t):
        asked = classify_many(texts, [title_of(t) for t in titles])
        whole = classify_many(texts, [title_of(t) for t in titles])  # the same answers, their reasons not yet asked
        for p, q in zip(asked, whole, strict=True):
            kinds.add((p.label, p.needs_review, p.title is not None, len(q.reasons)))
            for n in (3, 0, 1, 2, 4, 5, 6):
                assert p.first_reasons(n) == q.reasons[:n], (n, q.reasons)
            assert p.first_reasons() == q.reasons == p.reasons
            assert p.explanation.first_reasons(2) == q.explanation.reasons[:2]
    labels = {k[0] for k in kinds}
    assert labels == {"tpm", "pm", "other"} and any(k[1] for k in kinds) and any(k[3] >= 4 for k in kinds)
    table = tpmclassify.classify_frame(pd.DataFrame({"description": texts, "title": titles}), title_column="title")
    assert table["reasons"].tolist() == [" | ".join(p.reasons[:3]) for p in classify_many(texts, titles)]
    for bad in (-1, -3):
        with pytest.raises(tpmclassify.InvalidValueError, match="n must be a count of reasons"):
            asked[0].first_reasons(bad)
        with pytest.raises(tpmclassify.InvalidValueError, match="n must be a count of reasons"):
            asked[0].explanation.first_reasons(bad)


def test_explanations_are_the_same_whichever_is_asked_for_first(postings):
    """A batch computes each head's contributions for the rows expected to need them (the role head's for TPM and
    PM answers, the scope head's for the others) and for the rest only when one of those is asked for: every
    explanation is the same whatever the order it is asked in."""

    def read(e):
        return None if e is None else ([(t.feature, t.weight, t.spans) for t in e.terms], e.by_axis, e.reasons)

    texts = [*postings["description"], *postings["description"][:3]]
    natural, odd = classify_many(texts), classify_many(texts)
    for p in reversed(odd):  # from the last row, the head its answer does not need first
        read(p.scope_explanation if p.label != "other" else p.explanation)
    assert {p.label for p in natural} == {"tpm", "pm", "other"}
    assert [p.reasons for p in natural] == [p.reasons for p in odd]
    model = tpmclassify.default_model()
    for rows in ([*reversed(range(len(texts)))], [2, *range(len(texts)), 0]):  # every row, in another order, or twice
        told = model._batch(texts)
        told.expect(0, rows)
        assert [read(told.explanation(i, 0)) for i in range(len(texts))] == [read(p.explanation) for p in natural]
    assert [(read(p.explanation), read(p.scope_explanation)) for p in natural] == [
        (read(p.explanation), read(p.scope_explanation)) for p in odd
    ]


def test_role_names_are_evidence_but_not_required(postings):
    desc = postings["description"][1]
    masked = tpmclassify.mask_role_names(desc)
    assert "Technical Program Manager" in desc and "Technical Program Manager" not in masked
    # without its role names the posting still reads as TPM rather than PM (the role split), ...
    assert classify(masked).probabilities["tpm"] > 0.5
    assert classify(desc).label == "tpm"
    # ... and the names are evidence: they raise the TPM split and the in-scope probability
    assert classify(desc).probabilities["tpm"] >= classify(masked).probabilities["tpm"]
    assert classify(desc).in_scope > classify(masked).in_scope


@pytest.mark.parametrize("bad", [None, 3.5, ["a list"], b"bytes", "", "   ", "<br/>"])
def test_bad_input_raises_a_clear_error(bad):
    with pytest.raises((TypeError, ValueError), match="posting text"):
        classify(bad)


def test_classify_many_names_the_bad_posting():
    with pytest.raises(
        ValueError,
        match=r"^posting 1 \(counting from 0\): posting text is empty or whitespace-only; classify_frame answers",
    ):
        classify_many(["Lead the program roadmap with engineers.", " "])
    with pytest.raises(TypeError, match="single str"):
        classify_many("one string")


def test_a_model_or_prefix_of_the_wrong_kind_is_refused_by_name():
    """A model that is not a TPMClassifier (a string, a class, a baseline) raised a bare TypeError from
    scikit-learn's check ("x is not an estimator instance"), and prefix=3 one from adding an int to a str."""
    from tpmclassify.evaluation import KeywordBaseline

    text = "Plan the office move and track its budget and schedule."
    frame = pd.DataFrame({"description": [text]})
    for model, got in (
        ("x", "str"),
        (tpmclassify.TPMClassifier, "the class TPMClassifier"),
        (KeywordBaseline(), "KeywordBaseline"),
    ):
        message = f"^model must be a TPMClassifier \\(None: the bundled model\\), got {got}$"
        for call, arg in ((classify, text), (classify_many, [text]), (tpmclassify.classify_frame, frame)):
            with pytest.raises(tpmclassify.InvalidValueError, match=message):
                call(arg, model=model)
    with pytest.raises(tpmclassify.BatchError, match="^prefix must be str, got int$"):  # as classify_csv says it
        tpmclassify.classify_frame(frame, prefix=3)


def test_huge_and_foreign_text_still_classify(postings):
    huge = (postings["description"][3] + "\n") * (1_000_000 // len(postings["description"][3]) + 1)
    assert len(huge) > 1_000_000
    assert classify(huge).label in {"tpm", "pm", "other"}
    french = (
        "Chef de projet informatique : vous pilotez le projet de bout en bout, le budget, le planning et "
        "la coordination des équipes et des fournisseurs. Reporting hebdomadaire au client."
    )
    p = classify(french)
    assert p.label in {"tpm", "pm", "other"} and math.isfinite(p.explanation.logit)
    assert classify("職務内容: プロジェクト管理 and budget tracking").label in {"tpm", "pm", "other"}


def test_html_does_not_change_the_answer(postings):
    """Markup is stripped before tokenising, so the same words give exactly the same answer and evidence."""
    for text in postings["description"]:
        as_html = "<html><body><p>" + text.replace("\n", "<br>\n").replace("&", "&amp;") + "</p></body></html>"
        a, b = classify(as_html), classify(text)
        assert (a.label, a.probabilities, a.in_scope, a.reasons) == (b.label, b.probabilities, b.in_scope, b.reasons)
        assert a.explanation.logit == b.explanation.logit
        evidence = [[(t.feature, t.weight) for t in q.explanation.terms] for q in (a, b)]
        assert evidence[0] == evidence[1]


def test_needs_review_band(postings):
    model = tpmclassify.default_model()
    preds = classify_many(postings["description"])
    for p in preds:
        inside = 0.35 <= p.probabilities["tpm"] <= 0.65
        assert p.needs_review == (p.unreadable or (inside and p.label != "other"))
    assert model.review_band == (0.35, 0.65)


def test_html_rendering(postings):
    html = classify(postings["description"][0])._repr_html_()
    assert "<span" in html and "Technical depth" in html
    # a bidi override in a posting is shown as its code point, as on the audit page: in a notebook it reversed the
    # rest of the line ("MP" displayed for "PM")
    overridden = classify(postings["description"][0] + " \u202eMP and \u2067isolated\u2069.")._repr_html_()
    assert "\u202e" not in overridden and "\u2067" not in overridden and "[U+202E]MP" in overridden


def test_the_highlighted_posting_shows_each_span_s_weight_and_the_heavier_where_spans_overlap(postings):
    """A cue and the n-gram of its word are read from the same characters: they show their summed weight (a TPM cue
    was shown as its n-gram's +0.006, while a PM cue, more negative, won: the page leaned PM). Where other spans
    overlap, the heavier is shown (one that rounds to 0.000 is not); the text around the spans is the posting's own,
    in order, up to ``limit`` characters when it is given (as on the audit page)."""
    import html as html_module

    shown_span = re.compile(r'<span style="background:rgba\(([\d,]+),[\d.]+\)" title="([+-][\d.]+)">(.*?)</span>', re.S)
    for text, limit in zip(postings["description"], [None, 700] * len(postings), strict=False):
        p = classify(text)
        weights: dict[tuple[int, int], float] = {}
        for t in p.explanation.terms:
            for span in t.spans:
                if limit is None or span[1] <= limit:
                    weights[span] = weights.get(span, 0.0) + t.weight
        page = p.highlighted_html(limit)
        assert html_module.unescape(re.sub(r"<[^>]+>", "", page)) == (
            text if limit is None or len(text) <= limit else text[:limit] + "…"
        )
        pos, spans = 0, []
        for m in shown_span.finditer(page):
            plain = html_module.unescape(re.sub(r"<[^>]+>", "", page[: m.start()]))
            a = len(plain)
            b = a + len(html_module.unescape(m.group(3)))
            assert a >= pos
            spans.append((a, b))
            pos = b
            assert float(m.group(2)) == pytest.approx(weights[a, b], abs=5e-4) and abs(weights[a, b]) >= 5e-4
            assert m.group(1) == ("31,119,180" if weights[a, b] > 0 else "255,127,14")
        assert spans
        for (a, b), w in weights.items():  # a span not shown overlaps one shown that weighs at least as much
            if (a, b) not in spans and abs(w) >= 5e-4:
                assert any(c < b and a < d and abs(weights[c, d]) >= abs(w) for c, d in spans), (a, b, w)


def test_predict_proba_rows_sum_to_one(bundled, postings):
    proba = bundled.predict_proba(postings["description"])
    assert proba.shape == (len(postings), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    # one decision rule: predict() gives classify()'s labels, which read in_scope against the threshold
    texts = postings["description"]
    assert list(bundled.predict(texts)) == [p.label for p in bundled.classify_many(texts)]


def test_bundled_model_gives_the_answers_recorded_when_it_was_trained():
    """Pins behaviour: scripts/train_default.py records these answers each time it retrains the bundled model."""
    root = Path(__file__).resolve().parent.parent
    expected = json.loads((root / "tests" / "data" / "bundled_expected.json").read_text(encoding="utf-8"))
    assert expected
    for path, answers in expected.items():
        frame = pd.read_csv(root / path, dtype=str, keep_default_na=False)
        texts = frame["description"].tolist()
        assert len(texts) == len(answers)  # every row of the file is recorded
        if "title" in frame:  # and with its titles: the claim, the content's reading and the flag
            titled = classify_many(texts, frame["title"].tolist())
            assert sum("titled" in want for want in answers) == sum(t.content is not None for t in titled) > 0
            for t, want in zip(titled, answers, strict=True):
                if "titled" in want:
                    w = want["titled"]
                    said = (t.label, t.title_label, t.content_label)
                    assert said == (w["label"], w["title_label"], w["content_label"])
                    assert t.title_mismatch == w["title_mismatch"] and t.reasons[0] == w["first_reason"]
                    assert t.content_tpm_probability == pytest.approx(w["content_tpm"], abs=1e-9)
        got = classify_many(texts)
        for p, want in zip(got, answers, strict=True):
            assert p.label == want["label"] and p.reasons == want["reasons"]
            assert p.probabilities["tpm"] == pytest.approx(want["tpm"], abs=1e-9)
            assert p.in_scope == pytest.approx(want["in_scope"], abs=1e-9)
            assert list(p.explanation.by_axis) == list(want["by_axis"])
            assert list(p.explanation.by_axis.values()) == pytest.approx(list(want["by_axis"].values()), abs=1e-9)
            assert p.scope_explanation.by_axis == pytest.approx(want["scope_by_axis"], abs=1e-9)


def test_the_readme_example_prints_what_the_bundled_model_says(postings):
    """The README's `print(p)` lines are the bundled model's answer for the first test posting, as printed."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(readme) if line.startswith("# TPM  (TPM "))
    shown = [readme[start].split("   ")[0][2:]]
    shown += [line[2:] for line in readme[start + 1 : start + 8] if line.startswith("#   - ")]
    assert str(tpmclassify.classify(postings["description"][0])).splitlines() == shown


def test_the_readme_explanation_figures_are_the_bundled_model_s(postings):
    """The README's ``e.logit, e.intercept``, ``e.terms[0]``, ``e.terms[1]`` and ``e.by_axis`` figures are the bundled
    model's, to the places printed (a newcomer found 10.97 for 10.965 and 3.53 for 3.538 after a retrain)."""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    e = tpmclassify.classify(postings["description"][0]).explanation
    logit, intercept = re.search(r"e\.logit, e\.intercept  # (-?[\d.]+), (-?[\d.]+):", readme).groups()
    assert (f"{e.logit:.2f}", f"{e.intercept:.2f}") == (logit, intercept)
    term1 = re.search(r"e\.terms\[1\]  # Term\(text='([^']+)'.*?weight=(-?[\d.]+)", readme, re.S).groups()
    assert (e.terms[1].text, f"{e.terms[1].weight:.2f}") == term1
    term0 = re.search(r"e\.terms\[0\]  # .*?weight=(-?[\d.]+)", readme, re.S).group(1)
    assert f"{e.terms[0].weight:.2f}" == term0
    axes = re.search(r"e\.by_axis  # \{([^}]*), \.\.\.\}", readme).group(1)
    shown = dict((k.strip(" '"), v.strip()) for k, v in (item.split(":") for item in axes.split(", ")))
    assert {axis: f"{w:.2f}" for axis, w in list(e.by_axis.items())[: len(shown)]} == shown


def test_classify_frame_refuses_a_series_saying_what_to_pass(postings):
    """A Series is refused with the two ways to classify it. (From mutation testing of _frames: the advice changed to
    capitals or with "XX" around it passed.)"""
    with pytest.raises(
        tpmclassify.BatchError,
        match=re.escape(
            "classify_frame takes a DataFrame, got a Series (for a Series of texts: series.to_frame('description'), "
            "or classify_many(series))"
        ),
    ):
        tpmclassify.classify_frame(postings["description"])


def test_a_frame_of_rows_that_are_all_errors_keeps_its_flags_nullable_booleans():
    """needs_review and title_mismatch are nullable booleans even where no row has an answer (every one NA), so that
    ``out[out.needs_review]`` selects nothing rather than failing on an object column; the probabilities are float64
    NaN, as beside rows with an answer, not an object column of None. (From mutation testing of _frames:
    ``pd.array(flags)`` without ``dtype="boolean"`` passed; it gives an object column of None here, as the
    probabilities were.)"""
    frame = pd.DataFrame({"description": [None, "   "], "title": ["Technical Program Manager", ""]})
    out = tpmclassify.classify_frame(frame, title_column="title")
    assert out["error"].tolist() == ["missing text", "posting text is empty or whitespace-only"]
    assert str(out["needs_review"].dtype) == str(out["title_mismatch"].dtype) == "boolean"
    assert out[out["needs_review"]].empty
    floats = ["tpm_probability", "pm_probability", "in_scope", "content_tpm_probability"]
    assert (out[floats].dtypes == "float64").all() and out[floats].isna().all().all()
    mixed = tpmclassify.classify_frame(pd.concat([frame, frame.assign(description="Own the site schedule.")]))
    assert (mixed[floats].dtypes == "float64").all() and mixed[floats[:3]].notna().sum().tolist() == [2, 2, 2]


def test_a_long_frame_is_scored_in_parts_with_the_same_answers_row_for_row(postings, monkeypatch):
    """From a review of the API: classify_frame scored every row at once, and the predictions of one scoring hold its
    arrays (30,000 postings peaked at 2.7 GB). Rows are now scored in parts; each row's answer, error row and title
    included, is the same in parts of 3 as at once, in the same order."""
    from tpmclassify import _rows

    frame = pd.concat([postings] * 2, ignore_index=True)
    frame.loc[4, "description"] = ""  # an error row inside a part
    whole = tpmclassify.classify_frame(frame, title_column="title", prefix="pred_")
    monkeypatch.setattr(_rows, "ROWS_AT_ONCE", 3)
    parts = tpmclassify.classify_frame(frame, title_column="title", prefix="pred_")
    pd.testing.assert_frame_equal(parts, whole)
    assert parts["pred_error"].tolist().count("") == len(frame) - 1 and parts.loc[4, "pred_error"] != ""
