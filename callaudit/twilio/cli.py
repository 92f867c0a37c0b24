"""``callaudit ingest`` (the emulator's commands come with the test kit: ``callaudit_testkit.twilio.cli``)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from callaudit.errors import user_errors


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    webhooks = typer.Typer(help="Receive Twilio's status callbacks and land recordings as they complete.",
                           no_args_is_help=True)
    webhooks.command("serve")(webhooks_serve_command)
    app.add_typer(webhooks, name="webhooks")


@user_errors
def webhooks_serve_command(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on (0.0.0.0 behind a proxy or tunnel)."),
    port: int = typer.Option(8780, min=1, max=65535, help="Port to listen on."),
    public_url: str = typer.Option(None, envvar="CALLAUDIT_WEBHOOK_PUBLIC_URL",
                                   help="The URL Twilio calls, e.g. https://calls.example.co (the signature covers "
                                   "it; default: http:// and the request's Host header)."),
    base_url: str = typer.Option(None, envvar="TWILIO_API_BASE_URL",
                                 help="API base URL to fetch recordings from [default: Twilio]."),
) -> None:
    """Receive Twilio callbacks and land each completed recording (call legs, audio, manifest) at once.

    Point the recording's RecordingStatusCallback at /twilio/recording-status and the call's StatusCallback at
    /twilio/call-status. Every request must carry a valid X-Twilio-Signature for TWILIO_AUTH_TOKEN (403
    otherwise); a replayed callback lands nothing new. Run `callaudit pipeline run --watch` beside it to audit
    what lands. Examples:

        callaudit webhooks serve --port 8780

        callaudit webhooks serve --host 0.0.0.0 --public-url https://calls.example.co
    """
    from callaudit.config import load_settings
    from callaudit.twilio.webhooks import CALL_ROUTE, RECORDING_ROUTE, create_server

    settings = load_settings()
    server = create_server(settings, host, port, public_url=public_url, base_url=base_url)
    typer.echo(f"listening on {server.url}{RECORDING_ROUTE} and {server.url}{CALL_ROUTE} "
               f"(landing into {settings.landing}); Ctrl-C stops")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo("stopping")
    finally:
        server.drain(timeout=30)
        server.server_close()


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
