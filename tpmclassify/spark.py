"""Classify Spark DataFrames: a pandas UDF (Arrow batches) over :func:`tpmclassify.classify_frame`.

Needs the extra: ``pip install 'tpmclassify[spark]'`` (and Java for Spark). ``import tpmclassify`` never
imports this module.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from ._columns import OUTPUT_KINDS, check_clash
from ._frames import classify_partition, dataframe_classifier
from ._model import TPMClassifier

__all__ = ["classify_dataframe"]


def _map_partitions(sdf: Any, column: str, title_column: str | None, model: TPMClassifier, prefix: str) -> Any:
    """Score only the text (and title) column in a pandas UDF returning the added columns as one struct, then add
    its fields to the frame: the other columns never leave Spark (a round trip through pandas turned NaN into null,
    and ``mapInPandas`` could not resolve a column name with a dot in it)."""
    from pyspark.sql import functions as F
    from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType

    if sdf.sparkSession.conf.get("spark.sql.caseSensitive", "false").lower() != "true":
        check_clash(sdf.columns, prefix, fold_case=True)  # Spark resolves "Label" and "label" as one name
    spark_type = {"float": DoubleType, "str": StringType, "bool": BooleanType}
    names = [prefix + name for name in OUTPUT_KINDS]
    schema = StructType([StructField(prefix + name, spark_type[kind]()) for name, kind in OUTPUT_KINDS.items()])
    shipped = _shipped(sdf, model)

    def scored(text: pd.Series, title: pd.Series | None = None) -> pd.DataFrame:
        rows = pd.DataFrame({"text": text} if title is None else {"text": text, "title": title})
        return classify_partition(rows, "text", None if title is None else "title", shipped(), prefix)[names]

    def untitled(text: pd.Series) -> pd.DataFrame:  # (pandas UDFs are told apart by their type hints)
        return scored(text)

    def titled(text: pd.Series, title: pd.Series) -> pd.DataFrame:
        return scored(text, title)

    if title_column is None:
        result = F.pandas_udf(untitled, schema)(F.col(_quoted(column)))  # type: ignore[call-overload]
    else:
        result = F.pandas_udf(titled, schema)(F.col(_quoted(column)), F.col(_quoted(title_column)))  # type: ignore[call-overload]
    struct, taken = "_tpmclassify", {c.casefold() for c in sdf.columns}
    while struct in taken:
        struct = "_" + struct
    added = [F.col(f"{_quoted(struct)}.{_quoted(n)}") for n in names]
    return sdf.withColumn(struct, result).select(*[F.col(_quoted(c)) for c in sdf.columns], *added)


def _shipped(sdf: Any, model: TPMClassifier) -> Callable[[], TPMClassifier]:
    """How the executors get the model: broadcast once; on Spark Connect, which has no SparkContext, with the
    function itself."""
    try:
        broadcast = sdf.sparkSession.sparkContext.broadcast(model)
    except AttributeError:  # Spark Connect (pyspark's PySparkAttributeError)
        return lambda: model
    return lambda: broadcast.value  # the executor's copy (the function must not hold ``model`` itself)


def _quoted(name: str) -> str:
    """A column name as Spark reads it literally (a dot or a space in it is part of the name)."""
    return "`" + name.replace("`", "``") + "`"


classify_dataframe = dataframe_classifier(
    _map_partitions,
    """Add the batch columns to a Spark DataFrame, lazily.

    Parameters
    ----------
    frame : pyspark.sql.DataFrame
        Postings.
    text_column, title_column, model, prefix
        As for :func:`tpmclassify.classify_frame`.

    Returns
    -------
    pyspark.sql.DataFrame
        Every input column and row, as they are, plus the columns of
        :data:`tpmclassify.OUTPUT_COLUMNS`: doubles for the probabilities and
        ``in_scope``, booleans for ``needs_review`` and ``title_mismatch``,
        strings for the rest. Only the text and title columns are sent to
        Python; the model is broadcast once to the executors (on Spark
        Connect, sent with the function).

    Raises
    ------
    ColumnError, BatchError
        A missing text or title column; an input column that an added
        column would take, whatever its case unless ``spark.sql.caseSensitive``
        is set (pass a ``prefix``).
    """,
)
