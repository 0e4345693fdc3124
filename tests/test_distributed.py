"""Dask and Spark: the same rows, in the same order, with the same answers as classify_frame."""

import sys

import pandas as pd
import pytest

from tpmclassify import OUTPUT_COLUMNS, ColumnError, classify_frame


@pytest.fixture(scope="module")
def frame(postings):
    """Forty rows: the fixture postings four times, plus bad rows, with a row number to check the order."""
    rows = pd.concat([postings.drop(columns=["label"])] * 4, ignore_index=True)
    rows.loc[len(rows)] = ["Broken", "Nobody", None]
    rows.loc[len(rows)] = ["Blank", "Nobody", "   "]
    rows.insert(0, "row", range(len(rows)))
    return rows


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    assert got["row"].tolist() == want["row"].tolist()
    for col in ("label", "error", "reasons"):
        assert got[col].tolist() == want[col].astype(str).tolist(), col
    for col in ("tpm_probability", "pm_probability", "in_scope"):
        pd.testing.assert_series_equal(
            got[col].reset_index(drop=True),
            pd.to_numeric(want[col]).astype(float).reset_index(drop=True),
            check_names=False,
            rtol=0,
            atol=0,
        )


def test_dask_local_cluster_matches_classify_frame(frame, tmp_path):
    dd = pytest.importorskip("dask.dataframe", reason="the [dask] extra is not installed")
    distributed = pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    import tpmclassify.dask

    want = classify_frame(frame)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        with distributed.Client(c):
            ddf = dd.from_pandas(frame, npartitions=4)
            out = tpmclassify.dask.classify_dataframe(ddf)
            assert list(out.columns) == [*frame.columns, *OUTPUT_COLUMNS]  # meta declared: nothing computed
            got = out.compute()
            _same(got, want)
            out.to_parquet(tmp_path / "classified")  # the README's example: every partition has one schema
            _same(pd.read_parquet(tmp_path / "classified").sort_values("row", ignore_index=True), want)

            # the command line: a glob of files in, one output file per input file
            for i in range(3):
                frame.iloc[i * 14 : (i + 1) * 14].to_csv(tmp_path / f"part{i}.csv", index=False)
            from tpmclassify._cli import main

            sched = c.scheduler_address
            assert (
                main(
                    [
                        "batch",
                        str(tmp_path / "part*.csv"),
                        "-o",
                        str(tmp_path / "out"),
                        "--engine",
                        "dask",
                        "--scheduler",
                        sched,
                        "-q",
                    ]
                )
                == 0
            )
    parts = [pd.read_csv(tmp_path / "out" / f"part{i}.csv", dtype=str, keep_default_na=False) for i in range(3)]
    merged = pd.concat(parts, ignore_index=True)
    assert merged["row"].astype(int).tolist() == frame["row"].tolist()
    assert merged["label"].tolist() == want["label"].tolist()


# PySpark's own code warns under pandas 3 (not ours to fix)
@pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
@pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")
def test_spark_local_matches_classify_frame(frame, monkeypatch):
    pytest.importorskip("pyspark", reason="the [spark] extra is not installed")
    import shutil

    if shutil.which("java") is None:
        pytest.skip("Spark needs Java on the PATH")
    from pyspark.sql import SparkSession

    import tpmclassify.spark

    monkeypatch.setenv("PYSPARK_PYTHON", sys.executable)  # workers run this interpreter, not the PATH's

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("tpmclassify-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    try:
        sdf = spark.createDataFrame(frame.astype(object).where(frame.notna(), None)).repartition(3, "row")
        got = tpmclassify.spark.classify_dataframe(sdf).toPandas().sort_values("row", ignore_index=True)
    finally:
        spark.stop()
    _same(got, classify_frame(frame))


class _Columns:
    """A frame of any engine as the adapters first see it: its column names, and nothing to compute."""

    columns = ["title", "body"]


@pytest.mark.parametrize("engine", ["dask", "spark"])
def test_each_engine_checks_the_columns_as_classify_frame_does_before_touching_the_engine(engine):
    """One signature for both engines (switching engine is switching the import), and the columns checked before
    the engine is imported: a missing column is the same ColumnError as from classify_frame, without dask or Spark."""
    import importlib
    import inspect

    module = importlib.import_module(f"tpmclassify.{engine}")
    want = inspect.signature(classify_frame).parameters
    got = inspect.signature(module.classify_dataframe).parameters
    assert list(got)[1:] == [name for name in want if name not in ("df", "prior")]
    assert all(got[name].default == want[name].default for name in list(got)[1:])
    with pytest.raises(ColumnError, match="description") as raised:
        module.classify_dataframe(_Columns())
    with pytest.raises(ColumnError) as direct:
        classify_frame(pd.DataFrame(columns=_Columns.columns))
    assert str(raised.value) == str(direct.value)
    with pytest.raises(ColumnError, match="'role'"):
        module.classify_dataframe(_Columns(), "body", title_column="role")
    assert (module.classify_dataframe.__module__, module.classify_dataframe.__qualname__) == (
        f"tpmclassify.{engine}",
        "classify_dataframe",
    )
    assert f"{engine.capitalize()} DataFrame" in module.classify_dataframe.__doc__
