"""Surveyed vs predicted satisfaction in the report: pure Python over call_satisfaction rows."""

from __future__ import annotations

import pytest

from callaudit.report.metrics import at_risk, satisfaction_summary


def _row(sid, agent, surveyed, predicted, low=None, high=None, note=None):
    return {"call_sid": sid, "agent": agent, "surveyed_score_0_10": surveyed, "predicted_score": predicted,
            "predicted_low": low, "predicted_high": high, "prediction_note": note, "quality_score": 50.0}


def test_summary_compares_answers_with_out_of_fold_predictions_and_counts_the_interval():
    rows = [_row("CA1", "Ana", 9.0, 8.0, 6.0, 10.0), _row("CA2", "Ana", 2.0, 5.0, 3.0, 7.0),
            _row("CA3", "Luis", None, 4.0, 2.0, 6.0), _row("CA4", "Luis", None, 7.5, 5.5, 9.5),
            _row("CA5", "Luis", 5.0, None, note="la llamada no tiene puntaje de auditoría: sin predicción")]
    s = satisfaction_summary(rows)
    assert (s.surveyed, s.predicted, s.unsurveyed_predicted) == (3, 4, 2)
    assert s.mean_surveyed == pytest.approx(16 / 3)
    assert s.mean_predicted_surveyed == pytest.approx(6.5)  # CA1 and CA2: the surveyed calls with a prediction
    assert s.mae == pytest.approx((1.0 + 3.0) / 2)
    assert s.coverage == pytest.approx(0.5)  # 9 in [6, 10]; 2 not in [3, 7]
    assert s.note is None  # there are predictions: a per-call note is not the page's message
    by_agent = {a: (sv, pv, n) for a, sv, pv, n in s.by_agent}
    assert by_agent["Ana"] == (pytest.approx(5.5), pytest.approx(6.5), 2)
    assert by_agent["Luis"] == (pytest.approx(5.0), pytest.approx(5.75), 1)
    assert [r["call_sid"] for r in at_risk(rows)] == ["CA3", "CA4"]  # unsurveyed, lowest prediction first


def test_without_a_model_the_reason_is_shown_and_nobody_is_at_risk():
    note = "menos de 30 encuestas para entrenar el modelo (2): sin predicción"
    rows = [_row("CA1", "Ana", 9.0, None, note=note), _row("CA2", "Ana", None, None, note=note)]
    s = satisfaction_summary(rows)
    assert (s.predicted, s.mae, s.coverage, s.note) == (0, None, None, note)
    assert at_risk(rows) == []
