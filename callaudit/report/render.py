"""ReportData -> one self-contained HTML page (inline CSS, inline SVG, no script, no external resource).

The template autoescapes every value (jinja2 ``autoescape=True``): transcript snippets, agent names and review
reasons render as text whatever they contain. Only the SVG charts are inserted as markup, and the SVG builders
escape every text they draw. A Content-Security-Policy meta tag forbids scripts and remote loads as a second
line of defence.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from callaudit.contracts import QUALITY_TARGET, UNASSIGNED_AGENT
from callaudit.report import fmt, metrics, svg
from callaudit.report.data import RECENT_MINUTES, ReportData
from callaudit.report.safety import mask_phone, safe_snippet

TEMPLATES = Path(__file__).parent / "templates"

CATEGORY_ORDER = ["Excelente", "Buena", "Regular", "Requiere Atención", "Sin Evaluar"]
CATEGORY_CLASS = {"Excelente": "cat-excellent", "Buena": "cat-good", "Regular": "cat-fair",
                  "Requiere Atención": "cat-poor", "Sin Evaluar": "cat-none"}
CRITERIA_COLOURS = [svg.BLUE, svg.ORANGE, svg.GREEN, svg.PURPLE]
QUEUE_LIMIT = 50
GOLD_SNIPPET_CHARS = 280  # marts.review_queue: substring(transcription, 1, 280)


@dataclass
class Chart:
    id: str
    title: str
    subtitle: str
    svg: Markup | None  # None -> the empty state is shown
    empty: str = "Sin datos en el período."
    wide: bool = False


def _environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"], default=True),
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = fmt.number
    env.filters["pct"] = fmt.percent
    env.filters["date"] = fmt.long_date
    return env


def kpi_value(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "ratio":
        return fmt.percent(value)
    return fmt.number(value, 1 if unit == "points" else 2)


def kpi_target(comparison: str, target: float, unit: str) -> str:
    value = fmt.percent(target, 0) if unit == "ratio" else fmt.number(target, 0 if unit == "points" else 1)
    return f"{comparison} {value}"


def _status(met: bool | None) -> tuple[str, str]:
    if met is None:
        return "Sin datos", "status-na"
    return ("Cumple", "status-met") if met else ("No cumple", "status-miss")


def kpi_rows(data: ReportData) -> list[dict[str, Any]]:
    historic = {k.get("kpi"): k for k in data.kpi_summary}
    rows = []
    for k in metrics.kpis_for_period(data.audits):
        label, css = _status(k.met)
        h = historic.get(k.kpi)
        rows.append({
            "kpi": k.kpi, "label": k.label, "value": kpi_value(k.value, k.unit),
            "target": kpi_target(k.comparison, k.target, k.unit), "status": label, "status_class": css,
            "historic": kpi_value(h.get("value"), k.unit) if h else "—",
            "historic_status": _status(h.get("met"))[0] if h else "—",
        })
    return rows


def _charts(data: ReportData) -> list[Chart]:
    svg.reset_ids()
    charts: list[Chart] = []
    audits = data.audits
    period_text = f"{fmt.long_date(data.start)} – {fmt.long_date(data.end)}"

    # 1. quality trend
    days = metrics.daily_quality(audits, data.start, data.end)
    has_scores = any(d.avg_score is not None for d in days)
    charts.append(Chart(
        "tendencia", "Tendencia del Quality Score", f"Promedio diario, últimos {data.days} días ({period_text})",
        Markup(svg.line_chart(
            title="Tendencia del Quality Score (promedio diario)",
            desc=f"Quality score promedio por día entre {period_text}; la línea punteada es la meta de "
                 f"{fmt.number(QUALITY_TARGET, 0)}.",
            x_labels=[fmt.short_date(d.day) for d in days],
            series=[svg.LineSeries("Quality Score promedio", [d.avg_score for d in days], svg.BLUE)],
            y_min=0, y_max=100, y_label="Quality Score (0–100)", x_label="Día de la llamada", value_fmt=lambda v: fmt.number(v, 0),
            reference=(QUALITY_TARGET, f"Meta > {fmt.number(QUALITY_TARGET, 0)}"), width=1200, height=300)) if has_scores else None,
        wide=True))

    # 2-3. protocol compliance per agent and per vendor
    criteria_names = [label for _, label in metrics.CRITERIA]
    for key, by, what in (("protocolo-agente", "agent", "agente"), ("protocolo-proveedor", "vendor", "proveedor")):
        groups = metrics.protocol_compliance(audits, by=by)
        chart = None
        if groups:
            chart = Markup(svg.grouped_hbar_chart(
                title=f"Cumplimiento del protocolo por {what}",
                desc=f"Porcentaje de llamadas evaluadas en que se cumplió cada paso del protocolo, por {what}.",
                labels=[g.key for g in groups],
                series=[svg.BarSeries(name, [g.rates[col] for g in groups], colour)
                        for (col, _), name, colour in zip(metrics.CRITERIA, criteria_names, CRITERIA_COLOURS,
                                                          strict=True)],
                x_max=1.0, x_label="% de llamadas que cumplen", value_fmt=lambda v: fmt.percent(v, 0),
                notes=[f"{g.calls} llamadas · QS {fmt.number(g.avg_score, 0)}" for g in groups]))
        charts.append(Chart(key, f"Cumplimiento del protocolo por {what}",
                            "Saludo, identificación, ofrecimiento de ayuda y despedida (menor cumplimiento arriba)",
                            chart))

    # 4. forbidden words
    words = metrics.forbidden_word_frequency(audits)
    charts.append(Chart(
        "palabras-prohibidas", "Palabras prohibidas más frecuentes", "Llamadas en que se dijo cada expresión",
        Markup(svg.hbar_chart(
            title="Palabras prohibidas por frecuencia",
            desc="Número de llamadas en que el agente usó cada palabra o expresión prohibida.",
            labels=[w.word for w in words], values=[w.times for w in words], x_label="Llamadas",
            value_fmt=lambda v: fmt.number(v, 0))) if words else None,
        empty="Ninguna palabra prohibida detectada en el período."))

    # 5. call durations
    hist = metrics.duration_histogram(data.calls)
    charts.append(Chart(
        "duracion", "Distribución de la duración de las llamadas",
        f"{hist.answered} llamadas contestadas · mediana {fmt.duration(hist.median_seconds)} · "
        f"{hist.not_answered} sin contestar o sin completar (no incluidas)",
        Markup(svg.bar_chart(
            title="Distribución de la duración de las llamadas",
            desc="Histograma del número de llamadas completadas por rango de duración.",
            labels=[b for b, _ in hist.bins], values=[n for _, n in hist.bins], y_label="Llamadas",
            x_label="Duración de la llamada", colour=svg.SKY, value_fmt=lambda v: fmt.number(v, 0)))
        if hist.answered else None))

    # 6-7. customer sentiment by day and by week
    by_day = metrics.sentiment_by_day(audits, data.start, data.end)
    by_week = metrics.sentiment_by_week(audits, data.start, data.end)
    for key, title, points, label_of in (
        ("sentimiento-dia", "Sentimiento del cliente por día", by_day, lambda p: fmt.short_date(p.start)),
        ("sentimiento-semana", "Sentimiento del cliente por semana", by_week, lambda p: fmt.week_label(p.start)),
    ):
        present = any(p.avg is not None for p in points)
        charts.append(Chart(
            key, title, "Promedio del sentimiento del cliente (−1 muy negativo, +1 muy positivo); meta > 0,3",
            Markup(svg.diverging_bar_chart(
                title=title, desc=f"{title}: promedio entre −1 y 1 del período {period_text}.",
                labels=[label_of(p) for p in points], values=[p.avg for p in points],
                counts=[p.calls for p in points], y_label="Sentimiento", value_fmt=lambda v: fmt.number(v, 2)))
            if present else None))

    # 8-9. call drivers: how many, and over time
    drivers = metrics.driver_summary(data.topics)
    charts.append(Chart(
        "motivos", "Motivos de llamada", f"{len(data.topics)} llamadas clasificadas por motivo (tabla call_topics)",
        Markup(svg.hbar_chart(
            title="Llamadas por motivo", desc="Número de llamadas auditadas del período por motivo de llamada.",
            labels=[d.label for d in drivers], values=[d.calls for d in drivers], x_label="Llamadas",
            colour=svg.BLUE, value_fmt=lambda v: fmt.number(v, 0))) if drivers else None,
        empty="Aún no hay motivos de llamada (tabla call_topics)."))
    days_, by_driver = metrics.drivers_by_day(data.topics, data.start, data.end)
    charts.append(Chart(
        "motivos-dia", "Motivos de llamada por día", "Llamadas por día de los cinco motivos más frecuentes",
        Markup(svg.line_chart(
            title="Motivos de llamada por día",
            desc=f"Llamadas por día entre {period_text} de los motivos más frecuentes.",
            x_labels=[fmt.short_date(d) for d in days_],
            series=[svg.LineSeries(label, values, svg.PALETTE[i % len(svg.PALETTE)])
                    for i, (label, values) in enumerate(by_driver.items())],
            y_min=0, y_max=max([1, *(v for vs in by_driver.values() for v in vs)]), y_label="Llamadas",
            x_label="Día de la llamada", value_fmt=lambda v: fmt.number(v, 0), width=1200, height=300))
        if drivers else None, wide=True, empty="Aún no hay motivos de llamada (tabla call_topics)."))

    # 10. satisfaction: surveyed vs predicted per agent
    sat = metrics.satisfaction_summary(data.satisfaction)
    agents = [a for a in sat.by_agent if a[1] is not None or a[2] is not None]
    charts.append(Chart(
        "satisfaccion", "Satisfacción: encuesta vs predicción",
        "Promedio por agente en escala 0–10 (NPS; CSAT 1–5 convertido): respuesta del cliente y predicción del modelo",
        Markup(svg.grouped_hbar_chart(
            title="Satisfacción por agente: encuesta vs predicción",
            desc="Promedio por agente de la satisfacción respondida en la encuesta y de la predicha a partir de la "
                 "auditoría, en escala de 0 a 10.",
            labels=[a for a, *_ in agents],
            series=[svg.BarSeries("Encuesta", [v or 0.0 for _, v, _, _ in agents], svg.BLUE),
                    svg.BarSeries("Predicción", [v or 0.0 for _, _, v, _ in agents], svg.ORANGE)],
            x_max=10.0, x_label="Satisfacción (0–10)", value_fmt=lambda v: fmt.number(v, 1),
            notes=[f"{n} encuesta{'s' if n != 1 else ''}" for *_, n in agents]))
        if agents and sat.predicted else None,
        empty=sat.note or "Aún no hay encuestas ni predicciones (tabla call_satisfaction)."))
    return charts


def satisfaction_context(data: ReportData) -> dict[str, Any]:
    sat = metrics.satisfaction_summary(data.satisfaction)
    risk = [{"call_sid": r.get("call_sid"), "agent": r.get("agent") or UNASSIGNED_AGENT,
             "score": fmt.number(r.get("quality_score"), 1), "predicted": fmt.number(r.get("predicted_score"), 1),
             "interval": f"{fmt.number(r.get('predicted_low'), 1)} – {fmt.number(r.get('predicted_high'), 1)}"}
            for r in metrics.at_risk(data.satisfaction)]
    return {"satisfaction": {
        "rows": len(data.satisfaction), "surveyed": sat.surveyed, "predicted": sat.predicted,
        "mean_surveyed": fmt.number(sat.mean_surveyed, 1), "mean_predicted": fmt.number(sat.mean_predicted_surveyed, 1),
        "mae": fmt.number(sat.mae, 2), "coverage": fmt.percent(sat.coverage) if sat.coverage is not None else "—",
        "unsurveyed": sat.unsurveyed_predicted, "note": sat.note, "at_risk": risk}}


def driver_rows(topics: list[dict]) -> list[dict[str, Any]]:
    return [{"label": d.label, "driver": d.driver, "calls": d.calls, "share": fmt.percent(d.share),
             "score": fmt.number(d.avg_score, 1), "attention": fmt.percent(d.attention_rate)
             if d.attention_rate is not None else "—", "escalations": d.escalations, "flagged": d.flagged}
            for d in metrics.driver_summary(topics)]


STEP_LABELS = {col.removeprefix("has_"): label for col, label in metrics.CRITERIA}


def call_anchor(call_sid: str | None) -> str:
    return f"llamada-{call_sid}" if call_sid else ""


def call_pages(rows: list[dict]) -> list[dict[str, Any]]:
    """The calls a coaching card cites, each with its verdicts, driver and redacted transcript."""
    out = []
    for r in rows:
        category = r.get("quality_category") or "—"
        out.append({
            "id": call_anchor(r.get("call_sid")), "call_sid": r.get("call_sid"), "start": r.get("start_local") or "—",
            "agent": r.get("agent") or UNASSIGNED_AGENT, "vendor": r.get("vendor") or "—",
            "score": fmt.number(r.get("quality_score"), 1), "category": category,
            "category_class": CATEGORY_CLASS.get(category, "cat-none"),
            "driver": r.get("driver_label") or "—",
            "missed": [STEP_LABELS.get(str(m), str(m)) for m in (r.get("missed_criteria") or [])],
            "errors": [str(e) for e in (r.get("critical_errors") or [])],
            "reasons": _reasons(r), "category_reason": r.get("category_reason") or "",
            "transcript": safe_snippet(r.get("transcript"), 6000, one_line=False).splitlines(),
        })
    return out


AGREEMENT_CRITERIA = [("greeting", "Saludo"), ("identification", "Identificación"),
                      ("help_offer", "Ofrecimiento de ayuda"), ("farewell", "Despedida"),
                      ("forbidden_words", "Palabras prohibidas"), ("quality_category", "Categoría (ponderada)")]
AGREEMENT_COLOURS = [svg.BLUE, svg.ORANGE, svg.GREEN, svg.PURPLE, svg.SKY, svg.GREY]


def kappa_strength(kappa: float | None) -> str:
    """Landis & Koch (1977), the scale QA teams quote."""
    if kappa is None:
        return "sin variación"
    for upper, label in ((0.0, "pobre"), (0.2, "leve"), (0.4, "aceptable"), (0.6, "moderada"),
                         (0.8, "considerable")):
        if kappa <= upper:
            return label
    return "casi perfecta"


def agreement_context(data: ReportData) -> dict[str, Any]:
    """The "Concordancia con los analistas" section: kappa per criterion, over weeks, disagreements."""
    mine = [r for r in data.agreement if r.get("comparison") == "auditor_vs_analyst"]
    overall = {r["criterion"]: r for r in mine if r.get("scope") == "all"}
    rows = []
    for key, label in AGREEMENT_CRITERIA:
        r = overall.get(key)
        if r is None or not r.get("n"):
            continue
        interval = (f"{fmt.number(r['kappa_low'], 2)} – {fmt.number(r['kappa_high'], 2)}"
                    if r.get("kappa_low") is not None else "—")
        rows.append({"criterion": label, "n": r["n"], "agreement": fmt.percent(r.get("agreement"), 0),
                     "kappa": fmt.number(r["kappa"], 2) if r.get("kappa") is not None else "—",
                     "interval": interval, "strength": kappa_strength(r.get("kappa")),
                     "disagreements": r.get("disagreements") or 0})
    weeks = sorted({r["scope_value"] for r in mine if r.get("scope") == "week"})
    chart = None
    if len(weeks) >= 1 and rows:
        by = {(r["criterion"], r["scope_value"]): r.get("kappa") for r in mine if r.get("scope") == "week"}
        series = [svg.LineSeries(label, [by.get((key, w)) for w in weeks], colour)
                  for (key, label), colour in zip(AGREEMENT_CRITERIA, AGREEMENT_COLOURS, strict=True)
                  if any(by.get((key, w)) is not None for w in weeks)]
        lowest = min([0.0] + [v for s in series for v in s.values if v is not None])
        if series:
            chart = Markup(svg.line_chart(
                title="Kappa de Cohen por semana y criterio",
                desc="Acuerdo del auditor automático con los analistas, corregido por azar, por semana de la "
                     "llamada; 1 = acuerdo perfecto, 0 = el del azar. La línea punteada es 0,6 (acuerdo considerable).",
                x_labels=weeks, series=series, y_min=lowest, y_max=1.0, y_label="kappa",
                x_label="Semana de la llamada", value_fmt=lambda v: fmt.number(v, 2),
                reference=(0.6, "0,6: acuerdo considerable"), width=1200, height=300))
    peers = [r for r in data.agreement if r.get("comparison") == "analyst_vs_analyst" and r.get("scope") == "all"
             and r.get("n")]
    label_of = dict(AGREEMENT_CRITERIA)
    return {
        "agreement_rows": rows,
        "agreement_chart": chart,
        "agreement_reviews": max((r["n"] for r in overall.values()), default=0),
        "peer_rows": [{"criterion": label_of.get(r["criterion"], r["criterion"]), "n": r["n"],
                       "agreement": fmt.percent(r.get("agreement"), 0),
                       "kappa": fmt.number(r["kappa"], 2) if r.get("kappa") is not None else "—"} for r in peers],
        "disagreement_rows": [{"call_sid": d.get("call_sid"), "criterion": label_of.get(d.get("criterion"),
                                                                                        d.get("criterion")),
                               "auditor": d.get("verdict_a"), "analyst": d.get("verdict_b"),
                               "reviewer": d.get("rater_b"), "agent": d.get("agent") or "",
                               "evidence": safe_snippet(d.get("evidence") or "", 200),
                               "note": safe_snippet(d.get("note") or "", 160)} for d in data.disagreements],
        "agreement_available": "calibration_agreement" not in data.missing_tables and bool(data.agreement),
    }


def _reasons(row: dict) -> list[str]:
    return [str(r) for r in (row.get("review_reasons") or [])]


def call_rows(rows: list[dict], snippets: dict[str, str] | None = None) -> list[dict[str, Any]]:
    out = []
    for r in rows:
        snippet = r.get("transcript_snippet")
        if snippet is not None and len(snippet) >= GOLD_SNIPPET_CHARS:
            snippet += "…"  # review_queue keeps the first 280 characters: say that it was cut
        if snippet is None and snippets is not None:
            snippet = snippets.get(r.get("recording_sid") or "")
        category = r.get("quality_category") or "—"
        out.append({
            "call_sid": r.get("call_sid") or "—",
            "start": r.get("start_local") or fmt.long_date(metrics.as_date(r.get("call_date"))),
            "agent": r.get("agent") or UNASSIGNED_AGENT, "vendor": r.get("vendor") or "—",
            "score": fmt.number(r.get("quality_score"), 1), "category": category,
            "category_class": CATEGORY_CLASS.get(category, "cat-none"),
            "reasons": _reasons(r), "words": list(r.get("forbidden_words") or []),
            "sentiment": fmt.number(r.get("sentiment_score"), 2),
            "priority": metrics.PRIORITY_LABELS.get(str(r.get("priority")), str(r.get("priority") or "—")),
            "priority_class": f"prio-{r.get('priority') or 'normal'}",
            "snippet": safe_snippet(snippet, one_line=False), "from_number": mask_phone(r.get("from_number")),
        })
    return out


def recent_rows(rows: list[dict]) -> list[dict[str, Any]]:
    """The last hour's audits, critical first — a critical error of the form (abusive language, a critical step
    missed) before a score below the critical line — then by lowest score."""
    def rank(r: dict) -> int:
        score = r.get("quality_score")
        return 0 if r.get("critical_errors") else 1 if score is not None and score < metrics.CRITICAL_BELOW else 2

    def critical(r: dict) -> bool:
        return rank(r) < 2

    ordered = sorted(rows, key=lambda r: (rank(r), r.get("quality_score") is None, r.get("quality_score") or 0.0,
                                          str(r.get("scored_local") or "")))
    out = []
    for r in ordered:
        row = call_rows([r])[0]
        row.update({"critical": critical(r), "scored": r.get("scored_local") or "—",
                    "errors": [str(e) for e in (r.get("critical_errors") or [])],
                    "escalation": bool(r.get("escalation_requested"))})
        out.append(row)
    return out


TREND_LABELS = {"empeora": ("▲ empeora", "trend-worse"), "mejora": ("▼ mejora", "trend-better"),
                "estable": ("= estable", "trend-flat")}


def coaching_cards(rows: list[dict]) -> list[dict[str, Any]]:
    """One card per agent (most missed steps first), with their weakest steps, moments and advice."""
    import re

    agents: dict[str, dict[str, Any]] = {}
    for r in rows:
        agent = r.get("agent") or UNASSIGNED_AGENT
        card = agents.setdefault(agent, {"agent": agent, "vendor": r.get("vendor") or "—", "team": r.get("team") or "—",
                                         "missed": 0, "steps": [],
                                         "id": "coaching-" + re.sub(r"[^a-z0-9]+", "-", agent.lower()).strip("-")})
        card["missed"] += int(r.get("missed") or 0)
        trend = TREND_LABELS.get(str(r.get("trend")))
        card["steps"].append({
            "label": r.get("focus_label") or r.get("focus"), "missed": r.get("missed"), "calls": r.get("calls"),
            "rate": fmt.percent(r.get("miss_rate")) if r.get("miss_rate") is not None else "—",
            "trend": trend[0] if trend else None, "trend_class": trend[1] if trend else "",
            "recommendation": r.get("recommendation") or "",
            "examples": [{"call_sid": e.get("call_sid"), "start": e.get("start_local") or "—",
                          "href": "#" + call_anchor(e.get("call_sid")),
                          "evidence": safe_snippet(e.get("evidence") or "", one_line=True)}
                         for e in (r.get("examples") or [])],
        })
    return sorted(agents.values(), key=lambda c: (-c["missed"], c["agent"]))


def render_report(data: ReportData, *, live_refresh: int | None = None) -> str:
    audits = data.audits
    scored = [r for r in audits if r.get("quality_score") is not None]
    critical = metrics.critical_calls(audits)
    queue = metrics.order_review_queue(data.review_queue)
    kpis = kpi_rows(data)
    vendors = sorted({str(r.get("vendor")) for r in audits if r.get("vendor") and r.get("vendor") != "desconocido"})
    versions = sorted({str(r.get("scorecard_version")) for r in audits if r.get("scorecard_version")})
    context = {
        "title": "Auditoría de calidad de llamadas",
        "period": f"{fmt.long_date(data.start)} – {fmt.long_date(data.end)}",
        "days": data.days,
        "generated": fmt.datetime_label(data.generated_at),
        "vendors": vendors,
        "scorecard_versions": versions,
        "audited": len(audits), "scored": len(scored), "unscored": len(audits) - len(scored),
        "critical_count": len(critical),
        "queue_count": len(queue),
        "categories": [(c, n, CATEGORY_CLASS.get(c, "cat-none"))
                       for c, n in metrics.category_counts(audits, CATEGORY_ORDER) if n],
        "kpis": kpis,
        "charts": _charts(data),
        "critical": call_rows(critical, data.snippets),
        "critical_below": fmt.number(metrics.CRITICAL_BELOW, 0),
        "queue": call_rows(queue[:QUEUE_LIMIT]),
        "queue_more": max(0, len(queue) - QUEUE_LIMIT),
        "missing_tables": data.missing_tables,
        "latest_call_date": fmt.long_date(data.latest_call_date) if data.latest_call_date else None,
        "historic_period": (f"{fmt.long_date(metrics.as_date(data.kpi_summary[0].get('period_start')))} – "
                            f"{fmt.long_date(metrics.as_date(data.kpi_summary[0].get('period_end')))}"
                            if data.kpi_summary and data.kpi_summary[0].get("period_start") else None),
    }
    context.update(agreement_context(data))
    context["coaching"] = coaching_cards(data.coaching)
    context["drivers"] = driver_rows(data.topics)
    context["call_pages"] = call_pages(data.call_pages)
    context.update(satisfaction_context(data))
    recent = recent_rows(data.recent)
    context.update({"recent": recent, "recent_critical": sum(1 for r in recent if r["critical"]),
                    "recent_minutes": RECENT_MINUTES, "live_refresh": live_refresh})
    return _environment().get_template("report.html").render(**context)
