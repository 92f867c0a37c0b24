"""`callaudit alerts` in-process: exit codes, messages, secrets kept out of the output."""

from __future__ import annotations

import json

import pytest
from alert_receivers import SMTP_PASSWORD, WEBHOOK_TOKEN, queue_row
from typer.testing import CliRunner

from callaudit.cli import app


@pytest.fixture
def cli(home, monkeypatch):
    rows = [queue_row(1, score=30.0, priority="critical"), queue_row(2, score=70.0, priority="high")]
    monkeypatch.setattr("callaudit.alerts.run.read_review_candidates", lambda settings, **kw: list(rows))
    monkeypatch.setenv("CALLAUDIT_ALERT_BACKOFF_SECONDS", "0.01")
    for var in ("CALLAUDIT_ALERT_WEBHOOK_URL", "CALLAUDIT_ALERT_EMAIL_TO", "CALLAUDIT_SMTP_HOST",
                "CALLAUDIT_REPORT_URL"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()

    def invoke(*args, verbose: bool = False):
        return runner.invoke(app, [*(["--verbose"] if verbose else []), "alerts", *args])

    invoke.rows = rows
    return invoke


def test_help_teaches_with_an_example(cli):
    result = cli("--help")
    assert result.exit_code == 0
    assert "Example" in result.output and "callaudit alerts --dry-run" in result.output
    assert "CALLAUDIT_SMTP_PASSWORD" in result.output


def test_webhook_sent_then_nothing_new_exit_0(cli, webhook, home):
    first = cli("--webhook", webhook.url)
    assert first.exit_code == 0, first.output
    assert "Slack webhook: digest of 2 call(s) sent." in first.output
    assert len(webhook.requests) == 1
    second = cli("--webhook", webhook.url)
    assert second.exit_code == 0 and "nothing new since" in second.output and "nothing sent" in second.output
    assert len(webhook.requests) == 1
    state = json.loads((home / "state" / "alerts_state.json").read_text())
    assert set(state["channels"]["slack"]["alerted"]) == {r["call_sid"] for r in cli.rows}
    assert WEBHOOK_TOKEN not in first.output + second.output


def test_webhook_from_env_failing_exits_1_naming_the_channel_not_the_url(cli, webhook, monkeypatch):
    monkeypatch.setenv("CALLAUDIT_ALERT_WEBHOOK_URL", webhook.url)
    monkeypatch.setenv("CALLAUDIT_ALERT_WEBHOOK_KIND", "teams")
    webhook.statuses = [500, 500, 500]
    result = cli()
    assert result.exit_code == 1
    assert "Teams webhook" in result.output and "could not be delivered" in result.output
    assert "retrying" in result.output
    assert WEBHOOK_TOKEN not in result.output
    assert len(webhook.requests) == 3


def test_email_via_smtp_settings_from_env(cli, smtp, monkeypatch):
    monkeypatch.setenv("CALLAUDIT_SMTP_HOST", smtp.host)
    monkeypatch.setenv("CALLAUDIT_SMTP_PORT", str(smtp.port))
    monkeypatch.setenv("CALLAUDIT_SMTP_USER", "qa-bot")
    monkeypatch.setenv("CALLAUDIT_SMTP_PASSWORD", SMTP_PASSWORD)
    monkeypatch.setenv("CALLAUDIT_SMTP_FROM", "callaudit@empresa.com.co")
    result = cli("--email", "calidad@empresa.com.co", verbose=True)
    assert result.exit_code == 0, result.output
    assert "e-mail: digest of 2 call(s) sent." in result.output
    assert len(smtp.messages) == 1 and smtp.messages[0].mail_from == "callaudit@empresa.com.co"
    assert SMTP_PASSWORD not in result.output


def test_dry_run_prints_the_digest_and_changes_nothing(cli, home):
    result = cli("--dry-run")
    assert result.exit_code == 0
    assert "2 call(s) would be alerted (dry run, nothing sent)" in result.output
    assert "1. [Crítica] Juan Pérez" in result.output
    assert not (home / "state" / "alerts_state.json").exists()


@pytest.mark.parametrize("args, message", [
    ([], "no alert channel configured"),
    (["--dry-run", "--since", "last tuesday"], "neither a duration nor a date"),
    (["--teams"], "--teams needs a webhook URL"),
    (["--email", "not-an-address"], "not an e-mail address"),
    (["--email", "a@b.co"], "CALLAUDIT_SMTP_HOST is not set"),
    (["--no-such-option"], "No such option"),
])
def test_bad_usage_exits_2(cli, args, message):
    result = cli(*args)
    assert result.exit_code == 2, result.output
    assert message in result.output
