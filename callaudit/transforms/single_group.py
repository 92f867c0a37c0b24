"""Running a pure-Python computation over a whole table inside a pipeline query function.

A pipeline query function may not run actions or analyse a DataFrame (no ``.collect()``, ``.count()``,
``.columns``), and grouped-map functions (``applyInPandas``/``mapInPandas``) analyse their input's columns on the
client. So the rows are gathered into one row of JSON lines (``collect_list`` over a single group), a scalar
pandas UDF runs the Python function on the executor, and its rows are exploded back into a table with a declared
schema. Used by the calibration tables and by ``call_satisfaction``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)


def struct(columns: list[tuple[str, str]]) -> StructType:
    """A StructType from ``(name, kind)`` pairs (a DDL string would be parsed by the server: not allowed inside a
    pipeline query function)."""
    types = {"string": StringType(), "int": IntegerType(), "double": DoubleType(),
             "array<string>": ArrayType(StringType()), "timestamp": TimestampType()}
    return StructType([StructField(name, types[kind]) for name, kind in columns])


def table_udf(columns: list[tuple[str, str]], rows_of: Callable[[list], Iterable[dict]]):
    """A scalar pandas UDF: one array of lines in, ``rows_of(lines)`` out as an array of structs (timestamps travel
    as ISO strings)."""
    kinds = dict(columns)
    wire = [(n, "string" if k == "timestamp" else k) for n, k in columns]

    @F.pandas_udf(ArrayType(struct(wire)))
    def compute(lines: pd.Series) -> pd.Series:
        out = []
        for batch in lines:
            rows = []
            for row in rows_of(list(batch)):
                rows.append({n: (None if row.get(n) is None else row[n].isoformat()) if kinds[n] == "timestamp"
                             else row.get(n) for n, _ in columns})
            out.append(rows)
        return pd.Series(out)

    return compute


def one_group_lines(*parts: DataFrame) -> DataFrame:
    """One row (``lines``: every ``line`` of every part): each part selects ``F.lit(1).alias("_g")`` and ``line``."""
    union = parts[0]
    for part in parts[1:]:
        union = union.unionByName(part)
    return union.groupBy("_g").agg(F.collect_list("line").alias("lines"))


def explode_table(grouped: DataFrame, columns: list[tuple[str, str]],
                  rows_of: Callable[[list], Iterable[dict]]) -> DataFrame:
    """``rows_of`` over the one row of :func:`one_group_lines`, exploded into a table of ``columns``."""
    computed = grouped.select(F.explode(table_udf(columns, rows_of)(F.col("lines"))).alias("r"))
    return computed.select(*[(F.col(f"r.{n}").cast("timestamp") if k == "timestamp" else F.col(f"r.{n}")).alias(n)
                             for n, k in columns])
