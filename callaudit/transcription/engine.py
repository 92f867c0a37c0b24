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
        self, channels: list[object], *, hotwords: Sequence[str] | None = None, diarize: bool = False
    ) -> list[list[ChannelSegment]]: ...


def get_engine(name: str, options: TranscriptionOptions) -> Engine:
    """Instantiate an engine by name (``whisper`` | ``azure``). Cheap: models load lazily, once per process."""
    key = (name or "").strip().lower()
    if key == "whisper":
        from callaudit.transcription.whisper_engine import WhisperEngine

        return WhisperEngine(options)
    if key == "azure":
        from callaudit.transcription.azure_engine import AzureEngine

        return AzureEngine(options)
    raise ValueError(f"unknown transcription engine {name!r}; choose one of {', '.join(ENGINES)}")
