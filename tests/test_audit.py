"""The mis-titling audit page: every row accounted for, mismatches shown, nothing fetched from the network."""

import codecs
import copy
import dataclasses
import html
import json
import re
import sys
import time
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from test_titles import PLAIN_PM, TECHNICAL

import tpmclassify
from tpmclassify._audit_page import NO_CLAIM, UNCLASSIFIED
from tpmclassify._cli import main
from tpmclassify._cues import AXES
from tpmclassify._roles import HYBRID, PM, ROLES, SHORT_NAMES, TPM

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


def test_audit_reads_its_input_in_the_encoding_named(tmp_path, capsys):
    """--encoding reaches the audit: UTF-16 without a byte-order mark, which detection cannot tell, is read as named
    and audited as the same rows in UTF-8 are (the option was dropped and nothing failed)."""
    rows = _messy_csv(tmp_path / "req.csv")
    (tmp_path / "req16.csv").write_bytes((tmp_path / "req.csv").read_text(encoding="utf-8").encode("utf-16-le"))
    assert main(["audit", str(tmp_path / "req.csv"), "-o", str(tmp_path / "utf8.html"), "-q"]) == 0
    run = ["audit", str(tmp_path / "req16.csv"), "-o", str(tmp_path / "utf16.html"), "--encoding", "utf-16-le"]
    assert main(run) == 0
    assert f"{rows} rows audited" in capsys.readouterr().err
    assert (tmp_path / "utf16.flags.csv").read_bytes() == (tmp_path / "utf8.flags.csv").read_bytes()


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
    said = [m for m in caplog.messages if "-separated" in m]  # (a comma-separated input: nothing to say)
    assert said == ["input is ';'-separated: the flags CSV is written so"]
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


def _howto_flag(text: str) -> str:
    start = text.index("<li><b>Flagged</b>")
    return html.unescape(text[start : text.index("</li>", start)])


def test_how_to_read_the_page_names_the_titles_a_flag_can_contradict_and_the_axes(tmp_path):
    """The page says which titles its model can flag: the bundled model never flags a Project Manager title (its
    confidence is 1), so the page does not name it; a model that reads a titled posting's scope also flags a title
    over another job altogether. The axes are named, not left to an article the reader has not read."""
    _, text = _sample_audit(tmp_path)
    flag = _howto_flag(text)
    assert "title claims one role (Technical Program Manager or a plain Program Manager) while" in flag
    assert "describe the other (not too close" in flag and "another job" not in flag
    assert "two of the four axes (program scope, technical depth, strategy vs execution, cross-functional " in flag
    assert "article" not in flag
    model = copy.deepcopy(tpmclassify.default_model()).set_params(titled_scope_threshold=0.05)
    tpmclassify.audit(ROOT / "data" / "sample_postings.csv", tmp_path / "scoped.html", model=model)
    flag = _howto_flag((tmp_path / "scoped.html").read_text(encoding="utf-8"))
    assert "(Technical Program Manager, Project Manager, a plain Program Manager or a title used for either " in flag
    assert "or (a TPM, Project Manager or either-role title) another job altogether, in scope under 0.05." in flag
    assert "As the other: a TPM title when read as a PM's job" in flag and "a Project Manager title never as a" in flag


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
        assert f"TPM {tpm:.0%}" in card and "(content, role names masked;" in card
        # beside the split, whether the content is either role at all: its own in-scope figure (a card read as TPM
        # 96% above an answer as written "not a TPM or PM posting at all", with nothing between; review)
        assert f"TPM against PM, if it is either: in scope {c.in_scope:.0%})" in card
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
    assert layout["broken_fields"] == []  # an id is what a recruiter copies: it broke into fragments (review)
    shot = chromium.screenshot(page, tmp_path / f"audit-{width}.png", width, 2000)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000


@pytest.mark.skipif(chromium.find() is None, reason="needs a headless Chromium on PATH")
@pytest.mark.parametrize(
    ("width", "shown"), [(1280, ["company", "req", "location"]), (800, ["company", "req", "location"]), (600, ["req"])]
)
def test_an_export_s_ids_stay_on_one_line_in_the_list_of_flags(tmp_path, width, shown):
    """Ids of 12 to 16 characters broke over two or three lines ("f42c42b6 / 3e3f"): the cells of the list could
    break anywhere, so the table squeezed them first (a review, at 1280 pixels with a shown column). A narrow window
    with several shown columns still fits the page before it keeps an id whole (a later review: 17 characters kept
    whatever the window widened the page to 827 pixels at 800)."""
    rows = pd.read_csv(ROOT / "data" / "sample_postings.csv", dtype=str)
    rows["id"] = [f"f42c42b63e3f{k:04d}" for k in range(len(rows))]
    rows["company"] = rows["company"].fillna("") + " Holdings International"
    rows.loc[rows["title"].str.startswith("Technical Program Manager"), "title"] += " and Platform Reliability" * 6
    rows = rows.assign(req="REQ-2024-0042", location="Mountain View, California")  # (more shown columns: the page
    rows.to_csv(tmp_path / "export.csv", index=False)  # must still fit, as it did before ids kept their width)
    assert tpmclassify.audit(tmp_path / "export.csv", tmp_path / "a.html", id_column="id", show_columns=shown)
    layout = chromium.measure(tmp_path / "a.html", width)
    assert layout["scroll_width"] <= width  # the page fits, first
    assert layout["broken_fields"] == [] or width < 1000  # and on a desktop's window, an id is never broken


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
    # none shown (top 0) is not "None": the section says where the flagged rows are
    text = out.read_text(encoding="utf-8")
    assert "None shown here (top 0): 2 flagged rows are in <b>r.flags.csv</b>." in text and "<p>None.</p>" not in text
    assert "the 0 most confident" not in text and "Every flagged row is in <b>r.flags.csv</b>, beside this page" in text
    # a row that cannot be classified keeps what its title claims in the totals
    assert ">pm</th><td>" in out.read_text(encoding="utf-8").replace(" ", "")


def test_the_page_says_how_many_rows_are_flagged_and_where_they_are_whatever_it_shows(tmp_path):
    """From hostile reviews: with --top 0 the page pointed to a list of flagged rows it did not show, and said "1
    flagged, none shown here (top 0): they are all in the CSV"; one card shown was "all of them, most confident
    first", and one of three "the 1 most confident of the 3, most confident first; each links"; with none flagged it
    said that every flagged row is in the CSV; with no card shown, what each card says; one row was "1 postings"."""
    tpm = [("Technical Program Manager", PLAIN_PM)]
    for name, rows, top, says, never in (
        ("one", tpm, 0, ["None shown here (top 0): 1 flagged row is in <b>one.flags.csv</b>."], ["Work from", "they"]),
        ("two", tpm * 2, 0, ["2 flagged rows are in <b>two.flags.csv</b>.", "in <b>two.flags.csv</b>, beside"], []),
        ("shown", tpm, 5, ["flagged rows</a> (one, linked to its card)", "also in <b>shown.flags.csv</b>"], ["all of"]),
        ("none", [("Project Manager", PLAIN_PM)], 5, ["so <b>none.flags.csv</b>, beside this page, lists none"], []),
        ("of3", tpm * 3, 1, ["(the most confident of the 3, linked to its card)"], ["most confident first"]),
    ):
        src = tmp_path / f"{name}.csv"
        pd.DataFrame(rows, columns=["title", "description"]).to_csv(src, index=False)
        tpmclassify.audit(src, tmp_path / f"{name}.html", top=top)
        text = (tmp_path / f"{name}.html").read_text(encoding="utf-8")
        assert all(s in text for s in says), name
        wrong = [*never, "flagged rows is", "1 flagged rows", "Every flagged row is in <b>none", "1</span> postings"]
        if top == 0 or name == "none":
            wrong.append("Each card says")
        assert not any(s in text for s in wrong), name


def test_audit_errors_name_the_flag_that_fixes_them(tmp_path, capsys, monkeypatch):
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
    assert "<b>todo.csv</b>, beside this page" in out.read_text(encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    elsewhere = tmp_path / "elsewhere" / "todo.csv"  # not beside the page: named by its path
    tpmclassify.audit(src, out, flags_csv=elsewhere, overwrite=True)
    assert f"<b>{html.escape(str(elsewhere.resolve()))}</b>, in the file's order" in out.read_text(encoding="utf-8")
    monkeypatch.chdir(tmp_path / "elsewhere")  # a relative path: named on the page by its whole path
    tpmclassify.audit(src, out, flags_csv="todo.csv", overwrite=True)
    assert f"<b>{html.escape(str(elsewhere.resolve()))}</b>, in the file's order" in out.read_text(encoding="utf-8")
    assert "beside this page" not in out.read_text(encoding="utf-8")
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


def test_shown_columns_are_each_written_once_and_a_name_of_the_flags_csv_is_refused(tmp_path):
    """From a mutation run: no test named the shown columns as one string, repeated the id or the title column among
    them, or showed a column whose name the flags CSV has (an export's own ``row`` or ``confidence`` column), so
    dropping any of those rules passed. Each shown column is in the flags CSV once, after the row, in the order
    named; a name the flags CSV has is refused before anything is written, by name."""
    src = tmp_path / "req.csv"
    frame = pd.DataFrame(
        {
            "req_id": ["R-1", "R-2"],
            "row": ["17", "18"],
            "title": ["Technical Program Manager", "Senior Technical Program Manager"],
            "company": ["Acme", "Globex"],
            "confidence": ["high", "low"],
            "description": [PLAIN_PM, PLAIN_PM],
        }
    )
    frame.to_csv(src, index=False)
    one = tpmclassify.audit(src, tmp_path / "one.html", show_columns="company")  # one name, not its letters
    assert pd.read_csv(one.flags).columns.tolist()[:3] == ["row", "company", "title"]
    named = ["req_id", "title", "company", "company"]
    again = tpmclassify.audit(src, tmp_path / "again.html", id_column="req_id", show_columns=named)
    flags = pd.read_csv(again.flags)
    assert again.mismatches == 2 and flags.columns.tolist()[:4] == ["row", "req_id", "company", "title"]
    assert flags["req_id"].tolist() == ["R-1", "R-2"] and flags["company"].tolist() == ["Acme", "Globex"]
    for name in ("row", "confidence"):
        message = f"^column '{name}' cannot be shown: the flags CSV has a column of that name$"
        with pytest.raises(tpmclassify.BatchError, match=message):
            tpmclassify.audit(src, tmp_path / f"{name}.html", show_columns=["company", name])
        assert not (tmp_path / f"{name}.html").exists() and not (tmp_path / f"{name}.flags.csv").exists()
    # a title column of such a name made the flags CSV's header repeat it (read back, the titles as 'confidence')
    renamed = tmp_path / "renamed.csv"
    frame.drop(columns="confidence").rename(columns={"title": "confidence"}).to_csv(renamed, index=False)
    with pytest.raises(tpmclassify.BatchError, match="^the title column 'confidence' has the name of another column"):
        tpmclassify.audit(renamed, tmp_path / "renamed.html", title_column="confidence")
    assert not (tmp_path / "renamed.html").exists() and not (tmp_path / "renamed.flags.csv").exists()


def test_a_card_counts_the_characters_of_the_posting_it_shows(tmp_path):
    """The card said "The posting (1,683 characters)" of a 1,654-character description: it counted the title read
    after it (and cut at 30,000 a posting it showed whole)."""
    src = tmp_path / "one.csv"
    pd.DataFrame({"title": ["Technical Program Manager"], "description": [PLAIN_PM]}).to_csv(src, index=False)
    tpmclassify.audit(src, tmp_path / "one.html")
    assert f"The posting ({len(PLAIN_PM):,} characters)" in (tmp_path / "one.html").read_text(encoding="utf-8")


def test_the_audit_replaces_its_page_only_when_told(tmp_path):
    """The command line passes ``--overwrite`` either way, so only a Python call sees the default: an audit run
    again on the same page is refused and leaves the page as it was, unless ``overwrite=True``."""
    src, out = tmp_path / "req.csv", tmp_path / "r.html"
    _messy_csv(src)
    first = tpmclassify.audit(src, out)
    page = out.read_bytes()
    with pytest.raises(tpmclassify.BatchError, match=r"r\.html already exists; pass overwrite=True to replace it"):
        tpmclassify.audit(src, out)
    assert out.read_bytes() == page
    assert tpmclassify.audit(src, out, overwrite=True).mismatches == first.mismatches == 2


def test_shown_json_lines_values_are_written_as_the_file_has_them(tmp_path):
    """A JSON-lines export's shown values in the flags CSV: a null or absent id is empty (not "None" or "nan"), a
    number as written (145.5, not empty), true as JSON says it, and an object or a list as JSON with its accents
    kept (``Zürich``, not ``Z\\u00fcrich``)."""
    rows = [
        {"req_id": None, "title": "Technical Program Manager", "office": {"city": "Zürich", "floor": 3}},
        {"title": "Technical Program Manager", "office": ["Berlin", "Köln"], "salary_k": None},
        {"req_id": True, "title": "Senior Technical Program Manager", "office": "São Paulo", "salary_k": 145.5},
    ]
    src = tmp_path / "req.jsonl"
    src.write_text(
        "".join(json.dumps({**r, "description": PLAIN_PM}, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    summary = tpmclassify.audit(src, tmp_path / "r.html", id_column="req_id", show_columns=["office", "salary_k"])
    assert summary.mismatches == 3
    flags = pd.read_csv(summary.flags, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert flags[["req_id", "office", "salary_k"]].values.tolist() == [
        ["", '{"city": "Zürich", "floor": 3}', ""],
        ["", '["Berlin", "Köln"]', ""],
        ["true", "São Paulo", "145.5"],
    ]


def test_a_parquet_record_with_a_date_is_shown_as_json_with_the_date_as_text(tmp_path):
    """From a mutation run: only JSON lines' own values had been shown, so dropping the fallback for values JSON has
    no type for passed; a Parquet export's record (a struct column) holding a date then crashed the audit. Its lists
    (numpy arrays when read) and booleans are shown as JSON lines' are."""
    import datetime

    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    posted = {"on": datetime.date(2024, 5, 1), "board": "Jobs.ch", "tags": ["remote", "EU"]}
    table = pa.table(
        {
            "title": ["Technical Program Manager"],
            "description": [PLAIN_PM],
            "posted": [posted],
            "offices": [["Zürich", "Köln"]],
            "remote": [True],
        }
    )
    pq.write_table(table, tmp_path / "req.parquet")
    shown = ["posted", "offices", "remote"]
    summary = tpmclassify.audit(tmp_path / "req.parquet", tmp_path / "r.html", show_columns=shown)
    flags = pd.read_csv(summary.flags, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    # a list as JSON writes it, not numpy's ['Zürich' 'Köln'], and true as JSON lines' true is shown
    assert flags[shown].values.tolist() == [
        ['{"on": "2024-05-01", "board": "Jobs.ch", "tags": ["remote", "EU"]}', '["Zürich", "Köln"]', "true"]
    ]


def test_the_audits_progress_bar_names_the_audit_and_counts_rows(tmp_path, capsys):
    """Shown only when asked (the command line asks on a terminal), on standard error: the audit's name and the rows
    read, scaled as the batch bar's are."""
    src = tmp_path / "req.csv"
    rows = _messy_csv(src)
    tpmclassify.audit(src, tmp_path / "quiet.html")
    assert capsys.readouterr().err == ""
    tpmclassify.audit(src, tmp_path / "shown.html", progress=True)
    assert f"audit: {rows:.2f} rows [" in capsys.readouterr().err


def test_the_flags_are_numbered_by_the_file_whatever_the_chunks_and_open_in_a_spreadsheet(tmp_path):
    """From a mutation run: no audit flagged a row past its first chunk, so numbering a flag from the chunk's start
    the wrong way passed; nor was the flags CSV's byte-order mark looked at (it is read back as ``utf-8-sig``,
    which takes either), which is what makes a spreadsheet read its accents as UTF-8. Read two rows a chunk, the
    flags are those of one chunk, byte for byte: rows 2 and 8, after the mark."""
    src = tmp_path / "req.csv"
    _messy_csv(src)
    whole = tpmclassify.audit(src, tmp_path / "whole.html")
    chunked = tpmclassify.audit(src, tmp_path / "chunked.html", chunk_size=2)
    written = Path(chunked.flags).read_bytes()
    assert written == Path(whole.flags).read_bytes() and written.startswith(codecs.BOM_UTF8 + b"row,title,")
    assert pd.read_csv(chunked.flags, encoding="utf-8-sig")["row"].tolist() == [2, 8]


def test_the_totals_charts_and_cards_are_those_of_each_row_and_top_keeps_the_first(tmp_path, bundled):
    """From a mutation run: the totals were checked as a sum and one cell, so a row that could not be classified
    losing its title's claim, a row with a read error (a field past the header) classified anyway, and the charts'
    counts and sums could all change unseen; no audit kept fewer flags than it found but none, so the choice of the
    most confident (the earlier row of equals) and the cards' order were never looked at."""
    src = tmp_path / "req.csv"
    _messy_csv(src)
    q = lambda s: '"' + s.replace('"', '""') + '"'  # noqa: E731
    with open(src, "a", encoding="utf-8") as f:
        f.write(f"8,Project Manager,{q(PLAIN_PM)},Berlin\n")  # a field past the header: an error row
    summary = tpmclassify.audit(src, tmp_path / "all.html")
    assert summary.rows == 8 and summary.mismatches == 2 and summary.errors == 3
    assert summary.totals == {
        (TPM, PM): 2,  # rows 1 and 7: flagged
        (TPM, TPM): 1,
        (PM, PM): 1,
        (PM, UNCLASSIFIED): 2,  # no text; a field past the header
        (HYBRID, UNCLASSIFIED): 1,  # a short row
        (NO_CLAIM, PM): 1,
    }
    page = (tmp_path / "all.html").read_text(encoding="utf-8")
    assert re.findall(r'<section class="card" id="row-(\d+)">', page) == ["2", "8"]  # equally confident: in order
    assert '<table class="flags"><tr><th>row</th><th>title</th>' in page  # (a CSV's rows; JSON lines': lines)
    # the charts: per axis, the mean content evidence of the TPM- and PM-titled rows classified
    rows = pd.read_csv(src, dtype=str, keep_default_na=False, on_bad_lines="skip").head(7)
    sums = {role: Counter() for role in ROLES}
    counts = Counter()
    for title, text in zip(rows["title"], rows["description"], strict=True):
        p = bundled.classify(text, title) if text else None
        if p is not None and p.content is not None and p.title_label in ROLES:
            counts[p.title_label] += 1
            for axis, total in p.content.explanation.by_axis.items():
                sums[p.title_label][axis] += total
    assert counts == {TPM: 3, PM: 1}
    figures = re.findall(r"<figure><figcaption>(.*?)</figcaption>(.*?)</figure>", page)
    assert len(figures) == 4
    for caption, bars in figures:
        axis = next(a for a, name in AXES.items() if name == caption)
        for role in ROLES:
            assert f">{SHORT_NAMES[role]}-titled ({counts[role]})</text>" in bars
            assert f">{sums[role][axis] / counts[role]:+.2f}</text>" in bars
    first = tpmclassify.audit(src, tmp_path / "first.html", top=1)
    page = (tmp_path / "first.html").read_text(encoding="utf-8")
    assert first.mismatches == 2 and re.findall(r'<section class="card" id="row-(\d+)">', page) == ["2"]
    assert "the most confident of the 2, linked to its card" in page


def test_the_audit_estimates_the_share_from_the_file_as_it_reads_it(tmp_path, bundled):
    """From a mutation run: no audit estimated its share (``prior="auto"``), so the estimate's reading of the file
    (its path, chunk size, encoding, text and title columns) and the model it starts from were not held. A UTF-16
    export without a byte-order mark, with its own column names: the audit assumes the share batch estimates from
    it; a model given is the one used (its share said on the page)."""
    src = tmp_path / "req.csv"
    frame = pd.DataFrame(
        {
            "job_title": ["Technical Program Manager"] * 18 + ["Project Manager"] * 6,
            "posting": [TECHNICAL] * 18 + [PLAIN_PM] * 6,
        }
    )
    src.write_bytes(frame.to_csv(index=False).encode("utf-16-le"))
    columns = {"text_column": "posting", "title_column": "job_title", "encoding": "utf-16-le", "chunk_size": 5}
    batch = tpmclassify.classify_csv(src, tmp_path / "out.csv", prior="auto", **columns)
    assert batch.prior_rows == 24 and f"{batch.prior:.0%}" != f"{bundled.prior_:.0%}"
    summary = tpmclassify.audit(src, tmp_path / "auto.html", prior="auto", **columns)
    assert summary.rows == 24 and summary.errors == 0
    page = (tmp_path / "auto.html").read_text(encoding="utf-8")
    assert f"Probabilities assume a TPM share of {batch.prior:.0%} among" in page
    tpmclassify.audit(src, tmp_path / "given.html", model=bundled.with_prior(0.9), **columns)
    assert "assume a TPM share of 90% among" in (tmp_path / "given.html").read_text(encoding="utf-8")


def test_an_htm_page_is_one_and_the_audits_refusals_name_what_to_change(tmp_path):
    """From a mutation run: the audit's messages for a page or flags file misnamed, or a path of the wrong type,
    were checked by the command's exit code only; a page named ``.htm`` was never written, nor the summary's
    output, duration and line looked at."""
    src = tmp_path / "req.csv"
    _messy_csv(src)
    before = time.perf_counter()
    summary = tpmclassify.audit(src, tmp_path / "report.htm")
    took = time.perf_counter() - before
    assert summary.output == str(tmp_path / "report.htm") and summary.flags == str(tmp_path / "report.flags.csv")
    assert (tmp_path / "report.htm").read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert 0 <= summary.seconds <= took  # (the audit's own time: within the call's)
    said = f"7 rows audited, 2 of them could not be classified -> {summary.output}: 2 mis-titled, listed in "
    assert str(summary).startswith(said + f"{summary.flags} (")
    refused = [
        ({"output": tmp_path / "r.txt"}, "the audit writes an HTML page: name the output .html, got r.txt"),
        (
            {"flags_csv": tmp_path / "f.txt"},
            "the flagged rows are written as a CSV file of their own: name it .csv, got f.txt",
        ),
        ({"input": 7}, "input must be a path (str or os.PathLike), got int"),
        ({"output": None}, "output must be a path (str or os.PathLike), got NoneType"),
    ]
    for given, message in refused:
        args = {"input": src, "output": tmp_path / "r.html", **given}
        with pytest.raises(tpmclassify.BatchError, match=f"^{re.escape(message)}$"):
            tpmclassify.audit(args.pop("input"), args.pop("output"), **args)
    assert not (tmp_path / "r.html").exists()


def test_top_keeps_the_most_confident_flags_whatever_their_order_in_the_file(tmp_path):
    """From a mutation run: with ``top`` below the flags found, only files whose most confident flags came first had
    been audited, so keeping one flag too many, or every flag, passed. The sample's three flags (rows 13, 14 and 15,
    the middle one the least confident) with ``top=2``: the cards of rows 13 and 15, the more confident first; all
    three in the CSV. (And the summary of a file without errors says none.)"""
    summary = tpmclassify.audit(ROOT / "data" / "sample_postings.csv", tmp_path / "audit.html", top=2)
    flags = pd.read_csv(summary.flags)
    confidence = flags["confidence"].tolist()
    assert flags["row"].tolist() == [13, 14, 15] and confidence[1] < min(confidence[0], confidence[2])  # 14: the least
    page = (tmp_path / "audit.html").read_text(encoding="utf-8")
    ranked = [str(r) for _, r in sorted(zip(confidence, flags["row"], strict=True), reverse=True)]
    assert re.findall(r'<section class="card" id="row-(\d+)">', page) == ranked[:2]  # (13 and 15, most confident first)
    assert "the 2 most confident of the 3" in page
    assert summary.errors == 0 and str(summary).startswith(f"{summary.rows} rows audited -> {summary.output}: 3 mis-")
    assert str(dataclasses.replace(summary, rows=1)).startswith(f"1 row audited -> {summary.output}: 3 mis-")


_CHECKS = {
    "TPM": "Is this a Project Manager role advertised as a Technical Program Manager? If the duties are right, retitle "
    "it; if the title is right, the posting understates the program and its technical depth.",
    "PM": "Is this a Technical Program Manager role advertised as a Project Manager? If the duties are right, retitle "
    "it; if the title is right, the posting overstates the technical scope.",
    "Program Manager": "Is this a Technical Program Manager role in all but name? If the duties are right, give it "
    "the Technical Program Manager title.",
}


def test_each_flag_s_list_entry_card_and_csv_row_say_its_title_its_reading_and_what_to_check(tmp_path, bundled):
    """From a mutation run of the page: a flag's line in the list was checked by its link only, its card by counts
    and the TPM figure, and the flags CSV's to-check by its first words, so a list entry without its shown cells,
    title or labels, a card's verdict naming no role or its split upside down, an empty shown field not marked, a
    plain Program Manager title said as the title rule's "other", the wrong question for a TPM, PM or Program
    Manager title, and the CSV's confidence and reasons cut otherwise all passed. Three flags, one of each title
    (a model that flags Project Manager titles too), each checked whole in the list, on its card and in the CSV."""
    model = copy.deepcopy(bundled).set_params(mismatch_confidence={**bundled.mismatch_confidences, PM: 0.9})
    rows = [
        ("A-1", "Acme", "Technical Program Manager", PLAIN_PM),
        ("A-2", "", "Program Manager", TECHNICAL),
        ("A-3", "Globex", "Project Manager", TECHNICAL),
    ]
    src = tmp_path / "req.csv"
    pd.DataFrame(rows, columns=["id", "company", "title", "description"]).to_csv(src, index=False)
    summary = tpmclassify.audit(src, tmp_path / "r.html", model=model, id_column="id", show_columns=["company"])
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    flags = pd.read_csv(summary.flags, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert summary.mismatches == 3 and flags["row"].tolist() == ["2", "3", "4"]
    assert flags["title_says"].tolist() == ["TPM", "Program Manager", "PM"]
    assert flags["content_reads"].tolist() == ["PM", "TPM", "TPM"]
    entries = []
    for (rid, company, title, text), flag in zip(rows, flags.itertuples(), strict=True):
        p = model.classify(text, title)
        c = p.content
        assert flag.to_check == _CHECKS[flag.title_says]
        assert flag.confidence == str(round(c.probabilities[c.label], 3))
        assert flag.reasons == " | ".join([p.reasons[0], *c.explanation.reasons[:2]])
        assert p.label in ROLES and not p.needs_review  # the answer as written: a role and its split
        tpm = p.probabilities[TPM]
        assert flag.as_written == f"{SHORT_NAMES[p.label]} (TPM {tpm:.0%}, PM {1 - tpm:.0%})"
        entry = (
            f'<tr><td class="n"><a href="#row-{flag.row}">{flag.row}</a></td><td class=f>{rid}</td>'
            f"<td class=f>{company}</td><td>{title}</td><td class=n>{flag.title_says}</td>"
            f"<td class=n>{flag.content_reads}</td><td class=n>{c.probabilities[c.label]:.0%}</td></tr>"
        )
        entries.append((c.probabilities[c.label], -int(flag.row), entry))
        card = next(k for k in _cards(page) if f'id="row-{flag.row}"' in k)
        shown = f"<span><b>id</b> {rid}</span><span><b>company</b> {company or '&ndash;'}</span>"
        assert f'<p class="fields">{shown}</p>' in card
        assert f'<p class="check"><b>To check:</b> {_CHECKS[flag.title_says]}</p>' in card
        tpm = c.probabilities[TPM]
        split = f"TPM {tpm:.0%}, PM {1 - tpm:.0%}" if c.label == TPM else f"PM {1 - tpm:.0%}, TPM {tpm:.0%}"
        assert (
            f'<p class="verdict">Titled <b>{flag.title_says}</b>; the duties read as <b>{flag.content_reads}</b>: '
            f"{split} <span" in card
        )
        assert "<ul>" + "".join(f"<li>{html.escape(r)}</li>" for r in c.explanation.reasons) + "</ul>" in card
        assert f"the answer of <code>batch</code>)</span>: {flag.as_written}</p>" in card
    # the list: every flag, most confident first, each with its shown cells, title and labels
    listed = "".join(entry for *_, entry in sorted(entries, reverse=True))
    head = "<tr><th>row</th><th>id</th><th>company</th><th>title</th><th>title says</th><th>duties read as</th>"
    assert f'<table class="flags">{head}<th>confidence</th></tr>{listed}</table>' in page
    assert "(all of them, most confident first; each links to its card)" in page
    assert "<h2>The flagged postings, most confident first</h2>" in page and "<li>Each card says what" in page
    assert '<span id="rows">3</span> postings;' in page
    # none shown (top 0): both the list's section and the cards' name the flags CSV
    tpmclassify.audit(src, tmp_path / "none.html", model=model, top=0)
    none = (tmp_path / "none.html").read_text(encoding="utf-8")
    assert none.count("<p>None shown here (top 0): 3 flagged rows are in <b>none.flags.csv</b>.</p>") == 2


def test_the_answer_as_written_of_a_posting_out_of_scope_names_the_threshold_the_model_has(bundled):
    """From a mutation run of the page: only a model with a scope threshold was seen, and only the answer's first
    words, so dropping the threshold, or printing one the model does not have, passed; a content reading without
    its in-scope figure (a model without a scope head) must say nothing of it; the flags CSV's confidence was never
    one a 4th place would change."""
    from tpmclassify._audit_page import Flag

    p = dataclasses.replace(bundled.classify(TECHNICAL, title="Project Manager"), label="other", in_scope=0.04)
    with_threshold = Flag(2, "row", dataclasses.replace(p, scope_threshold=0.17), {})
    without = Flag(2, "row", dataclasses.replace(p, scope_threshold=None), {})
    said = "not a TPM or PM posting at all (in scope 4%"
    assert with_threshold.as_written() == said + ", under the model's threshold of 17%)"
    assert without.as_written() == said + ")"
    unscoped = Flag(2, "row", dataclasses.replace(p, content=dataclasses.replace(p.content, in_scope=None)), {})
    assert '<span class="reading">(content, role names masked)</span></p>' in unscoped.card()
    # the flags CSV's confidence: to 3 places (a flag of the bundled model is all but certain: 1.0 either way)
    split = {TPM: 0.142857, PM: 0.857143}
    unsure = Flag(2, "row", dataclasses.replace(p, content=dataclasses.replace(p.content, probabilities=split)), {})
    assert unsure.csv_cells()[2] == 0.143


def test_the_totals_table_shows_every_cell_of_the_summary_and_its_sums(tmp_path):
    """From a mutation run of the page: the totals were checked in the summary and by their grand total on the
    page, so the page's table could drop a title's row (a title used for either role, no title), add rows and
    columns of nothing, show a cell the file does not have as 1, or sum its rows and columns otherwise, unseen."""
    src = tmp_path / "req.csv"
    _messy_csv(src)
    summary = tpmclassify.audit(src, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    table = re.search(r'<table id="totals">(.*?)</table>', page)[1]
    cells = [re.findall(r"<t[hd][^>]*>(?:<b>)?([^<]*)(?:</b>)?</t[hd]>", row) for row in table.split("</tr>")[:-1]]
    claims = [c for c in (TPM, PM, HYBRID, "other", NO_CLAIM) if any(k[0] == c for k in summary.totals)]
    outcomes = [o for o in (TPM, PM, "other", UNCLASSIFIED) if any(k[1] == o for k in summary.totals)]
    assert claims == [TPM, PM, HYBRID, NO_CLAIM] and outcomes == [TPM, PM, UNCLASSIFIED]
    total = lambda keep: str(sum(v for k, v in summary.totals.items() if keep(k)))  # noqa: E731
    assert cells == [
        ["title says \\ content says", *outcomes, "all"],
        *(
            [c, *(str(summary.totals.get((c, o), 0)) for o in outcomes), total(lambda k, c=c: k[0] == c)]
            for c in claims
        ),
        ["all", *(total(lambda k, o=o: k[1] == o) for o in outcomes), str(summary.rows)],
    ]


def _held_bars(page: str) -> list[list[tuple[str, float]]]:
    """Each chart's bars checked against its values: one row every 18 pixels, its name and value on the bar's line;
    the longest bar ``half`` pixels from the zero line, the others to scale, TPM (> 0) to the right in blue, PM to
    the left in orange; the value 10 pixels past the longest bar, in a box 50 pixels wider; nothing but bars."""
    charts = []
    for svg in re.findall(r"<svg .*?</svg>", page):
        box, height = map(int, re.search(r'<svg width="(\d+)" height="(\d+)" viewBox="0 0 \1 \2"', svg).groups())
        zero = int(re.search(rf'<line x1="(\d+)" y1="0" x2="\1" y2="{height}" stroke="#888"/>', svg)[1])
        rows = re.findall(
            r'<text x="0" y="(\d+)" font-size="12">([^<]*)</text><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)" '
            r'height="12" fill="rgb\(([\d,]+)\)"/><text x="(\d+)" y="(\d+)" font-size="12">([+-]\d+\.\d\d)</text>',
            svg,
        )
        assert len(rows) >= 2 and height == 18 * len(rows) + 6
        assert re.sub(r"<text [^>]*>[^<]*</text>|<[^>]+>", "", svg) == ""  # (no stray text among the bars)
        scale = max(abs(float(r[-1])) for r in rows)
        half = int(rows[0][6]) - zero - 10
        assert box == zero + half + 60 and max(float(r[4]) for r in rows) == pytest.approx(half, abs=0.05)
        for k, (y, _, x, bar_y, width, fill, value_x, value_y, value) in enumerate(rows):
            v, x, width = float(value), float(x), float(width)
            assert int(bar_y) == 4 + 18 * k and int(y) == int(value_y) == int(bar_y) + 10
            assert int(value_x) == zero + half + 10
            if scale:  # (values printed as 0.00 throughout: only the longest bar's length is known)
                assert width == pytest.approx(half * abs(v) / scale, abs=0.6 * half / scale / 100 + 0.06)
            if v:
                assert (x, fill) == ((zero, _TPM_RGB) if v > 0 else (pytest.approx(zero - width, abs=0.11), _PM_RGB))
        charts.append([(html.unescape(name), float(value)) for _, name, *_, value in rows])
    return charts


_TPM_RGB, _PM_RGB = "31,119,180", "255,127,14"


def test_the_bars_are_drawn_to_scale_from_the_zero_line_and_a_side_without_postings_is_zero(tmp_path):
    """From a mutation run of the page: the bars were checked by their printed values only, so drawing them off
    scale, on the wrong side or in the wrong colour, rows on top of each other or off the box, the raw names of the
    axes, the charts of the four axes that are not the article's, and a side without postings as +1.00 all passed.
    Each card's bars and each chart's, held against their values; a file of one TPM-titled posting of small
    evidence (means under 1 on two axes, so their scale is the largest, not 1) charts PM-titled (0) at +0.00."""
    src = tmp_path / "req.csv"
    _messy_csv(src)
    tpmclassify.audit(src, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    charts = _held_bars(page)
    cards = [chart for chart in charts if not chart[0][0].endswith(")")]
    assert len(cards) == 2 and all({name for name, _ in chart} <= set(AXES.values()) for chart in cards)
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page)
    assert captions == [AXES[a] for a in ("scope", "technical", "strategy", "collaboration")]
    pd.DataFrame({"title": ["Technical Program Manager"], "description": ["Write the weekly status report."]}).to_csv(
        tmp_path / "small.csv", index=False
    )
    tpmclassify.audit(tmp_path / "small.csv", tmp_path / "small.html")
    charts = _held_bars((tmp_path / "small.html").read_text(encoding="utf-8"))
    assert len(charts) == 4 and all(chart[1] == ("PM-titled (0)", 0.0) for chart in charts)
    assert all(chart[0][0] == "TPM-titled (1)" for chart in charts) and any(0 < abs(c[0][1]) < 1 for c in charts)
    _, sample = _sample_audit(tmp_path)  # (bars towards TPM too, under 1 and over)
    values = [v for chart in _held_bars(sample) for _, v in chart]
    assert any(0 < v < 1 for v in values) and any(v > 1 for v in values)


def test_a_card_shows_a_posting_of_30000_characters_whole_and_cuts_a_longer_one(tmp_path):
    """From a mutation run of the page: no posting near the card's 30,000 characters was audited, so cutting every
    posting, none, or one of exactly 30,000, and saying so or not, passed unseen."""
    base = (PLAIN_PM + " ") * (30_000 // len(PLAIN_PM) + 1)
    texts = [base[:30_000], base[:30_001]]
    pd.DataFrame({"title": ["Technical Program Manager"] * 2, "description": texts}).to_csv(
        tmp_path / "long.csv", index=False
    )
    assert tpmclassify.audit(tmp_path / "long.csv", tmp_path / "long.html").mismatches == 2
    page = (tmp_path / "long.html").read_text(encoding="utf-8")
    whole, cut = _cards(page)
    assert "<summary>The posting (30,000 characters); highlighted" in whole
    assert "<summary>The posting (30,001 characters, the first 30,000 shown); highlighted" in cut
    for card, shown in ((whole, texts[0]), (cut, texts[1][:30_000] + "\u2026")):  # (the cut one ends in an ellipsis)
        posting = card[card.index('<div class="posting">') + len('<div class="posting">') : card.index("</div>")]
        assert html.unescape(re.sub(r"<[^>]+>", "", posting)) == shown


def test_a_title_over_another_job_altogether_is_flagged_and_carded_as_such(tmp_path, bundled):
    """From a mutation run of the page: with a model that reads a titled posting's scope, a flag of a title over
    another job crashed the audit (the content has no probability of "other"). An either-role title over a line
    cook's posting: its title, reading, confidence (that it is no TPM or PM job), what to check and why. A TPM or PM
    title over it is not flagged: the answer as written rests on the title's role name alone, too little to decide
    on, and an answer too little to decide on is never flagged."""
    cook = "We are hiring a line cook to prepare meals, clean the kitchen, and serve guests at our restaurant. " * 5
    titles = ["Engineering Project Manager", "Project Manager", "Technical Program Manager"]
    src = tmp_path / "jobs.csv"
    pd.DataFrame({"title": titles, "description": [cook] * 3}).to_csv(src, index=False)
    assert tpmclassify.audit(src, tmp_path / "bundled.html", model=bundled).mismatches == 0  # (no titled scope)
    model = copy.deepcopy(bundled).set_params(titled_scope_threshold=0.5)
    summary = tpmclassify.audit(src, tmp_path / "r.html", model=model)
    flags = pd.read_csv(summary.flags, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert summary.mismatches == 1 and flags["title"].tolist() == titles[:1]
    assert flags["title_says"].tolist() == ["TPM or PM"] and flags["content_reads"].tolist() == ["another job"]
    p = model.classify(cook, titles[0])
    assert p.title_mismatch and not p.unreadable and p.content.label == "other" and p.content.in_scope < 0.5
    assert flags["confidence"].tolist() == [str(round(1 - p.content.in_scope, 3))]
    assert flags["to_check"][0].startswith("Is this a TPM or PM job at all? The duties read as another job")
    reasons = flags["reasons"][0].split(" | ")
    assert reasons[0].startswith("Titled 'Engineering Project Manager', but reads as another role")
    assert reasons[1].startswith("Out of scope: in scope")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    verdict = f"the duties read as <b>another job</b>: not a TPM or PM job, {1 - p.content.in_scope:.0%} "
    assert page.count(verdict + '<span class="reading">(content, role names masked)</span>') == 1
    assert page.count("Why another job; below, the TPM and PM evidence per axis") == 1
    assert page.count("<li>Out of scope: in scope") == 1
    for title in titles[1:]:
        q = model.classify(cook, title)
        assert q.unreadable and not q.title_mismatch and q.content.label == "other"
