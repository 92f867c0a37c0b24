"""Recording media as the emulator serves it: WAV as recorded, downmixed to mono, or MP3.

Twilio serves ``Recordings/{RE}`` / ``.wav`` as ``audio/x-wav`` and ``.mp3`` as ``audio/mpeg``;
``RequestedChannels=1`` on a dual-channel recording downmixes, ``RequestedChannels=2`` on a mono one is
error 16113. MP3 is encoded with libmp3lame from PyAV (already installed: faster-whisper depends on it).
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from callaudit.transcription.audio import pcm16_wav_bytes, read_wav_bytes, wav_channels

WAV_CONTENT_TYPE = "audio/x-wav"
MP3_CONTENT_TYPE = "audio/mpeg"


@dataclass(frozen=True)
class Pcm:
    samples: np.ndarray  # int16, shape (frames, channels)
    sample_rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])


def decode_pcm(data: bytes) -> Pcm:
    audio = read_wav_bytes(data)
    return Pcm(audio.pcm16(), audio.sample_rate)


def encode_wav(pcm: Pcm) -> bytes:
    return pcm16_wav_bytes(pcm.samples, pcm.sample_rate)


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
    if fmt == "wav":
        try:
            declared = wav_channels(data)
        except ValueError:
            declared = None  # not a WAV at all: served as stored, like any other bytes Twilio holds
        if requested_channels is None or declared is None or requested_channels == declared:
            return data, WAV_CONTENT_TYPE  # as recorded, untouched
    pcm = decode_pcm(data)
    if requested_channels == 2 and pcm.channels == 1:
        raise ValueError("mono recording")
    if requested_channels == 1:
        pcm = downmix(pcm)
    if fmt == "mp3":
        return encode_mp3(pcm), MP3_CONTENT_TYPE
    return encode_wav(pcm), WAV_CONTENT_TYPE
