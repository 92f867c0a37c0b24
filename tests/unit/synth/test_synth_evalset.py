"""`callaudit synth --from-set`: an analysts' evaluation set spoken as a call centre the emulator can serve."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from callaudit.cli import app
from callaudit.scoring.evalset import load_set
from callaudit.transcript import Transcript
from callaudit.transcription.audio import read_wav

SET = Path(__file__).resolve().parents[3] / "evaluation" / "es_co" / "dev"


@pytest.fixture(scope="module")
def spoken(tmp_path_factory) -> tuple[Path, Path]:
    """Three calls of the dev split (one outbound when there is one) spoken once for this module."""
    calls = load_set(SET)
    outbound = [c for c in calls if c.direction == "outbound"][:1]
    chosen = (outbound + [c for c in calls if c.direction == "inbound"])[:3]
    src = tmp_path_factory.mktemp("set")
    for c in chosen:
        (src / c.path.name).write_text(c.path.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path_factory.mktemp("spoken") / "twilio_data"
    result = CliRunner().invoke(app, ["synth", "--from-set", str(src), "--out", str(out), "--quiet",
                                      "--start-date", "2026-11-02"])
    assert result.exit_code == 0, result.output
    return src, out


def test_every_call_gets_a_dual_channel_recording_resources_and_the_analysts_marks(spoken):
    src, out = spoken
    calls = {c.id: c for c in load_set(src)}
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "labels").glob("*.json"))]
    assert len(labels) == len(calls)
    recordings = [json.loads(line) for line in (out / "recordings.jsonl").read_text().splitlines()]
    legs = [json.loads(line) for line in (out / "calls.jsonl").read_text().splitlines()]
    assert len(recordings) == len(calls) and len(legs) == 2 * len(calls)
    for label in labels:
        call = calls[label["eval_id"]]
        assert label["expected"]["greeting"] == call.labels["greeting"]
        assert label["expected"]["forbidden_words"] == call.labels["forbidden_words"]
        assert [t["text"] for t in label["turns"]] == [t.text for t in call.turns]
        audio = read_wav(out / "media" / f"{label['recording_sid']}.wav")
        assert audio.channels == 2 and abs(audio.duration - label["duration_seconds"]) < 1.0
        parent = next(c for c in legs if c["sid"] == label["call_sid"])
        assert parent["direction"] == ("inbound" if call.direction == "inbound" else "outbound-api")


def test_the_directory_holds_the_sets_agents(spoken):
    src, out = spoken
    with open(out / "agents.csv", newline="", encoding="utf-8") as f:
        directory = {row["identity"]: row for row in csv.DictReader(f)}
    for call in load_set(src):
        assert directory[call.agent_identity]["name"] == call.agent_name
    legs = [json.loads(line) for line in (out / "calls.jsonl").read_text().splitlines()]
    client_legs = {leg[k] for leg in legs for k in ("to", "from") if leg[k].startswith("client:")}
    assert client_legs == {f"client:{identity}" for identity in directory}


def test_reference_transcripts_match_the_labelled_turns(spoken):
    _, out = spoken
    for p in (out / "labels").glob("*.json"):
        label = json.loads(p.read_text(encoding="utf-8"))
        ref = Transcript.from_json((out / "reference" / f"{label['recording_sid']}.json").read_text())
        assert ref.recording_sid == label["recording_sid"] and ref.engine == "reference"
        assert [(s.speaker, s.start, s.text) for s in ref.segments] == [
            (t["speaker"], t["start"], t["text"]) for t in label["turns"]]
        agent_channels = {s.channel for s in ref.segments if s.speaker == "agent"}
        assert agent_channels == {label["agent_channel"]}


def test_the_reference_engine_returns_the_known_text(spoken):
    from callaudit.transcription.core import transcribe_recording

    _, out = spoken
    label = json.loads(next((out / "labels").glob("*.json")).read_text(encoding="utf-8"))
    t = transcribe_recording(out / "media" / f"{label['recording_sid']}.wav", recording_sid=label["recording_sid"],
                             engine="reference", options={"reference_dir": str(out / "reference")})
    assert t.error is None and t.engine == "reference"
    assert [s.text for s in t.segments] == [x["text"] for x in label["turns"]]
    missing = transcribe_recording(out / "media" / f"{label['recording_sid']}.wav", recording_sid="RE" + "0" * 32,
                                   engine="reference", options={"reference_dir": str(out)})
    assert missing.error and "no reference transcript" in missing.error
