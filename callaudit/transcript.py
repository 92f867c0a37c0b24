"""The transcript contract: what transcription produces and what the auditor consumes.

One :class:`Transcript` per recording. It is the row of ``silver_transcriptions`` (as a struct), the JSON that
``callaudit transcribe --json`` prints, and the input of ``callaudit score``. Times are seconds from the start
of the recording. ``speaker`` is ``agent``, ``customer`` or ``unknown`` (mono recordings without diarization).

Keep this module dependency-free: it is imported by Spark Python workers, the CLI and the tests.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

SPEAKERS = ("agent", "customer", "unknown")


@dataclass
class Word:
    word: str
    start: float
    end: float
    probability: float | None = None


@dataclass
class Segment:
    speaker: str
    channel: int | None  # 1-based channel of the recording; None for a mono mix
    start: float
    end: float
    text: str
    confidence: float | None = None
    words: list[Word] = field(default_factory=list)


@dataclass
class Transcript:
    recording_sid: str | None
    call_sid: str | None
    segments: list[Segment] = field(default_factory=list)
    text: str = ""  # full text, speaker turns in time order, "agent: ...\ncustomer: ..."
    confidence: float | None = None  # mean confidence over segments (duration-weighted)
    language: str | None = None
    engine: str | None = None  # "whisper" | "azure"
    engine_version: str | None = None  # e.g. "faster-whisper 1.2.1 / whisper-base int8"
    channels: int | None = None
    agent_channel: int | None = None  # which channel was the agent's (None for mono)
    duration_seconds: float | None = None
    processing_seconds: float | None = None
    redacted: bool = False  # True once PII placeholders replaced personal numbers
    redactions: dict[str, int] = field(default_factory=dict)  # placeholder type -> count
    error: str | None = None  # None when fine; a readable reason otherwise

    # ---- helpers -----------------------------------------------------------------------------------------
    def speaker_text(self, speaker: str) -> str:
        return " ".join(s.text.strip() for s in self.segments if s.speaker == speaker and s.text.strip())

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self, **kwargs: Any) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Transcript:
        # Spark's ``to_json`` leaves out null fields: a missing optional field is a null, not an error
        data = dict(data)
        data.setdefault("recording_sid", None)
        data.setdefault("call_sid", None)
        segments = []
        for seg in data.pop("segments", None) or []:
            seg = dict(seg)
            seg.setdefault("channel", None)
            words = [Word(**w) for w in (seg.pop("words", None) or [])]
            segments.append(Segment(words=words, **seg))
        known = {f for f in cls.__dataclass_fields__}
        extra = set(data) - known
        if extra:
            raise ValueError(f"unknown transcript fields: {sorted(extra)}")
        if data.get("redactions") is None:
            data["redactions"] = {}
        return cls(segments=segments, **data)

    @classmethod
    def from_json(cls, text: str) -> Transcript:
        return cls.from_dict(json.loads(text))


def render_text(segments: list[Segment]) -> str:
    """The ``text`` field: one line per segment in time order, prefixed by the speaker."""
    ordered = sorted(segments, key=lambda s: (s.start, s.end))
    return "\n".join(f"{s.speaker}: {s.text.strip()}" for s in ordered if s.text.strip())
