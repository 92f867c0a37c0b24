"""Tickets for critical calls and escalations: Jira Cloud and Zendesk formats checked by a local receiver over real
HTTP, one ticket per qualifying call, none on a second run, retries on 5xx, a clear stop on 4xx, no secret shown."""

from __future__ import annotations

import pytest
from ticket_receiver import EMAIL, JIRA_TOKEN, ZENDESK_TOKEN, start_receiver

from callaudit.alerts.channels import RetryPolicy
from callaudit.alerts.tickets import Jira, Zendesk, run_tickets
from callaudit.config import Settings
from callaudit.scoring import audit_to_row, score_transcript
from callaudit.secrets import Secret
from callaudit.transcript import Segment, Transcript

FAST = RetryPolicy(attempts=3, backoff_seconds=0.01, sleep=lambda _s: None)


def _audit_row(sid: str, agent_line: str, customer_line: str) -> dict:
    t = Transcript(f"RE{sid[2:]}", sid, duration_seconds=40.0, channels=2, agent_channel=2, segments=[
        Segment("agent", 2, 0.5, 4.0, "buenos días, le habla Carolina, en qué le puedo colaborar"),
        Segment("customer", 1, 5.0, 10.0, customer_line),
        Segment("agent", 2, 11.0, 20.0, agent_line),
        Segment("agent", 2, 30.0, 36.0, "gracias por comunicarse, que tenga un buen día")])
    row = audit_to_row(score_transcript(t, agent_name="Carolina Díaz"))
    return {**row, "agent": "Carolina Díaz", "vendor": "Konecta", "team": "Hogar", "supervisor": "Luz",
            "start_local": "2026-12-07 09:15", "start_utc": "2026-12-07T14:15:00Z"}


@pytest.fixture
def rows():
    return [
        _audit_row("CA" + "1" * 32, "qué pereza, eso no es mi problema", "quiero saber mi saldo"),
        _audit_row("CA" + "2" * 32, "claro, ya le reviso", "quiero hablar con un supervisor, voy a poner una queja"),
        _audit_row("CA" + "3" * 32, "claro, ya le reviso el saldo", "quiero saber mi saldo por favor"),
    ]


@pytest.fixture
def receiver():
    rec, server = start_receiver()
    yield rec
    server.shutdown()
    server.server_close()


def _systems(url: str):
    return [Jira("jira", "Jira", url, EMAIL, Secret("CALLAUDIT_JIRA_API_TOKEN", JIRA_TOKEN), project="QA"),
            Zendesk("zendesk", "Zendesk", url, EMAIL, Secret("CALLAUDIT_ZENDESK_API_TOKEN", ZENDESK_TOKEN))]


def test_one_ticket_per_qualifying_call_and_none_on_a_second_run(tmp_path, rows, receiver):
    assert rows[0]["critical_errors"] and rows[1]["escalation_requested"]  # the audit itself decides who qualifies
    assert not rows[2]["critical_errors"] and not rows[2]["escalation_requested"]
    settings = Settings(home=tmp_path / "home", cache=tmp_path / "cache")
    run = run_tickets(settings, _systems(receiver.url), candidates=rows, policy=FAST)
    assert not run.failed and receiver.rejected == []
    assert [b["fields"]["labels"][-1] for b in receiver.jira] == [rows[0]["call_sid"], rows[1]["call_sid"]]
    assert [b["ticket"]["external_id"] for b in receiver.zendesk] == [rows[0]["call_sid"], rows[1]["call_sid"]]
    critical, escalation = receiver.jira
    assert critical["fields"]["priority"]["name"] == "Highest" and escalation["fields"]["priority"]["name"] == "High"
    text = " ".join(n["content"][0]["text"] for n in critical["fields"]["description"]["content"])
    assert "palabra prohibida" in text and "Carolina Díaz" in text and rows[0]["call_sid"] in text
    assert receiver.zendesk[0]["ticket"]["priority"] == "urgent" and receiver.zendesk[1]["ticket"]["type"] == "task"
    assert {r.ticket for r in run.results} == {"QA-1", "QA-2", "35001", "35002"}

    again = run_tickets(settings, _systems(receiver.url), candidates=rows, policy=FAST)
    assert again.results == [] and again.already == {"jira": 2, "zendesk": 2}
    assert len(receiver.jira) == 2 and len(receiver.zendesk) == 2


def test_a_5xx_is_retried_and_a_4xx_stops_with_the_reason_and_no_secret(tmp_path, rows, receiver, capsys):
    settings = Settings(home=tmp_path / "home", cache=tmp_path / "cache")
    jira = _systems(receiver.url)[:1]
    receiver.statuses = [503, 502]
    run = run_tickets(settings, jira, candidates=rows[:1], policy=FAST)
    assert not run.failed and run.results[0].attempts == 3 and len(receiver.jira) == 1

    wrong = Jira("jira", "Jira", receiver.url, EMAIL, Secret("CALLAUDIT_JIRA_API_TOKEN", "not-" + JIRA_TOKEN),
                 project="QA")
    failed = run_tickets(settings, [wrong], candidates=rows[1:2], policy=FAST)
    (result,) = failed.failed
    assert "HTTP 401" in result.error and "not retried" in result.error and result.attempts == 1
    assert JIRA_TOKEN not in result.error
    # nothing recorded for the failed call: the next run opens it
    fixed = run_tickets(settings, jira, candidates=rows[1:2], policy=FAST)
    assert [r.ticket for r in fixed.results] == ["QA-2"]


def test_dry_run_sends_nothing_and_records_nothing(tmp_path, rows, receiver):
    settings = Settings(home=tmp_path / "home", cache=tmp_path / "cache")
    run = run_tickets(settings, _systems(receiver.url), candidates=rows, dry_run=True)
    assert len(run.results) == 4 and all(r.payload and r.ticket is None for r in run.results)
    assert receiver.jira == [] and receiver.zendesk == [] and receiver.seen_auth == []
    assert not (settings.state / "tickets_state.json").exists()
