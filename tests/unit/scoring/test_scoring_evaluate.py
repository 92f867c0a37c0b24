"""The evaluation harness: labels vs audits on perfect and garbled transcripts built from the labels' turns."""

from __future__ import annotations

import json

import pytest

from callaudit.errors import UserError
from callaudit.scoring.evaluate import (
    Binary,
    evaluate,
    evaluate_dirs,
    expected_category,
    expected_score,
    load_transcripts,
)
from callaudit.scoring.samples import synthetic_label, transcript_from_label
from callaudit.scoring.scorecard import V1_SCORECARD, load_scorecard

SCENARIOS = ["good", "no_greeting", "no_farewell", "no_identification", "forbidden", "angry", "escalation", "short"]


@pytest.fixture(scope="module")
def card():
    return load_scorecard(V1_SCORECARD)


@pytest.fixture(scope="module")
def labels():
    return [synthetic_label(i, SCENARIOS[i % len(SCENARIOS)], seed=11) for i in range(32)]


def by_sid(transcripts):
    return {t.recording_sid: t for t in transcripts}


def test_binary_math():
    b = Binary()
    for exp, got in [(True, True)] * 3 + [(True, False)] + [(False, True)] * 2 + [(False, False)] * 4:
        b.add(exp, got)
    assert (b.tp, b.fn, b.fp, b.tn) == (3, 1, 2, 4)
    assert b.precision == 0.6 and b.recall == 0.75 and b.f1 == pytest.approx(2 * 0.6 * 0.75 / 1.35, abs=1e-4)
    assert b.accuracy == 0.7
    inv = b.inverted()
    assert (inv.tp, inv.fp, inv.fn) == (4, 1, 2)
    assert Binary().precision is None and Binary().f1 is None


@pytest.mark.parametrize(
    "expected, duration, score, category",
    [
        ({"greeting": True, "identification": True, "help_offer": True, "farewell": True,
          "forbidden_words": [], "customer_sentiment": "positive"}, 80, 100.0, "Excelente"),
        ({"greeting": False, "identification": True, "help_offer": True, "farewell": True,
          "forbidden_words": [], "customer_sentiment": "neutral"}, 80, 85.0, "Buena"),
        ({"greeting": True, "identification": True, "help_offer": True, "farewell": True,
          "forbidden_words": ["Cállate", "cállese"], "customer_sentiment": "negative"}, 80, 60.0, "Regular"),
        ({"greeting": False, "identification": True, "help_offer": True, "farewell": False,
          "farewell_applicable": False, "forbidden_words": [], "customer_sentiment": "neutral"}, 20, 82.4, "Buena"),
        ({"greeting": False, "identification": False, "help_offer": False, "farewell": False,
          "forbidden_words": ["idiota"], "customer_sentiment": "negative"}, 80, 0.0, "Requiere Atención"),
    ],
)
def test_expected_score_applies_the_scorecard_to_labelled_flags(card, expected, duration, score, category):
    label = {"expected": expected, "duration_seconds": duration}
    assert expected_score(card, label) == score
    assert expected_category(card, label) == category


def test_perfect_transcripts_agree_completely(card, labels):
    ev = evaluate(labels, by_sid(transcript_from_label(lb) for lb in labels), card)
    assert ev.calls == len(labels) and not ev.missing_transcripts
    for key, b in ev.criteria.items():
        assert b.f1 == 1.0 and b.accuracy == 1.0, key
    assert ev.criteria["greeting"].fn == 0 and ev.criteria["greeting"].tn == 4  # the no_greeting calls
    assert ev.na_agreement["farewell"].tp == 4  # the four short calls: N/A on both sides
    assert ev.forbidden_per_call.f1 == 1.0 and ev.forbidden_per_word.tp == 4
    assert ev.sentiment_accuracy == 1.0
    assert ev.escalation.tp == 4 and ev.escalation.fp == 0
    assert ev.category_accuracy == 1.0 and ev.mismatches == []


def test_garbled_transcripts_lower_the_scores_and_mismatches_explain_why(card, labels):
    heavy = by_sid(transcript_from_label(lb, garble=0.9, seed=i) for i, lb in enumerate(labels))
    ev = evaluate(labels, heavy, card)
    perfect = evaluate(labels, by_sid(transcript_from_label(lb) for lb in labels), card)
    assert ev.calls == perfect.calls
    # exact forbidden-word matching is the first to suffer from merged/misspelt words; fuzzy protocol
    # phrases hold up better
    assert ev.forbidden_per_word.recall < 1.0 and ev.forbidden_per_word.precision == 1.0
    assert ev.criteria["help_offer"].recall > 0.9
    assert len(ev.mismatches) > len(perfect.mismatches) == 0
    for m in ev.mismatches:
        assert m["call_sid"].startswith("CA") and m["problems"]


def test_mono_transcripts_are_evaluated_too(card, labels):
    ev = evaluate(labels, by_sid(transcript_from_label(lb, mono=True) for lb in labels), card)
    assert ev.calls == len(labels)
    assert ev.criteria["greeting"].recall == 1.0  # with everything heard, nothing is missed


def test_missing_transcripts_are_listed(card, labels):
    ts = by_sid(transcript_from_label(lb) for lb in labels[:5])
    ev = evaluate(labels[:8], ts, card)
    assert ev.calls == 5 and ev.missing_transcripts == [lb["recording_sid"] for lb in labels[5:8]]


def test_directories_and_json_report(card, labels, tmp_path):
    (tmp_path / "labels").mkdir()
    (tmp_path / "tr").mkdir()
    for i, lb in enumerate(labels[:10]):
        (tmp_path / "labels" / f"{lb['call_sid']}.json").write_text(json.dumps(lb, ensure_ascii=False))
        name = lb["call_sid"] if i % 2 else lb["recording_sid"]  # transcripts named by either sid
        (tmp_path / "tr" / f"{name}.json").write_text(transcript_from_label(lb).to_json())
    ev = evaluate_dirs(tmp_path / "labels", tmp_path / "tr", card)
    report = json.loads(json.dumps(ev.to_dict()))
    assert report["calls"] == 10
    assert report["criteria"]["greeting"]["met"]["f1"] == 1.0
    assert set(report["sentiment"]["confusion"]) <= {"negative", "neutral", "positive"}
    assert sum(sum(row.values()) for row in report["category"]["confusion"].values()) == 10


def test_unreadable_inputs_are_user_errors(tmp_path):
    with pytest.raises(UserError, match="labels directory not found"):
        evaluate_dirs(tmp_path / "nope", tmp_path, load_scorecard(V1_SCORECARD))
    (tmp_path / "bad.json").write_text('{"segments": 3, "x": 1}')
    with pytest.raises(UserError, match="not a transcript"):
        load_transcripts(tmp_path)
