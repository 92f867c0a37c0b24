"""The real Whisper base model on real (espeak-ng, telephone-chain) audio. Few, short: a few seconds each.

ASR output is fuzzy: assertions use keywords with a fuzzy threshold, never exact strings — except where exactness
is the point (the same input twice must give the same transcript: the pipeline's crash-and-rerun guarantee).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from rapidfuzz import fuzz
from typer.testing import CliRunner

from callaudit.transcript import Transcript, render_text
from callaudit.transcription import model_cache, transcribe_recording
from callaudit.transcription.numbers_es import strip_accents

pytestmark = pytest.mark.asr

AGENT = "Buenos días, habla con Andrés de la línea de atención. ¿En qué le puedo colaborar?"
CUSTOMER = "Hola, buenos días. Quiero revisar el estado de mi factura."


def _norm(text: str) -> str:
    return strip_accents(text.lower())


def _said(text: str, phrase: str, threshold: int = 80) -> bool:
    return fuzz.partial_ratio(_norm(phrase), _norm(text)) >= threshold


@pytest.fixture(scope="module")
def call_wav(tmp_path_factory):
    from callaudit_testkit.synth.espeak_calls import Turn, build_call

    path, _ = build_call([Turn(2, AGENT), Turn(1, CUSTOMER)], tmp_path_factory.mktemp("asr") / "call.wav")
    return path


def _comparable(t: Transcript) -> dict:
    d = t.to_dict()
    d.pop("processing_seconds")
    return d


def test_dual_channel_call_is_labelled_timed_and_cached(call_wav):
    loads_before = model_cache.load_count()
    t = transcribe_recording(call_wav, call_sid="CA1", recording_sid="RE1", agent_channel=2)
    assert t.error is None
    agent, customer = t.speaker_text("agent"), t.speaker_text("customer")
    assert _said(agent, "buenos días") and _said(agent, "línea de atención")
    assert _said(customer, "factura") and not _said(customer, "atención")
    assert {(s.speaker, s.channel) for s in t.segments} == {("agent", 2), ("customer", 1)}
    assert [s.start for s in t.segments] == sorted(s.start for s in t.segments)
    agent_first = t.segments[0]
    assert agent_first.speaker == "agent" and agent_first.start < 1.5  # the agent speaks first, from ~0.4 s
    for s in t.segments:
        assert s.words and s.start <= s.words[0].start and s.words[-1].end <= s.end + 1e-6
        assert all(a.start <= b.start for a, b in zip(s.words, s.words[1:], strict=False))
        assert 0.0 < s.confidence <= 1.0
    assert 0.3 < t.confidence <= 1.0
    assert t.text == render_text(t.segments)
    assert t.engine_version == "faster-whisper 1.2.1 whisper-base int8 beam3"
    assert (t.language, t.channels, t.agent_channel) == ("es", 2, 2)
    assert model_cache.load_count() - loads_before <= 1

    # same file, agent declared on channel 1: labels swap, the words do not change (deterministic decoding),
    # and the model is not loaded again
    loads_after_first = model_cache.load_count()
    swapped = transcribe_recording(call_wav, call_sid="CA1", recording_sid="RE1", agent_channel=1)
    assert model_cache.load_count() == loads_after_first
    assert swapped.speaker_text("customer") == agent and swapped.speaker_text("agent") == customer
    relabelled = [dict(d, speaker={"agent": "customer", "customer": "agent"}[d["speaker"]])
                  for d in _comparable(swapped)["segments"]]
    assert relabelled == _comparable(t)["segments"]  # timings, confidences and words identical too


def test_another_process_gives_the_identical_transcript(call_wav):
    here = transcribe_recording(call_wav, recording_sid="RE1", agent_channel=2)
    code = (
        "import json, sys; from callaudit.transcription import transcribe_recording; "
        "t = transcribe_recording(sys.argv[1], recording_sid='RE1', agent_channel=2).to_dict(); "
        "t.pop('processing_seconds'); print(json.dumps(t))"
    )
    out = subprocess.run([sys.executable, "-c", code, str(call_wav)], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"}, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == _comparable(here)


def test_mono_clip_with_hotwords(tmp_path):
    from callaudit_testkit.synth.espeak_calls import build_mono

    wav = build_mono("No me importa, cállese.", tmp_path / "mono.wav")
    t = transcribe_recording(wav, hotwords=["no me importa", "cállese", "qué pereza"])
    assert t.error is None and t.channels == 1 and t.agent_channel is None
    assert t.segments and all(s.speaker == "unknown" and s.channel is None for s in t.segments)
    assert t.engine_version.endswith("hotwords3")
    assert _said(t.text, "no me importa") and t.text.count("importa") == 1  # no recited hotword loop


def test_cli_json_is_a_redacted_transcript(call_wav):
    from callaudit.cli import app

    result = CliRunner().invoke(app, ["transcribe", str(call_wav), "--json", "--agent-channel", "2"])
    assert result.exit_code == 0, result.output
    t = Transcript.from_json(result.stdout[result.stdout.index("{"):])
    assert t.redacted and t.error is None and _said(t.speaker_text("agent"), "buenos días")
    # the CLI biases each channel with its speaker's scorecard phrases, like the pipeline
    assert t.engine_version.endswith("per-channel") and "hotwords" in t.engine_version
    plain = CliRunner().invoke(app, ["transcribe", str(call_wav), "--json", "--hotwords", "none"])
    assert plain.exit_code == 0 and "hotwords" not in Transcript.from_json(
        plain.stdout[plain.stdout.index("{"):]).engine_version
    bad = CliRunner().invoke(app, ["transcribe", str(call_wav), "--hotwords", "everything"])
    assert bad.exit_code == 1 and "unknown hotwords mode" in bad.output


def test_non_spanish_speech_is_an_error_row_not_an_audit(tmp_path, call_wav):
    from callaudit_testkit.synth.espeak_calls import Turn, build_call

    english, _ = build_call([Turn(2, "Good morning, thank you for calling, my name is John. How can I help you today?",
                                  voice="en"),
                             Turn(1, "Hello, I would like to know the balance of my credit card, please.", voice="en")],
                            tmp_path / "english.wav")
    t = transcribe_recording(english)
    assert t.error is not None and "not 'es'" in t.error and "'en'" in t.error
    assert t.segments == [] and t.text == ""
    spanish = transcribe_recording(call_wav)  # the Spanish call passes the same check
    assert spanish.error is None and spanish.segments


def test_the_language_check_reads_the_window_the_decoding_already_encoded(call_wav, monkeypatch):
    """The check takes the first window's encoder output from the decoding (one encoder pass is most of a
    language-ID pass's cost): a short call costs one encoder pass per channel, none for the check, and the
    verdict is the one the check's own clip gives."""
    from callaudit.transcription.audio import read_wav, resample
    from callaudit.transcription.options import TranscriptionOptions
    from callaudit.transcription.whisper_engine import OURS, WhisperEngine

    engine = WhisperEngine(TranscriptionOptions())
    model = engine._model()
    encoded = []
    encode = type(model).encode
    monkeypatch.setattr(type(model), "encode", lambda self, features: encoded.append(1) or encode(self, features))
    t = transcribe_recording(call_wav, agent_channel=2)
    assert t.error is None and {s.channel for s in t.segments} == {1, 2}
    assert len(encoded) == 2  # each channel's speech fits one 30 s window; the check added no pass

    audio = read_wav(call_wav)
    samples = resample(audio.channel(2), audio.sample_rate)
    found, window = engine._decode_channel(samples, None)
    assert window is not None and found
    assert engine.language_verdict(samples, found, window) == OURS == engine.language_verdict(samples, found)


def test_each_window_stops_at_whispers_own_token_limit_within_its_prompts_room(call_wav, monkeypatch):
    """A window may add at most 224 new tokens (OpenAI Whisper's limit; a looping window otherwise runs to the
    448-token context) and never more than its prompt leaves. A hotword list longer than faster-whisper's 223
    prompt tokens plus the previous window's text used to overflow the context on the second window (CTranslate2:
    "maximum decoding length must be > 0", the recording an error row); the previous text now gives way."""
    from faster_whisper import WhisperModel

    from callaudit.transcription.model_cache import WINDOW_TOKENS

    seen = []
    parent = WhisperModel.generate_with_fallback

    def spy(self, encoder_output, prompt, tokenizer, options):
        seen.append((len(prompt), options.max_new_tokens))
        return parent(self, encoder_output, prompt, tokenizer, options)

    monkeypatch.setattr(WhisperModel, "generate_with_fallback", spy)
    plain = transcribe_recording(call_wav, agent_channel=2)
    biased = transcribe_recording(call_wav, agent_channel=2,
                                  hotwords=[f"frase número {i} de la lista de prueba" for i in range(80)])
    # (a list this long makes the model recite it: what is heard is not the point here, that it decodes is)
    assert plain.error is None and biased.error is None and biased.segments
    assert seen and all(p <= 448 - 221 and n == min(WINDOW_TOKENS, 448 - p) for p, n in seen)
    assert {n for _, n in seen} > {WINDOW_TOKENS}  # no prompt: the full 224; the long list's prompt: less
