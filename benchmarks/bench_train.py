"""Time to train the default configuration on the postings (target: under 60 s on 2 cores).

python benchmarks/bench_train.py
"""

from __future__ import annotations

import sys
import time

from _common import ROOT, postings

sys.path.insert(0, str(ROOT / "scripts"))

from train_default import PARAMS  # noqa: E402

import tpmclassify  # noqa: E402
import tpmclassify.evaluation  # noqa: E402


def main() -> None:
    df, source = postings()
    groups = tpmclassify.evaluation.source_groups(df)
    t0 = time.perf_counter()
    model = tpmclassify.TPMClassifier(**PARAMS).fit(
        df["description"].tolist(), df["label"].tolist(), groups=None if groups is None else groups.tolist()
    )
    seconds = time.perf_counter() - t0
    print(f"trained on {len(df)} postings from {source} in {seconds:.1f} s")
    print(
        f"({len(model.space_.vocabulary)} n-grams + {len(model.cues_)} cues; role head C={model.C_:g} chosen by "
        "leave-one-source-out inside fit; scope head with out-of-fold calibration)"
    )


if __name__ == "__main__":
    main()
