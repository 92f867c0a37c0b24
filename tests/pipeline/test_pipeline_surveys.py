"""Post-call surveys through the real pipeline: a CSV dropped into landing/surveys (as on a Databricks volume)
becomes one call_surveys row per call (the later answer wins), bad rows land in quarantine_call_surveys with the
rules that caught them, and call_satisfaction has one row per audited call with its survey — and, with a handful of
surveys (fewer than the model needs), no prediction but the reason. The model's fit inside Spark with enough
surveys is tests/spark/test_satisfaction_transforms.py."""

from __future__ import annotations

import pytest
from twilio_pages import sid

pytestmark = pytest.mark.pipeline


def _table(spark, settings, name):
    return spark.read.format("delta").load(str(settings.table_path(name)))


def test_dropped_surveys_reach_call_surveys_and_bad_rows_are_quarantined(scenario, spark):
    settings, landed = scenario["settings"], scenario["landed"]
    rows = {r.call_sid: r for r in _table(spark, settings, "call_surveys").collect()}
    assert {k: (r.survey_type, r.score) for k, r in rows.items()} == landed.surveys
    assert rows[sid("CA", 1)].score == 3  # the later answer (2026-12-02) won over the 9 of 2026-12-01
    assert rows[sid("CA", 1)].answered_at.strftime("%Y-%m-%d %H:%M") in ("2026-12-02 18:30", "2026-12-02 23:30")
    assert rows[sid("CA", 2)].score_0_10 == 0.0 and rows[sid("CA", 3)].score_0_10 == 10.0  # CSAT 1 / 5 -> 0 / 10
    assert rows[sid("CA", 1)].source == "encuestas-semana48.csv"

    quarantined = {r.call_sid: list(r._failed_rules)
                   for r in _table(spark, settings, "quarantine_call_surveys").collect()}
    assert quarantined == landed.bad_surveys


def test_call_satisfaction_has_every_audited_call_and_explains_the_missing_prediction(scenario, spark):
    settings, landed = scenario["settings"], scenario["landed"]
    audits = {r.call_sid: r for r in _table(spark, settings, "twilio_call_audits").collect()}
    rows = {r.call_sid: r for r in _table(spark, settings, "call_satisfaction").collect()}
    assert set(rows) == set(audits) and len(rows) == len(landed.media)  # one row per audited call
    surveyed = {k for k, r in rows.items() if r.surveyed_score is not None}
    assert surveyed == set(landed.surveys) & set(audits)  # 998 was surveyed but never audited: not here
    assert (rows[sid("CA", 2)].survey_type, rows[sid("CA", 2)].surveyed_score) == ("csat", 1)
    assert rows[sid("CA", 1)].agent == audits[sid("CA", 1)].agent is not None
    # four surveyed calls, of which the scored ones train: far fewer than the model needs
    trained = {k for k in surveyed if audits[k].quality_score is not None and audits[k].audit_error is None}
    assert all(r.predicted_score is None and r.predicted_low is None and r.model is None for r in rows.values())
    assert {r.training_rows for r in rows.values()} == {len(trained)}
    assert {r.prediction_note for r in rows.values()} == {
        f"menos de 30 encuestas para entrenar el modelo ({len(trained)}): sin predicción"}
    assert {r.interval_level for r in rows.values()} == {0.8}
