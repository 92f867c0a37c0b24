"""The telephone chain: what a Twilio recording does to a voice.

espeak-ng speaks at 22.05 kHz with studio-clean silence. A recorded PSTN / Voice-SDK leg is narrow-band 8 kHz,
companded with G.711 μ-law on the wire and stored as PCM16. The chain here reproduces that with numpy/scipy:
level (gain), band-pass 300-3400 Hz, resample to 8 kHz, a little line noise, μ-law encode/decode (the real G.711
segment algorithm, so quantisation noise is the real one) and PCM16. No sox, no system packages.
"""

from __future__ import annotations

import wave
from functools import lru_cache
from pathlib import Path

import numpy as np
from scipy import signal

RATE = 8000
_BIAS = 0x84
_CLIP14 = 8159
_SEG_UEND = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)


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


def mulaw_encode(pcm16: np.ndarray) -> np.ndarray:
    """G.711 μ-law (the Sun/CCITT reference algorithm, bit-exact with it): int16 samples -> uint8 codes."""
    v = pcm16.astype(np.int32) >> 2  # 14-bit magnitude, arithmetic shift as in the reference
    negative = v < 0
    v = np.minimum(np.where(negative, -v, v), _CLIP14) + 0x21
    seg = np.searchsorted(_SEG_UEND, v, side="left")
    code = np.where(seg >= 8, 0x7F, (seg << 4) | ((v >> (seg + 1)) & 0x0F))
    return (code ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """G.711 μ-law: uint8 codes -> int16 samples."""
    u = (~codes.astype(np.int32)) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -mag, mag).astype(np.int16)


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


def write_wav(path: Path, channels: list[np.ndarray]) -> None:
    """Write int16 channels (same length) as a PCM16 8 kHz WAV (interleaved when 2 channels)."""
    frames = channels[0] if len(channels) == 1 else np.stack(channels, axis=1).reshape(-1)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(channels))
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(frames.astype("<i2").tobytes())


def read_wav(path: Path) -> tuple[np.ndarray, int]:
    """Read a PCM16 WAV -> (int16 array shaped (frames, channels), sample rate)."""
    with wave.open(str(path), "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{path}: expected 16-bit PCM, got {8 * w.getsampwidth()}-bit")
        n_ch, rate, n = w.getnchannels(), w.getframerate(), w.getnframes()
        data = np.frombuffer(w.readframes(n), dtype="<i2").astype(np.int16)
    return data.reshape(-1, n_ch), rate
