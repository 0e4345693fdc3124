"""Dask: rows/s with 1 and 2 worker processes on the same partitioned data set, and peak memory per worker.

    python benchmarks/bench_dask.py [--rows 200000] [--partitions 8]

The data set is the postings repeated into PARTITIONS CSV files; each run classifies all of them with
`tpmclassify.dask.classify_files` on a fresh LocalCluster (one thread per worker) and reports rows/s, the
2-worker / 1-worker ratio and each worker's peak resident memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from _common import postings

import tpmclassify
from tpmclassify.dask import classify_files


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(src: Path, out: Path, workers: int, rows: int) -> tuple[float, list[float]]:
    from distributed import Client, LocalCluster

    model = tpmclassify.default_model()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        with Client(cluster) as client:
            client.run(lambda: None)  # workers up before the clock starts
            t0 = time.perf_counter()
            classify_files(
                str(src / "*.csv"), str(out), scheduler=cluster.scheduler_address, model=model, overwrite=True
            )
            rate = rows / (time.perf_counter() - t0)
            peaks = sorted(client.run(_peak_mb).values())
    return rate, peaks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    df, source = postings()
    per = args.rows // args.partitions
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "in"
        src.mkdir()
        for p in range(args.partitions):
            idx = [(p * per + i) % len(df) for i in range(per)]
            df.iloc[idx][["id", "title", "company", "description"]].to_csv(src / f"part{p:03d}.csv", index=False)
        rows = per * args.partitions
        print(f"{rows:,} rows in {args.partitions} CSV partitions, from {source}")
        rates = {}
        for workers in (1, 2):
            rate, peaks = run(src, Path(tmp) / f"out{workers}", workers, rows)
            rates[workers] = rate
            print(
                f"dask, {workers} worker(s): {rate:8.0f} rows/s; peak memory per worker: "
                + ", ".join(f"{p:.0f} MB" for p in peaks)
            )
        print(f"2 workers / 1 worker: {rates[2] / rates[1]:.2f}x")


if __name__ == "__main__":
    main()
