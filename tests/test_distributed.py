"""Dask and Spark: the same rows, in the same order, with the same answers as classify_frame."""

import os
import sys

import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

import tpmclassify
from tpmclassify import OUTPUT_COLUMNS, BatchError, ColumnError, classify_frame


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
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
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
        # the JVM's quick compiler and one garbage-collector thread: of a test's Spark, about a third less CPU
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )
    try:
        sdf = spark.createDataFrame(frame.astype(object).where(frame.notna(), None)).repartition(3, "row")
        got = tpmclassify.spark.classify_dataframe(sdf).toPandas().sort_values("row", ignore_index=True)
        # From a hostile review: the other columns went through pandas, so NaN came back null and a column named
        # with a dot made the call fail; "Label" passed the clash check, though Spark reads it as "label"
        from pyspark.sql import functions as F

        extra = sdf.withColumn("meta.score", F.when(F.col("row") % 2 == 0, F.lit(float("nan"))).otherwise(F.lit(1.5)))
        scored = tpmclassify.spark.classify_dataframe(extra, title_column="title")
        even = sum(1 for r in frame["row"] if r % 2 == 0)
        # NaN, not null, as Spark reads it (toPandas reads both NaN): asked in the one action that collects the rows
        kept = scored.withColumns(
            {"is_nan": F.isnan(F.col("`meta.score`")), "is_null": F.col("`meta.score`").isNull()}
        ).toPandas()
        assert kept["is_nan"].sum() == even and not kept["is_null"].any()
        assert kept.sort_values("row")["meta.score"].head(2).tolist()[1] == 1.5
        want_titled = classify_frame(frame, title_column="title").set_index("row")
        assert kept.set_index("row")["title_label"].sort_index().tolist() == want_titled["title_label"].tolist()
        with pytest.raises(BatchError, match="already has column.*Label"):
            tpmclassify.spark.classify_dataframe(sdf.withColumnRenamed("title", "Label"))
        assert (
            "p_label"
            in tpmclassify.spark.classify_dataframe(sdf.withColumnRenamed("title", "Label"), prefix="p_").columns
        )
    finally:
        spark.stop()
    _same(got, classify_frame(frame))


def test_dask_files_of_one_name_or_no_workers_are_refused_before_any_is_written(tmp_path, postings, capsys):
    """Each file is written into the output folder under its name: two inputs named jobs.csv wrote one output (the
    second over the first with overwrite=True, 7 of 14 rows out and exit 0)."""
    pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    import tpmclassify.dask

    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        postings.to_csv(tmp_path / folder / "jobs.csv", index=False)
    with pytest.raises(BatchError, match="jobs.csv and .*jobs.csv have the same name"):
        tpmclassify.dask.classify_files(str(tmp_path / "*" / "jobs.csv"), str(tmp_path / "out"), overwrite=True)
    # refused here, before a cluster starts, as a task would refuse it (each said so in a worker's traceback)
    postings.to_csv(tmp_path / "b" / "other.csv", index=False)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "other.csv").write_text("mine")
    with pytest.raises(BatchError, match="out/other.csv already exists; pass overwrite=True"):
        tpmclassify.dask.classify_files(str(tmp_path / "b" / "*.csv"), str(tmp_path / "out"))
    with pytest.raises(BatchError, match="^chunk_size must be a whole number"):
        tpmclassify.dask.classify_files(str(tmp_path / "b" / "o*.csv"), str(tmp_path / "o2"), chunk_size=0)
    with pytest.raises(BatchError, match="is a file: the outputs are written into a folder"):
        tpmclassify.dask.classify_files(str(tmp_path / "b" / "o*.csv"), str(tmp_path / "out" / "other.csv"))
    assert (tmp_path / "out" / "other.csv").read_text() == "mine" and not (tmp_path / "o2").exists()
    (tmp_path / "out" / "other.csv").unlink()
    (tmp_path / "out").rmdir()
    # and a local cluster of no workers, which waited for ever
    with pytest.raises(BatchError, match="^workers must be a whole number from 1 to"):
        tpmclassify.dask.classify_files(str(tmp_path / "a" / "*.csv"), str(tmp_path / "out"), workers=0)
    from tpmclassify._cli import main

    assert (
        main(["batch", str(tmp_path / "a" / "*.csv"), "-o", str(tmp_path / "out"), "--engine", "dask", "--jobs", "0"])
        == 2
    )
    from tpmclassify._batch import MAX_JOBS

    # the command line's own refusals, each before a cluster starts (found by mutating it: only the exit code was
    # checked): --jobs counts a local cluster's workers, not a running scheduler's
    for args, message in (
        (["--jobs", "0"], f"--jobs must be a whole number from 1 to {MAX_JOBS}, got 0"),
        (["--prior", "auto", "--jobs", "0"], "--prior auto is not available with --engine dask: give a share"),
        (["--scheduler", "localhost", "--jobs", "0"], "cannot reach the Dask scheduler at 'localhost': missing port"),
    ):
        capsys.readouterr()
        assert (
            main(["batch", str(tmp_path / "a" / "*.csv"), "-o", str(tmp_path / "out"), "--engine", "dask", *args]) == 2
        )
        assert message in capsys.readouterr().err, args
    for blank in ("", "  "):  # a blank address is none: a local cluster
        with pytest.raises(BatchError, match="^workers must be"):
            tpmclassify.dask.classify_files(
                str(tmp_path / "a" / "*.csv"), str(tmp_path / "out"), scheduler=blank, workers=0
            )
    with pytest.raises(BatchError, match="cannot reach the Dask scheduler at 'localhost': missing port"):
        tpmclassify.dask.classify_files(str(tmp_path / "a" / "*.csv"), str(tmp_path / "out"), scheduler="localhost")
    (tmp_path / "afile").write_text("mine")
    with pytest.raises(BatchError, match="afile is a file: the outputs are written into a folder"):
        tpmclassify.dask.classify_files(str(tmp_path / "a" / "*.csv"), str(tmp_path / "afile" / "sub"))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("engine", ["dask", "spark"])
def test_an_engine_refuses_a_pandas_frame_and_an_unfitted_model_at_the_call(engine, postings):
    """A pandas frame raised AttributeError ('_meta'), and an unfitted model was accepted, failing only when the
    cluster ran the first task."""
    pytest.importorskip("dask.dataframe" if engine == "dask" else "pyspark")
    import importlib

    module = importlib.import_module(f"tpmclassify.{engine}")
    postings = postings.drop(columns=["label"])
    with pytest.raises(tpmclassify.InvalidValueError, match="pandas DataFrame: classify it with .*classify_frame"):
        module.classify_dataframe(postings)
    if engine == "dask":
        import dask.dataframe as dd

        with pytest.raises(NotFittedError):
            module.classify_dataframe(dd.from_pandas(postings, npartitions=1), model=tpmclassify.TPMClassifier())


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


def test_dask_files_are_each_tried_and_each_failure_is_said_with_its_file(tmp_path, postings):
    """From a batch user's review: of three files, one with no text column stopped the run with the column's error,
    naming no file, while another's output was published and the third's not, with no word of either."""
    pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    import tpmclassify.dask

    inputs = tmp_path / "in"
    inputs.mkdir()
    postings.drop(columns=["label"]).to_csv(inputs / "a.csv", index=False)
    postings.drop(columns=["label"]).rename(columns={"description": "body"}).to_csv(inputs / "b.csv", index=False)
    postings.drop(columns=["label"]).to_csv(inputs / "c.csv", index=False)
    out = tmp_path / "out"
    with pytest.raises(BatchError) as err:
        tpmclassify.dask.classify_files(str(inputs / "*.csv"), str(out), workers=1)
    said = str(err.value)
    assert said.startswith(f"1 of 3 files failed, and their outputs were not written: {inputs / 'b.csv'}: no text")
    assert said.endswith(f"; the others' were: {out / 'a.csv'}, {out / 'c.csv'}")
    assert sorted(os.listdir(out)) == ["a.csv", "c.csv"]
    assert pd.read_csv(out / "c.csv")["label"].notna().all()


class _FailsOnBoom(tpmclassify.TPMClassifier):
    """The bundled model, but for a bug on any posting that says BOOM (a failure not the library's own)."""

    def classify_many(self, texts, titles=None, **kwargs):
        if any("BOOM" in str(t) for t in texts):
            raise RuntimeError("a bug")
        return super().classify_many(texts, titles, **kwargs)


def test_dask_files_are_each_tried_whatever_fails_in_one(tmp_path, postings):
    """From a review of the fix above: a failure not the library's (a bug, a worker killed) still stopped the run at
    once with its own error, naming no file, one file written and the next never tried."""
    pytest.importorskip("distributed", reason="the [dask] extra is not installed")
    import copy

    from distributed import LocalCluster

    import tpmclassify.dask

    inputs, out = tmp_path / "in", tmp_path / "out"
    inputs.mkdir()
    plain = postings.drop(columns=["label"])
    plain.to_csv(inputs / "a.csv", index=False)
    plain.assign(description=plain["description"] + " BOOM").to_csv(inputs / "b.csv", index=False)
    plain.to_csv(inputs / "c.csv", index=False)
    model = copy.copy(tpmclassify.default_model())
    model.__class__ = _FailsOnBoom
    with LocalCluster(n_workers=1, processes=False, threads_per_worker=1, dashboard_address=":0") as cluster:
        with pytest.raises(BatchError) as err:
            tpmclassify.dask.classify_files(
                str(inputs / "*.csv"), str(out), scheduler=cluster.scheduler_address, model=model
            )
    assert str(err.value) == (
        f"1 of 3 files failed, and their outputs were not written: {inputs / 'b.csv'}: RuntimeError: a bug; "
        f"the others' were: {out / 'a.csv'}, {out / 'c.csv'}"
    )
    assert sorted(os.listdir(out)) == ["a.csv", "c.csv"]
