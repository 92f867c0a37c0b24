"""``callaudit emulator serve|fixtures``: the local Twilio API emulator (part of the test kit, not the product)."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import typer

from callaudit.errors import UserError, user_errors


def register(app: typer.Typer) -> None:
    emulator = typer.Typer(
        help="The local Twilio API emulator (Calls, Recordings, media) that ingest talks to when "
        "TWILIO_API_BASE_URL points at it.",
        no_args_is_help=True,
    )
    emulator.command("serve")(serve_command)
    emulator.command("fixtures")(fixtures_command)
    app.add_typer(emulator, name="emulator")


@user_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8765, help="Port to listen on (0 = any free port)."),
    data: Path = typer.Option(None, "--data", help="twilio_data dir to serve [default: $CALLAUDIT_HOME/twilio_data]."),
    faults: str = typer.Option(
        "", "--faults", envvar="CALLAUDIT_EMULATOR_FAULTS",
        help="Fault plan, e.g. 'rate=0.2,kinds=429+503+cut+slow,seed=3' or 'schedule=3:503;7:cut' or "
        "'fail_from=40'. Also settable at runtime: POST /_emulator/faults (JSON), GET /_emulator/stats.",
    ),
) -> None:
    """Serve a twilio_data dir as Twilio's 2010-04-01 REST API, until Ctrl-C.

    Credentials are TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN (environment or .env), else the built-in local
    ones. Example:

        callaudit emulator serve --port 8765 --data lakehouse/twilio_data --faults 'rate=0.1,seed=1'

        TWILIO_API_BASE_URL=http://127.0.0.1:8765 callaudit ingest
    """
    from callaudit.config import load_settings
    from callaudit_testkit.twilio.emulator import create_server
    from callaudit_testkit.twilio.faults import FaultPlanError

    data_dir = data or load_settings().twilio_data
    try:
        server = create_server(data_dir, host, port, faults or None, None, None)
    except FaultPlanError as exc:
        raise UserError(f"bad --faults: {exc}", hint="e.g. --faults 'rate=0.2,kinds=429+503,seed=1'") from None
    typer.echo(f"Twilio emulator on {server.base_url} serving {data_dir} "
               f"({len(server.data.calls)} calls, {len(server.data.recordings)} recordings)")
    typer.echo(f"account {server.account_sid}; point ingest at it with TWILIO_API_BASE_URL={server.base_url}")
    if faults:
        typer.echo(f"faults: {faults}")
    stop = threading.Event()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.shutdown()
        server.server_close()
        stats = server.injector.stats()
        typer.echo(f"stopped after {stats['requests']} requests ({stats['faulted']} faulted)")


@user_errors
def fixtures_command(
    out: Path = typer.Option(..., "--out", help="Directory to write (calls.jsonl, recordings.jsonl, media/, agents.csv)."),
    conversations: int = typer.Option(24, help="Customer conversations (each 1-2 call legs), with tone WAVs."),
    bulk_calls: int = typer.Option(0, "--bulk-calls", help="Instead: exactly N calls of metadata, no media (benchmarks)."),
    seed: int = typer.Option(7, help="Random seed (same seed, same data)."),
) -> None:
    """Write a small Twilio-shaped data dir for the emulator (not the Spanish synthetic call centre: that is
    `callaudit synth`). Example:

        callaudit emulator fixtures --out /tmp/twilio_data --conversations 40
    """
    from callaudit_testkit.twilio.fixtures import make_bulk_call_centre, make_call_centre

    if bulk_calls < 0 or conversations < 1:
        raise UserError("--conversations must be at least 1 and --bulk-calls not negative")
    summary = (make_bulk_call_centre(out, bulk_calls, seed=seed) if bulk_calls
               else make_call_centre(out, conversations, seed=seed))
    typer.echo(f"wrote {summary.calls} calls, {summary.recordings} recordings, {summary.media_files} media files "
               f"to {out}")
