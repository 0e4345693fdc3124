"""Batch throughput and peak memory on large CSVs: distinct postings (cold) and repeated ones (warm).

    python benchmarks/bench_batch.py [--rows 100000] [--jobs 1 2] [--workloads distinct repeated] [--repeat 3]

Two input files of ROWS rows: "distinct" stitches the sentences of real postings so that no text repeats but the
vocabulary stays real (what users run); "repeated" repeats the real postings (every cache warm). On each, runs,
each in its own process so peak memory is its own: the plain TF-IDF + LogisticRegression pipeline (pandas
chunks in, predict_proba, CSV out; single process), then `tpmclassify batch` with each --jobs value, REPEAT times
in turn (this machine's speed drifts by a few percent from one run to the next). Prints each run, then the median
rows/s of each, its ratio to the plain pipeline's median on the same file, and peak resident memory (main process;
largest worker).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import distinct_postings, postings

# This process's own peak (VmHWM): ru_maxrss on Linux keeps the high-water mark of the parent that forked it.
_PEAK = """
def peak_mb():
    try:
        with open("/proc/self/status") as f:
            return next(int(x.split()[1]) for x in f if x.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
"""

PLAIN = """
import sys, time, resource, joblib, pandas as pd
{PEAK}
t0 = time.perf_counter(); model = joblib.load(sys.argv[1]); n = 0  # loading timed, as ours is
with open(sys.argv[3], "w", newline="") as out:
    for i, chunk in enumerate(pd.read_csv(sys.argv[2], dtype=str, keep_default_na=False, chunksize=1000)):
        proba = model.predict_proba(chunk["description"])
        for j, name in enumerate(model.classes_):  # one column per class, named by its class
            chunk[f"{name}_probability"] = proba[:, j]
        chunk.to_csv(out, header=i == 0, index=False); n += len(chunk)
print(n / (time.perf_counter() - t0), peak_mb(), 0)
"""

OURS = """
import sys, time, resource
{PEAK}
from tpmclassify._cli import main
t0 = time.perf_counter()
assert main(["batch", sys.argv[1], "-o", sys.argv[2], "--jobs", sys.argv[3], "-q", "--overwrite"]) == 0
rate = int(sys.argv[4]) / (time.perf_counter() - t0)
print(rate, peak_mb(), resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)
"""


def make_csv(path: Path, rows: int, distinct: bool) -> None:
    """Write ``rows`` postings: distinct ones stitched from real sentences, or the real ones repeated."""
    df, _ = postings()
    recs = df[["id", "title", "company"]].to_numpy().tolist()
    texts = distinct_postings(df, rows) if distinct else df["description"].tolist()
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "company", "description"])
        for i in range(rows):
            w.writerow([*recs[i % len(recs)], texts[i % len(texts)]])


PLAIN, OURS = PLAIN.replace("{PEAK}", _PEAK), OURS.replace("{PEAK}", _PEAK)


def run(code: str, *args: str) -> tuple[float, float, float]:
    if hasattr(os, "sync"):  # the run before's output written out first: its writeback is not this run's time
        os.sync()
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    rate, main_mb, child_mb = map(float, out.stdout.split())
    return rate, main_mb, child_mb


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--workloads", nargs="+", choices=["distinct", "repeated"], default=["distinct", "repeated"])
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, in turn; medians are reported")
    args = parser.parse_args()
    import joblib
    from _common import plain_pipeline

    results: dict[str, float] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        df, source = postings()
        print(f"postings from {source}")
        joblib.dump(plain_pipeline(df), Path(tmp) / "plain.joblib")
        for workload in args.workloads:
            src = Path(tmp) / f"{workload}.csv"
            t0 = time.perf_counter()
            make_csv(src, args.rows, workload == "distinct")
            size = src.stat().st_size / 2**20
            print(f"{workload}: {args.rows:,} rows, {size:,.0f} MiB (made in {time.perf_counter() - t0:.0f} s)")
            runs: dict[str, list[tuple[float, float, float]]] = {"plain": [], **{f"jobs{j}": [] for j in args.jobs}}
            for r in range(args.repeat):
                runs["plain"].append(run(PLAIN, str(Path(tmp) / "plain.joblib"), str(src), str(Path(tmp) / "p.csv")))
                for jobs in args.jobs:
                    runs[f"jobs{jobs}"].append(run(OURS, str(src), str(Path(tmp) / "o.csv"), str(jobs), str(args.rows)))
                print(f"  run {r + 1}: " + ", ".join(f"{k} {v[-1][0]:.0f}" for k, v in runs.items()) + " rows/s")
            plain_rate, plain_mb, _ = (statistics.median(x) for x in zip(*runs["plain"], strict=True))
            print(f"  plain TF-IDF + LR, 1 process : {plain_rate:8.0f} rows/s, peak {plain_mb:6.0f} MB (median)")
            results[f"{workload}_plain_rows_per_s"] = plain_rate
            for jobs in args.jobs:
                rate, main_mb, child_mb = (statistics.median(x) for x in zip(*runs[f"jobs{jobs}"], strict=True))
                results[f"{workload}_jobs{jobs}_rows_per_s"] = rate
                worker = f", largest worker {child_mb:.0f} MB" if jobs > 1 else ""
                print(
                    f"  tpmclassify batch --jobs {jobs}  : {rate:8.0f} rows/s ({rate / plain_rate:.2f}x plain), "
                    f"peak main {main_mb:.0f} MB{worker} (median)"
                )
            src.unlink()
        print(json.dumps(results))


if __name__ == "__main__":
    main()
