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
    serve: bool = typer.Option(False, "--serve", help="Live view: serve the report at http://HOST:PORT/, rebuilt "
                               "whenever gold changes, the page reloading itself (pair with `pipeline run --watch`)."),
    host: str = typer.Option("127.0.0.1", help="With --serve: interface to listen on."),
    port: int = typer.Option(8790, min=1, max=65535, help="With --serve: port."),
    refresh: int = typer.Option(60, min=5, max=3600, help="With --serve: seconds between page reloads and "
                                "checks for new audits."),
) -> None:
    """Write the quality report: one self-contained HTML page in Spanish for the QA team.

    KPI cards against the targets, quality-score trend, protocol compliance per agent and vendor, critical calls
    (score < 40) with their review reasons, forbidden words, call durations, customer sentiment by day and week,
    and the manual-review queue. Charts are drawn as inline SVG: the file opens offline, fetches nothing, and
    can be e-mailed or archived as is. Phone numbers are masked and transcript snippets anonymised.

    The first section, "Hoy", lists the calls audited in the last hour, critical ones first. With --serve the
    report becomes a live view for supervisors: rebuilt when new audits reach gold, reloaded by the browser every
    --refresh seconds.

    Examples:

        callaudit report --out reporte_calidad.html --days 30

        callaudit report --serve --port 8790 --refresh 30
    """
    from rich.console import Console

    from callaudit.config import load_settings
    from callaudit.report import build_report

    settings = load_settings()
    target = out or settings.home / "report.html"
    if serve:
        from callaudit.report.live import serve_report

        return serve_report(settings, target, host=host, port=port, refresh=refresh, days=days,
                            echo=typer.echo)
    console = Console(stderr=True)
    with console.status("reading the gold tables and drawing the report…"):
        path = build_report(settings, target, days=days)
    typer.echo(f"report: {path}")


def register(app: typer.Typer) -> None:
    app.command("report")(user_errors(report))
