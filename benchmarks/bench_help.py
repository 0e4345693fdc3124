"""How fast the command line answers ``--help`` (issue 19: under 0.3 s), and what it imports to do so.

    python benchmarks/bench_help.py [--runs 10]

Times ``tpmclassify --help`` and ``tpmclassify audit --help`` (the installed script, each in a new process; the
median and the fastest of ``--runs``), then lists the slowest imports of ``python -X importtime -c "import
tpmclassify._cli"`` and checks that pandas, scikit-learn and nltk are not among them (they are imported by a
command when it runs, not to parse its arguments).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time


def _seconds(args: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    script = shutil.which("tpmclassify")
    if script is None:
        sys.exit("tpmclassify is not installed in this environment (pip install -e .)")
    for argv in ([script, "--help"], [script, "audit", "--help"]):
        times = _seconds(argv, args.runs)
        print(
            f"{' '.join(['tpmclassify', *argv[1:]]):28} median {statistics.median(times):.3f} s, "
            f"fastest {min(times):.3f} s ({args.runs} runs)"
        )
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import tpmclassify._cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    rows = []  # (cumulative microseconds, module)
    for line in done.stderr.splitlines()[1:]:  # "import time: self | cumulative | module", after a header
        _self, cumulative, name = line.split(":", 1)[1].split("|")
        rows.append((int(cumulative), name.strip()))
    total = max(c for c, _ in rows)
    print(f"import tpmclassify._cli: {total / 1e6:.3f} s cumulative (python -X importtime), slowest:")
    for cumulative, name in sorted(rows, reverse=True)[:6]:
        print(f"  {cumulative / 1e3:8.1f} ms  {name}")
    heavy = sorted({n.split(".")[0] for _, n in rows} & {"pandas", "sklearn", "nltk", "numpy", "scipy"})
    print("heavy libraries imported:", ", ".join(heavy) or "none")


if __name__ == "__main__":
    main()
