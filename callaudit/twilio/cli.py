"""``callaudit ingest`` (the emulator's commands come with the test kit: ``callaudit_testkit.twilio.cli``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from callaudit.errors import user_errors


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)


@user_errors
def ingest_command(
    since: str = typer.Option(None, help="Backfill from this UTC day (YYYY-MM-DD) instead of the high-water mark."),
    until: str = typer.Option(None, help="Up to and including this UTC day (YYYY-MM-DD)."),
    landing: Path = typer.Option(None, help="Landing zone [default: $CALLAUDIT_HOME/landing]."),
    agents: Path = typer.Option(
        None, help="Agent directory CSV to copy to landing/reference/ [default with the emulator: "
        "$CALLAUDIT_HOME/twilio_data/agents.csv]."),
    media: bool = typer.Option(True, "--media/--no-media", help="Download recording media."),
    overlap_days: int = typer.Option(None, min=0, help="Days re-read before the high-water mark [default: 2]."),
    base_url: str = typer.Option(None, envvar="TWILIO_API_BASE_URL",
                                 help="API base URL, e.g. the emulator's http://127.0.0.1:8765 [default: Twilio]."),
    workers: int = typer.Option(4, min=1, max=16, help="Parallel media downloads."),
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Land new and changed Twilio calls, recordings and media in the landing zone (incremental, idempotent).

    Credentials come from TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (environment or .env). Examples:

        TWILIO_API_BASE_URL=http://127.0.0.1:8765 callaudit ingest

        callaudit ingest --since 2024-05-01 --until 2024-05-03 --landing /tmp/landing
    """
    from callaudit.config import load_settings
    from callaudit.twilio.ingest import run_ingest

    settings = load_settings()
    summary = run_ingest(
        settings,
        since=since,
        until=until,
        landing=landing,
        base_url=base_url,
        agents_file=agents if agents is not None else "auto",
        download_media=media,
        overlap_days=overlap_days,
        media_workers=workers,
        progress=not as_json,
    )
    if as_json:
        typer.echo(json.dumps(summary.as_dict(), indent=2))
    else:
        for line in summary.lines():
            typer.echo(line)
