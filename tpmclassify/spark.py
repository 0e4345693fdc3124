"""Classify Spark DataFrames: ``mapInPandas`` (Arrow batches) over :func:`tpmclassify.classify_frame`.

Needs the extra: ``pip install 'tpmclassify[spark]'`` (and Java for Spark). ``import tpmclassify`` never
imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from ._model import TPMClassifier
from ._rows import OUTPUT_KINDS, classify_partition, prepare

__all__ = ["classify_dataframe"]


def classify_dataframe(
    sdf: Any,
    text_column: str | None = None,
    *,
    title_column: str | None = None,
    model: TPMClassifier | None = None,
    prefix: str = "",
) -> Any:
    """Add the batch columns to a Spark DataFrame, lazily.

    Parameters
    ----------
    sdf : pyspark.sql.DataFrame
        Postings.
    text_column, title_column, model, prefix
        As for :func:`tpmclassify.classify_frame`.

    Returns
    -------
    pyspark.sql.DataFrame
        Every input column and row plus ``tpm_probability``, ``pm_probability``,
        ``in_scope`` (double), ``needs_review`` (boolean), ``label``, ``reasons``
        and ``error`` (string). The model is broadcast once to the executors.
    """
    from pyspark.sql.types import BooleanType, DoubleType, StringType, StructField, StructType

    col, mdl = prepare(sdf.columns, text_column, title_column, prefix, model)
    shipped = sdf.sparkSession.sparkContext.broadcast(mdl)
    spark_type = {"float": DoubleType, "str": StringType, "bool": BooleanType}
    added = [StructField(prefix + name, spark_type[kind]()) for name, kind in OUTPUT_KINDS.items()]
    schema = StructType(list(sdf.schema.fields) + added)
    names = [f.name for f in schema.fields]

    def score(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        model = shipped.value
        for pdf in batches:
            yield classify_partition(pdf, col, title_column, model, prefix)[names]

    return sdf.mapInPandas(score, schema)
