"""Fixtures for the synthetic call centre tests.

One small call centre with real audio is generated once per test session (a dozen calls, about 20 s on 2 cores)
and shared by the WAV / label / resource tests; the determinism tests make their own tiny ones.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

SEED = 2024
START = "2024-05-06"  # a Monday


@pytest.fixture(scope="session")
def synth_dir(tmp_path_factory) -> Path:
    from callaudit_testkit.synth import generate_call_centre

    out = tmp_path_factory.mktemp("synth") / "twilio_data"
    generate_call_centre(out, calls=16, days=3, seed=SEED, start_date=START, progress=False, workers=2)
    return out


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def calls(synth_dir) -> list[dict]:
    return read_jsonl(synth_dir / "calls.jsonl")


@pytest.fixture(scope="session")
def recordings(synth_dir) -> list[dict]:
    return read_jsonl(synth_dir / "recordings.jsonl")


@pytest.fixture(scope="session")
def labels(synth_dir) -> list[dict]:
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted((synth_dir / "labels").glob("CA*.json"))]


@pytest.fixture(scope="session")
def agents(synth_dir) -> list[dict]:
    with open(synth_dir / "agents.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))
