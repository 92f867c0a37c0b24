"""Post-call surveys in the lakehouse: ``bronze_surveys`` (landed CSV rows) -> ``call_surveys`` (typed, checked, one
row per call: the latest answer wins) -> ``call_satisfaction`` (every audited call with its survey, if any, and the
score a model fitted on the surveyed calls predicts, with an interval).

The CSV contract is :mod:`callaudit.satisfaction.records`; the model is :mod:`callaudit.satisfaction.model`, run
once over all audited calls in a single-group pandas UDF (:mod:`callaudit.transforms.single_group`), so the fit
happens on an executor and the query function only builds the plan. Rows that break a rule go to
``quarantine_call_surveys`` with the rule names (expectations/call_surveys.yml).
"""

from __future__ import annotations

import json

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType
from pyspark.sql.window import Window

from callaudit.satisfaction.model import AUDIT_COLUMNS, LEVEL, SATISFACTION_COLUMNS
from callaudit.satisfaction.records import CALL_SID_RE, SCALES, SCORE_RE, SURVEY_FIELDS
from callaudit.transforms.reviews import _timestamp as local_timestamp
from callaudit.transforms.single_group import explode_table, one_group_lines

SURVEY_CSV = StructType([StructField(f, StringType()) for f in SURVEY_FIELDS]
                        + [StructField("_corrupt_record", StringType())])


def bronze_surveys(rows: DataFrame) -> DataFrame:
    return rows.select(
        *[F.col(f) for f in SURVEY_FIELDS],
        F.col("_corrupt_record"),
        F.col("_metadata.file_path").alias("_source_file"),
        F.col("_metadata.file_modification_time").alias("_file_modified_at"),
        F.current_timestamp().alias("_ingested_at"),
    )


def _scale(kind: F.Column, pick: int) -> F.Column:
    out = F.lit(None).cast("int")
    for name, bounds in SCALES.items():
        out = F.when(kind == F.lit(name), F.lit(bounds[pick])).otherwise(out)
    return out


def call_surveys(bronze: DataFrame) -> DataFrame:
    """Typed answers with rule inputs (``_*_ok`` columns, the rules are expectations/call_surveys.yml); among a
    call's valid answers the latest (answered_at, then the latest landed file) wins; invalid rows are all kept so
    the expectations can quarantine each with its reason."""
    sid = F.trim(F.col("call_sid"))
    kind = F.lower(F.trim(F.col("survey_type")))
    raw_score = F.trim(F.col("score"))
    low, high = _scale(kind, 0), _scale(kind, 1)
    score = F.when(raw_score.rlike(SCORE_RE.pattern), F.expr("try_cast(try_cast(trim(score) AS DOUBLE) AS INT)"))
    answered_at = local_timestamp("answered_at")
    checks = {
        "_sid_ok": F.coalesce(sid.rlike(CALL_SID_RE.pattern), F.lit(False)),
        "_type_ok": F.coalesce(kind.isin(*sorted(SCALES)), F.lit(False)),
        "_score_ok": F.coalesce(score.between(low, high), F.lit(False)),
        "_answered_at_ok": F.coalesce(answered_at.isNotNull()
                                      & (answered_at <= F.current_timestamp() + F.expr("INTERVAL 1 DAY"))
                                      & (F.year(answered_at) >= 2000), F.lit(False)),
    }
    valid = F.col("_corrupt_record").isNull()
    for check in checks.values():
        valid = valid & check
    typed = bronze.select(
        sid.alias("call_sid"),
        kind.alias("survey_type"),
        score.alias("score"),
        F.when(checks["_score_ok"], F.round((score - low) * F.lit(10.0) / (high - low), 3)).alias("score_0_10"),
        answered_at.alias("answered_at"),
        F.element_at(F.split(F.col("_source_file"), "/"), -1).alias("source"),
        F.col("_file_modified_at").alias("imported_at"),
        F.col("_source_file"),
        F.col("_corrupt_record"),
        F.col("survey_type").alias("_survey_type_raw"),
        F.col("score").alias("_score_raw"),
        F.col("answered_at").alias("_answered_at_raw"),
        *[check.alias(name) for name, check in checks.items()],
        valid.alias("_valid"),
        F.col("_ingested_at"),
    )
    latest = F.row_number().over(
        Window.partitionBy("call_sid", "_valid")
        .orderBy(F.col("answered_at").desc_nulls_last(), F.col("imported_at").desc_nulls_last(),
                 F.col("_source_file").desc()))
    return typed.select("*", latest.alias("_version")).where((F.col("_version") == 1) | ~F.col("_valid"))


# ---- the model inside the pipeline ---------------------------------------------------------------------------------
def _satisfaction_rows(lines, min_surveys: int | None = None) -> list[dict]:
    from callaudit.satisfaction.model import MIN_SURVEYS, predict_calls

    audits, surveys = [], {}
    for line in lines:
        kind, _, payload = str(line).partition("\t")
        row = json.loads(payload)
        if kind == "audit":
            audits.append(row)
        elif row.get("score_0_10") is not None:
            surveys[row["call_sid"]] = float(row["score_0_10"])
    return predict_calls(audits, surveys, min_surveys=MIN_SURVEYS if min_surveys is None else min_surveys)


def with_driver(audits: DataFrame, topics: DataFrame | None) -> DataFrame:
    """The audits with their call's driver (``call_topics``; null without it). Only lazy operations: a pipeline
    query function may not make the server resolve columns by name (``drop``/``withColumn`` on names do)."""
    if topics is None:
        return audits.select("*", F.lit(None).cast("string").alias("driver"))
    t = topics.select(F.col("recording_sid").alias("_t_rec"), "driver")
    return audits.join(t, F.col("recording_sid") == F.col("_t_rec"), "left")


def predictions(audits: DataFrame, surveys: DataFrame, *, min_surveys: int | None = None,
                topics: DataFrame | None = None) -> DataFrame:
    """One row per audit: ``SATISFACTION_COLUMNS`` computed by the pure-Python model over every audit and survey."""
    grouped = one_group_lines(
        with_driver(audits, topics).select(
            F.lit(1).alias("_g"),
            F.concat(F.lit("audit\t"), F.to_json(F.struct(*AUDIT_COLUMNS, "driver"))).alias("line")),
        surveys.select(F.lit(1).alias("_g"),
                       F.concat(F.lit("survey\t"), F.to_json(F.struct("call_sid", "score_0_10"))).alias("line")))
    return explode_table(grouped, SATISFACTION_COLUMNS, lambda lines: _satisfaction_rows(lines, min_surveys))


def call_satisfaction(audits: DataFrame, surveys: DataFrame, *, min_surveys: int | None = None,
                      topics: DataFrame | None = None) -> DataFrame:
    """Every audited call, its survey (if any) and the predicted 0–10 score with its interval (or why none)."""
    survey = surveys.select(F.col("call_sid").alias("_s_sid"), "survey_type",
                            F.col("score").alias("surveyed_score"),
                            F.col("score_0_10").alias("surveyed_score_0_10"), "answered_at")
    predicted = predictions(audits, surveys, min_surveys=min_surveys, topics=topics).select(
        F.col("call_sid").alias("_p_sid"), *[n for n, _ in SATISFACTION_COLUMNS if n != "call_sid"])
    return (audits.select("call_sid", "agent", "vendor", "team", "call_date", "start_time", "quality_score")
            .join(survey, F.col("call_sid") == F.col("_s_sid"), "left")
            .join(predicted, F.col("call_sid") == F.col("_p_sid"), "left")
            .select("call_sid", "agent", "vendor", "team", "call_date", "start_time", "quality_score",
                    "survey_type", "surveyed_score", "surveyed_score_0_10", "answered_at",
                    "predicted_score", "predicted_low", "predicted_high",
                    F.lit(LEVEL).alias("interval_level"), "prediction_note", "model", "training_rows"))
