"""``callaudit topics …``: call drivers — classify a call, measure the classifier, train it, discover new ones."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from callaudit.errors import UserError, user_errors

topics_app = typer.Typer(
    help=(
        "Call drivers (why customers call): the taxonomy is callaudit/topics/taxonomy_es.yml, every audited call "
        "gets one in the gold table `call_topics`.\n\n"
        "Examples: `callaudit topics evaluate --set test` · `callaudit topics discover` · "
        "`callaudit topics classify call.json`"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)
TAXONOMY_OPTION = typer.Option(None, "--taxonomy", "-t", show_default=False,
                               help="Taxonomy YAML (default: callaudit/topics/taxonomy_es.yml).")


def _classifier(taxonomy: Path | None):
    from callaudit.topics.classify import cached_classifier

    return cached_classifier(str(taxonomy) if taxonomy else None)


@topics_app.command("classify")
@user_errors
def classify_cmd(
    path: Path = typer.Argument(..., help="A transcript JSON (`callaudit transcribe --json`) or a call YAML "
                                "(evaluation/FORMAT.md)."),
    taxonomy: Path = TAXONOMY_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """The driver of one call, its confidence, the runner-up and the words that decided it (redacted)."""
    from callaudit.topics.classify import transcript_turns
    from callaudit.topics.sets import _turns
    from callaudit.transcription.redact import redact_text

    if not path.is_file():
        raise UserError(f"file not found: {path}")
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yml", ".yaml"):
        import yaml

        turns = _turns(yaml.safe_load(text), path)
    else:
        try:
            turns = transcript_turns(json.loads(text))
        except (ValueError, AttributeError) as exc:
            raise UserError(f"{path} is not a transcript JSON ({exc})",
                            hint="pass `callaudit transcribe --json` output or a call YAML") from None
    result = _classifier(taxonomy).classify([(s, redact_text(t)) for s, t in turns])
    if as_json:
        typer.echo(json.dumps(result.as_row(), ensure_ascii=False, indent=2))
        return
    typer.echo(f"{result.label} ({result.driver})  confianza {result.confidence:.2f}  [{result.method}]")
    if result.runner_up:
        typer.echo(f"  segunda opción: {result.runner_up}")
    if result.evidence:
        typer.echo("  evidencia: " + ", ".join(result.evidence))
    if result.needs_review:
        typer.echo("  confianza baja: conviene que un analista lo revise")


@topics_app.command("evaluate")
@user_errors
def evaluate_cmd(
    set_: str = typer.Option("dev", "--set", help="`train`, `dev`, `test`, a folder of call files with `driver:`, "
                             "or FOLDER:MARKS.yml."),
    taxonomy: Path = TAXONOMY_OPTION,
    mismatches: int = typer.Option(10, "--mismatches", help="List this many misclassified calls."),
) -> None:
    """Driver accuracy on a labelled set: accuracy and macro-F1 beside the majority-driver baseline,
    precision/recall per driver and the confusion matrix. Tune on `dev`; `test` is for reporting."""
    from callaudit.topics.evaluate import confusion_table, evaluate_drivers
    from callaudit.topics.sets import load_split

    clf = _classifier(taxonomy)
    calls = load_split(set_, clf.taxonomy.keys)
    ev = evaluate_drivers(calls, clf)
    typer.echo(f"{set_}: {ev.n} calls · taxonomy {clf.taxonomy.version}")
    trained_on = (clf.model.meta or {}).get("trained_on") or []
    if set_ in trained_on:
        typer.secho(f"note: the model was trained on {set_!r} — these figures are in-sample (optimistic); "
                    "`--set test` is the held-out figure", fg="yellow", err=True)
    typer.echo(f"accuracy {ev.accuracy:.3f} (always the most frequent driver: {ev.majority_accuracy:.3f}) · "
               f"macro-F1 {ev.macro_f1:.3f} · flagged for review {ev.review_rate:.0%}"
               + (f" · accuracy when not flagged {ev.accuracy_confident:.3f}" if ev.accuracy_confident is not None
                  else ""))
    if len(ev.by_source) > 1:
        for src, (n, acc, maj) in ev.by_source.items():
            typer.echo(f"  {_short(src)}: {n} calls, accuracy {acc:.3f} (most frequent driver {maj:.3f})")
    typer.echo("")
    typer.echo(f"{'driver':22} {'precision':>9} {'recall':>7} {'f1':>6} {'calls':>6}")
    for k in ev.drivers:
        p = ev.per_driver[k]
        if not p["support"] and not p["predicted"]:
            continue

        def f(v):
            return "—" if v is None else f"{v:.2f}"

        typer.echo(f"{k:22} {f(p['precision']):>9} {f(p['recall']):>7} {f(p['f1']):>6} {p['support']:>6}")
    typer.echo("")
    for row in confusion_table(ev):
        typer.echo(row)
    if ev.mistakes and mismatches:
        typer.echo("")
        typer.echo("misclassified:")
        for cid, truth, pred, conf in ev.mistakes[:mismatches]:
            typer.echo(f"  {cid}: {truth} -> {pred} ({conf:.2f})")


@topics_app.command("train")
@user_errors
def train_cmd(
    sets: str = typer.Option("train,dev", "--sets", help="Comma-separated labelled sets to train on (never `test`)."),
    taxonomy: Path = TAXONOMY_OPTION,
    out: Path = typer.Option(None, "--out", help="Where to write the model (default: the taxonomy's model file)."),
    c: float = typer.Option(None, "--c", help="Regularisation C (default: chosen by 5-fold cross-validation)."),
) -> None:
    """Train the driver model offline (scikit-learn) on redacted text and export it as numbers (JSON).

    The test split is refused: it is for reporting only."""
    from callaudit.topics.sets import load_split
    from callaudit.topics.taxonomy import load_taxonomy
    from callaudit.topics.train import train

    names = [s.strip() for s in sets.split(",") if s.strip()]
    if "test" in names:
        raise UserError("the test split is never trained on", hint="train on train,dev; report on test", exit_code=2)
    tax = load_taxonomy(taxonomy)
    calls = [k for s in names for k in load_split(s, tax.keys)]
    trained = train(calls, c=c, sets=names)
    target = out or tax.model_path
    target.write_text(trained.model.to_json(), encoding="utf-8")
    cv = ", ".join(f"C={k}: {v:.3f}" for k, v in trained.cv_accuracy.items())
    typer.echo(f"trained on {trained.n} calls ({', '.join(names)}); C={trained.c}"
               + (f" (cross-validated accuracy {cv})" if cv else ""))
    typer.echo(f"wrote {target} ({len(trained.model.vocabulary)} terms, {len(trained.model.classes)} drivers)")


@topics_app.command("discover")
@user_errors
def discover_cmd(
    set_: str = typer.Option(None, "--set", help="Cluster a labelled set instead of the lakehouse's calls."),
    clusters: int = typer.Option(None, "--clusters", "-k", help="Number of clusters (default: best silhouette)."),
    unclassified: bool = typer.Option(False, "--unclassified", help="Only calls whose driver is `otro` or "
                                      "flagged for review (where new drivers hide)."),
    out: Path = typer.Option(None, "--out", help="Also write the proposal YAML here."),
) -> None:
    """Propose new drivers: cluster the audited calls by what customers say, print each cluster's top terms,
    the drivers it was classified as and example calls, for a QA lead to name.

    Reads gold `twilio_transcriptions` and `call_topics` from the local lakehouse (run the pipeline first)."""
    from callaudit.topics.discover import DiscoveryDoc, discover, proposal_yaml

    if set_:
        from callaudit.topics.sets import load_split

        docs = [DiscoveryDoc(k.id, k.turns, k.driver) for k in load_split(set_)]
        source = f"set {set_}"
    else:
        docs = _lakehouse_docs()
        source = "lakehouse: twilio_transcriptions + call_topics"
    if unclassified:
        docs = [d for d in docs if d.driver in (None, "otro") or d.needs_review]
    try:
        found = discover(docs, clusters)
    except ValueError as exc:
        raise UserError(str(exc), hint="run more calls through the pipeline, or drop --unclassified") from None
    typer.echo(f"{len(found)} cluster(s) over {sum(c.size for c in found)} calls ({source})")
    for c in found:
        typer.echo("")
        typer.echo(f"cluster {c.index}: {c.size} calls · cohesion {c.cohesion:.2f}")
        typer.echo("  términos: " + ", ".join(c.terms))
        typer.echo("  clasificadas como: " + ", ".join(f"{k} {v}" for k, v in c.drivers.items()))
        for e in c.examples:
            typer.echo(f"  · {e['id']}: {e['says']}")
    if out:
        out.write_text(proposal_yaml(found, source), encoding="utf-8")
        typer.echo(f"\nproposal written to {out}: name the clusters worth a driver and add them to the taxonomy")


def _short(spec: str) -> str:
    folder = spec.split(":")[0]
    return folder.split("/evaluation/")[-1] if "/evaluation/" in folder else folder


def _lakehouse_docs():
    from callaudit.config import load_settings
    from callaudit.lakehouse.runtime import list_tables, local_session
    from callaudit.topics.discover import DiscoveryDoc

    settings = load_settings()
    tables = list_tables(settings)
    if "twilio_transcriptions" not in tables:
        raise UserError("no gold transcripts in the lakehouse", hint="run `callaudit demo` or `callaudit pipeline run`")
    spark = local_session(settings, app_name="callaudit-topics")
    rows = spark.sql(
        "SELECT t.call_sid, t.segments, c.driver, c.driver_needs_review FROM twilio_transcriptions t "
        + ("LEFT JOIN call_topics c ON c.recording_sid = t.recording_sid " if "call_topics" in tables
           else "LEFT JOIN (SELECT NULL AS recording_sid, NULL AS driver, NULL AS driver_needs_review) c ON false ")
        + "WHERE t.error IS NULL").collect()
    return [DiscoveryDoc(r.call_sid, [(s.speaker, s.text) for s in (r.segments or []) if s.text], r.driver,
                         bool(r.driver_needs_review)) for r in rows]


def register(app: typer.Typer) -> None:
    app.add_typer(topics_app, name="topics")
