import matplotlib
import pandas as pd
import pytest

import tpmclassify
from tpmclassify import PlainTfidfBaseline, TPMClassifier, evaluate, label_from_title

matplotlib.use("Agg")


def test_grouped_evaluation_report(postings):
    data = pd.concat([postings, postings.assign(company=postings["company"] + " (2)")], ignore_index=True)
    data["group"] = [i % 3 for i in range(len(data))]
    report = evaluate(TPMClassifier(cv=2, min_df=1, min_groups=1), data, groups="group")
    assert "leave-one-source-out over 3 sources" in report.protocol
    for variant in ("raw", "masked"):
        m = report.metrics[variant]
        assert m["n_tpm"] == 6 and m["n_pm"] == 6 and m["n_other"] == 8
        assert 0 <= m["macro_f1"] <= 1 and 0 <= m["roc_auc"] <= 1 and 0 <= m["brier"] <= 1
        assert sum(map(sum, m["confusion"])) == 12
        assert 0 <= m["scope_precision"] <= 1 and 0 <= m["scope_recall"] <= 1
    assert "| raw |" in report.to_markdown()
    fig = report.plot()
    assert len(fig.axes) == 3
    labels = [t.get_text() for t in fig.axes[2].get_yticklabels()]
    assert labels and all(":" in x for x in labels)


def test_fitted_model_on_held_out_data(bundled, postings):
    report = evaluate(bundled, postings, refit=False)
    assert report.protocol == "fitted model on the given data"
    assert report.metrics["raw"]["macro_f1"] == 1.0


def test_baseline_layout(postings):
    base = PlainTfidfBaseline().fit(postings["description"], postings["label"])
    assert list(base.classes_) == ["other", "pm", "tpm"]
    assert base.predict_proba(postings["description"]).shape == (10, 3)


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


def test_evaluate_cli_has_two_explicit_modes(tmp_path, postings, capsys):
    from tpmclassify._cli import main

    twice = pd.concat([postings, postings.assign(company=postings["company"] + " (2)")], ignore_index=True)
    src = tmp_path / "d.csv"
    twice.assign(source=twice["company"]).to_csv(src, index=False)
    # this saved model, as it is: one pass, no refitting
    assert main(["evaluate", str(src), "-q"]) == 0
    assert "fitted model on the given data" in capsys.readouterr().out
    # the method, refitted in source-grouped folds
    with pytest.warns(UserWarning):  # few rows in every fold
        assert main(["evaluate", str(src), "--cross-validate", "--folds", "2", "-q"]) == 0
    assert "2-fold source-grouped over" in capsys.readouterr().out


def test_evaluation_metrics_are_the_sources_average(postings):
    report = evaluate(tpmclassify.default_model(), postings.assign(src=["a", "a", "b", "b", "b", "c", "d", "d",
                                                                        "d", "d"]),
                      groups="src", refit=False)
    pred = report.predictions["raw"]
    role = pred[pred["truth"].isin(["tpm", "pm"])]
    w = 1.0 / role.groupby("source")["truth"].transform("size")
    from sklearn.metrics import brier_score_loss

    expected = brier_score_loss(role["truth"] == "tpm", role["p_tpm"], sample_weight=w)
    assert report.metrics["raw"]["brier"] == pytest.approx(expected)
    assert report.metrics["raw"]["pooled_brier"] == pytest.approx(brier_score_loss(role["truth"] == "tpm",
                                                                                   role["p_tpm"]))
    assert set(report.per_source["raw"].index) == set(role["source"])
