import re
import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

import tpmclassify
from tpmclassify import TPMClassifier, evaluate, label_from_title
from tpmclassify.evaluation import PlainTfidfBaseline

matplotlib.use("Agg")


def test_grouped_evaluation_report(postings):
    data = pd.concat([postings, postings.assign(company=postings["company"] + " (2)")], ignore_index=True)
    data["group"] = [i % 3 for i in range(len(data))]
    report = evaluate(TPMClassifier(cv=2, min_df=1, min_groups=1), data, groups="group")
    assert "leave-one-source-out over 3 sources" in report.protocol
    for variant in ("raw", "masked"):
        assert report.metrics[variant]["n_tpm"] == 6 and report.metrics[variant]["n_pm"] == 6
        assert report.metrics[variant]["n_other"] == 8
        assert report.predictions[variant]["truth"].tolist() == data["label"].tolist()
        assert report.predictions[variant]["source"].tolist() == data["group"].map(str).tolist()
        _check_against_predictions(report.metrics[variant], report.predictions[variant])
    # the predictions are out of fold: source "0" scored by a model fitted without it
    held = data["group"] == 0
    with pytest.warns(UserWarning, match="^the postings come from 2 sources, and sources count from 3 on"):
        fold = TPMClassifier(cv=2, min_df=1, min_groups=1).fit(  # (the evaluation's folds fit the same, unwarned)
            data.loc[~held, "description"].tolist(), data.loc[~held, "label"].tolist(), groups=data.loc[~held, "group"]
        )
    proba = pd.DataFrame(fold.predict_proba(data.loc[held, "description"]), columns=fold.classes_)
    np.testing.assert_allclose(report.predictions["raw"].loc[held, "in_scope"], 1 - proba["other"], atol=1e-9)
    # and the masked postings by the same fit (this model reads masked text itself: it is not refitted on it)
    masked = [tpmclassify.mask_role_names(t) for t in data.loc[held, "description"]]
    proba = pd.DataFrame(fold.predict_proba(masked), columns=fold.classes_)
    np.testing.assert_allclose(report.predictions["masked"].loc[held, "in_scope"], 1 - proba["other"], atol=1e-9)
    assert "| raw |" in report.to_markdown()
    fig = report.plot()
    assert len(fig.axes) == 3
    labels = [t.get_text() for t in fig.axes[2].get_yticklabels()]
    assert labels and all(":" in x for x in labels)


def _check_against_predictions(m: dict, pred: pd.DataFrame) -> None:
    """Every figure of ``m`` recomputed independently from the returned predictions."""
    role = pred[pred["truth"].isin(["tpm", "pm"])]
    y, p = (role["truth"] == "tpm").to_numpy(int), role["p_tpm"].to_numpy()
    w = 1.0 / role.groupby("source")["source"].transform("size").to_numpy()  # each source weighs the same
    assert m["macro_f1"] == pytest.approx(f1_score(y, p >= 0.5, average="macro", sample_weight=w))
    assert m["pooled_macro_f1"] == pytest.approx(f1_score(y, p >= 0.5, average="macro"))
    assert m["roc_auc"] == pytest.approx(roc_auc_score(y, p, sample_weight=w))
    assert m["pooled_roc_auc"] == pytest.approx(roc_auc_score(y, p))
    assert m["brier"] == pytest.approx(np.average((p - y) ** 2, weights=w))
    assert m["pooled_brier"] == pytest.approx(np.mean((p - y) ** 2))
    assert m["confusion"] == [[int(((y == t) & ((p >= 0.5) == g)).sum()) for g in (0, 1)] for t in (0, 1)]
    truth_in = (pred["truth"] != "other").to_numpy()
    assert m["scope_roc_auc"] == pytest.approx(roc_auc_score(truth_in, pred["in_scope"]))
    assert m["scope_brier"] == pytest.approx(np.mean((pred["in_scope"].to_numpy() - truth_in) ** 2))


class _Fixed:
    """A fitted stand-in whose probabilities are set by hand, one row per text."""

    classes_ = np.array(["other", "pm", "tpm"], dtype=object)

    def __init__(self, rows: dict[str, tuple[float, float]]) -> None:
        self.rows = rows  # text -> (p_tpm, in_scope)

    def predict_proba(self, X):
        p, s = np.array([self.rows[x] for x in X]).T
        return np.column_stack([1 - s, s * (1 - p), s * p])


def test_metrics_weigh_each_source_the_same():
    """Uneven sources and some mistakes: the source-averaged and pooled figures differ, both checked by hand."""
    rows = [  # text, label, source, p_tpm, in_scope
        ("a1", "tpm", "A", 0.9, 0.8),
        ("a2", "tpm", "A", 0.4, 0.45),
        ("a3", "pm", "A", 0.2, 0.8),
        ("a4", "pm", "A", 0.3, 0.8),
        ("b1", "tpm", "B", 0.7, 0.8),
        ("b2", "pm", "B", 0.45, 0.8),
        ("b3", "other", "B", 0.5, 0.3),
        ("b4", "other", "B", 0.5, 0.6),
    ]
    data = pd.DataFrame(rows, columns=["description", "label", "source", "p", "s"])
    model = _Fixed({t: (p, s) for t, _, _, p, s in rows})
    report = evaluate(model, data, groups="source", refit=False)
    m = report.metrics["raw"]
    assert m["brier"] == pytest.approx(((0.01 + 0.36 + 0.04 + 0.09) / 4 + (0.09 + 0.2025) / 2) / 2)
    assert m["pooled_brier"] == pytest.approx((0.01 + 0.36 + 0.04 + 0.09 + 0.09 + 0.2025) / 6)
    assert m["confusion"] == [[3, 0], [1, 2]]
    assert (m["scope_precision"], m["scope_recall"]) == pytest.approx((5 / 6, 5 / 6))
    assert (m["scope_recall_tpm"], m["scope_recall_pm"]) == pytest.approx((2 / 3, 1.0))
    assert report.per_source["raw"].loc["A", "accuracy"] == 0.75 and report.per_source["raw"].loc["B", "accuracy"] == 1
    assert m["worst_source"] == "B"  # by Brier (0.146 against 0.125), although A has the lower accuracy
    _check_against_predictions(m, report.predictions["raw"])


def test_fitted_model_on_held_out_data(bundled, postings):
    report = evaluate(bundled, postings, refit=False)
    assert report.protocol == "fitted model on the given data"
    assert report.metrics["raw"]["macro_f1"] == 1.0


def test_baseline_layout(postings):
    base = PlainTfidfBaseline().fit(postings["description"], postings["label"])
    assert list(base.classes_) == ["other", "pm", "tpm"]
    assert base.predict_proba(postings["description"]).shape == (10, 3)


def _plain(balanced):
    """The plain baseline's recipe written out: word TF-IDF (sublinear) and a logistic regression."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    weight = "balanced" if balanced else None
    return make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(class_weight=weight, max_iter=2000))


def test_the_plain_baseline_is_its_two_regressions_weighted_as_balanced_says(postings):
    """The plain baseline is what its docstring says: a TPM-vs-PM regression on the TPM and PM rows, an in-scope one
    on every row, each weighted by class when ``balanced`` (the default, kept by ``get_params`` and ``clone``), and
    P(pm) = s * (1 - p), P(tpm) = s * p. (From mutation testing of _baselines: ``balanced`` defaulting to False or
    not kept, its weight always or never applied, raw term frequencies (not sublinear), either regression trained on
    the opposite side, and ``s / (1 - p)``, ``s * (1 + p)``, ``s / p`` all passed.)"""
    from sklearn.base import clone

    assert PlainTfidfBaseline().get_params() == {"balanced": True}
    assert clone(PlainTfidfBaseline(balanced=False)).get_params() == {"balanced": False}
    texts, labels = postings["description"].to_numpy(object), postings["label"].to_numpy(object)
    roles = np.isin(labels, ["tpm", "pm"])
    seen = []
    for balanced in (True, False):
        base = PlainTfidfBaseline(balanced=balanced).fit(texts, labels)
        p = _plain(balanced).fit(texts[roles], labels[roles] == "tpm").predict_proba(texts)[:, 1]
        s = _plain(balanced).fit(texts, labels != "other").predict_proba(texts)[:, 1]
        got = base.predict_proba(texts)
        np.testing.assert_allclose(got, np.column_stack([1 - s, s * (1 - p), s * p]), atol=1e-9)
        np.testing.assert_allclose(got.sum(axis=1), 1.0)
        assert got[labels == "other", 0].min() > got[labels != "other", 0].max()  # other postings: the likeliest other
        assert (got[labels == "tpm", 2] > got[labels == "tpm", 1]).all() and (
            got[labels == "pm", 1] > got[labels == "pm", 2]
        ).all()
        seen.append(got)
    assert np.abs(seen[0] - seen[1]).max() > 0.01  # (6 in-scope rows against 4 others: the weights tell)


def test_the_plain_baseline_without_other_rows_answers_tpm_or_pm(postings):
    """Trained on TPM and PM rows only, the plain baseline has no scope regression: two classes, P(pm) = 1 - P(tpm).
    (From mutation testing of _baselines: a scope regression fitted whatever the labels, or when some row is in
    scope, the three classes always, and ``1 + p`` or ``2 - p`` for ``1 - p`` passed.)"""
    roles = postings[postings["label"] != "other"]
    texts, labels = roles["description"].to_numpy(object), roles["label"].to_numpy(object)
    base = PlainTfidfBaseline().fit(texts, labels)
    assert base.scope_ is None and list(base.classes_) == ["pm", "tpm"]
    p = _plain(True).fit(texts, labels == "tpm").predict_proba(texts)[:, 1]
    np.testing.assert_allclose(base.predict_proba(texts), np.column_stack([1 - p, p]), atol=1e-9)


@pytest.mark.parametrize(
    ("title", "label"),
    [
        ("Technical Program Manager", "tpm"),
        ("Sr. TPM, Payments", "tpm"),
        ("Technical Programme Management Lead", "tpm"),
        ("Technical Project Manager", "hybrid"),
        ("Engineering Project Manager, Batteries", "hybrid"),
        ("Project Manager - Construction", "pm"),
        ("Program/Project Manager", None),
        ("Senior Program Manager, Operations", "other"),
        ("Senior Product Manager", "other"),
        ("Scrum Master", "other"),
        ("Accountant", None),
        (None, None),
        (12, None),
    ],
)
def test_label_from_title(title, label):
    assert label_from_title(title) == label


def test_train_and_evaluate_cli(tmp_path, postings, capsys):
    from tpmclassify._cli import main

    src = tmp_path / "d.csv"
    postings.to_csv(src, index=False)
    model = tmp_path / "m.tpmc"
    with pytest.warns(UserWarning, match="training on 10 labeled rows"):
        assert main(["train", str(src), "-o", str(model)]) == 0
    assert "sha256" in capsys.readouterr().out
    assert (tmp_path / "m.md").exists()
    assert tpmclassify.load(model).metadata_["training_data"]["rows"] == 10
    assert main(["evaluate", str(src), "--model", str(model), "--markdown"]) == 0
    assert "| masked |" in capsys.readouterr().out
    assert main(["evaluate", str(src), "--model", str(tmp_path / "nope.tpmc")]) == 2
    assert "model file not found" in capsys.readouterr().err
    before = model.read_bytes()
    assert main(["train", str(src), "-o", str(model)]) == 2  # an existing model is not replaced...
    assert "exists; pass --overwrite" in capsys.readouterr().err and model.read_bytes() == before
    with pytest.warns(UserWarning, match="training on 10 labeled rows"):
        assert main(["train", str(src), "-o", str(model), "--overwrite"]) == 0  # ...unless asked


def test_evaluate_cli_has_two_explicit_modes(tmp_path, postings, capsys):
    from tpmclassify._cli import main

    twice = pd.concat([postings, postings.assign(company=postings["company"] + " (2)")], ignore_index=True)
    src = tmp_path / "d.csv"
    twice.assign(source=twice["company"]).to_csv(src, index=False)
    # this saved model, as it is: one pass, no refitting
    assert main(["evaluate", str(src), "-q"]) == 0
    assert "fitted model on the given data" in capsys.readouterr().out
    # the method, refitted in source-grouped folds
    assert main(["evaluate", str(src), "--cross-validate", "--folds", "2", "-q"]) == 0
    assert "2-fold source-grouped over" in capsys.readouterr().out


def test_evaluation_metrics_are_the_sources_average(postings):
    report = evaluate(
        tpmclassify.default_model(),
        postings.assign(src=["a", "a", "b", "b", "b", "c", "d", "d", "d", "d"]),
        groups="src",
        refit=False,
    )
    pred = report.predictions["raw"]
    role = pred[pred["truth"].isin(["tpm", "pm"])]
    w = 1.0 / role.groupby("source")["truth"].transform("size")
    from sklearn.metrics import brier_score_loss

    expected = brier_score_loss(role["truth"] == "tpm", role["p_tpm"], sample_weight=w)
    assert report.metrics["raw"]["brier"] == pytest.approx(expected)
    assert report.metrics["raw"]["pooled_brier"] == pytest.approx(
        brier_score_loss(role["truth"] == "tpm", role["p_tpm"])
    )
    assert set(report.per_source["raw"].index) == set(role["source"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--folds", "3"], "--folds goes with --cross-validate"),
        (["--cross-validate", "--folds", "1"], "no sources (no --group-column, no 'source' column), so folds are"),
        (["--cross-validate", "--folds", "500"], "--folds must be from 2 to 4"),
        (["--label-column", "title"], "unknown labels"),
    ],
)
def test_evaluate_cli_refuses_what_it_cannot_do_in_one_line(tmp_path, postings, capsys, args, message):
    from tpmclassify._cli import main

    src = tmp_path / "d.csv"
    postings.to_csv(src, index=False)
    assert main(["evaluate", str(src), "-q", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_evaluate_cli_refuses_a_file_of_no_labeled_rows_as_evaluate_does(tmp_path, postings, capsys):
    """A header and no rows: the command printed a table of zeros and exit 0 (evaluate() refuses it), after a line
    that ended on "labels from 'label': " with nothing after it."""
    from tpmclassify._cli import main

    src = tmp_path / "header.csv"
    postings.head(0).to_csv(src, index=False)
    assert main(["evaluate", str(src)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"0 of 0 rows of {src}, labels from 'label': none\n")
    assert err.endswith(f"tpmclassify evaluate: error: no labeled rows to score in {src}, of 0 rows\n")


@pytest.mark.filterwarnings("ignore:The least populated class in y:UserWarning")  # 3 of a label in 4 folds
def test_folds_without_sources_and_a_label_column_of_postings_are_refused_in_one_short_line(tmp_path, postings, capsys):
    """From a review of the command line: without sources, folds are stratified, so --folds past the commonest
    label's rows (within the 'from 2 to <rows>' the message gave) crashed with scikit-learn's traceback; and a label
    column of postings printed every posting (6.9 MB) as an unknown label."""
    from tpmclassify._cli import main

    src = tmp_path / "d.csv"
    postings.to_csv(src, index=False)  # (no source column)
    most = int(postings["label"].value_counts().max())
    assert main(["evaluate", str(src), "-q", "--cross-validate", "--folds", str(most + 1)]) == 2
    err = capsys.readouterr().err
    assert (
        f"so folds are stratified: --folds must be from 2 to {most} (the commonest label's rows), got {most + 1}" in err
    )
    assert "Traceback" not in err
    # by default, and with 0, as many folds as that allows, up to 5 (5 was refused when given by default)
    assert main(["evaluate", str(src), "-q", "--cross-validate"]) == 0
    assert (
        f"note: no sources (no --group-column, no 'source' column): {min(5, most)} stratified folds"
        in capsys.readouterr().err
    )
    one = tmp_path / "one.csv"
    postings.assign(source="acme").to_csv(one, index=False)
    assert main(["evaluate", str(one), "-q", "--cross-validate", "--folds", "1"]) == 2
    assert "every row is from one source, so folds are stratified: --folds must be from 2" in capsys.readouterr().err
    assert main(["evaluate", str(src), "-q", "--label-column", "title"]) == 2  # a column of other text
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "(none is a label: the wrong column?)" in err
    assert len(err.replace(str(src), "")) < 540  # (without the path, whose length is the temporary folder's)
    assert main(["evaluate", str(src), "-q", "--label-column", "description"]) == 2  # the postings themselves
    assert capsys.readouterr().err == (
        "tpmclassify evaluate: error: --label-column names the text column 'description'; name another column (for "
        "it, or for the text with --text-column: one may be a default)\n"
    )


def test_a_scope_threshold_of_zero_is_the_one_scored(postings):
    """Every posting in scope at a stated threshold of 0 (a 0 is a threshold, not a missing one)."""
    data = pd.concat([postings] * 3, ignore_index=True)
    report = evaluate(TPMClassifier(scope_threshold=0.0, cv=2, min_df=1, min_groups=1), data, folds=2)
    frame = report.to_frame()
    assert frame["scope_threshold"].tolist() == [0.0, 0.0]
    assert frame["scope_recall"].tolist() == [1.0, 1.0]
    assert frame["scope_precision"].tolist() == [pytest.approx(0.6)] * 2  # the 6 TPM/PM of 10, every one kept


def _table(tmp_path, frame, name="export.csv"):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda m, d: evaluate(m, d.drop(columns="label"), refit=False), tpmclassify.ColumnError, "no column 'label'"),
        (lambda m, d: evaluate(m, d, text_column="body", refit=False), tpmclassify.ColumnError, "with text_column="),
        (
            lambda m, d: evaluate(m, d, groups="Co", refit=False),
            tpmclassify.ColumnError,
            "no column 'Co'.*with groups=",
        ),
        (lambda m, d: evaluate(m, d, groups=["a", "b"], refit=False), tpmclassify.InvalidValueError, "2 values for 10"),
        (
            lambda m, d: evaluate(TPMClassifier(), d, folds=1),
            tpmclassify.InvalidValueError,
            "folds must be from 2 to 4",
        ),
        (lambda m, d: evaluate(TPMClassifier(), d, folds=99), tpmclassify.InvalidValueError, "got 99"),
        (lambda m, d: evaluate(m, d, folds=3, refit=False), tpmclassify.InvalidValueError, "folds= goes with refit"),
        (lambda m, d: evaluate("m.tpmc", d, refit=False), tpmclassify.PostingTypeError, "tpmclassify.load"),
        (lambda m, d: evaluate(TPMClassifier(), d, refit=False), tpmclassify.InvalidValueError, "not fitted"),
        (lambda m, d: evaluate(m, d.iloc[:0], refit=False), tpmclassify.InvalidValueError, "no labeled rows"),
        (lambda m, d: evaluate(TPMClassifier(), d[d["label"] != "pm"]), tpmclassify.InvalidValueError, "0 'pm' rows"),
    ],
)
def test_evaluate_refuses_what_the_command_line_refuses_with_the_librarys_errors(
    bundled, postings, call, error, message
):
    """From an analyst's review: each of these raised pandas', scikit-learn's or Python's own error (KeyError 'label',
    "All arrays must be of the same length", "k-fold cross-validation requires at least one train/test split", an
    AttributeError on a path), or returned figures for no rows at all."""
    with pytest.raises(error, match=message) as caught:
        call(bundled, postings)
    assert isinstance(caught.value, tpmclassify.TPMClassifyError)


def test_evaluate_names_every_bad_row_as_the_file_numbers_it(bundled, postings, tmp_path):
    """Given a file, rows without text or with a label that is none are named as a spreadsheet shows them (the
    header is row 1), all of them; given a table, by its index, even one read from a file and then reordered (a
    numbering kept beside a table named rows that were not those once it was sorted, filtered or concatenated)."""
    bad = postings.copy()
    bad.loc[[2, 5, 7], "description"] = ""
    path = _table(tmp_path, bad)
    with pytest.raises(tpmclassify.InvalidValueError) as caught:
        evaluate(bundled, path, refit=False)
    assert str(caught.value) == (
        f"{path}: row 4: posting text is empty or whitespace-only; also rows 7 and 9 (fix or drop those rows)"
    )
    shuffled = tpmclassify.read_table(path).iloc[::-1].reset_index(drop=True)
    with pytest.raises(tpmclassify.InvalidValueError, match=r"^index 2: posting text is empty .*; also index 4 and 7 "):
        evaluate(bundled, shuffled, refit=False)
    for missing in (None, float("nan"), pd.NA):  # an empty cell, as pandas reads it, whatever the dtype
        with pytest.raises(tpmclassify.InvalidValueError, match=r"^index 2: no text \(an empty cell\); also index 5 "):
            evaluate(bundled, bad.astype(object).replace("", missing), refit=False)
    unlabeled = postings.copy()
    unlabeled.loc[[1, 8], "label"] = " "
    with pytest.raises(
        tpmclassify.InvalidValueError, match=r"\(2 rows have no label: .*\); in .*export.csv: rows 3 and 10$"
    ):
        evaluate(bundled, _table(tmp_path, unlabeled), refit=False)
    unlabeled.loc[[1, 8], "label"] = pd.NA  # (an NA label was read as the label '<na>')
    with pytest.raises(tpmclassify.InvalidValueError, match=r"unknown labels \[''\].*; in index 1 and 8$"):
        tpmclassify.train(unlabeled.convert_dtypes())


def test_a_text_of_nothing_but_a_role_name_is_refused_by_training_and_evaluation_alike(bundled, postings, tmp_path):
    """From an analyst's review: a scraped row whose description is only its title ("Senior Technical Program
    Manager") was trained on, then crashed the evaluation's masked reading with "posting text is empty" and a row
    counted inside a fold's test part. Both now refuse it up front, named as the file or the table numbers it."""
    bad = postings.copy()
    bad.loc[6, "description"] = "Senior Technical Program Manager (TPM)"
    bad.loc[8, "description"] = "project management"
    path = _table(tmp_path, bad)
    why = "nothing but a role name ('Senior Technical Program Manager (TPM)'): no words once role names are masked"
    for call in (
        lambda: evaluate(bundled, path, refit=False),
        lambda: evaluate(TPMClassifier(cv=2), path, folds=2),
        lambda: tpmclassify.train(path),
    ):
        with pytest.raises(tpmclassify.InvalidValueError) as caught:
            call()
        assert str(caught.value).startswith(
            f"{path}: row 8: {why}, as training and evaluation also read it; also row 10"
        )
    with pytest.raises(tpmclassify.InvalidValueError, match=r"^index 6: nothing but a role name .*; also index 8 "):
        tpmclassify.train(bad)
    kept = postings.copy()
    kept.loc[6, "description"] = "Technical Program Manager, Payments: own the roadmap"  # words beside the role name
    assert len(evaluate(bundled, kept, refit=False).predictions["masked"]) == len(kept)


def test_blank_labels_take_their_titles_labels_when_titles_are_named(bundled, postings):
    """With ``title_column``, a row without a label (blank, NaN or NA) is labeled by its title, as the error for
    blank labels suggests, in evaluate and train alike; a row whose title the rule cannot label either is refused,
    never left out (rows of a label column are all meant to be used)."""
    unlabeled = postings.convert_dtypes()
    unlabeled.loc[0, "label"], unlabeled.loc[4, "label"] = "", pd.NA
    report = evaluate(bundled, unlabeled, title_column="title", refit=False, groups=list("abcdefghij"))
    assert report.predictions["raw"]["truth"].tolist() == postings["label"].tolist()
    unlabeled.loc[3, "label"], unlabeled.loc[3, "title"] = " ", "Barista"
    for call in (
        lambda: evaluate(bundled, unlabeled, title_column="title", refit=False),
        lambda: tpmclassify.train(unlabeled, title_column="title", cv=2, min_df=1, min_groups=1),
    ):
        with pytest.raises(tpmclassify.InvalidValueError, match=r"^1 row has no label, and the title rule .*index 3$"):
            call()
    with pytest.raises(tpmclassify.ColumnError, match="title_column=... names the text column 'description'"):
        evaluate(bundled, postings, title_column="description", refit=False)  # (was read as each posting's title)


def test_groups_and_folds_are_read_as_the_command_line_reads_them(bundled, postings, tmp_path):
    """A source column is cut at ':' as train() and the command line cut it (owner/repo:file is one source), the
    labels left out by the title rule take their groups with them, folds=0 leaves one source out at a time, and a
    held-out set of other roles alone is scored on the in-scope figures it has."""
    sourced = postings.assign(source=[f"s{i % 3}:file{i}.csv" for i in range(len(postings))])
    report = evaluate(bundled, sourced, groups="source", refit=False)
    assert sorted(set(report.predictions["raw"]["source"])) == ["s0", "s1", "s2"]
    assert evaluate(tpmclassify.evaluation.KeywordBaseline(), sourced, groups="source", folds=0).protocol == (
        "leave-one-source-out over 3 sources"
    )
    titled = postings.drop(columns="label").assign(title=["Barista", *postings["title"][1:]])
    with pytest.warns(tpmclassify.RowsLeftOutWarning, match=r"^1 row left out: .*: index 0: 'Barista'$"):
        kept = evaluate(bundled, titled, title_column="title", groups=list("abcdefghij"), refit=False)
    assert kept.predictions["raw"]["source"].tolist() == list("bcdefghij")  # the Barista's row and group left out
    assert kept.predictions["raw"].index.tolist() == list(range(1, 10))  # indexed as the caller's rows
    repeated = titled.assign(source=["x:1.csv", "y:2.csv"] * 5).set_axis([0] * 10)  # an index that repeats
    with pytest.warns(tpmclassify.RowsLeftOutWarning, match="1 row left out"):
        report = evaluate(bundled, repeated, title_column="title", groups="source", refit=False)
    assert report.predictions["raw"]["source"].tolist() == ["y", "x"] * 4 + ["y"]  # (was refused: "give a column")
    masked = kept.predictions["masked"]  # its reading of the axes on the same rows, with their own dtypes
    assert masked["axes_tpm"].dtype == np.int64 and masked["unreadable"].dtype == bool
    answers = bundled.classify_many([tpmclassify.mask_role_names(t) for t in titled["description"][1:]])
    assert masked["unreadable"].tolist() == [p.unreadable for p in answers]
    by_index = kept.rescored(postings["label"].sample(frac=1, random_state=0))  # a Series, shuffled: by its index
    assert by_index == kept.rescored(postings["label"]) == kept.rescored(postings["label"][1:].tolist())
    with pytest.raises(tpmclassify.InvalidValueError, match="labels has 10 values for the 9 rows evaluated"):
        kept.rescored(postings["label"].tolist())
    held_out = postings.assign(label=postings["label"].replace({"tpm": "hybrid"}))
    held_out = held_out[held_out["label"] != "pm"]  # hybrid and other rows: no TPM or PM row to score the roles on
    report = evaluate(bundled, held_out, refit=False)
    assert report.metrics["masked"]["n_tpm"] == report.metrics["masked"]["n_pm"] == 0
    assert report.metrics["masked"]["n_other"] == 4 and 0 <= report.metrics["masked"]["scope_roc_auc"] <= 1


def test_a_figure_that_needs_both_roles_is_nan_when_one_has_no_row(bundled, postings):
    """Scored on TPM postings only, macro-F1 is n/a like ROC AUC (it was 0.47 or 1.0, depending on the answers)."""
    report = evaluate(bundled, postings[postings["label"] != "pm"], refit=False)
    assert np.isnan(report.metrics["masked"]["macro_f1"]) and np.isnan(report.metrics["masked"]["roc_auc"])
    assert report.metrics["masked"]["brier"] < 0.25  # what a single role can be scored on still is


@pytest.mark.filterwarnings("ignore:training on 6 labeled rows:UserWarning")
def test_training_without_other_roles_says_what_the_model_cannot_do(postings, tmp_path):
    """From an analyst's review: trained on TPM and PM postings only, a model read 21 of 30 other jobs (a software
    engineer at 0.985) as TPM without a word, and its card gave an in-scope threshold of None with its rule."""
    roles = postings[postings["label"] != "other"]
    with pytest.warns(UserWarning, match="0 'other' rows: the model cannot tell a posting that is neither TPM nor PM"):
        model = tpmclassify.train(roles, cv=2, min_df=1, min_groups=1)
    assert model.classify(postings["description"][0]).in_scope is None
    tpmclassify.save(model, tmp_path / "m.tpmc")
    card = (tmp_path / "m.md").read_text(encoding="utf-8")
    assert "- in scope: no scope head (trained on fewer than 2 'other' postings)" in card
    assert "in-scope threshold" not in card


def test_evaluate_takes_the_bounds_it_states(postings):
    """The bounds the messages state are the bounds: 2 folds and as many as there are sources (or rows of the
    commonest label) are taken, one past either is refused; exactly 3 postings of a role cross-validate (2 do not:
    a fold would train on 1; scikit-learn's warning of a label of fewer rows than folds is not passed on), 2 sources
    stay grouped, and without sources the folds are 5, or the commonest label's rows when fewer (from mutation
    testing of _labeled: each of these bounds could move by one unseen)."""
    keyword = tpmclassify.evaluation.KeywordBaseline()
    sourced = postings.assign(source=["a", "b"] * 5)
    assert evaluate(keyword, sourced, groups="source", folds=2).protocol == "2-fold source-grouped over 2 sources"
    with pytest.raises(tpmclassify.InvalidValueError, match="^folds must be from 2 to 2 .*; got 3$"):
        evaluate(keyword, sourced, groups="source", folds=3)
    most = int(postings["label"].value_counts().max())  # 4 other postings
    assert evaluate(keyword, postings, folds=most).protocol.startswith(f"{most}-fold stratified")  # (3 TPM in 4)
    with pytest.raises(tpmclassify.InvalidValueError, match=f"^folds must be from 2 to {most} .*; got {most + 1}$"):
        evaluate(keyword, postings, folds=most + 1)
    twice = pd.concat([postings] * 2, ignore_index=True)
    assert evaluate(keyword, twice).protocol.startswith("5-fold stratified")  # (8 rows of the commonest label)
    assert evaluate(keyword, postings).protocol.startswith(f"{most}-fold stratified")  # (5 would not split)
    two = postings.drop(index=postings.index[postings["label"] == "pm"][2:])  # 2 PM postings: some fold trains on 1
    with pytest.raises(tpmclassify.InvalidValueError, match="^the data has 2 'pm' rows: cross-validation needs at "):
        evaluate(keyword, two, folds=2)
    assert evaluate(keyword, postings, folds=3).metrics["masked"]["n_pm"] == 3  # exactly 3 cross-validate


def test_evaluate_names_the_estimator_it_needs(bundled, postings):
    """A scorer without ``fit`` scores as it is and is refused for refitting; a missing source column is named."""

    class Scores:  # scores, but cannot be refitted
        classes_ = bundled.classes_

        def predict_proba(self, texts):
            return bundled.predict_proba(texts)

    assert evaluate(Scores(), postings, refit=False).metrics["masked"]["n_tpm"] == 3
    with pytest.raises(tpmclassify.PostingTypeError, match="^model must be an estimator with fit and predict_proba"):
        evaluate(Scores(), postings)
    with pytest.raises(tpmclassify.ColumnError, match="^no column 'nope'; .*with group_column="):
        tpmclassify.train(pd.concat([postings] * 3, ignore_index=True), group_column="nope")


def test_training_reads_a_file_as_the_file_numbers_its_rows(postings, tmp_path):
    """Given a path, train names bad rows as the file numbers them; a text that is a number or a list is named for
    what it is (not an empty cell); a label column named twice in the header is refused, not read as the first."""
    bad = postings.astype(object)
    bad.loc[3, "description"] = 5
    with pytest.raises(tpmclassify.InvalidValueError, match=r"^index 3: posting text must be str, got int "):
        tpmclassify.train(bad)
    bad.loc[3, "description"] = ["Own the roadmap", "Lead design reviews"]
    with pytest.raises(
        tpmclassify.InvalidValueError,
        match=r"^index 3: posting text must be str, got list: several values, not one text ",
    ):
        tpmclassify.train(bad)
    path = _table(tmp_path, postings.assign(description=postings["description"].where(postings.index != 6, " ")))
    with pytest.raises(tpmclassify.InvalidValueError, match=rf"^{re.escape(str(path))}: row 8: posting text is empty"):
        tpmclassify.train(path)
    twice = tmp_path / "twice.csv"
    twice.write_text(_table(tmp_path, postings).read_text().replace("title,company,label,", "label,company,label,", 1))
    with pytest.raises(tpmclassify.BatchError, match="column 'label' appears 2 times in the header"):
        tpmclassify.train(twice)


def test_calibration_error_is_counted_by_hand_in_ten_bins_each_source_weighing_the_same():
    """ECE (expected calibration error) in ten equal-width bins, each source's rows weighing 1 together, pooled, and
    per source, counted by hand on probabilities exact in binary: each bin adds |sum of w * (p - y)| over its rows,
    divided by the total weight. 1.0 falls in the last bin (a PM posting there counts), 0.90625 and 0.875 in two
    bins that eleven would join, and a TPM posting at exactly 0.5 is read as TPM by every figure (from mutation
    testing of _metrics: no test had checked an ECE, the per-source table, or the number of sources)."""
    rows = [  # text, label, source, p_tpm
        ("a1", "pm", "A", 1.0),
        ("a2", "tpm", "A", 0.90625),
        ("a3", "tpm", "A", 0.875),
        ("a4", "pm", "A", 0.25),
        ("b1", "tpm", "B", 0.5),
        ("b2", "pm", "B", 0.9375),
    ]
    data = pd.DataFrame(rows, columns=["description", "label", "source", "p"])
    report = evaluate(_Fixed({t: (p, 1.0) for t, _, _, p in rows}), data, groups="source", refit=False)
    m = report.metrics["raw"]
    assert report.predictions["raw"]["p_tpm"].tolist() == data["p"].tolist()
    # weights 1/4 (A) and 1/2 (B), 2 in all. Bin 9: a1, a2, b2; bin 8: a3; bin 5: b1; bin 2: a4
    bins = [0.25 * 1.0 - 0.25 * 0.09375 + 0.5 * 0.9375, 0.25 * 0.125, 0.5 * 0.5, 0.25 * 0.25]
    assert m["ece"] == pytest.approx(sum(bins) / 2)  # 133/256
    assert m["pooled_ece"] == pytest.approx((1.0 - 0.09375 + 0.9375 + 0.125 + 0.5 + 0.25) / 6)  # 29/64
    table = report.per_source["raw"]
    assert table.index.tolist() == ["A", "B"]
    assert table["ece"].tolist() == pytest.approx([(1.0 - 0.09375 + 0.125 + 0.25) / 4, (0.5 + 0.9375) / 2])
    assert table["n_tpm"].tolist() == [2, 1] and table["n_pm"].tolist() == [2, 1]
    assert table["accuracy"].tolist() == [0.75, 0.5]  # B: b1 right at 0.5, b2 wrong
    brier_b = (0.25 + 0.9375**2) / 2
    assert table["brier"].tolist() == pytest.approx([(1.0 + 0.09375**2 + 0.125**2 + 0.25**2) / 4, brier_b])
    assert (m["worst_source"], m["worst_source_accuracy"], m["worst_source_brier"]) == ("B", 0.5, brier_b)
    assert m["n_sources"] == 2 and m["confusion"] == [[1, 2], [0, 3]]
    # TPM: 1 right, 0.75 read as TPM wrongly; PM: 0.25 right, 0.75 missed. Pooled: 3 and 2; 1 and 2
    assert m["macro_f1"] == pytest.approx((2 / 2.75 + 0.5 / 1.25) / 2)
    assert m["pooled_macro_f1"] == pytest.approx((6 / 8 + 2 / 4) / 2)


def test_figures_of_one_tpm_posting_and_of_none():
    """One TPM posting is enough for macro-F1 and ROC AUC; with none, each of them, weighed and pooled, is n/a (NaN),
    not a crash, while Brier and ECE are still figures."""
    one = [("t1", "tpm", "A", 0.75), ("p1", "pm", "A", 0.25), ("p2", "pm", "B", 0.375)]
    data = pd.DataFrame(one, columns=["description", "label", "source", "p"])
    m = evaluate(_Fixed({t: (p, 1.0) for t, _, _, p in one}), data, groups="source", refit=False).metrics["raw"]
    assert (m["macro_f1"], m["roc_auc"], m["pooled_macro_f1"], m["pooled_roc_auc"]) == (1.0, 1.0, 1.0, 1.0)
    none = [("p1", "pm", "A", 0.25), ("p2", "pm", "A", 0.5), ("p3", "pm", "B", 0.125)]
    data = pd.DataFrame(none, columns=["description", "label", "source", "p"])
    m = evaluate(_Fixed({t: (p, 1.0) for t, _, _, p in none}), data, groups="source", refit=False).metrics["raw"]
    assert (m["n_tpm"], m["n_pm"], m["confusion"]) == (0, 3, [[2, 1], [0, 0]])
    for name in ("macro_f1", "roc_auc", "pooled_macro_f1", "pooled_roc_auc"):
        assert np.isnan(m[name]), name
    assert m["brier"] == pytest.approx((0.0625 + 0.25) / 4 + 0.015625 / 2)
    assert m["pooled_ece"] == pytest.approx((0.25 + 0.5 + 0.125) / 3)


def test_rescored_scores_the_same_predictions_against_the_labels_given(bundled, postings):
    """From a mutation run (every figure of ``rescored`` replaced by None passed): the labels evaluated give the
    figures evaluated; the roles swapped turn the ranking round (AUC 1 - AUC); a row labeled another role is left
    out, and a missing label is refused, said as such."""
    report = evaluate(bundled, postings, groups=list("aabbccddee"), refit=False)
    same = report.rescored(postings["label"])
    swapped = report.rescored(postings["label"].replace({"tpm": "pm", "pm": "tpm"}).tolist())
    left_out = report.rescored(postings["label"].where(postings.index != 0, "other"))  # the first TPM row's label
    with pytest.raises(tpmclassify.InvalidValueError, match=r"unknown labels \[''\].*1 row has no label"):
        report.rescored(postings["label"].where(postings.index != 0, None))
    for variant in ("raw", "masked"):
        m = report.metrics[variant]
        for key in ("n_tpm", "n_pm", "macro_f1", "roc_auc", "brier", "ece", "pooled_brier"):
            assert same[variant][key] == pytest.approx(m[key]), key
        assert same[variant]["confusion"] == m["confusion"]
        assert (swapped[variant]["n_tpm"], swapped[variant]["n_pm"]) == (m["n_pm"], m["n_tpm"])
        assert swapped[variant]["roc_auc"] == pytest.approx(1 - m["roc_auc"])
        assert (left_out[variant]["n_tpm"], left_out[variant]["n_pm"]) == (m["n_tpm"] - 1, m["n_pm"])


class _GroupsSeen(PlainTfidfBaseline):
    """A plain pipeline whose ``fit`` takes the rows' sources, as a grouped estimator does, and keeps them."""

    def fit(self, X, y, groups=None):
        self.groups_seen_ = None if groups is None else sorted(set(groups))
        return super().fit(X, y)


def test_a_model_that_takes_groups_is_fitted_with_its_training_sources(postings):
    """From a mutation run (the check for a ``groups`` parameter misspelt passed): an estimator whose ``fit`` takes
    ``groups`` gets the sources of each fold's training rows, the held-out source not among them."""
    report = evaluate(_GroupsSeen(), postings, groups=list("aabbccddee"), folds=0)
    assert report.protocol == "leave-one-source-out over 5 sources"
    assert report.model.groups_seen_ == list("abcd")  # the last fold holds "e" out


def test_a_model_read_masked_is_refitted_on_masked_text(postings):
    """From a mutation run (the masked variant's own fit switched off, or on for every model, passed): the keyword
    model, which asks for it, scores the masked postings with a fit on the fold's masked training postings; fitted on
    them as written, it scores them otherwise."""
    keyword = tpmclassify.evaluation.KeywordBaseline
    groups = list("aabbccddee")
    report = evaluate(keyword(), postings, groups=groups, folds=0)
    held = np.array(groups) == "e"
    train, test = postings[~held], postings[held]
    masked = [tpmclassify.mask_role_names(t) for t in test["description"]]

    def p_tpm(model):
        return model.predict_proba(masked)[:, list(model.classes_).index("tpm")]

    own = p_tpm(keyword().fit([tpmclassify.mask_role_names(t) for t in train["description"]], train["label"]))
    np.testing.assert_allclose(report.predictions["masked"].loc[held, "p_tpm"], own, atol=1e-12)
    as_written = p_tpm(keyword().fit(train["description"].tolist(), train["label"]))
    assert not np.allclose(own, as_written)


def test_the_masked_reading_counts_its_axes_each_way(bundled, postings):
    """From a mutation run (both columns counted toward PM, or named otherwise, passed): on how many of the article's
    axes each masked posting's own words point to TPM, and to PM, what a title mismatch rests on: all four one way for
    these clear TPM and PM postings, none the other."""
    masked = evaluate(bundled, postings, refit=False).predictions["masked"]
    # by these names: the flags' chooser (scripts/train_default.py) reads undecided_as_role when there is one
    assert masked.columns[-4:].tolist() == ["axes_tpm", "axes_pm", "unreadable", "undecided_as_role"]
    for role, other in (("tpm", "pm"), ("pm", "tpm")):
        rows = masked[masked["truth"] == role]
        assert rows[f"axes_{role}"].tolist() == [4, 4, 4] and rows[f"axes_{other}"].tolist() == [0, 0, 0]


def test_a_model_without_a_scope_head_says_its_other_rows_are_not_scored(postings):
    """A model trained on TPM and PM rows only answers TPM or PM for every posting: evaluated on a file with "other"
    rows, the in-scope rows of the table were left out without a word. It warns; the bundled model (a scope head)
    does not."""
    roles = postings[postings["label"].isin(["tpm", "pm"])]
    model = TPMClassifier(cv=2, min_df=1, min_groups=1).fit(roles["description"], roles["label"])
    n_other = int((postings["label"] == "other").sum())
    with pytest.warns(UserWarning, match=rf"^the {n_other} 'other' rows are not scored: the model has no scope head"):
        report = evaluate(model, postings, refit=False)
    assert "scope_roc_auc" not in report.metrics["masked"] and n_other > 0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert "scope_roc_auc" in evaluate(tpmclassify.default_model(), postings, refit=False).metrics["masked"]
        evaluate(model, roles, refit=False)  # (no "other" row: nothing left out)
    # cross-validated, a model that has a scope head may lose it in a fold whose training part holds too few "other"
    # postings: said so, not "the model has no scope head" (a review)
    copies = pd.concat([postings.assign(source=f"s{k}") for k in range(4)], ignore_index=True)
    others = copies.index[copies["label"] == "other"]
    copies.loc[others, "source"] = "s0"
    copies.loc[others[-1], "source"] = "s1"
    with warnings.catch_warnings(record=True) as said:  # (with another: the scope head's sources, for calibration)
        warnings.simplefilter("always")
        evaluate(TPMClassifier(cv=2, min_df=1, min_groups=1), copies, groups="source")
    ours = [str(w.message) for w in said if "rows are not scored" in str(w.message)]
    assert len(ours) == 1 and "in 2 of 8 fits of the cross-validation, the model had no scope head" in ours[0]


def test_a_role_from_one_source_is_refused_before_any_fold_and_folds_keep_their_warnings(postings, tmp_path, capsys):
    """From a review of the retraining fixes: with every PM posting from one of five sources, each fold count failed
    in a fold ("got 0; more folds ...", which no fold count helps), and a leave-one-source-out fold whose TPM postings
    came from one source warned "add ... from other sources" though the data had two. Now the first is refused before
    any fold (library and command line alike), and the second is a fold's own, not said."""
    from tpmclassify._cli import main

    rows = pd.concat([postings] * 3, ignore_index=True)
    one = rows.assign(source=["pmboard" if label == "pm" else f"s{i % 4}" for i, label in enumerate(rows["label"])])
    message = r"^the 'pm' postings all come from one source \('pmboard'\): the fold that leaves it out trains on none"
    for folds in (2, None):
        with pytest.raises(tpmclassify.InvalidValueError, match=message):
            evaluate(TPMClassifier(), one, groups="source", folds=folds)
    path = _table(tmp_path, one)
    assert main(["evaluate", str(path), "--cross-validate", "-q"]) == 2
    assert "error: the 'pm' postings all come from one source ('pmboard')" in capsys.readouterr().err
    two = rows.assign(source=[f"s{i % (2 if label == 'tpm' else 3)}" for i, label in enumerate(rows["label"])])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # (leaving s0 or s1 out, a fold's TPM postings come from one source)
        report = evaluate(TPMClassifier(C=1.0, cv=2, min_df=1), two, groups="source")
    assert report.protocol == "leave-one-source-out over 3 sources"


def test_what_every_fold_would_refuse_is_refused_before_the_first_fit(postings, monkeypatch):
    """From an analyst's review: a fold short of a role was found after 22 of 23 folds were fitted, and a parameter
    that no fit takes was said as a fold's problem with the wrong fix. Both are refused before any fit, naming the
    source the short fold leaves out."""
    fits = []
    monkeypatch.setattr(TPMClassifier, "fit", lambda self, *a, **k: fits.append(1) or pytest.fail("fitted"))
    sourced = postings.assign(source=[f"s{i % 4}" for i in range(len(postings))])
    sourced.loc[sourced["label"] == "tpm", "source"] = ["z", "z", "a"]
    with pytest.raises(tpmclassify.InvalidValueError) as err:
        evaluate(TPMClassifier(cv=2), sourced, groups="source")
    assert str(err.value) == (
        f"cross-validation (leave-one-source-out over {sourced['source'].nunique()} sources): a fold (leaving out "
        "'z') trains on 1 'tpm' posting, and a fit needs 2 at least; more labeled postings leave each fold enough of "
        "every label"
    )
    with pytest.raises(tpmclassify.InvalidValueError, match=r"^The 'min_df' parameter of TPMClassifier must be"):
        evaluate(TPMClassifier(min_df=0), postings)
    assert fits == []
