"""Scenarios -> scripts -> ground truth, without audio (estimated timings): fast and exhaustive."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter

import pytest
from callaudit_testkit.synth import phrases as P
from callaudit_testkit.synth.agents import AGENTS
from callaudit_testkit.synth.audio import estimate_call
from callaudit_testkit.synth.dialogue import (
    LONG_HOLD_SECONDS,
    SCENARIO_WEIGHTS,
    SCENARIOS,
    allocate_scenarios,
    build_script,
    expected_labels,
)


def fold(s: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", s.lower()) if not unicodedata.combining(c))


def scripts(scenario: str, n: int = 30):
    for k in range(n):
        rng = random.Random(f"test:{scenario}:{k}")
        direction = "outbound-api" if k % 4 == 3 else "inbound"
        script = build_script(rng, scenario, direction, AGENTS[k % len(AGENTS)], 8 + k % 11)
        timeline = estimate_call(script)
        yield script, timeline, expected_labels(script, timeline)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_scenario_produces_its_defect(scenario):
    seen = Counter()
    for script, timeline, e in scripts(scenario):
        tags = set(script.tags)
        if scenario in ("good", "happy_customer"):
            assert e["greeting"] and e["identification"] and e["help_offer"] and e["farewell"]
            assert e["forbidden_words"] == [] and not e["long_hold"] and e["interruptions"] == 0
            assert e["customer_sentiment"] == ("positive" if scenario == "happy_customer" else "neutral")
        elif scenario == "missing_greeting":
            assert not e["greeting"] and e["identification"] and e["help_offer"]
        elif scenario == "missing_identification":
            assert not e["identification"] and e["greeting"] and e["help_offer"]
        elif scenario == "missing_help_offer":
            assert not e["help_offer"] and e["greeting"] and e["identification"]
        elif scenario == "missing_farewell":
            assert not e["farewell"] and e["farewell_applicable"] and e["greeting"]
        elif scenario == "forbidden_words":
            assert 1 <= len(e["forbidden_words"]) <= 2 + ("forbidden_words" in tags)
        elif scenario == "angry_customer":
            assert e["customer_sentiment"] == "negative"
            seen["escalation"] += e["escalation"]
        elif scenario == "escalation":
            assert e["escalation"]
        elif scenario == "long_hold":
            assert e["long_hold"]
            assert LONG_HOLD_SECONDS <= timeline.holds[0][1] - timeline.holds[0][0] <= 40
        elif scenario == "interruptions":
            assert e["interruptions"] >= 1
        elif scenario == "pii_readout":
            pii = [p for tt in timeline.turns for p in tt.turn.pii]
            assert len(pii) >= 2 and pii[0][0] == "CEDULA"
        elif scenario == "dropped_call":
            assert 15 <= timeline.duration <= 21
            assert not e["farewell"] and e["farewell_applicable"] is False
        elif scenario == "agent_silent":
            assert all(tt.turn.speaker == "customer" for tt in timeline.turns)
            assert not (e["greeting"] or e["identification"] or e["help_offer"] or e["farewell"])
        # every call stays practical to synthesise and transcribe
        assert 8 <= timeline.duration <= 130, (scenario, timeline.duration)
        if "interruptions" not in tags and scenario not in ("angry_customer",):
            assert e["interruptions"] == 0
    if scenario == "angry_customer":
        assert 0 < seen["escalation"] < 30  # sometimes, not always


def test_typical_call_lengths_are_30_to_90_seconds():
    durations = [t.duration for s in SCENARIOS for _, t, _ in scripts(s, 8)
                 if s not in ("dropped_call", "agent_silent", "long_hold")]
    durations.sort()
    assert 30 <= durations[len(durations) // 2] <= 90
    assert durations[int(len(durations) * 0.9)] <= 110


def test_phrasing_varies():
    openings = {s.turns[0].text for s, _, _ in scripts("good", 40) if s.turns[0].speaker == "agent"}
    assert len(openings) >= 15


def test_interruptions_overlap_the_previous_turn():
    for _script, timeline, e in scripts("interruptions", 15):
        overlapping = [(a, b) for a, b in zip(timeline.turns, timeline.turns[1:], strict=False) if b.start < a.end]
        assert len(overlapping) == e["interruptions"] >= 1
        for a, b in overlapping:
            assert a.turn.speaker == "agent" and b.turn.speaker == "customer"
            assert b.start >= a.start + 1.0


def test_allocation_covers_every_scenario_in_realistic_proportions():
    picks = allocate_scenarios(40, random.Random(1))
    assert len(picks) == 40 and set(picks) == set(SCENARIOS)
    big = Counter(allocate_scenarios(10_000, random.Random(2)))
    total = sum(SCENARIO_WEIGHTS.values())
    for s, w in SCENARIO_WEIGHTS.items():
        assert abs(big[s] / 10_000 - w / total) < 0.005
    assert big.most_common(1)[0][0] == "good"
    assert len(allocate_scenarios(5, random.Random(3))) == 5
    assert allocate_scenarios(0, random.Random(3)) == []


# ---- the phrase bank keeps the ground truth honest ---------------------------------------------------------------
def _all_non_forbidden_lines() -> list[str]:
    out = []
    for name in dir(P):
        value = getattr(P, name)
        if name.startswith("_") or name in ("FORBIDDEN_LINES", "FORBIDDEN_LEXICON"):
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            out.extend(value)
        elif isinstance(value, dict) and name == "TOPICS":
            for topic in value.values():
                out.extend(topic["problem"] + topic["explain"] + topic["resolve"])
        elif isinstance(value, dict) and name in ("ASK_EXTRA_PII", "GIVE_EXTRA_PII", "OUTBOUND_CONFIRM"):
            for v in value.values():
                out.extend(v)
    return out


def test_forbidden_lexicon_is_consistent():
    for canon, spoken, line in P.FORBIDDEN_LINES:
        assert spoken in P.FORBIDDEN_LEXICON[canon]
        assert spoken in line.lower()
    assert {c for c, _, _ in P.FORBIDDEN_LINES} == set(P.FORBIDDEN_LEXICON)
    # inflected forms are used, not only the canonical one
    assert any(spoken != canon for canon, spoken, _ in P.FORBIDDEN_LINES)


def test_no_forbidden_expression_outside_the_forbidden_lines():
    forms = [fold(f) for forms in P.FORBIDDEN_LEXICON.values() for f in forms]
    for line in _all_non_forbidden_lines():
        for f in forms:
            assert not re.search(rf"\b{re.escape(f)}\b", fold(line)), (f, line)


def test_protocol_phrases_only_in_their_slots():
    greeting = re.compile(r"buen[oa]s? (dias|tardes|noches)|buen dia|bienvenid|gracias por (comunicarse|llamar)")
    help_offer = re.compile(r"(en que|como) le (puedo|pueda)|le puedo (ayudar|colaborar)")
    slot_lists = {"GREETINGS", "HELP_OFFERS", "CLOSING_OFFERS"}
    for name in dir(P):
        value = getattr(P, name)
        if name.startswith("_") or name in slot_lists or not isinstance(value, list):
            continue
        for line in value:
            if isinstance(line, str):
                assert not greeting.search(fold(line)), (name, line)
                assert not help_offer.search(fold(line)), (name, line)
    for topic in P.TOPICS.values():
        for line in topic["explain"] + topic["resolve"]:
            assert not greeting.search(fold(line)) and not help_offer.search(fold(line)), line
