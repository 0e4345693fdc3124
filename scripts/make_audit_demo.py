"""Regenerate the audit screenshots in docs/ from the bundled sample, with the bundled model.

    python scripts/make_audit_demo.py          # writes docs/audit.png (1400 px wide) and docs/audit-800.png

It audits data/sample_postings.csv as the README's tour does (the id and company on every card), prints which
rows the model flags, checks the page in headless Chromium at both widths (no horizontal scroll, nothing clipped,
every posting open) and saves the screenshots. Which rows are flagged is the model's answer: re-run it whenever the
bundled model changes. Needs Chromium (Debian: apt-get install -y chromium); --page PATH keeps the HTML page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

import tpmclassify

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import chromium  # noqa: E402  (beside this script)

SAMPLE = ROOT / "data" / "sample_postings.csv"
#: Screenshot -> window width, height (the top of the page: how to read it, the flagged rows, the totals, the
#: charts and the first card).
SHOTS = {ROOT / "docs" / "audit.png": (1400, 2300), ROOT / "docs" / "audit-800.png": (800, 3000)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=Path, help="also keep the audit page (and its flags CSV) here")
    args = parser.parse_args()
    if chromium.find() is None:
        print("needs Chromium on PATH (Debian: apt-get install -y chromium)", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as folder:
        page = args.page or Path(folder) / "audit.html"
        summary = tpmclassify.audit(
            SAMPLE, page, title_column="title", id_column="id", show_columns=["company"], overwrite=True
        )
        print(summary)
        flags = pd.read_csv(summary.flags)
        print(
            flags[["row", "id", "company", "title", "title_says", "content_reads", "confidence"]].to_string(index=False)
        )
        if len(flags) < 2:
            print(
                f"warning: the model flags {len(flags)} row(s) of the sample; the demo wants at least two",
                file=sys.stderr,
            )
        bad = False
        for png, (width, height) in SHOTS.items():
            layout = chromium.measure(page, width)
            problems = {k: v for k, v in layout.items() if k not in ("width", "scroll_width") and v}
            if layout["scroll_width"] > width or problems:
                print(f"at {width} px: scroll width {layout['scroll_width']}, {problems}", file=sys.stderr)
                bad = True
            chromium.screenshot(page, png, width, height)
            print(
                f"{png.relative_to(ROOT)}: {width} x {height} px; page {layout['scroll_width']} px wide in a "
                f"{width} px window, nothing clipped"
                if not bad
                else f"{png.relative_to(ROOT)} (see above)"
            )
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
