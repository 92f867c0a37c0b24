"""Azure Speech engine, offline: result parsing, SDK configuration, cancellation mapping, and the real SDK driven
end to end against a local fake of the service (see conftest.py for what that does and does not prove)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pytest

from callaudit.transcription import redact_transcript, transcribe_recording
from callaudit.transcription.audio import write_wav
from callaudit.transcription.azure_engine import AzureEngine, describe_cancellation, parse_detailed_result
from callaudit.transcription.engine import EngineError
from callaudit.transcription.options import TranscriptionOptions

DATA = json.loads((Path(__file__).parent / "data" / "azure_detailed_results.json").read_text())
KEY = "k3y" + "9" * 29  # a fake subscription key; must never appear in errors or logs


# ---- pure parsing ----------------------------------------------------------------------------------------------
def test_parse_detailed_result_ticks_confidence_words():
    seg = parse_detailed_result(json.dumps(DATA["agent_greeting"]))
    assert seg.text == "Buenos días, habla con Andrea. ¿En qué le puedo colaborar?"
    assert seg.start == 0.4 and seg.end == pytest.approx(3.52)  # 4,000,000 + 31,200,000 ticks of 100 ns
    assert seg.confidence == pytest.approx(0.931)  # NBest[0], not the second alternative
    assert [w.word for w in seg.words][:3] == ["buenos", "días", "habla"]
    assert (seg.words[1].start, seg.words[1].end) == (0.73, pytest.approx(1.12))
    assert seg.words[-1].end == pytest.approx(3.52)
    assert all(w.probability is None for w in seg.words)  # detailed Words carry no per-word confidence


def test_parse_skips_no_match_and_timeouts_and_keeps_speaker_id():
    assert parse_detailed_result(DATA["no_match"]) is None
    assert parse_detailed_result(DATA["initial_silence_timeout"]) is None
    guest = parse_detailed_result(DATA["diarized_guest"])
    assert guest.speaker_hint == "Guest-2" and guest.start == 1.5 and guest.end == 2.4
    empty = dict(DATA["agent_greeting"], DisplayText="", NBest=[])
    assert parse_detailed_result(empty) is None


# ---- cancellation mapping ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("code", "needle", "retryable"),
    [
        ("AuthenticationFailure", "rejected the credentials", False),
        ("Forbidden", "quota", False),
        ("TooManyRequests", "throttled", True),
        ("ConnectionFailure", "could not connect", True),
        ("ServiceTimeout", "timed out", True),
        ("ServiceUnavailable", "unavailable", True),
        ("BadRequest", "unsupported audio format", False),
        ("ServiceError", "service error", True),
    ],
)
def test_every_cancellation_code_has_a_readable_message(code, needle, retryable):
    import azure.cognitiveservices.speech as speechsdk

    enum_member = getattr(speechsdk.CancellationErrorCode, code)  # the SDK's own enum, not just a string
    message, is_retryable = describe_cancellation(enum_member, f"WebSocket upgrade failed ({KEY}) SessionId: abc",
                                                  secrets=[KEY])
    assert needle in message and is_retryable is retryable
    assert KEY not in message and "SessionId" not in message and code in message


# ---- SDK configuration (no network) ---------------------------------------------------------------------------
def test_speech_config_es_co_detailed_word_timestamps(monkeypatch):
    import azure.cognitiveservices.speech as speechsdk

    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "brazilsouth")
    config = AzureEngine(TranscriptionOptions()).speech_config()
    assert config.region == "brazilsouth"
    assert config.speech_recognition_language == "es-CO"
    assert config.output_format == speechsdk.OutputFormat.Detailed
    assert config.get_property(speechsdk.PropertyId.SpeechServiceResponse_RequestWordLevelTimestamps) == "true"
    assert KEY not in repr(AzureEngine(TranscriptionOptions()).__dict__)


def test_missing_credentials_become_a_transcript_error(tmp_path, monkeypatch):
    monkeypatch.delenv("AZURE_SPEECH_KEY", raising=False)
    with pytest.raises(EngineError, match="AZURE_SPEECH_KEY is not set"):
        AzureEngine(TranscriptionOptions()).speech_config()
    wav = _two_channel_call(tmp_path)
    t = transcribe_recording(wav, engine="azure")
    assert t.error and "AZURE_SPEECH_KEY" in t.error and t.segments == [] and t.engine == "azure"


# ---- the real SDK against the fake service ---------------------------------------------------------------------
def _two_channel_call(tmp_path: Path) -> Path:
    """8 kHz stereo: agent (channel 2) loud tone at 0.5–1.5 s, customer (channel 1) quieter tone at 2.0–3.0 s."""
    rate, n = 8000, 8000 * 4
    t = np.arange(n) / rate
    ch1 = np.where((t >= 2.0) & (t < 3.0), 0.2 * np.sin(2 * np.pi * 300 * t), 0.0)
    ch2 = np.where((t >= 0.5) & (t < 1.5), 0.6 * np.sin(2 * np.pi * 500 * t), 0.0)
    return write_wav(tmp_path / "call.wav", np.stack([ch1, ch2]).astype(np.float32), rate)


def _responder(pcm: np.ndarray) -> list[dict]:
    """Answer like the service would: the phrase starts where the sound starts; louder channel = the agent."""
    loud = np.flatnonzero(np.abs(pcm) > 1000)
    if loud.size == 0:
        return [DATA["no_match"]]
    onset_ticks = int(loud[0] / 16000 * 10_000_000)
    template = DATA["agent_asks_cedula"] if np.abs(pcm).max() > 0.4 * 32768 else DATA["customer_cedula"]
    shift = onset_ticks - template["Offset"]
    phrase = json.loads(json.dumps(template))
    phrase["Offset"] += shift
    for w in phrase["NBest"][0]["Words"]:
        w["Offset"] += shift
    return [phrase, DATA["no_match"]]


def test_dual_channel_call_through_the_real_sdk(tmp_path, monkeypatch, fake_speech_service):
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    fake_speech_service.responder = _responder
    wav = _two_channel_call(tmp_path)
    t = transcribe_recording(wav, engine="azure", call_sid="CA1", recording_sid="RE1", agent_channel=2,
                             options={"azure_endpoint": fake_speech_service.endpoint})
    assert t.error is None, t.error
    # one WebSocket per channel, asking for es-CO, detailed output and word timestamps
    assert len(fake_speech_service.requests) == 2
    for req in fake_speech_service.requests:
        assert req["query"]["language"] == "es-CO"
        assert req["query"]["format"] == "detailed"
        assert req["query"]["wordLevelTimestamps"] == "true"
        assert any("Path: speech.config" in m or "Path:speech.config" in m for m in req["messages"])
        # 4 s of 16 kHz PCM16 mono per channel (+ the SDK's 44-byte RIFF header)
        assert abs(len(req["audio"]) - 44 - 4 * 16000 * 2) <= 3200
        assert KEY not in json.dumps(req["query"])
    agent = [s for s in t.segments if s.speaker == "agent"]
    customer = [s for s in t.segments if s.speaker == "customer"]
    assert len(agent) == 1 and len(customer) == 1  # NoMatch results were dropped
    assert agent[0].channel == 2 and agent[0].text == "Con gusto. ¿Me regala su número de cédula?"
    assert agent[0].start == pytest.approx(0.5, abs=0.05)  # the onset of the agent's audio, via ticks
    assert customer[0].channel == 1 and customer[0].start == pytest.approx(2.0, abs=0.05)
    assert customer[0].words[3].word == "uno" and customer[0].words[3].start > customer[0].start
    assert t.engine == "azure" and t.language == "es-CO"
    assert t.engine_version.startswith("azure-speech-sdk 1.53.0 es-CO detailed")
    assert t.text.splitlines() == ["agent: Con gusto. ¿Me regala su número de cédula?",
                                   "customer: Sí, claro, es 1032456789."]
    expected = (0.8745 * customer[0].end - 0.8745 * customer[0].start + 0.9312 * (agent[0].end - agent[0].start)) / (
        customer[0].end - customer[0].start + agent[0].end - agent[0].start)
    assert t.confidence == pytest.approx(expected, abs=2e-3)
    # the display text carries ITN digits, the words the lexical numbers: both get redacted (the context word
    # "cédula" comes from the agent's channel)
    red = redact_transcript(t)
    cust = [s for s in red.segments if s.speaker == "customer"][0]
    assert cust.text == "Sí, claro, es [CEDULA]." and "[CEDULA]" in [w.word for w in cust.words]
    assert red.redactions == {"CEDULA": 1}


def test_each_channel_is_biased_with_its_own_speakers_phrases(tmp_path, monkeypatch, fake_speech_service):
    """Per-channel recogniser bias through the real SDK: the agent's connection carries the agent-side phrase
    list, the customer's the customer-side one (the pipeline's and `callaudit transcribe`'s default)."""
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    fake_speech_service.responder = _responder
    wav = _two_channel_call(tmp_path)
    bias = {"agent": ["que tenga un buen día", "qué pereza"], "customer": ["superintendencia", "me colgaron"]}
    t = transcribe_recording(wav, engine="azure", call_sid="CA1", recording_sid="RE1", agent_channel=2,
                             hotwords=bias, options={"azure_endpoint": fake_speech_service.endpoint})
    assert t.error is None, t.error
    assert t.engine_version.endswith("per-channel")
    by_channel = {}
    for req in fake_speech_service.requests:
        loudest = int(np.abs(np.frombuffer(req["audio"][44:][: len(req["audio"][44:]) // 2 * 2], "<i2")).max())
        speaker = "agent" if loudest > 0.4 * 32768 else "customer"  # the agent's channel is the louder one
        context = json.loads(next(x for x in req["texts"] if "Path:speech.context" in x).split("\r\n\r\n", 1)[1])
        by_channel[speaker] = [item["Text"] for g in context["dgi"]["Groups"] for item in g["Items"]]
    assert by_channel == bias


@pytest.mark.parametrize(
    ("status", "needle"),
    [(401, "rejected the credentials"), (403, "rejected the credentials"), (429, "throttled"),
     (500, "service error"), (503, "unavailable")],
)
def test_http_refusals_map_to_readable_errors(tmp_path, monkeypatch, fake_speech_service, caplog, status, needle):
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    fake_speech_service.mode = f"status:{status}"
    caplog.set_level(logging.DEBUG)
    t = transcribe_recording(_two_channel_call(tmp_path), engine="azure",
                             options={"azure_endpoint": fake_speech_service.endpoint})
    assert t.error and needle in t.error and f"({status})" in t.error
    assert t.segments == [] and t.text == ""
    assert KEY not in t.to_json() and KEY not in caplog.text


def test_unreachable_service_is_a_connection_error(tmp_path, monkeypatch):
    import socket

    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    t = transcribe_recording(_two_channel_call(tmp_path), engine="azure",
                             options={"azure_endpoint": f"ws://127.0.0.1:{port}/speech/recognition/conversation/cognitiveservices/v1"})
    assert t.error and "could not connect" in t.error and "ConnectionFailure" in t.error


def test_service_that_never_answers_times_out(tmp_path, monkeypatch, fake_speech_service):
    monkeypatch.setenv("AZURE_SPEECH_KEY", KEY)
    fake_speech_service.mode = "silent"
    t = transcribe_recording(_two_channel_call(tmp_path), engine="azure",
                             options={"azure_endpoint": fake_speech_service.endpoint, "azure_timeout_s": 2})
    assert t.error and "did not finish within 2 s" in t.error
