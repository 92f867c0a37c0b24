"""The report and the alerts read the real gold tables (built by the real transforms in tests/report_gold.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from report_gold import HOSTILE_SCRIPT, settings_for, shared_gold_home
from typer.testing import CliRunner

from callaudit.report import fmt

pytestmark = pytest.mark.spark


@pytest.fixture(scope="module")
def gold(spark, tmp_path_factory):
    return shared_gold_home(spark, tmp_path_factory)


def test_report_data_matches_the_gold_marts_and_alert_candidates_are_masked(spark, gold):
    from callaudit.alerts.run import read_review_candidates
    from callaudit.report.data import read_report_data
    from callaudit.report.metrics import kpis_for_period

    settings = settings_for(gold)
    data = read_report_data(settings, 30, spark=spark)
    assert data.missing_tables == [] and len(data.audits) == 4
    assert {r["agent"] for r in data.audits} == {"María López", "Juan Pérez", "Carlos Ríos"}
    # the period's KPIs, computed in Python, equal the kpi_summary mart when the period holds every audit
    python = {k.kpi: k for k in kpis_for_period(data.audits)}
    assert len(data.kpi_summary) == 5
    for row in data.kpi_summary:
        assert python[row["kpi"]].value == pytest.approx(row["value"], abs=1e-4), row["kpi"]
        assert python[row["kpi"]].met == row["met"]
    parents = [c for c in data.calls if c["is_parent_leg"]]
    assert len(parents) == 5 and sum(c["status"] == "no-answer" for c in parents) == 1
    (flagged,) = data.review_queue
    assert flagged["priority"] == "critical" and flagged["agent"] == "Juan Pérez"
    assert HOSTILE_SCRIPT in data.snippets[flagged["recording_sid"]] and "[CEDULA]" in flagged["transcript_snippet"]
    assert len(flagged["start_local"]) == 16  # 'YYYY-MM-DD HH:MM', Bogotá time

    # drivers: one per audited call of the period; every call a coaching moment cites has its page
    assert sorted(t["call_sid"] for t in data.topics) == sorted(r["call_sid"] for r in data.audits)
    cited = {e["call_sid"] for r in data.coaching for e in r["examples"]}
    assert cited and {p["call_sid"] for p in data.call_pages} == cited
    assert all(p["transcript"] and p["driver_label"] for p in data.call_pages)

    # satisfaction: the three surveyed calls and the unsurveyed one predicted, as the mart says
    sat = {r["call_sid"]: r for r in data.satisfaction}
    assert len(sat) == 4 and sum(r["surveyed_score_0_10"] is not None for r in sat.values()) == 3
    (unsurveyed,) = [r for r in sat.values() if r["surveyed_score_0_10"] is None]
    assert unsurveyed["predicted_score"] is not None
    assert unsurveyed["predicted_low"] <= unsurveyed["predicted_score"] <= unsurveyed["predicted_high"]

    (candidate,) = read_review_candidates(settings, spark=spark)
    assert candidate["call_sid"] == flagged["call_sid"] and candidate["from_number"] == "+573*******67"
    utc = datetime.fromisoformat(candidate["start_utc"].replace("Z", "+00:00"))
    assert candidate["start_local"] == (utc - timedelta(hours=5)).strftime("%Y-%m-%d %H:%M")


def test_report_cli_writes_the_page_and_an_old_period_is_empty_not_broken(spark, gold, tmp_path, monkeypatch):
    from callaudit.cli import app
    from callaudit.report import build_report

    monkeypatch.setenv("CALLAUDIT_HOME", str(gold))
    out = tmp_path / "reporte.html"
    result = CliRunner().invoke(app, ["report", "--out", str(out), "--days", "30"])
    assert result.exit_code == 0, result.output
    assert f"report: {out}" in result.output
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == 10 and "Juan Pérez" in html and "<script" not in html
    assert "&lt;script&gt;window.__pwned = 1; alert(1)&lt;/script&gt;" in html

    old_end = fmt.now_bogota().date() - timedelta(days=60)
    empty = build_report(settings_for(gold), tmp_path / "old.html", days=7, end=old_end, spark=spark).read_text()
    assert "No hay llamadas auditadas en el período" in empty and "<svg" not in empty
    assert "La llamada auditada más reciente es del" in empty

    bad = CliRunner().invoke(app, ["report", "--days", "0"])
    assert bad.exit_code == 2
