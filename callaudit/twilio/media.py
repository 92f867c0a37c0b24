"""Recording media as the emulator serves it: WAV as recorded, downmixed to mono, or MP3.

Twilio serves ``Recordings/{RE}`` / ``.wav`` as ``audio/x-wav`` and ``.mp3`` as ``audio/mpeg``;
``RequestedChannels=1`` on a dual-channel recording downmixes, ``RequestedChannels=2`` on a mono one is
error 16113. MP3 is encoded with libmp3lame from PyAV (already installed: faster-whisper depends on it).
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

import numpy as np

WAV_CONTENT_TYPE = "audio/x-wav"
MP3_CONTENT_TYPE = "audio/mpeg"


@dataclass(frozen=True)
class Pcm:
    samples: np.ndarray  # int16, shape (frames, channels)
    sample_rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])


def read_wav(data: bytes) -> Pcm:
    with wave.open(io.BytesIO(data), "rb") as src:
        if src.getsampwidth() != 2:
            raise ValueError("only PCM16 WAV is supported")
        channels = src.getnchannels()
        frames = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
        return Pcm(frames.reshape(-1, channels), src.getframerate())


def wav_channels(data: bytes) -> int:
    with wave.open(io.BytesIO(data), "rb") as src:
        return src.getnchannels()


def write_wav(pcm: Pcm) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as dst:
        dst.setnchannels(pcm.channels)
        dst.setsampwidth(2)
        dst.setframerate(pcm.sample_rate)
        dst.writeframes(np.ascontiguousarray(pcm.samples, dtype="<i2").tobytes())
    return out.getvalue()


def downmix(pcm: Pcm) -> Pcm:
    """Average the channels (what a mono phone recording of both parties sounds like)."""
    if pcm.channels == 1:
        return pcm
    mixed = pcm.samples.astype(np.int32).mean(axis=1).round().astype("<i2")
    return Pcm(mixed.reshape(-1, 1), pcm.sample_rate)


def encode_mp3(pcm: Pcm, bitrate: int = 32_000) -> bytes:
    import av

    layout = "stereo" if pcm.channels == 2 else "mono"
    out = io.BytesIO()
    with av.open(out, "w", format="mp3") as container:
        stream = container.add_stream("libmp3lame", rate=pcm.sample_rate, layout=layout)
        stream.bit_rate = bitrate
        frame = av.AudioFrame.from_ndarray(
            np.ascontiguousarray(pcm.samples, dtype="<i2").reshape(1, -1), format="s16", layout=layout
        )
        frame.sample_rate = pcm.sample_rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()


def render(data: bytes, *, requested_channels: int | None, fmt: str) -> tuple[bytes, str]:
    """The media body and content type for a request; raises ValueError for 2 channels from mono."""
    if fmt == "wav" and requested_channels is None:
        return data, WAV_CONTENT_TYPE  # as recorded, untouched
    pcm = read_wav(data)
    if requested_channels == 2 and pcm.channels == 1:
        raise ValueError("mono recording")
    if requested_channels == 1:
        pcm = downmix(pcm)
    if fmt == "mp3":
        return encode_mp3(pcm), MP3_CONTENT_TYPE
    return write_wav(pcm), WAV_CONTENT_TYPE
