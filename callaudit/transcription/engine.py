"""The engine interface: one mono channel of 16 kHz float32 audio in, timed segments out.

An engine knows nothing about speakers, files or Twilio: :mod:`callaudit.transcription.core` reads the file, splits
the channels, decides who is the agent and labels the segments. Adding an engine = one class with ``name``,
``version()`` and ``transcribe_channel()``, registered in :func:`get_engine`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from callaudit.transcript import Word
from callaudit.transcription.options import ENGINES, TranscriptionOptions


class EngineError(RuntimeError):
    """A readable, per-recording failure of an engine (auth, quota, network, model missing...).

    ``retryable`` tells the pipeline whether re-running later may succeed (throttling, network) or not (bad key).
    """

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass
class ChannelSegment:
    """A recognised stretch of speech on one channel; times in seconds from the start of the recording."""

    start: float
    end: float
    text: str
    confidence: float | None = None
    words: list[Word] = field(default_factory=list)
    speaker_hint: str | None = None  # diarization label from the engine (Azure ConversationTranscriber)


class Engine(Protocol):
    name: str

    def version(self, hotwords: Sequence[str] | None = None) -> str: ...

    def transcribe_channel(
        self, samples: object, *, hotwords: Sequence[str] | None = None, diarize: bool = False
    ) -> list[ChannelSegment]: ...

    def transcribe_channels(
        self, channels: list[object], *, hotwords: Sequence[str] | None = None, diarize: bool = False,
        channel_hotwords: list[Sequence[str] | None] | None = None,
    ) -> list[list[ChannelSegment]]: ...
    # channel_hotwords: one list per channel (the speaker's own phrases); when given it replaces ``hotwords``


def per_channel(channels: list, hotwords: Sequence[str] | None,
                channel_hotwords: list[Sequence[str] | None] | None) -> list[Sequence[str] | None]:
    """The hotwords of each channel: ``channel_hotwords`` when given, else the shared list for all."""
    if channel_hotwords is not None:
        if len(channel_hotwords) != len(channels):
            raise ValueError(f"{len(channel_hotwords)} hotword lists for {len(channels)} channels")
        return list(channel_hotwords)
    return [hotwords] * len(channels)


def get_engine(name: str, options: TranscriptionOptions) -> Engine:
    """Instantiate an engine by name (``whisper`` | ``azure`` | ``reference``). Cheap: models load lazily, once
    per process. ``reference`` is the evaluation harness's perfect recogniser (known transcripts)."""
    key = (name or "").strip().lower()
    if key == "whisper":
        from callaudit.transcription.whisper_engine import WhisperEngine

        return WhisperEngine(options)
    if key == "azure":
        from callaudit.transcription.azure_engine import AzureEngine

        return AzureEngine(options)
    if key == "reference":
        from callaudit.transcription.reference_engine import ReferenceEngine

        return ReferenceEngine(options)
    raise ValueError(f"unknown transcription engine {name!r}; choose one of {', '.join(ENGINES)}")
