"""The parser of the ``tpmclassify`` command line: its commands, their options and help text, and each command's
examples."""

from __future__ import annotations

import argparse

from ._cli_commands import cmd_audit, cmd_batch, cmd_classify, cmd_evaluate, cmd_train
from ._roles import HYBRID, LABEL_ALIASES, LABELS
from ._version import __version__

__all__ = ["make_parser"]

#: The --encoding option's help, for every command that reads a table file.
_ENCODING_HELP = (
    "input encoding (default: detect UTF-8, with BOM, UTF-16 or UTF-32 with BOM, utf-8+cp1252, cp1252, cp1252+latin-1)"
)

#: The --max-errors option's help, for batch and audit.
_MAX_ERRORS_HELP = (
    "exit with status 3 when more than N rows could not be classified (the output is written all the same: batch "
    "marks each such row in its error column, the audit counts them as errors in its table); without it the status is 0"
)


def _at_least_0(value: str) -> int:
    """A count of rows, 0 or more (argparse's ``type``)."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number of rows, got {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {n}")
    return n


#: Each command's examples, shown by its --help: every one runs as written in a clone of the repository, on the
#: files of its data/ folder (a test runs them all, in this order, in a copy of that folder).
_EXAMPLES = {
    "classify": """examples (from the repository's folder):
  tpmclassify classify data/posting.txt
  tpmclassify classify data/posting.txt --title "IT Project Manager & Analyst"   # does the content agree?
  cat data/posting.txt | tpmclassify classify -
  tpmclassify classify "Own the project budget, schedule and weekly status reports."  # a sentence: too short
""",
    "batch": """examples (from the repository's folder):
  tpmclassify batch data/sample_postings.csv -o sample_classified.csv --title-column title
  tpmclassify batch data/sample_postings.csv -o sample_prior.csv --prior 0.2 --jobs 2   # for a 20% TPM share
""",
    "audit": """example (from the repository's folder; writes audit.html and audit.flags.csv, the flagged rows):
  tpmclassify audit data/sample_postings.csv -o audit.html --id-column id --show-column company
""",
    "train": """example (from the repository's folder; labels from the job titles, as there is no label column):
  tpmclassify train data/sample_postings.csv --title-column title -o my_model.tpmc
(a real training set has hundreds of labeled rows: fourteen make a model for trying the commands, not for use)
""",
    "evaluate": """examples (from the repository's folder):
  tpmclassify evaluate data/sample_postings.csv --title-column title                       # the bundled model
  tpmclassify evaluate data/sample_postings.csv --title-column title --model my_model.tpmc  # after train's example
  tpmclassify evaluate data/sample_postings.csv --title-column title --cross-validate --folds 2  # the method
""",
}


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tpmclassify",
        description="Tell Technical Program Manager postings from Project Manager ones.",
        epilog="run 'tpmclassify COMMAND --help' for each command's options and an example",
    )
    parser.add_argument("--version", action="version", version=f"tpmclassify {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=help, description=help, epilog=_EXAMPLES[name], formatter_class=_Formatter)

    def model_opts(p: argparse.ArgumentParser) -> None:
        p.add_argument("--model", help="model file (default: the bundled model)")
        p.add_argument(
            "--sha256", help="refuse the model file (the bundled one without --model) unless it has this SHA-256"
        )

    p = add("classify", "Classify one posting and explain why.")
    p.add_argument(
        "text",
        help="posting text, a file holding it, or - for standard input "
        "(a file name that does not exist is an error, not a posting)",
    )
    p.add_argument("--title", help="the posting's job title: also say whether the content agrees with it")
    model_opts(p)
    p.set_defaults(func=cmd_classify)

    p = add("batch", "Classify every row of a CSV / .csv.gz / .jsonl / .parquet file.")
    p.add_argument(
        "input",
        help="file of postings: .csv, .csv.gz, .jsonl, .jsonl.gz, .ndjson, .ndjson.gz or "
        ".parquet (with --engine dask: a glob of them)",
    )
    p.add_argument("-o", "--output", required=True, help="output file, same format as the input")
    p.add_argument("--text-column", help="default: description, job_description or text")
    p.add_argument("--title-column", help="optional job title column, used as evidence")
    model_opts(p)
    p.add_argument(
        "--chunk-size",
        type=int,
        default=1000,
        help="rows read, scored and written at a time (memory stays bounded by a few chunks)",
    )
    p.add_argument(
        "--jobs", type=int, default=1, help="processes that score (this one and JOBS-1 workers; at most 4 per core)"
    )
    p.add_argument("--encoding", help=_ENCODING_HELP)
    p.add_argument("--prefix", default="", help="prefix for the added columns")
    p.add_argument(
        "--prior",
        help="TPM share among TPM and PM postings that the probabilities are for (default: the "
        "model's, see its card); 'auto' estimates this file's share first (reads it twice)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument("--max-errors", type=_at_least_0, metavar="N", help=_MAX_ERRORS_HELP)
    p.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="dask: INPUT is a glob, OUTPUT a folder, one output file per input file (needs pip install "
        "'tpmclassify[dask]'; e.g. tpmclassify batch 'postings/*.parquet' -o out/ --engine dask)",
    )
    p.add_argument("--scheduler", help="with --engine dask: address of a running scheduler (default: local)")
    p.set_defaults(func=cmd_batch)

    p = add(
        "audit",
        "Find mis-titled postings: what the title claims against what the text describes, as a "
        "self-contained HTML page to act on, and a CSV of the flagged rows (beside it unless --flags-csv says where).",
    )
    p.add_argument("input", help="postings: any file batch reads (CSV, .csv.gz, .jsonl, .parquet)")
    p.add_argument("-o", "--output", required=True, help="the HTML page to write")
    p.add_argument("--title-column", default="title", help="job title column")
    p.add_argument("--text-column", help="posting column (default: description, job_description or text)")
    p.add_argument(
        "--id-column",
        metavar="COLUMN",
        help="a column that identifies each posting (e.g. a requisition id): shown on every card, in the "
        "list of flagged rows and in the flags CSV",
    )
    p.add_argument(
        "--show-column",
        metavar="COLUMN",
        action="append",
        default=[],
        help="another column to show the same way (e.g. the company); repeat it for more",
    )
    p.add_argument(
        "--flags-csv",
        metavar="PATH",
        help="the CSV of flagged rows to write (default: beside the page, OUTPUT with .flags.csv)",
    )
    model_opts(p)
    p.add_argument("--chunk-size", type=int, default=1000, help="rows read and scored at a time")
    p.add_argument("--encoding", help=_ENCODING_HELP)
    p.add_argument("--prior", help="TPM share the probabilities are for, or 'auto' (as for batch)")
    p.add_argument(
        "--top",
        type=int,
        default=200,
        help="flagged postings shown on the page, most confident first, at most 1000 (all are counted and in the CSV)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing page or flags CSV")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument("--max-errors", type=_at_least_0, metavar="N", help=_MAX_ERRORS_HELP)
    p.set_defaults(func=cmd_audit)

    for name, help in (
        ("train", "Train a model on labeled postings and save it."),
        ("evaluate", "Evaluate a model on labeled postings."),
    ):
        p = add(name, help)
        p.add_argument("data", help="labeled postings (CSV, .csv.gz, .jsonl, .parquet)")
        p.add_argument("--text-column", default="description", help="column with the posting text")
        p.add_argument(
            "--label-column",
            default="label",
            help=f"column with the labels: {', '.join(list(LABELS)[:-1])} or {list(LABELS)[-1]} "
            f"({HYBRID}: a title used for either role, in scope but neither TPM nor PM; "
            f"{', '.join(LABEL_ALIASES)} counts as {HYBRID})",
        )
        p.add_argument(
            "--group-column",
            default="auto",
            help="source of each row (company or data set): each source weighs the same, folds leave "
            "whole sources out (a value name:detail, such as owner/repo:file.csv, is source name; 3 sources at "
            "least); 'auto' uses a 'source' column when there is one",
        )
        p.add_argument(
            "--title-column",
            help="derive labels from these job titles where there is no label column, or a label is blank",
        )
        if name == "train":
            p.add_argument("-o", "--output", required=True, help="model file to write (e.g. model.tpmc)")
            p.add_argument("--overwrite", action="store_true", help="replace an existing model file")
            p.add_argument(
                "--evaluate",
                action="store_true",
                help="also cross-validate (5 source-grouped folds, one per source if fewer; without sources 5 "
                "stratified ones); the figures go in the card",
            )
            p.set_defaults(func=cmd_train)
        else:
            model_opts(p)
            p.add_argument(
                "--cross-validate",
                action="store_true",
                help="evaluate the method, not a fitted model: refit the default settings (or those of "
                "--model) in source-grouped folds, with a progress bar",
            )
            p.add_argument(
                "--folds",
                type=int,
                help="with --cross-validate: number of source-grouped folds, 5 by default or one per source if "
                "fewer (0: leave one source out); without sources: stratified, at most the commonest label's rows",
            )
            p.add_argument("--markdown", action="store_true", help="print a Markdown table")
            p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
            p.set_defaults(func=cmd_evaluate)
    return parser


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples kept as written; each option's default shown, unless it has none (None or False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, argparse.SUPPRESS) or action.default == []:
            return action.help
        return super()._get_help_string(action)
