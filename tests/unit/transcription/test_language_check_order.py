"""The language check runs per channel as soon as it is decoded and stops once one channel is heard as ours.

The detector is Whisper's own (exercised on real audio in test_transcription_asr.py, an English espeak call);
here a stand-in records which channels were checked, to pin the orchestration: how many language-ID passes a
call costs and what is refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from callaudit.transcription.engine import ChannelSegment, EngineError
from callaudit.transcription.options import TranscriptionOptions
from callaudit.transcription.whisper_engine import OURS, WhisperEngine


class _Detector:
    def __init__(self, languages):
        self.languages, self.calls = languages, []

    def detect_language(self, clip):
        channel = int(round(float(clip[0])))  # each test channel is filled with its own index
        self.calls.append(channel)
        lang = self.languages[channel]
        return lang, 0.9, [(lang, 0.9), ("es", 0.9 if lang == "es" else 0.01)]


def _engine(languages, speech, monkeypatch, **options):
    engine = WhisperEngine(TranscriptionOptions(**options))
    detector = _Detector(languages)
    monkeypatch.setattr(engine, "_model", lambda: detector)
    # no first window kept (None): the check encodes its own clip, which the stand-in reads
    monkeypatch.setattr(engine, "_decode_channel", lambda samples, hotwords=None: (
        [ChannelSegment(0.0, speech[int(round(float(samples[0])))], "hola", 0.9)], None))
    channels = [np.full(16000 * 5, float(i), dtype=np.float32) for i in range(len(languages))]
    return engine, detector, channels


@pytest.mark.parametrize("parallel", [True, False])
def test_a_spanish_call_costs_one_language_pass(monkeypatch, parallel):
    engine, detector, channels = _engine(["es", "es"], [4.0, 4.0], monkeypatch, parallel_channels=parallel)
    assert len(engine.transcribe_channels(channels)) == 2
    assert len(detector.calls) == 1


@pytest.mark.parametrize("parallel", [True, False])
def test_a_call_in_another_language_is_refused(monkeypatch, parallel):
    engine, detector, channels = _engine(["en", "en"], [4.0, 4.0], monkeypatch, parallel_channels=parallel)
    with pytest.raises(EngineError, match="not 'es'.*'en'"):
        engine.transcribe_channels(channels)
    assert sorted(detector.calls) == [0, 1]


def test_one_channel_heard_as_ours_is_enough(monkeypatch):
    engine, detector, channels = _engine(["en", "es"], [4.0, 4.0], monkeypatch, parallel_channels=False)
    engine.transcribe_channels(channels)  # an odd-sounding voice on one side does not throw a Spanish call away
    assert detector.calls == [0, 1]


def test_a_channel_without_speech_proves_nothing(monkeypatch):
    engine, detector, channels = _engine(["en", "es"], [1.0, 4.0], monkeypatch, parallel_channels=False)
    engine.transcribe_channels(channels)
    assert detector.calls == [1]  # channel 0 has 1 s of speech: not judged
    assert engine.language_verdict(channels[0], [ChannelSegment(0.0, 1.0, "hola", 0.9)]) is None
    assert engine.language_verdict(channels[1], [ChannelSegment(0.0, 3.0, "hola", 0.9)]) == OURS


def test_no_check_when_switched_off(monkeypatch):
    engine, detector, channels = _engine(["en", "en"], [4.0, 4.0], monkeypatch, language_check=False)
    engine.transcribe_channels(channels)
    assert detector.calls == []
