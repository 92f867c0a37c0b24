"""``callaudit synth``: write the synthetic call centre the local Twilio emulator serves."""

from __future__ import annotations

from pathlib import Path

import typer

from callaudit.errors import user_errors

HELP = """Generate a synthetic Colombian call centre: Twilio calls, recordings, dual-channel audio and ground truth.

Writes DIR/manifest.json, calls.jsonl (parent + child legs, exactly as the Twilio API returns them),
recordings.jsonl, media/RE*.wav (8 kHz PCM16, channel 1 = parent leg, channel 2 = child leg), agents.csv and
labels/CA*.json (what was really said: protocol slots, forbidden words, sentiment, PII, timed turns).
The same --seed gives byte-identical files.

Example (about 40 s on 2 cores):

    callaudit synth --calls 50 --days 7 --seed 42 --out lakehouse/twilio_data

Metadata only, for ingest benchmarks:

    callaudit synth --calls 100000 --days 30 --no-audio --out /tmp/twilio_big

An analysts' evaluation set spoken as calls (then `callaudit ingest` and `callaudit pipeline run` audit them):

    callaudit synth --from-set evaluation/es_co/test --out lakehouse/twilio_data
"""


def register(app: typer.Typer) -> None:
    @app.command("synth", help=HELP)
    @user_errors
    def synth(
        calls: int = typer.Option(50, "--calls", "-n", min=1, help="Customer calls to generate (parent legs)."),
        days: int = typer.Option(7, "--days", "-d", min=1, help="Days the calls are spread over."),
        seed: int = typer.Option(42, "--seed", "-s", min=0, help="Random seed: same seed, same files."),
        out: Path = typer.Option(None, "--out", "-o",
                                 help="Output folder (default: $CALLAUDIT_HOME/twilio_data, i.e. lakehouse/twilio_data)."),
        audio: bool = typer.Option(True, "--audio/--no-audio",
                                   help="--no-audio: metadata only (no WAVs, no labels); fast for 100k calls."),
        start_date: str = typer.Option(None, "--start-date",
                                       help="First day of the window, YYYY-MM-DD (default: the window ends yesterday, UTC)."),
        workers: int = typer.Option(0, "--workers", min=0, help="Processes speaking audio (0 = up to 2)."),
        force: bool = typer.Option(False, "--force", help="Replace --out even if it was not written by synth."),
        from_set: Path = typer.Option(None, "--from-set",
                                      help="Speak an analysts' evaluation set (evaluation/FORMAT.md) instead of "
                                           "generated dialogues: one call per file, the analysts' marks as labels, "
                                           "reference transcripts in reference/."),
        quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    ) -> None:
        from rich.console import Console
        from rich.table import Table

        from callaudit.config import load_settings
        from callaudit_testkit.synth.generator import generate_call_centre

        out_dir = out if out is not None else load_settings().twilio_data
        if from_set is not None:
            from callaudit_testkit.synth.evalset import generate_from_set

            summary = generate_from_set(from_set, out_dir, seed=seed, start_date=start_date, progress=not quiet,
                                        workers=workers or None, overwrite=force)
        else:
            summary = generate_call_centre(out_dir, calls=calls, days=days, seed=seed, start_date=start_date,
                                           audio=audio, progress=not quiet, workers=workers or None,
                                           overwrite=force)
        table = Table(title="synthetic call centre", show_header=False, title_justify="left")
        table.add_column(style="bold")
        table.add_column()
        for key, value in summary.lines():
            table.add_row(key, value)
        Console(width=140).print(table)
