"""The scorecard's declared schema (callaudit/scoring/scorecard.schema.json): it decides the shape — keys,
types, ranges, choices — with file:line messages; the code checks only what a schema cannot say."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from callaudit.errors import UserError
from callaudit.scoring.scorecard import (
    DEFAULT_SCORECARD,
    V1_SCORECARD,
    load_scorecard,
    parse_scorecard,
    schema_problems,
    scorecard_schema,
)
from callaudit.scoring.yamlmarks import load_marked

V2 = DEFAULT_SCORECARD.read_text(encoding="utf-8")


def error_of(text: str) -> str:
    with pytest.raises(UserError) as exc:
        parse_scorecard(text, "cards/v2.yml")
    return str(exc.value)


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_the_schema_is_a_valid_json_schema_and_the_shipped_scorecards_follow_it():
    Draft202012Validator.check_schema(scorecard_schema())
    for path in (V1_SCORECARD, DEFAULT_SCORECARD):
        assert schema_problems(load_marked(path.read_text(encoding="utf-8")).data) == []


def test_every_key_is_described():
    """The schema is also the reference of the format: every key says what it means."""
    undocumented = []

    def walk(node, where):
        for key, sub in (node.get("properties") or {}).items():
            if "description" not in sub and "$ref" not in sub:
                undocumented.append(f"{where}.{key}")
            walk(sub, f"{where}.{key}")
        for sub in node.get("$defs", {}).values():
            walk(sub, where)

    walk(scorecard_schema(), "scorecard")
    assert undocumented == []


def test_a_misspelt_key_deep_in_the_form_is_named_with_its_line():
    text = V2.replace("    window: {last_seconds: 30, last_turns: 2}", "    window: {last_second: 30, last_turns: 2}", 1)
    msg = error_of(text)
    line = line_of(text, "last_second: 30")
    assert f"cards/v2.yml:{line}: criteria.farewell.window.last_second: unknown key 'last_second' — did you mean " \
           f"'last_seconds'?" in msg


def test_types_ranges_and_choices_come_from_the_schema():
    assert "'first_turns' must be a whole number, got 2.5" in error_of(
        V2.replace("first_turns: 2}", "first_turns: 2.5}", 1))
    assert "'name_threshold' = 40 is out of range [50, 100]" in error_of(
        V2.replace("  fuzzy_threshold: 80\n", "  fuzzy_threshold: 80\n  name_threshold: 40\n", 1))
    assert "mode must be 'phrases' (fixed phrases, v1) or 'forms' (phrase forms), got 'formas'" in error_of(
        V2.replace("  mode: forms\n", "  mode: formas\n", 1))
    assert "version must be a plain identifier like callaudit-v1.0, got 'v 2'" in error_of(
        V2.replace("version: callaudit-v2.0", "version: v 2", 1))
    assert "criterion names are lower_snake_case words, got 'Despedida'" in error_of(
        V2.replace("  farewell:\n    label: Despedida", "  Despedida:\n    label: Despedida", 1))


def test_an_empty_key_means_not_set():
    """`review:` with nothing under it is the default review rules, not a type error."""
    head, tail = V2.split("\nreview:\n", 1)
    rest = tail.split("\n", 1)[1]
    while rest.startswith("  "):
        rest = rest.split("\n", 1)[1]
    card = parse_scorecard(head + "\nreview:\n" + rest, "cards/v2.yml")
    assert card.review.forbidden_word is True and card.review.low_score_below is None
    assert load_scorecard().review.low_score_below is not None  # the shipped one sets it


def test_semantic_checks_stay_in_code():
    msg = error_of(V2.replace("  weight: 25\n", "  weight: 30\n", 1))
    assert "weights must sum to 100, they sum to 105" in msg
