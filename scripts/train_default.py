"""Retrain the bundled default model, reproducibly, and write its model card.

Usage (from the repository root)::

    python scripts/train_default.py [--data ../shared/data/postings.csv] [--skip-eval]

It evaluates the shipped configuration against the keyword logistic regression
of ``shared/tools/yardstick.py`` and a plain TF-IDF + logistic regression,
leave-one-source-out (nested), each source weighing the same, raw and with role
names masked; then fits on all rows and writes
``tpmclassify/_data/default.tpmc``, ``models/default.md`` (model card),
``models/evaluation.json`` and ``tests/data/bundled_expected.json`` (the answers the tests pin).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import tpmclassify  # noqa: E402
from tpmclassify import LABEL_ALIASES, TPMClassifier, evaluate  # noqa: E402
from tpmclassify.evaluation import (  # noqa: E402
    KeywordBaseline,
    PlainTfidfBaseline,
    markdown_table,
    model_card,
    source_groups,
)

#: The shipped configuration. The role head's C is not here: fit() chooses it on grouped folds of its own training
#: sources, so the role figures below are nested (no hyper-parameter is chosen on the folds it reports). The in-scope
#: threshold keeps 93% of TPM and of PM postings out-of-fold inside fit: on sources it never saw (leave-one-source-out),
#: 90% kept came out as 88% of the TPM postings, masked, and 92% as 91.0%; 93% keeps 92.2%, a margin over the target,
#: 90% there, for postings unlike the training ones (docs/evaluation.md). That share was chosen by comparing these
#: leave-one-source-out figures, so the in-scope ones are a little optimistic for it. The mismatch confidence of each
#: title claim and the titled-scope threshold are chosen out of source below (choose_flags).
PARAMS: dict = {"scope_recall": 0.93}

NOTES = """Trained against what each posting describes: `content_label`, a reading of every TPM-, PM- and
hybrid-titled posting by the article's four axes with role names masked (`tpm`, `pm`; `unsure` counts as hybrid: in
scope, neither trained nor scored as TPM or PM; `other`: a titled posting that describes another job, trained as
out of scope), and the title's label for the rest (`other`: non-technical program managers, product managers,
engineering managers, scrum masters, software engineers). Source and label are confounded (TPM rows mostly from
big-tech careers sites, PM rows mostly from a 2021 Singapore job search biased toward certification mentions), so
each source weighs the same in the fit, every cue weight is bounded to its table side, n-grams are kept only when
they occur in postings from at least 3 sources (and the role head's only when 20 of its training postings have
them), every posting is trained on as written and with its role names masked, and every figure is
leave-one-source-out. Some postings are French or Spanish."""

PROTOCOL = """Evaluation protocol (printed by `python scripts/train_default.py`): leave-one-source-out over the
sources of the shared postings (a source is the repository a posting was collected from, the part of `source` before
':'), each model refitted without the held-out source, the shipped model choosing its own C on grouped folds of the
remaining sources (nested). Every posting is scored once, by a model that never saw its source. `raw` scores the
description as it is; `masked` removes every role name of the one role-name vocabulary (technical program/project
manager, program/project manager or management, project management professional, TPM, PM) from the held-out text
first. Titles are never used. The target is what the posting describes (the content reading where there is one, else
the title's label), for every model; the same out-of-fold predictions are also scored against the titles' labels
("against titles"). Role metrics are over the tpm and pm postings, each source weighing the same (its TPM/PM postings
together weigh 1, as in `shared/tools/yardstick.py`); `pooled_*` weigh each posting the same; the worst source is the
one with the highest Brier score. Scope metrics are over all postings (hybrid counts as in scope). Baselines are
refitted in the same folds: the keyword logistic regression of the yardstick (41 words, refitted on masked text for
the masked figures) and a plain TF-IDF + logistic regression. The sealed holdout of other sources is not used
here."""


#: metric -> True when higher is better
KEY_METRICS = {
    "macro_f1": True,
    "roc_auc": True,
    "brier": False,
    "ece": False,
    "pooled_macro_f1": True,
    "worst_source_accuracy": True,
    "worst_source_brier": False,
    "scope_roc_auc": True,
    "scope_precision": True,
    "scope_recall": True,
    "scope_recall_tpm": True,
}


def compare(metrics: dict) -> str:
    """Markdown table: the shipped model against both baselines, masked and raw, source-averaged."""
    names = list(metrics)
    lines = [
        "Leave-one-source-out, each source weighing the same (nested: the role head's C is chosen inside each fold; "
        "`scope_recall` was chosen by comparing these figures, so the in-scope ones are a little optimistic). "
        "Bold: best.",
        "",
    ]
    for variant in ("masked", "raw"):
        rows = []
        for key, higher in KEY_METRICS.items():
            vals = [metrics[n][variant].get(key, float("nan")) for n in names]
            if all(v != v for v in vals):
                continue
            real = [v for v in vals if v == v]
            best = max(real) if higher else min(real)
            cells = ["-" if v != v else f"**{v:.3f}**" if v == best else f"{v:.3f}" for v in vals]
            rows.append([f"{key} ({'higher' if higher else 'lower'} is better)", *cells])
        lines += [
            f"**{variant}** ({'role names removed' if variant == 'masked' else 'text as written'})",
            "",
            markdown_table(["metric", *names], rows),
            "",
        ]
    return "\n".join(lines)


def load_postings(path: Path) -> pd.DataFrame:
    """The shared postings, with ``target``: what each posting describes (``content_label``; ``unsure`` is hybrid:
    in scope, neither TPM nor PM), where a reader judged it, else what its title says (``label``)."""
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    df["group"] = source_groups(df)
    content = df["content_label"] if "content_label" in df else pd.Series("", index=df.index)
    df["target"] = content.where(content != "", df["label"]).replace(LABEL_ALIASES)  # (unsure: hybrid)
    return df


#: The sources of the fourth collection (software-company and remote-first postings, 2021-2026): the newest, and
#: the closest to the postings the product is judged on.
NEWEST = (
    "0JCRG0/Crawler-remote-jobs",
    "0JCRG0/JobsCrawler",
    "Pracheta070605/nextgen-resume-screening-ai",
    "AlexChesser/netflix-jobs-scraper",
    "Aramente/eu-tech-jobs",
    "kasnycdev/MyJobSpyAI",
    "nouramel/job-market",
    "cyborgEneki/job-board-ml-project",
)
#: What a flag must reach, measured out of source against what the postings describe.
FLAG_PRECISION = 0.8


def _claims(df: pd.DataFrame) -> pd.Series:
    return df["title"].map(lambda t: tpmclassify.label_from_title(t) or "")


#: A plain "Program Manager" title read as a TPM's job: not measurable here (no such title has a content reading in
#: the shared data), so it keeps the one confidence the model used for every title before each claim had its own.
PROGRAM_MISMATCH_CONFIDENCE = 0.93
#: The fewest flags a threshold is judged on.
MIN_FLAGS = 3
#: The shipped model's review band: a reading inside it is never flagged.
REVIEW_BAND = PARAMS.get("review_band", TPMClassifier().review_band)


def role_flags(claim: np.ndarray, masked: pd.DataFrame, confidence: dict[str, float]) -> np.ndarray:
    """Which TPM- and PM-titled postings (their titles' ``claim``, :func:`_claims`) the product would flag as reading
    as the other role, from out-of-source predictions (role names masked): the reading is the other role, enough to
    decide a TPM or PM answer on (as for a titled posting), outside the review band, with at least two axes agreeing,
    and at least the confidence of the title's claim (1 or more: never), as ``contradicts`` rules for those two
    claims. (A plain Program Manager title is claim "other" here: its flags are not judged, with no content reading
    to judge them by.)"""
    p_tpm = masked["p_tpm"].to_numpy()
    side = np.where(p_tpm >= 0.5, "tpm", "pm")
    sure = np.where(side == "tpm", p_tpm, 1 - p_tpm)  # the reading's probability
    axes = np.where(side == "tpm", masked["axes_tpm"], masked["axes_pm"])
    lo, hi = REVIEW_BAND
    undecided = masked["undecided_as_role"] if "undecided_as_role" in masked else masked["unreadable"]
    decided = ~undecided.astype(bool).to_numpy() & ~((p_tpm >= lo) & (p_tpm <= hi))  # no review needed
    needed = np.array([confidence.get(c, 1.0) for c in claim])
    return np.isin(claim, ("tpm", "pm")) & (side != claim) & (needed < 1) & (sure >= needed) & (axes >= 2) & decided


def choose_flags(df: pd.DataFrame, masked: pd.DataFrame) -> tuple[dict, str]:
    """The mismatch confidence of each title claim and the titled-scope threshold, each the loosest that keeps its
    flags' precision at FLAG_PRECISION or more on at least MIN_FLAGS flags, out of source (leave-one-source-out
    predictions, role names masked), against the content reading; and a Markdown account of what they give.

    A "reads as the other role" flag is judged as the product is judged on postings from unseen companies: over the
    TPM- and PM-titled postings whose content reads as TPM or PM (a flag is right when the content is the other role
    than the title's), each claim on its own: a title is a prior, and PM titles hide a TPM's work far less often than
    TPM titles hide a PM's, so the same confidence is wrong more often one way. When no threshold reaches the
    precision for a claim, no title of it is flagged (1.0); a plain Program Manager title keeps
    PROGRAM_MISMATCH_CONFIDENCE. A "reads as another role" flag is judged over all TPM-, PM- and hybrid-titled
    postings read (it is right when the content is another job); when no threshold reaches the precision, the flag is
    left off (None). The thresholds are chosen on the predictions they are then scored on: the account's precision
    is the rule being met, not a measurement of it.
    """
    claim = _claims(df).to_numpy()
    content = df["content_label"].to_numpy() if "content_label" in df else np.full(len(df), "")
    titled = np.isin(claim, ("tpm", "pm", "hybrid")) & (content != "")
    judged = np.isin(claim, ("tpm", "pm")) & np.isin(content, ("tpm", "pm"))
    in_scope = masked["in_scope"].to_numpy()
    readable = ~masked["unreadable"].astype(bool).to_numpy()
    mistitled = judged & (content != claim)
    other = titled & (content == "other")
    lo, hi = REVIEW_BAND

    def rates(flag: np.ndarray, truth: np.ndarray) -> tuple[int, float, float]:
        n = int(flag.sum())
        return n, float((flag & truth).sum() / max(n, 1)), float((flag & truth).sum() / max(int(truth.sum()), 1))

    def other_flag(t: float) -> np.ndarray:
        return titled & (in_scope < t) & readable

    confidence: dict[str, float] = {}
    for title, edge in (("tpm", 1 - lo), ("pm", hi)):  # (a reading inside the review band is never flagged)
        truth = mistitled & (claim == title)
        grid = np.round(np.arange(np.ceil(edge * 100) / 100, 0.996, 0.01), 2)
        confidence[title] = next(
            (
                float(t)
                for t in grid
                if (flag := role_flags(claim, masked, {title: float(t)}) & judged).sum() >= MIN_FLAGS
                and rates(flag, truth)[1] >= FLAG_PRECISION
            ),
            1.0,
        )
    confidence["program"] = PROGRAM_MISMATCH_CONFIDENCE
    scope_grid = np.round(np.arange(0.5, 0.0, -0.01), 2)
    best_other = max((rates(other_flag(t), other)[1], float(t)) for t in scope_grid if other_flag(t).sum() >= 3)
    other_t = next(
        (float(t) for t in scope_grid if other_flag(t).sum() >= 3 and rates(other_flag(t), other)[1] >= FLAG_PRECISION),
        None,
    )
    rows: list[list[object]] = []
    for name, title in (("a TPM title read as PM", "tpm"), ("a PM title read as TPM", "pm")):
        truth = mistitled & (claim == title)
        n, p, r = rates(role_flags(claim, masked, {title: confidence[title]}) & judged, truth)
        cells = [f"{confidence[title]:.2f}", n, f"{p:.2f}" if n else "-", f"{r:.2f}", int(truth.sum())]
        rows.append([f"{name} (>= 2 axes agree)", *cells])
    flagged = role_flags(claim, masked, confidence)
    n1, p1, r1 = rates(flagged & judged, mistitled)
    rows.append(["reads as the other role, both ways", "", n1, f"{p1:.2f}", f"{r1:.2f}", int(mistitled.sum())])
    elsewhere = flagged & titled & ~judged
    if other_t is not None:
        n2, p2, r2 = rates(other_flag(other_t), other)
        rows.append(
            ["reads as another role (in scope under)", f"{other_t:.2f}", n2, f"{p2:.2f}", f"{r2:.2f}", int(other.sum())]
        )
    n_pm, n_tpm = int((judged & (claim == "pm")).sum()), int((judged & (claim == "tpm")).sum())
    account = (
        f"Chosen out of source (leave-one-source-out, role names masked) against the content reading, each the "
        f"loosest threshold outside the review band whose flags (at least {MIN_FLAGS}) are right at least "
        f'{FLAG_PRECISION:.0%} of the time, on the predictions it is then scored on. "Reads as the other role" is '
        f"judged over the {int(judged.sum())} TPM- and PM-titled postings whose content reads as TPM or PM (as on "
        f"postings from unseen companies), each title claim on its own: a title is a prior, "
        f"{int((mistitled & (claim == 'pm')).sum())} of the {n_pm} PM-titled postings here describe a TPM's job, "
        f"{int((mistitled & (claim == 'tpm')).sum())} of the {n_tpm} TPM-titled ones a PM's (1.00: no title of that "
        f"claim is flagged; a plain Program Manager title, with no content reading here, keeps "
        f"{PROGRAM_MISMATCH_CONFIDENCE}). It also flags {int(elsewhere.sum())} of the {int((titled & ~judged).sum())} "
        "titled postings whose content is another job, unsure, or hybrid-titled (each of those a title worth "
        "checking, though not for the reason given). These are counts of a few postings: one moves a precision "
        "by 0.1 or more.\n\n"
        + markdown_table(["flag", "threshold", "flags", "precision", "recall", "postings it should flag"], rows)
        + (
            ""
            if other_t is not None
            else f'\n\n"Reads as another role" is left off: among the {int(titled.sum())} titled postings read, the '
            f"{int(other.sum())} whose content is another job are not told apart at that precision by the content's "
            f"in-scope probability (at best {best_other[0]:.2f}, with the threshold {best_other[1]:.2f})."
        )
    )
    return {"mismatch_confidence": confidence, "titled_scope_threshold": other_t}, account


def newest_table(per_source: dict, names: list[str]) -> str:
    """Markdown: accuracy and Brier score of each contender on each source of the fourth collection (masked)."""
    rows = []
    for source in NEWEST:
        cells: list[object] = [source]
        counts = None
        for name in names:
            hit = [r for r in per_source[name]["masked"] if r["source"] == source]
            if not hit:
                break
            counts = counts or f"{hit[0]['n_tpm']} / {hit[0]['n_pm']}"
            cells += [f"{hit[0]['accuracy']:.3f}", f"{hit[0]['brier']:.3f}"]
        else:
            rows.append([cells[0], counts, *cells[1:]])
    head = ["source (fourth collection)", "TPM / PM"] + [f"{n}: {m}" for n in names for m in ("accuracy", "Brier")]
    return markdown_table(head, rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "postings.csv"))
    parser.add_argument("--skip-eval", action="store_true", help="only fit and save (keeps the old figures)")
    parser.add_argument("--out", default=str(ROOT / "tpmclassify" / "_data" / "default.tpmc"))
    parser.add_argument("--predictions", help="also write the shipped model's out-of-fold predictions (CSV) here")
    args = parser.parse_args(argv)

    df = load_postings(Path(args.data))
    print(
        f"{len(df)} postings from {df['group'].nunique()} sources; titles say {df['label'].value_counts().to_dict()}"
        f", contents read {df['target'].value_counts().to_dict()}"
    )
    metrics: dict[str, object] = {}
    audit, flags, newest = "", {}, ""
    eval_path = ROOT / "models" / "evaluation.json"
    if not args.skip_eval:
        contenders = {
            "tpmclassify (shipped)": TPMClassifier(**PARAMS),
            "keyword LR": KeywordBaseline(),
            "plain TF-IDF + LR": PlainTfidfBaseline(),
        }
        per_source = {}
        for name, est in contenders.items():
            t0 = time.perf_counter()
            report = evaluate(est, df, label_column="target", groups="group", progress=True)
            print(f"\n{name} ({report.protocol}, {time.perf_counter() - t0:.0f} s)")
            print(report.to_frame().round(3).to_string())
            metrics[name] = report.metrics
            metrics[f"{name}, against titles"] = report.rescored(df["label"])
            per_source[name] = {v: t.round(4).reset_index().to_dict("records") for v, t in report.per_source.items()}
            if name == "tpmclassify (shipped)":
                flags, audit = choose_flags(df, report.predictions["masked"])
                if args.predictions:
                    oof = report.predictions["masked"].assign(p_tpm_raw=report.predictions["raw"]["p_tpm"])
                    oof.assign(id=df["id"], title=df["title"]).to_csv(args.predictions, index=False)
        newest = newest_table(per_source, ["tpmclassify (shipped)", "keyword LR"])
        print("\n" + newest + "\n\n" + audit)
        eval_path.write_text(
            json.dumps(
                {"metrics": metrics, "per_source": per_source, "flags": flags, "flag_account": audit, "newest": newest},
                indent=1,
            )
            + "\n"
        )
    elif eval_path.exists():
        saved = json.loads(eval_path.read_text())
        metrics, audit = saved["metrics"], saved.get("flag_account", "")
        flags, newest = saved.get("flags", {}), saved.get("newest", "")

    t0 = time.perf_counter()
    summary = compare({k: v for k, v in metrics.items() if "against titles" not in k}) if metrics else ""
    print("\n" + summary)
    model = tpmclassify.train(df, label_column="target", group_column="group", **PARAMS, **flags)
    print(f"\nfitted on all {len(df)} postings in {time.perf_counter() - t0:.1f} s")
    data = {**model.metadata_["training_data"], "notes": NOTES}
    model.metadata_ = {
        "name": "default",
        "description": "The bundled model: TPM vs PM (role head) and in scope vs other roles (scope head), "
        "trained on the project's shared real postings against what each posting describes (the content reading, "
        "`content_label`, where a reader judged it; the title's label elsewhere) and measured against both.",
        "training_data": data,
        "metrics": {
            f"Leave-one-source-out: {k}": {v: {m: x for m, x in r.items() if m != "confusion"} for v, r in m_.items()}
            for k, m_ in metrics.items()
        },
        "notes": PROTOCOL
        + ("\n\n## The newest sources\n\n" + newest if newest else "")
        + ("\n\n## Mis-titling flags\n\n" + audit if audit else ""),
        "summary": summary,
    }
    digest = tpmclassify.save(model, args.out, card=False, overwrite=True)  # the bundled file, replaced
    # the card of the file: what saving added (its format, versions, date), beside the metadata in its own order
    saved = tpmclassify.load(args.out, sha256=digest).metadata_
    model.metadata_ = {**model.metadata_, **{k: v for k, v in saved.items() if k not in model.metadata_}}
    (ROOT / "models" / "default.md").write_text(model_card(model, digest), encoding="utf-8")
    write_expected(model)
    print(f"saved {args.out} (sha256 {digest}), models/default.md and {EXPECTED.relative_to(ROOT)}")
    return 0


#: What the bundled model answers for the postings written for this project; tests/test_classify.py checks that
#: the library still gives exactly these answers, so a change meant to be behaviour-neutral (a faster tokeniser,
#: say) cannot silently change results. Rewritten on every retrain.
EXPECTED = ROOT / "tests" / "data" / "bundled_expected.json"


def write_expected(model: TPMClassifier) -> None:
    """Write the bundled model's answers for tests/data/postings.csv and data/sample_postings.csv (with its titles
    too: what each title claims, how the content reads, and the flag)."""
    out = {}
    for path in (ROOT / "tests" / "data" / "postings.csv", ROOT / "data" / "sample_postings.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        texts = frame["description"].tolist()
        titled = model.classify_many(texts, frame["title"].tolist()) if "title" in frame else [None] * len(texts)
        out[str(path.relative_to(ROOT))] = [
            {
                "label": p.label,
                "tpm": p.probabilities["tpm"],
                "in_scope": p.in_scope,
                "by_axis": p.explanation.by_axis,
                "scope_by_axis": p.scope_explanation.by_axis if p.scope_explanation else None,
                "reasons": p.reasons,
                **(
                    {}
                    if t is None or t.content is None
                    else {
                        "titled": {
                            "label": t.label,
                            "title_label": t.title_label,
                            "content_label": t.content_label,
                            "content_tpm": t.content_tpm_probability,
                            "title_mismatch": t.title_mismatch,
                            "first_reason": t.reasons[0],
                        }
                    }
                ),
            }
            for p, t in zip(model.classify_many(texts), titled, strict=True)
        ]
    EXPECTED.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
