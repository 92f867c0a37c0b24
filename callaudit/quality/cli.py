"""``callaudit validate``: Great Expectations over the local gold tables, with Data Docs."""

from __future__ import annotations

import json

import typer

from callaudit.errors import UserError, user_errors


def print_summary(report, *, show_all: bool = False) -> None:
    import sys

    from rich.console import Console
    from rich.table import Table

    console = Console(width=None if sys.stdout.isatty() else 160)
    rows = report.results if show_all else report.failures
    if rows:
        table = Table(title="Great Expectations — " + ("all expectations" if show_all else "failed expectations"))
        for col in ("suite", "expectation", "column", "observed", "expected"):
            table.add_column(col, overflow="fold")
        if show_all:
            table.add_column("ok")
        for r in rows:
            cells = [r.suite, r.expectation, r.column or "—", r.observed, r.expected]
            if show_all:
                cells.append("[green]yes[/]" if r.success else "[red]NO[/]")
            table.add_row(*cells)
        console.print(table)
    tables = ", ".join(f"{t} ({n} rows)" for t, n in report.rows.items())
    verdict = "[green]passed[/]" if report.ok else "[red]FAILED[/]"
    console.print(f"{len(report.results)} expectations on {tables or 'no table'}: "
                  f"{len(report.results) - len(report.failures)} passed, {len(report.failures)} failed — {verdict}")


def validate(
    docs: bool = typer.Option(True, "--docs/--no-docs", help="Render Great Expectations Data Docs under "
                              "$CALLAUDIT_HOME/data_docs (local files, nothing published)."),
    as_json: bool = typer.Option(False, "--json", help="Print the results as JSON (exit code still 1 on failure)."),
    table: list[str] = typer.Option(None, "--table", "-t", help="Validate only this gold table (repeatable)."),
    show_all: bool = typer.Option(False, "--all", help="List passed expectations too, not only the failures."),
) -> None:
    """Validate the gold tables with Great Expectations after a pipeline run.

    Suites are data (expectations/gx/<table>.yml): unique, non-null keys (call_sid, recording_sid); scores in
    0-100; sentiment in [-1, 1]; quality categories from the scorecard; non-null protocol booleans; plausible
    null rates and distributions; masked phone numbers; no PII left in transcripts. Runs fully offline (GX
    analytics disabled). Exit 0 when every expectation passes, 1 when any fails (the summary names each
    failed expectation, its column, the observed and the expected value), 2 for bad usage.

    Example:

        callaudit validate
        callaudit validate --no-docs --json > validation.json
        callaudit validate --table twilio_call_audits --all
    """
    from callaudit.config import load_settings
    from callaudit.lakehouse.runtime import list_tables
    from callaudit.lakehouse.tables import catalog_schema
    from callaudit.quality.validate import run_validation

    settings = load_settings()
    if catalog_schema() is None and not list_tables(settings):
        raise UserError(f"no gold tables in {settings.warehouse}",
                        hint="run the pipeline first: `callaudit demo` or `callaudit pipeline run`.")
    from rich.console import Console

    with Console(stderr=True).status("validating the gold tables with Great Expectations…"):
        report = run_validation(settings, docs=docs, tables=table or None)
    if as_json:
        typer.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=2, default=str))
    else:
        print_summary(report, show_all=show_all)
        if report.docs_index:
            typer.echo(f"Data Docs: {report.docs_index}")
    if not report.ok:
        if as_json:
            raise typer.Exit(1)
        names = ", ".join(sorted({f"{r.table}.{r.expectation}" for r in report.failures}))
        raise UserError(f"{len(report.failures)} expectation(s) failed: {names}",
                        hint="fix the data (or the suite in expectations/gx/ if the rule is wrong) and rerun.")


def register(app: typer.Typer) -> None:
    app.command("validate")(user_errors(validate))
