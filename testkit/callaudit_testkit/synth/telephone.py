"""The telephone chain: what a Twilio recording does to a voice.

espeak-ng speaks at 22.05 kHz with studio-clean silence. A recorded PSTN / Voice-SDK leg is narrow-band 8 kHz,
companded with G.711 μ-law on the wire and stored as PCM16. The chain here reproduces that with numpy/scipy:
level (gain), band-pass 300-3400 Hz, resample to 8 kHz, a little line noise, μ-law encode/decode (the real G.711
segment algorithm, so quantisation noise is the real one) and PCM16. No sox, no system packages. Reading,
writing and μ-law are the product's one audio module (:mod:`callaudit.transcription.audio`).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

from callaudit.transcription.audio import mulaw_decode, mulaw_encode

RATE = 8000


def resample_to_8k(pcm: np.ndarray, rate: int) -> np.ndarray:
    """int16/float mono at ``rate`` -> float32 in [-1, 1] at 8 kHz (polyphase, anti-aliased)."""
    x = pcm.astype(np.float32) / 32768.0 if pcm.dtype == np.int16 else pcm.astype(np.float32)
    if rate == RATE:
        return x
    g = np.gcd(int(rate), RATE)
    return signal.resample_poly(x, RATE // g, int(rate) // g).astype(np.float32)


@lru_cache(maxsize=1)
def _bandpass_sos() -> np.ndarray:
    return signal.butter(4, [300.0, 3400.0], btype="bandpass", fs=RATE, output="sos")


def bandpass(x: np.ndarray) -> np.ndarray:
    """The 300-3400 Hz telephone band (causal 8th-order Butterworth, like a line card filter)."""
    return signal.sosfilt(_bandpass_sos(), x).astype(np.float32)


def line_noise(n: int, rng: np.random.Generator, level_dbfs: float = -60.0) -> np.ndarray:
    """White line hiss at ``level_dbfs`` RMS (band-limited later by the channel filter)."""
    return (rng.standard_normal(n) * (10 ** (level_dbfs / 20.0))).astype(np.float32)


def finish_channel(x: np.ndarray, gain_db: float = -6.0) -> np.ndarray:
    """float channel at 8 kHz -> gain, band-pass, clip, PCM16, μ-law round trip -> int16 as recorded."""
    y = bandpass(x * np.float32(10 ** (gain_db / 20.0)))
    pcm = np.clip(np.round(y * 32767.0), -32768, 32767).astype(np.int16)
    return mulaw_decode(mulaw_encode(pcm))


def rms_dbfs(x: np.ndarray) -> float:
    """RMS level of float [-1, 1] or int16 samples in dBFS (-inf for digital silence)."""
    xf = x.astype(np.float64) / (32768.0 if x.dtype == np.int16 else 1.0)
    if xf.size == 0:
        return float("-inf")
    r = float(np.sqrt(np.mean(xf * xf)))
    return 20.0 * np.log10(r) if r > 0 else float("-inf")
