"""Analysts' reviews in the lakehouse: ``bronze_qa_reviews`` (landed CSV rows) -> ``qa_reviews`` (typed, checked,
latest import wins) -> ``calibration_agreement`` / ``calibration_disagreements`` (the same Python functions
``callaudit calibrate`` uses, run once over all reviewed calls in a grouped pandas function).

The CSV contract is :mod:`callaudit.calibration.records`; the pipeline accepts what ``callaudit review import`` writes
(normalised) and what an analyst drops by hand into the landing volume (same columns, in this order; local times
are Bogotá time). Rows that break a rule go to ``quarantine_qa_reviews`` with the rule names
(expectations/qa_reviews.yml).
"""

from __future__ import annotations

import json

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import (
    StringType,
    StructField,
    StructType,
)
from pyspark.sql.window import Window

from callaudit.calibration.records import FALSE, NOT_APPLICABLE, REVIEW_FIELDS, STEPS, TRUE
from callaudit.transforms.single_group import explode_table, one_group_lines

REVIEW_CSV = StructType([StructField(f, StringType()) for f in REVIEW_FIELDS]
                        + [StructField("_corrupt_record", StringType())])
LOCAL_TZ = "America/Bogota"  # naive review times are Bogotá time, as in records.parse_time
_ACCENTS = ("áéíóúüñ", "aeiouun")
_ZONE = r"(Z|[+-][0-9]{2}:?[0-9]{2})$"


def bronze_qa_reviews(rows: DataFrame) -> DataFrame:
    return rows.select(
        *[F.col(f) for f in REVIEW_FIELDS],
        F.col("_corrupt_record"),
        F.col("_metadata.file_path").alias("_source_file"),
        F.col("_metadata.file_modification_time").alias("_file_modified_at"),
        F.current_timestamp().alias("_ingested_at"),
    )


def _fold(col) -> F.Column:
    return F.translate(F.lower(F.trim(col)), *_ACCENTS)


def _bool(name: str) -> tuple[F.Column, F.Column]:
    """(value, valid) for a yes/no column: same answers as records.parse_bool."""
    folded = F.coalesce(_fold(F.col(name)), F.lit(""))
    value = (F.when(folded.isin(*sorted(TRUE)), F.lit(True))
             .when(folded.isin(*sorted(FALSE)), F.lit(False))
             .otherwise(F.lit(None).cast("boolean")))
    valid = folded.isin(*sorted(TRUE | FALSE | NOT_APPLICABLE))
    return value, valid


def _timestamp(col: str) -> F.Column:
    raw = F.trim(F.col(col))
    parsed = F.expr(f"try_cast(trim({col}) AS TIMESTAMP)")
    return (F.when(raw.rlike(_ZONE), parsed)
            .otherwise(F.to_utc_timestamp(parsed, LOCAL_TZ)))


def qa_reviews(bronze: DataFrame, audits: DataFrame, categories: list[str]) -> DataFrame:
    """Typed reviews with rule inputs (``_*`` columns); the latest import of each call x reviewer x time wins."""
    # groupBy, not distinct(): a Deduplicate over a pipeline input is analysed at registration (fails in SDP)
    audited = audits.groupBy(F.col("call_sid").alias("_a_sid")).agg(F.count(F.lit(1)).alias("_a_n"))
    category_raw = F.trim(F.col("quality_category"))
    category = F.lit(None).cast("string")
    for name in reversed(categories):
        category = F.when(_fold(category_raw) == _fold(F.lit(name)), F.lit(name)).otherwise(category)
    steps = {s: _bool(s) for s in STEPS}
    calibration, calibration_ok = _bool("is_calibration")
    words = F.array_sort(F.array_distinct(F.filter(
        F.transform(F.split(F.coalesce(F.col("forbidden_words"), F.lit("")), ";"),
                    lambda w: F.regexp_replace(F.lower(F.trim(w)), r"\s+", " ")),
        lambda w: w != F.lit(""))))
    typed = bronze.join(audited, F.trim(F.col("call_sid")) == F.col("_a_sid"), "left").select(
        F.trim(F.col("call_sid")).alias("call_sid"),
        F.regexp_replace(F.trim(F.col("reviewer")), r"\s+", " ").alias("reviewer"),
        _timestamp("reviewed_at").alias("reviewed_at"),
        *[steps[s][0].alias(s) for s in STEPS],
        words.alias("forbidden_words"),
        category.alias("quality_category"),
        F.coalesce(calibration, F.lit(False)).alias("is_calibration"),
        F.coalesce(F.trim(F.col("note")), F.lit("")).alias("note"),
        F.element_at(F.split(F.col("_source_file"), "/"), -1).alias("source"),
        F.col("_file_modified_at").alias("imported_at"),
        F.col("_source_file"),
        F.col("_corrupt_record"),
        F.col("reviewed_at").alias("_reviewed_at_raw"),
        F.col("quality_category").alias("_quality_category_raw"),
        F.col("_a_sid").isNotNull().alias("_call_audited"),
        F.array_compact(F.array(*[F.when(~steps[s][1], F.lit(s)) for s in STEPS],
                                F.when(~calibration_ok, F.lit("is_calibration")))).alias("_bad_booleans"),
        F.col("_ingested_at"),
    )
    latest = F.row_number().over(
        Window.partitionBy("call_sid", "reviewer", "reviewed_at")
        .orderBy(F.col("imported_at").desc_nulls_last(), F.col("_source_file").desc()))
    return typed.select("*", latest.alias("_version")).where(
        (F.col("_version") == 1) | F.col("call_sid").isNull() | F.col("reviewer").isNull()
        | F.col("reviewed_at").isNull())


# ---- agreement inside the pipeline: one grouped pandas function over the reviewed calls -----------------------
AUDIT_FIELDS_FOR_CALIBRATION = ["call_sid", "recording_sid", "agent", "call_date", "scorecard_version",
                                "has_greeting", "has_identification", "has_help_offer", "has_farewell",
                                "forbidden_words", "quality_category", "audit_error", "evidence_json"]
REVIEW_FIELDS_FOR_CALIBRATION = ["call_sid", "reviewer", "reviewed_at", *STEPS, "forbidden_words",
                                 "quality_category", "is_calibration", "note"]


def _calibration_input(audits: DataFrame, reviews: DataFrame) -> DataFrame:
    """One row holding every reviewed call's audit and every review as JSON lines ("audit\t{...}")."""
    reviewed = reviews.groupBy(F.col("call_sid").alias("_r_sid")).agg(F.count(F.lit(1)).alias("_r_n"))
    audit_rows = audits.join(reviewed, F.col("call_sid") == F.col("_r_sid"), "left_semi").select(
        F.lit(1).alias("_g"),
        F.concat(F.lit("audit\t"), F.to_json(F.struct(*AUDIT_FIELDS_FOR_CALIBRATION))).alias("line"))
    review_rows = reviews.select(
        F.lit(1).alias("_g"),
        F.concat(F.lit("review\t"), F.to_json(F.struct(*REVIEW_FIELDS_FOR_CALIBRATION))).alias("line"))
    return one_group_lines(audit_rows, review_rows)


def _run_calibration(lines, categories: list[str]):
    from callaudit.calibration.calibrate import calibrate

    audits, reviews = [], []
    for line in lines:
        kind, _, payload = str(line).partition("\t")
        (audits if kind == "audit" else reviews).append(json.loads(payload))
    return calibrate(audits, reviews, categories)


def _explode(audits: DataFrame, reviews: DataFrame, columns: list[tuple[str, str]], rows_of) -> DataFrame:
    return explode_table(_calibration_input(audits, reviews), columns, rows_of)


def calibration_agreement(audits: DataFrame, reviews: DataFrame, categories: list[str]) -> DataFrame:
    from callaudit.calibration.calibrate import AGREEMENT_COLUMNS

    return _explode(audits, reviews, AGREEMENT_COLUMNS,
                    lambda lines: _run_calibration(lines, categories).agreement)


def calibration_disagreements(audits: DataFrame, reviews: DataFrame, categories: list[str]) -> DataFrame:
    from callaudit.calibration.calibrate import DISAGREEMENT_COLUMNS

    return _explode(audits, reviews, DISAGREEMENT_COLUMNS,
                    lambda lines: _run_calibration(lines, categories).disagreements)
