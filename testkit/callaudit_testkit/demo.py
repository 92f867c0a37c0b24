"""``callaudit demo``: the whole product end to end on the embedded default, in one command.

synthetic call centre -> local Twilio emulator (real HTTP) -> ingest with the real twilio client -> spark-pipelines
(bronze -> silver -> transcription -> audits -> gold marts, Delta) -> KPI summary (+ the HTML report).
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import typer

from callaudit.config import Settings, load_settings
from callaudit.errors import UserError, user_errors


@dataclass
class DemoResult:
    settings: Settings
    steps: dict[str, float] = field(default_factory=dict)
    synth: object | None = None
    ingest: object | None = None
    pipeline: object | None = None
    kpis: list[dict] = field(default_factory=list)
    report_path: Path | None = None


def _synth_matches(data_dir: Path, calls: int, days: int, seed: int) -> bool:
    manifest = data_dir / "manifest.json"
    if not manifest.is_file():
        return False
    try:
        m = json.loads(manifest.read_text())
    except ValueError:
        return False
    return (m.get("calls"), m.get("days"), m.get("seed")) == (calls, days, seed)


def read_kpis(settings: Settings, spark=None) -> list[dict]:
    from callaudit.lakehouse.runtime import list_tables, local_session

    tables = list_tables(settings)
    if "kpi_summary" not in tables:
        return []
    spark = spark or local_session(settings, app_name="callaudit-kpis", register=False)
    return [r.asDict() for r in spark.read.format("delta").load(str(tables["kpi_summary"])).orderBy("ord").collect()]


def format_value(kpi: dict) -> str:
    value = kpi.get("value")
    if value is None:
        return "n/a"
    return f"{value:.1%}" if kpi.get("unit") == "ratio" else f"{value:.2f}"


def print_kpis(kpis: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not kpis:
        console.print("[yellow]No audited calls yet: nothing to summarise.[/]")
        return
    first = kpis[0]
    table = Table(title=f"KPI summary — {first['calls']} audited calls, {first['period_start']} .. {first['period_end']}")
    for col in ("KPI", "value", "target", "status"):
        table.add_column(col)
    for k in kpis:
        target = f"{k['comparison']} {k['target']:.0%}" if k["unit"] == "ratio" else f"{k['comparison']} {k['target']}"
        status = "[green]met[/]" if k["met"] else ("[red]not met[/]" if k["met"] is False else "n/a")
        table.add_row(k["label"], format_value(k), target, status)
    console.print(table)


DEMO_EMULATOR_PORT = 17780


def _demo_emulator(data_dir: Path):
    """The emulator on the same port every demo run when it is free: like Twilio's stable host, the records'
    absolute URLs (``media_url``, ``uri``) then stay the same, so a rerun with nothing new lands nothing new."""
    from callaudit_testkit.twilio.emulator import serve_emulator

    try:
        return serve_emulator(data_dir, port=DEMO_EMULATOR_PORT)
    except OSError:  # taken (another demo, another program): any free port; this run re-lands the URLs
        return serve_emulator(data_dir)


def run_demo(settings: Settings | None = None, *, calls: int = 12, days: int = 3, seed: int = 7, fresh: bool = False,
             report: bool = True, progress: bool = True) -> DemoResult:
    settings = settings or load_settings()
    result = DemoResult(settings)
    from rich.console import Console

    console = Console(stderr=True)
    if fresh and settings.home.exists():
        shutil.rmtree(settings.home)
    settings.home.mkdir(parents=True, exist_ok=True)

    def step(name: str, title: str):
        console.rule(f"[bold]{title}")
        return name, time.perf_counter()

    # 1. the synthetic call centre (kept across demo runs when the parameters are the same)
    name, t0 = step("synth", f"1/4 synthetic call centre: {calls} calls over {days} days (seed {seed})")
    try:
        from callaudit_testkit.synth import generate_call_centre
    except ImportError as exc:  # pragma: no cover - the synth component ships with the product
        raise UserError("the synthetic call centre generator is not installed", hint="run `make setup`") from exc
    if _synth_matches(settings.twilio_data, calls, days, seed):
        console.print(f"reusing {settings.twilio_data}")
    else:
        if settings.twilio_data.exists():
            shutil.rmtree(settings.twilio_data)
        result.synth = generate_call_centre(settings.twilio_data, calls=calls, days=days, seed=seed, progress=progress)
    result.steps[name] = time.perf_counter() - t0

    # 2. serve it from the local Twilio emulator and ingest with the real twilio client over HTTP
    name, t0 = step("ingest", "2/4 ingest from the local Twilio emulator (real HTTP, official twilio client)")
    from callaudit.twilio.ingest import run_ingest

    with _demo_emulator(settings.twilio_data) as emulator:
        console.print(f"Twilio emulator listening on {emulator.url}")
        result.ingest = run_ingest(settings, base_url=emulator.url, progress=progress)
    for line in result.ingest.lines():
        console.print("  " + line)
    # the synthetic QA team's weekly reviews (from the ground truth), so the calibration loop has data
    from callaudit.review.landing import land_reviews
    from callaudit_testkit.synth.reviews import synthetic_reviews

    reviews = synthetic_reviews(settings.twilio_data / "labels", seed=seed)
    landed = land_reviews(reviews, settings.landing, source="synthetic-qa-team")
    console.print(f"  synthetic QA team: {len(reviews)} review(s) ({len(landed.landed)} new) -> landing/reviews/; "
                  "see `callaudit calibrate`")
    # the synthetic customers' post-call surveys (from a hidden model of the ground truth), for call_satisfaction
    from callaudit.satisfaction.landing import land_surveys
    from callaudit_testkit.synth.surveys import synthetic_surveys

    surveys = synthetic_surveys(settings.twilio_data / "labels", seed=seed)
    answered = land_surveys(surveys, settings.landing, source="synthetic-customers")
    console.print(f"  synthetic customers: {len(surveys)} survey answer(s) ({len(answered.landed)} new) -> "
                  "landing/surveys/; see `callaudit satisfaction evaluate`")
    result.steps[name] = time.perf_counter() - t0

    # 3 and 4 share one Spark: the pipeline's update runs on a local Connect server that the KPI summary and the
    # report then read through, instead of starting a second JVM and paying its start-up and cold queries again
    from callaudit.lakehouse.connect_host import SharedSpark

    with SharedSpark(settings) as host:
        _pipeline_and_report(result, settings, host, step, console, report=report, progress=progress)
    console.print("timings: " + ", ".join(f"{k} {v:.0f}s" for k, v in result.steps.items()))
    console.print('next: callaudit sql "SELECT agent, AVG(quality_score) FROM twilio_call_audits GROUP BY agent"')
    return result


def _pipeline_and_report(result: DemoResult, settings: Settings, host, step, console, *, report: bool,
                         progress: bool) -> None:
    # 3. the pipeline
    name, t0 = step("pipeline", "3/4 pipeline: spark-pipelines on local Spark + Delta (bronze -> silver -> gold)")
    from callaudit.lakehouse.runner import run_pipeline

    result.pipeline = run_pipeline(settings, progress=progress, skip_if_current=True, host=host)
    if result.pipeline.skipped:
        console.print(f"gold is current: {result.pipeline.note} — pipeline not started")
    else:
        console.print(f"pipeline {result.pipeline.state} in {result.pipeline.seconds or 0:.0f}s "
                      + (f"(run because {result.pipeline.note}) " if result.pipeline.note else "")
                      + f"(Spark start-up {result.pipeline.startup_seconds or 0:.0f}s); log: {result.pipeline.log_path}")
    result.steps[name] = time.perf_counter() - t0
    if not result.pipeline.ok:
        first_error = result.pipeline.errors[0] if result.pipeline.errors else None
        raise UserError(f"the pipeline did not complete ({result.pipeline.state or 'it stopped before its first flow'})"
                        + (f": {first_error}" if first_error else ""),
                        hint=f"see {result.pipeline.log_path}; rerun `callaudit pipeline run` to resume")

    # 4. what an analyst sees
    name, t0 = step("report", "4/4 gold: KPI summary and report")
    result.kpis = read_kpis(settings, host.session())
    print_kpis(result.kpis)
    if report:
        try:
            from callaudit.report import build_report
        except ImportError:
            build_report = None
        if build_report is not None:
            result.report_path = build_report(settings, settings.home / "report.html", spark=host.session())
            console.print(f"report: {result.report_path}")
    result.steps[name] = time.perf_counter() - t0


def demo(
    calls: int = typer.Option(12, help="How many calls the synthetic call centre makes."),
    days: int = typer.Option(3, help="Over how many days (ending yesterday)."),
    seed: int = typer.Option(7, help="Random seed: the same seed gives the same calls, audio and labels."),
    fresh: bool = typer.Option(False, "--fresh", help="Delete the local lakehouse first (start from nothing)."),
    no_report: bool = typer.Option(False, "--no-report", help="Skip the HTML report."),
) -> None:
    """Run the whole product end to end locally — no Twilio, Azure or Databricks account needed.

    Generates a synthetic Spanish call centre (dual-channel recordings spoken by espeak-ng), serves it from a
    local Twilio emulator, ingests it with the official twilio client, runs the pipeline with spark-pipelines on
    Spark + Delta (Whisper transcription, PII redaction, scorecard audits, marts) and prints the KPI summary.
    Running it again is incremental: nothing new -> nothing reprocessed.

    Example:

        callaudit demo --calls 12 --days 3
    """
    run_demo(load_settings(), calls=calls, days=days, seed=seed, fresh=fresh, report=not no_report)


def register(app: typer.Typer) -> None:
    app.command("demo")(user_errors(demo))
