"""The mis-titling audit page: every row accounted for, mismatches shown, nothing fetched from the network."""

import dataclasses
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_titles import PLAIN_PM, TECHNICAL

import tpmclassify
from tpmclassify._cli import main

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import chromium  # noqa: E402  (scripts/chromium.py: headless Chromium, shared with scripts/make_audit_demo.py)


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
    """A CSV with mis-titled rows, good rows, a missing text, a short row and a blank title; returns its rows. (A PM
    title over a TPM's duties is not among the mis-titled: the bundled model flags no PM title that way.)"""
    q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    lines = [
        "id,title,description",
        f"1,{q('Technical Program Manager, Payments Platform')},{q(PLAIN_PM)}",
        f"2,Project Manager,{q(PLAIN_PM)}",
        f"3,Senior Technical Program Manager,{q(TECHNICAL)}",
        "4,Project Manager,",
        "5,Engineering Project Manager",
        f"6,,{q(PLAIN_PM)}",
        f"7,Senior Technical Program Manager II,{q(PLAIN_PM)}",
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
    assert int(page.ids["mismatches"]) == page.cards == 2  # ids 1 and 7: spreadsheet rows 2 and 8
    assert "Row 2: Technical Program Manager, Payments Platform" in text
    assert "Row 8: Senior Technical Program Manager II" in text
    # self-contained: no script, no external resource of any kind
    assert not [t for t, a in page.tags if t in ("script", "link", "img", "iframe")]
    assert "http://" not in text and "https://" not in text and "src=" not in text
    assert text.count("<figure>") == 4  # one chart per axis of the article
    flags = pd.read_csv(tmp_path / "report.flags.csv")  # beside the page by default
    assert flags["row"].tolist() == [2, 8] and flags["title_says"].tolist() == ["TPM", "TPM"]
    assert main(["audit", str(tmp_path / "req.csv"), "-o", str(out), "-q"]) == 2  # exists: refused
    assert main(["audit", str(tmp_path / "req.csv"), "-o", str(tmp_path / "r.txt"), "-q"]) == 2


def test_a_semicolon_separated_export_is_audited_and_its_flags_written_as_it_is(tmp_path, caplog):
    """A European spreadsheet's export (";" between fields, found from its header) is audited row for row as the
    comma-separated one is, and its flags CSV, which is for that spreadsheet, is ';'-separated too (from a review)."""
    _messy_csv(tmp_path / "comma.csv")
    pd.read_csv(tmp_path / "comma.csv", dtype=str, keep_default_na=False).to_csv(
        tmp_path / "semi.csv", sep=";", index=False
    )
    with caplog.at_level("INFO", logger="tpmclassify"):
        semi = tpmclassify.audit(tmp_path / "semi.csv", tmp_path / "semi.html")
    comma = tpmclassify.audit(tmp_path / "comma.csv", tmp_path / "comma.html")
    assert semi.rows == comma.rows == 7 and semi.mismatches == comma.mismatches == 2 and semi.totals == comma.totals
    assert "input is ';'-separated: the flags CSV is written so" in caplog.text
    flags = {n: pd.read_csv(tmp_path / f"{n}.flags.csv", sep=s) for n, s in (("semi", ";"), ("comma", ","))}
    pd.testing.assert_frame_equal(flags["semi"], flags["comma"])
    assert (tmp_path / "semi.flags.csv").read_text(encoding="utf-8-sig").startswith("row;title;title_says;")


def _sample_audit(tmp_path: Path) -> tuple[tpmclassify.AuditSummary, str]:
    summary = tpmclassify.audit(
        ROOT / "data" / "sample_postings.csv", tmp_path / "audit.html", id_column="id", show_columns=["company"]
    )
    return summary, (tmp_path / "audit.html").read_text(encoding="utf-8")


def test_the_sample_audit_is_a_list_to_act_on(tmp_path):
    """The bundled sample's mis-titled rows are flagged, each with its id and company, on the page and in a CSV
    that opens in pandas; rows are numbered as a spreadsheet numbers them, and the page says so."""
    summary, text = _sample_audit(tmp_path)
    flags = pd.read_csv(summary.flags)
    assert summary.flags == str(tmp_path / "audit.flags.csv") and len(flags) == summary.mismatches >= 2
    assert flags.columns.tolist() == [
        "row",
        "id",
        "company",
        "title",
        "title_says",
        "content_reads",
        "confidence",
        "as_written",
        "to_check",
        "reasons",
    ]
    sample = pd.read_csv(ROOT / "data" / "sample_postings.csv")
    for flag in flags.itertuples():
        posting = sample.iloc[flag.row - 2]  # the header is row 1
        assert (posting["id"], posting["company"], posting["title"]) == (flag.id, flag.company, flag.title)
        assert (flag.title_says, flag.content_reads) in (("TPM", "PM"), ("PM", "TPM"), ("Program Manager", "TPM"))
        claim = flag.title_says.lower() if flag.title_says in ("TPM", "PM") else "program"
        assert tpmclassify.default_model().mismatch_confidences[claim] <= flag.confidence <= 1
        assert flag.reasons.startswith(f"Titled {flag.title!r}, but reads as a {flag.content_reads}")
        assert flag.to_check.startswith("Is this a")
        # on the page: its card (with id and company) and its line in the list of flagged rows
        card = text[text.index(f'<section class="card" id="row-{flag.row}">') :]
        card = card[: card.index("</section>")]
        assert f"<b>id</b> {flag.id}</span>" in card and f"<b>company</b> {flag.company}</span>" in card
        assert card.count('<p class="check"><b>To check:</b>') == 1
        assert f'<a href="#row-{flag.row}">{flag.row}</a>' in text
    assert "How to read this page" in text and "the header is row 1, so the first posting is row 2" in text
    assert "audit.flags.csv" in text
    # the whole posting, open, in no box that scrolls or clips; a print stylesheet
    assert text.count("<details open>") == summary.mismatches and "<details>" not in text
    assert "max-height" not in text and "overflow:auto" not in text and "overflow:hidden" not in text
    assert "@media print" in text


def _cards(text: str) -> list[str]:
    return [c.split("</section>")[0] for c in text.split('<section class="card"')[1:]]


def test_every_number_on_a_card_comes_from_one_named_reading(tmp_path):
    """The reasons' sums are the bars' values (both the content, role names masked); the answer as written is
    named as such; the verdict's split is the content's."""
    summary, text = _sample_audit(tmp_path)
    model = tpmclassify.default_model()
    sample = pd.read_csv(ROOT / "data" / "sample_postings.csv")
    for card in _cards(text):
        row = int(re.search(r'id="row-(\d+)"', card)[1])
        posting = sample.iloc[row - 2]
        c = model.classify(posting["description"], posting["title"]).content
        reasons = card[card.index("<ul>") : card.index("</ul>")]
        bars = card[card.index("<svg") : card.index("</svg>")]
        for value in re.findall(r"points to T?PM \(([+-]\d+\.\d\d)\)", reasons):  # each axis's sum is its bar
            assert f">{value}</text>" in bars
        for total in c.explanation.by_axis.values():
            assert f">{total:+.2f}</text>" in bars
        tpm = c.probabilities["tpm"]
        assert f"TPM {tpm:.0%}" in card and "(content, role names masked)" in card
        assert card.count("<b>As written</b>") == 1 and "title and role names included" in card
    assert len(_cards(text)) == summary.mismatches


def test_an_out_of_scope_answer_as_written_gives_no_tpm_pm_split(bundled):
    from tpmclassify._audit_page import Flag

    p = bundled.classify(TECHNICAL, title="Project Manager, Payments Platform")
    flag = Flag(2, "row", dataclasses.replace(p, label="other", in_scope=0.04, needs_review=False), {})
    said = flag.as_written()
    assert said.startswith("not a TPM or PM posting at all (in scope 4%") and "TPM 9" not in said
    assert "%, PM" not in said
    close = Flag(2, "row", dataclasses.replace(p, probabilities={"tpm": 0.64, "pm": 0.36}, needs_review=True), {})
    assert close.as_written() == "too close to call (TPM 64%, PM 36%)"


@pytest.mark.skipif(
    chromium.find() is None,
    reason="needs a headless Chromium on PATH (Debian: apt-get install -y chromium; .ci/run does)",
)
@pytest.mark.parametrize("width", [1400, 800])
def test_the_audit_page_in_a_browser_has_no_horizontal_scroll_and_clips_nothing(tmp_path, width):
    _sample_audit(tmp_path)
    page = tmp_path / "audit.html"
    layout = chromium.measure(page, width)
    assert layout["scroll_width"] <= width == layout["width"]
    assert layout["outside"] == [] and layout["clipped"] == [] and layout["svg_text_outside"] == []
    assert layout["closed_details"] == 0
    shot = chromium.screenshot(page, tmp_path / f"audit-{width}.png", width, 2000)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


@pytest.mark.skipif(chromium.find() is None, reason="needs a headless Chromium on PATH")
def test_a_long_title_or_id_does_not_widen_the_page(tmp_path):
    """A 10,000-character title made the page 114,511 px wide, a 180-character id 2,233 px (hostile review)."""
    src = tmp_path / "x.jsonl"
    row = {"id": "https://example.com/" + "a" * 160, "title": "Technical Program Manager " + "A" * 10_000}
    src.write_text(json.dumps({**row, "description": PLAIN_PM}) + "\n")
    assert tpmclassify.audit(src, tmp_path / "x.html", id_column="id").mismatches == 1
    layout = chromium.measure(tmp_path / "x.html", 1400)
    assert layout["scroll_width"] <= 1400 and layout["outside"] == [] and layout["clipped"] == []


def test_audit_checks_its_arguments_and_applies_the_prior_with_a_text_column(tmp_path):
    src = tmp_path / "req.csv"
    rows = _messy_csv(src)
    out = tmp_path / "r.html"
    for args in (
        ["--top", "-1"],
        ["--chunk-size", "0"],
        ["--text-column", "nosuch"],
        ["--title-column", "nosuch"],
        ["--id-column", "nosuch"],
        ["--show-column", "nosuch"],
        ["--flags-csv", str(tmp_path / "f.txt")],
    ):
        assert main(["audit", str(src), "-o", str(out), "-q", *args]) == 2
    assert not out.exists() and not (tmp_path / "r.flags.csv").exists()
    assert (
        main(["audit", str(src), "-o", str(out), "-q", "--top", "0", "--text-column", "description", "--prior", "0.6"])
        == 0
    )
    page = _Page()
    page.feed(out.read_text(encoding="utf-8"))
    assert int(page.ids["total-rows"]) == rows and page.cards == 0 and int(page.ids["mismatches"]) == 2
    assert len(pd.read_csv(tmp_path / "r.flags.csv")) == 2  # all flagged rows are in the CSV, whatever --top
    assert "TPM share of 60%" in out.read_text(encoding="utf-8")
    # a row that cannot be classified keeps what its title claims in the totals
    assert ">pm</th><td>" in out.read_text(encoding="utf-8").replace(" ", "")


def test_audit_errors_name_the_flag_that_fixes_them(tmp_path, capsys):
    src = tmp_path / "req.csv"
    _messy_csv(src)
    for flag, name in (("--title-column", "Job Title"), ("--id-column", "Req"), ("--show-column", "Company")):
        assert main(["audit", str(src), "-o", str(tmp_path / "r.html"), flag, name]) == 2
        err = capsys.readouterr().err
        assert f"no column {name!r}; the columns are: id, title, description (name the right one with {flag})" in err
    assert main(["audit", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "r.html")]) == 2
    assert "error: input file not found: " in capsys.readouterr().err
    with pytest.raises(tpmclassify.ColumnError, match=r"name the right one with show_columns=\[\.\.\.\]"):
        tpmclassify.audit(src, tmp_path / "r.html", show_columns=["Company"])
    out = tmp_path / "own.html"
    summary = tpmclassify.audit(src, out, id_column="id", flags_csv=tmp_path / "todo.csv")
    assert summary.flags == str(tmp_path / "todo.csv") and pd.read_csv(summary.flags)["id"].tolist() == [1, 7]
    assert main(["audit", str(src), "-o", str(out), "-q"]) == 2
    assert "already exists; pass --overwrite to replace it" in capsys.readouterr().err
    before = src.read_bytes()
    for flags in (src, tmp_path / "sub" / ".." / src.name):
        args = ["audit", str(src), "-o", str(tmp_path / "o.html"), "--flags-csv", str(flags), "--overwrite", "-q"]
        assert main(args) == 2
        assert "the flagged rows must not be written over the input file" in capsys.readouterr().err
    assert src.read_bytes() == before


def test_the_flags_csv_runs_no_formula_and_odd_characters_do_not_crash_the_audit(tmp_path):
    """From a hostile review: ids and titles went into the flags CSV as written, so '=HYPERLINK(...)' or '=1+1'
    ran when a recruiter opened it in a spreadsheet; each such cell now starts with an apostrophe, and bidi controls
    are shown as on the page. A lone surrogate in a JSON-lines posting (or title) crashed the audit with 'internal
    error': it is written as its code."""
    src = tmp_path / "req.jsonl"
    rows = [
        {"id": "=1+1", "title": '=HYPERLINK("http://x.example/","Technical Program Manager")', "description": PLAIN_PM},
        {"id": "@SUM(1)", "title": "+Technical Program Manager \u202eMP", "description": PLAIN_PM + " \udfff"},
        {"id": "-1", "title": "Technical Program Manager \ud800", "description": PLAIN_PM},
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    summary = tpmclassify.audit(src, tmp_path / "r.html", id_column="id")
    assert summary.rows == 3 and summary.mismatches == 3
    flags = pd.read_csv(summary.flags, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert flags["id"].tolist() == ["'=1+1", "'@SUM(1)", "'-1"]
    assert flags["title"].tolist() == [
        '\'=HYPERLINK("http://x.example/","Technical Program Manager")',
        "'+Technical Program Manager [U+202E]MP",
        "Technical Program Manager \\ud800",
    ]
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "\\udfff" in page and "\u202e" not in page


def test_bidi_controls_are_shown_as_code_points_and_top_is_capped(tmp_path):
    """U+202E in a title (and in a posting, and the file name) used to reach the page as is, so a PM title could
    display as a TPM one; each bidi control now shows as its code point. --top past 1000 (a 131 MB page for the
    tester) is refused with one line."""
    from tpmclassify import audit
    from tpmclassify._audit import MAX_TOP
    from tpmclassify._text import _BIDI

    q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    src = tmp_path / "req\u202e.csv"
    title, text = "Technical Program Manager \u202eMP\u202c, Payments", PLAIN_PM + " \u2067isolate\u2069 "
    src.write_text(f"id,title,description\n1,{q(title)},{q(text)}\n", encoding="utf-8")
    out = tmp_path / "r.html"
    summary = audit(src, out)
    text = out.read_text(encoding="utf-8")
    assert summary.mismatches == 1
    assert not any(chr(c) in text for c in _BIDI)
    assert "Technical Program Manager [U+202E]MP[U+202C], Payments" in text and "[U+2067]isolate[U+2069]" in text
    assert "req[U+202E].csv" in text
    assert main(["audit", str(src), "-o", str(tmp_path / "big.html"), "--top", str(MAX_TOP + 1)]) == 2
    assert not (tmp_path / "big.html").exists()
    audit(src, tmp_path / "max.html", top=MAX_TOP)
