"""Headless Chromium for the audit page: screenshots, and a measurement of its layout at a window width.

Used by ``scripts/make_audit_demo.py`` (the screenshots in ``docs/``) and by ``tests/test_audit.py`` (the page
has no horizontal scroll and clips nothing at 1400 and 800 px). Chromium itself is not a dependency: on Debian,
``apt-get install -y chromium``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

#: A quiet, private, offline headless run.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

# Measures the page as laid out: its width against the window's, every element whose overflow is hidden or
# scrolled and whose content does not fit (clipped), every element reaching past the window's right edge, every
# SVG label past its drawing's edge, closed <details>, and the cells of the list of flagged rows' first field (the id,
# when one is shown) whose one word of 16 characters or fewer is broken over lines. The result is written into the
# page, read by --dump-dom.
_MEASURE = """<script>
(() => {
  const W = window.innerWidth, out = {width: W, scroll_width: document.documentElement.scrollWidth,
    clipped: [], outside: [], svg_text_outside: [], closed_details: 0, broken_fields: []};
  const name = el => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
    (typeof el.className === "string" && el.className ? "." + el.className : "");
  for (const el of document.body.querySelectorAll("*")) {
    const cs = getComputedStyle(el), r = el.getBoundingClientRect();
    if (r.right > W + 1) out.outside.push(name(el) + " ends at " + Math.round(r.right));
    if (el instanceof HTMLElement &&
        ((cs.overflowX !== "visible" && el.scrollWidth > el.clientWidth + 1) ||
         (cs.overflowY !== "visible" && el.scrollHeight > el.clientHeight + 1)))
      out.clipped.push(name(el));
  }
  for (const svg of document.querySelectorAll("svg")) {
    const w = svg.viewBox.baseVal.width || svg.width.baseVal.value;
    for (const t of svg.querySelectorAll("text")) {
      const b = t.getBBox();
      if (b.x < -2 || b.x + b.width > w + 2) out.svg_text_outside.push(t.textContent);
    }
  }
  out.closed_details = document.querySelectorAll("details:not([open])").length;
  for (const td of document.querySelectorAll("table.flags td.n + td")) {
    const range = document.createRange();
    range.selectNodeContents(td);
    const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top))).size;
    if (td.textContent.length <= 16 && !/\\s/.test(td.textContent) && lines > 1) out.broken_fields.push(td.textContent);
  }
  const pre = document.createElement("pre");
  pre.id = "layout-measure";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"""


def find() -> str | None:
    """The Chromium executable on PATH, if any."""
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


def _run(page: Path, width: int, height: int, *extra: str) -> str:
    exe = find()
    if exe is None:
        raise RuntimeError("no Chromium on PATH (on Debian: apt-get install -y chromium)")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}", *extra, page.as_uri()],
            check=True,
            capture_output=True,
            text=True,
            timeout=180,
        )
    return done.stdout


def screenshot(page: Path, png: Path, width: int, height: int = 2000) -> Path:
    """A PNG of the top ``height`` pixels of ``page`` in a window ``width`` pixels wide."""
    png.unlink(missing_ok=True)
    _run(page.resolve(), width, height, f"--screenshot={png.resolve()}")
    if not png.is_file():
        raise RuntimeError(f"Chromium wrote no screenshot of {page}")
    return png


def measure(page: Path, width: int, height: int = 1000) -> dict:
    """The layout of ``page`` in a window ``width`` pixels wide (see ``_MEASURE``), measured on a copy of it with
    a script added (the page itself has none)."""
    text = page.read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / page.name
        copy.write_text(text.replace("</body>", _MEASURE + "</body>"), encoding="utf-8")
        dom = _run(copy, width, height, "--dump-dom", "--virtual-time-budget=5000")
    found = re.search(r'<pre id="layout-measure">(.*?)</pre>', dom, re.S)
    if found is None:
        raise RuntimeError(f"the measurement did not run in Chromium; its page was:\n{dom[:500]}")
    import html

    return json.loads(html.unescape(found[1]))
