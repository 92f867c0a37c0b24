"""SVG charts and the report page, rendered from plain rows (no Spark, no browser)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest

from callaudit.report import svg
from callaudit.report.data import ReportData
from callaudit.report.render import render_report

NS = {"s": "http://www.w3.org/2000/svg"}
HOSTILE = '<script>window.__pwned=1</script>"><img src=x onerror=alert(1)>'


def parse(markup: str) -> ET.Element:
    return ET.fromstring(markup)  # well-formed XML or it raises


def test_line_chart_breaks_the_line_on_days_without_calls_and_marks_the_target():
    root = parse(svg.line_chart(title="T", desc="D", x_labels=["a", "b", "c", "d"],
                                series=[svg.LineSeries("QS", [50.0, None, 70.0, 80.0])], y_min=0, y_max=100,
                                y_label="QS", reference=(75.0, "Meta > 75")))
    path = root.find(".//s:path[@class='series']", NS).get("d")
    assert path.count("M") == 2 and path.count("L") == 1  # 50 | gap | 70-80
    assert len(root.findall(".//s:circle", NS)) == 3
    ref = root.find(".//s:line[@class='reference']", NS)
    y_ref = float(ref.get("y1"))
    ys = [float(c.get("cy")) for c in root.findall(".//s:circle", NS)]
    assert ys[1] > y_ref > ys[2]  # 70 is drawn below the 75 line, 80 above (SVG y grows downwards)
    assert root.find("s:title", NS).text == "T"


def test_bar_heights_are_proportional_and_labels_escaped():
    markup = svg.bar_chart(title="Dur", desc="d", labels=["< 30 s", HOSTILE, "x"], values=[2, 4, 0], y_label="n",
                           x_label="dur")
    assert "<script" not in markup and "<img" not in markup
    root = parse(markup)
    bars = root.findall(".//s:rect[@class='bar']", NS)
    heights = [float(b.get("height")) for b in bars]
    assert len(bars) == 3 and heights[1] == 2 * heights[0] and heights[2] == 0
    assert any(HOSTILE in (t.text or "") for t in root.iter("{http://www.w3.org/2000/svg}text"))  # shown as text


def test_grouped_and_horizontal_and_diverging_charts():
    g = parse(svg.grouped_hbar_chart(title="P", desc="d", labels=["Ana", "Beto"], x_max=1.0, x_label="%",
                                     series=[svg.BarSeries("Saludo", [1.0, 0.5], svg.BLUE),
                                             svg.BarSeries("Despedida", [0.0, 0.25], svg.PURPLE)]))
    widths = [float(r.get("width")) for r in g.findall(".//s:rect[@class='bar']", NS)]
    assert len(widths) == 4  # per agent: Saludo, Despedida
    assert widths[0] == 2 * widths[2] == 4 * widths[3] and widths[1] == 0
    assert len(g.findall(".//s:g[@class='legend']/s:rect", NS)) == 2
    h = parse(svg.hbar_chart(title="W", desc="d", labels=["qué pereza", "ni idea"], values=[3, 1], x_label="n"))
    w = [float(r.get("width")) for r in h.findall(".//s:rect[@class='bar']", NS)]
    assert w[0] == pytest.approx(3 * w[1], abs=0.3)  # coordinates are rounded to 0.1
    d = parse(svg.diverging_bar_chart(title="S", desc="d", labels=["l", "m", "x"], values=[0.5, -0.5, None],
                                      counts=[2, 1, 0], y_label="s"))
    bars = d.findall(".//s:rect[@class='bar']", NS)
    axis_y = float(d.find(".//s:line[@class='axis']", NS).get("y1"))
    assert len(bars) == 2  # no bar for a day without sentiment
    assert float(bars[0].get("y")) + float(bars[0].get("height")) <= axis_y + 0.01  # positive: above zero
    assert float(bars[1].get("y")) >= axis_y - 0.01  # negative: below zero
    assert bars[0].get("fill") != bars[1].get("fill")


def test_nice_ticks_cover_the_range():
    assert svg.nice_ticks(0, 100) == [0, 20, 40, 60, 80, 100]
    assert svg.nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]
    assert svg.nice_ticks(-1, 1, 4)[0] == -1 and svg.nice_ticks(-1, 1, 4)[-1] == 1


def _data(**kw) -> ReportData:
    end = date(2026, 11, 25)
    base = {"start": end - timedelta(days=29), "end": end, "generated_at": datetime(2026, 11, 25, 18, 0)}
    base.update(kw)
    return ReportData(**base)


def test_an_empty_lakehouse_gives_a_sensible_page_not_a_crash():
    html = render_report(_data(missing_tables=["twilio_call_audits", "review_queue"]))
    assert "<svg" not in html
    assert "Aún no existen estas tablas gold: twilio_call_audits, review_queue" in html
    assert "No hay llamadas auditadas en el período" in html
    assert html.count('class="empty"') >= 7  # every chart shows its empty state
    assert "Sin datos" in html


def test_the_page_escapes_transcripts_names_and_reasons_and_loads_nothing():
    audit = {"call_sid": "CA1", "recording_sid": "RE1", "agent": f"Eve {HOSTILE}", "vendor": "Konecta",
             "call_date": date(2026, 11, 24), "start_local": "2026-11-24 09:00", "quality_score": 12.0,
             "quality_category": "Requiere Atención", "has_greeting": False, "has_identification": False,
             "has_help_offer": True, "has_farewell": False, "forbidden_words": [HOSTILE], "sentiment_score": -0.7,
             "needs_manual_review": True, "review_reasons": [f"palabra prohibida: {HOSTILE}"],
             "scorecard_version": "v1"}
    queue = dict(audit, transcript_snippet=f"customer: mi cédula es [CEDULA] {HOSTILE}", priority="critical")
    html = render_report(_data(audits=[audit], review_queue=[queue], snippets={"RE1": f"agent: {HOSTILE}"},
                               calls=[{"is_parent_leg": True, "status": "completed", "duration_seconds": 50}]))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in html
    assert "[CEDULA]" in html
    assert html.count("<svg") == 7
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert "Content-Security-Policy" in html and "default-src 'none'" in html


def _agreement_row(criterion, scope="all", value="", kappa=0.5, n=10, comparison="auditor_vs_analyst"):
    return {"comparison": comparison, "scope": scope, "scope_value": value, "criterion": criterion, "n": n,
            "n_excluded": 0, "agreement": 0.8, "kappa": kappa, "kappa_low": None if kappa is None else kappa - 0.2,
            "kappa_high": None if kappa is None else min(1.0, kappa + 0.2), "weights": "none", "disagreements": 2}


def test_agreement_section_shows_kappa_per_criterion_weekly_drift_and_disagreements():
    today = date(2026, 12, 6)
    agreement = [_agreement_row("greeting", kappa=0.72), _agreement_row("forbidden_words", kappa=None),
                 _agreement_row("greeting", "week", "2026-W48", 0.5), _agreement_row("greeting", "week", "2026-W49", 0.9),
                 _agreement_row("farewell", "week", "2026-W49", -0.1),
                 _agreement_row("greeting", comparison="analyst_vs_analyst", n=3, kappa=1.0)]
    disagreements = [{"comparison": "auditor_vs_analyst", "call_sid": "CA" + "1" * 32, "criterion": "greeting",
                      "verdict_a": "no", "verdict_b": "sí", "rater_b": "Ana Ruiz", "agent": "María",
                      "evidence": f"ninguna frase de «Saludo» {HOSTILE}", "note": "saludó rápido 3001234567"}]
    data = ReportData(start=today - timedelta(days=29), end=today, generated_at=datetime(2026, 12, 6, 8),
                      agreement=agreement, disagreements=disagreements)
    html = render_report(data)
    section = html[html.index('id="concordancia"'):]
    assert "Saludo" in section and "0,72" in section and "considerable" in section  # Landis & Koch
    assert "sin variación" in section  # forbidden words: nobody varied, kappa undefined, said so
    assert 'id="grafico-kappa-semana"' in section and "2026-W48" in section
    assert 'id="peer-table"' in section
    assert "Ana Ruiz" in section and "<script>window" not in html and "&lt;script&gt;" in section
    assert "3001234567" not in section  # phone numbers are scrubbed from notes too
    empty = render_report(ReportData(start=today - timedelta(days=29), end=today, generated_at=datetime(2026, 12, 6)))
    assert 'id="sin-revisiones"' in empty and "callaudit review serve" in empty


def test_the_today_view_lists_the_last_hours_audits_critical_first():
    recent = [
        {"call_sid": "CA_ok", "agent": "Ana", "vendor": "Konecta", "quality_score": 92.0, "quality_category": "Excelente",
         "critical_errors": [], "review_reasons": [], "scored_local": "10:05"},
        {"call_sid": "CA_low", "agent": "Beto", "vendor": "Konecta", "quality_score": 38.0,
         "quality_category": "Requiere Atención", "critical_errors": [], "review_reasons": ["puntaje bajo: 38.0 < 60"],
         "scored_local": "10:01"},
        {"call_sid": "CA_abuse", "agent": "Caro", "vendor": "Teleperformance", "quality_score": 85.0,
         "quality_category": "Requiere Atención", "escalation_requested": True,
         "critical_errors": [f"palabra prohibida «qué pereza» (agente, 14.2 s: «{HOSTILE}»)"],
         "review_reasons": ["palabra prohibida: qué pereza"], "scored_local": "10:07"},
    ]
    data = ReportData(start=date(2026, 12, 1), end=date(2026, 12, 7), generated_at=datetime(2026, 12, 7, 10, 8),
                      recent=recent)
    page = render_report(data, live_refresh=30)
    section = page[page.index('<section id="hoy"'):page.index('<section id="kpis"')]
    assert [m for m in re.findall(r"<code>(CA_\w+)</code>", section)] == ["CA_abuse", "CA_low", "CA_ok"]
    assert "(3, <span class=\"prio-critical\">2 críticas</span>)" in section
    assert section.count('class="recent-critical"') == 2 and "el cliente pidió escalar" in section
    assert "<script" not in section and "&lt;script&gt;" in section  # evidence is escaped
    assert '<meta http-equiv="refresh" content="30">' in page and "se actualiza cada 30 s" in section
    quiet = render_report(ReportData(start=date(2026, 12, 1), end=date(2026, 12, 7),
                                     generated_at=datetime(2026, 12, 7, 10, 8)))
    assert 'id="hoy-vacio"' in quiet and 'http-equiv="refresh"' not in quiet
