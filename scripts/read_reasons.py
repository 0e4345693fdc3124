"""Ten postings to read the reasons of, as a person checks them: the three most confident mis-titling flags out of
source, then four PMs and three TPMs of the newest sources at random (seed 7), each with the bundled model's answer
(with its title) and first three reasons.

    python scripts/train_default.py --predictions oof.csv      # the out-of-fold predictions (masked)
    python scripts/read_reasons.py oof.csv [--data ../shared/data/postings.csv]

Prints Markdown: what was picked and why, and the reasons a recruiter would read.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

import tpmclassify

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import train_default  # noqa: E402  (beside this script)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("predictions", type=Path, help="out-of-fold predictions of train_default.py --predictions")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "postings.csv")
    args = parser.parse_args()
    df = train_default.load_postings(args.data)
    oof = pd.read_csv(args.predictions, keep_default_na=False)
    model = tpmclassify.default_model()
    p_tpm = oof["p_tpm"].astype(float)
    confidence = np.where(p_tpm >= 0.5, p_tpm, 1 - p_tpm)
    claim = train_default._claims(df).to_numpy()
    flag = pd.Series(train_default.role_flags(claim, oof, model.mismatch_confidences), index=df.index)
    newest = df["group"].isin(train_default.NEWEST)
    rng = np.random.default_rng(7)
    picked = list(df.index[flag].to_numpy()[np.argsort(-confidence[flag.to_numpy()])][:3])
    picked += list(rng.choice(df.index[newest & (df["content_label"] == "pm")], 4, replace=False))
    picked += list(rng.choice(df.index[newest & (df["content_label"] == "tpm")], 3, replace=False))
    for i in picked:
        row = df.loc[i]
        p = model.classify(row["description"], title=row["title"])
        c = p.content
        print(
            f"- **{row['title']}** ({row['company'] or 'no company'}, {row['group']}); read as "
            f"`{row['content_label']}`; out of source: TPM {p_tpm[i]:.0%}{' (flagged)' if flag[i] else ''}; "
            f"bundled model, content masked: {c.label.upper()} (TPM {c.probabilities['tpm']:.0%})"
            f"{', flagged' if p.title_mismatch else ''}"
        )
        for reason in p.reasons[:3]:
            print(f"  - {reason}")


if __name__ == "__main__":
    main()
