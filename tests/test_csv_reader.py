"""The CSV reader on hostile files: quotes never closed, records past the size limit, enormous lines. Linear time
(counted in lines given to the csv module, not timed: benchmarks/bench_csv_reader.py times it) and bounded memory."""

from __future__ import annotations

import codecs
import csv
import re
import tracemalloc
from collections.abc import Iterator

import pandas as pd
import pytest

import tpmclassify
from tpmclassify import _chunk, _csv, _io, classify_csv, read_table

TEXT = "Own the project schedule and budget and the client deliverables for the office fit-out."


@pytest.fixture
def lines_read(monkeypatch):
    """Counts every line the csv module is given by the reader (a quadratic recovery reads lines again and again),
    the file's first ``_csv.DETECT_LINES`` lines read again (a few times each, as any line) to find the delimiter
    of a comma-separated file included."""
    count = [0]
    real = csv.reader

    def counting(lines, *args, **kwargs):
        def counted():
            for line in lines:
                count[0] += 1
                yield line

        return real(counted(), *args, **kwargs)

    monkeypatch.setattr(_csv.csv, "reader", counting)
    return count


def _rows(path, encoding=None):
    chunks = _io.read_chunks(path, 1000, encoding)[1]
    return [r for chunk in chunks for r in zip(chunk.frame.to_dict("records"), chunk.errors, strict=True)]


@pytest.mark.parametrize("n", [1000, 4000])
def test_quotes_that_close_and_reopen_on_every_line_are_read_in_linear_time(tmp_path, lines_read, n):
    """The tester's shape: each line `i","Own the project …` closes the quote the line before opened and opens
    another, so the whole file is one record that never ends. Every line becomes an error row of its own, and
    line goes to the csv module a few times at most (the recovery used to read the rest of the file again after
    each line, n * n / 2 lines: 2k/4k/8k/16k lines took 2.5/5.4/17/66 s; the lines after a failed record's first are
    read again as records once, a few times each)."""
    src = tmp_path / "in.csv"
    src.write_text("id,description\n" + "".join(f'{i}","{TEXT}\n' for i in range(n)))
    rows = _rows(src)
    assert len(rows) == n
    assert all("unterminated quoted field" in error for _, error in rows)
    assert [r["id"] for r, _ in rows] == [f'{i}"' for i in range(n)]
    assert lines_read[0] <= 6 * n + 10 + 4 * _csv.DETECT_LINES


@pytest.mark.parametrize("sep_line", ["", "sep=,\n"])  # (a spreadsheet's note of the separator: passed over)
def test_a_record_past_the_size_limit_is_an_error_row_and_the_reader_resynchronises(
    tmp_path, monkeypatch, lines_read, sep_line
):
    """One quote on line 2 of many short rows: the rest of the file used to become one record (1.24 GB for a 49 MB
    file). Past the record limit (here 10,000 characters, 10 MB really) the reader reads on to see whether the quote
    ever closes, holding nothing; it does not, so that line is an error row and every line after it is read on its
    own (those past the limit read again): every other row is a good row, in order."""
    monkeypatch.setattr(_io, "MAX_RECORD_CHARS", 10_000)
    src = tmp_path / "in.csv"
    n = 5000
    src.write_text(
        sep_line + 'id,description\n0,"opened and never closed\n' + "".join(f"{i},{TEXT}\n" for i in range(1, n))
    )
    rows = _rows(src)
    assert [r["id"] for r, _ in rows] == [str(i) for i in range(n)]
    assert "not closed within 10,000 characters, nor ever" in rows[0][1]
    assert all(error == "" for _, error in rows[1:]) and rows[1][0]["description"] == TEXT
    assert lines_read[0] <= 4 * n + 10 + 4 * _csv.DETECT_LINES


def test_a_quoted_field_of_many_lines_past_the_limit_is_one_error_row(tmp_path, monkeypatch, lines_read):
    """A posting of 2,000 lines in one quoted field, past the limit: it used to come back as thousands of rows, one a
    line of the posting, most of them classified. It is one error row (the cells of its first line), and the rows
    after it are read as they are."""
    monkeypatch.setattr(_io, "MAX_RECORD_CHARS", 10_000)
    big = "\n".join(f"Line {i}, of a posting that never ends" for i in range(2000))
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": [1, 2, 3], "description": [TEXT, big, TEXT]}).to_csv(src, index=False)
    rows = _rows(src)
    assert [r["id"] for r, _ in rows] == ["1", "2", "3"]
    assert rows[1][1].startswith("record longer than 10,000 characters (a quoted field of many lines)")
    assert rows[1][0]["description"] == "Line 0, of a posting that never ends\n" and rows[0][1] == rows[2][1] == ""
    assert lines_read[0] <= 2 * 2000 + 20 + 4 * _csv.DETECT_LINES


@pytest.mark.parametrize("sep", [";", "\t"])
def test_a_file_separated_otherwise_is_read_as_its_header_says_past_the_limit_too(tmp_path, monkeypatch, sep):
    """A European spreadsheet's ";" (or a tab) between fields, found from the header: a quoted field of many lines
    past the limit, followed by another field, is one error row with the cells of its first line, and the rows after
    it are read as they are; a field with commas in it stays whole."""
    monkeypatch.setattr(_io, "MAX_RECORD_CHARS", 10_000)
    big = "\n".join(f"Line {i}, of a posting that never ends" for i in range(2000))
    src = tmp_path / "in.csv"
    frame = pd.DataFrame({"id": [1, 2, 3], "description": [TEXT, big, "Plan, budget, schedule"], "x": ["a"] * 3})
    frame.to_csv(src, index=False, sep=sep)
    rows = _rows(src)
    assert [r["id"] for r, _ in rows] == ["1", "2", "3"] and [r["x"] for r, _ in rows] == ["a", None, "a"]
    assert rows[1][1].startswith("record longer than 10,000 characters (a quoted field of many lines)")
    assert rows[1][0]["description"] == "Line 0, of a posting that never ends\n" and rows[0][1] == rows[2][1] == ""
    assert rows[2][0]["description"] == "Plan, budget, schedule"


def test_a_header_that_is_one_quoted_name_stays_comma_separated(tmp_path):
    """Only a header that another delimiter splits is read another way: one quoted name holding ";" is a column of
    that name (and a file refused for it says what it looks like), and a one-column file's ";" is text."""
    src = tmp_path / "in.csv"
    src.write_text('"title;description"\n"PM;Own the budget"\n')
    assert read_table(src).columns.tolist() == ["title;description"]
    with pytest.raises(tpmclassify.ColumnError, match="the file looks ';'-separated"):
        classify_csv(src, tmp_path / "out.csv")
    one = tmp_path / "one.csv"
    one.write_text("Posting text | EN\nOwn the budget; the schedule\nLead the program\n")  # one column, as before
    assert read_table(one)["Posting text | EN"].tolist() == ["Own the budget; the schedule", "Lead the program"]
    one.write_text("title;description\n")  # no record to agree with: the header says
    assert read_table(one).columns.tolist() == ["title", "description"]


def test_a_spreadsheets_sep_line_says_the_delimiter_and_is_passed_over(tmp_path):
    """Excel writes "sep=;" as a file's first line, and reads the file by it without showing it: so does the reader
    (the header is the next line, row 1 as a spreadsheet shows it), and the output is ';'-separated without it."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_bytes(b'sep=;\r\ntitle;description\r\nPM;"Plan, budget; schedule"\r\nTPM;\r\n')
    summary = classify_csv(src, out)
    assert summary.rows == 2 and summary.errors == 1
    written = out.read_text(encoding="utf-8")
    assert written.startswith("title;description;tpm_probability;") and "sep=" not in written
    assert pd.read_csv(out, sep=";", dtype=str, keep_default_na=False)["description"].tolist() == [
        "Plan, budget; schedule",
        "",
    ]


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        (
            "title;description;Ort (Stadt, Land)\nPM;Plan, budget, schedule;Berlin\n",
            ["title", "description", "Ort (Stadt, Land)"],
        ),
        (
            '"Job\ntitle";description\nPM;Plan, budget, schedule\n',
            ["Job\ntitle", "description"],
        ),  # (a cell's line break)
        ("Gehalt; EUR\tdescription\n50000\tPlan, budget, schedule\n", ["Gehalt; EUR", "description"]),
        ("title|description\nPM|Plan, budget, schedule\n", ["title", "description"]),
    ],
)
def test_a_file_is_read_by_the_delimiter_its_header_and_first_records_agree_on(tmp_path, text, columns):
    """From a review: a European export with a comma in a column name, or a header cell with a line break, was still
    refused, and a tab-separated file with a ";" in a name was read with ";". The delimiter is the one whose header
    and first records read into as many fields; the comma wherever it reads so."""
    src = tmp_path / "in.csv"
    src.write_text(text)
    frame = read_table(src)
    assert frame.columns.tolist() == columns and frame["description"].tolist() == ["Plan, budget, schedule"]


def test_a_bad_row_or_a_long_posting_among_the_first_lines_does_not_change_the_delimiter(tmp_path, monkeypatch):
    """From a review of the rule: one short row among a ';' file's first lines refused the whole file (the same row
    further down was marked), as did a first posting of 77,000 characters; and one short row in a comma file whose
    header holds ";" (and whose rows each hold one) switched it to ";". A bad row is the reader's to mark: the
    delimiter is the one at least half the first records agree on."""
    rows = [f"{i};Plan the budget, the schedule;x" for i in range(10)]
    rows[4] = "4;short"
    semi = tmp_path / "semi.csv"
    semi.write_text("id;description;x\n" + "\n".join(rows) + "\n")
    read = _rows(semi)
    assert (
        list(read[0][0]) == ["id", "description", "x"]
        and [bool(error) for _, error in read] == [False] * 4 + [True] + [False] * 5
    )
    long = tmp_path / "long.csv"
    long.write_text("id;description\n" + f'1;"{TEXT * 900}"\n' + "2;Plan the budget\n")  # (77,000 characters)
    assert read_table(long)["id"].tolist() == ["1", "2"]
    comma = tmp_path / "comma.csv"
    rows = [f'{i},"x;y",{TEXT}' for i in range(10)]
    rows[6] = "6,short"
    comma.write_text('id,"skills; tools",description\n' + "\n".join(rows) + "\n")
    read = _rows(comma)
    assert list(read[0][0]) == ["id", "skills; tools", "description"] and read[0][0]["description"] == TEXT
    assert [i for i, (_, error) in enumerate(read) if error] == [6]
    long_posting = '"' + "\n".join(["Plan the budget"] * 150) + '"'  # (more lines than are read to find it)
    for first in (long_posting, '"opened and never closed'):  # the header says (a review: these were refused)
        semi.write_text(f"id;description;x\n1;{first};a\n2;Plan the budget;b\n")
        read = _rows(semi)
        assert list(read[0][0]) == ["id", "description", "x"] and read[-1][0]["x"] == "b"
    monkeypatch.setattr(_csv, "DETECT_CHARS", 300)  # (1 MB really) a posting past what is read to find the delimiter
    long.write_text("id;description;x\n1;Plan the budget;a\n2;" + "word " * 200 + ";b\n")
    assert [r["x"] for r, _ in _rows(long)] == ["a", "b"]  # it is not read in pieces


def test_of_two_other_delimiters_the_one_with_more_columns_is_taken_else_the_first(tmp_path):
    """From a mutation run: no file read as columns by two of the other delimiters, so taking the last of them (or
    the greatest) instead of the one with the most columns passed. A ';' export whose tools column holds
    ``Jira|Excel`` reads as three columns by ';' and two by '|': it is ';'-separated; one that reads as two columns
    either way is read by the first of DELIMITERS (';')."""
    src = tmp_path / "in.csv"
    src.write_text("title;description;tools|platforms\nProject Manager;Plan, budget, schedule;Jira|Excel\n")
    frame = read_table(src)
    assert frame.columns.tolist() == ["title", "description", "tools|platforms"]
    assert frame["tools|platforms"].tolist() == ["Jira|Excel"]
    src.write_text("description;tools|platforms\nPlan, budget, schedule;Jira|Excel\n")
    assert _csv.DELIMITERS.index(";") < _csv.DELIMITERS.index("|")
    assert read_table(src).columns.tolist() == ["description", "tools|platforms"]


def test_a_delimiter_fewer_than_half_the_first_records_agree_on_is_not_taken(tmp_path):
    """From a mutation run: "at least half the records read there" was held at exactly half, not below (a third
    passed). A one-column file whose header and one of its three first records hold a ";" stays one column."""
    src = tmp_path / "in.csv"
    src.write_text("Posting text; EN\nOwn the budget; the schedule\nLead the program\nRun the vendors\n")
    assert read_table(src)["Posting text; EN"].tolist() == [
        "Own the budget; the schedule",
        "Lead the program",
        "Run the vendors",
    ]


@pytest.mark.parametrize("end", ["\n", "\r\n"])  # (a Windows export's line ends count as the file has them)
def test_a_record_ending_exactly_where_the_delimiter_look_stops_is_read_by_it(tmp_path, monkeypatch, end):
    """From a mutation run: whether the look at a file's start reads a line ending exactly at its bound was not held
    (``>=`` for ``>`` passed), nor that it counts the file's characters (``\\r\\n`` read as one). A ';' export
    whose first record is short (a bad row, the reader's to mark) is ';'-separated when its next, good record is
    read by the look, here one ending exactly at its bound (1 MB really; each record, with what its lines cost,
    within it); cut by the bound, the header and a bad row do not agree and the file is one column."""
    header = "id;title;description" + end
    short = "1;Project Manager for the office fit-out: plan the budget, the schedule and the vendors" + end
    good = "2;Project Manager;Own the schedule, the budget, the vendors and the client deliverables" + end
    src = tmp_path / "in.csv"
    src.write_bytes((header + short + good + "3;Project Manager;Run the weekly status meetings" + end).encode())
    monkeypatch.setattr(_csv, "DETECT_CHARS", len(header + short + good))
    rows = _rows(src)
    assert list(rows[0][0]) == ["id", "title", "description"] and [r["id"] for r, _ in rows] == ["1", "2", "3"]
    assert rows[0][1] == "row has 2 fields, the header has 3" and rows[1][1] == rows[2][1] == ""
    monkeypatch.setattr(_csv, "DETECT_CHARS", len(header + short + good) - 1)
    assert list(_rows(src)[0][0]) == ["id;title;description"]


def test_an_enormous_line_is_an_error_row_read_in_bounded_memory(tmp_path, monkeypatch):
    """One 4 MB field (the tester's was 200 MB, 1.6 GB of memory) with the limit at 10,000 characters: an error row
    whose cells are cut, read without ever holding the line; the rows around it are read as they are."""
    monkeypatch.setattr(_io, "MAX_RECORD_CHARS", 10_000)
    src = tmp_path / "in.csv"
    with open(src, "w", newline="") as f:
        f.write(f'id,description\r\n1,{TEXT}\r\n2,"{"word " * 800_000}"\r\n3,{TEXT}\r\n')
    tracemalloc.start()
    try:
        rows = _rows(src, "utf-8")  # (detecting the encoding reads 1 MB blocks: not the reader's memory)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r["id"] for r, _ in rows] == ["1", "2", "3"]
    assert rows[1][1] == "line longer than 10,000 characters (its cells are cut)"
    assert len(rows[1][0]["description"]) < 1000
    assert rows[0][1] == rows[2][1] == "" and rows[2][0]["description"] == TEXT
    assert peak < 1_000_000, f"{peak:,} bytes at the peak"


def test_the_limits_leave_big_good_records_alone_and_the_output_keeps_every_row(tmp_path, postings):
    """A record under the limit is read whole however many lines it spans; the batch output has one row per line
    of a bad file, in order, and a file whose header cannot be read is refused."""
    text = "\n".join([TEXT] * 20_000)  # 1.6 MB over 20,000 lines, one quoted field
    src = tmp_path / "in.csv"
    pd.DataFrame({"id": [1, 2], "description": [text, TEXT]}).to_csv(src, index=False)
    assert read_table(src)["description"].tolist() == [text, TEXT]
    bad = tmp_path / "bad.csv"
    bad.write_text("id,description\n" + "".join(f'{i}","{TEXT}\n' for i in range(50)) + f"50,{TEXT}\n")
    out = tmp_path / "out.csv"
    summary = classify_csv(bad, out)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert summary.rows == len(df) == 51 and summary.errors == 50 and df["label"].iloc[-1] == "pm"
    header = tmp_path / "header.csv"
    header.write_text('id,"description\n1,x\n')
    with pytest.raises(_io.BatchError, match="the header row cannot be read"):
        read_table(header)


def test_a_stray_quote_that_closes_lines_later_swallows_no_row(tmp_path, lines_read):
    """A quote opened on row 1 and "closed" two lines later by a quote followed by text: before, the csv module's
    lenient reading made rows 1 to 3 one record (rows 2 and 3 gone, no error). Now row 1 is an error row and the
    lines after it are rows again, in order; the same stray quote on a single line is read as before. At scale,
    one stray quote costs one row, and each line goes to the csv module a few times at most."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        'id,description\n1,"Program manager; engineering\n2,PM role\n3,"TPM role" at Acme\n4,"Web" team lead\n'
    )
    summary = classify_csv(src, out)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert summary.rows == 4 and df["id"].tolist() == ["1", "2", "3", "4"]
    assert df["error"].tolist()[1:] == ["", "", ""] and "stray quote 2 line(s) later" in df["error"][0]
    assert df["description"].tolist()[1:] == ["PM role", "TPM role at Acme", "Web team lead"]
    body = "".join(f"{i},{TEXT}\n" if i != 2 else f'{i},"{TEXT}\n' for i in range(1, 3000))
    src.write_text("id,description\n" + body + '3000,"stray" quote\n')
    lines_read[0] = 0
    rows = _rows(src)
    assert [r["id"] for r, _ in rows] == [str(i) for i in range(1, 3001)]
    assert [i for i, (_, error) in enumerate(rows, 1) if error] == [2]
    assert lines_read[0] < 3 * 3001 + 4 * _csv.DETECT_LINES


def test_a_quote_left_open_does_not_split_the_next_record_of_many_lines(tmp_path):
    """A reviewer's file: row r1 opens a quote it never closes, and the quote opening r2's field of three lines
    "closes" it, text following. r1 is the one error row and r2 is read whole from its first line: its lines were
    read each on their own (4 records gave 6 rows: r2 an error, "never closed", and two rows of one field)."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        'id,title,description\n"r1,Title one,unbalanced quote here\nr2,TPM,"line a\nline b\nline c"\n'
        'r3,PM,"Manage the project plan"\nr4,PM,plain\nr5,PM,"open at the end\n'
    )
    summary = classify_csv(src, out)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert summary.rows == 5 and df["id"].tolist()[1:] == ["r2", "r3", "r4", "r5"]
    assert "stray quote 1 line(s) later" in df["error"][0] and df["error"].tolist()[1:4] == ["", "", ""]
    assert df["error"][4] == "unterminated quoted field: a quote opened on this line is never closed"
    assert df["description"].tolist()[1:4] == ["line a\nline b\nline c", "Manage the project plan", "plain"]


@pytest.mark.parametrize("alternate", [False, True])
def test_records_past_the_limit_all_through_a_file_read_it_in_linear_time(tmp_path, monkeypatch, alternate):
    """A reviewer's shapes: every other line (or every line) opens a record that runs past the record limit and is
    "closed" by a stray quote. Each such record had the lines after it read again from the file's start (4k/16k/32k
    lines: 0.45/7.1/28.5 million lines read, 17 s for the last): one second reader now moves forward only. Counted
    as lines read from the file, not as lines given to the csv module (those were linear already)."""
    monkeypatch.setattr(_io, "MAX_RECORD_CHARS", 2000)
    read = [0]
    real = _csv.bounded_lines

    def counted(*args, **kwargs):
        for line in real(*args, **kwargs):
            read[0] += 1
            yield line

    monkeypatch.setattr(_csv, "bounded_lines", counted)
    src = tmp_path / "in.csv"
    n = 8000
    src.write_text(
        "id,d\n" + "".join(f'"{i}"x,"{TEXT}\n' if i % 2 == 0 or not alternate else f'{i}","y\n' for i in range(n))
    )
    rows = _rows(src)
    assert len(rows) == n
    assert read[0] <= 3 * n + 4 * _csv.DETECT_LINES


def _alone(line: str, d: str = ",") -> tuple[list[str], list[str], bool]:
    """A line read as a record on its own: its fields, and whether it ends outside quotes (``d``: the delimiter)."""
    records = list(csv.reader([line, "\n"], strict=False, delimiter=d))
    alone = records[0] if len(records) > 1 else next(csv.reader([line], strict=False, delimiter=d), [])
    return alone, [line], len(records) > 1


def test_a_stray_quote_on_a_records_first_line_or_a_loose_close_keeps_the_record_whole(tmp_path):
    """Found by review of the strict reading: a stray quote on the first line of a record of several lines made that
    line an error row and the posting's next line a row of its own (classified); so did blanks between a closing
    quote and its comma. Both are one record again, read as the csv module reads them leniently."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    src.write_text(
        'title,description\n"Senior "TPM" Manager","Own the roadmap.\nDrive the program across five teams, review '
        'system designs and trade-offs"\nProject Manager,"Run the schedule\nand budget" \nPM,Own the budget\n'
    )
    summary = classify_csv(src, out, title_column="title")
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert (
        summary.rows == 3
        and summary.errors == 0
        and df["title"].tolist() == ['Senior TPM" Manager"', "Project Manager", "PM"]
    )
    assert df["description"][0].startswith("Own the roadmap.\nDrive the program") and df["description"][1] == (
        "Run the schedule\nand budget "
    )


def test_past_the_size_limit_a_stray_quote_swallows_no_row_either(tmp_path, monkeypatch, lines_read):
    """Past the record limit the reader read on leniently, so a stray quote (or the next quoted field) ended one
    giant error record: 60,000 rows swallowed. Now, as under the limit, the line that opened the quote is an error
    row and every line up to the stray quote is read again on its own, and reading goes on after it."""
    monkeypatch.setattr(_io, "MAX_RECORD_CHARS", 10_000)
    n = 3000
    body = "".join(f"{i},{TEXT if i != 1500 else 'x' * 20_000}\n" for i in range(1, n))  # one line past the limit
    src = tmp_path / "in.csv"
    src.write_text(f'id,description\n0,"opened by mistake\n{body}{n},"Senior TPM, Payments" team\n{n + 1},{TEXT}\n')
    rows = _rows(src)
    assert [r["id"] for r, _ in rows] == [str(i) for i in range(n + 2)]
    assert "closed only by a stray quote 3000 line(s) later" in rows[0][1]
    assert rows[1500][1] == "line longer than 10,000 characters (its cells are cut)"
    assert all(error == "" for _, error in rows[1:1500] + rows[1501:])
    assert rows[n][0]["description"] == "Senior TPM, Payments team" and rows[n + 1][0]["description"] == TEXT
    assert lines_read[0] <= 4 * n + 10 + 4 * _csv.DETECT_LINES


def _loose(d: str) -> re.Pattern[str]:
    """A line read inside a quoted field that closes it, blanks at most before the delimiter or the line's end."""
    return re.compile(rf'(?:[^"]|"")*"[ \t]*(?:{re.escape(d)}|\r\n|\n|\r|$)')


def _records(
    lines: list[str], first: int, strict: bool, d: str = ","
) -> tuple[list[tuple[list[str], list[str]]], list[str]]:
    """The csv module's records from line ``first`` (their fields and lines; leniently, the first one only), and the
    lines of the record it could not read strictly (or of the lenient record, if the lines ended inside it)."""
    taken: list[str] = []

    def feed() -> Iterator[str]:
        for line in lines[first:]:
            taken.append(line)
            yield line

    out: list[tuple[list[str], list[str]]] = []
    try:
        for fields in csv.reader(feed(), strict=strict, delimiter=d):
            out.append((fields, list(taken)))
            taken.clear()
            if not strict:
                break
    except csv.Error:
        return out, taken
    if out and not strict and _ends_open(lines, first, out[0][1], d):
        return [], out[0][1]
    return out, []


def _ends_open(lines: list[str], first: int, record: list[str], d: str = ",") -> bool:
    """Whether a record runs to the end of the lines inside a quote."""
    return first + len(record) == len(lines) and len(list(csv.reader([*record, "\n"], strict=False, delimiter=d))) == 1


def _spec(lines: list[str], d: str = ",") -> list[tuple[list[str], list[str], bool]]:
    """The plain specification (quadratic, for small files): the csv module's records, read strictly. A record that
    cannot be read so is read as the csv module reads it leniently when its stray quote (text after a closing quote)
    is on its first line, or when the quote open at its last line's start closes there, blanks at most before the
    comma (``d``, the delimiter). Otherwise (the lines end inside its quote, or a quote opened lines before is
    "closed" by a stray one) it is an error row of its first line, and its other lines are read again as records,
    strictly, from the next line; a record that fails so among lines read again has each of its lines read alone."""
    out: list[tuple[list[str], list[str], bool]] = []
    start = 0
    again_to = 0  # lines before this one were read again

    def split(record: list[str]) -> None:
        out.append((_alone(record[0], d)[0], [record[0]], False))
        out.extend(_alone(line, d) for line in record[1:])

    while start < len(lines):
        records, failed = _records(lines, start, strict=True, d=d)
        for fields, record in records:
            out.append((fields, record, True))
            start += len(record)
        if not failed:
            break
        if not _ends_open(lines, start, failed, d) and len(failed) == 1:  # the stray quote is on its first line
            lenient, failed = _records(lines, start, strict=False, d=d)
            if lenient:
                out.append((*lenient[0], True))
                start += len(lenient[0][1])
                continue
        elif _loose(d).match(failed[-1]) and len(list(csv.reader([*failed, "\n"], strict=False, delimiter=d))) > 1:
            out.append((next(csv.reader(failed, strict=False, delimiter=d)), failed, True))
            start += len(failed)
            continue
        if start >= again_to and len(failed) > 1:  # its first line the error, the others read again
            out.append((_alone(failed[0], d)[0], [failed[0]], False))
            again_to = start + len(failed)
            start += 1
            continue
        split(failed)
        start += len(failed)
    return out


@pytest.mark.parametrize("d", [",", ";", "\t"])
def test_the_reader_is_the_plain_specification_on_random_small_files(d):
    """Differential: 600 random files of quotes, delimiters (a comma, or what a file's header says: a semicolon, a
    tab), the three line endings and doubled quotes, read by the linear reader (no limit reached) and by the plain
    specification, give the same records and the same errors."""
    import io
    import random

    rng = random.Random(20)
    tokens = ["a", "b", '"', d, "\n", "\r\n", "\r", '""', " ", "," if d != "," else ";"]
    for _ in range(600):
        text = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 30)))
        lines = list(io.StringIO(text, newline=""))
        got = [
            (fields, record, not error)
            for fields, record, error in _csv._CsvRecords(
                _csv.bounded_lines(io.StringIO(text, newline=""), 10**6), 10**6, pytest.fail, d
            )
        ]
        assert got == _spec(lines, d), repr(text)


def test_a_posting_past_the_limits_is_refused_without_being_held(tmp_path, monkeypatch, capsys):
    """A 50 MB posting took 589 MB: `classify FILE` read it whole, and check_text copied it (strip) before refusing
    it; a JSON line was held as a line, a stripped copy, its parsed value and the record written back. Now the
    command reads at most MAX_CHARS + 1 characters, and a JSON line past the record limit is an error row read in
    blocks. (Scaled down: 12 MB against MAX_CHARS = 5,000,000; a 4 MB line against a 10,000-character limit.)"""
    from tpmclassify._cli import main
    from tpmclassify._cli_commands import read_text

    big = tmp_path / "big.txt"
    big.write_text((TEXT + "\n") * 140_000)  # 12 MB
    assert main(["classify", str(big)]) == 2
    assert "posting text has more than 5,000,000 characters" in capsys.readouterr().err
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="more than 5,000,000 characters"):
            read_text(str(big))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 20_000_000, f"{peak:,} bytes at the peak for a 12 MB file"
    monkeypatch.setattr(_io, "MAX_RECORD_CHARS", 10_000)
    src = tmp_path / "in.jsonl"
    src.write_text('{"id": 1, "description": "' + "word " * 800_000 + '"}\n{"id": 2, "description": "' + TEXT + '"}\n')
    tracemalloc.start()
    try:
        chunks = list(_io.read_chunks(src, 1000, "utf-8")[1])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert chunks[0].errors == ["line longer than 10,000 characters (its cells are cut)", ""]
    assert chunks[0].frame["description"].tolist() == [None, TEXT] and chunks[0].raws[0] is None
    assert peak < 1_000_000, f"{peak:,} bytes at the peak"


def test_the_line_reader_is_readline_with_long_lines_cut():
    """Differential, against Python's own line reading: each line with its ending, a NUL shown as the stand-in, a
    line past the limit cut. A cut line ending in "\\r" once took the next line's "\\r" as the "\\n" of a "\\r\\n" it
    was not, and glued it to the line after."""
    import io
    import random

    rng = random.Random(5)
    tokens = ["a", "bb", '"', ",", "\n", "\r\n", "\r", "\0", " ", "x" * 50]
    for _ in range(600):
        text = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 400)))
        limit = rng.choice([5, 20, 100, 10**6])
        for newline in ("", None):
            want = []
            for line in io.StringIO(text, newline=newline):
                line = line.replace("\0", _chunk.NUL_STAND_IN)
                want.append(
                    (line[: min(_csv._LONG_LINE_KEPT, limit + 1)], True) if len(line) > limit else (line, False)
                )
            assert list(_csv.bounded_lines(io.StringIO(text, newline=newline), limit)) == want, repr(text)


def _one_block(head: bytes) -> bytes:
    """``head`` and ASCII rows after it, up to exactly the 1 MiB block the detection counts a file's bytes in."""
    row = b"9,Own the office fit-out programme: budget and schedule and the site reports for the client.\n"
    fill = (1 << 20) - len(head)
    n = (fill - 100) // len(row)
    return head + row * n + b"9," + b"o" * (fill - n * len(row) - 3) + b"\n"


def test_a_files_utf8_characters_are_counted_over_every_block_not_the_last_ones(tmp_path):
    """Whether a file with stray cp1252 bytes is mixed (docs/batch.md) depends on all its UTF-8 characters, however
    many 1 MiB blocks it spans. Curly quotes in the first MiB of an export and 20 stray bytes at its end (one per 15
    of its UTF-8 bytes: too many for the one-in-twenty rule, so only the commonest characters make it mixed) read as
    mixed, the quotes kept. Cyrillic names in the first MiB and accents beside stray bytes at its end read as cp1252
    (fewer than half its UTF-8 characters are the commonest). (From mutation testing of _encodings: the common and
    all characters counted in the last block alone, `=` for `+=`, each passed the suite.)"""
    quotes = tmp_path / "quotes.csv"
    head = ("id,description\n" + "".join(f"{i},Own the client’s site reports\n" for i in range(100))).encode()
    tail = b"".join(b"%d,Caf\xe9 \x96 budget\n" % i for i in range(100, 110))  # 20 stray bytes beside 300
    quotes.write_bytes(_one_block(head) + tail)
    description = read_table(quotes)["description"].tolist()
    assert description[0] == "Own the client’s site reports" and description[-1] == "Café – budget"
    names = tmp_path / "names.csv"
    head = ("id,description\n" + "".join(f"{i},Own the fit-out for Жукова\n" for i in range(170))).encode()
    accents = "Café résumé naïve café".encode()  # 5 of the commonest characters a row (10 bytes)
    tail = b"".join(b"%d,%s \x96 fit-out \x96 budget \x96 site \x96\n" % (i, accents) for i in range(170, 200))
    # 1,020 Cyrillic characters and 150 accents (2,340 bytes of UTF-8), 120 stray bytes (over 5% of them)
    names.write_bytes(_one_block(head) + tail)
    assert _io.detect_encoding(names) == "cp1252"
    first = read_table(names)["description"].iloc[0]
    assert first == "Own the fit-out for Жукова".encode().decode("cp1252") == "Own the fit-out for Ð–ÑƒÐºÐ¾Ð²Ð°"


def test_detecting_a_files_encoding_holds_a_block_at_a_time_never_the_whole_file(tmp_path):
    """Files are read in bounded memory (docs/batch.md), their encoding's detection too: the byte-order mark is
    looked for in the first bytes (all a file read as it goes looks at before its first chunk), a UTF-32 mark is
    checked on the file's first 4 KiB, and a file without a mark is decoded, and its bytes counted when it has stray
    cp1252 ones, a block at a time: never as much memory as the file. (From mutation testing of _encodings: the
    mark, the UTF-32 check and the count each reading the whole file passed the suite.)"""
    row = "Own the office fit-out programme: budget, schedule and the client's site reports.\n"
    head = "id,description\n1,Café – naïve résumé\n"
    utf32, plain, mixed = tmp_path / "utf32.csv", tmp_path / "plain.csv", tmp_path / "mixed.csv"
    utf32.write_bytes((head + row * 25_000).encode("utf-32"))  # 8 MB
    plain.write_bytes((head + row * 150_000).encode())  # 12 MB
    mixed.write_bytes(plain.read_bytes() + b"2,Caf\xe9\n")  # and a stray cp1252 byte at its end
    size = plain.stat().st_size
    for path, as_read, found, bound in (
        (plain, True, "utf-8", 100_000),  # (UTF-8 as far as known: only the mark is looked for)
        (utf32, False, "utf-32", 100_000),
        (plain, False, "utf-8", size),
        (mixed, False, "utf-8+cp1252", size),
    ):
        tracemalloc.start()
        try:
            enc, _ = _io.read_chunks(path, 1000, as_read=as_read)  # (the encoding found; no chunk read yet)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert enc == found and peak < bound, f"{path.name}, {as_read=}: {enc}, {peak:,} bytes at the peak"


def test_a_file_in_no_encoding_tried_is_cp1252_but_for_its_undefined_bytes_and_a_utf8_mark_over_cp1252_is_refused(
    tmp_path,
):
    """The end of the encoding rule (docs/batch.md): a file neither UTF-8 nor cp1252 (a Czech export in cp1250, whose
    "ť" is a byte cp1252 leaves undefined) is read as cp1252 but for that byte, read as latin-1 reads it, and the
    summary says cp1252+latin-1. (From a batch user's review: read whole as latin-1, as it was, every curly quote,
    dash and "š" of such a file became a control character; cp1250's "š" is cp1252's.)
    A file whose UTF-8 byte-order mark is followed by cp1252 text is not guessed at: it is refused, the encoding its
    mark names said and the file's asked for, and nothing is written. (From mutation testing of _encodings:
    `marked and "latin-1"` for `marked or "latin-1"`, and "LATIN-1", passed the suite.)"""
    text = "Vedoucí projektu: šťastný tým; rozpočet a harmonogram stavby."
    czech = tmp_path / "czech.csv"
    czech.write_bytes(f"id,description\n1,{text}\n".encode("cp1250"))
    summary = classify_csv(czech, tmp_path / "czech_out.csv")
    assert summary.encoding == "cp1252+latin-1" and summary.rows == 1 and summary.errors == 0
    read = "Vedoucí projektu: š\x9dastný tým; rozpoèet a harmonogram stavby."
    assert read_table(czech)["description"].tolist() == [read]
    quoted = tmp_path / "quoted.csv"  # cp1252 with one stray byte: its quotes and dashes stay
    quoted.write_bytes("id,description\n1,“Own” the fit-out – café\n2,odd ".encode("cp1252") + b"\x81\n")
    assert classify_csv(quoted, tmp_path / "quoted_out.csv").encoding == "cp1252+latin-1"
    assert read_table(quoted)["description"].tolist() == ["“Own” the fit-out – café", "odd \x81"]
    marked = tmp_path / "marked.csv"
    marked.write_bytes(codecs.BOM_UTF8 + "id,description\n1,Café – the client’s site fit-out\n".encode("cp1252"))
    refused = r"marked\.csv cannot be read as utf-8-sig, detected from its start: .*; name its encoding$"
    with pytest.raises(tpmclassify.BatchError, match=refused):
        classify_csv(marked, tmp_path / "marked_out.csv")
    assert not (tmp_path / "marked_out.csv").exists()


def test_a_utf32_file_cut_short_is_refused_as_utf32_not_read_as_utf16(tmp_path):
    """A UTF-32 file whose last character was cut (a copy stopped mid-way) begins with the UTF-32 mark, which begins
    with UTF-16's: it is still said to be UTF-32, and refused as such with its encoding asked for, not read as UTF-16
    (a NUL between every two characters). Its start is checked in whole characters. (From mutation testing of
    _encodings: the start checked with its cut character, `+ len(head) % 4` for `-`, read it as UTF-16.)"""
    src = tmp_path / "cut.csv"
    src.write_bytes(f"id,description\n1,{TEXT}\n".encode("utf-32")[:-2])
    with pytest.raises(tpmclassify.BatchError, match=r"cut\.csv cannot be read as utf-32, detected from its start"):
        read_table(src)
