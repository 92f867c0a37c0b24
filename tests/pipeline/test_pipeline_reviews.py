"""Analysts' reviews through the real pipeline: a CSV dropped into landing/reviews (as on a Databricks volume)
becomes qa_reviews rows, bad rows land in quarantine_qa_reviews with the rule that caught them, and the
pipeline's calibration tables equal what ``callaudit calibrate`` computes from the same gold rows."""

from __future__ import annotations

import json
import math

import pytest

pytestmark = pytest.mark.pipeline


def _table(spark, settings, name):
    return spark.read.format("delta").load(str(settings.table_path(name)))


def test_dropped_reviews_reach_qa_reviews_and_bad_rows_are_quarantined(scenario, spark):
    settings, landed = scenario["settings"], scenario["landed"]
    reviews = _table(spark, settings, "qa_reviews").collect()
    assert {(r.call_sid, r.reviewer) for r in reviews} == landed.reviews
    by_reviewer = {(r.call_sid, r.reviewer): r for r in reviews}
    ana = next(r for k, r in by_reviewer.items() if k[1] == "Ana Ruiz" and r.note)
    assert ana.note == "bien, completa" and ana.has_greeting is True and ana.quality_category == "Buena"
    assert ana.reviewed_at.strftime("%H:%M") in ("09:00", "14:00")  # naive Bogotá time kept as that instant
    bad = next(r for r in reviews if r.forbidden_words)
    assert bad.forbidden_words == ["qué pereza"] and bad.quality_category == "Requiere Atención"
    assert sum(r.is_calibration for r in reviews) == 1

    quarantined = _table(spark, settings, "quarantine_qa_reviews").collect()
    assert {r.call_sid: list(r._failed_rules) for r in quarantined} == \
        {sid: [rule] for sid, rule in landed.bad_reviews.items()}


def test_pipeline_agreement_equals_the_cli_computation(scenario, spark):
    from callaudit.calibration.calibrate import calibrate
    from callaudit.review.data import CALIBRATION_AUDIT_COLUMNS, REVIEW_COLUMNS
    from callaudit.scoring import load_scorecard

    settings = scenario["settings"]
    audits = [r.asDict(recursive=True) for r in
              _table(spark, settings, "twilio_call_audits").select(*CALIBRATION_AUDIT_COLUMNS).collect()]
    reviews = [r.asDict(recursive=True) for r in
               _table(spark, settings, "qa_reviews").select(*REVIEW_COLUMNS).collect()]
    cats = [c.name for c in load_scorecard(settings.scorecard_path).categories]
    expected = calibrate(audits, reviews, cats)
    got = [r.asDict(recursive=True) for r in _table(spark, settings, "calibration_agreement").collect()]
    key = lambda r: (r["comparison"], r["scope"], r["scope_value"], r["criterion"])  # noqa: E731
    assert sorted(map(key, got)) == sorted(map(key, expected.agreement))
    want = {key(r): r for r in expected.agreement}
    for row in got:
        for column in ("n", "n_excluded", "disagreements", "confusion_json", "weights", "bootstrap_seed"):
            assert row[column] == want[key(row)][column], (key(row), column)
        for column in ("agreement", "kappa", "kappa_low", "kappa_high"):
            a, b = row[column], want[key(row)][column]
            assert (a is None and b is None) or math.isclose(a, b, abs_tol=1e-12), (key(row), column, a, b)
    greeting = want[("auditor_vs_analyst", "all", "", "greeting")]
    assert greeting["n"] == 2  # call 1 and call 2 by Ana; Luis's review was a calibration session
    peers = want[("analyst_vs_analyst", "all", "", "identification")]
    assert peers["n"] == 1 and json.loads(peers["confusion_json"]) == [[0, 1], [0, 0]]

    disagreements = _table(spark, settings, "calibration_disagreements").collect()
    assert len(disagreements) == len(expected.disagreements)
    assert all(d.evidence for d in disagreements if d.comparison == "auditor_vs_analyst")


def test_a_review_drop_alone_refreshes_only_the_tables_that_read_reviews(scenario):
    """Run 4: gold was current, then only landing/reviews changed — the update refreshes the five tables that read
    it (the late row reaches quarantine_qa_reviews: see the test above) and leaves every other table as it was."""
    from callaudit.lakehouse import catalog, freshness
    from callaudit.lakehouse.runner import pipeline_configuration

    run = scenario["partial"]
    assert run.ok, run.summary()
    want = sorted(catalog.downstream(catalog.datasets(), {"reviews"}))
    assert run.refreshed == want and "landing/reviews" in run.note
    ran = {name for name, flow in run.flows.items() if flow.state == "COMPLETED"}
    assert ran == set(want), run.summary()
    before = scenario["snaps"][-1]
    for table, rows in scenario["after_partial"].items():
        assert rows == before[table], f"{table} changed in an update that only had to refresh the review tables"
    assert freshness.check(scenario["settings"], pipeline_configuration(scenario["settings"])).current
