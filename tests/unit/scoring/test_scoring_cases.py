"""Given this transcript, expect this audit (one case per scorecard rule):

* audit_cases.yml — the first scorecard (scorecards/callaudit_v1.yml, fixed phrases), which keeps loading and
  scoring as it did;
* form_cases.yml — the QA-form scorecard (scorecards/callaudit_v2.yml, phrase forms, critical errors, category
  rules), one case per convention of evaluation/CONVENTIONS.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from callaudit.scoring import load_scorecard, score_transcript
from callaudit.scoring.samples import transcript_from_label
from callaudit.scoring.scorecard import DEFAULT_SCORECARD, V1_SCORECARD

HERE = Path(__file__).parent
CASES = [(V1_SCORECARD, c) for c in yaml.safe_load((HERE / "audit_cases.yml").read_text(encoding="utf-8"))]
CASES += [(DEFAULT_SCORECARD, c) for c in yaml.safe_load((HERE / "form_cases.yml").read_text(encoding="utf-8"))]
CARDS = {p: load_scorecard(p) for p in (V1_SCORECARD, DEFAULT_SCORECARD)}


def build_transcript(case: dict):
    turns = [
        {"speaker": s, "channel": 2 if s == "agent" else 1, "start": a, "end": b, "text": text}
        for s, a, b, text in case["turns"]
    ]
    duration = case.get("duration", max(t["end"] for t in turns) + 1)
    label = {"call_sid": "CA" + "1" * 32, "recording_sid": "RE" + "1" * 32, "agent_channel": 2,
             "duration_seconds": duration, "turns": turns}
    return transcript_from_label(label, mono=case.get("mono", False), confidence=case.get("confidence", 0.85))


@pytest.mark.parametrize("path, case", CASES, ids=[f"{p.stem}: {c['name']}" for p, c in CASES])
def test_case(path, case):
    card = CARDS[path]
    audit = score_transcript(build_transcript(case), card, agent_name=case.get("agent_name"))
    expect = dict(case["expect"])
    if "category_reason_contains" in expect:
        assert expect.pop("category_reason_contains") in audit.category_reason, audit.category_reason
    if "critical_contains" in expect:
        want = expect.pop("critical_contains")
        assert any(want in e["message"] for e in audit.critical_errors), audit.critical_errors
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
