"""Evaluation sets (evaluation/FORMAT.md) and the honest comparison: the shipped set's shape, the loader's errors,
and gold rows read back into the same verdicts as in-process audits."""

from __future__ import annotations

from pathlib import Path

import pytest

from callaudit.errors import UserError
from callaudit.scoring import audit_to_row, load_scorecard, score_transcript
from callaudit.scoring.evalset import label_of, load_set, reference_transcript
from callaudit.scoring.evaluate import (
    Binary,
    Evaluation,
    evaluate,
    evaluate_rows,
    evaluate_set,
    expected_category,
    verdict_of_audit,
    verdict_of_row,
)
from callaudit.scoring.normalize import normalize

SET = Path(__file__).resolve().parents[3] / "evaluation" / "es_co"
STEPS = ("greeting", "identification", "help_offer", "farewell")

CALL = """id: t-001
direction: inbound
company: Seguros Palmar
agent: {name: Tomás Ruiz, gender: m}
customer: {gender: f}
turns:
  - agent: "Seguros Palmar, buenas tardes, le habla Tomás, ¿en qué le ayudo?"
  - customer: "Quiero saber si ya pagaron mi reclamación."
  - agent: "Sí señora, ya quedó pagada ayer."
  - customer: "Listo, gracias."
  - agent: "Con gusto. Gracias por llamar, feliz tarde."
labels:
  greeting: true
  identification: true
  help_offer: true
  farewell: true
  forbidden_words: []
  customer_sentiment: neutral
  customer_ends_upset: false
  escalation: false
"""

RUDE = CALL.replace("t-001", "t-002").replace(
    "Sí señora, ya quedó pagada ayer.", "Ay, qué pereza, eso ya quedó pagado ayer.").replace(
    "forbidden_words: []", "forbidden_words: [qué pereza]")


@pytest.fixture()
def tiny_set(tmp_path):
    (tmp_path / "t-001.yml").write_text(CALL, encoding="utf-8")
    (tmp_path / "t-002.yml").write_text(RUDE, encoding="utf-8")
    return tmp_path


# ---- the shipped set ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("split", ["dev", "test"])
def test_each_split_has_40_calls_and_a_third_of_negatives_per_step(split):
    calls = load_set(SET / split)
    assert len(calls) >= 40
    for step in STEPS:
        negatives = sum(not c.labels[step] for c in calls)
        assert negatives * 3 >= len(calls), f"{split}: {step} false in only {negatives}/{len(calls)} calls"
    assert sum(bool(c.labels["forbidden_words"]) for c in calls) >= 8


def test_dev_and_test_are_different_calls():
    dev, test = load_set(SET / "dev"), load_set(SET / "test")
    assert not {c.id for c in dev} & {c.id for c in test}
    dev_lines = {normalize(t.text) for c in dev for t in c.turns if t.speaker == "agent"}
    test_lines = {normalize(t.text) for c in test for t in c.turns if t.speaker == "agent"}
    shared = dev_lines & test_lines
    assert len(shared) <= 3, sorted(shared)  # a bare "Listo." may repeat; dialogues do not


@pytest.mark.parametrize("split", ["dev", "test"])
def test_every_labelled_forbidden_word_is_said_by_the_agent(split):
    for call in load_set(SET / split):
        agent = " ".join(normalize(t.text) for t in call.turns if t.speaker == "agent")
        for word in call.labels["forbidden_words"]:
            assert normalize(word) in agent, f"{call.id}: '{word}' is not in an agent turn"


# ---- reading a set ------------------------------------------------------------------------------------------
def test_a_broken_call_file_is_named_with_what_is_wrong(tmp_path):
    (tmp_path / "a.yml").write_text(CALL.replace("  farewell: true\n", ""), encoding="utf-8")
    (tmp_path / "b.yml").write_text(CALL.replace("direction: inbound", "direction: sideways"), encoding="utf-8")
    with pytest.raises(UserError) as exc:
        load_set(tmp_path)
    msg = str(exc.value)
    assert "2 call file(s)" in msg and "a.yml: labels: missing farewell" in msg
    assert "b.yml: direction must be inbound or outbound" in msg


def test_reference_transcript_keeps_speakers_order_and_interruptions(tiny_set):
    call = load_set(tiny_set)[0]
    t = reference_transcript(call)
    assert [s.speaker for s in t.segments] == ["agent", "customer", "agent", "customer", "agent"]
    assert all(a.end <= b.start for a, b in zip(t.segments, t.segments[1:], strict=False))
    assert t.agent_channel == 2 and {s.channel for s in t.segments if s.speaker == "agent"} == {2}
    assert t.segments[0].words == [] and t.confidence is None  # certain text: never "not determinable"


def test_expected_category_applies_the_same_form_to_the_marks(tiny_set):
    card = load_scorecard()
    good, rude = (label_of(c) for c in load_set(tiny_set))
    assert expected_category(card, good) == "Excelente"
    assert expected_category(card, rude) == "Requiere Atención"  # critical error
    upset = {**good, "expected": {**good["expected"], "customer_ends_upset": True}}
    assert expected_category(card, upset) == "Regular"
    three = {**good, "expected": {**good["expected"], "greeting": False, "identification": False,
                                  "help_offer": False}}
    assert expected_category(card, three) == "Requiere Atención"  # 55 points, but three steps missed


def test_evaluate_set_scores_reference_transcripts(tiny_set):
    ev = evaluate_set(tiny_set, load_scorecard())
    assert ev.calls == 2 and ev.category_accuracy == 1.0
    assert ev.forbidden_per_call.tp == 1 and ev.forbidden_per_call.tn == 1
    assert ev.criteria["greeting"].tp == 2


# ---- gold rows are read back into the same verdicts ------------------------------------------------------------
def test_a_gold_row_gives_the_same_verdict_and_figures_as_the_audit(tiny_set):
    card = load_scorecard()
    labels, transcripts, rows = [], {}, []
    for call in load_set(tiny_set):
        t = reference_transcript(call)
        label = label_of(call, duration=t.duration_seconds)
        labels.append(label)
        transcripts[t.recording_sid] = t
        audit = score_transcript(t, card, agent_name=call.agent_name)
        row = audit_to_row(audit)
        assert verdict_of_row(row, list(STEPS)) == verdict_of_audit(audit)
        rows.append(row)
    in_process, from_gold = evaluate(labels, transcripts, card), evaluate_rows(labels, rows, card)
    assert from_gold.to_dict() == in_process.to_dict()


def test_an_undetermined_row_is_counted_apart():
    card = load_scorecard()
    row = {"call_sid": "CA1", "has_greeting": None, "undetermined_criteria": ["greeting"], "has_identification": True,
           "has_help_offer": True, "has_farewell": True, "forbidden_words": [], "quality_category": "Excelente",
           "na_criteria": [], "evidence_json": "{}"}
    label = {"call_sid": "CA1", "expected": {"greeting": True, "identification": True, "help_offer": True,
                                             "farewell": True, "forbidden_words": []}}
    ev = evaluate_rows([label], [row], card)
    assert ev.undetermined == {"greeting": 1} and ev.undetermined_calls == 1
    assert ev.criteria["greeting"].support == 0 and ev.criteria["identification"].tp == 1


def test_macro_f1_weighs_both_classes_of_every_step():
    ev = Evaluation("x")
    ev.criteria["greeting"] = Binary(tp=8, fp=1, fn=1, tn=2)  # met F1 0.889, missed F1 0.667
    ev.criteria["farewell"] = Binary(tp=5, fp=0, fn=0, tn=5)  # 1.0 and 1.0
    assert ev.protocol_macro_f1 == pytest.approx((0.8889 + 0.6667 + 1 + 1) / 4, abs=1e-3)
