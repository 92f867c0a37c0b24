"""Tickets: a call with a critical error or an escalation opens one ticket in the team's ticket system.

Two systems, their real REST formats:

* **Jira Cloud** — ``POST {CALLAUDIT_JIRA_URL}/rest/api/3/issue`` with Basic auth ``email:api_token``; the
  description in Atlassian Document Format; labels ``callaudit`` and the call SID (so a human search finds it);
  priority ``Highest`` for a critical error, ``High`` for an escalation alone.
* **Zendesk** — ``POST {CALLAUDIT_ZENDESK_URL}/api/v2/tickets.json`` with Basic auth ``email/token:api_token``;
  ``external_id`` = the call SID (Zendesk's own idempotency handle), tags, priority ``urgent`` / ``high``.

Once per call and system: the ticket's key or id is recorded in ``$CALLAUDIT_HOME/state/tickets_state.json``
right after the system accepted it, so a second run opens nothing and a failure is retried on the next run.
Each request is retried with exponential backoff on 429/5xx/connection errors; a 4xx stops at once
with the system's message (credentials, project key, a required field). Credentials come from the environment or
``.env`` (in a workspace, the secret scope through the same names) and never appear in output or errors.
"""

from __future__ import annotations

import base64
import json
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from callaudit.alerts.channels import DeliveryError, RetryPolicy, with_retries
from callaudit.alerts.state import read_state_file, utc_iso, write_state_file
from callaudit.config import Settings
from callaudit.contracts import UNASSIGNED_AGENT
from callaudit.errors import UserError
from callaudit.secrets import Secret, get_secret

Row = dict[str, Any]
STATE_FILE = "tickets_state.json"
USER_AGENT = "callaudit-tickets/1"
CANDIDATE_COLUMNS = ["call_sid", "recording_sid", "agent", "vendor", "team", "supervisor", "quality_score",
                     "quality_category", "critical_errors", "review_reasons", "escalation_requested",
                     "forbidden_words", "sentiment_score", "category_reason"]


# ---- which calls --------------------------------------------------------------------------------------------------
def qualifies(row: Row) -> bool:
    return bool(row.get("critical_errors")) or bool(row.get("escalation_requested"))


def severity(row: Row) -> str:
    return "critical" if row.get("critical_errors") else "escalation"


def summary_of(row: Row) -> str:
    what = "Error crítico" if severity(row) == "critical" else "Escalamiento solicitado"
    first = (row.get("critical_errors") or [""])[0]
    tail = f": {first}" if first else ""
    text = f"[callaudit] {what} — {row.get('agent') or UNASSIGNED_AGENT} — {row['call_sid']}{tail}"
    return text if len(text) <= 250 else text[:249] + "…"  # Jira's summary is at most 255 characters


def body_lines(row: Row, report_link: str | None) -> list[str]:
    score = row.get("quality_score")
    lines = [
        f"Llamada: {row['call_sid']} (grabación {row.get('recording_sid') or '—'})",
        f"Inicio: {row.get('start_local') or '—'} (hora de Colombia)",
        f"Agente: {row.get('agent') or UNASSIGNED_AGENT} · {row.get('vendor') or '—'} · {row.get('team') or '—'}"
        f" · supervisor {row.get('supervisor') or '—'}",
        f"Puntaje: {'sin evaluar' if score is None else f'{score:.1f}'} · categoría {row.get('quality_category')}",
    ]
    if row.get("category_reason"):
        lines.append(f"Por qué: {row['category_reason']}")
    if row.get("critical_errors"):
        lines.append("Errores críticos:")
        lines += [f"- {e}" for e in row["critical_errors"]]
    if row.get("escalation_requested"):
        lines.append("El cliente pidió escalar.")
    reasons = [r for r in row.get("review_reasons") or [] if not any(r.endswith(e) for e in row.get("critical_errors")
                                                                    or [])]
    if reasons:
        lines.append("Motivos de revisión:")
        lines += [f"- {r}" for r in reasons]
    if report_link:
        lines.append(f"Reporte: {report_link}")
    lines.append("Abierto por callaudit (auditoría automática); escuche la grabación antes de actuar.")
    return lines


# ---- the systems --------------------------------------------------------------------------------------------------
@dataclass
class TicketSystem:
    id: str
    label: str
    base_url: str
    user: str
    token: Secret
    timeout: float = 15.0

    def endpoint(self) -> str:
        raise NotImplementedError

    def payload(self, row: Row, report_link: str | None) -> dict:
        raise NotImplementedError

    def ticket_ref(self, response: dict) -> str:
        raise NotImplementedError

    def auth_user(self) -> str:
        return self.user

    def open(self, row: Row, report_link: str | None) -> str:
        """One attempt; returns the ticket's key/id or raises DeliveryError."""
        body = json.dumps(self.payload(row, report_link), ensure_ascii=False).encode("utf-8")
        secret = self.token.reveal()
        credentials = base64.b64encode(f"{self.auth_user()}:{secret}".encode()).decode("ascii")
        request = urllib.request.Request(self.endpoint(), data=body, method="POST", headers={
            "Content-Type": "application/json; charset=utf-8", "Accept": "application/json",
            "Authorization": f"Basic {credentials}", "User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read(400).decode("utf-8", "replace").replace(secret, "****").strip()
            retryable = exc.code >= 500 or exc.code == 429
            hint = "" if retryable else " (not retried: check the credentials, the project and the fields)"
            raise DeliveryError(self.label, f"HTTP {exc.code}{': ' + detail[:300] if detail else ''}{hint}",
                                retryable=retryable) from None
        except OSError as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(self.label, f"could not reach {self.base_url} ({type(reason).__name__})",
                                retryable=True) from None
        except ValueError:
            raise DeliveryError(self.label, "the answer was not JSON", retryable=True) from None
        ref = self.ticket_ref(answer)
        if not ref:
            raise DeliveryError(self.label, "the answer carried no ticket key/id", retryable=False)
        return ref


@dataclass
class Jira(TicketSystem):
    project: str = ""
    issue_type: str = "Task"

    def endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/rest/api/3/issue"

    def payload(self, row: Row, report_link: str | None) -> dict:
        paragraphs = [{"type": "paragraph", "content": [{"type": "text", "text": line}]}
                      for line in body_lines(row, report_link)]
        return {"fields": {
            "project": {"key": self.project},
            "issuetype": {"name": self.issue_type},
            "summary": summary_of(row),
            "description": {"type": "doc", "version": 1, "content": paragraphs},
            "labels": ["callaudit", f"callaudit-{severity(row)}", row["call_sid"]],
            "priority": {"name": "Highest" if severity(row) == "critical" else "High"},
        }}

    def ticket_ref(self, response: dict) -> str:
        return str(response.get("key") or "")


@dataclass
class Zendesk(TicketSystem):
    def endpoint(self) -> str:
        return f"{self.base_url.rstrip('/')}/api/v2/tickets.json"

    def auth_user(self) -> str:
        return f"{self.user}/token"  # Zendesk API-token auth: {email}/token:{api_token}

    def payload(self, row: Row, report_link: str | None) -> dict:
        return {"ticket": {
            "subject": summary_of(row),
            "comment": {"body": "\n".join(body_lines(row, report_link)), "public": False},
            "priority": "urgent" if severity(row) == "critical" else "high",
            "type": "incident" if severity(row) == "critical" else "task",
            "tags": ["callaudit", f"callaudit_{severity(row)}"],
            "external_id": row["call_sid"],
        }}

    def ticket_ref(self, response: dict) -> str:
        ticket = response.get("ticket") or {}
        return str(ticket.get("id") or "")


def _env(name: str) -> str | None:
    value = os.environ.get(name)
    return value.strip() if value and value.strip() else None


def systems_from_env(which: list[str]) -> list[TicketSystem]:
    """``jira`` and/or ``zendesk``, configured from CALLAUDIT_JIRA_* / CALLAUDIT_ZENDESK_* (environment or .env)."""
    from callaudit.config import _load_dotenv_once

    _load_dotenv_once()
    out: list[TicketSystem] = []
    for name in which:
        prefix = f"CALLAUDIT_{name.upper()}_"
        needed = ["URL", "EMAIL"] + (["PROJECT"] if name == "jira" else [])
        missing = [prefix + k for k in needed if not _env(prefix + k)]
        token = get_secret(prefix + "API_TOKEN", required=False)
        if token is None:
            missing.append(prefix + "API_TOKEN")
        if missing:
            raise UserError(f"{name} tickets need {', '.join(missing)}",
                            hint="set them in the environment or .env (the token is a secret: never printed); "
                            "--dry-run shows the payloads without them", exit_code=2)
        url = _env(prefix + "URL")
        if not url.startswith(("https://", "http://")):
            raise UserError(f"{prefix}URL must start with https:// (got {url!r})", exit_code=2)
        if name == "jira":
            out.append(Jira("jira", "Jira", url, _env(prefix + "EMAIL"), token, project=_env(prefix + "PROJECT"),
                            issue_type=_env(prefix + "ISSUE_TYPE") or "Task"))
        else:
            out.append(Zendesk("zendesk", "Zendesk", url, _env(prefix + "EMAIL"), token))
    return out


# ---- state --------------------------------------------------------------------------------------------------------
@dataclass
class TicketState:
    path: Path
    systems: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)  # system -> call -> {ref, at}

    @classmethod
    def load(cls, path: Path) -> TicketState:
        return cls(path, read_state_file(path, "systems", "ticket",
                                         "fix or move it away; without it every qualifying call would get a new "
                                         "ticket."))

    def opened(self, system: str) -> dict[str, dict[str, str]]:
        return self.systems.get(system, {})

    def record(self, system: str, call_sid: str, ref: str, when: datetime) -> None:
        self.systems.setdefault(system, {})[call_sid] = {"ticket": ref, "opened_at": utc_iso(when)}
        write_state_file(self.path, "systems", self.systems)


# ---- reading and the run ------------------------------------------------------------------------------------------
def read_ticket_candidates(settings: Settings, *, spark=None) -> list[Row]:
    """Audits with a critical error or an escalation, with the call's start in Bogotá time."""
    from callaudit.lakehouse.tables import open_lakehouse, read_table

    spark, tables = open_lakehouse(settings, "callaudit-tickets", spark)
    if "twilio_call_audits" not in tables:
        raise UserError(f"there is no twilio_call_audits table in {settings.warehouse}",
                        hint="run the pipeline first: `callaudit demo` or `callaudit pipeline run`.")
    from pyspark.sql import functions as F

    tz = spark.conf.get("spark.sql.session.timeZone")
    audits = read_table(spark, tables["twilio_call_audits"])
    cols = [F.col(c) if c in audits.columns else F.lit(None).alias(c) for c in CANDIDATE_COLUMNS]
    start = F.from_utc_timestamp(F.to_utc_timestamp("start_time", tz), "America/Bogota")
    wanted = audits.where((F.size("critical_errors") > 0) | F.col("escalation_requested"))
    rows = []
    for r in wanted.select(*cols, F.date_format(start, "yyyy-MM-dd HH:mm").alias("start_local"),
                           F.date_format(F.to_utc_timestamp("start_time", tz),
                                         "yyyy-MM-dd'T'HH:mm:ss'Z'").alias("start_utc")).collect():
        row = r.asDict(recursive=True)
        rows.append({k: list(v) if isinstance(v, tuple) else v for k, v in row.items()})
    return rows


@dataclass
class Opened:
    system: str
    call_sid: str
    ticket: str | None = None
    attempts: int = 0
    error: str | None = None
    payload: dict | None = None  # --dry-run


@dataclass
class TicketRun:
    qualifying: int
    results: list[Opened] = field(default_factory=list)
    already: dict[str, int] = field(default_factory=dict)

    @property
    def failed(self) -> list[Opened]:
        return [o for o in self.results if o.error]


def run_tickets(settings: Settings, systems: list[TicketSystem], *, candidates: list[Row] | None = None,
                since: datetime | None = None, dry_run: bool = False, policy: RetryPolicy | None = None,
                report_link: str | None = None, now: datetime | None = None,
                log: Callable[[str], None] = lambda _m: None) -> TicketRun:
    """Open one ticket per qualifying call and system, once (see the module docstring)."""
    from callaudit.alerts.state import parse_iso

    now = now or datetime.now(UTC)
    policy = policy or RetryPolicy()
    state = TicketState.load(settings.state / STATE_FILE)
    rows = candidates if candidates is not None else read_ticket_candidates(settings)
    rows = [r for r in rows if qualifies(r)]
    if since is not None:
        rows = [r for r in rows if (t := parse_iso(r.get("start_utc"))) is not None and t >= since]
    by_call: dict[str, Row] = {}
    for r in sorted(rows, key=lambda r: (r.get("quality_score") is None, r.get("quality_score") or 0.0)):
        by_call.setdefault(r["call_sid"], r)  # a call with two audited recordings: its worst
    run = TicketRun(qualifying=len(by_call))
    for system in systems:
        opened = state.opened(system.id)
        run.already[system.id] = sum(1 for sid in by_call if sid in opened)
        for sid, row in by_call.items():
            if sid in opened:
                continue
            result = Opened(system.id, sid)
            run.results.append(result)
            if dry_run:
                result.payload = system.payload(row, report_link)
                continue
            box: dict[str, str] = {}

            def send(system=system, row=row, box=box) -> None:
                box["ref"] = system.open(row, report_link)

            def on_retry(label: str, attempt: int, wait: float, exc: DeliveryError, sid=sid) -> None:
                log(f"{label} {sid}: attempt {attempt} failed ({str(exc).split(': ', 1)[-1]}); retry in {wait:.1f} s")

            try:
                result.attempts = with_retries(system.label, send, policy, on_retry)
            except DeliveryError as exc:
                result.error, result.attempts = str(exc), exc.attempts
                continue
            result.ticket = box["ref"]
            state.record(system.id, sid, result.ticket, now)  # at once: a later failure must not reopen it
    return run
