"""Leave companies out: no company is on both sides of a fold. The check closest to the maintainers' unseen companies.

Usage (from the repository root)::

    python scripts/company_check.py [--data ../shared/data/postings.csv] [--folds 5] [--predictions out.csv]
    python scripts/company_check.py --window 80   # each scored posting cut to 80 words of its job text
    python scripts/company_check.py --compare idea.csv shipped.csv   # two --predictions files, no fitting

The yardstick leaves one *source* out, but a source is a crawl, and the same company (Google, Microsoft, Amazon)
turns up in several: its boilerplate and house vocabulary are seen in training when its postings are scored. Here
postings are grouped by company (lower case, without "Inc", "LLC", ...; a posting with no company is grouped with
its source) and the groups are dealt into folds (scikit-learn's ``GroupKFold``), so every scored posting's company is
new to the model that scores it. The shipped configuration and the yardstick's keyword logistic regression are
fitted in the same folds on the same target (what each posting describes, as in ``train_default.py``), role names
masked when scored; prints macro-F1, ROC AUC, Brier score and ECE of each on every TPM/PM posting, each posting
weighing the same, and the worst fold; then how far the shipped model leads the keyword model on the first three,
with a 95% interval from resampling the companies (a paired bootstrap: both models' answers on the same draw of
companies, 2,000 draws), which says whether a lead is more than which companies happened to be in the data.

``--window N`` scores, in place of each posting, N consecutive words of its job text (boilerplate left out, role names
masked) at a random place (seeded): what a job board's snippet or an export that cuts descriptions short gives.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_default import PARAMS, load_postings  # noqa: E402

from tpmclassify import TPMClassifier, job_text, mask_role_names  # noqa: E402
from tpmclassify._lengths import windows  # noqa: E402
from tpmclassify._metrics import expected_calibration_error  # noqa: E402
from tpmclassify.evaluation import KeywordBaseline  # noqa: E402

_SUFFIX = re.compile(r"[,.]?\s+(inc|llc|ltd|limited|corp|corporation|co|gmbh|plc|group|labs|technologies)\.?$")


def company(name: str, source: str) -> str:
    """The company group of a posting: its company, normalised, or its source when it names none."""
    key = re.sub(r"\s+", " ", name.strip().lower())
    while _SUFFIX.search(key):
        key = _SUFFIX.sub("", key)
    return key or f"source:{source}"


def _report(name: str, y: np.ndarray, p: np.ndarray, fold: np.ndarray) -> None:
    worst = min(f1_score(y[fold == k], p[fold == k] >= 0.5, average="macro") for k in np.unique(fold))
    print(
        f"  {name:22} macro-F1 {f1_score(y, p >= 0.5, average='macro'):.3f}  AUC {roc_auc_score(y, p):.3f}  "
        f"Brier {brier_score_loss(y, p):.3f}  ECE {expected_calibration_error(y, p):.3f}  worst fold F1 {worst:.3f}"
    )


def paired_bootstrap(
    y: np.ndarray, p: np.ndarray, q: np.ndarray, groups: np.ndarray, draws: int = 2000, seed: int = 0
) -> dict[str, tuple[float, float, float]]:
    """``p``'s lead over ``q`` in macro-F1, ROC AUC and Brier score (lower is better, so the lead is ``q``'s Brier
    minus ``p``'s) and its 95% interval, from ``draws`` resamplings of the groups with replacement (a draw with one
    class only is skipped)."""

    def leads(i: np.ndarray) -> tuple[float, float, float]:
        return (
            f1_score(y[i], p[i] >= 0.5, average="macro") - f1_score(y[i], q[i] >= 0.5, average="macro"),
            roc_auc_score(y[i], p[i]) - roc_auc_score(y[i], q[i]),
            brier_score_loss(y[i], q[i]) - brier_score_loss(y[i], p[i]),
        )

    _, member = np.unique(groups, return_inverse=True)
    rows = [np.flatnonzero(member == k) for k in range(member.max() + 1)]
    rng = np.random.default_rng(seed)
    drawn = []
    for _ in range(draws):
        i = np.concatenate([rows[k] for k in rng.integers(0, len(rows), len(rows))])
        if 0 < y[i].sum() < len(i):
            drawn.append(leads(i))
    low, high = np.percentile(np.array(drawn), [2.5, 97.5], axis=0)
    point = leads(np.arange(len(y)))
    return {name: (point[j], low[j], high[j]) for j, name in enumerate(("macro-F1", "AUC", "Brier"))}


def print_leads(title: str, leads: dict[str, tuple[float, float, float]], indent: str = "  ") -> None:
    """Print ``title``, then each metric's lead and its interval (from :func:`paired_bootstrap`), one a line."""
    print(title)
    for metric, (lead, low, high) in leads.items():
        print(f"{indent}{metric:8} {lead:+.3f}  [{low:+.3f}, {high:+.3f}]")


def _window(text: str, words: int, rng: np.random.Generator) -> str:
    """``words`` consecutive words of the job text of ``text``, at a random place (all of it when it has no more)."""
    return " ".join(windows([job_text(text).split()], words, rng)[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "postings.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--predictions", help="write each scored posting's out-of-fold P(TPM) to this CSV")
    parser.add_argument("--window", type=int, help="score N consecutive words of each posting's job text, not all")
    parser.add_argument(
        "--compare",
        nargs=2,
        metavar=("IDEA", "SHIPPED"),
        help="no fitting: the lead of one --predictions file's model over another's (p_tpm of each, the same "
        "postings and folds: an idea against the shipped model), with its 95%% interval, companies resampled",
    )
    args = parser.parse_args(argv)
    if args.compare:
        idea, shipped = (pd.read_csv(f, keep_default_na=False) for f in args.compare)
        if idea["id"].tolist() != shipped["id"].tolist():
            parser.error("the two files must hold the same postings in the same order (two runs of this script)")
        y = (shipped["target"] == "tpm").to_numpy()
        p, q, groups = idea["p_tpm"].to_numpy(), shipped["p_tpm"].to_numpy(), shipped["company_group"].to_numpy()
        title = f"{args.compare[0]} ahead of {args.compare[1]} by (95% interval, companies resampled):"
        print_leads(title, paired_bootstrap(y, p, q, groups))
        return 0
    df = load_postings(Path(args.data)).reset_index(drop=True)
    groups = np.array([company(c, s) for c, s in zip(df["company"], df["group"], strict=True)])
    scored = df["target"].isin(["tpm", "pm"]).to_numpy()
    print(
        f"{len(df)} postings of {len(set(groups))} companies, {args.folds} folds by company; "
        f"scored: {int(scored.sum())} TPM/PM postings, role names masked, each weighing the same"
        + (f"; each cut to {args.window} words of its job text" if args.window else "")
    )
    p_ship, p_key = np.full(len(df), np.nan), np.full(len(df), np.nan)
    fold = np.full(len(df), -1)
    rng = np.random.default_rng(0)
    for k, (tr, te) in enumerate(GroupKFold(n_splits=args.folds).split(df, groups=groups)):
        train, test = df.iloc[tr], df.iloc[te[scored[te]]]
        texts = [mask_role_names(t) for t in test["description"]]
        if args.window:
            texts = [_window(t, args.window, rng) for t in texts]
        shipped = TPMClassifier(**PARAMS).fit(train["description"], train["target"], train["group"])
        p_ship[test.index] = [q.probabilities["tpm"] for q in shipped.classify_many(texts)]
        roles = train["target"].isin(["tpm", "pm"])
        keyword = KeywordBaseline().fit(
            [mask_role_names(t) for t in train.loc[roles, "description"]], train.loc[roles, "target"]
        )
        p_key[test.index] = keyword.predict_proba(texts)[:, list(keyword.classes_).index("tpm")]
        fold[test.index] = k
        print(f"  fold {k}: {len(test)} scored", flush=True)
    y = (df["target"] == "tpm").to_numpy()[scored]
    for name, p in (("tpmclassify (shipped)", p_ship), ("keyword LR", p_key)):
        _report(name, y, p[scored], fold[scored])
    leads = paired_bootstrap(y, p_ship[scored], p_key[scored], groups[scored])
    print_leads("  shipped ahead of keyword LR by (95% interval, companies resampled):", leads, "    ")
    if args.predictions:
        out = df.loc[scored, ["id", "group", "company", "title", "target"]].assign(
            company_group=groups[scored], p_tpm=p_ship[scored], p_keyword=p_key[scored], fold=fold[scored]
        )
        out.to_csv(args.predictions, index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
