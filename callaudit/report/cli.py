"""``callaudit report``: the HTML quality report for supervisors."""

from __future__ import annotations

from pathlib import Path

import typer

from callaudit.errors import user_errors


def report(
    out: Path = typer.Option(None, "--out", "-o", help="Where to write the HTML file (default: "
                             "$CALLAUDIT_HOME/report.html)."),
    days: int = typer.Option(30, "--days", min=1, max=3660, help="Period: the last N days, ending today "
                             "(Bogotá time)."),
) -> None:
    """Write the quality report: one self-contained HTML page in Spanish for the QA team.

    KPI cards against the targets, quality-score trend, protocol compliance per agent and vendor, critical calls
    (score < 40) with their review reasons, forbidden words, call durations, customer sentiment by day and week,
    and the manual-review queue. Charts are drawn as inline SVG: the file opens offline, fetches nothing, and
    can be e-mailed or archived as is. Phone numbers are masked and transcript snippets anonymised.

    Example:

        callaudit report --out reporte_calidad.html --days 30
    """
    from rich.console import Console

    from callaudit.config import load_settings
    from callaudit.report import build_report

    settings = load_settings()
    target = out or settings.home / "report.html"
    console = Console(stderr=True)
    with console.status("reading the gold tables and drawing the report…"):
        path = build_report(settings, target, days=days)
    typer.echo(f"report: {path}")


def register(app: typer.Typer) -> None:
    app.command("report")(user_errors(report))
