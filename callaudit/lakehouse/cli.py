"""``callaudit pipeline run|status|maintain|dry-run``, ``callaudit sql`` and ``callaudit tables``."""

from __future__ import annotations

import csv
import io
import json
import sys
import time
from datetime import date, datetime
from decimal import Decimal

import typer

from callaudit.errors import UserError, user_errors

pipeline_app = typer.Typer(
    help="Run the bronze -> silver -> gold pipeline locally with the real `spark-pipelines` on Spark + Delta.",
    no_args_is_help=True,
)


def _parse_tables(value: str | None) -> list[str] | None:
    return [t.strip() for t in value.split(",") if t.strip()] if value else None


@pipeline_app.command("run")
@user_errors
def pipeline_run(
    full_refresh: bool = typer.Option(False, "--full-refresh", help="Reset every table and checkpoint and recompute "
                                      "everything from the landing zone (re-transcribes every recording)."),
    full_refresh_tables: str = typer.Option(None, "--full-refresh-tables", metavar="T1,T2",
                                            help="Reset and recompute only these tables, e.g. twilio_call_audits "
                                            "to re-score every call with a new scorecard version."),
    refresh_tables: str = typer.Option(None, "--refresh", metavar="T1,T2", help="Update only these tables."),
    cores: int = typer.Option(None, help="Local task slots for Spark (default: 2, or CALLAUDIT_PIPELINE_CORES)."),
    force: bool = typer.Option(False, "--force", help="Run the update even when nothing it reads has changed "
                               "since the last completed one."),
    watch: bool = typer.Option(False, "--watch", help="Keep running: start an update whenever something lands "
                               "(pair it with `callaudit webhooks serve`); Ctrl-C stops."),
    interval: float = typer.Option(10.0, min=1.0, help="With --watch: seconds between checks for new input."),
    maintain_every: float = typer.Option(24.0, min=0.0, metavar="HOURS", help="With --watch: maintain the tables "
                                         "(`callaudit pipeline maintain`) every HOURS between updates; 0 never."),
) -> None:
    """Run one pipeline update: new landed files flow through bronze, silver and gold.

    Streaming tables process only what is new since the last run (checkpoints under lakehouse/pipeline_storage);
    materialized views are recomputed. The full log is kept under lakehouse/logs/.

    When nothing the pipeline reads has changed since the last completed update (no file landed, no code, rule,
    setting or table changed) the update is skipped before Spark starts and says so; --force runs it anyway.
    When the only news is files in some landing folders (say an analysts' review CSV in landing/reviews), only
    the tables that read those folders, directly or through others, are refreshed.

    Example:

        callaudit pipeline run
        callaudit pipeline run --refresh kpi_summary,agent_daily_quality
        callaudit pipeline run --full-refresh-tables twilio_call_audits
        callaudit pipeline run --watch --interval 5

    --watch is the local stand-in for a continuous pipeline: open-source spark-pipelines has no continuous mode
    (it runs one triggered update), so each new landing starts a triggered update (~20 s of Spark start-up each).
    """
    from callaudit.config import load_settings
    from callaudit.lakehouse.runner import run_pipeline

    if full_refresh and full_refresh_tables:
        raise UserError("use either --full-refresh or --full-refresh-tables, not both", exit_code=2)
    if watch:
        if full_refresh or full_refresh_tables or refresh_tables or force:
            raise UserError("--watch runs whole updates as input lands; it takes no refresh or --force options",
                            exit_code=2)
        return _watch(load_settings(), interval, cores, maintain_every)
    result = run_pipeline(load_settings(), full_refresh=True if full_refresh else (_parse_tables(full_refresh_tables) or False),
                          refresh=_parse_tables(refresh_tables), cores=cores, skip_if_current=not force)
    typer.echo(result.summary())
    if not result.ok:
        raise UserError(
            f"the pipeline run did not complete ({result.state or 'no result'}; failed flows: "
            f"{', '.join(result.failed_flows) or 'none reported'})",
            hint=f"read the errors above and the full log {result.log_path}; a rerun resumes from the checkpoints.",
        )


def _watch(settings, interval: float, cores: int | None, maintain_every: float) -> None:
    from callaudit.lakehouse.runner import watch_pipeline

    typer.echo(f"watching {settings.landing} every {interval:g} s; an update starts when something lands "
               "(Ctrl-C stops)" + (f"; tables maintained every {maintain_every:g} h" if maintain_every else ""))

    def say(result) -> None:
        typer.echo(f"{time.strftime('%H:%M:%S')} {result.summary()}" + (f" ({result.note})" if result.note else ""))

    def maintain_tables() -> None:
        from callaudit.lakehouse.maintenance import maintain

        try:
            what = maintain(settings, say=lambda msg: None).summary()
        except Exception as exc:  # noqa: BLE001 - the loop keeps auditing calls; the next period tries again
            what = f"table maintenance failed ({exc}); the next period tries again"
        typer.echo(f"{time.strftime('%H:%M:%S')} {what}")

    try:
        watch_pipeline(settings, interval=interval, cores=cores, on_update=say,
                       maintain_every=maintain_every * 3600.0, maintain=maintain_tables)
    except KeyboardInterrupt:
        typer.echo("stopped watching")


@pipeline_app.command("docs")
@user_errors
def pipeline_docs(
    check: bool = typer.Option(False, "--check", help="Do not write: exit 1 when docs/TABLES.md is not the "
                               "generated one (for CI)."),
) -> None:
    """Write docs/TABLES.md from the dataset files (pipelines/<layer>/<name>.py: docstring and COLUMNS).

    Describe a new table in its own file; this command puts it in the reference. No Spark needed.

    Example:

        callaudit pipeline docs
        callaudit pipeline docs --check
    """
    from callaudit.lakehouse import catalog

    if check:
        current = catalog.TABLES_MD.read_text(encoding="utf-8") if catalog.TABLES_MD.exists() else ""
        if current != catalog.render_tables_md():
            raise UserError(f"{catalog.TABLES_MD} is not the generated reference",
                            hint="run `callaudit pipeline docs` and commit the result.")
        typer.echo(f"{catalog.TABLES_MD} is current")
        return
    changed = catalog.write_tables_md()
    found = catalog.datasets()
    typer.echo(f"{'wrote' if changed else 'unchanged:'} {catalog.TABLES_MD} ({len(found)} datasets in "
               f"{len(catalog.LAYERS)} layers)")


@pipeline_app.command("status")
@user_errors
def pipeline_status(
    graph: bool = typer.Option(False, "--graph", help="Also list every dataset with the tables and landing "
                               "folders it reads."),
) -> None:
    """Say what the next `callaudit pipeline run` would do, and why, without starting Spark.

    Gold is current (nothing to run), or only the tables that read new landing files would be refreshed (they
    are listed), or a whole update is due (with the reason: new code or rules, another setting, a table written
    outside the pipeline, no completed update yet).

    Example:

        callaudit pipeline status
        callaudit pipeline status --graph
    """
    from callaudit.config import load_settings
    from callaudit.lakehouse import catalog, freshness
    from callaudit.lakehouse.runner import pipeline_configuration

    settings = load_settings()
    state = freshness.check(settings, pipeline_configuration(settings))
    tables = catalog.datasets()
    if state.current:
        typer.echo(f"gold is current: {state.reason}. `callaudit pipeline run` will not start Spark.")
    elif state.refresh:
        typer.echo(f"the next run refreshes {len(state.refresh)} of {len(tables)} tables: {state.reason}.")
        for name in state.refresh:
            typer.echo(f"  {name}")
    else:
        typer.echo(f"the next run is a whole update of all {len(tables)} tables: {state.reason}.")
    if graph:
        typer.echo("\ndataset (kind) <- what it reads")
        for ds in tables:  # in layer order
            reads = [*sorted(ds.reads), *(f"landing/{d}" for d in sorted(ds.landing))]
            typer.echo(f"  {ds.layer}/{ds.name} ({ds.kind}) <- {', '.join(reads)}")


@pipeline_app.command("maintain")
@user_errors
def pipeline_maintain(
    current_only: bool = typer.Option(False, "--current-only", help="Delete every file the current versions do "
                                      "not read (no time travel left). Only right after a completed update; by "
                                      "default files are kept for the tables' retention, a week."),
    tables: str = typer.Option(None, "--tables", metavar="T1,T2", help="Only these tables (default: all)."),
    compact: bool = typer.Option(True, "--compact/--no-compact", help="Compact small files first (OPTIMIZE)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say how many files would be deleted; change nothing."),
) -> None:
    """Compact small files and delete the files no table version needs (OPTIMIZE + VACUUM on every local table).

    Each pipeline update rewrites the materialized views it refreshes and adds small files to the streaming
    tables; the old files stay on disk until this runs. Databricks maintains pipeline tables by itself; locally,
    run this now and then (daily with a daily job, or after a day of `pipeline run --watch`). Rows never change,
    and the next `callaudit pipeline run` with nothing new is still skipped. It waits for a running pipeline
    update to finish first.

    Example:

        callaudit pipeline maintain --dry-run
        callaudit pipeline maintain
        callaudit pipeline maintain --current-only     # right after a run: keep only the current versions
    """
    from callaudit.config import load_settings
    from callaudit.lakehouse.maintenance import maintain

    report = maintain(load_settings(), tables=_parse_tables(tables), current_only=current_only, compact=compact,
                      dry_run=dry_run, say=lambda msg: typer.echo(msg, err=True))
    for line in report.lines():
        typer.echo(line)
    typer.echo(report.summary())


@pipeline_app.command("dry-run")
@user_errors
def pipeline_dry_run() -> None:
    """Check that every dataset in pipelines/ resolves (names, schemas, dependencies) without writing data.

    Example:

        callaudit pipeline dry-run
    """
    from callaudit.config import load_settings
    from callaudit.lakehouse.runner import run_pipeline

    result = run_pipeline(load_settings(), dry_run=True)
    typer.echo(result.summary())
    if result.returncode != 0:
        raise UserError("the pipeline graph does not resolve", hint=f"see {result.log_path}")


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if hasattr(value, "asDict"):
        return _plain(value.asDict(recursive=True))
    return value


def run_sql(query: str, *, limit: int | None = None):
    """Run Spark SQL over the local gold/silver tables; returns (columns, rows as plain Python values)."""
    from callaudit.config import load_settings
    from callaudit.lakehouse.runtime import list_tables, local_session

    settings = load_settings()
    if not list_tables(settings):
        raise UserError(f"no tables in {settings.warehouse}",
                        hint="run `callaudit demo` (or `callaudit ingest` then `callaudit pipeline run`) first.")
    spark = local_session(settings, app_name="callaudit-sql")
    try:
        df = spark.sql(query)
    except Exception as exc:  # AnalysisException / ParseException: show Spark's own message
        message = next((line.strip() for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise UserError(f"Spark could not run the query: {message}",
                        hint="`callaudit tables` lists the tables and their columns.", exit_code=2) from None
    if limit:
        df = df.limit(limit)
    rows = [[_plain(v) for v in row] for row in df.collect()]
    return df.columns, rows


def sql(
    query: str = typer.Argument(..., help="A Spark SQL query over the local tables (gold, silver, quarantine, marts)."),
    output_format: str = typer.Option("table", "--format", "-f", help="table | csv | json"),
    limit: int = typer.Option(None, help="Return at most this many rows."),
) -> None:
    """Query the local lakehouse with Spark SQL, e.g. the original analyst queries, as written.

    Tables are registered under their plain names (twilio_calls, twilio_recordings, twilio_transcriptions,
    twilio_call_audits, the marts and quarantine tables). It reads the Delta files directly, so it works while a
    pipeline is running.

    Examples:

        callaudit sql "SELECT agent, AVG(quality_score) FROM twilio_call_audits GROUP BY agent"
        callaudit sql "SELECT * FROM kpi_summary" --format json
        callaudit sql "SELECT * FROM quarantine_silver_calls" --format csv > quarantine.csv
    """
    if output_format not in ("table", "csv", "json"):
        raise UserError(f"unknown format {output_format!r}", hint="use --format table, csv or json", exit_code=2)
    columns, rows = run_sql(query, limit=limit)
    if output_format == "json":
        typer.echo(json.dumps([dict(zip(columns, r, strict=True)) for r in rows], ensure_ascii=False, indent=2))
    elif output_format == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(columns)
        for r in rows:
            writer.writerow([json.dumps(v, ensure_ascii=False) if isinstance(v, list | dict) else v for v in r])
        sys.stdout.write(buf.getvalue())
    else:
        from rich.console import Console
        from rich.table import Table

        table = Table(*columns, show_lines=False)
        for r in rows:
            table.add_row(*["" if v is None else str(v) for v in r])
        Console().print(table)
        typer.echo(f"{len(rows)} row(s)")


def tables() -> None:
    """List the local tables with their row counts and columns.

    Example:

        callaudit tables
    """
    from rich.console import Console
    from rich.table import Table

    from callaudit.config import load_settings
    from callaudit.lakehouse.runtime import list_tables, local_session

    settings = load_settings()
    if not list_tables(settings):
        raise UserError(f"no tables in {settings.warehouse}", hint="run `callaudit demo` first.")
    spark = local_session(settings, app_name="callaudit-tables")
    table = Table("table", "rows", "columns")
    for name in list_tables(settings):
        df = spark.table(name)
        table.add_row(name, str(df.count()), ", ".join(df.columns))
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(pipeline_app, name="pipeline")
    app.command("sql")(user_errors(sql))
    app.command("tables")(user_errors(tables))
