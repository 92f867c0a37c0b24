"""One alert run: calls needing review that a channel has not been told about yet -> one digest per channel.

    candidates (review_queue, filtered by --since) - already alerted on that channel = pending
    nothing pending anywhere                        -> nothing sent, "nothing new since …", exit 0
    per channel: send with retries -> success: mark those calls alerted on that channel (state saved at once)
                                   -> failure: state untouched, the next run re-sends; exit 1 naming the channel
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from callaudit.alerts.channels import (
    Channel,
    DeliveryError,
    EmailChannel,
    RetryPolicy,
    SmtpConfig,
    WebhookChannel,
    with_retries,
)
from callaudit.alerts.digest import Digest, build_digest, render_text
from callaudit.alerts.state import STATE_FILE, AlertState, parse_iso
from callaudit.config import Settings, _load_dotenv_once
from callaudit.errors import UserError
from callaudit.report import fmt
from callaudit.secrets import Secret, get_secret

Row = dict[str, Any]

CANDIDATE_COLUMNS = ["call_sid", "recording_sid", "agent", "vendor", "team", "quality_score", "quality_category",
                     "review_codes", "review_reasons", "forbidden_words", "sentiment_score", "transcript_snippet",
                     "priority"]


# ---- configuration -------------------------------------------------------------------------------------------
def _env(name: str) -> str | None:
    _load_dotenv_once()
    value = os.environ.get(name)
    return value.strip() if value and value.strip() else None


def webhook_from_env(url: str | None = None, teams: bool | None = None) -> WebhookChannel | None:
    """``--webhook URL`` wins over ``CALLAUDIT_ALERT_WEBHOOK_URL``; kind from ``--teams`` or
    ``CALLAUDIT_ALERT_WEBHOOK_KIND`` (slack | teams, default slack)."""
    secret = Secret("CALLAUDIT_ALERT_WEBHOOK_URL", url) if url else get_secret("CALLAUDIT_ALERT_WEBHOOK_URL",
                                                                              required=False)
    if not secret:
        return None
    kind = "teams" if teams else (_env("CALLAUDIT_ALERT_WEBHOOK_KIND") or "slack").lower()
    if kind not in ("slack", "teams"):
        raise UserError(f"CALLAUDIT_ALERT_WEBHOOK_KIND must be slack or teams (got {kind!r})", exit_code=2)
    return WebhookChannel(secret, kind)


def email_from_env(to: str | None = None) -> EmailChannel | None:
    """``--email TO`` (comma-separated) or ``CALLAUDIT_ALERT_EMAIL_TO``; SMTP settings from
    ``CALLAUDIT_SMTP_HOST/PORT/USER/PASSWORD/FROM/STARTTLS/SSL``."""
    recipients = [r.strip() for r in (to or _env("CALLAUDIT_ALERT_EMAIL_TO") or "").split(",") if r.strip()]
    if not recipients:
        return None
    bad = [r for r in recipients if not re.fullmatch(r"[^@\s,]+@[^@\s,]+", r)]
    if bad:
        raise UserError(f"not an e-mail address: {', '.join(bad)}", hint="e.g. --email calidad@empresa.com.co",
                        exit_code=2)
    host = _env("CALLAUDIT_SMTP_HOST")
    if not host:
        raise UserError("e-mail alerts need an SMTP server: CALLAUDIT_SMTP_HOST is not set",
                        hint="set CALLAUDIT_SMTP_HOST (and PORT, USER, PASSWORD, FROM) in the environment or .env",
                        exit_code=2)
    use_ssl = (_env("CALLAUDIT_SMTP_SSL") or "false").lower() in ("1", "true", "yes")
    port_text = _env("CALLAUDIT_SMTP_PORT") or ("465" if use_ssl else "587")
    if not port_text.isdigit():
        raise UserError(f"CALLAUDIT_SMTP_PORT must be a number (got {port_text!r})", exit_code=2)
    starttls = (_env("CALLAUDIT_SMTP_STARTTLS") or "auto").lower()
    starttls = {"1": "true", "yes": "true", "0": "false", "no": "false"}.get(starttls, starttls)
    if starttls not in ("auto", "true", "false"):
        raise UserError(f"CALLAUDIT_SMTP_STARTTLS must be auto, true or false (got {starttls!r})", exit_code=2)
    return EmailChannel(SmtpConfig(
        host=host, port=int(port_text), sender=_env("CALLAUDIT_SMTP_FROM") or "callaudit@localhost",
        recipients=recipients, user=_env("CALLAUDIT_SMTP_USER"),
        password=get_secret("CALLAUDIT_SMTP_PASSWORD", required=False), starttls=starttls, ssl=use_ssl))


def retry_policy_from_env() -> RetryPolicy:
    backoff = _env("CALLAUDIT_ALERT_BACKOFF_SECONDS")
    attempts = _env("CALLAUDIT_ALERT_ATTEMPTS")
    try:
        return RetryPolicy(attempts=int(attempts) if attempts else 3,
                           backoff_seconds=float(backoff) if backoff else 1.0)
    except ValueError:
        raise UserError("CALLAUDIT_ALERT_ATTEMPTS / CALLAUDIT_ALERT_BACKOFF_SECONDS must be numbers",
                        exit_code=2) from None


def parse_since(value: str | None, now: datetime) -> datetime | None:
    """'24h', '7d', '90m', '2026-11-20' (Bogotá midnight) or '2026-11-20T08:00' (Bogotá) / with an offset."""
    if not value:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*([mhd])\s*", value)
    if m:
        n, unit = int(m.group(1)), m.group(2)
        return now - {"m": timedelta(minutes=n), "h": timedelta(hours=n), "d": timedelta(days=n)}[unit]
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise UserError(f"--since {value!r} is neither a duration nor a date",
                        hint="use e.g. --since 24h, --since 7d, --since 2026-11-20 or --since 2026-11-20T08:00",
                        exit_code=2) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=fmt.BOGOTA)


def report_link(settings: Settings) -> str | None:
    url = _env("CALLAUDIT_REPORT_URL")
    if url:
        return url
    local = settings.home / "report.html"
    return local.resolve().as_uri() if local.is_file() else None


# ---- reading the candidates ------------------------------------------------------------------------------------
def read_review_candidates(settings: Settings, *, spark=None) -> list[Row]:
    """``review_queue`` with each call's start time (UTC and Bogotá) and the masked caller number."""
    from callaudit.lakehouse.tables import open_lakehouse, read_table

    spark, tables = open_lakehouse(settings, "callaudit-alerts", spark)
    if "review_queue" not in tables:
        raise UserError(f"there is no review_queue table in {settings.warehouse}",
                        hint="run the pipeline first: `callaudit demo` or `callaudit pipeline run`.")
    from pyspark.sql import functions as F

    tz = spark.conf.get("spark.sql.session.timeZone")
    queue = read_table(spark, tables["review_queue"])
    cols = [F.col(c) if c in queue.columns else F.lit(None).alias(c) for c in CANDIDATE_COLUMNS]
    start = F.col("start_time")
    selected = queue.select(
        *cols,
        F.date_format(F.to_utc_timestamp(start, tz), "yyyy-MM-dd'T'HH:mm:ss'Z'").alias("start_utc"),
        F.date_format(F.from_utc_timestamp(F.to_utc_timestamp(start, tz), "America/Bogota"),
                      "yyyy-MM-dd HH:mm").alias("start_local"))
    if "twilio_calls" in tables:
        calls = read_table(spark, tables["twilio_calls"]).select(
            F.col("call_sid").alias("_c_sid"), F.col("from_number"))
        selected = selected.join(calls, F.col("call_sid") == F.col("_c_sid"), "left").drop("_c_sid")
    rows = []
    for r in selected.collect():
        row = r.asDict(recursive=True)
        rows.append({k: list(v) if isinstance(v, tuple) else v for k, v in row.items()})
    return rows


# ---- the run ---------------------------------------------------------------------------------------------------
@dataclass
class ChannelOutcome:
    channel: str
    label: str
    pending: int
    sent: bool = False
    attempts: int = 0
    error: str | None = None
    preview: str | None = None


@dataclass
class AlertRun:
    candidates: int
    outcomes: list[ChannelOutcome] = field(default_factory=list)
    nothing_new: bool = False
    since_text: str = ""

    @property
    def failed(self) -> list[ChannelOutcome]:
        return [o for o in self.outcomes if o.error]

    @property
    def ok(self) -> bool:
        return not self.failed


class _Preview(Channel):
    """--dry-run without a configured channel: show the plain-text digest."""

    id = "preview"
    label = "preview"

    def preview(self, digest: Digest) -> str:
        return render_text(digest)


def run_alerts(settings: Settings, channels: list[Channel], *, since: datetime | None = None,
               dry_run: bool = False, now: datetime | None = None, candidates: list[Row] | None = None,
               policy: RetryPolicy | None = None, snippets: bool = True, email_snippets: bool = False,
               link: str | None = None, log: Callable[[str], None] = lambda _m: None) -> AlertRun:
    """Send (or preview) one digest per channel of the calls it has not been alerted about.

    E-mail digests carry no transcript text unless ``email_snippets`` (the original system's rule: "no compartir
    transcripciones por email"); chat webhooks carry the redacted snippet unless ``snippets`` is False.
    """
    now = now or datetime.now(UTC)
    policy = policy or retry_policy_from_env()
    state_path: Path = settings.state / STATE_FILE
    state = AlertState.load(state_path)
    rows = candidates if candidates is not None else read_review_candidates(settings)
    if since is not None:
        rows = [r for r in rows if (t := parse_iso(r.get("start_utc"))) is not None and t >= since]
    def score(r: Row) -> float:
        return 101.0 if r.get("quality_score") is None else float(r["quality_score"])

    seen_once: dict[str, Row] = {}
    for r in rows:  # one alert per call (a call with two flagged recordings shows its worst)
        sid = r.get("call_sid")
        if sid and (sid not in seen_once or score(r) < score(seen_once[sid])):
            seen_once[sid] = r
    rows = list(seen_once.values())
    link = link if link is not None else report_link(settings)
    targets = channels or ([_Preview()] if dry_run else [])
    if not targets:
        raise UserError("no alert channel configured",
                        hint="pass --webhook URL and/or --email TO, or set CALLAUDIT_ALERT_WEBHOOK_URL / "
                        "CALLAUDIT_ALERT_EMAIL_TO (see `callaudit alerts --help`); --dry-run previews the digest.",
                        exit_code=2)
    run = AlertRun(candidates=len(rows))
    for ch in targets:
        done = state.alerted_anywhere() if ch.id == "preview" else state.alerted(ch.id)
        pending = [r for r in rows if r["call_sid"] not in done]
        outcome = ChannelOutcome(ch.id, ch.label, len(pending))
        run.outcomes.append(outcome)
        if not pending:
            continue
        previous = state.last_digest_at() if ch.id == "preview" else state.last_digest_at(ch.id)
        with_text = snippets and (email_snippets or not ch.id.startswith("email"))
        digest = build_digest(pending, generated_at=now, since=previous,
                              report_link=link, snippets=with_text)
        if dry_run:
            outcome.preview = ch.preview(digest)
            continue

        def on_retry(label: str, attempt: int, wait: float, exc: DeliveryError) -> None:
            log(f"{label}: attempt {attempt} failed ({str(exc).split(': ', 1)[-1]}); retrying in {wait:.1f} s")

        try:
            outcome.attempts = with_retries(ch.label, lambda ch=ch, digest=digest: ch.deliver(digest), policy,
                                            on_retry)
        except DeliveryError as exc:
            outcome.error, outcome.attempts = str(exc), exc.attempts
            continue
        outcome.sent = True
        state.mark_sent(ch.id, digest.call_sids, now)
        state.save()  # at once: a later channel's failure must not lose this channel's success
    if all(o.pending == 0 for o in run.outcomes):
        run.nothing_new = True
        last = state.last_digest_at()
        run.since_text = fmt.datetime_label(last) if last else "the beginning (no call needs review)"
    return run
