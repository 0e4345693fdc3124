"""The mis-titling audit page: every row accounted for, mismatches shown, nothing fetched from the network."""

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest
from test_titles import PLAIN_PM, TECHNICAL

from tpmclassify._cli import main


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.tags, self.cards, self._id = {}, [], 0, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self.cards += tag == "section" and attrs.get("class") == "card"
        self._id = attrs.get("id") or self._id  # an id's text may sit in a child tag

    def handle_data(self, data):
        if self._id and data.strip():
            self.ids.setdefault(self._id, data.strip())
            self._id = None


def _messy_csv(path: Path) -> int:
    """A CSV with a mis-titled row, good rows, a missing text, a short row and a blank title; returns its rows."""
    q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    lines = [
        "id,title,description",
        f"1,{q('Project Manager, Payments Platform')},{q(TECHNICAL)}",
        f"2,Project Manager,{q(PLAIN_PM)}",
        f"3,Senior Technical Program Manager,{q(TECHNICAL)}",
        "4,Project Manager,",
        "5,Engineering Project Manager",
        f"6,,{q(PLAIN_PM)}",
        f"7,Program Manager,{q(TECHNICAL)}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines) - 1


def test_the_audit_page_accounts_for_every_row_and_shows_the_mismatches(tmp_path):
    rows = _messy_csv(tmp_path / "req.csv")
    out = tmp_path / "report.html"
    assert main(["audit", str(tmp_path / "req.csv"), "--title-column", "title", "-o", str(out), "-q"]) == 0
    text = out.read_text(encoding="utf-8")
    page = _Page()
    page.feed(text)
    assert int(page.ids["total-rows"]) == int(page.ids["rows"]) == rows
    assert int(page.ids["mismatches"]) == page.cards == 2  # rows 1 and 7
    assert "Row 1: Project Manager, Payments Platform" in text and "Row 7: Program Manager" in text
    # self-contained: no script, no external resource of any kind
    assert not [t for t, a in page.tags if t in ("script", "link", "img", "iframe")]
    assert "http://" not in text and "https://" not in text and "src=" not in text
    assert text.count("<figure>") == 4  # one chart per axis of the article
    assert main(["audit", str(tmp_path / "req.csv"), "-o", str(out), "-q"]) == 2  # exists: refused
    assert main(["audit", str(tmp_path / "req.csv"), "-o", str(tmp_path / "r.txt"), "-q"]) == 2


def _chromium() -> str | None:
    return next((shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None)


@pytest.mark.skipif(_chromium() is None, reason="needs a headless Chromium (apt-get install chromium)")
def test_the_audit_page_renders_in_a_browser(tmp_path):
    _messy_csv(tmp_path / "req.csv")
    out = tmp_path / "report.html"
    assert main(["audit", str(tmp_path / "req.csv"), "-o", str(out), "-q"]) == 0
    shot = tmp_path / "shot.png"
    subprocess.run([_chromium(), "--headless", "--no-sandbox", "--disable-gpu", f"--screenshot={shot}",
                    "--window-size=1200,1600", out.as_uri()], check=True, capture_output=True, timeout=120)
    assert shot.stat().st_size > 10_000


def test_audit_checks_its_arguments_and_applies_the_prior_with_a_text_column(tmp_path):
    src = tmp_path / "req.csv"
    rows = _messy_csv(src)
    out = tmp_path / "r.html"
    for args in (["--top", "-1"], ["--chunk-size", "0"], ["--text-column", "nosuch"], ["--title-column", "nosuch"]):
        assert main(["audit", str(src), "-o", str(out), "-q", *args]) == 2
    assert not out.exists()
    assert main(["audit", str(src), "-o", str(out), "-q", "--top", "0", "--text-column", "description",
                 "--prior", "0.6"]) == 0
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert int(page.ids["total-rows"]) == rows and page.cards == 0 and int(page.ids["mismatches"]) == 2
    assert "TPM share of 60%" in out.read_text(encoding="utf-8")
    # a row that cannot be classified keeps what its title claims in the totals
    assert ">pm</th><td>" in out.read_text(encoding="utf-8").replace(" ", "")


def test_bidi_controls_are_shown_as_code_points_and_top_is_capped(tmp_path):
    """U+202E in a title (and in a posting, and the file name) used to reach the page as is, so a PM title could
    display as a TPM one; each bidi control now shows as its code point. --top past 1000 (a 131 MB page for the
    tester) is refused with one line."""
    from tpmclassify import audit
    from tpmclassify._audit import _BIDI, MAX_TOP

    q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    src = tmp_path / "req\u202e.csv"
    title, text = "Project Manager \u202eMPT\u202c, Payments", TECHNICAL + " \u2067isolate\u2069 "
    src.write_text(f"id,title,description\n1,{q(title)},{q(text)}\n", encoding="utf-8")
    out = tmp_path / "r.html"
    summary = audit(src, out)
    text = out.read_text(encoding="utf-8")
    assert summary.mismatches == 1
    assert not any(chr(c) in text for c in _BIDI)
    assert "Project Manager [U+202E]MPT[U+202C], Payments" in text and "[U+2067]isolate[U+2069]" in text
    assert "req[U+202E].csv" in text
    assert main(["audit", str(src), "-o", str(tmp_path / "big.html"), "--top", str(MAX_TOP + 1)]) == 2
    assert not (tmp_path / "big.html").exists()
    audit(src, tmp_path / "max.html", top=MAX_TOP)
