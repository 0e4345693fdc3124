"""The CSV reader on the tester's hostile files: time (linear?) and peak memory (bounded?).

    python benchmarks/bench_csv_reader.py [--lines 2000 4000 8000 16000 64000] [--short-rows 5000000]
                                          [--field-mb 200]

Three shapes, each read by the batch reader (``tpmclassify._io.read_chunks``, chunks of 1,000 rows) in a process of
its own, so that its peak resident memory (VmHWM) is its own:

* ``reopen``: LINES lines ``i","Own the project …``, each closing the quote the line before opened and opening
  another (the tester's 2k/4k/8k/16k lines took 2.5/5.4/17/66 s: quadratic);
* ``one quote``: one ``"`` on line 2 of SHORT_ROWS short rows (the tester's 5M rows, 49 MB: 1.24 GB at the peak,
  against 231 MB without the quote);
* ``one field``: one field of FIELD_MB MB on one line (the tester's 200 MB: 1.6 GB);
* ``many lines``: one quoted field of FIELD_MB MB over many lines (a posting far past the record limit: it used
  to come back as a row a line).

Prints rows, error rows, seconds and peak memory of each, and the seconds per 1,000 lines of the ``reopen`` files.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

TEXT = "Own the project schedule and budget and the client deliverables for the office fit-out."

READ = """
import sys, time
from tpmclassify._io import read_chunks
t0 = time.perf_counter()
rows = errors = 0
for chunk in read_chunks(sys.argv[1], 1000)[1]:
    rows += len(chunk.frame)
    errors += sum(1 for e in chunk.errors if e)
seconds = time.perf_counter() - t0
with open("/proc/self/status") as f:
    peak = next(int(x.split()[1]) for x in f if x.startswith("VmHWM:")) / 1024
print(rows, errors, seconds, peak)
"""


def write(path: Path, shape: str, n: int) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write("id,description\n")
        if shape == "reopen":
            for i in range(n):
                f.write(f'{i}","{TEXT}\n')
        elif shape == "one quote":
            f.write('0,"opened and never closed\n')
            for i in range(1, n):
                f.write(f"{i},row\n")
        elif shape == "plain":
            for i in range(n):
                f.write(f"{i},row\n")
        else:  # one field of n MB (on one line, or many), then a good row
            f.write('0,"')
            block = "word " * (1 << 18) if shape == "one field" else f"{TEXT}\n" * 14_000  # 1.25 MiB
            for _ in range(round(n / 1.25)):
                f.write(block)
            f.write(f'"\n1,{TEXT}\n')


def measure(path: Path) -> tuple[int, int, float, float]:
    out = subprocess.run([sys.executable, "-c", READ, str(path)], capture_output=True, text=True, check=True)
    rows, errors, seconds, peak = out.stdout.split()
    return int(rows), int(errors), float(seconds), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lines", type=int, nargs="+", default=[2000, 4000, 8000, 16000, 64000])
    parser.add_argument("--short-rows", type=int, default=5_000_000)
    parser.add_argument("--field-mb", type=int, default=200)
    args = parser.parse_args()
    cases = [("reopen", n) for n in args.lines]
    cases += [
        ("plain", args.short_rows),
        ("one quote", args.short_rows),
        ("one field", args.field_mb),
        ("many lines", args.field_mb),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        for shape, n in cases:
            path = Path(tmp) / "in.csv"
            write(path, shape, n)
            size = path.stat().st_size / 2**20
            rows, errors, seconds, peak = measure(path)
            what = f"{n} MB field" if shape in ("one field", "many lines") else f"{n:,} lines"
            per = f", {1000 * seconds / n:.3f} s per 1,000 lines" if shape == "reopen" else ""
            print(
                f"{shape:10} {what:>16} ({size:6.1f} MiB): {rows:>9,} rows, {errors:>6,} errors, "
                f"{seconds:6.2f} s{per}, peak {peak:5.0f} MB",
                flush=True,
            )
            path.unlink()


if __name__ == "__main__":
    main()
