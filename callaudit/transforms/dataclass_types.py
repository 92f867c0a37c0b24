"""Spark types derived from the product's dataclasses, so a shape lives in one place.

``struct_of(Transcript)`` is the type of ``silver_transcriptions.transcript``: add a field to the dataclass and the
table gets the column. Python -> Spark: ``str`` string, ``int`` int, ``float`` double, ``bool`` boolean,
``X | None`` nullable X, ``list[X]`` array, ``dict[str, X]`` map, a dataclass a nested struct.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from functools import cache

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DataType,
    DoubleType,
    IntegerType,
    MapType,
    StringType,
    StructField,
    StructType,
)

_SCALARS: dict[type, DataType] = {str: StringType(), int: IntegerType(), float: DoubleType(), bool: BooleanType()}


def spark_type(hint) -> DataType:
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"no Spark type for the union {hint}")
        return spark_type(args[0])
    if origin is list:
        (item,) = typing.get_args(hint)
        return ArrayType(spark_type(item))
    if origin is dict:
        key, value = typing.get_args(hint)
        return MapType(spark_type(key), spark_type(value))
    if dataclasses.is_dataclass(hint):
        return struct_of(hint)
    if hint in _SCALARS:
        return _SCALARS[hint]
    raise TypeError(f"no Spark type for {hint!r}")


@cache
def struct_of(cls) -> StructType:
    """The Spark struct of a dataclass, field by field in declaration order (every field nullable)."""
    hints = typing.get_type_hints(cls)
    return StructType([StructField(f.name, spark_type(hints[f.name])) for f in dataclasses.fields(cls)])
