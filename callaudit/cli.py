"""The ``callaudit`` command line.

Each component owns its commands in ``callaudit/<component>/cli.py`` with a ``register(app)`` function; this
module only assembles them, so the top-level ``--help`` lists everything and the components stay independent.
Another distribution adds commands through the ``callaudit.commands`` entry-point group (``name = "module:register"``):
that is how the test kit (``testkit/``: synthetic call centre, Twilio emulator, ``demo``, ``bench``) plugs in
without the product wheel containing or naming it.
Exit codes: 0 ok, 1 the work failed (the message says why and what to do), 2 bad usage.
"""

from __future__ import annotations

import importlib
import logging
import sys
from importlib.metadata import entry_points

import click
import typer

app = typer.Typer(
    name="callaudit",
    help=(
        "Automatic quality audits of contact-centre calls.\n\n"
        "Start with `callaudit demo`: it generates a synthetic Spanish call centre, serves it from a local Twilio "
        "emulator, ingests it, runs the bronze->silver->gold pipeline on Spark with Delta tables and prints the "
        "KPI summary. Then explore with `callaudit sql \"SELECT * FROM twilio_call_audits\"` and "
        "`callaudit report`."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
)

# Components that contribute commands. A component that is missing (not built yet) is skipped.
COMPONENTS = [
    "callaudit.twilio.cli",
    "callaudit.lakehouse.cli",
    "callaudit.transcription.cli",
    "callaudit.scoring.cli",
    "callaudit.report.cli",
    "callaudit.alerts.cli",
    "callaudit.quality.cli",
    "callaudit.review.cli",
    "callaudit.topics.cli",
    "callaudit.satisfaction.cli",
]


def _register_all() -> None:
    for name in COMPONENTS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == name or name.startswith(exc.name + ".")):
                continue  # component not present
            raise
        module.register(app)
    for ep in sorted(entry_points(group=COMMANDS_GROUP), key=lambda e: e.name):
        ep.load()(app)


COMMANDS_GROUP = "callaudit.commands"
_register_all()


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Show debug logs (secrets are never logged)."),
    home: str = typer.Option(None, "--home", envvar="CALLAUDIT_HOME", show_envvar=True,
                             help="Local lakehouse folder (default: ./lakehouse). In a Databricks job: a volume "
                                  "folder for state such as the alert digest."),
    catalog: str = typer.Option(None, "--catalog", envvar="CALLAUDIT_CATALOG", show_envvar=True,
                                help="Read gold tables from Unity Catalog (catalog.schema.table, in Databricks job tasks) "
                                     "instead of the local warehouse."),
    schema: str = typer.Option(None, "--schema", envvar="CALLAUDIT_SCHEMA", show_envvar=True,
                               help="Schema for --catalog."),
    secret_scope: str = typer.Option(None, "--secret-scope", envvar="CALLAUDIT_SECRET_SCOPE", show_envvar=True,
                                     help="Databricks secret scope to read credentials from in a workspace "
                                          "(default: twilio-secrets)."),
) -> None:
    import os

    for name, value in (("CALLAUDIT_HOME", home), ("CALLAUDIT_CATALOG", catalog), ("CALLAUDIT_SCHEMA", schema),
                        ("CALLAUDIT_SECRET_SCOPE", secret_scope)):
        if value:
            os.environ[name] = value
    if bool(catalog) != bool(schema):
        raise typer.BadParameter("--catalog and --schema go together")
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main() -> None:
    from callaudit.errors import UserError

    try:
        rc = app(standalone_mode=False)
        sys.exit(rc if isinstance(rc, int) else 0)
    except UserError as exc:
        typer.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:  # pragma: no cover
        typer.echo("aborted", err=True)
        sys.exit(1)
    except KeyboardInterrupt:  # pragma: no cover
        typer.echo("interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":  # pragma: no cover
    main()
