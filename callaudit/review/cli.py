"""``callaudit review import|serve|sample``, ``callaudit calibrate`` and ``callaudit rescore``."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, date, datetime
from pathlib import Path

import typer

from callaudit.contracts import UNASSIGNED_AGENT
from callaudit.errors import UserError, user_errors

review_app = typer.Typer(
    help="Analysts' verdicts on calls: import a CSV, review calls in a web page, draw an auditable sample.\n\n"
         "Reviews land in landing/reviews/ and reach the qa_reviews table at the next `callaudit pipeline run` "
         "(the same path a CSV dropped into the Databricks landing volume takes).",
    no_args_is_help=True,
)


def _categories(scorecard: Path | None = None) -> list[str]:
    from callaudit.config import load_settings
    from callaudit.scoring import load_scorecard

    card = load_scorecard(scorecard or load_settings().scorecard_path)
    return [c.name for c in card.categories]


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


@review_app.command("import")
@user_errors
def review_import(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, readable=True,
                                help="CSV with the header call_sid,reviewer,reviewed_at,has_greeting,"
                                     "has_identification,has_help_offer,has_farewell,forbidden_words,"
                                     "quality_category,is_calibration,note"),
    strict: bool = typer.Option(False, "--strict", help="Land nothing if any row is rejected."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file and report; land nothing."),
    rejects: Path = typer.Option(None, "--rejects", help="Also write the rejected rows, with a reason column, "
                                                          "to this CSV (to fix and import again)."),
) -> None:
    """Import analysts' verdicts from a CSV into the lakehouse (qa_reviews, at the next pipeline run).

    Every row is checked — the call must be an audited call, reviewed_at an ISO date (Bogotá time unless it
    says otherwise), yes/no columns true/false/sí/no (empty = N/A), quality_category one of the scorecard's,
    forbidden_words separated by `;`. A bad row is rejected whole with its line and reason; the good rows land
    (all or nothing with --strict). Importing the same file again changes nothing.

    Example:

        callaudit review import revisiones_semana48.csv
        callaudit pipeline run --refresh bronze_qa_reviews,qa_reviews,calibration_agreement,calibration_disagreements
    """
    from callaudit.calibration.records import ReviewFileError, check_file
    from callaudit.config import load_settings
    from callaudit.review.data import audited_call_sids, open_reviews_lakehouse
    from callaudit.review.landing import land_reviews

    settings = load_settings()
    lake = open_reviews_lakehouse(settings)
    known = audited_call_sids(lake)
    try:
        checked = check_file(file.read_bytes(), categories=_categories(), known_calls=known)
    except ReviewFileError as exc:
        raise UserError(f"{file}: {exc}", hint="the first line must be the header; see `callaudit review "
                                              "import --help`", exit_code=2) from None
    for r in checked.rejected:
        typer.secho(f"  rejected line {r.line} ({r.call_sid or 'no call_sid'}): {r.reason}", fg="yellow", err=True)
    if rejects and checked.rejected:
        _write_rejects(file, rejects, checked.rejected)
        typer.echo(f"rejected rows written to {rejects}", err=True)
    if dry_run or (strict and checked.rejected):
        why = "--dry-run" if dry_run else "--strict and some rows were rejected"
        typer.echo(f"{len(checked.reviews)} row(s) valid, {len(checked.rejected)} rejected; nothing landed ({why})")
        if checked.rejected:
            raise typer.Exit(1)
        return
    result = land_reviews(checked.reviews, settings.landing, source=file.name)
    where = f" -> {result.path}" if result.path else ""
    typer.echo(f"{len(result.landed)} review(s) landed, {len(result.corrected)} correction(s), "
               f"{len(result.unchanged)} already imported (unchanged), {len(checked.rejected)} rejected{where}")
    if result.path:
        typer.echo("next: `callaudit pipeline run` puts them in qa_reviews and updates calibration_agreement")
    if checked.rejected:
        raise typer.Exit(1)


def _write_rejects(source: Path, out: Path, rejected) -> None:
    text = source.read_bytes().decode("utf-8-sig", errors="replace").splitlines()
    by_line = {r.line: r.reason for r in rejected}
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["line", "reason", "row"])
        for line, reason in sorted(by_line.items()):
            writer.writerow([line, reason, text[line - 1] if 0 < line <= len(text) else ""])


@review_app.command("sample")
@user_errors
def review_sample(
    per_agent: int = typer.Option(None, "--per-agent", min=1,
                                  help="Calls to draw for each agent (required unless --replay)."),
    seed: int = typer.Option(None, "--seed",
                             help="Random seed (write it down: it reproduces the draw; required unless --replay)."),
    since: str = typer.Option(None, "--since", metavar="YYYY-MM-DD", help="Only calls on or after this day."),
    until: str = typer.Option(None, "--until", metavar="YYYY-MM-DD", help="Only calls on or before this day."),
    agent: list[str] = typer.Option(None, "--agent", help="Only these agents (repeatable)."),
    include_reviewed: bool = typer.Option(False, "--include-reviewed",
                                          help="Also draw calls an analyst already reviewed."),
    output_format: str = typer.Option("table", "--format", "-f", help="table | json | csv"),
    replay: Path = typer.Option(None, "--replay", exists=True, dir_okay=False,
                                help="Re-draw a recorded sample from its recorded population and check it."),
) -> None:
    """Draw a stratified random sample of calls to review: N per agent, spread over the auditor's categories.

    The draw is recorded (seed, filters, the whole population with its sha256, the calls drawn) in
    landing/review_samples/<id>.json; `--replay FILE` draws again from a record and says whether it matches.
    `callaudit review serve --sample latest` walks the sample in the review page.

    Example:

        callaudit review sample --per-agent 3 --seed 2026
        callaudit review sample --replay lakehouse/landing/review_samples/<id>.json
    """
    from callaudit.config import load_settings
    from callaudit.review import sample as sampling

    settings = load_settings()
    if replay:
        rec = json.loads(replay.read_text(encoding="utf-8"))
        try:
            again = sampling.replay(rec)
        except (ValueError, KeyError) as exc:
            raise UserError(f"{replay}: {exc}") from None
        same = [c.call_sid for c in again] == [c["call_sid"] for c in rec["calls"]]
        typer.echo(f"sample {rec['sample_id']}: {len(again)} calls re-drawn from {rec['population']['calls']} "
                   f"(seed {rec['seed']}): {'identical to the record' if same else 'DIFFERENT from the record'}")
        if not same:
            raise typer.Exit(1)
        return
    missing = [flag for flag, value in (("--per-agent", per_agent), ("--seed", seed)) if value is None]
    if missing:
        raise UserError(f"a new draw needs {' and '.join(missing)}",
                        hint="e.g. callaudit review sample --per-agent 3 --seed 2026 (or --replay FILE)",
                        exit_code=2)
    from callaudit.calibration.calibrate import latest_reviews
    from callaudit.review.data import REVIEWS, open_reviews_lakehouse

    lake = open_reviews_lakehouse(settings)
    where = ["audit_error IS NULL"]
    for flag, op, value in (("--since", ">=", since), ("--until", "<=", until)):
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                raise UserError(f"{flag} {value!r} is not a date (YYYY-MM-DD)", exit_code=2) from None
            where.append(f"call_date {op} DATE'{value}'")
    rows = lake.rows("twilio_call_audits", ["call_sid", "agent", "quality_category"], where=" AND ".join(where))
    if agent:
        rows = [r for r in rows if r["agent"] in set(agent)]
    reviewed = set()
    if not include_reviewed:
        reviewed = {r.call_sid for r in latest_reviews(lake.rows(REVIEWS)) if not r.is_calibration}
    population = [sampling.Candidate(r["call_sid"], r["agent"] or UNASSIGNED_AGENT, r["quality_category"] or "")
                  for r in rows if r["call_sid"] not in reviewed]
    if not population:
        raise UserError("no audited calls match the filters", hint="widen --since/--until/--agent")
    categories = _categories()
    drawn = sampling.draw(population, per_agent=per_agent, seed=seed, categories=categories)
    filters = {"since": since, "until": until, "agents": list(agent or []),
               "excluded_reviewed_calls": len(reviewed & {r["call_sid"] for r in rows}),
               "include_reviewed": include_reviewed, "audit_error": "excluded"}
    rec = sampling.record(population, drawn, per_agent=per_agent, seed=seed, filters=filters,
                          categories=categories)
    path = sampling.save(rec, settings.landing)
    if output_format == "json":
        typer.echo(json.dumps({k: v for k, v in rec.items() if k != "population"} |
                              {"population": {k: v for k, v in rec["population"].items() if k != "rows"},
                               "record": str(path)}, ensure_ascii=False, indent=2))
        return
    if output_format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(["call_sid", "agent", "quality_category"])
        for c in drawn:
            writer.writerow([c.call_sid, c.agent, c.quality_category])
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("agent", "call_sid", "auditor category", title=f"review sample {rec['sample_id']}")
    for c in drawn:
        table.add_row(c.agent, c.call_sid, c.quality_category)
    Console().print(table)
    typer.echo(f"{len(drawn)} call(s) from a population of {len(population)} (seed {seed}, {per_agent} per agent); "
               f"draw recorded in {path}")
    typer.echo(f"review them: callaudit review serve --sample {rec['sample_id']}")


@review_app.command("serve")
@user_errors
def review_serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (keep 127.0.0.1 unless behind a proxy)."),
    port: int = typer.Option(8765, help="Port (0 picks a free one)."),
    sample: str = typer.Option(None, "--sample", help="Walk a recorded sample (its id or `latest`) after the "
                                                     "review queue."),
    reviewer: str = typer.Option(None, "--reviewer", help="Pre-fill the analyst's name."),
    limit: int = typer.Option(200, help="At most this many calls from the review queue."),
) -> None:
    """Open the review page: walk the review queue (and a sample), read each redacted transcript with the auditor's
    evidence per criterion, and record your verdicts.

    Verdicts land in landing/reviews/ at once (nothing is lost if the page is closed) and reach qa_reviews at the
    next `callaudit pipeline run`. Press Ctrl+C to stop.

    Example:

        callaudit review serve --sample latest --reviewer "Ana Ruiz"
    """
    from callaudit.config import load_settings
    from callaudit.review.server import load_review_data, serve

    settings = load_settings()
    data = load_review_data(settings, sample=sample, limit=limit)
    serve(settings, data, host=host, port=port, reviewer=reviewer)


def calibrate_command(
    since: str = typer.Option(None, "--since", metavar="YYYY-MM-DD", help="Only reviews done on or after this day."),
    as_json: bool = typer.Option(False, "--json", help="Print everything as JSON (for scripts and notebooks)."),
    compare: tuple[str, str] | None = typer.Option(None, "--compare", metavar="V1 V2",
                                            help="Compare two scorecard versions on the reviewed calls (gold and "
                                                 "`callaudit rescore` audits; `v1` matches callaudit-v1.0)."),
    seed: int = typer.Option(None, "--seed", help="Bootstrap seed (default 12: the same seed, the same interval)."),
    resamples: int = typer.Option(None, "--resamples", min=100, help="Bootstrap resamples (default 2000)."),
    show: int = typer.Option(15, "--show", help="Disagreements to list (0: none; all of them are in --json)."),
) -> None:
    """How often the auditor agrees with your analysts — per criterion, scorecard version and week — and the
    calls where they disagree, with the auditor's evidence.

    Reports n, raw agreement and Cohen's kappa with a 95 % bootstrap interval per criterion (weighted kappa for
    the ordered categories); analyst-vs-analyst agreement on calls reviewed by several analysts (calibration
    sessions, which do not count towards the auditor's figures).

    Examples:

        callaudit calibrate
        callaudit calibrate --since 2026-11-30 --json
        callaudit rescore --scorecard scorecards/callaudit_v1.yml
        callaudit calibrate --compare v1 v2
    """
    from callaudit.calibration.agreement import DEFAULT_RESAMPLES, DEFAULT_SEED
    from callaudit.calibration.calibrate import calibrate
    from callaudit.calibration.calibrate import compare as compare_versions
    from callaudit.config import load_settings
    from callaudit.review.data import (
        CALIBRATION_AUDIT_COLUMNS,
        REVIEW_COLUMNS,
        REVIEWS,
        open_reviews_lakehouse,
    )
    from callaudit.review.rescore import resolve_version, versions_available

    seed = DEFAULT_SEED if seed is None else seed
    resamples = resamples or DEFAULT_RESAMPLES
    start = None
    if since:
        try:
            start = datetime.combine(date.fromisoformat(since), datetime.min.time(), tzinfo=UTC)
        except ValueError:
            raise UserError(f"--since {since!r} is not a date (YYYY-MM-DD)", exit_code=2) from None
    settings = load_settings()
    lake = open_reviews_lakehouse(settings)
    if not lake.has(REVIEWS):
        raise UserError("no qa_reviews table yet", hint="import reviews (`callaudit review import FILE.csv` or the "
                                                        "review page), then run `callaudit pipeline run`.")
    reviews = lake.rows(REVIEWS, REVIEW_COLUMNS)
    pending = _pending(settings, reviews)
    categories = _categories()
    if compare and compare[0]:
        available = versions_available(lake)
        va, vb = (resolve_version(v, available) for v in compare)
        rows_a = lake.rows(available[va], CALIBRATION_AUDIT_COLUMNS, where=f"scorecard_version = '{va}'")
        rows_b = lake.rows(available[vb], CALIBRATION_AUDIT_COLUMNS, where=f"scorecard_version = '{vb}'")
        result = compare_versions(rows_a, rows_b, reviews, categories, version_a=va, version_b=vb, since=start,
                                  seed=seed, resamples=resamples)
        if as_json:
            typer.echo(json.dumps(result.to_json(), ensure_ascii=False, indent=2, default=_plain))
        else:
            _print_compare(result, show)
        return
    audits = lake.rows("twilio_call_audits", CALIBRATION_AUDIT_COLUMNS)
    result = calibrate(audits, reviews, categories, since=start, seed=seed, resamples=resamples)
    if as_json:
        payload = result.to_json() | {"since": since, "pending_landed_reviews": pending}
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=_plain))
        return
    _print_calibration(result, show)
    if pending:
        typer.secho(f"note: {pending} review(s) landed since the last pipeline run are not counted yet: run "
                    "`callaudit pipeline run`", fg="yellow", err=True)


def _pending(settings, table_rows) -> int:
    from callaudit.calibration.records import format_time
    from callaudit.review.landing import landed_reviews

    seen = {(r["call_sid"], r["reviewer"], format_time(r["reviewed_at"] if r["reviewed_at"].tzinfo
                                                       else r["reviewed_at"].replace(tzinfo=UTC)))
            for r in table_rows if r.get("reviewed_at")}
    return sum(1 for key in landed_reviews(settings.landing) if key not in seen)


def _fmt(value, pct: bool = False) -> str:
    if value is None:
        return "—"
    return f"{value:.0%}" if pct else f"{value:.2f}"


def _kappa_cell(row: dict) -> str:
    if row["kappa"] is None:
        return "— (one label only)"
    interval = "" if row["kappa_low"] is None else f" [{row['kappa_low']:.2f}, {row['kappa_high']:.2f}]"
    return f"{row['kappa']:.2f}{interval}"


LABELS = {"greeting": "Saludo", "identification": "Identificación", "help_offer": "Ofrecimiento de ayuda",
          "farewell": "Despedida", "forbidden_words": "Palabras prohibidas", "quality_category": "Categoría"}


def _print_calibration(result, show: int) -> None:
    from rich.console import Console
    from rich.table import Table

    from callaudit.calibration.calibrate import ANALYST_VS_ANALYST, AUDITOR_VS_ANALYST

    console = Console()
    table = Table("criterion", "n", "excluded", "agreement", "kappa [95% CI]", "auditor yes / analyst no",
                  "auditor no / analyst yes", title=f"Auditor vs analysts ({result.reviews_used} reviews; "
                                                    f"{result.calibration_reviews} calibration reviews not counted)")
    for row in result.rows(AUDITOR_VS_ANALYST):
        m = json.loads(row["confusion_json"])
        off = (str(m[0][1]), str(m[1][0])) if row["criterion"] != "quality_category" else (
            f"{sum(m[i][j] for i in range(len(m)) for j in range(len(m)) if i < j)} (auditor better)",
            f"{sum(m[i][j] for i in range(len(m)) for j in range(len(m)) if i > j)} (auditor worse)")
        table.add_row(LABELS.get(row["criterion"], row["criterion"]), str(row["n"]), str(row["n_excluded"]),
                      _fmt(row["agreement"], pct=True), _kappa_cell(row)
                      + (" (weighted)" if row["weights"] != "none" else ""), *off)
    console.print(table)
    for scope in ("scorecard_version", "week"):
        rows = result.rows(AUDITOR_VS_ANALYST, scope)
        values = sorted({r["scope_value"] for r in rows})
        if len(values) < 1:
            continue
        t = Table("criterion", *values, title=f"kappa by {scope.replace('_', ' ')} (n)")
        for criterion in LABELS:
            cells = []
            for v in values:
                hit = next((r for r in rows if r["criterion"] == criterion and r["scope_value"] == v), None)
                cells.append("" if hit is None else f"{_fmt(hit['kappa'])} ({hit['n']})")
            t.add_row(LABELS[criterion], *cells)
        console.print(t)
    peers = result.rows(ANALYST_VS_ANALYST)
    if peers:
        t = Table("criterion", "pairs", "agreement", "kappa [95% CI]", title="Analyst vs analyst (calibration)")
        for row in peers:
            t.add_row(LABELS.get(row["criterion"], row["criterion"]), str(row["n"]), _fmt(row["agreement"], True),
                      _kappa_cell(row))
        console.print(t)
    own = [d for d in result.disagreements if d["comparison"] == AUDITOR_VS_ANALYST]
    if show and own:
        t = Table("call_sid", "criterion", "auditor", "analyst", "auditor's evidence",
                  title=f"Disagreements ({len(own)}; first {min(show, len(own))})")
        for d in own[:show]:
            t.add_row(d["call_sid"], LABELS.get(d["criterion"], d["criterion"]), d["verdict_a"],
                      f"{d['verdict_b']} ({d['rater_b']})", d["evidence"][:90])
        console.print(t)


def _print_compare(result, show: int) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    a, b = result.version_a, result.version_b
    t = Table("criterion", "n", f"kappa {a}", f"kappa {b}", f"agreement {a}", f"agreement {b}", "agrees better",
              title=f"{a} vs {b} on {result.calls} reviewed call(s)")
    for row in result.summary():
        t.add_row(LABELS.get(row["criterion"], row["criterion"]), str(row["n"]), _fmt(row[f"kappa_{a}"]),
                  _fmt(row[f"kappa_{b}"]), _fmt(row[f"agreement_{a}"], True), _fmt(row[f"agreement_{b}"], True),
                  row["agrees_better"] or "same")
    console.print(t)
    if result.changes:
        t = Table("call_sid", "criterion", a, b, "analysts", "closer", title=f"Verdicts that change ({len(result.changes)})")
        for c in result.changes[: show or len(result.changes)]:
            t.add_row(c["call_sid"], LABELS.get(c["criterion"], c["criterion"]), c[a], c[b], c["analysts"],
                      c["closer_to_analysts"])
        console.print(t)
    else:
        typer.echo("no verdict changes on the reviewed calls")


def rescore_command(
    scorecard: Path = typer.Option(..., "--scorecard", exists=True, dir_okay=False,
                                   help="The scorecard YAML to re-audit with (e.g. a candidate version)."),
    show: int = typer.Option(30, "--show", help="Verdict changes to list (0: all)."),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON."),
) -> None:
    """Re-audit every stored transcript with another scorecard into the side table rescored_call_audits.

    Gold (twilio_call_audits) keeps the version each audit used; the side table keeps one row per call and
    version (running again replaces that version's rows). Prints where the verdicts differ from gold's; then
    `callaudit calibrate --compare OLD NEW` says which version agrees better with your analysts.

    Example:

        callaudit rescore --scorecard scorecards/callaudit_v1.yml
        callaudit calibrate --compare v1 v2
    """
    from callaudit.config import load_settings
    from callaudit.review.rescore import rescore

    result = rescore(load_settings(), scorecard)
    if as_json:
        typer.echo(json.dumps({"version": result.version, "checksum": result.checksum, "calls": result.calls,
                               "table": result.table, "gold_versions": result.gold_versions,
                               "changes": result.changes}, ensure_ascii=False, indent=2))
        return
    typer.echo(f"re-audited {result.calls} recording(s) with {result.version} (sha256 {result.checksum[:12]}) -> "
               f"{result.table}")
    typer.echo(f"{len(result.changes)} verdict(s) differ from gold ({', '.join(result.gold_versions)}) on "
               f"{result.changed_calls()} call(s)")
    if result.changes:
        from rich.console import Console
        from rich.table import Table

        t = Table("call_sid", "agent", "criterion", "gold", result.version, "evidence")
        for c in result.changes[: show or len(result.changes)]:
            t.add_row(c["call_sid"], c["agent"] or "", LABELS.get(c["criterion"], c["criterion"]), c["gold"],
                      c["rescored"], c["evidence"][:80])
        Console().print(t)


def register(app: typer.Typer) -> None:
    app.add_typer(review_app, name="review")
    app.add_typer(review_app, name="reviews", hidden=True)  # `callaudit reviews import` reads naturally too
    app.command("calibrate")(user_errors(calibrate_command))
    app.command("rescore")(user_errors(rescore_command))
