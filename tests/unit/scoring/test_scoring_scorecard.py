"""The scorecard as data: the first scorecard (v1, fixed phrases) still loads and validates as it did; broken
scorecards fail with file:line and what is wrong. The QA-form scorecard (v2) has test_scoring_form_scorecard.py."""

from __future__ import annotations

import re

import pytest

from callaudit.errors import UserError
from callaudit.scoring.scorecard import V1_SCORECARD, parse_scorecard
from callaudit.scoring.scorecard import load_scorecard as _load

SHIPPED = V1_SCORECARD.read_text(encoding="utf-8")


def load_scorecard(path=None):
    return _load(path if path is not None else V1_SCORECARD)


def broken(old: str, new: str) -> str:
    assert old in SHIPPED, f"test fixture out of date: {old!r} not in the shipped scorecard"
    return SHIPPED.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def error_of(text: str) -> str:
    with pytest.raises(UserError) as exc:
        parse_scorecard(text, "cards/test.yml")
    return str(exc.value)


def test_shipped_scorecard_is_valid_and_versioned():
    card = load_scorecard()
    assert card.version == "callaudit-v1.0"
    assert set(card.criteria) == {"greeting", "identification", "help_offer", "farewell"}
    assert card.total_weight == pytest.approx(100.0)
    assert card.criteria["farewell"].na_call_shorter_than == 25
    assert card.criteria["greeting"].window.first_seconds == 20
    assert card.criteria["farewell"].window.last_seconds == 30
    assert all(c.speaker == "agent" for c in card.criteria.values())
    assert card.escalation.speaker == "customer"


@pytest.mark.parametrize(
    "score, category",
    [(100.0, "Excelente"), (90.0, "Excelente"), (89.9, "Buena"), (75.0, "Buena"), (74.9, "Regular"),
     (50.0, "Regular"), (49.9, "Requiere Atención"), (0.0, "Requiere Atención"), (None, "Sin Evaluar")],
)
def test_category_boundaries(score, category):
    assert load_scorecard().category_for(score) == category


def test_typo_in_a_key_names_file_line_and_suggestion():
    text = broken("    weight: 15\n    speaker: agent\n    window: {first_seconds: 20",
                  "    weigth: 15\n    speaker: agent\n    window: {first_seconds: 20")
    msg = error_of(text)
    line = line_of(text, "weigth")
    assert f"cards/test.yml:{line}: criteria.greeting.weigth: unknown key 'weigth' — did you mean 'weight'?" in msg
    assert "missing 'weight'" in msg  # and the weight it lost is reported too


def test_weights_must_sum_to_100():
    msg = error_of(broken("  weight: 25\n  speaker: agent\n  penalty", "  weight: 30\n  speaker: agent\n  penalty"))
    assert "weights must sum to 100, they sum to 105" in msg
    assert "forbidden_words=30" in msg
    assert re.search(r"cards/test.yml:\d+: criteria: weights", msg)


def test_bad_regex_is_reported_with_its_line():
    text = broken("    not_applicable: {no_agent_speech: true}\n\n  identification:",
                  "    patterns: ['buen(os']\n    not_applicable: {no_agent_speech: true}\n\n  identification:")
    msg = error_of(text)
    assert f"cards/test.yml:{line_of(text, 'buen(os')}: criteria.greeting.patterns[0]: bad regular expression" in msg


def test_categories_out_of_order():
    text = broken("{name: Regular, min_score: 50}", "{name: Regular, min_score: 80}")
    msg = error_of(text)
    assert f"cards/test.yml:{line_of(text, 'min_score: 80')}:" in msg
    assert "'Regular' min_score 80 must be below 'Buena' (75)" in msg


def test_last_category_must_start_at_zero():
    msg = error_of(broken("{name: Requiere Atención, min_score: 0}", "{name: Requiere Atención, min_score: 10}"))
    assert "the last category must have min_score 0" in msg


def test_missing_required_criterion_with_typo_hint():
    msg = error_of(broken("  greeting:\n", "  greting:\n"))
    assert "missing criterion 'greeting' (found 'greting' — a typo?)" in msg


def test_duplicate_key_is_an_error():
    text = broken("version: callaudit-v1.0\n", "version: callaudit-v1.0\nversion: callaudit-v1.1\n")
    assert f"cards/test.yml:{line_of(text, 'callaudit-v1.1')}: duplicate key 'version'" in error_of(text)


def test_name_slot_must_end_the_phrase():
    msg = error_of(broken("      - habla con {name}\n", "      - habla {name} con usted\n"))
    assert "{name} must be the last word of the phrase" in msg


def test_unknown_placeholder():
    assert "unknown placeholder {nombre}" in error_of(broken("      - habla con {name}\n", "      - habla con {nombre}\n"))


def test_window_cannot_be_at_start_and_end():
    msg = error_of(broken("{first_seconds: 20, first_turns: 2}", "{first_seconds: 20, last_turns: 2}"))
    assert "either at the start (first_*) or at the end (last_*)" in msg


def test_wrong_types_and_ranges():
    msg = error_of(broken("  fuzzy_threshold: 80", "  fuzzy_threshold: ochenta"))
    assert "'fuzzy_threshold' must be a number, got 'ochenta'" in msg
    msg = error_of(broken("  fuzzy_threshold: 80", "  fuzzy_threshold: 120"))
    assert "'fuzzy_threshold' = 120 is out of range [50, 100]" in msg
    msg = error_of(broken("    speaker: agent\n    window: {first_seconds: 20",
                          "    speaker: agente\n    window: {first_seconds: 20"))
    assert "speaker must be one of agent, customer, any, got 'agente'" in msg


def test_several_problems_are_reported_at_once():
    text = broken("  fuzzy_threshold: 80", "  fuzzy_threshold: 120\n  fuzy_min_chars: 8")
    msg = error_of(text)
    assert "(2 problems)" in msg or "problems)" in msg
    assert "out of range" in msg and "did you mean 'fuzzy_min_chars'" in msg


def test_yaml_syntax_error_has_a_line():
    text = broken("criteria:\n", "criteria:\n  - [unclosed\n")
    msg = error_of(text)
    assert re.search(r"cards/test.yml:\d+: not valid YAML", msg)


def test_missing_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="scorecard not found"):
        load_scorecard(tmp_path / "nope.yml")


def test_spanish_no_and_y_stay_words_not_booleans():
    card = load_scorecard()
    assert "y" in card.name_stopwords  # YAML 1.1 would have made it True
    text = broken("  name_stopwords: [el,", "  name_stopwords: [no, el,")
    assert "no" in parse_scorecard(text, "x.yml").name_stopwords


def test_forbidden_forms_are_canonicalised_and_not_shared():
    card = load_scorecard()
    assert card.canonical_forbidden("CÁLLATE") == "cállese"
    assert card.canonical_forbidden("estupidas") == "estúpido"
    assert card.canonical_forbidden("calle") is None
    msg = error_of(broken("      variants: [idiotas]", "      variants: [idiotas, bruto]"))
    assert "'bruto' is already a form of 'idiota'" in msg or "is already a form of" in msg


def test_hotwords_bias_protocol_and_forbidden_but_not_name_introductions():
    card = load_scorecard()
    agent = card.hotwords("agent", max_chars=None)
    customer = card.hotwords("customer", max_chars=None)
    assert "buenos días" in agent and "en qué le puedo colaborar" in agent
    assert "qué pereza" in agent and "cállese" in agent
    assert not any("{name}" in h or h.startswith("mi nombre es") for h in agent)
    assert "superintendencia" in customer and "qué pereza" not in customer
    both = card.hotwords(max_chars=None)
    assert set(agent) | set(customer) == set(both)
    assert len(both) == len(set(both))
    assert "qué pereza" not in card.hotwords("agent", include_forbidden=False, max_chars=None)


def test_hotwords_interleave_the_lists_and_respect_a_budget():
    card = load_scorecard()
    words = card.hotwords(max_chars=None)
    # round 1: the first forbidden expression, the first phrase of each criterion that has plain phrases
    # (identification only has "{name}" phrases, never hotwords), the first escalation phrase
    lists = [[p.text for p in c.phrases if not p.name_slot] for c in card.criteria.values()]
    first_round = [card.forbidden.expressions[0].canonical] + [x[0] for x in lists if x]
    first_round.append(card.escalation.phrases[0].text)
    assert words[: len(first_round)] == first_round
    assert words[len(first_round)] == card.forbidden.expressions[1].canonical
    short = card.hotwords()  # the default budget: 300 characters, what Whisper's prompt can hold
    assert short == card.hotwords(max_chars=300)
    assert len(", ".join(short)) <= 300 and short == words[: len(short)] and len(", ".join(words)) > 1000
    assert {"qué pereza", "buenos días", "que tenga un buen día"} <= set(short)
