"""A readable rich rendering of one audit for the terminal (``callaudit score``)."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from callaudit.scoring.audit import MET, NA, UNDETERMINED, Audit

_MARK = {MET: "[green]✓[/green]", NA: "[dim]N/A[/dim]", UNDETERMINED: "[yellow]?[/yellow]"}


def _t(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    return f"{int(seconds // 60)}:{seconds % 60:04.1f}"


def render_audit(audit: Audit, console: Console) -> None:
    head = f"[bold]{audit.call_sid or audit.recording_sid or 'llamada'}[/bold]  scorecard {audit.scorecard_version}"
    if audit.scorecard_checksum:
        head += f" [dim](sha256 {audit.scorecard_checksum[:12]})[/dim]"
    if audit.transcription_engine:
        head += f"  ·  transcripción {audit.transcription_engine}"
    console.print(head)
    if audit.error:
        console.print(f"[red]Error de transcripción:[/red] {escape(audit.error)}")
    note = audit.evidence.get("note")
    if note:
        console.print(f"[dim]{escape(note)}[/dim]")

    t = Table(title="Protocolo", show_lines=False)
    t.add_column("", width=3)
    t.add_column("criterio")
    t.add_column("sección")
    t.add_column("peso", justify="right")
    t.add_column("evidencia")
    t.add_column("tiempo", justify="right")
    for key, res in audit.criteria.items():
        mark = _MARK.get(res.status, "[red]✗[/red]")
        when = f"{_t(res.match.start)}–{_t(res.match.end)}" if res.match else ""
        section = next((s["label"] for s in audit.evidence.get("score", {}).get("sections", [])
                        if s["section"] == _section_key(audit, key)), "")
        label = f"{res.label} ({key})" + (" [crítico]" if res.critical else "")
        t.add_row(mark, escape(label), escape(section), f"{res.weight:g}", escape(res.reason), when)
    if audit.criteria:
        console.print(t)

    fw = audit.evidence.get("forbidden_words") or []
    if fw:
        ft = Table(title="Palabras prohibidas (canal del agente)")
        ft.add_column("palabra")
        ft.add_column("se oyó")
        ft.add_column("tiempo", justify="right")
        for m in fw:
            ft.add_row(escape(m["phrase"]), escape(m["heard"]), _t(m["start"]))
        console.print(ft)
    elif audit.criteria:
        console.print("[green]✓[/green] Sin palabras prohibidas")

    def s(v: float | None) -> str:
        return "—" if v is None else f"{v:+.2f}"

    if audit.criteria:
        quarters = audit.customer_sentiment_by_quarter or []
        console.print(
            f"Sentimiento cliente {s(audit.sentiment_score)}  (por cuartos: {' '.join(s(q) for q in quarters)})"
            f"  ·  agente {s(audit.agent_sentiment)}"
        )
    if audit.escalation_requested:
        esc = (audit.evidence.get("escalation") or [{}])[0]
        console.print(f"[yellow]Escalamiento solicitado[/yellow]: «{escape(esc.get('heard', ''))}» a {_t(esc.get('start'))}")
    m = audit.metrics
    if m is not None:
        parts = [f"habla agente {m.agent_talk_seconds} s", f"cliente {m.customer_talk_seconds} s"]
        if m.talk_listen_ratio is not None:
            parts.append(f"ratio {m.talk_listen_ratio}")
        parts.append(f"silencio {m.silence_seconds} s (máx {m.longest_silence_seconds} s)")
        if m.interruptions_by_agent is not None:
            parts.append(f"interrupciones agente {m.interruptions_by_agent} / cliente {m.interruptions_by_customer}")
        if m.agent_words_per_minute is not None:
            parts.append(f"{m.agent_words_per_minute} palabras/min")
        console.print("Conversación: " + ", ".join(parts))

    sections = audit.evidence.get("score", {}).get("sections") or []
    if sections:
        console.print("Secciones: " + "  ·  ".join(
            f"{escape(x['label'])} {'N/A' if x['score'] is None else format(x['score'], '.0f')}" for x in sections))
    for err in audit.critical_errors:
        console.print(f"[bold red]ERROR CRÍTICO[/bold red]: {escape(err['message'])}")
    score = "—" if audit.quality_score is None else f"{audit.quality_score:.1f}"
    conf = "—" if audit.transcription_confidence is None else f"{audit.transcription_confidence:.2f}"
    console.print(f"[bold]Puntaje {score}[/bold] → [bold]{audit.quality_category}[/bold]  (confianza ASR {conf})")
    if audit.category_reason and audit.category_reason != f"puntaje {score} → {audit.quality_category}":
        console.print(f"[dim]Categoría: {escape(audit.category_reason)}[/dim]")
    if audit.needs_manual_review:
        console.print("[bold red]Requiere revisión manual:[/bold red]")
        for r in audit.review_reasons:
            console.print(f"  • {escape(r.message)} [dim]({r.code})[/dim]")
    else:
        console.print("[green]Sin revisión manual[/green]")


def _section_key(audit: Audit, criterion: str) -> str | None:
    for comp in audit.evidence.get("score", {}).get("components", []):
        if comp.get("name") == criterion:
            return comp.get("section")
    return None
