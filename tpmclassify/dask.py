"""Classify Dask DataFrames: ``map_partitions`` over :func:`tpmclassify.classify_frame`.

Needs the extra: ``pip install 'tpmclassify[dask]'``. ``import tpmclassify`` never imports this module.

Examples
--------
>>> import dask.dataframe as dd, pandas as pd
>>> import tpmclassify.dask
>>> ddf = dd.from_pandas(pd.DataFrame({"description": [
...     "Own the project schedule, budget and client deliverables for the office fit-out."]}), npartitions=1)
>>> tpmclassify.dask.classify_dataframe(ddf)["label"].compute().tolist()
['pm']
"""

from __future__ import annotations

import logging
from typing import Any

from ._bundled import model_or_default
from ._frames import classify_partition, dataframe_classifier
from ._model import TPMClassifier

__all__ = ["classify_dataframe"]


def _map_partitions(ddf: Any, column: str, title_column: str | None, model: TPMClassifier, prefix: str) -> Any:
    import dask

    meta = classify_partition(ddf._meta, column, title_column, model, prefix)
    shipped = dask.delayed(model, pure=True, traverse=False)
    return ddf.map_partitions(
        classify_partition, column, title_column, shipped, prefix, meta=meta, align_dataframes=False
    )


classify_dataframe = dataframe_classifier(
    _map_partitions,
    """Add the batch columns to a Dask DataFrame, lazily.

    Parameters
    ----------
    frame : dask.dataframe.DataFrame
        Postings, in any number of partitions.
    text_column, title_column, model, prefix
        As for :func:`tpmclassify.classify_frame`.

    Returns
    -------
    dask.dataframe.DataFrame
        The same partitions and rows, in order, with the columns of
        :data:`tpmclassify.OUTPUT_COLUMNS` added, each of one dtype in every
        partition (float64, nullable boolean or str). Nothing is computed until
        you ask; the model is one node of the task graph, so each worker
        receives it once.
    """,
)


def classify_files(
    pattern: str,
    output_dir: str,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    model: TPMClassifier | None = None,
    **options: Any,
) -> list[Any]:
    """Classify every file matching ``pattern`` into ``output_dir``, one Dask task per file.

    Each file is one partition: it goes through :func:`tpmclassify.classify_csv` (streamed, every row kept,
    errors marked, written to a temporary file and published), into ``output_dir`` under the same name.

    Parameters
    ----------
    pattern : str
        Glob of input files (``.csv``, ``.csv.gz``, ``.jsonl``, ``.parquet``).
    output_dir : str
        Folder for the outputs (created if missing).
    scheduler : str, optional
        Address of a running Dask scheduler; by default a local cluster of ``workers`` processes.
    workers : int, default 2
        Worker processes of the local cluster.
    model : TPMClassifier, optional
        Defaults to the bundled model; sent to each worker once.
    **options
        Passed to :func:`tpmclassify.classify_csv` (``text_column``, ``overwrite``, ...).

    Returns
    -------
    list of BatchSummary
        One per file, in sorted file order.

    Raises
    ------
    BatchError
        Before any file is read: no file matches, two have one name, an output is in the way. After: the files that
        failed (every file is tried), each with why, and the outputs of the others, written.
    KeyboardInterrupt, SystemExit
        Interrupted: the outputs written so far stay; on a local cluster, the temporary files of those being written
        are removed once its workers have stopped.
    """
    import glob
    from contextlib import nullcontext
    from pathlib import Path

    import dask
    from distributed import Client, LocalCluster, wait

    from ._atomic import OutputExistsError, RunOutputExistsError, check_target, remove_stale_parts
    from ._batch import MAX_JOBS, BatchError
    from ._io import check_count

    scheduler = (scheduler or "").strip() or None  # (a blank address is none: a local cluster)
    if scheduler is None:
        check_count("workers", workers, 1, MAX_JOBS)  # (0 started a cluster of no workers, which waited for ever)
    files = sorted(glob.glob(pattern))
    if not files:
        raise BatchError(f"no input files match {pattern!r}")
    names: dict[str, str] = {}
    for f in files:  # each is written under its own name: two of one name would write one output
        if Path(f).name in names:
            raise BatchError(
                f"{names[Path(f).name]} and {f} have the same name, and each file is written into {output_dir} under "
                "its name: classify files of one name into separate folders"
            )
        names[Path(f).name] = f
    out = Path(output_dir)
    for folder in (out, *out.parents):  # the first that exists must be a folder
        if folder.exists():
            if not folder.is_dir():
                raise BatchError(
                    f"{folder} is a file: the outputs are written into a folder ({output_dir}), one file per input file"
                )
            break
    check_count("chunk_size", options.get("chunk_size", 1000))
    for f in files:  # refused here, before a cluster starts, as each task would refuse it
        try:
            check_target(out / Path(f).name, bool(options.get("overwrite", False)))
        except OutputExistsError as err:
            raise RunOutputExistsError(str(err)) from None
    shipped = dask.delayed(model_or_default(model), pure=True, traverse=False)
    tasks = [dask.delayed(_one_file)(f, str(out / Path(f).name), shipped, options) for f in files]
    _quiet_cancellations()
    cluster = (
        nullcontext(scheduler)
        if scheduler
        else LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,  # a task's error is raised here, in one line; not logged by its worker
        )
    )
    with cluster as address:
        try:
            client = Client(address)
        except (ValueError, OSError) as err:  # a malformed address, or no scheduler there
            raise BatchError(f"cannot reach the Dask scheduler at {address!r}: {err}") from None
        try:
            with client:
                out.mkdir(parents=True, exist_ok=True)  # (only once there is a cluster to write into it)
                futures = client.compute(tasks)
                wait(futures)  # every file tried, whatever another's fate (a bug, a worker killed)
                results = [_outcome(future) for future in futures]
        except BaseException:
            if scheduler is None:  # this machine's workers, killed mid-file: the files they were writing go
                cluster.close()  # type: ignore[union-attr]  # (their locks with them)
                for f in files:
                    remove_stale_parts(out / Path(f).name)
            raise
    failed = [(f, why) for f, (summary, why) in zip(files, results, strict=True) if summary is None]
    if failed:
        written = [
            str(out / Path(f).name) for f, (summary, _) in zip(files, results, strict=True) if summary is not None
        ]
        raise BatchError(
            f"{len(failed)} of {len(files)} files failed, and their outputs were not written: "
            + "; ".join(f"{f}: {why}" for f, why in failed)
            + (f"; the others' were: {', '.join(written)}" if written else "")
        )
    return [summary for summary, _ in results]


def _outcome(future: Any) -> tuple[Any, str]:
    """A file's task's result, or None and what it raised besides the library's refusals (a bug, a worker killed):
    said with its kind, as the command line says a bug."""
    if future.status == "finished":
        return future.result()
    err = future.exception()
    return None, f"{type(err).__name__}: {err}"


def _one_file(path: str, target: str, model: TPMClassifier, options: dict[str, Any]) -> tuple[Any, str]:
    """One file's task: its summary, or None and why the library refused it (a column missing, a bad file), so
    that every file is tried and each failure is said with its file; anything else is raised as it is."""
    from ._batch import classify_csv
    from ._errors import TPMClassifyError

    try:
        return classify_csv(path, target, model=model, **options), ""
    except (TPMClassifyError, OSError) as err:
        return None, str(err)


class _Cancelled(logging.Filter):
    """Leaves out what asyncio logs of the client's own tasks cancelled when a run is interrupted ("Task exception
    was never retrieved ... AllExit"): the run says in one line that it was interrupted."""

    def filter(self, record: logging.LogRecord) -> bool:
        kind = type(record.exc_info[1]) if record.exc_info else None
        return not (kind and kind.__name__ == "AllExit" and kind.__module__.startswith("distributed"))


def _quiet_cancellations() -> None:
    """Install :class:`_Cancelled` on asyncio's logger, once (it logs when its tasks are collected, after the run)."""
    said = logging.getLogger("asyncio")
    if not any(isinstance(f, _Cancelled) for f in said.filters):
        said.addFilter(_Cancelled())
