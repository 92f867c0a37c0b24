"""Where things live and how the product is configured.

One place for paths and settings, so every component (CLI, ingest, pipeline runner, tests) agrees on them.
Everything local lives under one folder, ``CALLAUDIT_HOME`` (default: ``<repo>/lakehouse``):

    lakehouse/
      twilio_data/      the synthetic call centre the local Twilio emulator serves (synth output)
      landing/          what ingest lands: raw Twilio pages, media, agent directory, ingest state
      warehouse/        Delta tables (callaudit.db/<table>)
      metastore_db/     the persistent local Hive metastore (embedded Derby)
      pipeline_storage/ spark-pipelines checkpoints
      conf/             generated SPARK_CONF_DIR (spark-defaults.conf, hive-site.xml, log4j2)
      logs/             pipeline run logs
      state/            alert digest state, validation results

Downloaded artefacts that survive ``make clean`` (Delta jars, the assembled Whisper model) live in
``CALLAUDIT_CACHE`` (default: ``<repo>/.cache``).

Secrets never live here: see :mod:`callaudit.secrets`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DATABASE = "callaudit"

# Local defaults for the embedded Twilio emulator. They are not secrets of any real account: the emulator
# accepts them when no TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN is configured.
EMULATOR_ACCOUNT_SID = "AC" + "0c" * 16
EMULATOR_AUTH_TOKEN = "local-emulator-token"
EMULATOR_HOST = "127.0.0.1"
EMULATOR_PORT = 8765


def _load_dotenv_once() -> None:
    """Read ``<repo>/.env`` (or ``$CALLAUDIT_DOTENV``) into the environment without overriding it."""
    if os.environ.get("_CALLAUDIT_DOTENV_LOADED"):
        return
    os.environ["_CALLAUDIT_DOTENV_LOADED"] = "1"
    path = Path(os.environ.get("CALLAUDIT_DOTENV", PROJECT_ROOT / ".env"))
    if path.is_file():
        from dotenv import load_dotenv

        load_dotenv(path, override=False)


def _path_from_env(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Resolved local settings. Build with :func:`load_settings`; override with environment variables."""

    home: Path
    cache: Path
    twilio_api_base_url: str | None = None
    transcription_engine: str = "whisper"
    agent_channel: int | None = None
    scorecard_path: Path = field(default_factory=lambda: PROJECT_ROOT / "scorecards" / "callaudit_v2.yml")
    spark_master: str = "local[2]"

    # ---- derived locations -------------------------------------------------------------------------------
    @property
    def twilio_data(self) -> Path:
        return self.home / "twilio_data"

    @property
    def landing(self) -> Path:
        return self.home / "landing"

    @property
    def warehouse(self) -> Path:
        return self.home / "warehouse"

    @property
    def metastore(self) -> Path:
        return self.home / "metastore_db"

    @property
    def pipeline_storage(self) -> Path:
        return self.home / "pipeline_storage"

    @property
    def spark_conf_dir(self) -> Path:
        return self.home / "conf"

    @property
    def logs(self) -> Path:
        return self.home / "logs"

    @property
    def state(self) -> Path:
        return self.home / "state"

    @property
    def jars_dir(self) -> Path:
        return self.cache / "jars"

    @property
    def model_cache(self) -> Path:
        return self.cache / "models"

    def table_path(self, table: str) -> Path:
        """Filesystem location of a local Delta table written by the pipeline."""
        return self.warehouse / f"{DATABASE}.db" / table


def load_settings() -> Settings:
    """Settings from the environment (and ``.env``), with local defaults."""
    _load_dotenv_once()
    home = _path_from_env("CALLAUDIT_HOME", PROJECT_ROOT / "lakehouse")
    cache = _path_from_env("CALLAUDIT_CACHE", PROJECT_ROOT / ".cache")
    agent_channel = os.environ.get("CALLAUDIT_AGENT_CHANNEL")
    scorecard = os.environ.get("CALLAUDIT_SCORECARD")
    kwargs = {}
    if scorecard:
        kwargs["scorecard_path"] = Path(scorecard).expanduser().resolve()
    return Settings(
        home=home,
        cache=cache,
        twilio_api_base_url=os.environ.get("TWILIO_API_BASE_URL") or None,
        transcription_engine=os.environ.get("CALLAUDIT_TRANSCRIPTION_ENGINE", "whisper"),
        agent_channel=int(agent_channel) if agent_channel else None,
        spark_master=os.environ.get("CALLAUDIT_SPARK_MASTER", "local[2]"),
        **kwargs,
    )
