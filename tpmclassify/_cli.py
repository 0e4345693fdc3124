"""The ``tpmclassify`` command: classify, batch, audit, train, evaluate."""

from __future__ import annotations

import argparse
import logging
import os
import re
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import IO, TYPE_CHECKING, TextIO

from ._roles import HYBRID, LABELS
from ._version import __version__

if TYPE_CHECKING:
    import pandas as pd

    from ._model import TPMClassifier

__all__ = ["main"]

#: Each command's examples, shown by its --help: every one runs as written in a clone of the repository, on the
#: files of its data/ folder (a test runs them all, in this order, in a copy of that folder).
_EXAMPLES = {
    "classify": """examples (from the repository's folder):
  tpmclassify classify data/posting.txt
  tpmclassify classify data/posting.txt --title "IT Project Manager & Analyst"   # does the content agree?
  cat data/posting.txt | tpmclassify classify -
  tpmclassify classify "Own the project budget, schedule and weekly status reports for our clients."
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


def _model(path: str | None, sha256: str | None = None) -> TPMClassifier:
    from ._bundled import default_model
    from ._persist import load

    return default_model() if path is None else load(path, sha256=sha256)


#: An argument that is one word with a path separator or a file extension is taken for a file name.
_LOOKS_LIKE_PATH = re.compile(r"\S*[/\\]\S*|\S+\.[A-Za-z0-9]{1,5}")


def _read_text(arg: str) -> str:
    """The posting: standard input for ``-``, a file's text, or the argument itself (if it cannot be a file name).

    A file or standard input is read up to one character past the longest posting classified (``MAX_CHARS``): a
    longer one is refused without being held whole.
    """
    from ._errors import PostingError, input_not_found
    from ._text import MAX_CHARS

    def bounded(f: IO[str]) -> str:
        text = f.read(MAX_CHARS + 1)
        if len(text) > MAX_CHARS:
            raise PostingError(f"posting text has more than {MAX_CHARS:,} characters; the limit is {MAX_CHARS:,}")
        return text

    if arg == "-":
        return bounded(sys.stdin)
    from pathlib import Path

    try:
        is_file = Path(arg).is_file()
    except (OSError, ValueError):  # a posting text, too long or odd to be a path
        is_file = False
    if is_file:
        with open(arg, encoding="utf-8", errors="replace") as f:
            return bounded(f)
    if _LOOKS_LIKE_PATH.fullmatch(arg.strip()):
        raise input_not_found(
            arg, f"to classify text that looks like a file name, pipe it in: echo '{arg}' | tpmclassify classify -"
        )
    return arg


def _cmd_classify(args: argparse.Namespace) -> int:
    model = _model(args.model, args.sha256)
    print(model.classify(_read_text(args.text), args.title))
    return 0


def _cmd_batch(args: argparse.Namespace) -> int:
    from ._batch import BatchError, classify_csv

    quiet = args.quiet
    if args.engine == "dask":
        try:
            import dask  # noqa: F401
            import distributed  # noqa: F401
        except ImportError as err:
            raise BatchError(f"--engine dask needs the [dask] extra: pip install 'tpmclassify[dask]' ({err})") from None
        from ._rows import with_prior
        from .dask import classify_files

        if args.prior == "auto":
            raise BatchError("--prior auto is not available with --engine dask: give a share, e.g. --prior 0.3")
        summaries = classify_files(
            args.input,
            args.output,
            scheduler=args.scheduler,
            workers=args.jobs,
            model=with_prior(_model(args.model, args.sha256), args.prior, list)[0],
            text_column=args.text_column,
            title_column=args.title_column,
            chunk_size=args.chunk_size,
            overwrite=args.overwrite,
            encoding=args.encoding,
            prefix=args.prefix,
        )
        if not quiet:
            for summary in summaries:
                print(summary, file=sys.stderr)
        return 0

    model = _model(args.model, args.sha256)
    return _long_run(
        quiet,
        lambda: classify_csv(
            args.input,
            args.output,
            text_column=args.text_column,
            title_column=args.title_column,
            model=model,
            chunk_size=args.chunk_size,
            jobs=args.jobs,
            overwrite=args.overwrite,
            encoding=args.encoding,
            prefix=args.prefix,
            progress=not quiet and sys.stderr.isatty(),
            prior=args.prior,
        ),
    )


def _cmd_audit(args: argparse.Namespace) -> int:
    from ._audit import audit

    model = _model(args.model, args.sha256)
    return _long_run(
        args.quiet,
        lambda: audit(
            args.input,
            args.output,
            title_column=args.title_column,
            text_column=args.text_column,
            id_column=args.id_column,
            show_columns=args.show_column,
            flags_csv=args.flags_csv,
            model=model,
            chunk_size=args.chunk_size,
            encoding=args.encoding,
            prior=args.prior,
            top=args.top,
            overwrite=args.overwrite,
            progress=not args.quiet and sys.stderr.isatty(),
        ),
    )


def _long_run(quiet: bool, job: Callable[[], object]) -> int:
    """Run a command's job over a whole file (the cycle collector tuned for it, see ``collecting_less``), and say
    what it did unless ``quiet``."""
    from ._workers import collecting_less

    with collecting_less():
        summary = job()
    if not quiet:
        print(summary, file=sys.stderr)
    return 0


def _labeled(args: argparse.Namespace, out: TextIO) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, str]:
    """Read the labeled postings of ``train`` and ``evaluate``; say on ``out`` what will be used, and which rows
    the title rule leaves out (counted and named). Returns the file, its labeled rows, their labels and a note on
    the rows left out (empty if none)."""
    from ._api import labeled_rows
    from ._audit import row_numbering
    from ._errors import input_not_found
    from ._io import read_table

    if not os.path.isfile(args.data):
        raise input_not_found(args.data)
    frame = read_table(args.data)  # the reader batch uses: every format, one set of rules
    rows, labels = labeled_rows(frame, args.text_column, args.label_column, args.title_column)
    counts = ", ".join(f"{k} {v}" for k, v in labels.value_counts().items())
    source = (
        f"labels from the job titles in {args.title_column!r} (no {args.label_column!r} column)"
        if args.label_column not in frame.columns
        else f"labels from {args.label_column!r}"
    )
    print(f"{len(rows)} of {len(frame)} rows of {args.data}, {source}: {counts}", file=out)
    left = frame.index.difference(rows.index)
    if not len(left):
        return frame, rows, labels, ""
    first, word, _ = row_numbering(args.data)
    titles = frame.loc[left, args.title_column]
    named = [f"{word} {first + i}: {t!r}" for i, t in titles.head(10).items()]
    more = f" and {len(left) - len(named)} more" if len(left) > len(named) else ""
    note = (
        f"{len(left)} rows left out: the title rule gives their titles no label (name a label column with "
        f"--label-column to use them): {'; '.join(named)}{more}"
    )
    print(note, file=out)
    return frame, rows, labels, note


def _cmd_train(args: argparse.Namespace) -> int:
    from ._api import source_groups, train
    from ._atomic import OutputExistsError, check_writable
    from ._errors import InvalidValueError
    from ._persist import save

    try:  # the output is checked writable before training, so no work is wasted
        check_writable(args.output, args.overwrite)
    except OutputExistsError as err:  # a file, or a folder, in the way
        raise InvalidValueError(str(err)) from None
    except OSError as err:  # a read-only folder, a full disk
        raise InvalidValueError(f"cannot write the model to {args.output}: {err.strerror or err}") from None
    frame, rows, labels, note = _labeled(args, sys.stdout)
    model = train(
        frame,
        text_column=args.text_column,
        label_column=args.label_column,
        title_column=args.title_column,
        group_column=args.group_column,
        progress=sys.stderr.isatty(),
    )
    if note:
        model.metadata_["training_data"]["notes"] = note  # in the model card too
    digest = save(model, args.output)  # saved before anything else can fail: a trained model is never lost
    card = os.path.splitext(args.output)[0] + ".md"
    if args.evaluate:
        from ._card import metrics_text
        from ._evaluate import evaluate

        groups = source_groups(rows, args.group_column)
        # as `evaluate --cross-validate`: 5 folds (source-grouped, not one per company), one per source if fewer
        folds = 5 if groups is None or groups.nunique() > 5 else None
        how = (
            "5 stratified folds: no sources, optimistic when sources repeat boilerplate"
            if groups is None
            else "5 source-grouped folds"
            if folds
            else "one fold per source"
        )
        print(f"saved {args.output} and its model card {card}; evaluating it (the method, refitted in {how})")
        try:
            report = evaluate(
                model,
                rows.assign(**{args.label_column: labels}),
                text_column=args.text_column,
                label_column=args.label_column,
                groups=groups,
                folds=folds,
                progress=sys.stderr.isatty(),
            )
        except ValueError as err:  # too few postings of a label for the folds
            raise InvalidValueError(
                f"cannot cross-validate these rows ({err}); {args.output} is saved, without figures"
            ) from None
        print(f"Evaluation ({report.protocol})\n{metrics_text(report.metrics)}")
        digest = save(model, args.output, extra={"metrics": {f"Evaluation ({report.protocol})": report.metrics}})
        print(f"saved {args.output} again, with the evaluation in its model card {card}")
    else:
        print(f"saved {args.output} and its model card {card}")
    print(
        f"sha256 {digest}\n  the model file's fingerprint: publish it with the file, so that whoever uses it can "
        f"check it is this one:\n  tpmclassify classify data/posting.txt --model {args.output} --sha256 {digest}"
    )
    return 0


def _cmd_evaluate(args: argparse.Namespace) -> int:
    from sklearn.base import clone

    from ._api import source_groups
    from ._card import metrics_text
    from ._errors import InvalidValueError
    from ._evaluate import evaluate
    from ._model import TPMClassifier

    if args.folds is not None and not args.cross_validate:
        raise InvalidValueError("--folds goes with --cross-validate (without it, the model is scored as it is)")
    _, rows, labels, _ = _labeled(args, sys.stderr)
    rows = rows.assign(**{args.label_column: labels})
    groups = source_groups(rows, args.group_column)
    if args.cross_validate:  # the method, refitted in source-grouped folds
        model = TPMClassifier() if args.model is None else clone(_model(args.model, args.sha256))
        units = len(rows) if groups is None else groups.nunique()
        folds = 5 if args.folds is None else args.folds
        if folds != 0 and not 2 <= folds <= units:
            raise InvalidValueError(f"--folds must be 0 (one fold per source) or from 2 to {units}, got {folds}")
        folds = None if folds == 0 else folds
        if groups is None:
            print(
                f"note: no sources (no --group-column, no 'source' column): {folds or 5} stratified folds, not "
                "grouped by source; figures are optimistic when sources repeat boilerplate",
                file=sys.stderr,
            )
    else:  # this saved model, as it is
        model, folds = _model(args.model, args.sha256), None
    report = evaluate(
        model,
        rows,
        text_column=args.text_column,
        label_column=args.label_column,
        groups=None if groups is None else groups.tolist(),
        folds=folds,
        refit=args.cross_validate,
        progress=not args.quiet and sys.stderr.isatty(),
    )
    print(report.to_markdown() if args.markdown else f"Evaluation ({report.protocol})\n{metrics_text(report.metrics)}")
    return 0


def _parser() -> argparse.ArgumentParser:
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
        p.add_argument("--sha256", help="refuse the model file unless it has this SHA-256")

    p = add("classify", "Classify one posting and explain why.")
    p.add_argument(
        "text",
        help="posting text, a file holding it, or - for standard input "
        "(a file name that does not exist is an error, not a posting)",
    )
    p.add_argument("--title", help="the posting's job title: also say whether the content agrees with it")
    model_opts(p)
    p.set_defaults(func=_cmd_classify)

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
    p.add_argument("--jobs", type=int, default=1, help="processes that score (this one and JOBS-1 workers)")
    p.add_argument("--encoding", help="input encoding (default: detect UTF-8, UTF-8 with BOM, cp1252, latin-1)")
    p.add_argument("--prefix", default="", help="prefix for the added columns")
    p.add_argument(
        "--prior",
        help="TPM share among TPM and PM postings that the probabilities are for (default: the "
        "model's, see its card); 'auto' estimates this file's share first (reads it twice)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing output file")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.add_argument(
        "--engine",
        choices=["local", "dask"],
        default="local",
        help="dask: INPUT is a glob, OUTPUT a folder, one output file per input file (needs pip install "
        "'tpmclassify[dask]'; e.g. tpmclassify batch 'postings/*.parquet' -o out/ --engine dask)",
    )
    p.add_argument("--scheduler", help="with --engine dask: address of a running scheduler (default: local)")
    p.set_defaults(func=_cmd_batch)

    p = add(
        "audit",
        "Find mis-titled postings: what the title claims against what the text describes, as a "
        "self-contained HTML page to act on, and a CSV of the flagged rows beside it.",
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
    p.add_argument("--encoding", help="input encoding (default: detect UTF-8, UTF-8 with BOM, cp1252, latin-1)")
    p.add_argument("--prior", help="TPM share the probabilities are for, or 'auto' (as for batch)")
    p.add_argument(
        "--top",
        type=int,
        default=200,
        help="flagged postings shown on the page, most confident first, at most 1000 (all are counted and in the CSV)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing page or flags CSV")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=_cmd_audit)

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
            f"({HYBRID}: a title used for either role, in scope but neither TPM nor PM)",
        )
        p.add_argument(
            "--group-column",
            default="auto",
            help="source of each row (company or data set): each source weighs the same, folds leave "
            "whole sources out; 'auto' uses a 'source' column when there is one",
        )
        p.add_argument("--title-column", help="derive labels from titles when there is no label column")
        if name == "train":
            p.add_argument("-o", "--output", required=True, help="model file to write (e.g. model.tpmc)")
            p.add_argument("--overwrite", action="store_true", help="replace an existing model file")
            p.add_argument(
                "--evaluate",
                action="store_true",
                help="also cross-validate (5 source-grouped folds); the figures go in the card",
            )
            p.set_defaults(func=_cmd_train)
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
                help="with --cross-validate: number of source-grouped folds, 5 by default (0: leave one source out)",
            )
            p.add_argument("--markdown", action="store_true", help="print a Markdown table")
            p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
            p.set_defaults(func=_cmd_evaluate)
    return parser


class _Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples kept as written; each option's default shown, unless it has none (None or False)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False, argparse.SUPPRESS) or action.default == []:
            return action.help
        return super()._get_help_string(action)


@contextmanager
def _messages(quiet: bool) -> Iterator[None]:
    """The library's informational log messages (which column, which encoding) on standard error, while a command
    runs; none with ``--quiet``. The library itself only logs (logger "tpmclassify"); it never prints. Warnings
    are shown as one line each."""
    import warnings

    logger = logging.getLogger("tpmclassify")
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    level, formatwarning = logger.level, warnings.formatwarning
    if not quiet:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
    # a warning reads as one line of the command's, not as a line of the library's source
    warnings.formatwarning = lambda message, *_args, **_kwargs: f"warning: {message}\n"
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        warnings.formatwarning = formatwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Examples
    --------
    >>> main(["--version"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    SystemExit: 0
    """
    from ._errors import TPMClassifyError, command_line_wording

    args = _parser().parse_args(argv)
    try:  # messages name options as flags (--overwrite), not as Python keywords
        with _sigterm_interrupts(), _messages(quiet=getattr(args, "quiet", False)), command_line_wording():
            return int(args.func(args))
    except TPMClassifyError as err:  # raised on purpose: the message says what to fix
        with command_line_wording():
            print(f"tpmclassify {args.command}: error: {err}", file=sys.stderr)
        return 2
    except _Terminated:
        print(f"tpmclassify {args.command}: terminated; no output was written", file=sys.stderr)
        return 128 + signal.SIGTERM
    except KeyboardInterrupt:
        print(f"tpmclassify {args.command}: interrupted; no output was written", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away (e.g. `| head -1`): not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes
        return 128 + signal.SIGPIPE
    except OSError as err:  # the system's answer (a full disk, a file that cannot be read or written): not a bug
        print(f"tpmclassify {args.command}: error: {err}", file=sys.stderr)
        return 2
    except Exception:  # anything else is a bug: show where it happened
        traceback.print_exc()
        print(
            f"tpmclassify {args.command}: internal error (a bug in tpmclassify {__version__}); please report "
            "it with the command you ran and the traceback above",
            file=sys.stderr,
        )
        return 1


class _Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread so that it unwinds (temporary files removed) as Ctrl-C does."""


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """While running a command, SIGTERM raises :class:`_Terminated` (main thread only; else nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def terminate(signum: int, frame: object) -> None:
        raise _Terminated

    previous = signal.signal(signal.SIGTERM, terminate)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
