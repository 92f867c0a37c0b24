"""Digest content and the limits of the receiving services (pure: no network)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alert_receivers import queue_row

from callaudit.alerts.digest import DETAIL_LIMIT, build_digest, render_text, slack_payload, teams_payload
from callaudit.alerts.state import AlertState

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)


def test_long_digests_stay_within_slack_limits_and_count_the_rest():
    rows = [queue_row(i, score=float(i), priority="critical", snippet="x" * 5000) for i in range(DETAIL_LIMIT + 5)]
    rows[0]["review_reasons"] = ["motivo " * 800]
    d = build_digest(rows, generated_at=NOW)
    payload = slack_payload(d)
    assert len(payload["blocks"]) <= 50
    sections = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
    assert all(len(t) <= 3000 for t in sections)
    assert "y 5 llamada(s) más" in sections[-1]
    assert len(payload["blocks"][0]["text"]["text"]) <= 150
    assert f"{DETAIL_LIMIT + 5} llamadas requieren revisión manual ({DETAIL_LIMIT + 5} críticas)" in render_text(d)
    card = teams_payload(d)["attachments"][0]["content"]
    assert sum(b["type"] == "Container" for b in card["body"]) == DETAIL_LIMIT


def test_snippets_are_redacted_cut_and_can_be_left_out():
    row = queue_row(1, score=10.0, priority="critical",
                    snippet="customer: mi número es 3001234567, correo ana@example.com, cédula [CEDULA] " + "y " * 200)
    with_snippet = build_digest([row], generated_at=NOW).items[0].snippet
    assert "3001234567" not in with_snippet and "ana@example.com" not in with_snippet
    assert "[CEDULA]" in with_snippet and len(with_snippet) <= 180
    assert build_digest([row], generated_at=NOW, snippets=False).items[0].snippet == ""
    assert "customer:" not in json.dumps(slack_payload(build_digest([row], generated_at=NOW, snippets=False)))


def test_teams_text_cannot_smuggle_links():
    row = queue_row(1, score=10.0, priority="critical", agent="[clic aquí](https://evil.example)")
    card = teams_payload(build_digest([row], generated_at=NOW))["attachments"][0]["content"]
    assert "](https://evil" not in json.dumps(card, ensure_ascii=False)


def test_state_is_written_atomically_and_read_back(tmp_path):
    path = tmp_path / "state" / "alerts_state.json"
    st = AlertState.load(path)
    st.mark_sent("email", ["CA1", "CA2"], NOW)
    st.save()
    again = AlertState.load(path)
    assert again.alerted("email") == {"CA1", "CA2"} and again.alerted("slack") == set()
    assert again.last_digest_at("email") == NOW
    assert [p.name for p in path.parent.iterdir()] == ["alerts_state.json"]  # no temp file left behind
    path.write_text("{not json")
    try:
        AlertState.load(path)
    except Exception as exc:  # a readable UserError, not a traceback
        assert "unreadable" in str(exc)
    else:
        raise AssertionError("a corrupt state file must not be silently ignored")
