"""The engine interface: one mono channel of 16 kHz float32 audio in, timed segments out.

An engine knows nothing about speakers, files or Twilio: :mod:`callaudit.transcription.core` reads the file, splits
the channels, decides who is the agent and labels the segments. This module names no engine: adding one = a class
with ``name``, ``spec`` (an :class:`EngineSpec`: its options, credentials, language and diarisation support),
``version()`` and ``transcribe_channels()``, plus one line in :mod:`callaudit.transcription.registry` (or an entry
point in the ``callaudit.engines`` group of another distribution).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from callaudit.transcript import Word
from callaudit.transcription.options import TranscriptionOptions


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


@dataclass(frozen=True)
class EngineSpec:
    """What an engine declares about itself, so the core, the UDF and the CLI never name an engine.

    * ``options``: the :class:`TranscriptionOptions` fields it reads (``callaudit transcribe --help`` lists them).
    * ``credentials``: secret names it needs (environment / secret scope); the pipeline passes each from the
      Spark conf key ``callaudit.transcription.<name lower-cased>``.
    * ``language_option``: the option holding the language it is asked for (recorded on the transcript).
    * ``diarisation_option``: the option that turns speaker diarisation of mono recordings on, if it has any.
    * ``offline``: runs with no network (the default engine must).
    """

    summary: str
    options: tuple[str, ...] = ()
    credentials: tuple[str, ...] = ()
    language_option: str = "language"
    diarisation_option: str | None = None
    offline: bool = True
    evaluation_only: bool = False

    def language(self, options: TranscriptionOptions) -> str:
        return str(getattr(options, self.language_option))

    def diarises_mono(self, options: TranscriptionOptions) -> bool:
        return bool(self.diarisation_option and getattr(options, self.diarisation_option))


class Engine(Protocol):
    name: str
    spec: EngineSpec

    def __init__(self, options: TranscriptionOptions) -> None: ...

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
