"""The satisfaction model on data with a known relationship: it beats the mean, its interval covers about as
often as it says, surveyed calls get out-of-fold predictions, and too few surveys give reasons, not errors."""

from __future__ import annotations

import random

import numpy as np
import pytest

from callaudit.satisfaction.model import (
    FEATURES,
    MIN_SURVEYS,
    NOTE_NOT_SCORED,
    conformal_quantile,
    evaluate,
    features,
    fit,
    predict_calls,
    spearman,
)


def _world(n: int, seed: int, noise: float = 1.0):
    """Audits and a 0–10 truth that depends on the quality score, the customer ending upset and forbidden words."""
    rng = random.Random(seed)
    audits, truth = [], {}
    for i in range(n):
        q, upset, bad = rng.uniform(20, 100), rng.random() < 0.3, rng.random() < 0.2
        audit = {"call_sid": f"CA{i:032x}", "quality_score": q, "missed_criteria": [], "critical_errors": [],
                 "forbidden_words": ["qué pereza"] if bad else [], "sentiment_score": rng.uniform(-1, 1),
                 "customer_final_sentiment": rng.uniform(-1, 1), "customer_ends_upset": upset,
                 "silence_seconds": rng.uniform(0, 60), "longest_silence_seconds": None,
                 "interruptions_by_agent": rng.randint(0, 3), "interruptions_by_customer": None,
                 "escalation_requested": False, "call_duration_seconds": rng.uniform(40, 300), "audit_error": None}
        audits.append(audit)
        truth[audit["call_sid"]] = float(np.clip(1 + q / 14 - 2.5 * upset - 2 * bad + rng.gauss(0, noise), 0, 10))
    return audits, truth


def test_features_read_the_audit_columns():
    audits, _ = _world(1, 1)
    row = dict(zip(FEATURES, features(audits[0]), strict=True))
    assert row["forbidden_words"] in (0.0, 1.0) and row["missed_steps"] == 0.0
    assert row["interruptions"] == audits[0]["interruptions_by_agent"]  # a null side counts as none
    assert np.isnan(row["longest_silence_seconds"])
    assert features({"call_sid": "x"})[FEATURES.index("forbidden_words")] == 0.0


def test_the_model_beats_the_mean_on_held_out_calls():
    audits, truth = _world(400, 2)
    result = evaluate(audits, truth, seed=5)
    assert result.n_train == 280 and result.n_test == 120 and result.note is None
    assert result.mae < 0.7 * result.mae_baseline
    assert result.spearman > 0.8 and result.spearman_baseline is None  # a constant does not rank
    assert 0.7 <= result.coverage <= 0.92  # nominal 0.8
    assert "MAE" in "\n".join(result.lines())


def test_on_pure_noise_the_model_does_not_pretend():
    audits, _ = _world(300, 3)
    rng = random.Random(4)
    noise = {a["call_sid"]: rng.uniform(0, 10) for a in audits}
    result = evaluate(audits, noise, seed=1)
    assert result.mae > 0.9 * result.mae_baseline  # no better than the mean, within noise
    assert abs(result.spearman) < 0.3


def test_interval_coverage_is_near_nominal_on_fresh_calls():
    audits, truth = _world(600, 6, noise=1.5)
    train, fresh = audits[:300], audits[300:]
    model = fit(train, [truth[a["call_sid"]] for a in train])
    predicted = model.predict(fresh)
    low, high = model.interval(predicted)
    y = np.array([truth[a["call_sid"]] for a in fresh])
    coverage = float(np.mean((y >= low) & (y <= high)))
    assert 0.74 <= coverage <= 0.88, coverage
    assert np.all((low >= 0) & (low <= predicted) & (predicted <= high) & (high <= 10))


def test_conformal_quantile():
    assert conformal_quantile([1, 2, 3, 4], level=0.5) == 3  # ceil(5 * 0.5) = 3rd smallest
    assert conformal_quantile([-5, 1], level=0.8) == np.inf  # too few residuals for 80 %


def test_predict_calls_gives_out_of_fold_predictions_to_surveyed_calls_and_reasons_to_others():
    audits, truth = _world(120, 7)
    audits[0]["audit_error"] = "transcription failed"
    audits[1]["quality_score"] = None
    surveyed = {sid: v for sid, v in list(truth.items())[:80]}
    rows = {r["call_sid"]: r for r in predict_calls(audits, surveyed)}
    assert len(rows) == 120
    for sid in (audits[0]["call_sid"], audits[1]["call_sid"]):
        assert rows[sid]["predicted_score"] is None and rows[sid]["prediction_note"] == NOTE_NOT_SCORED
    assert {r["training_rows"] for r in rows.values()} == {78}
    model = fit([a for a in audits[2:80]], [truth[a["call_sid"]] for a in audits[2:80]])
    surveyed_call = audits[10]
    assert rows[surveyed_call["call_sid"]]["predicted_score"] == pytest.approx(model.oof[surveyed_call["call_sid"]],
                                                                               abs=1e-3)
    in_sample = float(model.predict([surveyed_call])[0])
    assert rows[surveyed_call["call_sid"]]["predicted_score"] != pytest.approx(in_sample, abs=1e-6)
    assert rows == {r["call_sid"]: r for r in predict_calls(list(reversed(audits)), surveyed)}  # deterministic


def test_too_few_surveys_give_rows_with_a_reason_not_an_error():
    audits, truth = _world(50, 8)
    few = dict(list(truth.items())[:MIN_SURVEYS - 1])
    rows = predict_calls(audits, few)
    assert len(rows) == 50 and all(r["predicted_score"] is None for r in rows)
    assert {r["prediction_note"] for r in rows} == {f"menos de {MIN_SURVEYS} encuestas para entrenar el modelo "
                                                    f"({MIN_SURVEYS - 1}): sin predicción"}
    result = evaluate(audits, few)
    assert result.mae is None and "muy pocas encuestas" in result.note
    assert predict_calls([], {}) == []


def test_spearman_matches_scipy():
    from scipy.stats import spearmanr

    a, b = [1, 2, 2, 5, 3], [2, 1, 4, 5, 3]
    assert spearman(a, b) == pytest.approx(spearmanr(a, b).statistic)
    assert spearman([1, 1, 1], [1, 2, 3]) is None


def test_a_minimum_below_five_surveys_uses_leave_one_out_instead_of_failing():
    """`min_surveys` lowered (a pilot with a handful of surveys) must not crash the pipeline's fit."""
    from callaudit.satisfaction.model import predict_calls

    audits = [{"call_sid": f"CA{i}", "quality_score": q, "missed_criteria": [], "forbidden_words": [],
               "critical_errors": [], "sentiment_score": s} for i, (q, s) in enumerate([(90, .5), (20, -.6),
                                                                                        (60, 0.), (75, .2)])]
    rows = predict_calls(audits, {"CA0": 9.0, "CA1": 2.0, "CA2": 6.0}, min_surveys=3)
    assert len(rows) == 4 and all(r["predicted_score"] is not None for r in rows)
    assert all(r["predicted_low"] <= r["predicted_score"] <= r["predicted_high"] for r in rows)
    too_few = predict_calls(audits, {"CA0": 9.0, "CA1": 2.0}, min_surveys=1)  # two answers: never a model
    assert all(r["predicted_score"] is None and "menos de 3" in r["prediction_note"] for r in too_few)


def test_the_calls_driver_is_one_indicator_per_driver_with_otro_as_reference():
    from callaudit.satisfaction.model import DRIVERS
    from callaudit.topics.taxonomy import load_taxonomy

    tax = load_taxonomy()
    assert [k for k in tax.keys if k != "otro"] == DRIVERS
    base = {"call_sid": "CA1", "quality_score": 80.0}
    row = dict(zip(FEATURES, features({**base, "driver": "cobros"}), strict=True))
    assert row["driver=cobros"] == 1.0 and sum(row[f"driver={k}"] for k in DRIVERS) == 1.0
    for driver in ("otro", None):  # the reference, and a call without call_topics
        row = dict(zip(FEATURES, features({**base, "driver": driver}), strict=True))
        assert sum(row[f"driver={k}"] for k in DRIVERS) == 0.0
