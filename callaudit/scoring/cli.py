"""``callaudit score`` and ``callaudit scorecard ...``: audit one transcript, validate and evaluate scorecards."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from callaudit.errors import UserError, user_errors

scorecard_app = typer.Typer(
    help=(
        "Validate a scorecard, list its ASR hotwords, and measure it against ground-truth labels.\n\n"
        "Example: `callaudit scorecard check scorecards/callaudit_v2.yml`"
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

SCORECARD_OPTION = typer.Option(
    None, "--scorecard", "-s", help="Scorecard YAML (default: scorecards/callaudit_v2.yml).", show_default=False
)


def _read_transcript(path: str):
    from callaudit.transcript import Transcript

    if path == "-":
        text = sys.stdin.read()
        where = "standard input"
    else:
        p = Path(path)
        if not p.is_file():
            raise UserError(f"transcript not found: {p}", hint="pass the JSON that `callaudit transcribe --json` prints")
        text = p.read_text(encoding="utf-8")
        where = str(p)
    try:
        return Transcript.from_json(text)
    except (ValueError, TypeError) as exc:
        raise UserError(
            f"{where} is not a transcript JSON: {exc}",
            hint="it must be the output of `callaudit transcribe --json` (Transcript.to_json())",
        ) from None


@user_errors
def score(
    transcript: str = typer.Argument(..., help="Transcript JSON file (`callaudit transcribe --json` output), or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the audit as JSON (evidence included)."),
    scorecard: Path = SCORECARD_OPTION,
    duration: float = typer.Option(None, "--duration", help="Call duration in seconds (default: the transcript's)."),
    agent_name: str = typer.Option(None, "--agent-name", help="The agent's name (agent directory): hearing it "
                                   "counts as identification."),
) -> None:
    """Audit one call transcript against the scorecard: criteria with evidence, forbidden words, sentiment,
    score, category and manual-review reasons.

    Example:

        callaudit transcribe RE0123.wav --json > RE0123.json

        callaudit score RE0123.json

        callaudit score RE0123.json --json | jq .quality_score
    """
    from callaudit.scoring.audit import score_transcript
    from callaudit.scoring.scorecard import load_scorecard

    card = load_scorecard(scorecard)
    audit = score_transcript(_read_transcript(transcript), card, call_duration=duration, agent_name=agent_name)
    if as_json:
        typer.echo(json.dumps(audit.to_dict(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console

    from callaudit.scoring.render import render_audit

    render_audit(audit, Console())


@scorecard_app.command("check")
@user_errors
def check(
    file: Path = typer.Argument(None, help="Scorecard YAML (default: scorecards/callaudit_v2.yml).", show_default=False),
) -> None:
    """Validate a scorecard and print a summary; problems are listed as FILE:LINE: what is wrong.

    Example: `callaudit scorecard check scorecards/callaudit_v2.yml`
    """
    from rich.console import Console
    from rich.table import Table

    from callaudit.scoring.scorecard import load_scorecard

    card = load_scorecard(file)
    console = Console()
    console.print(f"[green]✓[/green] {card.path}: scorecard [bold]{card.version}[/bold] is valid — {card.title}")
    t = Table(title="Componentes del puntaje (suman 100)")
    for col in ("componente", "peso", "hablante", "ventana", "frases", "N/A si"):
        t.add_column(col)
    for key, c in card.criteria.items():
        na = []
        if c.na_call_shorter_than is not None:
            na.append(f"llamada < {c.na_call_shorter_than:g} s")
        if c.na_no_agent_speech:
            na.append("sin voz del agente")
        t.add_row(key, f"{c.weight:g}", c.speaker, c.window.describe(), str(len(c.phrases)), ", ".join(na))
    f = card.forbidden
    t.add_row("forbidden_words", f"{f.weight:g}", f.speaker, "toda la llamada",
              f"{len(f.expressions)} expresiones", "")
    t.add_row("customer_sentiment", f"{card.sentiment.weight:g}", "customer", "toda la llamada", "léxico", "sin voz del cliente")
    console.print(t)
    cats = ", ".join(f"{c.name} ≥ {c.min_score:g}" for c in card.categories)
    console.print(f"Categorías: {cats}; sin evaluar: {card.unscored_category}")
    critical = [k for k, c in card.criteria.items() if c.critical] + (["forbidden_words"] if f.critical else [])
    if critical:
        console.print(f"Errores críticos (→ {card.critical_category}): {', '.join(critical)}")
    for rule in card.category_rules:
        cond = f"{rule.when} ≥ {rule.at_least}" if rule.at_least is not None else rule.when
        console.print(f"Regla de categoría: si {cond} → máximo {rule.at_most}" + (f" ({rule.reason})" if rule.reason else ""))
    if card.sections:
        console.print("Secciones: " + ", ".join(f"{s.label} ({card.section_weight(s.key):g})" for s in card.sections))
    console.print(f"sha256 {card.checksum}  ·  modo de frases: {card.mode}")
    console.print(f"Hotwords para ASR: {len(card.hotwords('agent'))} (agente), {len(card.hotwords('customer'))} (cliente)")


@scorecard_app.command("hotwords")
@user_errors
def hotwords(
    speaker: str = typer.Option(None, "--speaker", help="agent or customer (default: both)."),
    scorecard: Path = SCORECARD_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list."),
    max_chars: int = typer.Option(300, "--max-chars", min=0, help="Length budget of the joined list (0 = all; "
                                  "Whisper fails on ~450+ tokens of prompt)."),
) -> None:
    """Phrases to bias the recogniser with (faster-whisper `hotwords=`), one per line.

    Name introductions ("mi nombre es …") are left out: they make Whisper drop the name.
    Example: `callaudit scorecard hotwords --speaker agent`
    """
    from callaudit.scoring.scorecard import load_scorecard

    if speaker not in (None, "agent", "customer"):
        raise UserError(f"--speaker must be agent or customer, got {speaker!r}")
    words = load_scorecard(scorecard).hotwords(speaker, max_chars=max_chars or None)
    typer.echo(json.dumps(words, ensure_ascii=False) if as_json else "\n".join(words))


@scorecard_app.command("evaluate")
@user_errors
def evaluate_cmd(
    labels: Path = typer.Option(None, "--labels", help="Directory of ground-truth labels (twilio_data/labels)."),
    transcripts: Path = typer.Option(None, "--transcripts",
                                     help="Directory of transcript JSON files (RE….json or CA….json)."),
    eval_set: Path = typer.Option(None, "--set", help="An analysts' evaluation set (evaluation/FORMAT.md), scored "
                                  "on its reference transcripts, e.g. evaluation/es_co/dev."),
    scorecard: Path = SCORECARD_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print the metrics as JSON."),
    out: Path = typer.Option(None, "--out", help="Also write the JSON report to this file."),
    mismatches: int = typer.Option(10, "--mismatches", help="How many disagreeing calls to list."),
) -> None:
    """Compare audits with ground truth: P/R/F1 of both classes per criterion (a missed step is what QA acts
    on), forbidden words per call and per expression, sentiment accuracy, category confusion matrix.

    Tune a scorecard on an evaluation set's dev split, and report its test split — never tune on the split you
    report (`callaudit bench --only accuracy` measures the test split through the whole pipeline).

    Examples:

        callaudit scorecard evaluate --set evaluation/es_co/dev

        callaudit scorecard evaluate --set evaluation/es_co/dev --scorecard my_draft.yml --mismatches 30

        callaudit scorecard samples --out /tmp/eval --calls 50 --garble 0.3

        callaudit scorecard evaluate --labels /tmp/eval/labels --transcripts /tmp/eval/transcripts
    """
    from rich.console import Console

    from callaudit.scoring.evaluate import evaluate_dirs, evaluate_set, render
    from callaudit.scoring.scorecard import load_scorecard

    card = load_scorecard(scorecard)
    if eval_set is not None:
        if labels or transcripts:
            raise UserError("use either --set or --labels/--transcripts, not both")
        ev = evaluate_set(eval_set, card)
    elif labels and transcripts:
        ev = evaluate_dirs(labels, transcripts, card)
    else:
        raise UserError("nothing to evaluate", hint="pass --set DIR (an evaluation set) or --labels DIR "
                        "--transcripts DIR", exit_code=2)
    report = ev.to_dict()
    if out:
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        render(ev, Console(), max_mismatches=mismatches)
    if ev.calls == 0:
        raise UserError("no labelled call had a transcript", hint="transcripts must be named by recording or call sid")


@scorecard_app.command("samples")
@user_errors
def samples_cmd(
    out: Path = typer.Option(..., "--out", help="Directory to write labels/ and transcripts/ into."),
    calls: int = typer.Option(50, "--calls", min=1, help="How many calls."),
    garble: float = typer.Option(0.0, "--garble", min=0.0, max=1.0, help="ASR-like damage (0 = perfect text)."),
    seed: int = typer.Option(0, "--seed"),
    mono: bool = typer.Option(False, "--mono", help="Mono transcripts (speaker unknown)."),
) -> None:
    """Write synthetic ground-truth labels and their transcripts (perfect or garbled) to try `evaluate`.

    Example: `callaudit scorecard samples --out /tmp/eval --calls 50 --garble 0.3`
    """
    from callaudit.scoring.samples import synthetic_label, transcript_from_label

    (out / "labels").mkdir(parents=True, exist_ok=True)
    (out / "transcripts").mkdir(parents=True, exist_ok=True)
    for i in range(calls):
        label = synthetic_label(i, seed=seed)
        (out / "labels" / f"{label['call_sid']}.json").write_text(json.dumps(label, ensure_ascii=False, indent=1))
        t = transcript_from_label(label, garble=garble, seed=seed + i, mono=mono)
        (out / "transcripts" / f"{label['recording_sid']}.json").write_text(t.to_json(indent=1))
    typer.echo(f"wrote {calls} labels to {out / 'labels'} and transcripts to {out / 'transcripts'}")


def register(app: typer.Typer) -> None:
    app.command("score")(score)
    app.add_typer(scorecard_app, name="scorecard")
