"""The commands of the ``tpmclassify`` command line, one function each (``classify``, ``batch``, ``audit``, ``train``,
``evaluate``): each takes the parsed arguments and returns the exit code.

The library is imported inside each command, on first use, so that ``tpmclassify --help`` answers at once.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any, TextIO

from ._cli_runtime import error_status, long_run

if TYPE_CHECKING:
    import pandas as pd

    from ._model import TPMClassifier

__all__ = ["cmd_audit", "cmd_batch", "cmd_classify", "cmd_evaluate", "cmd_train", "read_text"]


def _model(path: str | None, sha256: str | None = None) -> TPMClassifier:
    from ._bundled import bundled_model
    from ._persist import load

    return bundled_model(sha256) if path is None else load(path, sha256=sha256)


#: An argument that is one word with a path separator or a file extension is taken for a file name.
_LOOKS_LIKE_PATH = re.compile(r"\S*[/\\]\S*|\S+\.[A-Za-z0-9]{1,5}")


def read_text(arg: str) -> str:
    """The posting: standard input for ``-``, a file's text, or the argument itself (if it cannot be a file name).

    A file or standard input is decoded as ``batch`` decodes a file (UTF-8 with or without BOM, UTF-16 or UTF-32 with
    a BOM, utf-8+cp1252, cp1252, cp1252+latin-1), and read up to one character past the longest posting classified
    (``MAX_CHARS``): a longer one is refused without being held whole. A table of postings (a name ``batch`` reads)
    or a file that is not text is refused: it is not one posting.
    """
    import io
    from pathlib import Path

    from ._errors import PostingError, input_not_found
    from ._io import FORMATS, open_text
    from ._text import MAX_CHARS

    too_long = f"posting text has more than {MAX_CHARS:,} characters; the limit is {MAX_CHARS:,}"
    most_bytes = 4 * MAX_CHARS + 4  # 4 bytes a character at most, whatever the encoding, and a byte-order mark

    def bounded(f: IO[str], name: str) -> str:
        text = f.read(MAX_CHARS + 1)
        if len(text) > MAX_CHARS:
            raise PostingError(too_long)
        if "\x00" in text:
            raise PostingError(
                f"{name} holds NUL characters: it is not a text file (UTF-16 and UTF-32 text need a byte-order mark)"
            )
        return text

    if arg == "-":
        if not hasattr(sys.stdin, "buffer"):  # a text stream put in its place (already decoded)
            return bounded(sys.stdin, "standard input")
        data = sys.stdin.buffer.read(most_bytes + 1)
        if len(data) > most_bytes:
            raise PostingError(too_long)
        with open_text(io.BytesIO(data)) as f:
            text = bounded(f, "standard input")
        column = _table_column(text)
        if column is not None:
            raise PostingError(
                f"standard input is a table of postings (its first line names a {column!r} column): classify its rows "
                "with tpmclassify batch FILE -o OUTPUT"
            )
        return text
    try:  # (an empty or blank argument is a posting's text, refused as such: Path("") is this folder)
        is_file, is_dir = (Path(arg).is_file(), Path(arg).is_dir()) if arg.strip() else (False, False)
    except (OSError, ValueError):  # a posting text, too long or odd to be a path
        is_file = is_dir = False
    if is_dir:
        raise PostingError(f"{arg} is a folder: name a file of one posting, or pipe the text in with -")
    if is_file:
        if arg.lower().endswith(tuple(FORMATS)):
            raise PostingError(
                f"{arg} is a table of postings: classify its rows with tpmclassify batch {arg} -o OUTPUT"
            )
        if os.path.getsize(arg) > most_bytes:
            raise PostingError(too_long)
        with open_text(arg) as f:
            return bounded(f, arg)
    if _LOOKS_LIKE_PATH.fullmatch(arg.strip()):
        raise input_not_found(
            arg, f"to classify text that looks like a file name, pipe it in: echo '{arg}' | tpmclassify classify -"
        )
    return arg


def _table_column(text: str) -> str | None:
    """The text column a table's first line names, if ``text`` reads as a table of postings rather than one posting:
    a JSON-lines object, or a CSV header of short names whose next record has as many fields."""
    import csv
    import io
    import json
    from itertools import islice

    from ._columns import TEXT_COLUMN_CANDIDATES

    text = text.lstrip("\ufeff")
    if text.startswith("{"):
        try:
            names = list(json.loads(text.split("\n", 1)[0]))
        except (ValueError, TypeError):
            return None
    else:
        try:
            records = csv.reader(io.StringIO(text[:1_000_000]))
            names, rows = next(records, []), [r for r in islice(records, 20) if r]
        except csv.Error:
            return None
        if len(names) < 2 or not rows or any(len(r) != len(names) for r in rows):  # a table's rows, not prose
            return None
        if any(len(n) > 40 or len(n.split()) > 4 for n in names):
            return None
    return next((n.strip() for n in names if isinstance(n, str) and n.strip().lower() in TEXT_COLUMN_CANDIDATES), None)


def cmd_classify(args: argparse.Namespace) -> int:
    model = _model(args.model, args.sha256)
    print(model.classify(read_text(args.text), args.title))
    return 0


def cmd_batch(args: argparse.Namespace) -> int:
    from ._pool import MAX_JOBS, early_workers  # (the standard library only: nothing heavy is loaded yet)

    if args.engine == "dask":
        return _batch_on_dask(args)
    if args.scheduler:
        from ._batch import BatchError

        raise BatchError("--scheduler goes with --engine dask (without it, this machine's processes score)")
    # a worker's start-up (importing scikit-learn) is spent beside this process's own
    with early_workers(_early(args.input, args.jobs, args.chunk_size, MAX_JOBS), f"{__package__}._workers"):
        from ._batch import classify_csv

        options = _options(args, "text_column", "title_column", "chunk_size", "jobs", "overwrite", "encoding", "prefix")
        return _whole_file(args, classify_csv, prior=args.prior, **options)


#: The fewest bytes a row of postings takes, about (3.4 KB on average in the shared postings): a file of
#: ``2 * chunk_size`` times this is likely to be of more than one chunk, and worth starting workers for early.
_ROW_BYTES = 2000


def _early(path: str, jobs: int, chunk_size: int, most: int) -> int:
    """How many workers a batch run starts before it loads anything: for a file likely to be of more than one chunk
    (see :data:`_ROW_BYTES`), its ``jobs - 1``, but no more than the other cores (more would slow this process's own
    start; the run starts the rest). None for a smaller file, or an out-of-range --jobs or --chunk-size (the run
    itself says so)."""
    try:
        big = os.path.getsize(path) >= 2 * chunk_size * _ROW_BYTES
    except (OSError, ValueError, TypeError):  # no such file, or not a size (the run itself says so)
        return 0
    return min(jobs - 1, max(1, (os.cpu_count() or 1) - 1)) if big and 1 < jobs <= most and chunk_size >= 1 else 0


def _batch_on_dask(args: argparse.Namespace) -> int:
    """``batch --engine dask``: each input file classified by a Dask cluster's workers."""
    from ._batch import MAX_JOBS, BatchError
    from ._io import check_count

    quiet = args.quiet
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError as err:
        raise BatchError(f"--engine dask needs the [dask] extra: pip install 'tpmclassify[dask]' ({err})") from None
    from ._rows import with_prior
    from .dask import classify_files

    if args.prior == "auto":
        raise BatchError("--prior auto is not available with --engine dask: give a share, e.g. --prior 0.3")
    if not (args.scheduler or "").strip():
        check_count("jobs", args.jobs, 1, MAX_JOBS)  # the local cluster's workers
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
    rows, errors = sum(s.rows for s in summaries), sum(s.errors for s in summaries)
    return error_status(errors, rows, args.max_errors, args.command)


def _options(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The command line's options of these names, as keyword arguments of the Python function they call."""
    return {name: getattr(args, name) for name in names}


def cmd_audit(args: argparse.Namespace) -> int:
    from ._audit import audit

    return _whole_file(
        args,
        audit,
        show_columns=args.show_column,
        **_options(args, "title_column", "text_column", "id_column", "flags_csv", "chunk_size", "encoding"),
        **_options(args, "prior", "top", "overwrite"),
    )


def _whole_file(args: argparse.Namespace, job: Callable[..., object], **options: Any) -> int:
    """``job(input, output, model=..., progress=..., **options)``: a command's run over a whole file (see
    :func:`long_run`), with the command line's model, and a progress bar on a terminal unless ``--quiet``."""
    model = _model(args.model, args.sha256)
    progress = not args.quiet and sys.stderr.isatty()
    run = lambda: job(args.input, args.output, model=model, progress=progress, **options)  # noqa: E731
    return long_run(args.quiet, run, args.max_errors, args.command)


def _sources(rows: pd.DataFrame, column: str | None) -> tuple[pd.Series | None, bool]:
    """The rows' sources to leave out in cross-validation (None: there are none, or one), and whether there was one:
    with nothing to leave out, folds are stratified (as :func:`evaluate` does)."""
    from ._labeled import source_groups

    groups = source_groups(rows, column)
    one_source = groups is not None and groups.nunique() < 2
    return (None if one_source else groups), one_source


def _labeled(args: argparse.Namespace, out: TextIO) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series, str]:
    """Read the labeled postings of ``train`` and ``evaluate``; say on ``out`` what will be used, and which rows
    the title rule leaves out (counted and named). Returns the file, its labeled rows, their labels and a note on
    the rows left out (empty if none)."""
    from ._errors import input_not_found
    from ._io import read_table
    from ._labeled import LEFT_OUT_ATTR, RowsLeftOutWarning, labeled_rows
    from ._predicting import missing

    if not os.path.isfile(args.data):
        raise input_not_found(args.data)
    frame = read_table(args.data)  # the reader batch uses: every format, one set of rules
    with warnings.catch_warnings():  # (the rows left out are said below, with the rest)
        warnings.simplefilter("ignore", RowsLeftOutWarning)
        rows, labels = labeled_rows(frame, args.text_column, args.label_column, args.title_column, file=args.data)
    counts = ", ".join(f"{k} {v}" for k, v in labels.value_counts().items()) or "none"
    titled = 0  # rows whose label cell is blank, which took their title's label
    if args.label_column in rows.columns and args.title_column:
        titled = int(rows[args.label_column].map(lambda v: missing(v) or not str(v).strip()).sum())
    source = (
        f"labels from the job titles in {args.title_column!r} (no {args.label_column!r} column)"
        if args.label_column not in frame.columns
        else f"labels from {args.label_column!r}"
        + (
            f" ({titled} of them, where it is blank, from the job titles in {args.title_column!r})"
            if args.title_column and titled
            else ""
        )
    )
    print(f"{len(rows)} of {len(frame)} rows of {args.data}, {source}: {counts}", file=out)
    note = rows.attrs.get(LEFT_OUT_ATTR, "")
    if note:
        print(note, file=out)
    return frame, rows, labels, note


def cmd_train(args: argparse.Namespace) -> int:
    from ._api import train
    from ._atomic import OutputExistsError, check_writable
    from ._card import card_path
    from ._errors import InvalidValueError
    from ._labeled import LabelConflictWarning, RowsLeftOutWarning
    from ._persist import save

    card = str(card_path(args.output))
    for path in (args.output, card):  # neither may be the data it is trained on, whatever --overwrite says
        if os.path.exists(path) and os.path.exists(args.data) and os.path.samefile(path, args.data):
            raise InvalidValueError(f"the model and its card must not be written over the training data: {path}")
    for path, what in ((args.output, ""), (card, " (the model card, written beside the model)")):
        try:  # the output and its card are checked writable before training, so no work is wasted
            check_writable(path, args.overwrite)
        except OutputExistsError as err:  # a file, or a folder, in the way
            raise InvalidValueError(f"{err}{what}") from None
        except OSError as err:  # a read-only folder, a full disk
            raise InvalidValueError(f"cannot write the model to {args.output}: {err.strerror or err}") from None
    frame, rows, labels, note = _labeled(args, sys.stdout)
    with warnings.catch_warnings():  # (conflicting labels were said by _labeled, its rows as the file numbers them)
        warnings.simplefilter("ignore", LabelConflictWarning)
        warnings.simplefilter("ignore", RowsLeftOutWarning)
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
    # saved before anything else can fail: a trained model is never lost (what is in the way was checked above)
    digest = save(model, args.output, overwrite=args.overwrite)
    if args.evaluate:
        from ._card import metrics_text
        from ._evaluate import evaluate_rows
        from ._labeled import check_cross_validation  # (as evaluate --cross-validate checks, before any fold)

        groups, _ = _sources(rows, args.group_column)
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
            check_cross_validation(labels, "so it needs more", None if groups is None else groups.tolist())
        except InvalidValueError as err:
            raise InvalidValueError(
                f"cannot cross-validate these rows: {err}; {args.output} is saved, without figures"
            ) from None
        try:
            report = evaluate_rows(
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
                f"cannot cross-validate these rows ({err}); {args.output} is saved, without figures (to choose the "
                f"folds: tpmclassify evaluate {args.data} --cross-validate --folds N)"
            ) from None
        print(f"Evaluation ({report.protocol})\n{metrics_text(report.metrics)}")
        metrics = {"metrics": {f"Evaluation ({report.protocol})": report.metrics}}
        digest = save(model, args.output, extra=metrics, overwrite=True)  # this run's own file, with figures
        print(f"saved {args.output} again, with the evaluation in its model card {card}")
    else:
        print(f"saved {args.output} and its model card {card}")
    print(
        f"sha256 {digest}\n  the model file's fingerprint: publish it with the file, so that whoever uses it can "
        f"check it is this one:\n  tpmclassify classify your_posting.txt --model {args.output} --sha256 {digest}"
    )
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from sklearn.base import clone

    from ._card import metrics_text
    from ._errors import InvalidValueError, TPMClassifyError
    from ._evaluate import evaluate_rows
    from ._labeled import check_cross_validation, warn_of_unsourced
    from ._model import TPMClassifier

    if args.folds is not None and not args.cross_validate:
        raise InvalidValueError("--folds goes with --cross-validate (without it, the model is scored as it is)")
    frame, rows, labels, _ = _labeled(args, sys.stderr)
    if labels.empty:  # (as evaluate() refuses it: a table of zeros said nothing was scored only in its last line)
        raise InvalidValueError(f"no labeled rows to score in {args.data}, of {len(frame)} rows")
    rows = rows.assign(**{args.label_column: labels})
    groups, one_source = _sources(rows, args.group_column)
    sources = None if groups is None else groups.tolist()
    if sources is not None:
        warn_of_unsourced(sources)
    if args.cross_validate:  # the method, refitted in source-grouped folds
        fix = "so it needs more (without --cross-validate, a saved model is scored as it is)"
        check_cross_validation(labels, fix, sources)
        model = TPMClassifier() if args.model is None else clone(_model(args.model, args.sha256))
        if groups is None:  # stratified folds: at least as many rows of some label as there are folds
            why = "every row is from one source" if one_source else "no sources (no --group-column, no 'source' column)"
            most = int(rows[args.label_column].value_counts().max())
            folds = min(5, most) if args.folds in (None, 0) else args.folds
            if not 2 <= folds <= most:
                raise InvalidValueError(
                    f"{why}, so folds are stratified: --folds must be from 2 to {most} (the commonest label's "
                    f"rows), got {args.folds if args.folds is not None else 'none (5 by default)'}"
                )
            print(
                f"note: {why}: {folds} stratified folds, not grouped by source; figures are optimistic when "
                "sources repeat boilerplate",
                file=sys.stderr,
            )
        else:
            units = groups.nunique()
            folds = (5 if units > 5 else 0) if args.folds is None else args.folds  # 0: one fold per source
            if folds != 0 and not 2 <= folds <= units:
                raise InvalidValueError(f"--folds must be 0 (one fold per source) or from 2 to {units}, got {folds}")
            folds = None if folds == 0 else folds
    else:  # this saved model, as it is
        model, folds = _model(args.model, args.sha256), None
    try:
        report = evaluate_rows(
            model,
            rows,
            text_column=args.text_column,
            label_column=args.label_column,
            groups=sources,
            folds=folds,
            refit=args.cross_validate,
            progress=not args.quiet and sys.stderr.isatty(),
        )
    except ValueError as err:  # too few postings of a label for the folds (as train --evaluate says it)
        if isinstance(err, TPMClassifyError) or not args.cross_validate:
            raise
        raise InvalidValueError(f"cannot cross-validate these rows ({err})") from None
    print(report.to_markdown() if args.markdown else f"Evaluation ({report.protocol})\n{metrics_text(report.metrics)}")
    return 0
