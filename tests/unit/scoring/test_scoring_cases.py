"""Runs audit_cases.yml: given this transcript, expect this audit (one case per scorecard rule)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from callaudit.scoring import load_scorecard, score_transcript
from callaudit.scoring.samples import transcript_from_label

CASES = yaml.safe_load((Path(__file__).parent / "audit_cases.yml").read_text(encoding="utf-8"))


def build_transcript(case: dict):
    turns = [
        {"speaker": s, "channel": 2 if s == "agent" else 1, "start": a, "end": b, "text": text}
        for s, a, b, text in case["turns"]
    ]
    duration = case.get("duration", max(t["end"] for t in turns) + 1)
    label = {"call_sid": "CA" + "1" * 32, "recording_sid": "RE" + "1" * 32, "agent_channel": 2,
             "duration_seconds": duration, "turns": turns}
    return transcript_from_label(label, mono=case.get("mono", False), confidence=case.get("confidence", 0.85))


@pytest.fixture(scope="module")
def card():
    return load_scorecard()


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case, card):
    audit = score_transcript(build_transcript(case), card, agent_name=case.get("agent_name"))
    expect = dict(case["expect"])
    for crit, text in (expect.pop("reason_contains", None) or {}).items():
        assert text in audit.criteria[crit].reason, audit.criteria[crit].reason
    for crit, heard in (expect.pop("heard", None) or {}).items():
        assert audit.criteria[crit].match is not None, audit.criteria[crit].reason
        assert audit.criteria[crit].match.heard == heard
    if "review_codes" in expect:
        assert audit.review_codes == expect.pop("review_codes"), [r.message for r in audit.review_reasons]
    for text in expect.pop("review_messages", None) or []:
        assert text in [r.message for r in audit.review_reasons]
    if "customer_sentiment_by_quarter_signs" in expect:
        quarters = audit.customer_sentiment_by_quarter
        signs = [None if q is None else (q > 0) - (q < 0) for q in quarters]
        assert signs == expect.pop("customer_sentiment_by_quarter_signs"), quarters
    if "sentiment" in expect:
        assert card.sentiment_bucket(audit.sentiment_score) == expect.pop("sentiment"), audit.sentiment_score
    for field, want in expect.items():
        got = getattr(audit, field)
        assert got == want, f"{field}: expected {want!r}, got {got!r}; evidence: {audit.evidence.get('criteria')}"
