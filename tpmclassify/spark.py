"""Classify Spark DataFrames: ``mapInPandas`` (Arrow batches) over :func:`tpmclassify.classify_frame`.

Needs the extra: ``pip install 'tpmclassify[spark]'`` (and Java for Spark). ``import tpmclassify`` never
imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from ._model import TPMClassifier
from ._rows import OUTPUT_KINDS, classify_partition, dataframe_classifier

__all__ = ["classify_dataframe"]


def _map_partitions(sdf: Any, column: str, title_column: str | None, model: TPMClassifier, prefix: str) -> Any:
    from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType

    shipped = sdf.sparkSession.sparkContext.broadcast(model)
    spark_type = {"float": DoubleType, "str": StringType, "bool": BooleanType}
    added = [StructField(prefix + name, spark_type[kind]()) for name, kind in OUTPUT_KINDS.items()]
    schema = StructType(list(sdf.schema.fields) + added)
    names = [f.name for f in schema.fields]

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        broadcast = shipped.value  # the executor's copy (the closure must not hold ``model`` itself)
        for pdf in batches:
            yield classify_partition(pdf, column, title_column, broadcast, prefix)[names]

    return sdf.mapInPandas(score, schema)


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
        Every input column and row plus the columns of
        :data:`tpmclassify.OUTPUT_COLUMNS`: doubles for the probabilities and
        ``in_scope``, booleans for ``needs_review`` and ``title_mismatch``,
        strings for the rest. The model is broadcast once to the executors.
    """,
)
