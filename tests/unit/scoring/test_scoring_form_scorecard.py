"""The QA-form scorecard (scorecards/callaudit_v2.yml): sections, critical errors, category rules, checksum,
phrase forms, per-channel recogniser bias — and readable errors when any of them is written wrong."""

from __future__ import annotations

import pytest

from callaudit.errors import UserError
from callaudit.scoring import audit_to_row, score_transcript
from callaudit.scoring.scorecard import (
    DEFAULT_SCORECARD,
    V1_SCORECARD,
    load_scorecard,
    parse_scorecard,
    recogniser_hotwords,
)
from callaudit.transcript import Segment, Transcript

SHIPPED = DEFAULT_SCORECARD.read_text(encoding="utf-8")


def broken(old: str, new: str) -> str:
    assert old in SHIPPED, f"test fixture out of date: {old!r} not in the shipped scorecard"
    return SHIPPED.replace(old, new, 1)


def error_of(text: str) -> str:
    with pytest.raises(UserError) as exc:
        parse_scorecard(text, "cards/form.yml")
    return str(exc.value)


def test_the_shipped_form_is_the_default_and_is_a_monitoring_form():
    card = load_scorecard()
    assert card.path == str(DEFAULT_SCORECARD) and card.version == "callaudit-v2.0" and card.mode == "forms"
    assert [s.key for s in card.sections] == ["apertura", "atencion", "cierre", "lenguaje", "experiencia"]
    assert card.criteria["greeting"].section == card.criteria["identification"].section == "apertura"
    assert sum(card.section_weight(s.key) for s in card.sections) == pytest.approx(100.0)
    assert card.forbidden.critical and card.critical_category == "Requiere Atención"
    assert [(r.when, r.at_most) for r in card.category_rules] == [
        ("missed_steps", "Requiere Atención"), ("customer_ends_upset", "Regular")]
    assert card.sentiment.scoring == "bucket" and card.sentiment.ends_upset_below is not None
    assert "carolina" in card.known_names and "mafe" in card.known_names


def test_old_scorecards_keep_loading_with_their_own_version_and_checksum():
    v1, v2 = load_scorecard(V1_SCORECARD), load_scorecard()
    assert v1.version == "callaudit-v1.0" and v1.mode == "phrases" and not v1.category_rules
    assert len(v1.checksum) == len(v2.checksum) == 64 and v1.checksum != v2.checksum


def test_the_checksum_changes_with_any_edit_and_every_audit_row_records_it():
    edited = parse_scorecard(broken("version: callaudit-v2.0", "version: callaudit-v2.0  # tuned"), "x.yml")
    assert edited.checksum != load_scorecard().checksum
    t = Transcript(recording_sid="RE1", call_sid="CA1", segments=[
        Segment(speaker="agent", channel=2, start=0.5, end=3.0, text="Buenas tardes, ¿en qué le ayudo?")])
    row = audit_to_row(score_transcript(t, edited))
    assert row["scorecard_version"] == "callaudit-v2.0" and row["scorecard_checksum"] == edited.checksum


def test_section_weights_are_shared_by_their_criteria():
    text = broken("  apertura: {label: Apertura}", "  apertura: {label: Apertura, weight: 40}")
    text = text.replace("weight: 25\n  speaker: agent", "weight: 15\n  speaker: agent", 1)
    card = parse_scorecard(text, "x.yml")
    # greeting and identification (15 each) share the section's 40 equally
    assert card.criteria["greeting"].weight == pytest.approx(20.0)
    assert card.criteria["identification"].weight == pytest.approx(20.0)
    assert card.total_weight == pytest.approx(100.0)


def test_unknown_section_is_named_with_a_suggestion():
    msg = error_of(broken("    section: cierre\n", "    section: cierr\n"))
    assert "unknown section 'cierr' — did you mean 'cierre'?" in msg


def test_category_rules_are_validated():
    msg = error_of(broken("  - when: customer_ends_upset", "  - when: customer_end_upset"))
    assert "unknown condition 'customer_end_upset' — did you mean 'customer_ends_upset'?" in msg
    msg = error_of(broken("    at_most: Regular", "    at_most: Mala"))
    assert "unknown category 'Mala'" in msg
    msg = error_of(broken("    at_least: 3\n", ""))
    assert "missed_steps needs at_least: N" in msg


def test_a_broken_form_names_the_line_and_the_grammar():
    text = broken("      - (bendiciones|bendición)", "      - (bendiciones|bendición")
    msg = error_of(text)
    line = text[: text.index("(bendiciones|bendición\n")].count("\n") + 1
    assert f"cards/form.yml:{line}:" in msg and "missing ')'" in msg and "(a|b) alternatives" in msg


def test_forbidden_expressions_with_alternatives_expand_to_every_form():
    card = load_scorecard()
    assert card.canonical_forbidden("quédate callada") == "cállese"
    assert card.canonical_forbidden("no sea terco") == "no sea necio"
    assert card.canonical_forbidden("qué pena con usted") is None


def test_recogniser_bias_is_per_channel():
    card = load_scorecard()
    by_speaker = card.hotwords_by_speaker()
    agent, customer = by_speaker["agent"], by_speaker["customer"]
    assert "qué pereza" in agent and "supervisor" not in agent  # forbidden words: the agent's channel
    assert "supervisor" in customer and "qué pereza" not in customer  # escalation: the customer's
    assert any("servicio" in w for w in customer)  # sentiment cues from the lexicon ("pésimo servicio")
    assert not any(w.startswith("mi nombre") for w in agent)  # name introductions make Whisper drop the name
    assert len(", ".join(agent)) <= 300 and len(", ".join(customer)) <= 300
    assert recogniser_hotwords("scorecard") == by_speaker
    assert recogniser_hotwords("shared") == card.hotwords() and recogniser_hotwords("none") is None
    with pytest.raises(UserError, match="unknown hotwords mode"):
        recogniser_hotwords("everything")
