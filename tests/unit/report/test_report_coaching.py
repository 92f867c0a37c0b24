"""The coaching catalogue, the trend words and the coaching cards of the report (no Spark)."""

from __future__ import annotations

from datetime import date, datetime

from callaudit.coaching import CATALOGUE, advice_for, catalogue, trend_word
from callaudit.report.data import ReportData
from callaudit.report.render import coaching_cards, render_report
from callaudit.scoring import load_scorecard


def test_every_step_the_scorecard_checks_has_concrete_advice():
    generic, items = catalogue()
    card = load_scorecard()
    for key in [*card.criteria, "forbidden_words", "customer_sentiment"]:
        advice = items[key]
        assert advice.title and len(advice.recommendation) > 60 and advice.recommendation != generic, key
    assert advice_for("summary", "Resumen").recommendation == generic  # a new criterion gets the generic advice
    assert CATALOGUE.is_file()


def test_trend_needs_enough_calls_and_a_real_change():
    assert trend_word(0.2, 0.5, 10) == "empeora" and trend_word(0.5, 0.2, 10) == "mejora"
    assert trend_word(0.3, 0.35, 10) == "estable" and trend_word(0.0, 1.0, 3) is None
    assert trend_word(None, 0.5, 10) is None


ROWS = [
    {"agent": "Caro Díaz", "vendor": "Konecta", "team": "Hogar", "focus": "farewell", "focus_label": "Despedida",
     "calls": 8, "missed": 5, "miss_rate": 0.625, "trend": "empeora", "rank": 1,
     "recommendation": advice_for("farewell").recommendation,
     "examples": [{"call_sid": "CA01", "start_local": "2026-12-06 10:05",
                   "evidence": "ninguna frase de «Despedida» del agente en últimos 30 s; se oyó «chao» a los 41.0 s"}]},
    {"agent": "Caro Díaz", "vendor": "Konecta", "team": "Hogar", "focus": "forbidden_words",
     "focus_label": "Lenguaje prohibido", "calls": 8, "missed": 1, "miss_rate": 0.125, "trend": None, "rank": 2,
     "recommendation": advice_for("forbidden_words").recommendation,
     "examples": [{"call_sid": "CA02", "start_local": "2026-12-06 11:00",
                   "evidence": "palabra prohibida «qué pereza» (agente, 14.2 s: «<b>qué pereza</b>»)"}]},
    {"agent": "Beto Gil", "vendor": "Teleperformance", "team": "Móvil", "focus": "greeting", "focus_label": "Saludo",
     "calls": 4, "missed": 1, "miss_rate": 0.25, "trend": "mejora", "rank": 1,
     "recommendation": advice_for("greeting").recommendation, "examples": []},
]


def test_cards_put_the_agent_with_most_misses_first_and_escape_the_evidence():
    cards = coaching_cards(ROWS)
    assert [c["agent"] for c in cards] == ["Caro Díaz", "Beto Gil"]
    assert [s["label"] for s in cards[0]["steps"]] == ["Despedida", "Lenguaje prohibido"]
    assert cards[0]["steps"][0]["trend"] == "▲ empeora" and cards[0]["id"] == "coaching-caro-d-az"
    page = render_report(ReportData(start=date(2026, 12, 1), end=date(2026, 12, 7),
                                    generated_at=datetime(2026, 12, 7, 10), coaching=ROWS))
    section = page[page.index('<section id="coaching"'):page.index('<section id="concordancia"')]
    assert "omitido en 5 de 8 llamadas (62,5 %)" in section or "omitido en 5 de 8 llamadas" in section
    assert "<b>" not in section and "&lt;b&gt;" in section
    assert "Cierre con una fórmula de cortesía" in section and "CA01" in section
