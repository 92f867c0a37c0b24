"""Given these gold rows, expect these chart numbers (pure Python: no Spark, no browser)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from callaudit.report import fmt, metrics
from callaudit.report.safety import mask_phone, safe_snippet, scrub_text

D = date(2026, 11, 20)  # a Friday


def audit(**kw):
    row = {"call_sid": kw.pop("sid", "CA1"), "agent": "María", "vendor": "Konecta", "call_date": D,
           "quality_score": 80.0, "quality_category": "Buena", "has_greeting": True, "has_identification": True,
           "has_help_offer": True, "has_farewell": True, "forbidden_words": [], "sentiment_score": 0.5,
           "needs_manual_review": False}
    row.update(kw)
    return row


def test_kpis_follow_the_mart_formulas_and_targets():
    rows = [audit(sid="A", quality_score=90.0, sentiment_score=0.6),
            audit(sid="B", quality_score=30.0, has_greeting=False, forbidden_words=["qué pereza"],
                  sentiment_score=-0.8, needs_manual_review=True),
            audit(sid="C", quality_score=None, has_greeting=False, sentiment_score=None, needs_manual_review=True)]
    k = {x.kpi: x for x in metrics.kpis_for_period(rows)}
    assert k["avg_quality_score"].value == pytest.approx(60.0)  # the unscored call is ignored, not a 0
    assert k["greeting_rate"].value == pytest.approx(1 / 3)  # ... but counts in the denominator of rates
    assert k["forbidden_word_rate"].value == pytest.approx(1 / 3)
    assert k["avg_sentiment"].value == pytest.approx(-0.1)
    assert k["manual_review_rate"].value == pytest.approx(2 / 3)
    assert [x.met for x in k.values()] == [False, False, False, False, False]
    assert k["avg_quality_score"].target == 75.0 and k["avg_quality_score"].comparison == ">"
    good = metrics.kpis_for_period([audit(sid=str(i), quality_score=95.0) for i in range(3)])
    assert all(x.met for x in good)


def test_kpis_of_an_empty_period_are_unknown_not_zero():
    assert all(k.value is None and k.met is None for k in metrics.kpis_for_period([]))


def test_daily_quality_has_one_point_per_day_and_gaps_without_calls():
    rows = [audit(sid="a", quality_score=90.0), audit(sid="b", quality_score=35.0),
            audit(sid="c", quality_score=45.0, call_date=D + timedelta(days=2)),
            audit(sid="d", quality_score=None, call_date=D + timedelta(days=2)),
            audit(sid="old", call_date=D - timedelta(days=40))]
    days = metrics.daily_quality(rows, D, D + timedelta(days=2))
    assert [d.day for d in days] == [D, D + timedelta(days=1), D + timedelta(days=2)]
    assert days[0].avg_score == pytest.approx(62.5) and days[0].critical_calls == 1 and days[0].problem_calls == 1
    assert days[1].calls == 0 and days[1].avg_score is None
    assert days[2].calls == 2 and days[2].avg_score == 45.0 and days[2].critical_calls == 0
    assert days[2].problem_calls == 1


def test_protocol_compliance_per_agent_and_vendor_least_compliant_first():
    rows = [audit(sid="1", agent="Ana", has_greeting=False), audit(sid="2", agent="Ana"),
            audit(sid="3", agent="Beto", vendor="Teleperformance", has_farewell=False, has_help_offer=False),
            audit(sid="4", agent="Beto", vendor="Teleperformance", quality_score=None, has_greeting=False)]
    by_agent = metrics.protocol_compliance(rows, by="agent")
    assert [c.key for c in by_agent] == ["Beto", "Ana"]
    beto, ana = by_agent
    assert beto.calls == 1  # the unscored call says nothing about the protocol
    assert beto.rates == {"has_greeting": 1.0, "has_identification": 1.0, "has_help_offer": 0.0, "has_farewell": 0.0}
    assert ana.rates["has_greeting"] == 0.5 and ana.rates["has_farewell"] == 1.0
    by_vendor = {c.key: c for c in metrics.protocol_compliance(rows, by="vendor")}
    assert set(by_vendor) == {"Konecta", "Teleperformance"} and by_vendor["Konecta"].calls == 2


def test_forbidden_words_count_calls_most_frequent_first():
    rows = [audit(sid="1", forbidden_words=["qué pereza", "ni idea"]),
            audit(sid="2", agent="Beto", forbidden_words=["qué pereza", "qué pereza"]),
            audit(sid="3", forbidden_words=None)]
    words = metrics.forbidden_word_frequency(rows)
    assert [(w.word, w.times, w.agents) for w in words] == [("qué pereza", 2, 2), ("ni idea", 1, 1)]
    assert metrics.forbidden_word_frequency(rows, limit=1)[0].word == "qué pereza"


def test_duration_histogram_bins_parent_legs_of_completed_calls():
    calls = [{"is_parent_leg": True, "status": "completed", "duration_seconds": s} for s in (0, 29, 30, 59, 61, 1200)]
    calls += [{"is_parent_leg": False, "status": "completed", "duration_seconds": 40},  # <Dial> child leg
              {"is_parent_leg": True, "status": "no-answer", "duration_seconds": None},
              {"is_parent_leg": True, "status": "busy", "duration_seconds": 0}]
    h = metrics.duration_histogram(calls)
    counts = dict(h.bins)
    assert counts["< 30 s"] == 2 and counts["30–60 s"] == 2 and counts["1–2 min"] == 1 and counts["≥ 20 min"] == 1
    assert sum(counts.values()) == h.answered == 6
    assert h.not_answered == 2
    assert h.median_seconds == pytest.approx((30 + 59) / 2)


def test_sentiment_by_day_and_by_iso_week():
    rows = [audit(sid="1", sentiment_score=0.4), audit(sid="2", sentiment_score=-0.6),
            audit(sid="3", call_date=D + timedelta(days=3), sentiment_score=0.2),  # Monday: next week
            audit(sid="4", call_date=D + timedelta(days=3), sentiment_score=None)]
    days = metrics.sentiment_by_day(rows, D, D + timedelta(days=3))
    assert days[0].avg == pytest.approx(-0.1) and days[0].calls == 2 and days[0].negative_calls == 1
    assert days[1].avg is None and days[3].calls == 1
    weeks = metrics.sentiment_by_week(rows, D, D + timedelta(days=3))
    assert [w.start for w in weeks] == [date(2026, 11, 16), date(2026, 11, 23)]
    assert weeks[0].avg == pytest.approx(-0.1) and weeks[1].avg == pytest.approx(0.2)


def test_critical_calls_and_review_queue_order_worst_first():
    rows = [audit(sid="x", quality_score=39.9), audit(sid="y", quality_score=12.0), audit(sid="z", quality_score=40.0),
            audit(sid="u", quality_score=None)]
    assert [r["call_sid"] for r in metrics.critical_calls(rows)] == ["y", "x"]
    queue = [{"call_sid": "n", "priority": "normal", "quality_score": 10.0},
             {"call_sid": "h", "priority": "high", "quality_score": 70.0},
             {"call_sid": "c2", "priority": "critical", "quality_score": 30.0},
             {"call_sid": "c1", "priority": "critical", "quality_score": 5.0},
             {"call_sid": "u", "priority": "normal", "quality_score": None}]
    assert [r["call_sid"] for r in metrics.order_review_queue(queue)] == ["c1", "c2", "h", "n", "u"]


def test_snippets_are_scrubbed_and_cut_and_phones_masked():
    text = "customer: mi número es 300 123 4567 y el correo ana.p@example.com, cédula [CEDULA]"
    clean = scrub_text(text)
    assert "4567" not in clean and "example.com" not in clean
    assert "[CEDULA]" in clean and "[EMAIL]" in clean and "[NUMERO]" in clean
    assert scrub_text("llamé a las 10 30 el día 3") == "llamé a las 10 30 el día 3"  # short numbers stay
    long = safe_snippet("palabra " * 100, limit=50)
    assert len(long) <= 50 and long.endswith("…")
    assert safe_snippet("agent: hola\n\ncustomer:  buenas", one_line=False) == "agent: hola\ncustomer: buenas"
    assert mask_phone("+573001234567") == "+573*******67"
    assert mask_phone("+573*******67") == "+573*******67" and mask_phone("client:maria") == "client:maria"


def test_spanish_formatting():
    assert fmt.number(12345.67) == "12.345,7"
    assert fmt.percent(0.953) == "95,3 %"
    assert fmt.number(None) == "—"
    assert fmt.duration(95) == "1 min 35 s" and fmt.duration(40) == "40 s"
    assert fmt.week_label(date(2026, 11, 16)) == "Sem. 47 (16 nov)"
