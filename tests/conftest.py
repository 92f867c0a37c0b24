"""Shared test fixtures.

- Unit tests (tests/unit) need no JVM.
- Spark tests share ONE local SparkSession per test session (Spark on 2 cores takes ~10 s to start).
- Pipeline tests run the real ``spark-pipelines`` in a subprocess, each in its own CALLAUDIT_HOME, and read the
  resulting Delta tables through the shared session by path.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

# Tests never touch the user's lakehouse/ or real services by accident.
os.environ.setdefault("CALLAUDIT_DOTENV", str(ROOT / "tests" / "data" / "no.env"))
for _var in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "AZURE_SPEECH_KEY", "AZURE_SPEECH_REGION",
             "TWILIO_API_BASE_URL", "TWILIO_EDGE", "TWILIO_REGION"):
    os.environ.pop(_var, None)
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="session")
def session_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("callaudit_home")


@pytest.fixture(scope="session")
def spark(session_home):
    """The one shared local SparkSession (Delta enabled, in-memory catalog)."""
    from callaudit.config import Settings
    from callaudit.lakehouse.runtime import local_session

    settings = Settings(home=session_home, cache=ROOT / ".cache", spark_master="local[2]")
    session = local_session(settings, app_name="callaudit-tests", register=False)
    yield session
    session.stop()


@pytest.fixture
def home(tmp_path, monkeypatch) -> Path:
    """A fresh CALLAUDIT_HOME for one test."""
    monkeypatch.setenv("CALLAUDIT_HOME", str(tmp_path / "home"))
    return tmp_path / "home"
