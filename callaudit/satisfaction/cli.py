"""``callaudit surveys import`` and ``callaudit satisfaction evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from callaudit.errors import UserError, user_errors

surveys_app = typer.Typer(
    help="Post-call surveys (NPS 0–10 or CSAT 1–5): import a CSV into the lakehouse.\n\n"
         "Answers land in landing/surveys/ and reach the call_surveys table at the next `callaudit pipeline run` "
         "(the same path a CSV dropped into the landing volume takes).",
    no_args_is_help=True,
)
satisfaction_app = typer.Typer(
    help="Predicted satisfaction (call_satisfaction): measure the model honestly on held-out surveyed calls.",
    no_args_is_help=True,
)


@surveys_app.command("import")
@user_errors
def surveys_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="CSV with the header call_sid,survey_type,score,answered_at"),
    strict: bool = typer.Option(False, "--strict", help="Land nothing if any row is rejected."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and report; land nothing."),
) -> None:
    """Import post-call survey answers from a CSV (call_surveys, at the next pipeline run).

    Every row is checked: call_sid a Twilio call sid (CA + 32 hex), survey_type `nps` (score 0–10) or `csat`
    (score 1–5), score a whole number in that range, answered_at an ISO date (Bogotá time unless it says
    otherwise). A bad row is rejected whole with its line and reason; the good rows land (all or nothing with
    --strict). Importing the same file again changes nothing; a new score for the same call and answered_at is a
    correction. In call_surveys the latest answer of a call wins.

    Example:

        callaudit surveys import encuestas_semana48.csv
        callaudit pipeline run
    """
    from callaudit.config import load_settings
    from callaudit.satisfaction.landing import land_surveys
    from callaudit.satisfaction.records import SurveyFileError, check_file

    settings = load_settings()
    try:
        checked = check_file(file.read_bytes())
    except SurveyFileError as exc:
        raise UserError(f"{file}: {exc}", hint="la primera línea debe ser el encabezado; vea `callaudit surveys "
                                              "import --help`", exit_code=2) from None
    for r in checked.rejected:
        typer.secho(f"  línea {r.line} rechazada ({r.call_sid or 'sin call_sid'}): {r.reason}", fg="yellow", err=True)
    if dry_run or (strict and checked.rejected):
        why = "--dry-run" if dry_run else "--strict y hay filas rechazadas"
        typer.echo(f"{len(checked.surveys)} fila(s) válidas, {len(checked.rejected)} rechazada(s); no se cargó nada "
                   f"({why})")
        if checked.rejected:
            raise typer.Exit(1)
        return
    result = land_surveys(checked.surveys, settings.landing, source=file.name)
    where = f" -> {result.path}" if result.path else ""
    typer.echo(f"{len(result.landed)} encuesta(s) cargadas, {len(result.corrected)} corrección(es), "
               f"{len(result.unchanged)} ya importadas (sin cambios), {len(checked.rejected)} rechazada(s){where}")
    if result.path:
        typer.echo("siguiente: `callaudit pipeline run` las lleva a call_surveys y actualiza call_satisfaction")
    if checked.rejected:
        raise typer.Exit(1)


def read_gold(settings, spark=None) -> tuple[list[dict], dict[str, float]]:
    """(audit rows with the model's columns, call_sid -> surveyed score on 0–10) from the gold tables."""
    from callaudit.lakehouse.tables import open_lakehouse, read_table
    from callaudit.satisfaction.model import AUDIT_COLUMNS

    spark, tables = open_lakehouse(settings, "callaudit-satisfaction", spark)
    missing = [t for t in ("twilio_call_audits", "call_surveys") if t not in tables]
    if missing:
        raise UserError(f"no {', '.join(missing)} table in the lakehouse",
                        hint="land surveys (`callaudit surveys import`) and run `callaudit pipeline run` first "
                             "(`callaudit demo` lands synthetic ones)")
    audits = [r.asDict(recursive=True) for r in
              read_table(spark, tables["twilio_call_audits"]).select(*AUDIT_COLUMNS, "recording_sid").collect()]
    if "call_topics" in tables:  # the call's driver is a feature too
        drivers = {r.recording_sid: r.driver for r in
                   read_table(spark, tables["call_topics"]).select("recording_sid", "driver").collect()}
        for a in audits:
            a["driver"] = drivers.get(a.get("recording_sid"))
    surveys = {r.call_sid: float(r.score_0_10) for r in
               read_table(spark, tables["call_surveys"]).select("call_sid", "score_0_10").collect()
               if r.score_0_10 is not None}
    return audits, surveys


@satisfaction_app.command("evaluate")
@user_errors
def satisfaction_evaluate(
    seed: int = typer.Option(7, help="Seed of the train / held-out split (and of the conformal folds)."),
    test_share: float = typer.Option(0.3, "--test-share", min=0.05, max=0.8,
                                     help="Share of the surveyed calls held out (never seen by the fit)."),
    as_json: bool = typer.Option(False, "--json", help="Print the figures as JSON."),
) -> None:
    """Measure the satisfaction model on held-out surveyed calls: MAE and Spearman ρ vs predicting the mean.

    Reads twilio_call_audits and call_surveys, splits the surveyed, scored calls into train and held-out (seeded),
    fits the same model call_satisfaction uses on train only, and prints, on the held-out calls: the mean absolute
    error (0–10 scale) of the model and of a baseline that predicts the training mean, Spearman's rank correlation,
    and how many held-out answers fall inside the 80 % interval.

    Example:

        callaudit satisfaction evaluate --seed 7
    """
    from callaudit.config import load_settings
    from callaudit.satisfaction.model import evaluate

    audits, surveys = read_gold(load_settings())
    result = evaluate(audits, surveys, seed=seed, test_share=test_share)
    if as_json:
        typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=1))
    else:
        for line in result.lines():
            typer.echo(line)
    if result.note:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.add_typer(surveys_app, name="surveys")
    app.add_typer(satisfaction_app, name="satisfaction")
