"""The audit against the batch run on the same file (issue 13: the audit may take at most 1.5x the batch).

    python benchmarks/bench_audit.py [--rows 20000]

Makes a CSV of ``--rows`` postings with their titles (the shared postings, repeated as needed), then times, each
in its own process: ``tpmclassify batch`` (no title), ``tpmclassify batch --title-column title`` and
``tpmclassify audit --title-column title``, and prints the audit's ratio to each batch run.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import postings


def _timed(args: list[str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "tpmclassify._cli", *args], check=True)
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    df, source = postings()
    reps = -(-args.rows // len(df))
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "postings.csv"
        big = df[["title", "description"]].sample(frac=reps, replace=True, random_state=0).head(args.rows)
        big.to_csv(src, index=False)
        print(f"{len(big)} rows from {source}")
        plain = _timed(["batch", str(src), "-o", f"{tmp}/a.csv", "-q"])
        titled = _timed(["batch", str(src), "-o", f"{tmp}/b.csv", "--title-column", "title", "-q"])
        audit = _timed(["audit", str(src), "-o", f"{tmp}/report.html", "--title-column", "title", "-q"])
    print(f"batch, no title           {plain:6.1f} s  {len(big) / plain:7.0f} rows/s")
    print(f"batch --title-column      {titled:6.1f} s  {len(big) / titled:7.0f} rows/s")
    print(f"audit --title-column      {audit:6.1f} s  {len(big) / audit:7.0f} rows/s")
    print(
        f"audit / titled batch = {audit / titled:.2f}x   audit / untitled batch = {audit / plain:.2f}x (target <= 1.5x)"
    )


if __name__ == "__main__":
    main()
