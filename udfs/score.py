"""``score_call``: the scoring pandas UDF (transcript JSON + call duration -> one audit struct).

The row-at-a-time variant :func:`make_score_call_rowwise` exists for the throughput benchmark only.
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DoubleType,
    IntegerType,
    StringType,
    StructField,
    StructType,
)

from callaudit.scoring import audit_columns, cached_scorecard

_TYPES = {
    "string": StringType(),
    "boolean": BooleanType(),
    "double": DoubleType(),
    "int": IntegerType(),
    "array<string>": ArrayType(StringType()),
    "array<double>": ArrayType(DoubleType()),
}



def audit_type(scorecard_path: str | None = None) -> StructType:
    """The UDF's return type for a scorecard: one ``has_<criterion>`` field per criterion (read on the driver when
    the dataset is defined, so a criterion added to the YAML is a column of silver and gold)."""
    card = cached_scorecard(scorecard_path or None)
    return StructType([StructField(name, _TYPES[kind]) for name, kind in audit_columns(card)])


def _plain(value):
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value


def score_rows(transcripts: pd.Series, durations: pd.Series, agent_names: pd.Series | None,
               scorecard_path: str | None) -> pd.DataFrame:
    from callaudit.scoring import audit_row_from_json

    card = cached_scorecard(scorecard_path or None)
    names = agent_names if agent_names is not None else [None] * len(transcripts)
    rows = []
    for text, duration, name in zip(transcripts, durations, names, strict=True):
        d = _plain(duration)
        rows.append(audit_row_from_json(text, card, None if d is None else float(d), agent_name=_plain(name)))
    return pd.DataFrame(rows, columns=[name for name, _ in audit_columns(card)])


def make_score_call(scorecard_path: str | None = None):
    """``score_call(transcript_json, call_duration_seconds, agent_name) -> struct<audit_columns(card)>``
    (vectorised).

    ``agent_name`` comes from the agent directory; it lets identification accept the agent's own name.
    """
    path = scorecard_path or None

    @F.pandas_udf(audit_type(path))
    def score_call(batches: Iterator[tuple[pd.Series, pd.Series, pd.Series]]) -> Iterator[pd.DataFrame]:
        from udfs.score import score_rows

        for transcripts, durations, names in batches:
            yield score_rows(transcripts, durations, names, path)

    return score_call


def make_score_call_rowwise(scorecard_path: str | None = None):
    """The same audit as a classic row-at-a-time Python UDF (pickled rows, one call per row)."""
    path = scorecard_path or None
    kind = audit_type(path)
    fields = kind.fieldNames()

    def score_one(text, duration, agent_name):
        from callaudit.scoring import audit_row_from_json, cached_scorecard

        row = audit_row_from_json(text, cached_scorecard(path), None if duration is None else float(duration),
                                  agent_name=agent_name)
        return tuple(row[name] for name in fields)

    return F.udf(score_one, kind)
