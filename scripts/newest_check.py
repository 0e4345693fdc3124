"""Train on the first three collections of the shared postings, score the fourth: the check closest to unseen companies.

Usage (from the repository root)::

    python scripts/newest_check.py [--data ../shared/data/postings.csv]

The fourth collection (``NEWEST`` in ``scripts/train_default.py``: software-company and remote-first postings from
about 90 companies, 2021-2026) is held out whole. The shipped configuration and the yardstick's keyword logistic
regression are fitted on every other source (the target is what each posting describes, as in
``train_default.py``), then score the fourth collection's postings whose content reads as TPM or PM, role names
masked, each posting weighing the same. Prints macro-F1, ROC AUC, Brier score and ECE for each, and the shipped
model's lead with a 95% interval from resampling the collection's companies (as ``company_check.py`` does); then
the shipped configuration's mis-titling flags there, with the bundled model's confidence per title claim and with one
for all.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import brier_score_loss, f1_score, roc_auc_score

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from company_check import company, paired_bootstrap, print_leads  # noqa: E402
from train_default import NEWEST, PARAMS, _claims, load_postings  # noqa: E402

from tpmclassify import TPMClassifier, default_model, mask_role_names  # noqa: E402
from tpmclassify._metrics import expected_calibration_error  # noqa: E402
from tpmclassify.evaluation import KeywordBaseline  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "postings.csv"))
    args = parser.parse_args(argv)
    df = load_postings(Path(args.data))
    newest = df["group"].isin(NEWEST)
    train, test = df[~newest], df[newest & df["target"].isin(["tpm", "pm"])]
    y = (test["target"] == "tpm").to_numpy()
    texts = [mask_role_names(t) for t in test["description"]]
    print(f"trained on {len(train)} postings of {train['group'].nunique()} sources; scored on {len(test)} TPM/PM")
    print(f"postings of the fourth collection ({int(y.sum())} TPM), role names masked, each posting weighing the same")
    shipped = TPMClassifier(**PARAMS).fit(train["description"], train["target"], train["group"])
    roles = train["target"].isin(["tpm", "pm"])
    keyword = KeywordBaseline().fit(
        [mask_role_names(t) for t in train.loc[roles, "description"]], train.loc[roles, "target"]
    )
    p_ship = np.array([q.probabilities["tpm"] for q in shipped.classify_many(texts)])
    p_key = keyword.predict_proba(texts)[:, list(keyword.classes_).index("tpm")]
    for name, p in (("tpmclassify (shipped)", p_ship), ("keyword LR", p_key)):
        print(
            f"  {name:22} macro-F1 {f1_score(y, p >= 0.5, average='macro'):.3f}  AUC {roc_auc_score(y, p):.3f}  "
            f"Brier {brier_score_loss(y, p):.3f}  ECE {expected_calibration_error(y, p):.3f}"
        )
    companies = np.array([company(c, s) for c, s in zip(test["company"], test["group"], strict=True)])
    title = f"  shipped ahead of keyword LR by (95% interval, its {len(set(companies))} companies resampled):"
    print_leads(title, paired_bootstrap(y, p_ship, p_key, companies), "    ")
    flags(shipped, df[newest])
    return 0


def flags(model: TPMClassifier, newest: pd.DataFrame) -> None:
    """The mis-titling flags of ``model`` on the fourth collection's TPM- and PM-titled postings read as TPM or PM:
    with the bundled model's confidence per title claim, and with one confidence for every claim."""
    claim = _claims(newest)
    judged = newest[claim.isin(["tpm", "pm"]) & newest["content_label"].isin(["tpm", "pm"])]
    claims = claim[judged.index].to_numpy()
    wrong = claims != judged["content_label"].to_numpy()
    print(
        f"mis-titling flags on its {len(judged)} TPM/PM-titled postings read as TPM or PM "
        f"({int(wrong.sum())} mis-titled)"
    )
    bundled = default_model().mismatch_confidences
    for name, confidence in (("per title claim (bundled)", bundled), ("one for every claim", bundled["tpm"])):
        model.set_params(mismatch_confidence=confidence)
        flag = np.array([p.title_mismatch for p in model.classify_many(judged["description"], judged["title"])])
        pm = claims == "pm"
        print(
            f"  {name:26} {int(flag.sum())} flags, {int((flag & wrong).sum())} right, recall "
            f"{(flag & wrong).sum() / max(int(wrong.sum()), 1):.2f}; of them PM titles read as TPM: "
            f"{int((flag & pm).sum())} flags, {int((flag & pm & wrong).sum())} right"
        )


if __name__ == "__main__":
    raise SystemExit(main())
