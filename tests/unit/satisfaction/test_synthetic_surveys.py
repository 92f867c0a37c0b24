"""The demo's synthetic customers: about 40 % of the calls answer, from a hidden model of the ground truth;
deterministic; what the demo lands is an ordinary, valid survey file."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import UTC, datetime

from callaudit_testkit.synth.surveys import latent_satisfaction, synthetic_surveys

from callaudit.satisfaction.records import check_file, to_csv

GOOD = {"greeting": True, "identification": True, "help_offer": True, "farewell": True,
        "farewell_applicable": True, "forbidden_words": [], "customer_sentiment": "positive",
        "customer_ends_upset": False, "escalation": False, "long_hold": False, "interruptions": 0}
BAD = {**GOOD, "greeting": False, "help_offer": False, "forbidden_words": ["qué pereza"],
       "customer_sentiment": "negative", "customer_ends_upset": True, "escalation": True, "long_hold": True,
       "interruptions": 3}


def _labels(tmp_path, n=50):
    folder = tmp_path / "labels"
    folder.mkdir()
    calls = []
    for i in range(n):
        sid = f"CA{i:032x}"
        scenario, expected = ("good", GOOD) if i % 2 else ("angry_customer", BAD)
        (folder / f"{sid}.json").write_text(json.dumps({"call_sid": sid, "scenario": scenario, "tags": [scenario],
                                                        "expected": expected}))
        calls.append({"sid": sid, "end_time": f"Thu, 03 Dec 2026 1{i % 10}:00:00 +0000"})
    (tmp_path / "calls.jsonl").write_text("\n".join(json.dumps(c) for c in calls) + "\n")
    return folder


def test_a_subset_answers_deterministically_and_the_file_is_valid(tmp_path):
    folder = _labels(tmp_path)
    surveys = synthetic_surveys(folder, seed=3)
    assert surveys == synthetic_surveys(folder, seed=3)  # landing again changes nothing
    assert surveys != synthetic_surveys(folder, seed=4)
    assert len(surveys) == 20 and len({s.call_sid for s in surveys}) == 20  # 40 % of 50 calls, one answer each
    assert set(Counter(s.survey_type for s in surveys)) == {"nps", "csat"}
    assert all(s.answered_at > datetime(2026, 12, 3, 10, tzinfo=UTC) for s in surveys)  # after the call
    checked = check_file(to_csv(surveys), now=datetime(2026, 12, 6, tzinfo=UTC))
    assert checked.rejected == [] and checked.surveys == sorted(surveys, key=lambda s: s.key)


def test_the_hidden_model_punishes_bad_calls():
    rng = random.Random(1)
    good = [latent_satisfaction({"scenario": "good", "expected": GOOD}, rng) for _ in range(200)]
    bad = [latent_satisfaction({"scenario": "angry_customer", "expected": BAD}, rng) for _ in range(200)]
    assert sum(good) / 200 > 6.5 and sum(bad) / 200 < 2.5
    assert all(0 <= v <= 10 for v in good + bad)
    dropped = [latent_satisfaction({"scenario": "dropped_call", "expected": GOOD}, random.Random(i))
               for i in range(100)]
    assert sum(dropped) / 100 < sum(good) / 200 - 2  # an unresolved problem costs satisfaction


def test_good_calls_answer_higher_than_bad_ones(tmp_path):
    surveys = synthetic_surveys(_labels(tmp_path, n=200), seed=7)
    by_sid = {s.call_sid: s.score_0_10 for s in surveys}
    good = [v for sid, v in by_sid.items() if int(sid[2:], 16) % 2]
    bad = [v for sid, v in by_sid.items() if not int(sid[2:], 16) % 2]
    assert good and bad and sum(good) / len(good) > sum(bad) / len(bad) + 3
