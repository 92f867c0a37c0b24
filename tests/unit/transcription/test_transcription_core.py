"""transcribe_recording without a model: bad files, channel expectations, silence, argument validation, CLI."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from typer.testing import CliRunner

from callaudit.transcript import Segment, Transcript
from callaudit.transcription import model_cache, transcribe_recording
from callaudit.transcription.audio import write_wav
from callaudit.transcription.core import weighted_confidence


def _silent_stereo(path, seconds=2.0):
    rng = np.random.default_rng(1)
    return write_wav(path, (1e-4 * rng.standard_normal((2, int(8000 * seconds)))).astype(np.float32), 8000)


def _tone(path, channels=1, seconds=1.0):
    t = np.arange(int(8000 * seconds)) / 8000
    x = (0.3 * np.sin(2 * np.pi * 300 * t)).astype(np.float32)
    return write_wav(path, np.stack([x] * channels) if channels > 1 else x, 8000)


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "is empty"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x02\x00\x40\x1f\x00\x00\x00\x7d\x00\x00\x04\x00"
         b"\x10\x00data\x00\xe8\x03\x00" + b"\x00" * 900, "truncated"),
        (b'{"code": 20003, "message": "Authenticate"}', "JSON"),
        (b"\x89PNG\r\n\x1a\n" + b"\x01" * 200, "not a WAV file"),
    ],
)
def test_bad_files_yield_a_transcript_with_an_error(tmp_path, content, needle):
    path = tmp_path / "RE1.wav"
    path.write_bytes(content)
    loads = model_cache.load_count()
    t = transcribe_recording(path, call_sid="CA1", recording_sid="RE1")
    assert isinstance(t, Transcript) and t.error and needle in t.error
    assert (t.call_sid, t.recording_sid, t.engine, t.segments, t.text) == ("CA1", "RE1", "whisper", [], "")
    assert t.processing_seconds is not None and t.processing_seconds >= 0
    assert model_cache.load_count() == loads  # a bad file does not even load the model
    json.loads(t.to_json())  # still serialisable for the silver table


def test_missing_file_is_an_error_not_an_exception(tmp_path):
    t = transcribe_recording(tmp_path / "nope.wav")
    assert t.error and "does not exist" in t.error


def test_mono_where_two_channels_were_expected(tmp_path):
    t = transcribe_recording(_tone(tmp_path / "mono.wav"), expected_channels=2)
    assert t.error and "expected a dual-channel (2 channels) recording but the file is mono" in t.error
    assert t.channels == 1 and t.duration_seconds == pytest.approx(1.0) and t.segments == []


def test_silent_call_invents_nothing_and_loads_no_model(tmp_path):
    loads = model_cache.load_count()
    t = transcribe_recording(_silent_stereo(tmp_path / "silent.wav"), recording_sid="RE2")
    assert t.error is None and t.segments == [] and t.text == "" and t.confidence is None
    assert (t.channels, t.agent_channel, t.duration_seconds) == (2, 2, pytest.approx(2.0))
    assert t.engine_version.startswith("faster-whisper 1.2.1 whisper-base int8 beam3")
    assert model_cache.load_count() == loads


def test_agent_channel_default_comes_from_configuration(tmp_path, monkeypatch):
    monkeypatch.setenv("CALLAUDIT_AGENT_CHANNEL", "1")
    assert transcribe_recording(_silent_stereo(tmp_path / "s.wav")).agent_channel == 1
    assert transcribe_recording(_silent_stereo(tmp_path / "s.wav"), agent_channel=2).agent_channel == 2


def test_upmixed_mono_is_treated_as_mono(tmp_path):
    rng = np.random.default_rng(2)
    x = (1e-4 * rng.standard_normal(8000)).astype(np.float32)
    t = transcribe_recording(write_wav(tmp_path / "dup.wav", np.stack([x, x]), 8000))
    assert t.channels == 2 and t.agent_channel is None and t.error is None


def test_invalid_arguments_raise(tmp_path):
    wav = _silent_stereo(tmp_path / "s.wav")
    with pytest.raises(ValueError, match="1 or 2"):
        transcribe_recording(wav, agent_channel=3)
    with pytest.raises(ValueError, match="unknown transcription engine"):
        transcribe_recording(wav, engine="google")
    with pytest.raises(ValueError, match="unknown transcription option"):
        transcribe_recording(wav, options={"beam": 2})
    with pytest.raises(ValueError, match="expected_channels"):
        transcribe_recording(wav, expected_channels=4)


def test_weighted_confidence_weights_by_duration():
    segs = [Segment("agent", 2, 0.0, 9.0, "a", 0.9), Segment("customer", 1, 9.0, 10.0, "b", 0.1),
            Segment("customer", 1, 10.0, 11.0, "c", None)]
    assert weighted_confidence(segs) == pytest.approx((0.9 * 9 + 0.1 * 1) / 10)
    assert weighted_confidence([]) is None


# ---- CLI (no model needed) -------------------------------------------------------------------------------------
runner = CliRunner()


def _flat(output: str) -> str:
    """CLI output without rich's boxes and line wrapping, for substring checks."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def _app():
    from callaudit.cli import app

    return app


def test_cli_help_teaches_with_an_example():
    result = runner.invoke(_app(), ["transcribe", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "callaudit transcribe" in result.output and "--agent-channel" in result.output


def test_cli_readable_error_for_a_non_audio_file(tmp_path):
    bad = tmp_path / "RE9.wav"
    bad.write_text("<html>502 Bad Gateway</html>")
    result = runner.invoke(_app(), ["transcribe", str(bad)])
    assert result.exit_code == 1
    assert "not a WAV file" in result.output and "HTML" in result.output and "Traceback" not in result.output


def test_cli_json_of_a_broken_file_still_prints_the_transcript(tmp_path):
    bad = tmp_path / "RE9.wav"
    bad.write_bytes(b"")
    result = runner.invoke(_app(), ["transcribe", str(bad), "--json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout[: result.stdout.rindex("}") + 1])
    assert payload["error"].endswith("the recording download probably failed")


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--agent-channel", "3"], "less than or equal to 2"),
        (["--engine", "google"], "unknown engine"),
        (["--model-dir", "."], "no model.bin"),
    ],
)
def test_cli_bad_usage_exits_2(tmp_path, args, needle):
    wav = _tone(tmp_path / "t.wav")
    result = runner.invoke(_app(), ["transcribe", str(wav), *args])
    assert result.exit_code == 2 and needle in _flat(result.output)


def test_cli_missing_file_exits_2(tmp_path):
    result = runner.invoke(_app(), ["transcribe", str(tmp_path / "none.wav")])
    assert result.exit_code == 2 and "does not exist" in _flat(result.output)


def test_cli_azure_without_credentials_says_where_to_put_them(tmp_path, monkeypatch):
    monkeypatch.delenv("AZURE_SPEECH_KEY", raising=False)
    result = runner.invoke(_app(), ["transcribe", str(_tone(tmp_path / "t.wav", channels=1)), "--engine", "azure"])
    assert result.exit_code == 1
    assert "AZURE_SPEECH_KEY is not set" in result.output and "Traceback" not in result.output


def test_cli_silent_call_prints_no_speech(tmp_path):
    result = runner.invoke(_app(), ["transcribe", str(_silent_stereo(tmp_path / "s.wav"))])
    assert result.exit_code == 0
    assert "(no speech found)" in result.output and "agent on channel 2" in result.output
    assert "redacted: nothing found" in result.output


def test_a_transcript_from_spark_to_json_without_its_null_fields_reads_back():
    """Spark's ``to_json`` drops null fields (a mono segment's channel, a missing sid): still a transcript."""
    import json

    from callaudit.transcript import Segment, Transcript, Word

    original = Transcript(recording_sid=None, call_sid="CA1", segments=[
        Segment("unknown", None, 0.0, 1.0, "hola", 0.9, [Word("hola", 0.0, 0.5, None)])])
    def drop_nulls(obj):
        if isinstance(obj, dict):
            return {k: drop_nulls(v) for k, v in obj.items() if v is not None}
        return [drop_nulls(v) for v in obj] if isinstance(obj, list) else obj

    as_spark_writes_it = json.dumps(drop_nulls(original.to_dict()))
    assert "channel" not in as_spark_writes_it and "recording_sid" not in as_spark_writes_it
    assert Transcript.from_json(as_spark_writes_it) == original


def test_hotwords_for_a_channel_follow_its_speaker():
    from callaudit.transcription.core import hotwords_for

    per_speaker = {"agent": ["qué pereza"], "customer": ["superintendencia"]}
    assert hotwords_for(per_speaker, "agent") == ["qué pereza"]
    assert hotwords_for(per_speaker, "customer") == ["superintendencia"]
    assert hotwords_for(per_speaker, "unknown") == ["qué pereza", "superintendencia"]  # a mono mix hears both
    assert hotwords_for(["a", "b"], "customer") == ["a", "b"]  # one shared list
    assert hotwords_for(None, "agent") is None and hotwords_for({"agent": []}, "agent") is None


def test_the_agents_own_name_leads_the_agent_channels_bias():
    from callaudit.transcription.core import with_agent_name

    per_speaker = {"agent": ["qué pereza"], "customer": ["superintendencia"]}
    biased = with_agent_name(per_speaker, "Leidy Johana Ríos")
    assert biased == {"agent": ["Leidy Johana Ríos", "qué pereza"], "customer": ["superintendencia"]}
    assert per_speaker["agent"] == ["qué pereza"]  # the shared settings are not modified
    assert with_agent_name(["a"], "Leidy") == ["a"] and with_agent_name(None, "Leidy") is None  # shared / none
    assert with_agent_name(per_speaker, None) is per_speaker
