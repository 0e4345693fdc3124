"""How far another company's introduction moves an answer: does the model read the job, or the company?

Usage (from the repository root)::

    python scripts/intro_check.py [--data ../shared/data/postings.csv] [--draws 3]

Every posting of a software company speaks of its platform, its infrastructure and its developers, whatever the job.
A model that reads the job should barely move when a posting is given another company's introduction. Here the
sources are dealt into two halves (by a hash of each source's name); the shipped configuration and the yardstick's
keyword logistic regression are fitted on one half (the target is what each posting describes, as in
``train_default.py``) and score the other half's postings whose content reads as TPM or PM, role names masked: once
as written, then ``--draws`` times with an introduction of another company from that half put before the posting;
then the halves swap. An introduction is a posting's opening, up to where it first turns to the job ("we're
looking for", "you will", "the role", "responsibilities", ...; past its first 150 characters, within its first
half, at most 1,500 characters), kept only when it speaks as the company ("we", "our", "company", "mission", ...)
and neither to the reader nor of the role ("you", "role", "manager", "responsibilities", ...): about one posting in
six has one.

Prints, for each model and each content label, the mean change of the TPM/PM log-odds, its mean size, and how many
answers (at 0.5) change side. A change that every posting of a label shares (mostly towards TPM: the introductions
are mostly of technology companies) is what the company's vocabulary is worth to the model.
"""

from __future__ import annotations

import argparse
import re
import sys
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from company_check import company  # noqa: E402
from train_default import PARAMS, load_postings  # noqa: E402

from tpmclassify import TPMClassifier, mask_role_names  # noqa: E402
from tpmclassify.evaluation import KeywordBaseline  # noqa: E402

#: Where a posting first turns from the company to the job.
_TURN = re.compile(
    r"we'?re looking for|we are looking for|we are seeking|we're seeking|looking for an?\b|you will|you'll|the role|"
    r"this role|responsibilities|as an? |as the |in this position|the position|your mission|what you",
    re.IGNORECASE,
)
_TO_READER = re.compile(r"\b(?:you|your|candidate|responsib\w*|manager|engineer|role|position|job)\b", re.IGNORECASE)
_AS_COMPANY = re.compile(r"\b(?:we|our|us|company|founded|mission|is an?|leading|provider)\b", re.IGNORECASE)


def introduction(text: str) -> str:
    """The company's introduction that opens ``text`` (see the module's docstring), or ``""``.

    >>> opening = "Acme builds cloud infrastructure for banks; our platform runs payments. " * 3
    >>> introduction(opening + "You will plan the launch. " * 10) == opening
    True
    >>> introduction("You will run the roadmap. " * 20)
    ''
    """
    m = _TURN.search(text, 150, max(150, len(text) // 2))
    intro = text[: min(m.start(), 1500)] if m else ""
    return intro if _AS_COMPANY.search(intro) and not _TO_READER.search(intro) else ""


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "postings.csv"))
    parser.add_argument("--draws", type=int, default=3, help="introductions given to each scored posting")
    args = parser.parse_args(argv)
    df = load_postings(Path(args.data))
    df["company_key"] = [company(c, s) for c, s in zip(df["company"], df["group"], strict=True)]
    half = df["group"].map(lambda s: zlib.crc32(s.encode()) % 2)
    rng = np.random.default_rng(1)
    rows = []
    for h in (0, 1):
        train, other = df[half == h], df[half != h]
        shipped = TPMClassifier(**PARAMS).fit(train["description"], train["target"], train["group"])
        roles = train["target"].isin(["tpm", "pm"])
        keyword = KeywordBaseline().fit(
            [mask_role_names(t) for t in train.loc[roles, "description"]], train.loc[roles, "target"]
        )
        opening = other["description"].map(introduction)
        intros = [(i, c) for i, c in zip(opening, other["company_key"], strict=True) if i]
        scored = other[other["content_label"].isin(["tpm", "pm"])]
        if len({c for _, c in intros}) < 2:  # (else a posting of the one company could draw no other's)
            parser.error(f"half {h} of the sources holds introductions of fewer than two companies")

        def p_tpm(texts: list[str], shipped: TPMClassifier = shipped, keyword: KeywordBaseline = keyword):
            masked = [mask_role_names(t) for t in texts]
            ours = np.array([q.probabilities["tpm"] for q in shipped.classify_many(masked)])
            return ours, keyword.predict_proba(masked)[:, list(keyword.classes_).index("tpm")]

        before = p_tpm(scored["description"].tolist())
        for _ in range(args.draws):
            texts = []
            for text, key in zip(scored["description"], scored["company_key"], strict=True):
                while (pick := intros[rng.integers(len(intros))])[1] == key:
                    pass
                texts.append(pick[0] + "\n\n" + text)
            for name, b, a in zip(("tpmclassify (shipped)", "keyword LR"), before, p_tpm(texts), strict=True):
                for label in ("tpm", "pm"):
                    s = (scored["content_label"] == label).to_numpy()
                    shift = _logit(a[s]) - _logit(b[s])
                    flips = int(((a[s] >= 0.5) != (b[s] >= 0.5)).sum())
                    rows.append((name, label, int(s.sum()), shift.mean(), np.abs(shift).mean(), flips))
        print(
            f"half {h}: fitted on {len(train)} postings of {train['group'].nunique()} sources; {len(intros)} "
            f"introductions and {len(scored)} TPM/PM postings to score in the other half"
        )
    table = pd.DataFrame(rows, columns=["model", "content", "n", "shift", "size", "flips"])
    out = table.groupby(["model", "content"], sort=False).agg(
        postings=("n", "sum"), shift=("shift", "mean"), size=("size", "mean"), flips=("flips", "sum")
    )
    out["flipped"] = out["flips"] / out["postings"]
    print(f"\nanother company's introduction put first ({args.draws} draws a posting; log-odds towards TPM):")
    print(out.to_string(float_format=lambda v: f"{v:+.3f}" if abs(v) < 10 else f"{v:.0f}"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
