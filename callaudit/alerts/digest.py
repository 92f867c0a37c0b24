"""The review digest and its three renderings: Slack Block Kit, a Teams Adaptive Card, an e-mail (text + HTML).

Content (Spanish, for the QA team): how many calls need review, worst first (priority, then score), each with
agent, vendor, score, category, reasons, start time (Bogotá), the masked caller number, the call SID and a
short redacted snippet, plus a link to the HTML report. Every renderer escapes for its own format: Slack mrkdwn
(``&``, ``<``, ``>``), Teams markdown (links neutralised), HTML (autoescaped template).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from html import escape
from typing import Any

from callaudit.contracts import UNASSIGNED_AGENT
from callaudit.report import fmt
from callaudit.report.metrics import PRIORITY_LABELS, order_review_queue
from callaudit.report.safety import mask_phone, safe_snippet

Row = dict[str, Any]

DETAIL_LIMIT = 20  # calls listed one by one; the rest are counted ("y N más")
ALERT_SNIPPET_CHARS = 180
SLACK_SECTION_LIMIT = 2900  # Slack rejects a section text over 3000 characters
SLACK_HEADER_LIMIT = 150


@dataclass(frozen=True)
class DigestItem:
    call_sid: str
    agent: str
    vendor: str
    score: float | None
    category: str
    priority: str
    reasons: list[str]
    start_local: str
    from_number: str
    snippet: str

    @property
    def priority_label(self) -> str:
        return PRIORITY_LABELS.get(self.priority, self.priority)

    @property
    def score_text(self) -> str:
        return "sin evaluar" if self.score is None else fmt.number(self.score, 1)


@dataclass
class Digest:
    items: list[DigestItem]
    generated_at: datetime
    since: datetime | None = None  # the previous digest of this channel (None: the first one)
    report_link: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return len(self.items)

    @property
    def shown(self) -> list[DigestItem]:
        return self.items[:DETAIL_LIMIT]

    @property
    def more(self) -> int:
        return max(0, self.total - DETAIL_LIMIT)

    @property
    def call_sids(self) -> list[str]:
        return [i.call_sid for i in self.items]

    def title(self) -> str:
        noun = "llamada requiere" if self.total == 1 else "llamadas requieren"
        critical = self.counts.get("critical", 0)
        extra = f" ({critical} crítica{'s' if critical != 1 else ''})" if critical else ""
        return f"{self.total} {noun} revisión manual{extra}"

    def since_text(self) -> str:
        return (f"desde el último resumen, del {fmt.datetime_label(self.since)}" if self.since
                else "primer resumen de este canal")

    def since_sentence(self) -> str:
        text = self.since_text()
        return text[:1].upper() + text[1:]

    def breakdown(self) -> str:
        return " · ".join(f"{PRIORITY_LABELS[p]}: {self.counts.get(p, 0)}" for p in ("critical", "high", "normal"))


def build_digest(rows: list[Row], *, generated_at: datetime, since: datetime | None = None,
                 report_link: str | None = None, snippets: bool = True) -> Digest:
    """Rows of ``review_queue`` (one per call to alert) -> a digest, worst first."""
    items = []
    for r in order_review_queue(rows):
        items.append(DigestItem(
            call_sid=str(r.get("call_sid")),
            agent=str(r.get("agent") or UNASSIGNED_AGENT),
            vendor=str(r.get("vendor") or "—"),
            score=r.get("quality_score"),
            category=str(r.get("quality_category") or "—"),
            priority=str(r.get("priority") or "normal"),
            reasons=[str(x) for x in (r.get("review_reasons") or [])],
            start_local=str(r.get("start_local") or "—"),
            from_number=mask_phone(r.get("from_number")) or "—",
            snippet=safe_snippet(r.get("transcript_snippet"), ALERT_SNIPPET_CHARS) if snippets else "",
        ))
    counts = Counter(i.priority for i in items)
    return Digest(items, generated_at, since, report_link, dict(counts))


# ---- plain text (e-mail text part, --dry-run) ---------------------------------------------------------------
def render_text(d: Digest) -> str:
    lines = [f"callaudit — {d.title()}", f"Generado: {fmt.datetime_label(d.generated_at)}; {d.since_text()}.",
             f"Prioridad — {d.breakdown()}", ""]
    for n, i in enumerate(d.shown, 1):
        lines.append(f"{n}. [{i.priority_label}] {i.agent} ({i.vendor}) — score {i.score_text}, {i.category}")
        lines.append(f"   Inicio: {i.start_local} · Origen: {i.from_number} · Llamada: {i.call_sid}")
        lines.extend(f"   - {reason}" for reason in i.reasons)
        if i.snippet:
            lines.append(f"   «{i.snippet}»")
        lines.append("")
    if d.more:
        lines.append(f"… y {d.more} llamada(s) más: consulte la tabla review_queue o el reporte.")
    lines.append(f"Reporte: {d.report_link}" if d.report_link else "Reporte: genere el HTML con `callaudit report`.")
    lines.append("Transcripciones anonimizadas; números de teléfono enmascarados.")
    return "\n".join(lines).rstrip() + "\n"


# ---- Slack incoming webhook ---------------------------------------------------------------------------------
def slack_escape(text: str) -> str:
    """Slack treats ``&``, ``<`` and ``>`` as control characters (``<!channel>`` would ping everyone)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def slack_payload(d: Digest) -> dict[str, Any]:
    """``{"text": fallback, "blocks": [...]}`` for a Slack (or Slack-compatible) incoming webhook."""
    e = slack_escape
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _clip(d.title(), SLACK_HEADER_LIMIT)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": e(
            f"Prioridad — {d.breakdown()}\n{d.since_sentence()}. Peor puntaje primero.")}},
        {"type": "divider"},
    ]
    for n, i in enumerate(d.shown, 1):
        reasons = "\n".join(f"• {e(r)}" for r in i.reasons)
        text = (f"*{n}. {e(i.agent)}* ({e(i.vendor)}) — score *{e(i.score_text)}* · {e(i.category)} · "
                f"prioridad {e(i.priority_label)}\n{reasons}\n"
                f"Inicio: {e(i.start_local)} · Origen: {e(i.from_number)} · `{e(i.call_sid)}`")
        if i.snippet:
            text += f"\n> _{e(i.snippet)}_"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _clip(text, SLACK_SECTION_LIMIT)}})
    if d.more:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": e(
            f"… y {d.more} llamada(s) más: consulte review_queue o el reporte.")}})
    link = e(d.report_link) if d.report_link else "genere el HTML con `callaudit report`"
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": _clip(
        f"Reporte: {link} · Generado {e(fmt.datetime_label(d.generated_at))} · transcripciones anonimizadas",
        SLACK_SECTION_LIMIT)}]})
    fallback = f"callaudit: {d.title()}. " + "; ".join(
        f"{i.agent} {i.score_text} ({i.call_sid})" for i in d.shown[:5])
    return {"text": e(_clip(fallback, 1000)), "blocks": blocks}


# ---- Microsoft Teams (Workflows / incoming webhook): an Adaptive Card in a message ---------------------------
def teams_escape(text: str) -> str:
    """Adaptive Card TextBlocks render a markdown subset: neutralise links coming from the data."""
    return text.replace("](", "] (")


def teams_payload(d: Digest) -> dict[str, Any]:
    """A ``message`` with one Adaptive Card 1.4 attachment — the shape Teams Workflows webhooks (and the legacy
    incoming webhooks) accept."""
    t = teams_escape
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True, "text": t(d.title())},
        {"type": "TextBlock", "isSubtle": True, "wrap": True,
         "text": t(f"{d.since_sentence()}. Prioridad — {d.breakdown()}")},
    ]
    for n, i in enumerate(d.shown, 1):
        facts = [{"title": "Score", "value": t(f"{i.score_text} · {i.category}")},
                 {"title": "Prioridad", "value": t(i.priority_label)},
                 {"title": "Inicio", "value": t(i.start_local)},
                 {"title": "Origen", "value": t(i.from_number)},
                 {"title": "Llamada", "value": t(i.call_sid)}]
        items: list[dict[str, Any]] = [
            {"type": "TextBlock", "weight": "Bolder", "wrap": True, "text": t(f"{n}. {i.agent} ({i.vendor})")},
            {"type": "FactSet", "facts": facts},
        ]
        if i.reasons:
            items.append({"type": "TextBlock", "wrap": True, "text": "\n".join(f"- {t(r)}" for r in i.reasons)})
        if i.snippet:
            items.append({"type": "TextBlock", "wrap": True, "isSubtle": True, "text": t(f"«{i.snippet}»")})
        body.append({"type": "Container", "separator": True, "spacing": "Medium", "items": items})
    if d.more:
        body.append({"type": "TextBlock", "wrap": True, "text": t(f"… y {d.more} llamada(s) más.")})
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard",
        "version": "1.4", "msteams": {"width": "Full"}, "body": body,
    }
    if d.report_link and d.report_link.startswith(("https://", "http://")):
        card["actions"] = [{"type": "Action.OpenUrl", "title": "Abrir el reporte", "url": d.report_link}]
    else:
        body.append({"type": "TextBlock", "isSubtle": True, "wrap": True,
                     "text": t(f"Reporte: {d.report_link or 'genere el HTML con callaudit report'}")})
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}]}


# ---- e-mail ---------------------------------------------------------------------------------------------------
def render_html(d: Digest) -> str:
    e = escape
    rows = []
    for n, i in enumerate(d.shown, 1):
        reasons = "".join(f"<li>{e(r)}</li>" for r in i.reasons)
        snippet = f'<div style="color:#52606d;font-style:italic">«{e(i.snippet)}»</div>' if i.snippet else ""
        rows.append(
            f'<tr><td style="padding:6px;vertical-align:top">{n}</td>'
            f'<td style="padding:6px;vertical-align:top"><b>{e(i.priority_label)}</b></td>'
            f'<td style="padding:6px;vertical-align:top">{e(i.agent)}<br><small>{e(i.vendor)}</small></td>'
            f'<td style="padding:6px;vertical-align:top;text-align:right">{e(i.score_text)}<br>'
            f'<small>{e(i.category)}</small></td>'
            f'<td style="padding:6px;vertical-align:top"><ul style="margin:0;padding-left:16px">{reasons}</ul>'
            f'{snippet}</td>'
            f'<td style="padding:6px;vertical-align:top"><small>{e(i.start_local)}<br>{e(i.from_number)}<br>'
            f'<code>{e(i.call_sid)}</code></small></td></tr>')
    more = f"<p>… y {d.more} llamada(s) más: consulte review_queue o el reporte.</p>" if d.more else ""
    if d.report_link and d.report_link.startswith(("https://", "http://", "file://")):
        link = f'<a href="{e(d.report_link, quote=True)}">{e(d.report_link)}</a>'
    else:
        link = e(d.report_link or "genere el HTML con callaudit report")
    return (
        '<!DOCTYPE html><html lang="es-CO"><head><meta charset="utf-8"><title>' + e(d.title()) + "</title></head>"
        '<body style="font-family:Segoe UI,Roboto,Arial,sans-serif;color:#1f2933">'
        f'<h2 style="color:#0b3d62">{e(d.title())}</h2>'
        f"<p>{e(d.since_sentence())}. Prioridad — {e(d.breakdown())}. Peor puntaje primero.</p>"
        '<table style="border-collapse:collapse;font-size:14px" border="1" cellspacing="0">'
        "<thead><tr><th>#</th><th>Prioridad</th><th>Agente</th><th>Score</th><th>Motivos</th><th>Llamada</th>"
        f"</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
        f"<p>Reporte: {link}</p>"
        '<p style="color:#52606d;font-size:12px">Transcripciones anonimizadas; números de teléfono enmascarados. '
        f"Generado {e(fmt.datetime_label(d.generated_at))}.</p></body></html>")


def email_message(d: Digest, *, sender: str, recipients: list[str]) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"[callaudit] {d.title()} — {fmt.long_date(d.generated_at.astimezone(fmt.BOGOTA).date())}"
    msg["From"] = sender
    msg["To"] = ", ".join(recipients)
    msg.set_content(render_text(d))
    msg.add_alternative(render_html(d), subtype="html")
    return msg
