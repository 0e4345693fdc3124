"""The tester's scenario, for real: `tpmclassify batch --jobs 2` on 200k rows while a worker is killed.

    python benchmarks/kill_workers.py [--rows 200000] [--trials 20] [--signal KILL|STOP] [--target worker|parent]

Makes a CSV of ROWS rows stitched from the sentences of tests/data/postings.csv and data/sample_postings.csv
(about 150 MB for 200k rows, as the tester's), runs `tpmclassify batch … --title-column title --jobs 1` once for
the reference output, then TRIALS times `… --jobs 2`, sending SIGNAL to one of its workers (chosen at random) at a
random moment of the run (waiting for a worker to exist first). Each trial passes when the run ends within its
time limit (no hang), exits 0 with the reference output byte for byte, and no process it started is left.

With ``--target parent`` the batch process itself gets SIGKILL at a random moment: the trial passes when every
worker it had started is gone within 5 s (no output is published; the temporary ``.part`` file of a process
killed with SIGKILL stays, as nothing can remove it).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = (ROOT / "tests" / "data" / "postings.csv", ROOT / "data" / "sample_postings.csv")
_SENTENCE = re.compile(r".+?(?:[.!?](?=\s)|\n|$)\s*", re.DOTALL)


def make_csv(path: Path, rows: int, seed: int = 0) -> None:
    """``rows`` postings, each three runs of about a quarter of the sentences of a posting of the sources (the title
    is the last one's)."""
    postings = []
    for source in SOURCES:
        with open(source, newline="", encoding="utf-8") as f:
            postings += [(r["title"], _SENTENCE.findall(r["description"])) for r in csv.DictReader(f)]
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["id", "title", "description"])
        for i in range(rows):
            pieces = []
            for _ in range(3):
                title, sentences = postings[rng.randrange(len(postings))]
                size = max(1, len(sentences) // 4)
                start = rng.randrange(max(1, len(sentences) - size + 1))
                pieces += sentences[start : start + size]
            w.writerow([i, title, " ".join(p.strip() for p in pieces)])


def batch(src: Path, out: Path, jobs: int) -> subprocess.Popen[bytes]:
    cmd = [
        sys.executable,
        "-m",
        "tpmclassify._cli",
        "batch",
        str(src),
        "-o",
        str(out),
        "--title-column",
        "title",
        "--jobs",
        str(jobs),
        "--overwrite",
        "-q",
    ]
    return subprocess.Popen(cmd, stderr=subprocess.PIPE)


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def trial(src: Path, out: Path, reference: bytes, delay: float, sig: int, target: str, limit: float) -> str:
    """One run with a kill; returns "" if it passed, else what went wrong."""
    out.unlink(missing_ok=True)
    proc = batch(src, out, 2)
    t0 = time.monotonic()
    seen: set[int] = set()
    victim = None
    while proc.poll() is None and time.monotonic() - t0 < limit:
        kids = children(proc.pid)
        seen.update(kids)
        if victim is None and time.monotonic() - t0 >= delay and (kids or target == "parent"):
            victim = proc.pid if target == "parent" else random.choice(kids)
            os.kill(victim, sig if target == "worker" else signal.SIGKILL)
            what = "batch process" if target == "parent" else f"worker {victim}"
            print(
                f"    {signal.Signals(sig if target == 'worker' else signal.SIGKILL).name} to the {what} at "
                f"{time.monotonic() - t0:.1f} s",
                flush=True,
            )
        time.sleep(0.05)
    hung = proc.poll() is None
    if hung:
        proc.kill()
    _, err = proc.communicate()
    seconds = time.monotonic() - t0
    problems = []
    if hung:
        problems.append(f"HUNG (killed after {limit:.0f} s)")
    if victim is None:
        problems.append("no kill happened (the run ended first)")
    end = time.monotonic() + 5
    while any(alive(p) for p in seen) and time.monotonic() < end:
        time.sleep(0.05)
    left = [p for p in seen if alive(p)]
    if left:
        problems.append(f"processes left: {left}")
        for p in left:
            os.kill(p, signal.SIGKILL)
    if target == "worker" and not hung:
        if proc.returncode != 0:
            problems.append(f"exit code {proc.returncode}: {err.decode(errors='replace')[-500:]}")
        elif out.read_bytes() != reference:
            problems.append("output differs from --jobs 1")
    if target == "parent":
        for part in out.parent.glob(f".{out.name}.*.part"):
            part.unlink()
    print(
        f"    {'PASS' if not problems else 'FAIL: ' + '; '.join(problems)} ({seconds:.1f} s, {len(seen)} worker(s))",
        flush=True,
    )
    return "; ".join(problems)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--signal", choices=["KILL", "STOP"], default="KILL", help="what a worker is sent")
    parser.add_argument("--target", choices=["worker", "parent"], default="worker")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    random.seed(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        src, ref, out = Path(tmp) / "in.csv", Path(tmp) / "ref.csv", Path(tmp) / "out.csv"
        make_csv(src, args.rows)
        print(f"{args.rows:,} rows, {src.stat().st_size / 2**20:.0f} MiB")
        t0 = time.monotonic()
        proc = batch(src, ref, 1)
        _, err = proc.communicate()
        assert proc.returncode == 0, err.decode()
        single = time.monotonic() - t0
        reference = ref.read_bytes()
        print(f"--jobs 1: {single:.1f} s (the reference output)")
        limit = 3 * single + 60
        failures = 0
        for k in range(args.trials):
            # within a --jobs 2 run: 0.45 to 0.7 of --jobs 1's time (a quiet run once ended before a kill at 0.48)
            delay = random.uniform(0, 0.35 * single)
            print(f"trial {k + 1}/{args.trials}: kill at about {delay:.1f} s", flush=True)
            failures += bool(
                trial(src, out, reference, delay, getattr(signal, f"SIG{args.signal}"), args.target, limit)
            )
        print(
            f"{args.trials - failures}/{args.trials} trials passed "
            f"({args.signal if args.target == 'worker' else 'KILL'} to the {args.target})"
        )
        sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
