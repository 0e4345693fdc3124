"""Batch classification of files: nothing lost, nothing reordered, errors marked."""

import codecs
import csv
import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import tpmclassify
from tpmclassify import OUTPUT_COLUMNS, BatchError, classify_csv, classify_frame
from tpmclassify._batch import MAX_JOBS
from tpmclassify._cli import main


@pytest.fixture
def messy_csv(tmp_path, postings):
    """A CSV with a BOM, cp1252-only bytes, blank and short rows, numbers, quoted newlines and a 1 MB cell."""
    good = postings["description"].tolist()
    rows = [
        ["1", "TPM", good[0]],
        ["2", "", ""],
        [],
        ["4", "PM", good[3]],
        ["5", "number", "12345"],
        ["6", "quoted", 'Line one of "the" project,\nline two: budget, schedule and client deliverables.'],
        ["7", "short row"],
        ["8", "huge", (good[4] + " ") * (1_000_000 // len(good[4]) + 1)],
        ["9", "too many", good[6], "extra", "fields"],
        ["10", "cp1252", "Café project – budget and schedule for the client’s fit-out"],
    ]
    path = tmp_path / "messy.csv"
    with open(path, "w", newline="", encoding="cp1252") as f:
        csv.writer(f).writerows([["id", "kind", "description"], *rows])
    return path, len(rows)


def test_messy_csv_keeps_every_row_in_order(messy_csv, tmp_path):
    path, n = messy_csv
    out = tmp_path / "out.csv"
    summary = classify_csv(path, out)
    assert summary.encoding == "cp1252" and summary.rows == n
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(df) == n
    assert df["id"].tolist() == ["1", "2", "", "4", "5", "6", "7", "8", "9", "10"]
    assert list(df.columns) == ["id", "kind", "description", *OUTPUT_COLUMNS]
    errors = dict(zip(df["kind"], df["error"], strict=True))
    assert errors["TPM"] == "" and errors["PM"] == "" and errors["huge"] == "" and errors["quoted"] == ""
    assert "empty" in df["error"][1] and df["error"][2] == "blank line"  # (a blank line between rows is a row)
    assert "no words" in errors["number"]
    assert "2 fields" in errors["short row"]
    assert "5 fields" in errors["too many"]
    labelled = df[df["error"] == ""]
    assert set(labelled["label"]) <= {"tpm", "pm", "other"} and (df[df["error"] != ""]["label"] == "").all()
    assert df.loc[df["kind"] == "TPM", "label"].item() == "tpm"
    assert df.loc[df["kind"] == "cp1252", "description"].item().startswith("Café project – budget")
    assert summary.errors == (df["error"] != "").sum()
    assert summary.needs_review == (df["needs_review"] == "True").sum() > 0


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_blank_lines_at_the_end_are_no_rows_and_a_blank_line_between_rows_says_so(tmp_path, postings, end):
    """An export's extra line ends at its end (blanks and tabs too) are no rows (as a spreadsheet and pandas read
    them): they made "missing text" error rows (exit 3 with --max-errors 0), and training refused the file over them.
    A blank line between two rows is still a row, called a blank line, in CSV as in JSON lines (a row of missing
    cells to training: each row keeps its number); the output's records end as the input's do."""
    text = postings["description"][0].replace("\n", " ")
    src, jsonl = tmp_path / "in.csv", tmp_path / "in.jsonl"
    rows = ["id,description,truth", f'1,"{text}",tpm', " ", f'2,"{text}",tpm', "", "  ", "\t", ""]
    src.write_bytes(end.join(rows).encode())
    lines = [json.dumps({"id": k, "description": text, "truth": "tpm"}) for k in (1, 2)]
    jsonl.write_text("\n".join([lines[0], "", lines[1], "", " ", ""]), encoding="utf-8")
    for path in (src, jsonl):
        out = tmp_path / f"out{path.suffix}"
        assert main(["batch", str(path), "-o", str(out), "-q", "--overwrite", "--max-errors", "1"]) == 0
        table = tpmclassify.read_table(out)
        assert [str(v) for v in table["id"].fillna("")] == ["1", "", "2"]
        assert table["error"].tolist() == ["", "blank line", ""]
        read = tpmclassify.read_table(path)  # (for training: the blank row's cells missing)
        assert [str(v) for v in read["id"].fillna("-")] == ["1", "-", "2"] and read["truth"].isna().tolist()[1]
    written = (tmp_path / "out.csv").read_bytes().decode()
    assert written.endswith(end) and written.count(end) == 4  # the header and three records, each ended as read
    assert written.count("\r\n") == (4 if end == "\r\n" else 0) and ("\n" not in written) == (end == "\r")
    src.write_bytes(end.join(["id,description,truth", f'1,"{text}",tpm', f'2,"{text}",tpm', "", " "]).encode())
    assert tpmclassify.read_table(src)["id"].tolist() == ["1", "2"]
    src.write_bytes(b"id,description")  # a header with no line end: records end as the csv module ends them
    out = tmp_path / "none.csv"
    classify_csv(src, out)
    assert out.read_bytes().endswith(b"error\r\n")


def test_a_tab_separated_row_of_empty_cells_is_a_row_not_a_blank_line(tmp_path, postings):
    """Tabs are blanks in a comma-separated file but separators in a tab-separated one: a row of empty cells there
    ("\t\t") is a row, kept at the end of the file too (a review: it was dropped as a blank line)."""
    text = postings["description"][0].replace("\n", " ").replace("\t", " ")
    src = tmp_path / "in.csv"
    src.write_text(f"id\tdescription\tnote\n1\t{text}\tx\n2\t{text}\ty\n\t\t\n\t\t\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    classify_csv(src, out)
    table = tpmclassify.read_table(out)
    assert len(table) == 4 and table["error"].tolist()[:2] == ["", ""] and "empty" in table["error"][3]


@pytest.mark.parametrize(
    ("header", "rows", "errors"),
    [
        ("id,description,", ["1,{t}", "2,{t},x", "3"], ["", "", "row has 1 fields, the header has 3"]),
        ("id,description,,", ["1,{t}", "2,{t},", "3,{t},,"], ["", "", ""]),  # two empty names at the end
        ("id,,description", ["1,{t}"], ["row has 2 fields, the header has 3"]),  # not at the end: a field short
    ],
)
def test_a_header_that_ends_with_empty_names_lets_a_row_leave_those_out(tmp_path, postings, header, rows, errors):
    """A spreadsheet's export whose header ends with a separator ("id,description,"): every row, one field short,
    was an error ("row has 2 fields, the header has 3"); it is read, its missing cells empty. A row shorter than
    that is still an error, as is a row without an empty name's column elsewhere in the header."""
    text = postings["description"][0].replace("\n", " ").replace('"', "")
    src = tmp_path / "in.csv"
    src.write_text("\n".join([header, *(r.format(t=f'"{text}"') for r in rows)]) + "\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    classify_csv(src, out)
    with open(out, newline="", encoding="utf-8") as f:
        table = list(csv.reader(f))
    width = len(table[0])
    assert all(len(row) == width for row in table)  # every output row has the header's columns
    assert [row[-1] for row in table[1:]] == errors
    assert [row[width - len(OUTPUT_COLUMNS) + OUTPUT_COLUMNS.index("label")] for row in table[1:]] == [
        "tpm" if not e else "" for e in errors
    ]


def test_the_summary_counts_the_rows_flagged_as_mis_titled(tmp_path, capsys):
    """A batch user's review: the summary did not count the title_mismatch flags, what an audit of titles runs for.
    (The sample's 14 postings: three of its real mis-titled ones are flagged.)"""
    sample = Path(__file__).resolve().parents[1] / "data" / "sample_postings.csv"
    out = tmp_path / "out.csv"
    assert main(["batch", str(sample), "-o", str(out), "--title-column", "title"]) == 0
    flagged = int((pd.read_csv(out, dtype=str, keep_default_na=False)["title_mismatch"] == "True").sum())
    assert flagged == 3 and f", {flagged} flagged as mis-titled; 0 errors)" in capsys.readouterr().err
    assert main(["batch", str(sample), "-o", str(tmp_path / "untitled.csv")]) == 0
    assert "mis-titled" not in capsys.readouterr().err  # (no title column: no flag)


def test_the_summary_counts_the_answers_that_need_review(tmp_path, postings, capsys):
    """Run on the title column by mistake, the TPM and PM rows are too short to decide on: the summary said "pm 6,
    ...; 0 errors", as if those labels could be acted on."""
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    assert main(["batch", str(src), "-o", str(tmp_path / "out.csv"), "--text-column", "title"]) == 0
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    review = int((out["needs_review"] == "True").sum())
    roles = out["label"].isin(["tpm", "pm"])
    assert roles.any() and (out["needs_review"][roles] == "True").all()  # the title alone is a sentence
    assert f", {review} of them needing review; 0 errors)" in capsys.readouterr().err


def test_csv_rows_are_written_back_as_read(tmp_path, postings):
    """Well-formed records keep their exact text (quoting, line ends); the added fields follow them."""
    text = postings["description"][0]
    records = [
        "id,note,description",
        f'1,5" screen,"{text}"',  # a quote inside an unquoted field, and a quoted text
        '2,"needless quotes","multi\r\nline ""quoted"" project budget and schedule"',
        "3,short row",
        "4,,",
    ]
    src = tmp_path / "in.csv"
    src.write_bytes(("\n".join(records) + "\n").encode("utf-8"))
    out = tmp_path / "out.csv"
    classify_csv(src, out)
    written = out.read_bytes().decode("utf-8")
    assert written.startswith("id,note,description," + ",".join(OUTPUT_COLUMNS) + "\n")  # (its records' line end)
    assert (
        f"\n{records[1]}," in written
        and f"\n{records[2]}," in written
        and "\r\n" not in written.replace(records[2], "")
    )
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"]
    assert rows[0]["note"] == '5" screen' and rows[0]["label"] == "tpm"
    assert rows[1]["description"] == 'multi\r\nline "quoted" project budget and schedule'
    assert "2 fields" in rows[2]["error"] and rows[2]["note"] == "short row" and rows[2]["description"] == ""
    # a row that could not be scored has empty probabilities, not "nan"
    assert rows[3]["error"] and rows[3]["tpm_probability"] == rows[3]["label"] == ""


@pytest.mark.parametrize("chunk_size", [1, 1000])
def test_a_quote_left_open_at_the_end_is_an_error_and_loses_no_line(tmp_path, chunk_size):
    """A quote never closed used to swallow every line after it (3 lines -> 2 rows, no error)."""
    src = tmp_path / "in.csv"
    src.write_text('id,description\n1,Own the program roadmap\n2,"Unterminated project budget\n3,schedule\n4,more\n')
    out = tmp_path / "out.csv"
    summary = classify_csv(src, out, chunk_size=chunk_size)
    with open(out, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4"] and summary.rows == 4 and all(None not in r for r in rows)
    assert rows[1]["error"] == "unterminated quoted field: a quote opened on this line is never closed"
    assert rows[1]["label"] == ""
    assert rows[1]["description"] == "Unterminated project budget\n"
    assert [r["description"] for r in rows[2:]] == ["schedule", "more"] and rows[2]["error"] == ""


def test_csv_fields_past_the_header_are_kept_and_nul_is_one_rule(tmp_path):
    text = "Own the project schedule and budget and the client deliverables"
    filler = "".join(f"{i},{text}\n" for i in range(3, 5000))  # pushes the last row far past the first 64 KB
    src = tmp_path / "in.csv"
    src.write_text(f'id,description\n1,{text},extra,"more, fields"\n2,a\0b {text}\n{filler}5000,c\0d {text}\n')
    out = tmp_path / "out.csv"
    classify_csv(src, out)
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert len(df) == 5000
    assert df["error"][0] == 'row has 4 fields, the header has 2; the fields past the header: ["extra", "more, fields"]'
    assert df["error"][1] == df["error"][4999] == "row contains a NUL byte"
    assert df["description"][1] == f"a\0b {text}"  # written back as read
    assert (df["error"][2:4999] == "").all()
    src.write_bytes(b"i\0d\0,\0t\0e\0x\0t\0\n\0")  # UTF-16 without a BOM: refused whole, not row by row
    with pytest.raises(tpmclassify.BatchError, match="header contains NUL"):
        classify_csv(src, tmp_path / "o2.csv")


def test_a_repeated_column_read_is_refused_and_the_header_is_written_as_given(tmp_path):
    text = "Own the project schedule and budget and the client deliverables"
    src = tmp_path / "in.csv"
    src.write_text(f"id,description,notes,notes,\n1,{text},a,b,c\n")
    out = tmp_path / "out.csv"
    assert classify_csv(src, out).rows == 1
    with open(out, newline="") as f:
        header, row = list(csv.reader(f))
    assert header[:5] == ["id", "description", "notes", "notes", ""] and row[:5] == ["1", text, "a", "b", "c"]
    assert header[5:] == list(OUTPUT_COLUMNS) and row[-1] == ""
    for columns, name in (("id,description,description", "description"), ("id,description,title,title", "title")):
        src.write_text(f"{columns}\n1,{text},x,y\n")
        with pytest.raises(BatchError, match=f"column '{name}' appears 2 times in the header"):
            classify_csv(src, tmp_path / "o2.csv", title_column="title" if name == "title" else None)
        assert not (tmp_path / "o2.csv").exists()


def test_a_parquet_file_that_repeats_a_column_not_read_is_written_back_whole(tmp_path, postings):
    """Kept, as a CSV's repeated name is: pandas refuses to make an Arrow table of such a frame, so the run ended
    in a traceback at its first write (after reading the whole file, with --prior auto)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    texts = postings["description"].tolist()
    columns = [pa.array(list("abcdefghij")), pa.array(texts), pa.array(range(10)), pa.array([None] * 9 + [1.5])]
    src = tmp_path / "repeats.parquet"
    pq.write_table(pa.Table.from_arrays(columns, names=["x", "description", "x", "x"]), src)
    assert classify_csv(src, tmp_path / "out.parquet", chunk_size=4).rows == 10
    out = pq.ParquetFile(tmp_path / "out.parquet").read()
    assert out.schema.names[:4] == ["x", "description", "x", "x"] and out.num_rows == 10
    assert [out.column(i).to_pylist() for i in range(4)] == [c.to_pylist() for c in columns]
    assert out.column("label").null_count == 0


def test_a_repeated_column_is_refused_by_every_reader_and_a_renamed_copy_is_no_column(tmp_path, postings):
    """From a hostile review: a renamed copy collided with a column of that name (a traceback), could be named
    (``description.1``, which the file does not have), and audit, train, ``--prior auto`` and a byte-order mark read
    with ``--encoding utf-8`` each let a repeated column through."""
    text = postings["description"][0].replace('"', "'")
    src = tmp_path / "in.csv"
    src.write_text(f'notes,notes,notes.1,description\na,b,"{text}",x\n')
    out = tmp_path / "out.csv"
    classify_csv(src, out, text_column="notes.1")  # the file's own notes.1, not the renamed copy of notes
    assert pd.read_csv(out, dtype=str)["label"].tolist() == [tpmclassify.classify(text).label]
    src.write_text(f'description,title,description\n"{text}",Project Manager,x\n')
    with pytest.raises(tpmclassify.ColumnError, match="no column 'description.1'"):
        classify_csv(src, tmp_path / "o1.csv", text_column="description.1")
    repeated = "column 'description' appears 2 times in the header"
    calls = [
        lambda: classify_csv(src, tmp_path / "o2.csv", prior="auto"),
        lambda: tpmclassify.audit(src, tmp_path / "a.html"),
        lambda: tpmclassify.train(src, title_column="title"),
    ]
    for call in calls:
        with pytest.raises(BatchError, match=repeated):
            call()
    src.write_bytes(b"\xef\xbb\xbf" + src.read_bytes())
    with pytest.raises(BatchError, match=repeated):
        classify_csv(src, tmp_path / "o3.csv", encoding="utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


def test_a_table_renames_repeated_and_empty_names_to_names_the_file_does_not_have(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("a,,a,a.1,unnamed,,a\n1,2,3,4,5,6,7\n")
    table = tpmclassify.read_table(src)
    assert table.columns.tolist() == ["a", "unnamed.1", "a.2", "a.1", "unnamed", "unnamed.2", "a.3"]
    assert table.iloc[0].tolist() == ["1", "2", "3", "4", "5", "6", "7"]
    assert table.attrs["tpmclassify_header"] == ["a", "", "a", "a.1", "unnamed", "", "a"]
    src.write_text(",b,b\n1,2,3\n")
    assert tpmclassify.read_table(src).columns.tolist() == ["unnamed", "b", "b.1"]
    src.write_text("a,b\n1,2\n")
    assert tpmclassify.read_table(src).attrs == {}


def test_the_share_is_estimated_from_the_column_named_and_rows_without_it(tmp_path, postings):
    """--prior auto reads the column the run reads (not the default one), and a JSON line without it as no text."""
    texts = postings["description"].tolist() * 4
    rows = [{"body": t, "description": "Apply now."} for t in texts] + [{"other": 1}]
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(r) + "\n" for r in rows))
    summary = classify_csv(src, tmp_path / "out.jsonl", text_column="body", prior="auto", chunk_size=len(texts))
    alone = tmp_path / "alone.csv"
    pd.DataFrame({"description": texts}).to_csv(alone, index=False)
    assert summary.prior == classify_csv(alone, tmp_path / "a.csv", prior="auto").prior
    assert summary.prior_rows == classify_csv(alone, tmp_path / "b.csv", prior="auto").prior_rows >= 20


def test_the_share_is_read_in_the_encoding_given_and_checks_the_title_column(tmp_path, postings):
    texts = postings["description"].tolist() * 4
    src = tmp_path / "in.csv"
    src.write_bytes(pd.DataFrame({"description": texts}).to_csv(index=False).encode("utf-16-le"))  # no BOM
    summary = classify_csv(src, tmp_path / "out.csv", encoding="utf-16-le", prior="auto")
    assert summary.rows == len(texts) and summary.errors == 0 and summary.prior_rows >= 20
    with pytest.raises(tpmclassify.ColumnError, match="no column 'nope'.*title_column="):
        classify_csv(src, tmp_path / "o2.csv", encoding="utf-16-le", prior="auto", title_column="nope")
    src.write_text("description,title,title\nx,y,z\n")
    with pytest.raises(tpmclassify.ColumnError, match="no column 'title.1'"):
        classify_csv(src, tmp_path / "o3.csv", title_column="title.1")


def test_a_column_whose_name_only_looks_like_the_one_asked_for_is_shown_escaped(tmp_path, postings, capsys):
    """From a hostile review: a header's "description " (a blank after it), a zero-width space before it, or an
    accent written as a letter and a mark were refused with names that read exactly as the one asked for."""
    import unicodedata

    text = postings["description"][0]
    for header, shown in (("description ", "'description '"), ("\u200bdescription", "'\\u200bdescription'")):
        src = tmp_path / "in.csv"
        src.write_text(f'id,{header}\n1,"{text}"\n', encoding="utf-8")
        assert main(["batch", str(src), "-o", str(tmp_path / "o.csv")]) == 2
        err = capsys.readouterr().err
        assert err.startswith("tpmclassify batch: error: no text column found") and err.count("\n") == 1
        assert f"; the column {shown} is not 'description': it differs only in what a reader cannot tell apart" in err
    composed = unicodedata.normalize("NFD", "descripción")
    frame = pd.DataFrame({"id": [1], composed: [text]})
    with pytest.raises(tpmclassify.ColumnError, match=r"the column 'descripcio\\u0301n' is not 'descripci\\xf3n'"):
        tpmclassify.classify_frame(frame, text_column="descripción")
    with pytest.raises(tpmclassify.ColumnError) as refused:
        tpmclassify.classify_frame(frame.rename(columns={composed: "body"}), text_column="bdy")
    assert "is not" not in str(refused.value)  # a misspelt name is no look-alike


def test_a_title_that_is_a_list_is_not_missing(postings):
    text = postings["description"][0]
    titles = pd.Series([["Project Manager", "x"], [], ("TPM",), None, ["a very long title"] * 9], dtype=object)
    frame = pd.DataFrame({"description": [text] * 5, "title": titles})
    errors = classify_frame(frame, title_column="title")["error"].tolist()
    assert errors[:4] == [
        "title must be str, got list ['Project Manager', 'x']",
        "title must be str, got list []",
        "title must be str, got tuple ('TPM',)",
        "",
    ]
    assert errors[4] == "title must be str, got list ['a very long title', 'a very long ti..."
    frame = pd.DataFrame({"description": pd.Series([[text], ["a", "b"], text], dtype=object)})
    errors = classify_frame(frame)["error"].tolist()  # a list of texts is not a posting either
    assert errors == [
        "posting text must be str, got list: several values, not one text (in a file: a list column), "
        "to be joined into one"
    ] * 2 + [""]
    with pytest.raises(tpmclassify.PostingTypeError, match="got list"):
        tpmclassify.classify_many([text], [["Project Manager", "x"]])


def test_utf8_bom_and_gzip_and_jobs(tmp_path, postings):
    postings = postings.drop(columns=["label"])
    src = tmp_path / "in.csv.gz"
    with gzip.open(src, "wt", encoding="utf-8-sig", newline="") as f:
        postings.to_csv(f, index=False)
    out = tmp_path / "out.csv.gz"
    summary = classify_csv(src, out, jobs=2, chunk_size=3, title_column="title")
    assert summary.encoding == "utf-8-sig"
    with gzip.open(out, "rb") as f:
        assert f.read(3) == codecs.BOM_UTF8  # the input's mark kept, for the spreadsheet that wrote it
    plain = tmp_path / "plain.csv"
    postings.to_csv(plain, index=False)
    classify_csv(plain, tmp_path / "plain_out.csv")
    assert (tmp_path / "plain_out.csv").read_bytes().startswith(b"title,")  # plain UTF-8 in, plain UTF-8 out
    df = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert df["title"].tolist() == postings["title"].tolist()
    single = classify_frame(postings, title_column="title")
    assert df["label"].tolist() == single["label"].tolist()


def test_jsonl_with_bad_lines(tmp_path, postings):
    src = tmp_path / "in.jsonl"
    lines = [json.dumps({"text": postings["description"][0], "n": 1}), "{not json", json.dumps({"text": 7}), ""]
    lines += [json.dumps({"other": "no text key"}), '["a", "list"]', "x" * 10_000_001]
    lines += ['{"text": "Own the roadmap", "n": {"a": 1}, "text": "Run the budget"}']  # which is the posting?
    nested = json.dumps({"text": postings["description"][0], "m": "x"})
    lines += [nested.replace('"m": "x"', '"m": {"a": 1, "a": 2}')]
    src.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    classify_csv(src, out)
    recs = [json.loads(line, parse_constant=pytest.fail) for line in out.read_text().splitlines()]  # no NaN
    assert len(recs) == 9
    assert recs[7]["error"] == "key 'text' appears more than once in the line; keep one"
    assert recs[7]["unread_line"] == lines[7]
    assert recs[8]["error"] == "" and recs[8]["label"] == "tpm"  # a key repeated inside a value is none of ours
    assert recs[0]["label"] == "tpm" and recs[0]["n"] == 1
    assert "invalid JSON" in recs[1]["error"] and "line 1" not in recs[1]["error"]  # (the file's line 1, it read)
    assert re.fullmatch(r"invalid JSON: .+, at character [\d,]+ of the line", recs[1]["error"])
    assert "got int" in recs[2]["error"]
    assert recs[3]["error"] == "blank line" and recs[4]["error"] == "missing text"
    assert recs[5]["error"] == "line is not a JSON object" and "characters" in recs[6]["error"]
    # nothing is lost: a line that is not a JSON object comes back as text (a too long one, its first 1,000
    # characters), beside the row's error; a blank line and the objects have no such field
    unread = [r.get("unread_line") for r in recs]
    assert unread == [None, "{not json", None, None, None, '["a", "list"]', "x" * 1000, lines[7], None]


def test_jsonl_lines_end_at_newlines_and_blank_ones_keep_nothing(tmp_path, postings):
    """A lone carriage return inside a line leaves it one line (one row: here not JSON, so kept as text); a line of
    Unicode spaces is blank, and keeps no text; an input field named like the kept text needs a prefix."""
    src = tmp_path / "in.jsonl"
    one = json.dumps({"description": postings["description"][0]})
    src.write_text(f"{one}\r{one}\n\u3000\x0b\n{one}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    classify_csv(src, out)
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r.get("unread_line") for r in recs] == [f"{one}\r{one}", None, None]
    assert "invalid JSON" in recs[0]["error"] and recs[1]["error"] == "blank line" and recs[2]["label"] == "tpm"
    src.write_text('{"description": "x", "unread_line": "mine"}\n{oops\n', encoding="utf-8")
    with pytest.raises(tpmclassify.BatchError, match="unread_line"):
        classify_csv(src, out, overwrite=True)
    classify_csv(src, out, overwrite=True, prefix="tpmc_")
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert recs[0]["unread_line"] == "mine" and recs[1]["tpmc_unread_line"] == "{oops" and "unread_line" not in recs[1]


def test_a_jsonl_line_too_long_to_read_stays_one_row_whatever_carriage_returns_it_holds(tmp_path, postings):
    """Past the record limit a line is read on in blocks and dropped: a lone carriage return where a block ends
    does not end it (only a line feed does), so the next line is the next row."""
    from tpmclassify._io import MAX_RECORD_CHARS

    src = tmp_path / "in.jsonl"
    long = "a" * MAX_RECORD_CHARS + "\r" + "b" * (1 << 20) + "\r" + "c" * 10
    src.write_text(long + "\n" + json.dumps({"description": postings["description"][0]}) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    classify_csv(src, out)
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(recs) == 2 and "characters" in recs[0]["error"] and recs[1]["label"] == "tpm"


def test_jsonl_values_come_back_as_they_went_in(tmp_path, postings):
    """Deep nesting is one row's error; ids, 1e400 and odd keys are written back exactly; no key injects an error."""
    text = json.dumps(postings["description"][3])
    lines = [
        f'{{"id": 9007199254740993, "big": 1e400, "description": {text}}}',
        '{"description": "Own the program roadmap", "extra": true}',  # no "id": used to turn ids into floats
        '{"a": ' * 100_000 + "1" + "}" * 100_000,
        f'{{"id": 4, "\\u0000read_error": "injected", "description": {text}}}',
        "{ }",
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = classify_csv(src, out, chunk_size=10)
    written = out.read_text(encoding="utf-8").splitlines()
    assert summary.rows == 5 and len(written) == 5
    assert written[0].startswith('{"id": 9007199254740993, "big": 1e400, "description": ')
    assert "Infinity" not in written[0] and json.loads(written[0])["label"] == "pm"
    recs = [json.loads(line) for line in written]
    assert "nested too deeply" in recs[2]["error"] and recs[2]["label"] == ""
    assert recs[3]["error"] == "" and recs[3]["label"] == "pm" and recs[3]["\0read_error"] == "injected"
    assert recs[4]["error"] == "missing text"


def test_a_named_jsonl_key_may_first_come_in_a_later_chunk(tmp_path, postings):
    """With --text-column (and --title-column), a key no line of the first chunk had was refused, so a file ran or
    not by its chunk size: the lines without it are error rows, and only a key no line has is refused (unpublished)."""
    texts, titles = postings["description"].tolist(), postings["title"].tolist()
    src = tmp_path / "late.jsonl"
    with open(src, "w", encoding="utf-8") as f:
        for i, (text, title) in enumerate(zip(texts, titles, strict=True)):
            f.write(json.dumps({"id": i, **({"draft": True} if i < 5 else {"body": text, "role": title})}) + "\n")
    out = tmp_path / "out.jsonl"
    summary = classify_csv(src, out, text_column="body", title_column="role", chunk_size=4)
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == list(range(len(texts))) and summary.errors == 5
    assert all(r["error"] == "missing text" for r in rows[:5]) and all("label" in r for r in rows[5:])
    for named in ({"text_column": "bdy"}, {"text_column": "body", "title_column": "titel"}):
        wrong = tmp_path / "wrong.jsonl"
        with pytest.raises(tpmclassify.ColumnError, match="^no column '(bdy|titel)'; the columns are: id, draft, body"):
            classify_csv(src, wrong, chunk_size=4, **named)
        assert not wrong.exists() and not list(tmp_path.glob(".*part"))
    # the audit reads them as batch does
    audited = tpmclassify.audit(src, tmp_path / "a.html", text_column="body", title_column="role", chunk_size=4)
    assert audited.rows == len(texts)
    with pytest.raises(tpmclassify.ColumnError, match="^no column 'titel'"):
        tpmclassify.audit(src, tmp_path / "b.html", text_column="body", title_column="titel", chunk_size=4)
    assert not (tmp_path / "b.html").exists()


@pytest.mark.parametrize(
    ("first", "then", "key"),
    [
        ("description",) * 3,
        ("Text",) * 3,
        ("text", "description", "description"),
        ("Description", "description", "description"),  # (alike but for case: the last to come, as for columns)
    ],
)
def test_an_unnamed_jsonl_text_key_is_the_same_whatever_the_chunks(tmp_path, postings, first, then, key):
    """Without --text-column, the text key was looked for in the first chunk only: a file whose first lines are bad,
    blank or without it ran with the default chunk size and was refused with a small one (found by mutation testing
    of the file layer), and a file whose lines name "text" before "description" was read by either, by its chunk
    size (a review). It is the first candidate among the first 1,000 lines' keys (or the first later line's), read
    the same whatever the chunks; lines without it are rows without a text."""
    texts, titles = postings["description"].tolist(), postings["title"].tolist()
    src = tmp_path / "late.jsonl"
    lines = ["{oops", "", json.dumps({"id": -1, "title": "Project Manager"})]
    lines += [
        json.dumps({"id": i, first if i == 0 else then: t, "title": title})
        for i, (t, title) in enumerate(zip(texts, titles, strict=True))
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = 3 if first == then else 4  # (the line naming the other key is a row without a text)
    outputs = []
    for chunk_size in (2, 1000):
        out = tmp_path / f"out{chunk_size}.jsonl"
        summary = classify_csv(src, out, chunk_size=chunk_size)
        assert summary.rows == len(lines) and summary.errors == errors and summary.text_column == key
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    audited = tpmclassify.audit(src, tmp_path / "a.html", chunk_size=2)
    assert audited.rows == len(lines) and audited.errors == errors


def test_the_jsonl_text_key_is_looked_for_in_the_encoding_given_and_said(tmp_path, postings, caplog):
    """From a mutation run: the text key was looked for in the file's detected encoding whatever ``encoding`` said
    (no test gave one, to batch or to the audit), and the line saying which key it is was never read. A UTF-16
    export without a byte-order mark (read as UTF-8 unless told) whose first line has no text key, read a line a
    chunk: the key is found in the lines read in the encoding given, the line without it is a row without a text,
    and the run says the key."""
    texts, titles = postings["description"].tolist()[:4], postings["title"].tolist()[:4]
    lines = [json.dumps({"id": 0, "title": "Project Manager"})]
    lines += [
        json.dumps({"id": i, "title": title, "description": text})
        for i, (text, title) in enumerate(zip(texts, titles, strict=True), 1)
    ]
    src = tmp_path / "export.jsonl"
    src.write_bytes(("\n".join(lines) + "\n").encode("utf-16-le"))
    with caplog.at_level("INFO", logger="tpmclassify"):
        summary = classify_csv(src, tmp_path / "out.jsonl", encoding="utf-16-le", chunk_size=1)
    assert summary.rows == 5 and summary.errors == 1 and summary.text_column == "description"
    assert "text column: description" in caplog.messages
    audited = tpmclassify.audit(src, tmp_path / "a.html", encoding="utf-16-le", chunk_size=1)  # (the audit too)
    assert audited.rows == 5 and audited.errors == 1


def test_a_broken_jsonl_gz_is_said_to_be_one_when_its_text_key_is_looked_for(tmp_path, postings):
    """Looking for the text key reads the file before the run does: a truncated gzip stream said "internal error (a
    bug in tpmclassify)" with a traceback (a review); it is said as the reading says it."""
    import gzip

    lines = [json.dumps({"id": i, "text": t}) for i, t in enumerate(postings["description"])] * 50
    data = gzip.compress(("\n".join(lines) + "\n").encode())
    src = tmp_path / "in.jsonl.gz"
    src.write_bytes(data[: len(data) // 2])
    with pytest.raises(BatchError, match="is not a complete gzip file"):
        classify_csv(src, tmp_path / "out.jsonl.gz")
    assert not (tmp_path / "out.jsonl.gz").exists()


def test_late_jsonl_keys_are_said_alike_whatever_the_chunks(tmp_path, postings):
    """From a review of the late keys: the text and title named alike were refused as a header's repeated column or
    as the title naming the text by chunk size; an empty file said "no column 'body'; the columns are: " (nothing);
    and the keys listed grew with the file (20,000 keys, a 180 KB message)."""
    src = tmp_path / "late.jsonl"
    lines = [{"id": i, **({"draft": True} if i < 5 else {"body": t})} for i, t in enumerate(postings["description"])]
    src.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    said = set()
    for chunk_size in (4, 100):
        with pytest.raises(tpmclassify.ColumnError) as caught:
            classify_csv(src, tmp_path / "o.jsonl", text_column="body", title_column="body", chunk_size=chunk_size)
        said.add(str(caught.value))
    assert len(said) == 1, said
    (tmp_path / "empty.jsonl").write_text("")
    with pytest.raises(tpmclassify.ColumnError, match="the table has no columns"):
        classify_csv(tmp_path / "empty.jsonl", tmp_path / "o.jsonl", text_column="body")
    many = tmp_path / "many.jsonl"
    many.write_text("".join(json.dumps({f"k{i}": i, "body": "x"}) + "\n" for i in range(200)), encoding="utf-8")
    listed = r"^no column 'titel'; the columns are: k0, body, k1, .*, \.\.\."
    with pytest.raises(tpmclassify.ColumnError, match=listed) as e:
        classify_csv(many, tmp_path / "o.jsonl", text_column="body", title_column="titel", chunk_size=10)
    assert len(str(e.value)) < 600


def test_the_prior_pass_reads_late_jsonl_keys_as_batch_does(tmp_path, postings):
    """--prior auto reads the file once before classifying it; that first reading refused a key named with
    --text-column that the first chunk's lines did not have, though batch itself would read it."""
    scored = postings[postings["label"] != "other"]
    lines = [{"id": i, "draft": True} for i in range(5)]
    lines += [{"id": 5 + i, "body": f"{t} Reference {i}."} for i, t in enumerate(list(scored["description"]) * 5)]
    src = tmp_path / "late.jsonl"
    src.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    summary = classify_csv(src, tmp_path / "o.jsonl", text_column="body", prior="auto", chunk_size=4)
    assert summary.rows == len(lines) and summary.prior_rows is not None and summary.prior_rows >= 20
    with pytest.raises(tpmclassify.ColumnError, match="^no column 'bdy'"):
        classify_csv(src, tmp_path / "o2.jsonl", text_column="bdy", prior="auto", chunk_size=4)


def test_every_jsonl_chunk_is_checked_for_clashing_columns(tmp_path, postings, capsys):
    text = json.dumps(postings["description"][0])
    src = tmp_path / "in.jsonl"
    src.write_text(f'{{"description": {text}}}\n{{"description": {text}, "label": "mine"}}\n', encoding="utf-8")
    with pytest.raises(tpmclassify.BatchError, match="already has column.*label.*, e.g. prefix='pred_'$"):
        classify_csv(src, tmp_path / "out.jsonl", chunk_size=1)
    assert not (tmp_path / "out.jsonl").exists()
    assert main(["batch", str(src), "-o", str(tmp_path / "out.jsonl"), "--chunk-size", "1"]) == 2
    assert capsys.readouterr().err.rstrip().endswith("e.g. --prefix pred_")  # the command's flag


def test_a_clash_under_a_prefix_is_told_a_prefix_that_is_free(postings):
    """From a hostile review: an input with pred_label, run with --prefix pred_, was told "e.g. --prefix pred_". The
    prefix told is free whatever the case (an engine may resolve names so): pred1_ is not, for PRED1_in_scope."""
    frame = postings.drop(columns=["label"]).assign(pred_label="mine", PRED1_in_scope="")
    with pytest.raises(tpmclassify.BatchError, match="column.s. pred_label, which .* e.g. prefix='pred2_'$"):
        tpmclassify.classify_frame(frame, prefix="pred_")
    assert "pred2_label" in tpmclassify.classify_frame(frame, prefix="pred2_").columns


def test_a_parquet_binary_or_list_text_column_is_told_how_to_store_it(tmp_path, postings):
    """From a hostile review: a binary column of UTF-8 text made every row "got bytes: decode it first", which a
    command-line user cannot do, and a list column "got ndarray", a type the user never sees."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    text = postings["description"][0]
    src = tmp_path / "in.parquet"
    table = pa.table({"description": pa.array([text.encode("utf-8")], pa.binary()), "other": ["x"]})
    pq.write_table(table, src)
    classify_csv(src, tmp_path / "out.parquet")
    (error,) = pd.read_parquet(tmp_path / "out.parquet")["error"].tolist()
    assert error.startswith("posting text must be str, got bytes") and "(in a file: a binary column, to be" in error
    pq.write_table(pa.table({"description": pa.array([[text, text]], pa.list_(pa.string()))}), src)
    classify_csv(src, tmp_path / "out2.parquet")
    (error,) = pd.read_parquet(tmp_path / "out2.parquet")["error"].tolist()
    assert error == (
        "posting text must be str, got ndarray: several values, not one text (in a file: a list column), to be "
        "joined into one"
    )


def test_parquet_round_trip(tmp_path, postings):
    pytest.importorskip("pyarrow")
    postings = postings.drop(columns=["label"])
    src = tmp_path / "in.parquet"
    postings.to_parquet(src)
    out = tmp_path / "out.parquet"
    classify_csv(src, out, chunk_size=4)
    df = pd.read_parquet(out)
    assert df["title"].tolist() == postings["title"].tolist() and len(df) == len(postings)


def test_parquet_integers_with_nulls_come_back_exact(tmp_path, postings):
    """An integer column with a null in a chunk was read as float64 and written back rounded (an id of 2**53 + 1
    came back as 2**53, with a zero exit), or, past 2**53 in uint64, crashed the run."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    texts = postings["description"].tolist()[:3]
    ids = pa.array([2**53 + 1, None, 1234567890123456789], pa.int64())
    unsigned = pa.array([2**64 - 1, None, 2**53 + 1], pa.uint64())
    src = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"req_id": ids, "big": unsigned, "description": texts}), src)
    classify_csv(src, tmp_path / "out.parquet")
    out = pq.read_table(tmp_path / "out.parquet")
    assert out["req_id"].to_pylist() == ids.to_pylist() and out["big"].to_pylist() == unsigned.to_pylist()
    assert out.schema.field("req_id").type == pa.int64() and out.schema.field("big").type == pa.uint64()


def test_an_input_that_is_no_file_is_said_to_be_what_it_is(tmp_path):
    """A folder or a device named as input was "input file not found", though it exists. A missing file is said in
    one wording, and raises one class, whatever reads it: read_table said "cannot read ...: [Errno 2]" in a
    BatchError that no ``except FileNotFoundError`` caught."""
    for read in (tpmclassify.read_table, lambda path: classify_csv(path, tmp_path / "o.csv")):
        with pytest.raises(FileNotFoundError, match="^input file not found: .*none.csv$") as err:
            read(tmp_path / "none.csv")
        assert isinstance(err.value, tpmclassify.InputNotFoundError)
    for read in (tpmclassify.read_table, lambda path: classify_csv(path, tmp_path / "o.csv")):
        with pytest.raises(BatchError, match="^cannot read .*x.csv: File name too long$"):  # (not a bare OSError)
            read(tmp_path / ("x" * 300 + ".csv"))
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(tpmclassify.InputNotFoundError, match="^input is a folder, not a file: .*d.csv$"):
        classify_csv(tmp_path / "d.csv", tmp_path / "o.csv")
    if os.path.exists(os.devnull) and not os.path.isfile(os.devnull):
        (tmp_path / "null.csv").symlink_to(os.devnull)
        with pytest.raises(tpmclassify.InputNotFoundError, match="^input is not a regular file .*null.csv$"):
            classify_csv(tmp_path / "null.csv", tmp_path / "o.csv")


def test_an_input_gone_before_it_is_read_is_said_so(tmp_path, postings, monkeypatch):
    """An input removed between its check and its reading (while the model loads) was "stopped by a system error":
    the batch took the missing file for the file system's answer. It is the missing input it is."""
    from tpmclassify import _batch

    src = tmp_path / "in.csv"
    postings.to_csv(src, index=False)
    model_or_default = _batch.model_or_default

    def removed(*args, **kwargs):
        src.unlink()
        return model_or_default(*args, **kwargs)

    monkeypatch.setattr(_batch, "model_or_default", removed)
    with pytest.raises(tpmclassify.InputNotFoundError, match="^input file not found: .*in.csv$"):
        classify_csv(src, tmp_path / "out.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_refusals(tmp_path, postings):
    src = tmp_path / "in.csv"
    postings.to_csv(src, index=False)
    out = tmp_path / "out.csv"
    out.write_text("keep me")
    with pytest.raises(tpmclassify.BatchError, match="already exists") as err:
        classify_csv(src, out)
    assert out.read_text() == "keep me"
    # the class save() raises for a model file in the way (a FileExistsError), and a BatchError as it always was
    assert isinstance(err.value, tpmclassify.OutputExistsError) and isinstance(err.value, FileExistsError)
    with pytest.raises(tpmclassify.ColumnError, match="no column 'body'; the columns are: title, company"):
        classify_csv(src, tmp_path / "o2.csv", text_column="body")
    with pytest.raises(tpmclassify.BatchError, match="input file not found"):
        classify_csv(tmp_path / "nope.csv", tmp_path / "o3.csv")
    with pytest.raises(tpmclassify.BatchError, match="already has column.*label"):
        classify_csv(src, tmp_path / "o4.csv")
    classify_csv(src, tmp_path / "o4.csv", prefix="pred_")
    assert not list(tmp_path.glob(".*part"))


def test_arguments_of_the_wrong_type_are_refused_by_name_before_anything_is_written(tmp_path, postings):
    """Each of these raised a bare TypeError from deep inside (or, for jobs=2.5, ran); now a BatchError names the
    argument, and no output or temporary file is left."""
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    for kwargs, message in (
        ({"input": 123}, "input must be a path (str or os.PathLike), got int"),
        ({"output": None}, "output must be a path (str or os.PathLike), got NoneType"),
        ({"input": ""}, "input must be a path (str or os.PathLike), got an empty str"),
        ({"input": np.array(["a.csv", "b.csv"])}, "input must be a path (str or os.PathLike), got ndarray"),
        ({"chunk_size": "10"}, "chunk_size must be a whole number of at least 1, got '10'"),
        ({"chunk_size": True}, "chunk_size must be a whole number of at least 1, got True"),
        ({"jobs": 2.5}, f"jobs must be a whole number from 1 to {MAX_JOBS}, got 2.5"),
        ({"jobs": 0}, f"jobs must be a whole number from 1 to {MAX_JOBS}, got 0"),
        ({"jobs": 100_000}, f"jobs must be a whole number from 1 to {MAX_JOBS}, got 100000"),
        ({"prefix": None}, "prefix must be str, got NoneType"),
    ):
        with pytest.raises(tpmclassify.BatchError, match=f"^{re.escape(message)}$"):
            classify_csv(**{"input": src, "output": out, **kwargs})
    for kwargs, message in (
        ({"top": "5"}, "top must be a whole number from 0 to 1000, got '5'"),
        ({"chunk_size": 0}, "chunk_size must be a whole number of at least 1, got 0"),
        ({"flags_csv": 3}, "flags_csv must be a path (str or os.PathLike), got int"),
    ):
        with pytest.raises(tpmclassify.BatchError, match=f"^{re.escape(message)}$"):
            tpmclassify.audit(src, tmp_path / "audit.html", **kwargs)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]
    assert classify_csv(src, out, chunk_size=np.int64(4), jobs=np.int64(1)).rows == len(postings)


def test_a_missing_input_is_one_error_everywhere_and_a_file_without_columns_says_so(tmp_path, postings):
    """classify_csv said a missing input with a BatchError, audit and train with an InputNotFoundError (a
    FileNotFoundError): now one class, both. A file of no rows, or of blank lines, said "the columns are: ."."""
    for run in (
        lambda: classify_csv(tmp_path / "nope.csv", tmp_path / "o.csv"),
        lambda: tpmclassify.audit(tmp_path / "nope.csv", tmp_path / "o.html"),
        lambda: tpmclassify.train(str(tmp_path / "nope.csv")),
    ):
        with pytest.raises(tpmclassify.InputNotFoundError, match="^input file not found: .*nope.csv$") as caught:
            run()
        assert isinstance(caught.value, BatchError) and isinstance(caught.value, FileNotFoundError)
    for name, body in (("empty.jsonl", ""), ("blank.jsonl", "\n\n"), ("blank.csv", "\n\n"), ("late.csv", "\nid,x\n")):
        (tmp_path / name).write_text(body)
        with pytest.raises(tpmclassify.ColumnError, match="the table has no columns"):
            classify_csv(tmp_path / name, tmp_path / f"out_{name}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blank.csv", "blank.jsonl", "empty.jsonl", "late.csv"]
    # JSON lines with a title named: the title (which may come in a later line) was listed as a column of the file
    with pytest.raises(tpmclassify.ColumnError, match="the table has no columns"):
        classify_csv(tmp_path / "empty.jsonl", tmp_path / "out_t.jsonl", title_column="title")
    (tmp_path / "ids.jsonl").write_text('{"id": 1}\n')
    for run in (
        lambda: classify_csv(tmp_path / "ids.jsonl", tmp_path / "out_ids.jsonl", title_column="title"),
        lambda: tpmclassify.audit(tmp_path / "ids.jsonl", tmp_path / "ids.html"),
    ):
        with pytest.raises(tpmclassify.ColumnError, match=r"the columns are: id\. Name one"):
            run()


def test_interrupted_run_leaves_nothing(tmp_path, postings, monkeypatch):
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    out = tmp_path / "out.csv"

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("tpmclassify._batch.score_texts", boom)
    with pytest.raises(KeyboardInterrupt):
        classify_csv(src, out)
    assert not out.exists() and list(tmp_path.iterdir()) == [src]


def test_cli_batch_and_errors(tmp_path, postings, capsys):
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert main(["batch", str(src), "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert "text column: description" in err and "10 rows" in err and "rows/s" in err
    assert main(["batch", str(src), "-o", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["batch", str(tmp_path / "missing.csv"), "-o", str(tmp_path / "x.csv")]) == 2
    assert "input file not found" in capsys.readouterr().err
    assert main(["batch", str(src), "-o", str(tmp_path / "y.csv"), "--text-column", "body", "-q"]) == 2
    assert "the columns are: title, company, description" in capsys.readouterr().err
    assert main(["classify", postings["description"][3]]) == 0
    assert capsys.readouterr().out.startswith("PM")
    with pytest.raises(SystemExit):
        main(["batch", "--help"])
    assert "tpmclassify batch data/sample_postings.csv" in capsys.readouterr().out


def test_installed_script_runs(tmp_path, postings):
    exe = shutil.which("tpmclassify")
    if exe is None:
        pytest.skip("the tpmclassify script is not installed in this environment")
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    run = subprocess.run([exe, "batch", str(src), "-o", str(tmp_path / "o.csv"), "-q"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert len(pd.read_csv(tmp_path / "o.csv")) == len(postings)
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == f"tpmclassify {tpmclassify.__version__}"
    stdin = subprocess.run([exe, "classify", "-"], input=postings["description"][0], capture_output=True, text=True)
    assert stdin.returncode == 0 and stdin.stdout.startswith("TPM")
    bad = subprocess.run([exe, "classify", "   "], capture_output=True, text=True)
    assert bad.returncode == 2 and "empty" in bad.stderr and "Traceback" not in bad.stderr


def test_parquet_schema_comes_from_the_declared_kinds(tmp_path, postings):
    """A first chunk with no classifiable text, and a 0-row input, still give the declared column types."""
    pa = pytest.importorskip("pyarrow")
    frame = postings.drop(columns=["label"])
    frame.loc[:2, "description"] = None  # the whole first chunk: errors only
    src = tmp_path / "in.parquet"
    frame.to_parquet(src)
    classify_csv(src, tmp_path / "out.parquet", chunk_size=3)
    out = pd.read_parquet(tmp_path / "out.parquet")
    assert len(out) == len(frame) and (out["error"][:3] == "missing text").all() and out["label"][3] != ""
    empty = tmp_path / "empty.parquet"
    frame.iloc[:0].to_parquet(empty)
    classify_csv(empty, tmp_path / "empty_out.parquet")
    schema = pa.parquet.read_schema(tmp_path / "empty_out.parquet")
    assert schema.names == [*frame.columns, *OUTPUT_COLUMNS]
    assert [str(schema.field(c).type) for c in OUTPUT_COLUMNS] == (
        ["double"] * 3 + ["string", "bool"] + ["string"] * 3 + ["double", "bool", "string"]
    )


def test_parquet_written_from_a_filtered_frame_keeps_its_index_column(tmp_path, postings):
    from tpmclassify._cli import main

    src = tmp_path / "s.parquet"
    postings.drop(columns=["label"]).sample(6, random_state=1).to_parquet(src)  # pandas stores its index
    assert main(["batch", str(src), "-o", str(tmp_path / "o.parquet"), "-q"]) == 0
    out = pd.read_parquet(tmp_path / "o.parquet")
    assert len(out) == 6 and "__index_level_0__" in out.columns and (out["error"] == "").all()


def test_parquet_ids_kept_as_a_named_range_index_come_back_as_a_column(tmp_path, postings):
    """An export whose ids are a pandas index of evenly spaced whole numbers (``df.set_index("req_id")``) holds them
    in the file's metadata only: they were missing from the output. They come back as the first column, in every
    chunk; pandas' own row numbers (an unnamed index) are not added."""
    pytest.importorskip("pyarrow")
    frame = postings.drop(columns=["label"]).head(5)
    named, plain = tmp_path / "named.parquet", tmp_path / "plain.parquet"
    frame.assign(req_id=range(5, 25, 4)).set_index("req_id").to_parquet(named)
    frame.to_parquet(plain)
    for src in (named, plain):
        out = tmp_path / f"out_{src.name}"
        assert main(["batch", str(src), "-o", str(out), "-q", "--chunk-size", "2"]) == 0
        table = pd.read_parquet(out)
        assert len(table) == 5 and (table["error"] == "").all()
        if src is named:
            assert list(table.columns[:2]) == ["req_id", "title"] and table["req_id"].tolist() == [5, 9, 13, 17, 21]
            assert tpmclassify.read_table(src)["req_id"].tolist() == [5, 9, 13, 17, 21]
        else:
            assert list(table.columns[: len(frame.columns)]) == list(frame.columns)


@pytest.mark.parametrize(
    ("index_columns", "ids"),
    [
        ([{"kind": "range", "name": "req_id", "start": 7, "stop": 12}], [7, 8, 9, 10, 11]),  # (no step: 1)
        ([{"kind": "range", "name": "req_id", "start": 3, "step": 2}] * 2, [3, 5, 7, 9, 11]),  # (once)
        ([{"kind": "range", "name": "req_id", "start": "a", "step": 1}], None),
        ([{"kind": "range", "name": "req_id", "start": 2**63 - 2, "step": 1}], None),  # (past 64 bits)
        ([{"kind": "range", "name": "title", "start": 0, "step": 1}], None),  # (a stored column's name)
        (5, None),
        ([7, "x"], None),
    ],
)
def test_parquet_metadata_that_is_no_such_index_adds_no_column_and_breaks_nothing(
    tmp_path, postings, index_columns, ids
):
    """pandas' metadata of another shape made an internal error (a review): it adds no column, and the rows are read
    as ever."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    table = pa.Table.from_pandas(postings.drop(columns=["label"]).head(5), preserve_index=False)
    meta = {"index_columns": index_columns, "columns": []}
    src = tmp_path / "odd.parquet"
    pq.write_table(table.replace_schema_metadata({b"pandas": json.dumps(meta).encode()}), src)
    out = tmp_path / "out.parquet"
    assert main(["batch", str(src), "-o", str(out), "-q"]) == 0
    read = pd.read_parquet(out)
    assert len(read) == 5 and (read["error"] == "").all()
    assert (read["req_id"].tolist() if ids else "req_id" in read.columns) == (ids or False)


def _bigger(postings, copies=6):
    """The fixture postings several times over (distinct ids): enough chunks of 3 for workers to take some."""
    frames = [postings.drop(columns=["label"]).assign(copy=k) for k in range(copies)]
    return pd.concat(frames, ignore_index=True)


def _started_and_ready(monkeypatch):
    """Workers, once started (at the second chunk), are waited for until ready instead of scoring here meanwhile;
    returns the list of chunks given to workers (their sizes)."""
    from tpmclassify import _pool

    real_start, real_submit, sent = _pool.Pool.start, _pool.Pool.submit, []

    def start(self):
        real_start(self)
        end = time.monotonic() + 60
        while not all(w.ready.is_set() or w.lost for w in self._workers) and time.monotonic() < end:
            time.sleep(0.05)

    def submit(self, fn, args, seconds):
        task = real_submit(self, fn, args, seconds)
        if task is not None:
            sent.append(len(args[0]))
        return task

    monkeypatch.setattr(_pool.Pool, "start", start)
    monkeypatch.setattr(_pool.Pool, "submit", submit)
    return sent


def _within(seconds, job):
    """``job()``'s result, failing (not hanging) if it takes longer than ``seconds``."""
    out = []
    thread = threading.Thread(target=lambda: out.append(job()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still running after {seconds} s: hung"
    assert out, "it raised (see the thread's traceback above)"
    return out[0]


def test_chunks_sent_to_a_worker_come_back_in_order(tmp_path, postings, monkeypatch):
    """With --jobs 2 and a worker that has started, chunks go to it and to this process in turn; the output is the
    single-process output, byte for byte."""
    src = tmp_path / "in.csv"
    _bigger(postings).to_csv(src, index=False)
    classify_csv(src, tmp_path / "one.csv", chunk_size=3, title_column="title")
    sent = _started_and_ready(monkeypatch)
    classify_csv(src, tmp_path / "two.csv", chunk_size=3, jobs=2, title_column="title")
    assert len(sent) >= 2  # the worker took chunks (this process scored the first, and others)
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_a_chunk_whose_worker_stops_while_sending_is_scored_here_at_its_deadline(
    tmp_path, postings, monkeypatch, worker_fault, caplog
):
    """The tester's hang: a worker stopped (SIGSTOP) or killed halfway through sending a result back. Here it is
    stopped while sending its first chunk: the run ends at that chunk's deadline, with the single-process output
    byte for byte, a warning, and no worker left. (Killed workers, and every other phase: tests/test_pool.py.)"""
    from tpmclassify import _batch, _pool, _workers

    src = tmp_path / "in.csv"
    _bigger(postings).to_csv(src, index=False)
    classify_csv(src, tmp_path / "one.csv", chunk_size=3, title_column="title")
    sent = _started_and_ready(monkeypatch)
    worker_fault("sending", "stop")
    monkeypatch.setattr(_workers, "_CHUNK_SECONDS", 0.5)
    pools = []
    monkeypatch.setattr(_batch, "Pool", lambda *a, **k: pools.append(_pool.Pool(*a, **k)) or pools[-1])
    with caplog.at_level("WARNING", logger="tpmclassify"):
        summary = _within(
            60, lambda: classify_csv(src, tmp_path / "two.csv", chunk_size=3, jobs=2, title_column="title")
        )
    assert summary.rows == len(_bigger(postings)) and len(sent) >= 1
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert "no answer within 1 s (hung or stopped)" in caplog.text
    assert all(w.proc.returncode is not None for w in pools[0]._workers)


def test_at_the_end_of_the_file_chunks_a_slow_worker_has_not_started_are_scored_here(
    tmp_path, postings, monkeypatch, caplog, worker_prelude
):
    """Once the file is read, this process does not wait idle for the chunks a worker holds but has not started: it
    scores them itself (the worker's answers to them are not used). The output is the single-process output, byte for
    byte, and the worker is not given up on."""
    from tpmclassify import _batch, _pool

    src = tmp_path / "in.csv"
    _bigger(postings, copies=2).to_csv(src, index=False)  # 7 chunks: 3 go to the worker
    classify_csv(src, tmp_path / "one.csv", chunk_size=3, title_column="title")
    _started_and_ready(monkeypatch)
    real_submit, real_score = _pool.Pool.submit, _batch.score_texts
    # a worker that takes 0.5 s over each answer: this process reads and scores far faster
    slow = "import time\n_w = m._write\ndef _slow(pipe, message):\n    time.sleep(0.5)\n    _w(pipe, message)\n"
    worker_prelude(lambda k: slow + "m._write = _slow\n")
    given, here = [], []  # each chunk's list of texts (held: an id is never reused)

    def submit(self, fn, args, seconds):
        task = real_submit(self, fn, args, seconds)
        if task is not None:
            given.append(args[0])
        return task

    def score_texts(mdl, texts, *rest):
        here.append(texts)
        return real_score(mdl, texts, *rest)

    monkeypatch.setattr(_pool.Pool, "submit", submit)
    monkeypatch.setattr(_batch, "score_texts", score_texts)
    with caplog.at_level("WARNING", logger="tpmclassify"):
        summary = _within(
            60, lambda: classify_csv(src, tmp_path / "two.csv", chunk_size=3, jobs=2, title_column="title")
        )
    assert summary.rows == 20 and caplog.text == ""
    both = {id(t) for t in given} & {id(t) for t in here}
    assert len(both) == 2  # of the worker's three chunks at the end, the two behind the one it works on
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_a_chunk_s_deadline_counts_its_rows_and_the_characters_of_its_texts_and_titles():
    """A worker's deadline for a chunk (``chunk_seconds``): a base, so much a row, and so much per character of its
    texts and of its titles (values that are not text count no characters). Too short, healthy workers are killed;
    too long, a hung one holds up the run."""
    from tpmclassify._workers import _CHARS_PER_SECOND, _CHUNK_SECONDS, _ROW_SECONDS, chunk_seconds

    texts, titles, errors = ["a" * 500_000, None, float("nan"), "b" * 1_000], ["c" * 250_000, None, 3, ""], [""] * 4
    rows = _CHUNK_SECONDS + 4 * _ROW_SECONDS
    assert chunk_seconds((texts, titles, errors)) == pytest.approx(rows + 751_000 / _CHARS_PER_SECOND)
    assert chunk_seconds((texts, None, errors)) == pytest.approx(rows + 501_000 / _CHARS_PER_SECOND)
    assert chunk_seconds((["x" * 3_000] * 1_000, None, [""] * 1_000)) == pytest.approx(10 + 5 + 12)  # as documented


def test_a_worker_scores_a_chunk_as_this_process_does(small_model, postings, monkeypatch):
    """What a worker runs (``init_worker`` once, then ``worker_score`` for each chunk) gives the columns this process
    would: the texts, the titles and the read errors all reach the model. Run here: a chunk its worker fails is scored
    in this process, so a run's output does not tell."""
    from types import SimpleNamespace

    from tpmclassify import _workers
    from tpmclassify._rows import score_texts

    collector = []  # (the worker's collector settings, not this process's)
    fake_gc = SimpleNamespace(freeze=lambda: collector.append("frozen"), set_threshold=lambda *t: collector.append(t))
    monkeypatch.setattr(_workers, "gc", fake_gc)
    monkeypatch.setattr(_workers, "_WORKER_MODEL", None)
    _workers.init_worker(small_model)
    assert collector == ["frozen", _workers._SCORING_THRESHOLDS]
    texts, titles = postings["description"].tolist()[:3] + [None], ["Project Manager", None, "TPM", None]
    errors = ["", "", "", "invalid JSON: Expecting value"]
    answer = _workers.worker_score(texts, titles, errors)
    assert answer == score_texts(small_model, texts, titles, errors)
    assert answer["error"][3] == "invalid JSON: Expecting value" and answer["title_label"][0]


def test_a_file_of_one_chunk_starts_no_worker(tmp_path, postings, monkeypatch):
    from tpmclassify import _pool

    started = []
    monkeypatch.setattr(_pool.Pool, "start", lambda self: started.append(self))
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    classify_csv(src, tmp_path / "out.csv", jobs=2)  # 10 rows, one chunk
    assert started == []
    classify_csv(src, tmp_path / "out2.csv", jobs=2, chunk_size=4)  # three chunks
    assert len(started) == 1


def test_an_encoding_error_far_into_a_file_names_its_offset_and_line(tmp_path):
    """A reviewer's file: UTF-8 but for one cp1252 byte about 450 KB in, read with ``encoding="utf-8"``. The error
    gave "position 3875", a place in the reader's buffer, naming no row or line; it names the file's offset and
    line. (Gzipped: the offset in the file as decompressed.)"""
    rows = "".join(f'{i},"Own the project plan, schedule and budget for site {i}."\n' for i in range(9000))
    head = ("id,description\n" + rows).encode()
    data = head + b"9000,Caf\xe9 fit-out project\n" + rows.encode()
    for path in (tmp_path / "in.csv", tmp_path / "in.csv.gz"):
        path.write_bytes(gzip.compress(data) if path.suffix == ".gz" else data)
        with pytest.raises(BatchError) as caught:
            classify_csv(path, tmp_path / "out.csv", encoding="utf-8")
        assert f"byte 0xE9 at offset {len(head) + 8:,} of the file (on its line 9,002)" in str(caught.value)
    assert not (tmp_path / "out.csv").exists()


def test_an_encoding_the_file_is_not_in_is_a_clear_error_and_writes_nothing(messy_csv, tmp_path):
    path, _ = messy_csv  # cp1252, with bytes that are not UTF-8
    out = tmp_path / "out.csv"
    with pytest.raises(BatchError, match=r"cannot be read as utf-8: .*leave the encoding out to detect it"):
        classify_csv(path, out, encoding="utf-8")
    for codec in ("no-such-codec", "base64", "rot13", "utf-8+until-not"):  # codecs, not text encodings; the reader's
        with pytest.raises(BatchError, match=re.escape(f"unknown text encoding '{codec}'")):
            classify_csv(path, out, encoding=codec)
    with pytest.raises(BatchError, match="unknown text encoding"):  # an argument: said before the model is loaded
        classify_csv(path, out, encoding="nope", prior=7.0, model="not a model")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["messy.csv"]
    assert classify_csv(path, out, encoding="cp1252").rows == classify_csv(path, out, overwrite=True).rows


def test_a_utf8_export_with_a_few_cp1252_bytes_keeps_its_accents(tmp_path):
    """One cp1252 row in a UTF-8 file made the whole file read as cp1252: every accent of the others turned to
    mojibake ("cafÃ©"), silently. Such a file is read as UTF-8 with its stray bytes read as cp1252."""
    text = "Own the café fit-out programme: naïve résumé screening, budget – schedule – the client’s site reports."
    rows = [f'{i},"{text}"' for i in range(50)]
    for name in ("mixed.csv", "mixed.jsonl"):
        src = tmp_path / name
        if name.endswith(".csv"):
            body = ("id,description\n" + "\n".join(rows) + "\n").encode() + b'50,"Caf\xe9 \x96 the client\x92s site"\n'
        else:
            lines = [json.dumps({"id": i, "description": text}, ensure_ascii=False) for i in range(50)]
            stray = b'{"id": 50, "description": "Caf\xe9 \x96 the client\x92s site"}\n'
            body = ("\n".join(lines) + "\n").encode() + stray
        src.write_bytes(body)
        out = tmp_path / f"out.{name}"
        summary = classify_csv(src, out)
        assert summary.encoding == "utf-8+cp1252" and summary.rows == 51 and summary.errors == 0
        read = pd.read_csv(out, dtype=str) if name.endswith(".csv") else pd.read_json(out, lines=True, dtype=str)
        assert read["description"].tolist() == [text] * 50 + ["Café – the client’s site"]
    bom = tmp_path / "excel.csv"  # Excel's "CSV UTF-8" starts with a byte-order mark
    bom.write_bytes(codecs.BOM_UTF8 + (tmp_path / "mixed.csv").read_bytes())
    assert classify_csv(bom, tmp_path / "out_excel.csv").encoding == "utf-8+cp1252"
    read = pd.read_csv(tmp_path / "out_excel.csv", dtype=str)
    assert list(read.columns[:2]) == ["id", "description"]  # the mark is not part of the first column's name
    assert read["description"].iloc[-1] == "Café – the client’s site"
    cp1252 = tmp_path / "cp1252.csv"  # a file in cp1252 throughout is still read as cp1252
    cp1252.write_bytes(("id,description\n" + "\n".join(rows) + "\n").encode("cp1252"))
    assert classify_csv(cp1252, tmp_path / "out_cp1252.csv").encoding == "cp1252"
    french = tmp_path / "french.csv"  # cp1252 whose pairs "é\xa0»" and "É’" happen to read as UTF-8
    french.write_text("id,description\n" + "".join(f"{i},Poste « Qualité\u00a0» CAFÉ’S\n" for i in range(50)), "cp1252")
    assert classify_csv(french, tmp_path / "out_french.csv").encoding == "cp1252"
    assert pd.read_csv(tmp_path / "out_french.csv")["description"].iloc[0] == "Poste « Qualité\u00a0» CAFÉ’S"
    assert classify_csv(cp1252, tmp_path / "again.csv", encoding="utf-8+cp1252").rows == 50
    # a small export: a handful of curly quotes and dashes, one stray byte (under 5% of them before, read as cp1252)
    small = tmp_path / "small.csv"
    body = "id,description\n1,Own the client’s schedule – status – budget\n2,Vendors’ reports\n".encode()
    small.write_bytes(body + b"3,Caf\xe9 fit-out\n")
    assert classify_csv(small, tmp_path / "out_small.csv").encoding == "utf-8+cp1252"
    read = pd.read_csv(tmp_path / "out_small.csv", dtype=str)["description"].tolist()
    assert read == ["Own the client’s schedule – status – budget", "Vendors’ reports", "Café fit-out"]
    # what a spreadsheet exported comes back readable by it: UTF-8 after a byte-order mark (a CSV only)
    marked = [(tmp_path / n).read_bytes().startswith(codecs.BOM_UTF8) for n in sorted(os.listdir(tmp_path))]
    assert dict(zip(sorted(os.listdir(tmp_path)), marked, strict=True)) == {
        **dict.fromkeys(
            ["again.csv", "out.mixed.csv", "out_cp1252.csv", "out_excel.csv", "out_french.csv", "out_small.csv"], True
        ),
        **dict.fromkeys(
            ["cp1252.csv", "french.csv", "mixed.csv", "mixed.jsonl", "out.mixed.jsonl", "small.csv"], False
        ),
        "excel.csv": True,  # (the input Excel wrote)
    }
    assert b"\xef\xbb\xbf" not in (tmp_path / "out.mixed.csv").read_bytes()[3:]  # once, before the header


def test_a_file_found_not_utf8_past_its_first_chunks_comes_out_as_if_its_encoding_were_named(
    tmp_path, caplog, monkeypatch
):
    """A file without a byte-order mark is read as UTF-8 as it goes, not decoded whole first (one pass over it, not
    two). One that turns out otherwise past its first chunks comes out byte for byte as with its encoding named, and
    says it: UTF-8 with a stray cp1252 byte (read on as UTF-8+cp1252; the byte-order mark a spreadsheet's file gets is
    put before the rows already written, in a CSV and in a gzip one), ASCII then cp1252 (read on as cp1252), and UTF-8
    then cp1252 (its UTF-8 rows, of characters other than the commonest, read otherwise in cp1252: read again)."""
    from tpmclassify import _writer
    from tpmclassify._encodings import MIXED
    from tpmclassify._io import Reread, read_chunks

    monkeypatch.setattr(_writer, "_BLOCK", 1000)  # the output moved in blocks of 1,000 bytes, as a big one is in MiBs
    utf8 = "".join(f"{i},Own the café fit-out: naïve résumé screening.\n" for i in range(300)).encode()
    # (Cyrillic: pairs of bytes such as cp1252 text may hold, so many stray bytes beside them make the file cp1252)
    cyrillic = "".join(f"{i},Own the fit-out for Жукова: budget, schedule.\n" for i in range(300)).encode()
    plain = "".join(f"{i},Own the office fit-out: budget, schedule.\n" for i in range(300)).encode()
    cp1252 = "".join(f"{i},Café – the client’s site\n" for i in range(300, 600)).encode("cp1252")
    files = {  # name: bytes, the encoding found, whether rows are read again
        "stray.csv": (utf8 + b"300,Caf\xe9 \x96 the client\x92s site\n", MIXED, False),
        "last.csv": (utf8 + b"300,Caf\xe9", MIXED, False),  # the file's last byte, which could begin a character
        "plain.csv": (plain + cp1252, "cp1252", False),
        "accents.csv": (cyrillic + cp1252, "cp1252", True),  # (900 stray bytes beside 3,600 of UTF-8: cp1252)
        "stray.jsonl": (
            b"".join(json.dumps({"id": i, "text": "café"}, ensure_ascii=False).encode() + b"\n" for i in range(900))
            + b'{"id": 900, "text": "Caf\xe9"}\n',
            MIXED,
            False,
        ),
    }
    for name, (body, found, again) in files.items():
        src = tmp_path / name
        src.write_bytes(("id,text\n" if name.endswith(".csv") else "").encode() + body)
        _, chunks = read_chunks(src, 50, as_read=True)
        if again:
            with pytest.raises(Reread, match="to be read again as cp1252"):
                list(chunks)
        else:  # read on: the first chunks as UTF-8, the last in the encoding found
            said = [c.encoding for c in chunks]
            assert said[0] == "utf-8" and said[-1] == found, name
        suffixes = (".csv", ".csv.gz") if name.endswith(".csv") else (".jsonl",)
        for suffix in suffixes:
            out, named = tmp_path / f"out_{name}{suffix}", tmp_path / f"named_{name}{suffix}"
            caplog.clear()
            with caplog.at_level("INFO", logger="tpmclassify"):
                summary = classify_csv(src, out, chunk_size=50, text_column="text")
            assert summary.encoding == found and summary.rows == len(body.splitlines()), name
            assert f"input is not UTF-8: read it as {found}" in caplog.text
            assert ("reading it again" in caplog.text) == again, name
            classify_csv(src, named, chunk_size=50, text_column="text", encoding=found)
            read = gzip.decompress if suffix.endswith(".gz") else bytes
            assert read(out.read_bytes()) == read(named.read_bytes()), (name, suffix)
            assert read(out.read_bytes()).startswith(codecs.BOM_UTF8) == suffix.startswith(".csv"), (name, suffix)
    caplog.clear()  # read again, a text column picked is said once, as it is picked once
    with caplog.at_level("INFO", logger="tpmclassify"):
        assert classify_csv(tmp_path / "accents.csv", tmp_path / "picked.csv", chunk_size=50).encoding == "cp1252"
    assert caplog.text.count("text column: text") == 1 and "reading it again" in caplog.text
    # a header past ASCII is read in the file's encoding from the start: columns are named as the file reads
    src = tmp_path / "header.csv"
    src.write_bytes("id,Descripción\n".encode() + cyrillic + cp1252)
    summary = classify_csv(src, tmp_path / "header_out.csv", chunk_size=50, text_column="Descripci\u00c3\u00b3n")
    assert summary.encoding == "cp1252" and summary.rows == 600


def test_a_mixed_file_reads_its_stray_bytes_wherever_they_fall(tmp_path):
    """Stray cp1252 bytes past the first 8 KB (the first block a text file reads), a cp1252 accent that starts a
    UTF-8 sequence and a curly quote that goes on with it ("é’" is one undecodable run of two bytes), and one as the
    file's very last byte with no line end after it; and a JSON-lines file with a byte-order mark, whose first line
    was read as its text (from mutation testing of _encodings: the decoder's later blocks, its end, and the mark of
    a mixed file were never reached)."""
    from tpmclassify._encodings import MIXED, detect_encoding

    text = "Own the café fit-out programme: naïve résumé screening."
    head = "id,description\n" + "".join(f"{i},{text}\n" for i in range(200))  # 12 KB
    src = tmp_path / "mixed.csv"
    src.write_bytes(head.encode() + b"200,Caf\xe9\x92s site \x96 budget\n201,Caf\xe9")
    assert detect_encoding(src) == MIXED
    table = tpmclassify.read_table(src)
    assert table["description"].tolist() == [text] * 200 + ["Café’s site – budget", "Café"]
    jsonl = tmp_path / "mixed.jsonl"
    lines = [json.dumps({"id": i, "description": text}, ensure_ascii=False) for i in range(20)]
    stray = b'{"id": 20, "description": "Caf\xe9\x92s site"}\n'
    jsonl.write_bytes(codecs.BOM_UTF8 + ("\n".join(lines) + "\n").encode() + stray)
    assert detect_encoding(jsonl) == MIXED
    assert tpmclassify.read_table(jsonl)["description"].tolist() == [text] * 20 + ["Café’s site"]


def test_the_mixed_codec_reads_the_same_whole_or_a_byte_at_a_time():
    """``utf-8+cp1252`` is a codec any Python reader can name (what a batch summary reports as the input's
    encoding): decoded whole, a byte at a time, in blocks, or read again after a seek to the start, a text comes out
    the same, its leading byte-order mark dropped and a later one kept (a second file appended); a block's text
    comes out as soon as it is read, a text of one or two bytes is read, and text written in it is UTF-8."""
    from tpmclassify._encodings import MIXED

    data = codecs.BOM_UTF8 + "Café, naïve\n".encode() + b"Caf\xe9\x92s \x96 " + codecs.BOM_UTF8 + b"fin\xe9"
    expected = "Café, naïve\nCafé’s – \ufefffiné"
    assert data.decode(MIXED) == expected
    decoder = codecs.getincrementaldecoder(MIXED)()
    assert "".join(decoder.decode(data[i : i + 1]) for i in range(len(data))) + decoder.decode(b"", True) == expected
    decoder = codecs.getincrementaldecoder(MIXED)()
    assert decoder.decode(data[:10]) == "Café, "  # (streamed: not held back until the end)
    assert decoder.decode(data[10:]) + decoder.decode(b"", final=True) == expected[6:]
    for short in (b"", b"a", b"ab", b"\xef\xbb"):
        assert short.decode(MIXED) == short.decode("cp1252"), short
    with io.TextIOWrapper(io.BytesIO(data), encoding=MIXED) as f:
        assert f.read() == expected
        f.seek(0)
        assert f.read() == expected
    assert expected.encode(MIXED) == expected.encode("utf-8")
    written = io.BytesIO()
    with io.TextIOWrapper(written, encoding=MIXED) as f:
        f.write(expected)
        f.flush()
        assert written.getvalue() == expected.encode("utf-8")


def test_a_file_is_read_as_mixed_only_under_one_stray_byte_in_twenty_of_its_utf8_ones(tmp_path):
    """The bound of :data:`MIXED` for characters cp1252 text may hold as pairs of bytes, counted by hand: 200
    two-byte UTF-8 characters ("ж", 400 bytes) beside 19 stray bytes are a mixed file, beside 20 (exactly 5%) cp1252;
    with 199 characters (398 bytes, 19.9 at 5%), 19 are still few. Then files past one 1 MiB block: the bytes of
    every block are counted, not the last block's alone. The commonest characters ("é", "’") are UTF-8 however many
    stray bytes there are, unless the others are more."""
    from tpmclassify._encodings import MIXED, detect_encoding

    src = tmp_path / "t.csv"
    for chars, stray, expected in ((200, 19, MIXED), (200, 20, "cp1252"), (199, 19, MIXED), (199, 20, "cp1252")):
        src.write_bytes(("ж" * chars + "\n").encode() + b"\x96 " * stray)
        assert detect_encoding(src) == expected, (chars, stray)
    ascii_mib = b"x" * (1 << 20)
    src.write_bytes(("ж" * 1000).encode() + ascii_mib + b"\x96")  # one stray byte, in the last block
    assert detect_encoding(src) == MIXED
    src.write_bytes(("ж" * 1000).encode() + b"\x96" * 100 + ascii_mib)  # 5% stray, all in the first block
    assert detect_encoding(src) == "cp1252"
    for text, stray, expected in (
        ("é’", 1, MIXED),
        ("é’", 2, "cp1252"),  # (no more of them than stray bytes)
        ("\u00a0" * 2, 1, MIXED),  # a no-break space (C2 A0)
        ("\u0085" * 3, 1, "cp1252"),  # a control code (C2 85): not a common character, 1 stray byte in 6
        ("é’" + "ж" * 2, 1, MIXED),
        ("é’" + "ж" * 3, 1, "cp1252"),  # (fewer than half of the UTF-8 characters common)
    ):
        src.write_bytes(text.encode() + b"\n" + b"\x96 " * stray)
        assert detect_encoding(src) == expected, (text, stray)
    # cp1252 with "Ã" before a no-break space and a curly quote (pairs that read as UTF-8 "à", "Ô"), a review's file
    src.write_bytes(b"VAGA AMANH\xc3\xa0\x96 \x93ALEM\xc3\x94\n")
    assert detect_encoding(src) == "cp1252"
    assert src.read_text("cp1252") == "VAGA AMANHÃ\u00a0– “ALEMÃ”\n"


def test_a_utf32_file_with_its_byte_order_mark_is_read_as_utf32(tmp_path, postings):
    """It was read as UTF-16 (its mark starts with UTF-16's): every other character a NUL, the header refused."""
    frame = postings.drop(columns=["label"])
    for order in ("utf-32", "utf-32-be"):
        src = tmp_path / f"{order}.csv"
        data = frame.to_csv(index=False).encode(order)
        src.write_bytes(data if order == "utf-32" else codecs.BOM_UTF32_BE + data)
        summary = classify_csv(src, tmp_path / f"{order}.out.csv")
        assert summary.encoding == "utf-32" and summary.rows == len(frame) and summary.errors == 0
        out = pd.read_csv(tmp_path / f"{order}.out.csv")
        assert out["label"].tolist() == classify_frame(frame)["label"].tolist()


def test_an_output_under_a_file_says_so(tmp_path, postings):
    """It said "output folder does not exist" of a folder that is a file."""
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    (tmp_path / "afile").write_text("mine")
    with pytest.raises(BatchError, match="^the output's folder .*afile is a file$"):
        classify_csv(src, tmp_path / "afile" / "out.csv")
    with pytest.raises(BatchError, match="^output folder does not exist: .*nodir$"):
        classify_csv(src, tmp_path / "nodir" / "out.csv")
    assert (tmp_path / "afile").read_text() == "mine"
    # the audit's page and flags said it in other words ("cannot write ... No such file or directory")
    for page, flags in ((tmp_path / "nodir" / "a.html", None), (tmp_path / "a.html", tmp_path / "nodir" / "f.csv")):
        with pytest.raises(BatchError, match="^output folder does not exist: .*nodir$"):
            tpmclassify.audit(src, page, flags_csv=flags)
    with pytest.raises(BatchError, match="^the output's folder .*afile is a file$"):
        tpmclassify.audit(src, tmp_path / "afile" / "a.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "in.csv"]


def test_batch_reads_its_input_in_the_encoding_named(tmp_path, postings):
    """--encoding reaches batch: UTF-16 without a byte-order mark, which detection cannot tell, is read as named and
    classified as the same rows in UTF-8 are (the option was dropped and nothing failed)."""
    postings.drop(columns=["label"]).to_csv(tmp_path / "in.csv", index=False)
    (tmp_path / "in16.csv").write_bytes((tmp_path / "in.csv").read_text(encoding="utf-8").encode("utf-16-le"))
    assert main(["batch", str(tmp_path / "in.csv"), "-o", str(tmp_path / "out8.csv"), "-q"]) == 0
    run = ["batch", str(tmp_path / "in16.csv"), "-o", str(tmp_path / "out16.csv"), "-q", "--encoding", "utf-16-le"]
    assert main(run) == 0
    assert pd.read_csv(tmp_path / "out16.csv").equals(pd.read_csv(tmp_path / "out8.csv"))


def test_batch_starts_early_as_many_workers_as_the_other_cores_run_and_none_for_a_small_file(tmp_path, monkeypatch):
    """How many workers ``batch`` starts before it loads anything: ``--jobs`` - 1, no more than the other cores (at
    least one), for a file of at least two chunks' worth of bytes; none for a smaller file or one that is not there.
    Found by mutating the command line (its bounds and the cores' count were not tested)."""
    import contextlib
    from types import SimpleNamespace

    from tpmclassify import _batch, _cli_commands, _pool

    started = []
    monkeypatch.setattr(_pool, "early_workers", lambda n, module: started.append(n) or contextlib.nullcontext())
    monkeypatch.setattr(_batch, "classify_csv", lambda *a, **k: SimpleNamespace(rows=0, errors=0))
    monkeypatch.setattr(_cli_commands, "_model", lambda *a: None)
    monkeypatch.setattr(_cli_commands, "_ROW_BYTES", 100)
    src = tmp_path / "in.csv"
    src.write_bytes(b"x" * 600)  # two chunks of 3 rows of 100 bytes, exactly
    most = min(MAX_JOBS - 1, 7)
    for cpus, jobs, chunk, early in (
        (8, 3, 3, 2), (4, 4, 3, 3), (2, 4, 3, 1), (None, 3, 3, 1), (8, 1, 3, 0), (8, 3, 1, 2), (8, MAX_JOBS, 3, most)
    ):  # fmt: skip
        monkeypatch.setattr(os, "cpu_count", lambda cpus=cpus: cpus)
        started.clear()
        run = ["batch", str(src), "-o", str(tmp_path / "out.csv"), "--chunk-size", str(chunk), "--jobs", str(jobs)]
        assert main(run) == 0
        assert started == [early], (cpus, jobs, chunk)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    src.write_bytes(b"x" * 599)
    for path in (src, tmp_path / "missing.csv"):
        started.clear()
        assert main(["batch", str(path), "-o", str(tmp_path / "out.csv"), "--chunk-size", "3", "--jobs", "3"]) == 0
        assert started == [0], path


def test_the_command_line_starts_its_workers_before_it_loads_the_model(tmp_path, postings, monkeypatch):
    """A worker imports scikit-learn for about a second: ``batch --jobs 2`` on a file of more than one chunk starts it
    before this process loads anything, and the run takes it (no second process); a small file starts none early.
    The output is the single-process output, byte for byte."""
    from tpmclassify import _batch, _cli_commands, _pool
    from tpmclassify._pool import Pool

    events = []
    real_spawn, real_model, real_read, real_start = _pool._spawn, _cli_commands._model, _batch.read_chunks, Pool.start
    procs = []

    def spawn(module):
        events.append(("spawn", module))
        procs.append(real_spawn(module))
        return procs[-1]

    monkeypatch.setattr(_pool, "_spawn", spawn)
    monkeypatch.setattr(_cli_commands, "_model", lambda *a: events.append(("model", None)) or real_model(*a))
    monkeypatch.setattr(_batch, "read_chunks", lambda *a, **k: events.append(("read", None)) or real_read(*a, **k))
    monkeypatch.setattr(Pool, "start", lambda self: events.append(("start", None)) or real_start(self))
    src = tmp_path / "in.csv"
    _bigger(postings).to_csv(src, index=False)
    args = [str(src), "--chunk-size", "3", "--title-column", "title", "-q"]
    assert main(["batch", *args, "-o", str(tmp_path / "one.csv")]) == 0
    monkeypatch.setattr(_cli_commands, "_ROW_BYTES", src.stat().st_size // 6)  # two chunks of 3 rows: the file's size
    events.clear()
    assert main(["batch", *args, "-o", str(tmp_path / "two.csv"), "--jobs", "2"]) == 0
    # the worker is sent the model before the file is read (its encoding found: a whole pass over it)
    spawn = ("spawn", "tpmclassify._workers")
    assert events == [spawn, ("model", None), ("start", None), ("read", None), ("start", None)]
    assert (tmp_path / "two.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()
    assert all(p.poll() is not None for p in procs)  # no worker left
    monkeypatch.setattr(_cli_commands, "_ROW_BYTES", src.stat().st_size // 6 + 1)
    events.clear()
    assert main(["batch", *args, "-o", str(tmp_path / "three.csv"), "--jobs", "2"]) == 0
    assert events == [("model", None), ("read", None), ("start", None), spawn]
    assert all(p.poll() is not None for p in procs)
    assert (tmp_path / "three.csv").read_bytes() == (tmp_path / "one.csv").read_bytes()


def test_an_output_that_is_a_folder_is_named_as_one(tmp_path, postings, capsys):
    """`-o results` (a folder) was refused as "results: unsupported file type"."""
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    (tmp_path / "results").mkdir()
    assert main(["batch", str(src), "-o", str(tmp_path / "results")]) == 2
    assert f"the output {tmp_path / 'results'} is a folder: name a file in it" in capsys.readouterr().err


def test_the_text_column_is_not_also_the_title_column(tmp_path, postings, capsys):
    """Given the same column for both, the whole posting was read as its own title (a newcomer's slip)."""
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False)
    args = ["--text-column", "description", "--title-column", "description"]
    assert main(["batch", str(src), "-o", str(tmp_path / "out.csv"), *args]) == 2
    assert (
        "--title-column names the text column 'description'; name another column (for it, or for the text with "
        "--text-column: one may be a default)" in capsys.readouterr().err
    )
    assert not (tmp_path / "out.csv").exists()
    with pytest.raises(tpmclassify.ColumnError, match="title_column=... names the text column 'description'"):
        classify_frame(postings, title_column="description")


def test_only_a_detected_encoding_is_announced(tmp_path, postings, caplog):
    """ "input is not UTF-8: read it as utf-16" was said of an encoding the user had named."""
    src = tmp_path / "in.csv"
    postings.drop(columns=["label"]).to_csv(src, index=False, encoding="utf-16")
    with caplog.at_level("INFO", logger="tpmclassify"):
        classify_csv(src, tmp_path / "a.csv")
        assert "input is not UTF-8: read it as utf-16" in caplog.text
        caplog.clear()
        classify_csv(src, tmp_path / "b.csv", encoding="utf-16")
        assert "not UTF-8" not in caplog.text
        for name, encoding in (("utf8.csv", "utf-8"), ("marked.csv", "utf-8-sig")):  # nothing to say of UTF-8
            postings.drop(columns=["label"]).to_csv(tmp_path / name, index=False, encoding=encoding)
            classify_csv(tmp_path / name, tmp_path / f"out_{name}")
        assert "not UTF-8" not in caplog.text


def test_the_summary_line_names_each_label_and_the_share_assumed():
    """What ``tpmclassify batch`` prints at the end, whole: labels in order with their counts (or "no labels"), the
    TPM share the probabilities are for, and with --prior auto how many rows it was estimated from (from mutation
    testing of _batch: only "rows" and "rows/s" were ever looked at)."""
    from collections import Counter

    summary = tpmclassify.BatchSummary(
        output="o.csv", rows=4, errors=1, labels=Counter(tpm=2, pm=1), needs_review=1, prior=0.25, prior_rows=40
    )
    assert str(summary) == (
        "4 rows -> o.csv (pm 1, tpm 2, 1 of them needing review; 1 error) in 0.0 s, 0 rows/s; "
        "TPM share assumed 0.250 (estimated from 40 in-scope rows)"
    )
    summary.prior_rows = None  # a share given, or the model's own
    assert str(summary).endswith("rows/s; TPM share assumed 0.250")
    assert str(tpmclassify.BatchSummary(output="o.csv", rows=1, errors=2)).startswith("1 row -> o.csv (no labels, 0 of")
    assert "; 2 errors) in" in str(tpmclassify.BatchSummary(output="o.csv", rows=1, errors=2))
    one = tpmclassify.BatchSummary(output="o.csv", prior=0.25, prior_rows=1)
    assert str(one).endswith("(estimated from 1 in-scope row)")
    assert str(tpmclassify.BatchSummary(output="o.csv")) == (
        "0 rows -> o.csv (no labels, 0 of them needing review; 0 errors) in 0.0 s, 0 rows/s"
    )
    flagged = tpmclassify.BatchSummary(output="o.csv", rows=3, labels=Counter(pm=3), title_mismatches=2)
    assert "(pm 3, 0 of them needing review, 2 flagged as mis-titled; 0 errors)" in str(flagged)


def test_jsonl_bad_lines_keep_their_text_and_error_in_every_chunk(tmp_path, postings):
    """Read two lines at a time, a chunk of nothing but bad lines (no key at all), bad lines in later chunks and the
    good ones around them each come back in place, with their own error and their line as it was (trailing blanks,
    a final "X", a NUL kept); a line is JSON only between JSON's own blanks; a blank line's record holds only the
    added text fields, a good one its probabilities (from mutation testing of _io and _writer)."""
    good = [json.dumps({"id": i, "description": postings["description"][i]}) for i in (0, 3)]
    nested = '{"a": ' * 100_000 + "1" + "}" * 100_000
    lines = [
        "{oops X",  # 0: a chunk of two lines with no key between them
        "",
        good[0],  # 2
        '{"description": "Own the roadmap", "id": 3, "id": 4}',  # 3: the repeated key is not the first
        "not json \t",  # 4
        good[1] + "\u3000",  # 5: an ideographic space is not JSON's
        'X{"description": "Own the roadmap"}X',  # 6
        '{"description": "Own the\x00 roadmap"}',  # 7: a NUL in a string is not JSON
        nested,  # 8
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = classify_csv(src, out, chunk_size=2, text_column="description")  # (named: no key in the first chunk)
    recs = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert summary.rows == len(recs) == len(lines) and summary.errors == len(lines) - 1
    errors = [r["error"] for r in recs]
    assert errors[1:5] == ["blank line", "", "key 'id' appears more than once in the line; keep one", errors[4]]
    assert all(errors[i].startswith("invalid JSON: ") for i in (0, 4, 5, 6, 7))
    assert errors[8] == "invalid JSON: nested too deeply to read"
    unread = [r.get("unread_line") for r in recs]
    assert unread[:8] == ["{oops X", None, None, lines[3], "not json \t", lines[5], lines[6], lines[7]]
    assert recs[1] == {"label": "", "reasons": "", "title_label": "", "content_label": "", "error": "blank line"}
    assert recs[2]["id"] == 0 and recs[2]["label"] == "tpm"
    no_title = {"content_tpm_probability", "title_mismatch"}  # (missing values are left out: no title column)
    assert set(recs[2]) == {"id", "description", *OUTPUT_COLUMNS} - no_title
    assert all(isinstance(recs[2][k], float) for k in ("tpm_probability", "pm_probability", "in_scope"))


def test_a_parquet_file_of_one_row_group_is_not_held_whole_while_read_in_chunks(tmp_path):
    """A batch user's review: a 355 MB Parquet file of one row group (as many writers make) peaked at 862 MB, twice
    the same rows as CSV, as pyarrow fetched each column chunk whole before reading it. Measured as the most memory
    Arrow held (its pool's peak, in a process of its own) while 17 MB of text that does not compress is read 100 rows
    at a time: 35 MB before, 18 MB now."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    src = tmp_path / "in.parquet"
    pq.write_table(pa.table({"description": [os.urandom(3000).hex() for _ in range(3000)]}), src, row_group_size=10**6)
    assert pq.ParquetFile(src).metadata.num_row_groups == 1
    script = (
        "import sys, pyarrow as pa; from pathlib import Path; from tpmclassify._io import read_chunks; "
        "rows = sum(len(c.frame) for c in read_chunks(Path(sys.argv[1]), 100)[1]); "
        "print(rows, pa.default_memory_pool().max_memory())"
    )
    run = subprocess.run([sys.executable, "-c", script, str(src)], capture_output=True, text=True, check=True)
    rows, peak = run.stdout.split()
    assert int(rows) == 3000 and int(peak) < 1.4 * src.stat().st_size


def test_jsonl_and_parquet_chunks_hold_chunk_size_rows_and_an_empty_file_one_empty_chunk(tmp_path):
    """``chunk_size`` rows a chunk, every row counted (a chunk of bad lines too), and no empty chunk after a full
    one: a file of one chunk is one chunk, so a run with --jobs starts no worker for it. An empty file is one empty
    chunk, read as a table of no rows; an empty Parquet file keeps its schema (from mutation testing of _io)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    from tpmclassify._io import read_chunks

    src = tmp_path / "in.jsonl"
    for lines, sizes in ((["{}", "", "x", "{}"], [2, 2]), (["x", "{}", "{}", "{}", "{}"], [2, 2, 1])):
        src.write_text("\n".join(lines) + "\n", encoding="utf-8")
        chunks = list(read_chunks(src, 2)[1])
        assert [len(c.frame) for c in chunks] == [len(c.errors) for c in chunks] == sizes
    src.write_text("")
    assert [len(c.frame) for c in read_chunks(src, 2)[1]] == [0]
    assert tpmclassify.read_table(src).shape == (0, 0)
    table = pa.table({"id": pa.array([1, 2, 3], pa.int64()), "description": ["a", "b", "c"]})
    pq.write_table(table, tmp_path / "in.parquet")
    assert [len(c.frame) for c in read_chunks(tmp_path / "in.parquet", 3)[1]] == [3]
    pq.write_table(table.slice(0, 0), tmp_path / "empty.parquet")
    (chunk,) = read_chunks(tmp_path / "empty.parquet", 3)[1]
    assert chunk.errors == [] and chunk.schema == table.schema
    assert tpmclassify.read_table(tmp_path / "empty.parquet").shape == (0, 2)
    classify_csv(tmp_path / "empty.parquet", tmp_path / "out.parquet")
    written = pq.read_schema(tmp_path / "out.parquet")
    assert [written.field(c).type for c in ("id", "description")] == [pa.int64(), pa.string()]


def test_a_table_past_one_chunk_is_read_whole_and_a_bad_row_is_named_by_its_line(tmp_path):
    """A table is read 10,000 rows at a time: one of two or three chunks comes back whole and in order (no test read
    more than one chunk), and a bad line in its third chunk is named by its own number (from mutation testing of
    _io)."""
    src = tmp_path / "big.jsonl"
    lines = [json.dumps({"id": i, "description": "x"}) for i in range(20_002)]
    for n in (10_002, 20_002):  # two chunks, three
        src.write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")
        assert tpmclassify.read_table(src)["id"].tolist() == list(range(n))
    lines[20_000] = "{oops"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(BatchError, match=r"big\.jsonl: line 20001 cannot be read: invalid JSON"):
        tpmclassify.read_table(src)


def test_a_table_is_read_in_the_encoding_named_and_a_folder_is_said_to_be_unreadable(tmp_path):
    """The encoding named is the one a table is read in (a Latin-9 euro sign reads as "¤" in the one detected,
    cp1252; no test named one). A folder named like a table cannot be read, and says what it is; so does a file that
    is not Parquet (from mutation testing of _io)."""
    src = tmp_path / "t.csv"
    src.write_bytes("id,description\n1,Budget: 5 000 €\n".encode("iso-8859-15"))
    assert tpmclassify.read_table(src)["description"].tolist() == ["Budget: 5 000 ¤"]
    assert tpmclassify.read_table(src, encoding="iso-8859-15")["description"].tolist() == ["Budget: 5 000 €"]
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(BatchError, match=r"^input is a folder, not a file: .*d\.csv$"):  # (as the batch says it)
        tpmclassify.read_table(tmp_path / "d.csv")
    (tmp_path / "x.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(BatchError, match=r"^.*x\.parquet is not a readable Parquet file: "):
        tpmclassify.read_table(tmp_path / "x.parquet")


def test_parquet_without_pyarrow_says_which_extra_to_install(tmp_path, monkeypatch):
    import sys

    pytest.importorskip("pyarrow")
    (tmp_path / "x.parquet").write_bytes(b"")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(BatchError, match=r"^reading Parquet needs pyarrow: pip install 'tpmclassify\[parquet\]'$"):
        tpmclassify.read_table(tmp_path / "x.parquet")


def test_rows_are_numbered_as_a_person_finds_them_in_each_format():
    """The numbering and the sentence the audit page prints under its flags: a Parquet file's records from 1 (the
    doctest checks CSV and JSON lines' first two values only; from mutation testing of _io)."""
    from tpmclassify._io import row_numbering

    assert row_numbering("a.csv.gz") == (
        2,
        "row",
        "Row numbers are those a spreadsheet shows when it opens the file: the header is row 1, so the first posting "
        "is row 2 (a posting with line breaks in it is still one row).",
    )
    assert row_numbering("a.ndjson") == (1, "line", "Line numbers are the file's lines: the first posting is line 1.")
    assert row_numbering("a.parquet") == (1, "row", "Row numbers count the file's records from 1.")
