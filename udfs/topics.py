"""``classify_driver``: the call-driver pandas UDF (redacted transcript JSON -> driver struct).

The classifier (taxonomy + exported linear model) is loaded once per Python worker; each Arrow batch is scored
with it row by row (a sparse dot product per call: microseconds).
"""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, BooleanType, DoubleType, StringType, StructField, StructType

DRIVER_TYPE = StructType([
    StructField("driver", StringType()),
    StructField("driver_label", StringType()),
    StructField("driver_confidence", DoubleType()),
    StructField("driver_method", StringType()),
    StructField("driver_evidence", ArrayType(StringType())),
    StructField("runner_up", StringType()),
    StructField("driver_needs_review", BooleanType()),
    StructField("taxonomy_version", StringType()),
])


def classify_rows(transcripts: pd.Series, taxonomy_path: str | None) -> pd.DataFrame:
    from callaudit.topics.classify import cached_classifier, classify_transcript_json

    clf = cached_classifier(taxonomy_path or None)
    rows = [classify_transcript_json(None if t is None or (not isinstance(t, str) and pd.isna(t)) else t,
                                     clf).as_row() for t in transcripts]
    return pd.DataFrame(rows, columns=[f.name for f in DRIVER_TYPE.fields])


def make_classify_driver(taxonomy_path: str | None = None):
    path = taxonomy_path or None

    @F.pandas_udf(DRIVER_TYPE)
    def classify_driver(batches: Iterator[pd.Series]) -> Iterator[pd.DataFrame]:
        from udfs.topics import classify_rows

        for transcripts in batches:
            yield classify_rows(transcripts, path)

    return classify_driver
