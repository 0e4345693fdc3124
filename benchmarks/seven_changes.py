"""The review's deliberate one-line changes to training (issue 18), each applied to a copy of the package: the
training tests must fail on every one of them.

    python benchmarks/seven_changes.py [TEST FILES...]   (default: tests/test_training.py tests/test_model.py)

Prints KILLED (a test failed: the change is caught) or SURVIVED for each change, and the first failing test. A
change whose text is no longer in the source stops the script: update the table with the code.
"""

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
M = "tpmclassify/_model.py"
A = "tpmclassify/_answering.py"
F = "tpmclassify/_fitting.py"
MUTANTS = {
    "needs_review ignores its band": (A, "lo, hi = self.review_band", "lo, hi = (0.35, 0.65)"),
    "C param ignored": (F, "grid = tuple(C_grid) if C is None else (float(C),)", "grid = tuple(C_grid)"),
    "C choice ignored (first of grid)": (
        F,
        "chosen, oof = choose_C(X, y, w, g, sign, grid, _INNER_FOLDS, t.bar.update)",
        "chosen, oof = float(grid[0]), choose_C(X, y, w, g, sign, grid, _INNER_FOLDS, t.bar.update)[1]",
    ),
    "C choice ignored (last of grid)": (
        F,
        "chosen, oof = choose_C(X, y, w, g, sign, grid, _INNER_FOLDS, t.bar.update)",
        "chosen, oof = float(grid[-1]), choose_C(X, y, w, g, sign, grid, _INNER_FOLDS, t.bar.update)[1]",
    ),
    "sources not weighted": (
        F,
        "w = np.tile(source_weights(None if grp is None else grp[rows], len(rows)), 2)",
        "w = np.tile(source_weights(None, len(rows)), 2)",
    ),
    "scope threshold fixed": (
        F,
        "threshold = _recall_threshold(sigmoid(a * oof + b), np.tile(labels, 2), scope_recall)",
        "threshold = 0.5",
    ),
    "min_groups ignored": (M, "model.min_groups,", "1,"),
    "TPM not weighted up in scope": (
        F,
        "weight1 = np.where(labels == TPM, n_pm / n_tpm, 1.0)",
        "weight1 = np.ones(len(labels))",
    ),
    "mask weight ignored": (
        F,
        "return np.concatenate([np.full(n, 1.0 - self.mask_rate), np.full(n, self.mask_rate)])",
        "return np.full(2 * n, 0.5)",
    ),
    "Platt slope dropped": (
        F,
        "a, b = platt(oof, y, weight * len(set(groups.tolist())) / weight.sum())",
        "a, b = 1.0, platt(oof, y, weight * len(set(groups.tolist())) / weight.sum())[1]",
    ),
    "role head's Platt map dropped": (
        F,
        "weights, intercept = a * weights, a * intercept + b",
        "weights, intercept = weights, intercept",
    ),
}
tests = sys.argv[1:] or ["tests/test_training.py", "tests/test_model.py"]
survived = 0
for name, (path, old, new) in MUTANTS.items():
    tmp = Path(tempfile.mkdtemp())
    shutil.copytree(ROOT / "data", tmp / "data")
    shutil.copytree(ROOT / "scripts", tmp / "scripts")
    for d in ("tpmclassify", "tests"):
        shutil.copytree(ROOT / d, tmp / d)
    f = tmp / path
    s = f.read_text()
    assert s.count(old) == 1, (name, s.count(old))
    f.write_text(s.replace(old, new))
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests],
        cwd=tmp,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(tmp)},
    )
    last = [line for line in r.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))][:1]
    survived += r.returncode == 0
    print(
        f"{'KILLED ' if r.returncode else 'SURVIVED'} {name}: {last[0] if last else r.stdout.splitlines()[-1]}",
        flush=True,
    )
    shutil.rmtree(tmp)
sys.exit(1 if survived else 0)
