"""Retrain the bundled default model, reproducibly, and write its model card.

Usage (from the repository root)::

    python scripts/train_default.py [--data ../shared/data/postings.csv] [--skip-eval]

It evaluates the shipped configuration against the plain TF-IDF + logistic
regression baseline and the article-cues-only model, leave-one-source-out, raw
and with role names masked; then fits on all rows and writes
``tpmclassify/_data/default.tpmc``, ``models/default.md`` (model card),
``models/evaluation.json`` and ``tests/data/bundled_expected.json`` (the answers the tests pin).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tpmclassify import AXES, PlainTfidfBaseline, TPMClassifier, evaluate  # noqa: E402
from tpmclassify._api import fingerprint  # noqa: E402

#: Sources that are scrapes of the same company's career site share its boilerplate:
#: they are one group, or a "held-out" source would share templates with training.
SAME_COMPANY = {
    "BrunoRoth95/job_skills_case": "google-careers",
    "jesse980107/real-time-job-tracker": "google-careers",
    "langou3/job-scraping": "google-careers",
    "datasciencepls/dataset": "amazon-jobs",
    "moizez256/amazon_jobs": "amazon-jobs",
}

#: The shipped configuration (chosen on the figures this script prints).
PARAMS = {"C": 2.0, "scope_C": 4.0, "ngram_scale": 1.0}

NOTES = """Labels come from job titles (see `tpmclassify.label_from_title`): 'Technical Project Manager' is pm by rule
and 'other' contains non-technical Program Managers, product managers, engineering managers, scrum masters and
software engineers. Source and label are confounded (TPM rows are mostly Amazon 2012-18 and Google careers pages;
PM rows mostly a 2021 Singapore job search biased toward certification mentions), so n-grams are kept only when they
occur in postings from at least `min_groups` different sources, half the training postings have their role names
masked, and every figure is leave-one-source-out. About 30 postings are French. TPM/PM probabilities are calibrated
for equal priors (balanced Platt map); `in_scope` is calibrated to the training mix (27% in scope)."""


PROTOCOL = """Evaluation protocol (printed by `python scripts/train_default.py`): leave-one-source-out over the 17
source groups above (scrapes of the same company's careers site form one group), each model refitted without the
held-out source; every posting is scored once, by a model that never saw its source. `raw` scores the description as
it is; `masked` removes role names ("technical program manager", "project manager", "program manager", "TPM", "PM")
from the held-out text first. Titles are never used (labels come from them). Role metrics (macro-F1 at 0.5, ROC AUC,
Brier, ECE with 10 bins) are over the 58 tpm + 269 pm postings; scope metrics over all 1230, with precision/recall
at each fold's chosen in-scope threshold, and `scope_recall_tpm`/`scope_recall_pm` the share of each role kept in
scope. Baselines are refitted in the same run: the plain TF-IDF + logistic regression (class-balanced; one pipeline
per question) and the same model restricted to the article cues. The sealed holdout of other sources is not used
here.

Known limits: TPM postings are few (58) and mostly Amazon 2012-18 and Google; PM postings mostly a 2021 Singapore
search. "Technical Project Manager" postings are labelled pm by the title rule and are the role head's commonest
errors; non-technical Program Managers (Google, Amazon) are the scope head's hardest negatives. French postings are
scored with English cues and stems: expect weaker answers on non-English text."""


#: metric -> True when higher is better
KEY_METRICS = {
    "macro_f1": True, "roc_auc": True, "brier": False, "ece": False,
    "scope_roc_auc": True, "scope_precision": True, "scope_recall": True, "scope_recall_tpm": True,
}


def compare(metrics: dict) -> str:
    """Markdown table: the shipped model against both baselines, role names masked, source-grouped."""
    names = list(metrics)
    lines = [
        "Role names masked, leave-one-source-out (the figures that matter). Bold: best of the three.",
        "",
        "| metric | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for key, higher in KEY_METRICS.items():
        vals = [metrics[n]["masked"].get(key, float("nan")) for n in names]
        best = max(vals) if higher else min(vals)
        cells = [f"**{v:.3f}**" if v == best else f"{v:.3f}" for v in vals]
        lines.append(f"| {key} ({'higher' if higher else 'lower'} is better) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def load_postings(path: Path) -> pd.DataFrame:
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    repo = df["source"].str.split(":").str[0]
    df["group"] = repo.map(lambda r: SAME_COMPANY.get(r, r))
    return df


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "postings.csv"))
    parser.add_argument("--skip-eval", action="store_true", help="only fit and save (keeps the old figures)")
    parser.add_argument("--out", default=str(ROOT / "tpmclassify" / "_data" / "default.tpmc"))
    args = parser.parse_args(argv)

    df = load_postings(Path(args.data))
    print(f"{len(df)} postings from {df['group'].nunique()} sources: {df['label'].value_counts().to_dict()}")
    metrics: dict[str, object] = {}
    eval_path = ROOT / "models" / "evaluation.json"
    if not args.skip_eval:
        contenders = {
            "tpmclassify (shipped)": TPMClassifier(**PARAMS),
            "plain TF-IDF + LR": PlainTfidfBaseline(),
            "article cues only": TPMClassifier(**PARAMS, features="cues", scope_axes=tuple(AXES)),
        }
        for name, est in contenders.items():
            t0 = time.perf_counter()
            report = evaluate(est, df, groups="group")
            print(f"\n{name} ({report.protocol}, {time.perf_counter() - t0:.0f} s)")
            print(report.to_frame().round(3).to_string())
            metrics[name] = report.metrics
        eval_path.write_text(json.dumps(metrics, indent=2) + "\n")
    elif eval_path.exists():
        metrics = json.loads(eval_path.read_text())

    t0 = time.perf_counter()
    summary = compare(metrics) if metrics else ""
    print("\n" + summary)
    model = TPMClassifier(**PARAMS).fit(df["description"].tolist(), df["label"].tolist(), groups=df["group"].tolist())
    print(f"\nfitted on all {len(df)} postings in {time.perf_counter() - t0:.1f} s")
    data = fingerprint(df["description"], df["label"], df["group"].tolist())
    data["notes"] = NOTES
    model.metadata_ = {
        "name": "default",
        "description": "The bundled model: TPM vs PM (role head) and in scope vs other roles (scope head), "
        "trained on the project's shared real postings (labels from titles).",
        "training_data": data,
        "metrics": {f"Leave-one-source-out: {k}": v for k, v in metrics.items()},
        "notes": PROTOCOL,
        "summary": summary,
    }
    digest = model.save(args.out, card=False)
    from tpmclassify._card import model_card

    (ROOT / "models" / "default.md").write_text(model_card(model, digest), encoding="utf-8")
    write_expected(model)
    print(f"saved {args.out} (sha256 {digest}), models/default.md and {EXPECTED.relative_to(ROOT)}")
    return 0


#: What the bundled model answers for the postings written for this project; tests/test_classify.py checks that
#: the library still gives exactly these answers, so a change meant to be behaviour-neutral (a faster tokeniser,
#: say) cannot silently change results. Rewritten on every retrain.
EXPECTED = ROOT / "tests" / "data" / "bundled_expected.json"


def write_expected(model: TPMClassifier) -> None:
    """Write the bundled model's answers for tests/data/postings.csv and data/sample_postings.csv."""
    out = {}
    for path in (ROOT / "tests" / "data" / "postings.csv", ROOT / "data" / "sample_postings.csv"):
        texts = pd.read_csv(path, dtype=str, keep_default_na=False)["description"].tolist()
        out[str(path.relative_to(ROOT))] = [
            {
                "label": p.label,
                "tpm": p.probabilities["tpm"],
                "in_scope": p.in_scope,
                "by_axis": p.explanation.by_axis,
                "scope_by_axis": p.scope_explanation.by_axis if p.scope_explanation else None,
                "reasons": p.reasons,
            }
            for p in model.classify_many(texts)
        ]
    EXPECTED.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
