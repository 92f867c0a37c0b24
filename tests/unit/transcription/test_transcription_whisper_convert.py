"""Whisper engine logic that needs no model: faster-whisper result conversion, decoding settings, version string.

The inputs are faster-whisper's own result dataclasses (``faster_whisper.transcribe.Segment``/``Word``), built by
hand — the model itself is exercised in test_transcription_asr.py.
"""

from __future__ import annotations

import pytest
from faster_whisper.transcribe import Segment as FwSegment
from faster_whisper.transcribe import Word as FwWord

from callaudit.transcription.options import TranscriptionOptions
from callaudit.transcription.whisper_engine import (
    RESCUE_DECODING,
    WhisperEngine,
    convert_segments,
    hotwords_string,
    loop_score,
)


def _fw(words: list[tuple[str, float, float, float]], text: str | None = None, avg_logprob=-0.3, cr=1.2):
    ws = [FwWord(start=a, end=b, word=w, probability=p) for w, a, b, p in words]
    return FwSegment(id=0, seek=0, start=ws[0].start if ws else 0.0, end=ws[-1].end if ws else 1.0,
                     text=text if text is not None else "".join(w.word for w in ws), tokens=[],
                     avg_logprob=avg_logprob, compression_ratio=cr, no_speech_prob=0.01, words=ws or None,
                     temperature=0.0)


def test_segment_split_at_long_pauses_with_word_probability_confidence():
    seg = _fw([(" Buenos", 0.08, 0.7, 0.4), (" días,", 0.7, 1.08, 0.9), (" con", 11.0, 11.18, 0.96),
               (" gusto.", 11.18, 11.56, 0.98)])
    out = convert_segments([seg], gap_s=1.0)
    assert [(s.start, s.end, s.text) for s in out] == [(0.08, 1.08, "Buenos días,"), (11.0, 11.56, "con gusto.")]
    assert out[0].confidence == pytest.approx(0.65) and out[1].confidence == pytest.approx(0.97)
    assert [w.word for w in out[0].words] == ["Buenos", "días,"]
    assert all(isinstance(w.start, float) for s in out for w in s.words)


def test_words_without_audio_are_dropped_but_uncertain_real_words_stay():
    real = _fw([(" no", 0.0, 0.46, 0.41), (" me", 0.46, 0.58, 1.0), (" importa,", 0.58, 1.1, 0.98),
                (" cállese", 1.34, 1.96, 0.02)])  # "cállese" was said: long, though improbable
    tail = _fw([(" qué", 1.96, 2.3, 0.0), (" pereza", 2.3, 2.3, 0.02), (" no", 2.3, 2.3, 0.01),
                (" me", 2.3, 2.3, 0.02), (" importa,", 2.3, 2.3, 0.0)])  # recited hotwords piled on the last frame
    out = convert_segments([real, tail], gap_s=1.0)
    assert [s.text for s in out] == ["no me importa, cállese"]


def test_segment_without_words_falls_back_to_avg_logprob():
    out = convert_segments([_fw([], text=" hola", avg_logprob=-0.5)], gap_s=1.0)
    assert out[0].text == "hola" and out[0].confidence == pytest.approx(0.607, abs=1e-3) and out[0].words == []


def test_loop_score_uses_the_worst_compression_ratio():
    assert loop_score([_fw([(" a", 0, 1, 1)], cr=1.1), _fw([(" b", 1, 2, 1)], cr=13.0)]) == 13.0
    assert loop_score([]) == 0.0


def test_hotwords_string_deduplicates_and_keeps_order():
    assert hotwords_string(["no me importa", "Cállese", "no  me importa", " ", "cállese"]) == "no me importa, Cállese"
    assert hotwords_string(None) is None and hotwords_string([]) is None


def test_decoding_is_deterministic_by_default():
    kwargs = WhisperEngine(TranscriptionOptions())._decode_kwargs(None)
    assert kwargs["temperature"] == [0.0] and kwargs["beam_size"] == 3
    assert kwargs["vad_filter"] and kwargs["word_timestamps"] and kwargs["language"] == "es"
    assert "no_repeat_ngram_size" not in kwargs and kwargs["hotwords"] is None
    fallback = WhisperEngine(TranscriptionOptions(temperature_fallback=True))._decode_kwargs(None)
    assert fallback["temperature"][0] == 0.0 and len(fallback["temperature"]) > 1
    biased = WhisperEngine(TranscriptionOptions())._decode_kwargs(["qué pereza"])
    assert biased["hotwords"] == "qué pereza" and "no_repeat_ngram_size" not in biased  # penalties only on a loop
    penalised = WhisperEngine(TranscriptionOptions(hotword_penalties=True))._decode_kwargs(["qué pereza"])
    assert all(penalised[k] == v for k, v in RESCUE_DECODING.items())
    vad = WhisperEngine(TranscriptionOptions(vad_min_silence_ms=500))._decode_kwargs(None)
    assert vad["vad_parameters"] == {"min_silence_duration_ms": 500}


def test_version_string_names_what_produced_the_transcript():
    assert WhisperEngine(TranscriptionOptions()).version() == "faster-whisper 1.2.1 whisper-base int8 beam3"
    v = WhisperEngine(TranscriptionOptions(beam_size=5, model_dir="/models/whisper-small-es",
                                           temperature_fallback=True)).version(["a", "b"])
    assert v == "faster-whisper 1.2.1 whisper-small-es int8 beam5 tfallback hotwords2"
