"""Time to train the default configuration on the postings (target: under 60 s on 2 cores).

    python benchmarks/bench_train.py
"""

from __future__ import annotations

import sys
import time

from _common import ROOT, postings

sys.path.insert(0, str(ROOT / "scripts"))

from train_default import PARAMS, SAME_COMPANY  # noqa: E402

import tpmclassify  # noqa: E402


def main() -> None:
    df, source = postings()
    groups = df["source"].str.split(":").str[0].map(lambda r: SAME_COMPANY.get(r, r)) if "source" in df else None
    t0 = time.perf_counter()
    model = tpmclassify.TPMClassifier(**PARAMS).fit(
        df["description"].tolist(), df["label"].tolist(), groups=None if groups is None else groups.tolist()
    )
    seconds = time.perf_counter() - t0
    print(f"trained on {len(df)} postings from {source} in {seconds:.1f} s")
    print(f"({len(model.space_.vocabulary)} n-grams + {len(model.cues_)} cues; two heads, "
          "each with 5-fold out-of-fold calibration)")


if __name__ == "__main__":
    main()
