"""The scorer as evaluators: one interface each, sentiment engines behind one interface, numbers from the
scorecard, messages from one catalogue."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from new_criterion import call

from callaudit.scoring import load_scorecard, score_transcript
from callaudit.scoring import messages as msg
from callaudit.scoring.evaluators import EVALUATORS, Call, Findings
from callaudit.scoring.results import ReviewReason
from callaudit.scoring.sentiment import TextSentimentEngine

SCORING = Path(__file__).resolve().parents[3] / "callaudit" / "scoring"


def test_the_evaluators_run_in_the_forms_order():
    assert [e.name for e in EVALUATORS] == ["criteria", "forbidden_words", "escalation", "sentiment",
                                            "conversation_metrics", "score", "review"]


def test_another_evaluator_is_one_class_and_sees_what_the_others_found():
    class Recap:
        """A compliance check: the agent must read back the customer's request (here: "le confirmo")."""

        name = "recap"
        seen: list[float | None] = []

        def evaluate(self, c: Call, found: Findings) -> None:
            self.seen.append(found.quality)
            said = any("confirmo" in " ".join(s.raw_words) for s in c.views["agent"])
            if not said:
                found.review.append(ReviewReason("no_recap", "el agente no confirmó la solicitud"))

    recap = Recap()
    without = score_transcript(call(summarised=False), evaluators=(*EVALUATORS, recap))
    assert "no_recap" in without.review_codes and without.needs_manual_review
    with_recap = score_transcript(call(summarised=True), evaluators=(*EVALUATORS, recap))
    assert "no_recap" not in with_recap.review_codes
    assert recap.seen == [without.quality_score, with_recap.quality_score]  # ran after the score


def test_a_text_sentiment_engine_needs_only_score_texts():
    class Grumpy(TextSentimentEngine):
        name = "grumpy"
        texts: list[list[str]] = []

        def score_texts(self, texts):
            self.texts.append(list(texts))
            return [None if not t.strip() else -0.9 for t in texts]

    engine = Grumpy()
    audit = score_transcript(call(summarised=True), sentiment_engine=engine)
    assert audit.sentiment_score == -0.9 and audit.customer_ends_upset is True
    assert audit.evidence["sentiment"]["engine"] == "grumpy"
    call_texts, final_turns = engine.texts
    assert "quiero cambiar mi plan" in call_texts[0] and "le confirmo" in call_texts[1]
    assert len(call_texts) == 6  # customer, agent, four quarters
    assert final_turns == ["quiero cambiar mi plan por favor perfecto muchas gracias"]
    assert audit.quality_category != "Excelente"  # a negative customer costs the sentiment item


def test_the_name_threshold_is_the_scorecards(tmp_path):
    """How close a heard word must be to the agent's own name is a scorecard setting (matching.name_threshold,
    default 85), not a floor in code: at 99 a recogniser's «Valentinna» no longer counts as «Valentina»."""
    from callaudit.scoring.scorecard import DEFAULT_SCORECARD
    from callaudit.transcript import Segment, Transcript

    assert load_scorecard().name_threshold == 85.0
    text = DEFAULT_SCORECARD.read_text(encoding="utf-8")
    got = {}
    for threshold in (85, 99):
        path = tmp_path / f"names{threshold}.yml"
        path.write_text(text.replace("  fuzzy_threshold: 80\n",
                                     f"  fuzzy_threshold: 80\n  name_threshold: {threshold}\n", 1), encoding="utf-8")
        card = load_scorecard(path)
        assert card.name_threshold == threshold
        for heard in ("Valentinna", "Valentína"):
            t = Transcript("RE1", "CA1", duration_seconds=30.0, channels=2, agent_channel=2, segments=[
                Segment("agent", 2, 0.5, 4.0, f"buenos días, {heard}, en qué le puedo colaborar"),
                Segment("customer", 1, 5.0, 8.0, "hola quiero ayuda"),
                Segment("agent", 2, 20.0, 24.0, "gracias por llamar, que tenga buen día")])
            got[threshold, heard] = score_transcript(t, card, agent_name="Valentina Gómez").has_identification
    assert got == {(85, "Valentinna"): True, (85, "Valentína"): True,
                   (99, "Valentinna"): False, (99, "Valentína"): True}


def _say_keys(path: Path) -> list[str]:
    keys = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "say" and node.args:
            arg = node.args[0]
            if isinstance(arg, ast.Constant):
                keys.append(arg.value)
            elif isinstance(arg, ast.JoinedStr):  # say(f"speaker.{m.speaker}"): a family of keys
                keys.append("".join(v.value if isinstance(v, ast.Constant) else "*" for v in arg.values))
    return keys


def test_every_message_the_scorer_says_is_in_the_catalogue():
    used = [k for p in sorted(SCORING.glob("*.py")) for k in _say_keys(p)]
    assert len(used) > 30
    for key in used:
        pattern = re.compile("^" + re.escape(key).replace(r"\*", r"[\w.]+") + "$")
        assert any(pattern.match(k) for k in msg.ES), f"say({key!r}) is not in callaudit/scoring/messages.py"
    with pytest.raises(KeyError):
        msg.say("criterion.met", heard="hola")  # a missing field is an error, not a half message


def test_no_analyst_message_is_written_outside_the_catalogue():
    """Spanish text for the analyst lives in messages.py: the scorer's code holds codes and keys only."""
    offenders = []
    for name in ("audit.py", "evaluators.py", "results.py"):
        tree = ast.parse((SCORING / name).read_text(encoding="utf-8"))
        docstrings = {id(n.body[0].value) for n in ast.walk(tree)
                      if isinstance(n, ast.Module | ast.ClassDef | ast.FunctionDef) and n.body
                      and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings \
                    and re.search(r"[áéíóúñ¿«»]", node.value):
                offenders.append(f"{name}:{node.lineno}: {node.value[:40]!r}")
    assert offenders == []
