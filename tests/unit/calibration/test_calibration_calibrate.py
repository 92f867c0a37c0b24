"""Calibration over gold-like rows: which pairs count, per version/week scopes, analyst-vs-analyst, comparisons,
and the figures equal scikit-learn's on the same pairs."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sklearn.metrics import cohen_kappa_score

from callaudit.calibration.calibrate import (
    ANALYST_VS_ANALYST,
    AUDITOR_VS_ANALYST,
    calibrate,
    compare,
    latest_reviews,
)
from callaudit.review.rescore import verdict_changes

CATS = ["Excelente", "Buena", "Regular", "Requiere Atención"]


def audit(i, greeting=True, category="Buena", version="callaudit-v2.0", day=date(2026, 11, 30), words=(),
          error=None, identification=True):
    evidence = {"criteria": {"greeting": {"status": "met" if greeting else "not_met",
                                          "reason": "saludo dicho" if greeting else "no se oyó saludo",
                                          "match": {"heard": "buenos días", "speaker": "agent", "start": 1.2}}},
                "forbidden_words": [{"heard": w, "start": 3.0} for w in words],
                "category": {"name": category, "reason": "puntaje"}}
    return {"call_sid": f"CA{i:032x}", "agent": f"agente{i % 3}", "call_date": day, "scorecard_version": version,
            "has_greeting": greeting, "has_identification": identification, "has_help_offer": True,
            "has_farewell": True, "forbidden_words": list(words), "quality_category": category,
            "audit_error": error, "evidence_json": json.dumps(evidence)}


def review(i, reviewer="ana", greeting=True, category="Buena", when=datetime(2026, 12, 1, 15, tzinfo=UTC),
           calibration=False, words=(), identification=True, note=""):
    return {"call_sid": f"CA{i:032x}", "reviewer": reviewer, "reviewed_at": when, "has_greeting": greeting,
            "has_identification": identification, "has_help_offer": True, "has_farewell": True,
            "forbidden_words": list(words), "quality_category": category, "is_calibration": calibration,
            "note": note}


def row(cal, criterion, comparison=AUDITOR_VS_ANALYST, scope="all", value=""):
    return next(r for r in cal.agreement if (r["comparison"], r["scope"], r["scope_value"], r["criterion"])
                == (comparison, scope, value, criterion))


def test_kappa_per_criterion_equals_scikit_learn_on_the_same_pairs():
    auditor = [True, True, False, True, False, True, True, False, True, True, False, False]
    analyst = [True, False, False, True, True, True, True, False, True, False, False, True]
    cats_a = ["Buena", "Regular", "Excelente", "Buena", "Requiere Atención", "Buena", "Regular", "Buena",
              "Excelente", "Regular", "Buena", "Buena"]
    cats_b = ["Buena", "Buena", "Excelente", "Regular", "Requiere Atención", "Buena", "Regular", "Regular",
              "Buena", "Regular", "Buena", "Requiere Atención"]
    audits = [audit(i, greeting=g, category=c) for i, (g, c) in enumerate(zip(auditor, cats_a, strict=True))]
    reviews = [review(i, greeting=g, category=c) for i, (g, c) in enumerate(zip(analyst, cats_b, strict=True))]
    cal = calibrate(audits, reviews, CATS, seed=3, resamples=500)
    g = row(cal, "greeting")
    assert g["n"] == 12
    assert g["kappa"] == pytest.approx(cohen_kappa_score(auditor, analyst), abs=1e-9)
    assert g["agreement"] == pytest.approx(sum(a == b for a, b in zip(auditor, analyst, strict=True)) / 12)
    c = row(cal, "quality_category")
    assert c["weights"] == "linear"
    assert c["kappa"] == pytest.approx(cohen_kappa_score(cats_a, cats_b, labels=CATS, weights="linear"), abs=1e-9)
    assert calibrate(audits, reviews, CATS, seed=3, resamples=500).agreement == cal.agreement  # seeded
    disagreeing = {d["call_sid"] for d in cal.disagreements if d["criterion"] == "greeting"}
    assert disagreeing == {f"CA{i:032x}" for i, (a, b) in enumerate(zip(auditor, analyst, strict=True)) if a != b}
    one = next(d for d in cal.disagreements if d["criterion"] == "greeting" and d["verdict_a"] == "no")
    assert "no se oyó saludo" in one["evidence"] and one["rater_a"] == "auditor"


def test_calibration_reviews_unscored_calls_and_na_are_left_out_of_the_auditor_figures():
    audits = [audit(0), audit(1), audit(2, error="transcript unreadable"), audit(3, identification=None)]
    reviews = [review(0, "ana"), review(0, "luis", greeting=False, calibration=True),
               review(1, "ana", greeting=False), review(2, "ana"), review(3, "ana")]
    cal = calibrate(audits, reviews, CATS, resamples=100)
    g = row(cal, "greeting")
    assert g["n"] == 3  # calls 0, 1, 3 by ana; luis's calibration review and the unscored call 2 do not count
    assert cal.calibration_reviews == 1 and cal.reviews_used == 3
    assert row(cal, "identification")["n_excluded"] == 1  # the auditor could not tell on call 3
    peers = row(cal, "greeting", comparison=ANALYST_VS_ANALYST)
    assert peers["n"] == 1 and peers["disagreements"] == 1  # ana vs luis on call 0


def test_latest_review_of_each_analyst_wins_and_since_filters():
    early, late = datetime(2026, 11, 20, tzinfo=UTC), datetime(2026, 12, 2, tzinfo=UTC)
    reviews = [review(0, greeting=False, when=early), review(0, greeting=True, when=late)]
    [only] = latest_reviews(reviews)
    assert only.verdicts["greeting"] is True
    assert latest_reviews(reviews, since=datetime(2026, 12, 3, tzinfo=UTC)) == []


def test_scopes_by_version_and_week_and_forbidden_words():
    audits = [audit(0, version="v1", day=date(2026, 11, 23)), audit(1, version="v2", day=date(2026, 11, 30),
                                                                    words=("qué pereza",)),
              audit(2, version="v2", day=date(2026, 11, 30))]
    reviews = [review(0), review(1, words=("qué pereza",)), review(2, words=("no sea necio",))]
    cal = calibrate(audits, reviews, CATS, resamples=100)
    assert row(cal, "greeting", scope="scorecard_version", value="v2")["n"] == 2
    assert row(cal, "greeting", scope="week", value="2026-W48")["n"] == 1
    assert row(cal, "greeting", scope="week", value="2026-W49")["n"] == 2
    fw = row(cal, "forbidden_words")
    assert json.loads(fw["confusion_json"]) == [[1, 0], [1, 1]]  # auditor missed one the analyst heard
    miss = next(d for d in cal.disagreements if d["criterion"] == "forbidden_words")
    assert miss["call_sid"] == f"CA{2:032x}" and "ninguna palabra prohibida" in miss["evidence"]


def test_compare_two_versions_lists_changed_verdicts_and_who_is_closer():
    v1 = [audit(i, version="callaudit-v1.0", greeting=(i % 2 == 0)) for i in range(6)]
    v2 = [audit(i, version="callaudit-v2.0", greeting=True) for i in range(6)]
    reviews = [review(i, greeting=True) for i in range(6)]
    result = compare(v1, v2, reviews, CATS, version_a="callaudit-v1.0", version_b="callaudit-v2.0",
                     resamples=100)
    assert result.calls == 6
    changed = [c for c in result.changes if c["criterion"] == "greeting"]
    assert [c["call_sid"] for c in changed] == [f"CA{i:032x}" for i in (1, 3, 5)]
    assert all(c["closer_to_analysts"] == "callaudit-v2.0" for c in changed)
    greeting = next(r for r in result.summary() if r["criterion"] == "greeting")
    assert greeting["agreement_callaudit-v2.0"] == 1.0 and greeting["agreement_callaudit-v1.0"] == 0.5
    # v2 says "sí" on every call, so it has no kappa: raw agreement decides, not "same"
    assert greeting["kappa_callaudit-v2.0"] is None and greeting["agrees_better"] == "callaudit-v2.0"
    assert verdict_changes(v1, v2)[0]["gold"] == "no"


def test_a_calibration_session_does_not_replace_the_analysts_own_review():
    own = datetime(2026, 12, 1, tzinfo=UTC)
    session = datetime(2026, 12, 4, tzinfo=UTC)
    audits = [audit(0, greeting=True)]
    reviews = [review(0, "ana", greeting=True, when=own),
               review(0, "ana", greeting=False, when=session, calibration=True),
               review(0, "luis", greeting=False, when=session, calibration=True)]
    cal = calibrate(audits, reviews, CATS, resamples=50)
    g = row(cal, "greeting")
    assert g["n"] == 1 and g["disagreements"] == 0  # Ana's own review still counts for the auditor
    peers = row(cal, "greeting", comparison=ANALYST_VS_ANALYST)
    assert peers["n"] == 1 and peers["disagreements"] == 0  # in the session both said no
