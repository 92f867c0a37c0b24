"""Telephone-quality test calls from espeak-ng speech (tests and the benchmark, not the pipeline).

The chain imitates a Twilio recording: gain -6 dB, band-pass 300-3400 Hz, resample to 8 kHz, μ-law round trip,
PCM16. :func:`build_call` lays dialogue turns out on two channels the way Twilio records a ``<Dial>``:
channel 1 = parent leg, channel 2 = child leg.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from callaudit.transcription.audio import _MULAW, mulaw_encode, resample, write_wav

TELEPHONE_RATE = 8_000


def telephone_chain(pcm: np.ndarray, rate: int) -> np.ndarray:
    """int16 or float speech at ``rate`` -> float32 8 kHz telephone-band audio after a μ-law round trip."""
    from scipy.signal import butter, sosfilt

    x = np.asarray(pcm, dtype=np.float32)
    if np.issubdtype(np.asarray(pcm).dtype, np.integer):
        x = x / 32768.0
    x = x * (10 ** (-6 / 20))  # -6 dB
    sos = butter(4, [300, 3400], btype="bandpass", fs=rate, output="sos")
    x = sosfilt(sos, x).astype(np.float32)
    x = resample(x, rate, TELEPHONE_RATE)
    return _MULAW[mulaw_encode(x)]


@dataclass
class Turn:
    channel: int  # 1 or 2
    text: str
    voice: str = "es"
    start: float | None = None  # filled by build_call
    end: float | None = None


def speak_telephone(text: str, voice: str = "es", rate_wpm: int = 150) -> np.ndarray:
    from callaudit_testkit.synth.tts import speak

    pcm, rate = speak(text, voice=voice, rate_wpm=rate_wpm)
    return telephone_chain(pcm, rate)


def build_call(
    turns: list[Turn],
    path: str | Path,
    *,
    gap_s: float = 0.6,
    lead_s: float = 0.4,
    tail_s: float = 0.5,
    noise_dbfs: float = -62.0,
    seed: int = 0,
) -> tuple[Path, list[Turn]]:
    """Write a 2-channel 8 kHz PCM16 WAV with each turn on its channel, one after the other."""
    rng = np.random.default_rng(seed)
    pieces: list[tuple[int, int, np.ndarray]] = []
    cursor = int(lead_s * TELEPHONE_RATE)
    for t in turns:
        audio = speak_telephone(t.text, t.voice)
        t.start = cursor / TELEPHONE_RATE
        t.end = (cursor + len(audio)) / TELEPHONE_RATE
        pieces.append((t.channel, cursor, audio))
        cursor += len(audio) + int(gap_s * TELEPHONE_RATE)
    total = cursor + int(tail_s * TELEPHONE_RATE)
    out = np.zeros((2, total), dtype=np.float32)
    out += (10 ** (noise_dbfs / 20)) * rng.standard_normal(out.shape).astype(np.float32)  # faint line noise
    for channel, start, audio in pieces:
        out[channel - 1, start : start + len(audio)] += audio
    return write_wav(path, out, TELEPHONE_RATE), turns


def build_mono(text: str, path: str | Path, voice: str = "es") -> Path:
    audio = speak_telephone(text, voice)
    pad = np.zeros(int(0.3 * TELEPHONE_RATE), dtype=np.float32)
    return write_wav(path, np.concatenate([pad, audio, pad]), TELEPHONE_RATE)
