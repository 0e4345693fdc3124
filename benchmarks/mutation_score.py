"""Mutation score of training and scoring, per module and for fit() and the scoring functions.

Run after ``mutmut run`` (configured in pyproject.toml, [tool.mutmut]); from the repository root::

    pip install mutmut==3.8.1 && mutmut run && python benchmarks/mutation_score.py

Reads ``mutmut results --all true`` and prints, for each module and for the two groups the issue names (fitting:
the functions of ``_fitting`` and ``_heads``; scoring: those of ``_scoring``, ``_titles``, ``_prior``,
``_predicting`` and ``_answering``), how many mutants the suite killed, how many survived, and the score
(killed / (killed + survived)); then the survivors.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter

GROUPS = {"fitting": ("_fitting", "_heads"), "scoring": ("_scoring", "_titles", "_prior", "_predicting", "_answering")}


def main() -> int:
    out = subprocess.run(["mutmut", "results", "--all", "true"], capture_output=True, text=True, check=True).stdout
    rows = re.findall(r"^\s*tpmclassify\.(\w+)\.(\S+?)__mutmut_\d+: (\w[\w ]*)$", out, flags=re.MULTILINE)
    if not rows:
        print("no mutmut results: run `mutmut run` first", file=sys.stderr)
        return 2
    counts: Counter[tuple[str, str]] = Counter((module, status) for module, _, status in rows)
    modules = sorted({module for module, _, _ in rows})

    def line(name: str, members: tuple[str, ...]) -> str:
        killed = sum(counts[m, "killed"] for m in members)
        survived = sum(counts[m, "survived"] for m in members)
        other = sum(n for (m, s), n in counts.items() if m in members and s not in ("killed", "survived"))
        score = killed / max(killed + survived, 1)
        return f"| {name} | {killed} | {survived} | {other} | {score:.1%} |"

    print("| module | killed | survived | other (timeout, not checked, ...) | score |")
    print("|---|---|---|---|---|")
    for module in modules:
        print(line(module, (module,)))
    for group, members in GROUPS.items():
        print(line(f"**{group}**", members))
    print("\nsurvivors:")
    for module, function, status in rows:
        if status == "survived":
            print(f"  {module}.{function.replace('xǁ', '').replace('ǁ', '.')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
