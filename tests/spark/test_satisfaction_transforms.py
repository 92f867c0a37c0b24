"""Surveys on the shared SparkSession: typed and checked answers (latest wins, bad rows quarantined with the rule),
and the satisfaction mart's model fitted inside a Spark job (the single-group pandas UDF) with enough surveys."""

from __future__ import annotations

import random

import pytest

from callaudit.lakehouse import expectations as ex
from callaudit.satisfaction.model import MIN_SURVEYS, predict_calls
from callaudit.transforms import satisfaction

pytestmark = pytest.mark.spark


def _sid(n: int) -> str:
    return f"CA{n:032x}"


def _bronze(spark, rows):
    data = [(*r, None, f"file:/landing/surveys/{name}.csv", None, None) for *r, name in rows]
    schema = ("call_sid string, survey_type string, score string, answered_at string, _corrupt_record string, "
              "_source_file string, _file_modified_at timestamp, _ingested_at timestamp")
    return spark.createDataFrame(data, schema)


def test_call_surveys_keeps_the_latest_valid_answer_and_quarantines_bad_rows(spark):
    bronze = _bronze(spark, [
        (_sid(1), "nps", "9", "2026-12-01 09:00", "a"),
        (_sid(1), "NPS", "4", "2026-12-02T10:00:00Z", "b"),  # later answer of the same call: wins
        (_sid(2), "csat", "4", "2026-12-01", "a"),
        (_sid(3), "csat", "7", "2026-12-01", "a"),  # out of the CSAT range
        ("CA123", "nps", "5", "2026-12-01", "a"),  # not a call sid
        (_sid(4), "ces", "3", "2026-12-01", "a"),  # unknown survey type
        (_sid(5), "nps", "8", "ayer", "a"),  # not a date
        (_sid(6), "nps", "7.5", "2026-12-01", "a"),  # not a whole number
        (_sid(7), "nps", "99999999999999", "2026-12-01", "a"),  # huge: no ANSI overflow, just out of range
        (_sid(2), "csat", "1", "2026-11-30", "c"),  # an older answer: loses
    ])
    rules = ex.load("call_surveys")
    df = satisfaction.call_surveys(bronze)
    kept = {r.call_sid: r for r in ex.apply_rules(df, rules).collect()}
    assert set(kept) == {_sid(1), _sid(2)}
    assert kept[_sid(1)].score == 4 and kept[_sid(1)].survey_type == "nps" and kept[_sid(1)].score_0_10 == 4.0
    assert kept[_sid(2)].score == 4 and kept[_sid(2)].score_0_10 == 7.5  # CSAT 4 -> 7.5 on 0-10
    assert kept[_sid(1)].answered_at.isoformat().startswith("2026-12-02")
    quarantined = {r.call_sid: list(r._failed_rules) for r in ex.quarantine_rows(df, rules).collect()}
    assert quarantined == {_sid(3): ["score_in_range"], "CA123": ["call_sid_format"], _sid(4): ["survey_type_known",
                           "score_in_range"], _sid(5): ["answered_at_valid"], _sid(6): ["score_in_range"],
                           _sid(7): ["score_in_range"]}


def _audits(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        upset = rng.random() < 0.3
        out.append({"call_sid": _sid(100 + i), "agent": "maria.lopez", "vendor": "Konecta", "team": "Tarjetas",
                    "quality_score": rng.uniform(20, 100), "missed_criteria": ["has_greeting"] * rng.randint(0, 2),
                    "forbidden_words": [], "critical_errors": [], "sentiment_score": rng.uniform(-1, 1),
                    "customer_final_sentiment": -0.6 if upset else 0.4, "customer_ends_upset": upset,
                    "silence_seconds": rng.uniform(0, 40), "longest_silence_seconds": rng.uniform(0, 20),
                    "interruptions_by_agent": rng.randint(0, 3), "interruptions_by_customer": 0,
                    "escalation_requested": False, "call_duration_seconds": 90.0,
                    "audit_error": "transcription failed" if i == 0 else None})
    return out


AUDIT_SCHEMA = ("call_sid string, agent string, vendor string, team string, quality_score double, "
                "missed_criteria array<string>, forbidden_words array<string>, critical_errors array<string>, "
                "sentiment_score double, customer_final_sentiment double, customer_ends_upset boolean, "
                "silence_seconds double, longest_silence_seconds double, interruptions_by_agent int, "
                "interruptions_by_customer int, escalation_requested boolean, call_duration_seconds double, "
                "audit_error string")


def test_call_satisfaction_fits_in_spark_and_matches_the_python_core(spark):
    from pyspark.sql import functions as F

    audits = _audits(90)
    rng = random.Random(9)
    surveyed = {a["call_sid"]: round(max(0.0, min(10.0, 1 + a["quality_score"] / 12
                                                  - 3 * a["customer_ends_upset"] + rng.gauss(0, 0.8))))
                for a in audits[:60]}
    cols = [c.split()[0] for c in AUDIT_SCHEMA.split(", ")]
    audits_df = spark.createDataFrame([tuple(a[c] for c in cols) for a in audits], AUDIT_SCHEMA).select(
        "*", F.to_date(F.lit("2026-12-01")).alias("call_date"),
        F.to_timestamp(F.lit("2026-12-01 15:00:00")).alias("start_time"))
    surveys_df = spark.createDataFrame([(sid, "nps", int(v), float(v)) for sid, v in surveyed.items()],
                                       "call_sid string, survey_type string, score int, score_0_10 double").select(
        "*", F.to_timestamp(F.lit("2026-12-02 10:00:00")).alias("answered_at"))
    rows = {r.call_sid: r for r in satisfaction.call_satisfaction(audits_df, surveys_df).collect()}

    assert len(rows) == 90
    want = {r["call_sid"]: r for r in predict_calls(audits, {k: float(v) for k, v in surveyed.items()})}
    for sid, row in rows.items():
        assert row.predicted_score == pytest.approx(want[sid]["predicted_score"]) if row.predicted_score is not None \
            else want[sid]["predicted_score"] is None
    broken = rows[audits[0]["call_sid"]]
    assert broken.predicted_score is None and "no tiene puntaje" in broken.prediction_note
    fine = rows[audits[70]["call_sid"]]
    assert fine.surveyed_score is None and fine.prediction_note is None
    assert 0 <= fine.predicted_low <= fine.predicted_score <= fine.predicted_high <= 10
    assert fine.training_rows == 59 and fine.interval_level == 0.8 and "ridge" in fine.model
    surveyed_row = rows[audits[5]["call_sid"]]
    assert surveyed_row.survey_type == "nps" and surveyed_row.surveyed_score == surveyed[audits[5]["call_sid"]]


def test_call_satisfaction_with_too_few_surveys_has_rows_without_predictions(spark):
    from pyspark.sql import functions as F

    audits = _audits(12)
    cols = [c.split()[0] for c in AUDIT_SCHEMA.split(", ")]
    audits_df = spark.createDataFrame([tuple(a[c] for c in cols) for a in audits], AUDIT_SCHEMA).select(
        "*", F.lit(None).cast("date").alias("call_date"), F.lit(None).cast("timestamp").alias("start_time"))
    surveys_df = spark.createDataFrame([(audits[1]["call_sid"], "csat", 5, 10.0)],
                                       "call_sid string, survey_type string, score int, score_0_10 double").select(
        "*", F.lit(None).cast("timestamp").alias("answered_at"))
    rows = satisfaction.call_satisfaction(audits_df, surveys_df).collect()
    assert len(rows) == 12 and all(r.predicted_score is None for r in rows)
    assert {r.prediction_note for r in rows} == {f"menos de {MIN_SURVEYS} encuestas para entrenar el modelo (1): "
                                                 "sin predicción"}
    assert sum(r.surveyed_score == 5 for r in rows) == 1
