"""Reading what review and calibration need from the lakehouse (local Delta or Unity Catalog, one seam).

All readers return plain Python rows (dicts); the cores (:mod:`calibrate`, :mod:`sample`, the review page) never
see Spark.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from callaudit.config import Settings
from callaudit.errors import UserError

AUDITS = "twilio_call_audits"
REVIEWS = "qa_reviews"
RESCORED = "rescored_call_audits"
TRANSCRIPTS = "twilio_transcriptions"


@dataclass
class Lakehouse:
    spark: Any
    tables: dict[str, str] = field(default_factory=dict)

    def has(self, name: str) -> bool:
        return name in self.tables

    def rows(self, name: str, columns: list[str] | None = None, where: str | None = None) -> list[dict]:
        from callaudit.lakehouse.tables import read_table

        if name not in self.tables:
            return []
        df = read_table(self.spark, self.tables[name])
        if where:
            df = df.where(where)
        if columns:
            present = set(df.columns)
            from pyspark.sql import functions as F

            df = df.select(*[F.col(c) if c in present else F.lit(None).alias(c) for c in columns])
        return [r.asDict(recursive=True) for r in df.collect()]


def open_reviews_lakehouse(settings: Settings, spark=None, *, need_audits: bool = True) -> Lakehouse:
    from callaudit.lakehouse.tables import open_lakehouse

    spark, tables = open_lakehouse(settings, "callaudit-review", spark)
    if need_audits and AUDITS not in tables:
        raise UserError(f"no {AUDITS} table in {settings.warehouse}",
                        hint="run `callaudit demo` (or `callaudit ingest` then `callaudit pipeline run`) first: "
                             "reviews are verdicts on audited calls.")
    return Lakehouse(spark=spark, tables=tables)


CALIBRATION_AUDIT_COLUMNS = ["call_sid", "recording_sid", "agent", "call_date", "start_time", "scorecard_version",
                             "scorecard_checksum", "has_greeting", "has_identification", "has_help_offer",
                             "has_farewell", "forbidden_words", "quality_category", "audit_error", "evidence_json"]
REVIEW_COLUMNS = ["call_sid", "reviewer", "reviewed_at", "has_greeting", "has_identification", "has_help_offer",
                  "has_farewell", "forbidden_words", "quality_category", "is_calibration", "note", "source",
                  "imported_at"]


def audited_call_sids(lake: Lakehouse) -> set[str]:
    from callaudit.lakehouse.tables import read_table

    df = read_table(lake.spark, lake.tables[AUDITS]).select("call_sid")
    return {r.call_sid for r in df.collect() if r.call_sid}
