"""``callaudit alerts``: the digest of calls needing manual review, to a webhook and/or e-mail."""

from __future__ import annotations

import typer

from callaudit.errors import UserError, user_errors


def alerts(
    webhook: str = typer.Option(None, "--webhook", metavar="URL", help="Slack-compatible incoming webhook URL "
                                "(default: CALLAUDIT_ALERT_WEBHOOK_URL). A secret: never printed."),
    teams: bool = typer.Option(False, "--teams", help="The webhook is Microsoft Teams (Workflows / incoming "
                               "webhook): send an Adaptive Card instead of Slack blocks."),
    email: str = typer.Option(None, "--email", metavar="TO", help="E-mail the digest to these addresses "
                              "(comma-separated; default: CALLAUDIT_ALERT_EMAIL_TO) via CALLAUDIT_SMTP_HOST."),
    since: str = typer.Option(None, "--since", metavar="WHEN", help="Only calls that started after WHEN: 24h, "
                              "7d, 2026-11-20 or 2026-11-20T08:00 (Bogotá time)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show what would be sent; send nothing, change no "
                                 "state."),
    no_snippets: bool = typer.Option(False, "--no-snippets", help="Leave the (redacted) transcript snippets "
                                     "out of chat (webhook) digests too."),
    email_snippets: bool = typer.Option(False, "--email-snippets", help="Also put the redacted snippets in "
                                        "e-mails (off by default: transcripts are not shared by e-mail)."),
    report_url: str = typer.Option(None, "--report-url", metavar="URL", help="Link to the HTML report in the "
                                   "digest (default: CALLAUDIT_REPORT_URL, else $CALLAUDIT_HOME/report.html)."),
) -> None:
    """Send the digest of calls that need manual review and have not been alerted yet.

    Each call is alerted once per channel: what was sent is recorded in $CALLAUDIT_HOME/state/alerts_state.json
    only after the channel accepted it, so a failed channel is retried on the next run while the others are not
    repeated. Deliveries are retried 3 times with backoff on 5xx/connection errors; a 4xx fails at once.
    Nothing new -> nothing is sent (exit 0). Exit 1 when a channel failed, 2 for bad usage.

    Configuration (environment or .env): CALLAUDIT_ALERT_WEBHOOK_URL, CALLAUDIT_ALERT_WEBHOOK_KIND (slack|teams),
    CALLAUDIT_ALERT_EMAIL_TO, CALLAUDIT_SMTP_HOST, CALLAUDIT_SMTP_PORT, CALLAUDIT_SMTP_USER,
    CALLAUDIT_SMTP_PASSWORD, CALLAUDIT_SMTP_FROM, CALLAUDIT_SMTP_STARTTLS (auto|true|false), CALLAUDIT_SMTP_SSL.

    Examples:

        callaudit alerts --dry-run

        callaudit alerts --email calidad@empresa.com.co --since 24h

        CALLAUDIT_ALERT_WEBHOOK_URL=https://hooks.slack.com/services/... callaudit alerts
    """
    from datetime import UTC, datetime

    from callaudit.alerts.run import email_from_env, parse_since, run_alerts, webhook_from_env
    from callaudit.config import load_settings

    settings = load_settings()
    now = datetime.now(UTC)
    channels = [c for c in (webhook_from_env(webhook, teams), email_from_env(email)) if c is not None]
    if teams and not any(c.id == "teams" for c in channels):
        raise UserError("--teams needs a webhook URL", hint="pass --webhook URL or set CALLAUDIT_ALERT_WEBHOOK_URL",
                        exit_code=2)

    def log(message: str) -> None:
        typer.secho(message, fg="yellow", err=True)

    run = run_alerts(settings, channels, since=parse_since(since, now), dry_run=dry_run, now=now,
                     snippets=not no_snippets, email_snippets=email_snippets, link=report_url, log=log)
    if run.nothing_new:
        typer.echo(f"nothing new since {run.since_text}: {run.candidates} call(s) in the review queue were "
                   "already alerted; nothing sent.")
        return
    for o in run.outcomes:
        if o.preview is not None:
            typer.echo(f"--- {o.label}: {o.pending} call(s) would be alerted (dry run, nothing sent) ---")
            typer.echo(o.preview)
        elif o.sent:
            typer.echo(f"{o.label}: digest of {o.pending} call(s) sent"
                       f"{f' after {o.attempts} attempts' if o.attempts > 1 else ''}.")
        elif o.error:
            typer.secho(f"{o.label}: FAILED — {o.error}", fg="red", err=True)
        else:
            typer.echo(f"{o.label}: nothing new.")
    if run.failed:
        names = ", ".join(o.label for o in run.failed)
        raise UserError(f"the digest could not be delivered on: {names}",
                        hint="nothing was marked as alerted on the failed channel(s): the next "
                        "`callaudit alerts` re-sends them.")


def tickets(
    jira: bool = typer.Option(False, "--jira", help="Open Jira Cloud issues (CALLAUDIT_JIRA_URL, _EMAIL, "
                              "_API_TOKEN, _PROJECT, optional _ISSUE_TYPE)."),
    zendesk: bool = typer.Option(False, "--zendesk", help="Open Zendesk tickets (CALLAUDIT_ZENDESK_URL, _EMAIL, "
                                 "_API_TOKEN)."),
    since: str = typer.Option(None, "--since", metavar="WHEN", help="Only calls that started after WHEN: 24h, "
                              "7d, 2026-11-20 (Bogotá time)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the payloads that would be sent; send nothing, "
                                 "record nothing."),
    report_url: str = typer.Option(None, "--report-url", metavar="URL", help="Link to the report in the ticket "
                                   "(default: CALLAUDIT_REPORT_URL)."),
) -> None:
    """Open a ticket for every call with a critical error or an escalation — once per call and system.

    Qualifying calls come from twilio_call_audits (a critical error of the scorecard, e.g. a forbidden word, or
    the customer asking to escalate). What was opened is recorded in $CALLAUDIT_HOME/state/tickets_state.json as
    soon as the system accepts it: a second run opens nothing; a failed call is retried next run. Requests are
    retried with backoff on 429/5xx; a 4xx stops with the system's message. Exit 1 when a ticket failed.

    Examples:

        callaudit tickets --jira --dry-run

        callaudit tickets --zendesk --since 24h
    """
    import json
    import os
    from datetime import UTC, datetime

    from callaudit.alerts.run import parse_since
    from callaudit.alerts.tickets import Jira, Zendesk, run_tickets, systems_from_env
    from callaudit.config import load_settings
    from callaudit.secrets import Secret

    which = [name for name, wanted in (("jira", jira), ("zendesk", zendesk)) if wanted]
    if not which:
        raise UserError("choose the ticket system: --jira and/or --zendesk", exit_code=2)
    settings = load_settings()
    if dry_run:  # no credentials needed to look at the payloads
        placeholder = Secret("token", "")
        systems = [Jira("jira", "Jira", "https://example.atlassian.net", "you@example.com", placeholder,
                        project="QA") if n == "jira" else
                   Zendesk("zendesk", "Zendesk", "https://example.zendesk.com", "you@example.com", placeholder)
                   for n in which]
    else:
        systems = systems_from_env(which)
    link = report_url or os.environ.get("CALLAUDIT_REPORT_URL")
    run = run_tickets(settings, systems, since=parse_since(since, datetime.now(UTC)), dry_run=dry_run,
                      report_link=link, log=lambda m: typer.secho(m, fg="yellow", err=True))
    for system in systems:
        mine = [r for r in run.results if r.system == system.id]
        if dry_run:
            typer.echo(f"--- {system.label}: {len(mine)} ticket(s) would be opened (dry run, nothing sent) ---")
            for r in mine:
                typer.echo(json.dumps(r.payload, ensure_ascii=False, indent=2))
            continue
        opened = [r for r in mine if r.ticket]
        typer.echo(f"{system.label}: {len(opened)} ticket(s) opened, {run.already.get(system.id, 0)} call(s) already "
                   f"had one, {run.qualifying} qualifying call(s)")
        for r in opened:
            typer.echo(f"  {r.call_sid} -> {r.ticket}")
        for r in mine:
            if r.error:
                typer.secho(f"  {r.call_sid}: FAILED — {r.error}", fg="red", err=True)
    if run.failed:
        raise UserError(f"{len(run.failed)} ticket(s) could not be opened",
                        hint="nothing was recorded for them: the next `callaudit tickets` tries again.")


def register(app: typer.Typer) -> None:
    app.command("alerts")(user_errors(alerts))
    app.command("tickets")(user_errors(tickets))
