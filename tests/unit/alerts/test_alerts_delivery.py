"""Digests delivered to real local receivers: an HTTP webhook server and an aiosmtpd SMTP server."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from alert_receivers import SMTP_PASSWORD, WEBHOOK_TOKEN, queue_row

from callaudit.alerts.channels import EmailChannel, RetryPolicy, SmtpConfig, WebhookChannel
from callaudit.alerts.run import run_alerts
from callaudit.alerts.state import AlertState
from callaudit.config import Settings
from callaudit.secrets import Secret

NOW = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=3, backoff_seconds=0.01)
HOSTILE = "<!channel> <script>alert(1)</script>"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home", cache=tmp_path / "cache")


def rows():
    return [queue_row(1, score=62.0, priority="high"),
            queue_row(2, score=8.5, priority="critical", agent="Ana", snippet=f"customer: {HOSTILE}"),
            queue_row(3, score=None, priority="normal")]


def slack(url: str) -> WebhookChannel:
    return WebhookChannel(Secret("CALLAUDIT_ALERT_WEBHOOK_URL", url), "slack")


def mail(smtp, **kw) -> EmailChannel:
    cfg = dict(host=smtp.host, port=smtp.port, sender="callaudit@empresa.com.co",
               recipients=["calidad@empresa.com.co", "supervisor@empresa.com.co"])
    cfg.update(kw)
    return EmailChannel(SmtpConfig(**cfg))


def state_of(settings) -> AlertState:
    return AlertState.load(settings.state / "alerts_state.json")


def test_slack_digest_is_delivered_once_then_nothing_new(settings, webhook):
    run = run_alerts(settings, [slack(webhook.url)], now=NOW, candidates=rows(), policy=FAST,
                     link="https://reportes.local/calidad.html")
    assert run.ok and run.outcomes[0].sent and run.outcomes[0].attempts == 1
    assert len(webhook.requests) == 1
    req = webhook.requests[0]
    assert req["path"] == f"/services/{WEBHOOK_TOKEN}" and req["content_type"].startswith("application/json")
    payload = req["json"]
    assert set(payload) == {"text", "blocks"}
    assert payload["text"].startswith("callaudit: 3 llamadas requieren revisión manual (1 crítica)")
    types = [b["type"] for b in payload["blocks"]]
    assert types[0] == "header" and types[2] == "divider" and types[-1] == "context"
    items = [b["text"]["text"] for b in payload["blocks"][3:-1]]
    assert len(items) == 3
    assert items[0].startswith("*1. Ana*") and "score *8,5*" in items[0]  # worst first: critical, then high
    assert items[1].startswith("*2. Juan Pérez*") and "prioridad Alta" in items[1]
    assert "sin evaluar" in items[2]
    assert "`CA00000000000000000000000000000002`" in items[0]
    assert "+573*******67" in items[0] and "+573001234567" not in json.dumps(payload)
    assert "&lt;!channel&gt; &lt;script&gt;" in items[0] and "<!channel>" not in json.dumps(payload)
    assert "[CEDULA]" in items[1]
    assert "https://reportes.local/calidad.html" in payload["blocks"][-1]["elements"][0]["text"]
    assert state_of(settings).alerted("slack") == {r["call_sid"] for r in rows()}

    again = run_alerts(settings, [slack(webhook.url)], now=NOW + timedelta(hours=1), candidates=rows(), policy=FAST)
    assert again.nothing_new and len(webhook.requests) == 1
    assert again.since_text == "25 nov 2026, 06:00 (hora Colombia)"

    newer = rows() + [queue_row(4, score=20.0, priority="critical")]
    third = run_alerts(settings, [slack(webhook.url)], now=NOW + timedelta(hours=2), candidates=newer, policy=FAST)
    assert third.outcomes[0].pending == 1 and len(webhook.requests) == 2
    assert webhook.payloads[1]["blocks"][0]["text"]["text"] == "1 llamada requiere revisión manual (1 crítica)"
    assert "Desde el último resumen, del 25 nov 2026, 06:00 (hora Colombia)." in webhook.payloads[1]["blocks"][1]["text"]["text"]


def test_teams_gets_an_adaptive_card(settings, webhook):
    channel = WebhookChannel(Secret("CALLAUDIT_ALERT_WEBHOOK_URL", webhook.url), "teams")
    run_alerts(settings, [channel], now=NOW, candidates=rows(), policy=FAST, link="https://reportes.local/r.html")
    payload = webhook.payloads[0]
    assert payload["type"] == "message" and len(payload["attachments"]) == 1
    att = payload["attachments"][0]
    assert att["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = att["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    assert card["body"][0]["text"] == "3 llamadas requieren revisión manual (1 crítica)"
    containers = [b for b in card["body"] if b["type"] == "Container"]
    assert len(containers) == 3 and containers[0]["items"][0]["text"] == "1. Ana (Teleperformance)"
    facts = {f["title"]: f["value"] for f in containers[0]["items"][1]["facts"]}
    assert facts["Llamada"] == "CA00000000000000000000000000000002" and facts["Origen"] == "+573*******67"
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Abrir el reporte",
                                "url": "https://reportes.local/r.html"}]
    assert state_of(settings).alerted("teams") and not state_of(settings).alerted("slack")


def test_retry_500_twice_then_200_delivers_one_digest(settings, webhook):
    webhook.statuses = [500, 503]
    messages = []
    run = run_alerts(settings, [slack(webhook.url)], now=NOW, candidates=rows(), policy=FAST, log=messages.append)
    assert run.ok and run.outcomes[0].attempts == 3
    assert len(webhook.requests) == 3 and webhook.payloads[0] == webhook.payloads[2]  # the same digest, retried
    assert len(messages) == 2 and "HTTP 500" in messages[0] and "retrying" in messages[0]
    assert len(state_of(settings).alerted("slack")) == 3


def test_always_500_fails_keeps_state_and_the_next_run_resends(settings, webhook):
    webhook.statuses = [500, 500, 500]
    run = run_alerts(settings, [slack(webhook.url)], now=NOW, candidates=rows(), policy=FAST)
    assert not run.ok and len(webhook.requests) == 3
    assert "Slack webhook" in run.failed[0].error and "gave up after 3 attempts" in run.failed[0].error
    assert WEBHOOK_TOKEN not in run.failed[0].error
    assert not (settings.state / "alerts_state.json").exists()  # nothing marked as alerted

    rerun = run_alerts(settings, [slack(webhook.url)], now=NOW + timedelta(minutes=5), candidates=rows(), policy=FAST)
    assert rerun.ok and len(webhook.requests) == 4
    assert len(webhook.payloads[3]["blocks"]) == len(webhook.payloads[0]["blocks"])  # the same 3 calls


def test_4xx_fails_fast_without_retrying(settings, webhook):
    webhook.statuses = [404]
    run = run_alerts(settings, [slack(webhook.url)], now=NOW, candidates=rows(), policy=FAST)
    assert len(webhook.requests) == 1 and run.failed[0].attempts == 1
    assert "HTTP 404: no_service (not retried" in run.failed[0].error


def test_email_is_one_multipart_message_with_login(settings, smtp):
    channel = mail(smtp, user="qa-bot", password=Secret("CALLAUDIT_SMTP_PASSWORD", SMTP_PASSWORD))
    run = run_alerts(settings, [channel], now=NOW, candidates=rows(), policy=FAST, link=None)
    assert run.ok
    assert smtp.logins == [("qa-bot", SMTP_PASSWORD)]
    assert len(smtp.messages) == 1
    envelope = smtp.messages[0]
    assert sorted(envelope.rcpt_tos) == ["calidad@empresa.com.co", "supervisor@empresa.com.co"]
    msg = message_from_bytes(envelope.content, policy=policy.default)
    assert msg["Subject"] == "[callaudit] 3 llamadas requieren revisión manual (1 crítica) — 25 nov 2026"
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    assert text.index("1. [Crítica] Ana") < text.index("2. [Alta] Juan Pérez") < text.index("3. [Normal]")
    assert "Llamada: CA00000000000000000000000000000002" in text and "+573*******67" in text
    assert "+573001234567" not in text + html
    # no transcript text by e-mail unless asked for ("no compartir transcripciones por email")
    assert "customer:" not in text + html and "alert(1)" not in text + html and "«" not in text
    assert "genere el HTML con `callaudit report`" in text
    assert state_of(settings).alerted("email") == {r["call_sid"] for r in rows()}


def test_email_snippets_when_asked_are_redacted_and_escaped(settings, smtp):
    channel = mail(smtp, user="qa-bot", password=Secret("CALLAUDIT_SMTP_PASSWORD", SMTP_PASSWORD))
    run = run_alerts(settings, [channel], now=NOW, candidates=rows(), policy=FAST, email_snippets=True)
    assert run.ok
    msg = message_from_bytes(smtp.messages[0].content, policy=policy.default)
    html = msg.get_body(("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>" not in html


def test_email_ok_webhook_down_only_the_webhook_is_retried_next_time(settings, smtp, webhook):
    webhook.statuses = [502, 502, 502]
    first = run_alerts(settings, [slack(webhook.url), mail(smtp)], now=NOW, candidates=rows(), policy=FAST)
    assert [o.channel for o in first.failed] == ["slack"]
    assert len(smtp.messages) == 1 and len(webhook.requests) == 3
    st = state_of(settings)
    assert len(st.alerted("email")) == 3 and st.alerted("slack") == set()

    second = run_alerts(settings, [slack(webhook.url), mail(smtp)], now=NOW + timedelta(hours=1), candidates=rows(),
                        policy=FAST)
    assert second.ok and len(webhook.requests) == 4 and len(smtp.messages) == 1  # no duplicate e-mail
    assert {o.channel: o.pending for o in second.outcomes} == {"slack": 3, "email": 0}


def test_wrong_smtp_password_fails_fast_and_never_shows_it(settings, smtp):
    channel = mail(smtp, user="qa-bot", password=Secret("CALLAUDIT_SMTP_PASSWORD", "wrong-" + SMTP_PASSWORD))
    run = run_alerts(settings, [channel], now=NOW, candidates=rows(), policy=FAST)
    assert len(smtp.logins) == 1 and not smtp.messages
    error = run.failed[0].error
    assert "rejected the login for user 'qa-bot'" in error and SMTP_PASSWORD not in error


def test_unreachable_smtp_is_retried_then_reported(settings):
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    channel = EmailChannel(SmtpConfig(host="127.0.0.1", port=port, sender="a@b.co", recipients=["c@d.co"]))
    run = run_alerts(settings, [channel], now=NOW, candidates=rows(), policy=FAST)
    assert run.failed[0].attempts == 3 and "ConnectionRefusedError" in run.failed[0].error


def test_since_filters_by_call_start_and_dry_run_sends_nothing(settings, webhook):
    old = queue_row(7, score=10.0, priority="critical", start="2026-11-01T14:00:00Z")
    run = run_alerts(settings, [slack(webhook.url)], now=NOW, candidates=[*rows(), old], policy=FAST,
                     since=NOW - timedelta(days=7), dry_run=True)
    assert run.outcomes[0].pending == 3 and not webhook.requests
    preview = json.loads(run.outcomes[0].preview)
    assert "CA00000000000000000000000000000007" not in json.dumps(preview)
    assert not (settings.state / "alerts_state.json").exists()


def test_secrets_never_reach_logs_or_state(settings, webhook, smtp, caplog):
    caplog.set_level(logging.DEBUG)
    webhook.statuses = [500]
    channel = mail(smtp, user="qa-bot", password=Secret("CALLAUDIT_SMTP_PASSWORD", SMTP_PASSWORD))
    run_alerts(settings, [slack(webhook.url), channel], now=NOW, candidates=rows(), policy=FAST)
    state_text = (settings.state / "alerts_state.json").read_text()
    for secret in (WEBHOOK_TOKEN, SMTP_PASSWORD):
        assert secret not in caplog.text and secret not in state_text
    assert repr(slack(webhook.url).url) == "Secret(CALLAUDIT_ALERT_WEBHOOK_URL=****)"
