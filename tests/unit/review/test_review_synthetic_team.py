"""The demo's synthetic QA team: reviews written from the ground truth, a calibration session, deterministic."""

from __future__ import annotations

import json

from callaudit_testkit.synth.reviews import ANALYST, PEER, synthetic_reviews

from callaudit.calibration.records import check_file, to_csv


def _labels(tmp_path, n=6):
    folder = tmp_path / "labels"
    folder.mkdir()
    calls = []
    for i in range(n):
        sid = f"CA{i:032x}"
        expected = {"greeting": i != 1, "identification": True, "help_offer": True, "farewell": i != 2,
                    "farewell_applicable": i != 3, "forbidden_words": ["Qué pereza"] if i == 4 else [],
                    "customer_sentiment": "neutral", "customer_ends_upset": False, "escalation": False}
        (folder / f"{sid}.json").write_text(json.dumps({"call_sid": sid, "expected": expected}))
        calls.append({"sid": sid, "end_time": f"Thu, 03 Dec 2026 1{i}:00:00 +0000"})
    (tmp_path / "calls.jsonl").write_text("\n".join(json.dumps(c) for c in calls) + "\n")
    return folder


def test_synthetic_reviews_follow_the_truth_and_include_a_calibration_session(tmp_path):
    folder = _labels(tmp_path)
    reviews = synthetic_reviews(folder, seed=3)
    assert reviews == synthetic_reviews(folder, seed=3)  # deterministic: landing again changes nothing
    own = [r for r in reviews if not r.is_calibration]
    assert len(own) == 3 and {r.reviewer for r in own} == {ANALYST}
    truth = {f"CA{i:032x}": i for i in range(6)}
    for r in own:
        i = truth[r.call_sid]
        assert r.has_greeting is (i != 1)
        assert r.has_farewell is (None if i == 3 else i != 2)
        assert r.forbidden_words == (("qué pereza",) if i == 4 else ())
        assert r.quality_category in ("Excelente", "Buena", "Regular", "Requiere Atención")
    session = [r for r in reviews if r.is_calibration]
    assert {r.reviewer for r in session} == {ANALYST, PEER} and len(session) == 4
    disagreeing = [(a, b) for a in session for b in session if a.reviewer == ANALYST and b.reviewer == PEER
                   and a.call_sid == b.call_sid and a.has_help_offer != b.has_help_offer]
    assert len(disagreeing) == 1  # like any two humans, they disagree once
    # what the demo lands is an ordinary, valid review file
    checked = check_file(to_csv(reviews), categories=["Excelente", "Buena", "Regular", "Requiere Atención"],
                         known_calls=set(truth))
    assert checked.rejected == [] and len(checked.reviews) == len(reviews)
