"""Shared fixtures: a small Twilio-shaped call centre served by a real emulator on an ephemeral port."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from callaudit_testkit.twilio.emulator import serve_emulator
from callaudit_testkit.twilio.fixtures import make_call_centre, read_jsonl

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN, Settings
from callaudit.secrets import Secret
from callaudit.twilio.client import build_client


@pytest.fixture(autouse=True)
def _isolated_twilio_env(monkeypatch):
    """A developer's real Twilio settings (or .env) must not leak into these tests."""
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL", "TWILIO_EDGE", "TWILIO_REGION",
                 "CALLAUDIT_EMULATOR_FAULTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("_CALLAUDIT_DOTENV_LOADED", "1")


@pytest.fixture(scope="module")
def call_centre(tmp_path_factory) -> Path:
    """24 conversations over 5 days: ~45 call legs, ~16 recordings (dual and mono), tone WAVs."""
    data_dir = tmp_path_factory.mktemp("twilio_data")
    make_call_centre(data_dir, conversations=24, days=5)
    return data_dir


@pytest.fixture(scope="module")
def fixture_calls(call_centre) -> list[dict]:
    return read_jsonl(call_centre / "calls.jsonl")


@pytest.fixture(scope="module")
def fixture_recordings(call_centre) -> list[dict]:
    return read_jsonl(call_centre / "recordings.jsonl")


@pytest.fixture(scope="module")
def shared_emulator(call_centre):
    handle = serve_emulator(call_centre, account_sid=EMULATOR_ACCOUNT_SID, auth_token=EMULATOR_AUTH_TOKEN)
    yield handle
    handle.stop()


@pytest.fixture
def emulator(shared_emulator):
    """The module's emulator with no faults and fresh counters."""
    shared_emulator.set_faults(None)
    yield shared_emulator
    shared_emulator.set_faults(None)


@pytest.fixture
def twilio_client(emulator):
    client, _ = build_client(EMULATOR_ACCOUNT_SID, Secret("TWILIO_AUTH_TOKEN", EMULATOR_AUTH_TOKEN), emulator.url,
                             timeout=10)
    return client


def _landed_records(landing: Path, kind: str, run_id: str | None = None) -> list[dict]:
    """Every record of every landed page of ``kind`` (``calls`` / ``recordings``), repeats included."""
    pattern = f"{kind}-{run_id}-p*.json" if run_id else f"{kind}-*.json"
    records = []
    for page in sorted((landing / kind).glob(pattern)):
        records.extend(json.loads(page.read_bytes())[kind])
    return records


@pytest.fixture
def landed_records():
    return _landed_records


@pytest.fixture
def local_settings():
    def make(home: Path, base_url: str | None) -> Settings:
        return Settings(home=home, cache=home / "cache", twilio_api_base_url=base_url)

    return make
