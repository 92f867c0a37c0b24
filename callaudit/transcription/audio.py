"""The one audio module: WAV reading and writing, G.711 μ-law, levels and resampling for call recordings.

Reading is strict about broken files and lenient about legitimate variants.

Twilio serves recordings as RIFF/WAVE, PCM16 or μ-law, 8 kHz, one channel or two (dual-channel ``<Dial>``
recordings: channel 1 = parent call leg, channel 2 = child leg). We parse the RIFF chunks ourselves instead of
using :mod:`wave` because ``wave`` rejects μ-law/A-law/float/EXTENSIBLE files and silently accepts a truncated
``data`` chunk — a download cut short must become a readable error, not half a transcript.

Everything here is NumPy/SciPy only (no Spark, no model), so the pipeline UDF, the CLI, ingest (which checks a
download's channels) and the test kit (the synthetic telephone chain, the emulator's media) share it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

WHISPER_RATE = 16_000

# WAVE format tags (mmreg.h)
FORMAT_PCM = 0x0001
FORMAT_FLOAT = 0x0003
FORMAT_ALAW = 0x0006
FORMAT_MULAW = 0x0007
FORMAT_EXTENSIBLE = 0xFFFE
_FORMAT_NAMES = {
    FORMAT_PCM: "PCM",
    FORMAT_FLOAT: "IEEE float",
    FORMAT_ALAW: "A-law",
    FORMAT_MULAW: "μ-law",
}

MIN_RATE, MAX_RATE = 8_000, 48_000
MAX_CHANNELS = 2
# An uncompressed 8 kHz mono second is 16 kB; anything shorter than a few milliseconds is not a call.
MIN_DURATION_S = 0.05

# A channel whose loud frames stay below this level carries no speech (Twilio's silent leg is digital
# near-zero; line noise on a real leg sits around -60..-50 dBFS, speech at -30..-10 dBFS).
SILENCE_DBFS = -50.0


class AudioError(ValueError):
    """The file is not usable audio. The message says what is wrong in words an analyst understands."""


@dataclass
class Audio:
    """Decoded audio: ``samples`` is float32 in [-1, 1], shape (channels, frames)."""

    samples: np.ndarray
    sample_rate: int
    encoding: str  # "PCM16", "μ-law", ...
    path: str | None = None

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[1])

    @property
    def duration(self) -> float:
        return self.frames / float(self.sample_rate) if self.sample_rate else 0.0

    def pcm16(self) -> np.ndarray:
        """The samples as int16, shape (frames, channels) — exact for a PCM16 file."""
        return np.clip(np.round(self.samples.T * 32768.0), -32768, 32767).astype(np.int16)

    def channel(self, number: int) -> np.ndarray:
        """Samples of 1-based channel ``number`` (Twilio numbers channels from 1)."""
        if not 1 <= number <= self.channels:
            raise AudioError(f"channel {number} requested but the recording has {self.channels} channel(s)")
        return self.samples[number - 1]


# ---- decoding ------------------------------------------------------------------------------------------------
# ---- G.711 μ-law (the Sun/CCITT reference algorithm, bit-exact with it) -------------------------------------
_BIAS = 0x84
_CLIP14 = 8159
_SEG_UEND = np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF], dtype=np.int32)


def mulaw_encode(x: np.ndarray) -> np.ndarray:
    """Samples -> G.711 μ-law codes (uint8). int16 samples are encoded as they are; floats in [-1, 1] are first
    scaled to int16."""
    x = np.asarray(x)
    if x.dtype != np.int16:
        x = np.clip(np.round(x.astype(np.float64) * 32768.0), -32768, 32767).astype(np.int16)
    v = x.astype(np.int32) >> 2  # 14-bit magnitude, arithmetic shift as in the reference
    negative = v < 0
    v = np.minimum(np.where(negative, -v, v), _CLIP14) + 0x21
    seg = np.searchsorted(_SEG_UEND, v, side="left")
    code = np.where(seg >= 8, 0x7F, (seg << 4) | ((v >> (seg + 1)) & 0x0F))
    return (code ^ np.where(negative, 0x7F, 0xFF)).astype(np.uint8)


def mulaw_decode(codes: np.ndarray) -> np.ndarray:
    """G.711 μ-law codes (uint8) -> int16 samples."""
    u = (~np.asarray(codes).astype(np.int32)) & 0xFF
    sign = u & 0x80
    exponent = (u >> 4) & 0x07
    mantissa = u & 0x0F
    mag = (((mantissa << 3) + _BIAS) << exponent) - _BIAS
    return np.where(sign != 0, -mag, mag).astype(np.int16)


def _mulaw_table() -> np.ndarray:
    """G.711 μ-law byte -> linear value in [-1, 1]."""
    return (mulaw_decode(np.arange(256, dtype=np.uint8)) / 32768.0).astype(np.float32)


def _alaw_table() -> np.ndarray:
    """G.711 A-law byte -> linear value in [-1, 1]."""
    a = np.arange(256, dtype=np.int32) ^ 0x55
    sign = a & 0x80
    exponent = (a >> 4) & 0x07
    mantissa = a & 0x0F
    magnitude = np.where(exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << (exponent - 1))
    linear = np.where(sign != 0, magnitude, -magnitude)
    return (linear / 32768.0).astype(np.float32)


_MULAW = _mulaw_table()
_ALAW = _alaw_table()


def _sniff(head: bytes) -> str:
    """A human guess at what a non-WAV file is, for the error message."""
    stripped = head.lstrip()
    if head.startswith(b"ID3") or head[:2] in (b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"):
        return "it looks like an MP3 file (ask Twilio for the .wav media)"
    if head.startswith(b"OggS"):
        return "it looks like an Ogg file"
    if head.startswith(b"fLaC"):
        return "it looks like a FLAC file"
    if stripped[:1] in (b"{", b"["):
        return "it looks like JSON — probably an API error body saved instead of the audio"
    if stripped[:1] == b"<":
        return "it looks like HTML/XML — probably an error page saved instead of the audio"
    if not head.strip(b"\x00"):
        return "it is all zero bytes"
    return f"it starts with {head[:12]!r}"


def _parse_fmt(body: bytes) -> tuple[int, int, int, int, int]:
    if len(body) < 16:
        raise AudioError(f"the WAV 'fmt ' chunk is {len(body)} bytes, too short to describe the audio (corrupt header)")
    tag, channels, rate, _byte_rate, block_align, bits = struct.unpack("<HHIIHH", body[:16])
    if tag == FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise AudioError("the WAV header says WAVE_FORMAT_EXTENSIBLE but the extension is missing (corrupt header)")
        tag = struct.unpack("<H", body[24:26])[0]  # first two bytes of the SubFormat GUID are the format tag
    return tag, channels, rate, block_align, bits


def wav_channels(data: bytes) -> int:
    """The channel count a WAV file's header declares, reading the header only (ingest checks a download with it;
    whether the audio itself is whole is the transcriber's question, answered with an error row)."""
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise AudioError(f"not a WAV file: {_sniff(data[:64])}")
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        if chunk_id == b"fmt ":
            return _parse_fmt(data[pos + 8 : pos + 8 + size])[1]
        if chunk_id == b"data":
            break
        pos += 8 + size + (size & 1)
    raise AudioError("the WAV header has no 'fmt ' chunk (corrupt header)")


def read_wav_bytes(data: bytes, *, path: str | None = None) -> Audio:
    """Decode a RIFF/WAVE byte string. Raises :class:`AudioError` with a readable reason."""
    # The file name, not the full path: errors end up in gold tables, where a local path means nothing to an
    # analyst, differs between machines (so a rerun elsewhere would not give the same gold) and leaks layout.
    name = Path(path).name if path else "the file"
    if len(data) == 0:
        raise AudioError(f"{name} is empty (0 bytes): the recording download probably failed")
    if len(data) < 12 or data[:4] not in (b"RIFF", b"RF64") or data[8:12] != b"WAVE":
        raise AudioError(f"{name} is not a WAV file: {_sniff(data[:64])}")

    fmt: tuple[int, int, int, int, int] | None = None
    audio_bytes: bytes | None = None
    declared = 0
    pos = 12
    while pos + 8 <= len(data):
        chunk_id = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        body_start = pos + 8
        if chunk_id == b"fmt ":
            if body_start + size > len(data):
                raise AudioError(f"{name} is truncated inside its WAV header ('fmt ' chunk cut short)")
            fmt = _parse_fmt(data[body_start : body_start + size])
        elif chunk_id == b"data":
            available = len(data) - body_start
            if size in (0xFFFFFFFF,) or (data[:4] == b"RF64"):
                size = available  # streamed/RF64 WAV: the real length is "to the end of the file"
            declared = size
            if size > available:
                missing = size - available
                raise AudioError(
                    f"{name} is truncated: its header announces {size:,} bytes of audio but only "
                    f"{available:,} are present ({missing / size:.0%} missing) — re-download the recording"
                )
            audio_bytes = data[body_start : body_start + size]
            break
        pos = body_start + size + (size & 1)  # chunks are word-aligned
    if fmt is None and audio_bytes is None and pos < len(data) < pos + 8:
        raise AudioError(
            f"{name} is truncated inside its WAV header (the file ends after {len(data):,} bytes) — "
            "re-download the recording"
        )
    if fmt is None:
        raise AudioError(f"{name} has no 'fmt ' chunk: the WAV header is corrupt")
    if audio_bytes is None:
        raise AudioError(f"{name} has no 'data' chunk: the WAV file holds a header but no audio (truncated?)")

    tag, channels, rate, block_align, bits = fmt
    if tag not in _FORMAT_NAMES:
        raise AudioError(f"{name} uses WAV format tag 0x{tag:04x}, which is not supported (use PCM or μ-law)")
    if not 1 <= channels <= MAX_CHANNELS:
        raise AudioError(f"{name} has {channels} channels; call recordings have 1 or 2 (corrupt header?)")
    if not MIN_RATE <= rate <= MAX_RATE:
        raise AudioError(f"{name} has a sample rate of {rate} Hz; supported: {MIN_RATE}-{MAX_RATE} Hz (corrupt header?)")
    expected_bits = {FORMAT_PCM: (8, 16, 24, 32), FORMAT_FLOAT: (32, 64), FORMAT_ALAW: (8,), FORMAT_MULAW: (8,)}[tag]
    if bits not in expected_bits:
        raise AudioError(f"{name}: {_FORMAT_NAMES[tag]} with {bits} bits per sample is not a valid combination")
    width = bits // 8
    if block_align != width * channels:
        raise AudioError(
            f"{name}: inconsistent WAV header (block align {block_align} for {channels} channel(s) of {bits} bits)"
        )

    frames = len(audio_bytes) // block_align
    if frames / rate < MIN_DURATION_S:
        raise AudioError(f"{name} holds no audio samples ({len(audio_bytes)} bytes of data, {declared} declared)")
    raw = audio_bytes[: frames * block_align]

    if tag == FORMAT_MULAW:
        samples = _MULAW[np.frombuffer(raw, dtype=np.uint8)]
        encoding = "μ-law"
    elif tag == FORMAT_ALAW:
        samples = _ALAW[np.frombuffer(raw, dtype=np.uint8)]
        encoding = "A-law"
    elif tag == FORMAT_FLOAT:
        samples = np.frombuffer(raw, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
        samples = np.nan_to_num(np.clip(samples, -1.0, 1.0))
        encoding = f"float{bits}"
    elif bits == 8:
        samples = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
        encoding = "PCM8"
    elif bits == 16:
        samples = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
        encoding = "PCM16"
    elif bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        ints = b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)
        ints = np.where(ints & 0x800000, ints - (1 << 24), ints)
        samples = (ints / float(1 << 23)).astype(np.float32)
        encoding = "PCM24"
    else:
        samples = (np.frombuffer(raw, dtype="<i4") / float(1 << 31)).astype(np.float32)
        encoding = "PCM32"
    # interleaved frames -> (channels, frames)
    samples = np.ascontiguousarray(samples.reshape(frames, channels).T)
    return Audio(samples=samples, sample_rate=int(rate), encoding=encoding, path=path)


def read_wav(path: str | Path) -> Audio:
    """Read a WAV file (see :func:`read_wav_bytes`). A missing/unreadable file is an :class:`AudioError` too."""
    p = Path(path)
    name = p.name or str(p)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise AudioError(f"{name} does not exist") from None
    except IsADirectoryError:
        raise AudioError(f"{name} is a directory, not a recording") from None
    except OSError as exc:
        raise AudioError(f"{name} could not be read: {exc.strerror or exc}") from None
    return read_wav_bytes(data, path=str(p))


def read_pcm16(path: str | Path) -> tuple[np.ndarray, int]:
    """A WAV file as int16 samples shaped (frames, channels) and its sample rate (tests, the test kit)."""
    audio = read_wav(path)
    return audio.pcm16(), audio.sample_rate


# ---- processing ----------------------------------------------------------------------------------------------
def resample(samples: np.ndarray, rate: int, target: int = WHISPER_RATE) -> np.ndarray:
    """Polyphase resampling (scipy ``resample_poly``) to ``target`` Hz, float32, 1-D."""
    x = np.asarray(samples, dtype=np.float32)
    if rate == target:
        return x.copy()
    from scipy.signal import resample_poly

    g = gcd(int(rate), int(target))
    y = resample_poly(x, target // g, rate // g).astype(np.float32)
    return np.clip(y, -1.0, 1.0)


def level_dbfs(samples: np.ndarray, rate: int, frame_s: float = 0.03, percentile: float = 95.0) -> float:
    """Loudness of the loud parts: the ``percentile``-th percentile of 30 ms frame RMS, in dBFS.

    Speech occupies a fraction of a call channel, so the mean level would call a quiet talker "silent"; the
    95th percentile of frame levels measures the talk spurts.
    """
    x = np.asarray(samples, dtype=np.float64)
    n = max(1, int(rate * frame_s))
    usable = (len(x) // n) * n
    if usable == 0:
        rms = np.sqrt(np.mean(x**2)) if len(x) else 0.0
        return float(20 * np.log10(max(rms, 1e-10)))
    frames = x[:usable].reshape(-1, n)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    return float(20 * np.log10(max(np.percentile(rms, percentile), 1e-10)))


def is_near_silent(samples: np.ndarray, rate: int, threshold_dbfs: float = SILENCE_DBFS) -> bool:
    """True when a channel carries nothing worth transcribing (Whisper invents text on silence)."""
    return level_dbfs(samples, rate) < threshold_dbfs


def channels_identical(audio: Audio, tolerance: float = 1e-4) -> bool:
    """A "stereo" file whose two channels are the same signal is a mono recording upmixed."""
    if audio.channels != 2:
        return False
    return bool(np.max(np.abs(audio.samples[0] - audio.samples[1])) <= tolerance)


# ---- writing ---------------------------------------------------------------------------------------------------
def _riff(tag: int, channels: int, rate: int, bits: int, payload: bytes) -> bytes:
    block = channels * bits // 8
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * block, block, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(payload)) + payload
    if len(payload) & 1:
        body += b"\x00"
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pcm16_wav_bytes(pcm: np.ndarray, rate: int) -> bytes:
    """int16 samples, shape (frames, channels) or (frames,), as a PCM16 WAV file's bytes (frames interleaved)."""
    x = np.asarray(pcm, dtype=np.int16)
    if x.ndim == 1:
        x = x[:, None]
    return _riff(FORMAT_PCM, int(x.shape[1]), rate, 16, np.ascontiguousarray(x, dtype="<i2").tobytes())


def write_wav(path: str | Path, samples: np.ndarray, rate: int, encoding: str = "PCM16") -> Path:
    """Write samples as a PCM16 or μ-law WAV file: floats in [-1, 1] shaped (channels, frames) or (frames,), or
    int16 channels shaped (frames, channels) as a recording holds them."""
    x = np.asarray(samples)
    if x.dtype == np.int16:
        inter = (x[:, None] if x.ndim == 1 else x).reshape(-1)
        channels = 1 if x.ndim == 1 else int(x.shape[1])
        pcm = inter
    else:
        f = x.astype(np.float32)
        f = f[None, :] if f.ndim == 1 else f
        channels = int(f.shape[0])
        pcm = np.round(np.clip(f.T.reshape(-1), -1.0, 1.0) * 32767.0).astype(np.int16)
    if encoding == "PCM16":
        data = _riff(FORMAT_PCM, channels, rate, 16, pcm.astype("<i2").tobytes())
    elif encoding in ("mulaw", "μ-law"):
        data = _riff(FORMAT_MULAW, channels, rate, 8, mulaw_encode(pcm).tobytes())
    else:
        raise ValueError(f"unsupported encoding {encoding!r}")
    p = Path(path)
    p.write_bytes(data)
    return p
