"""The ``reference`` engine: a perfect recogniser for evaluation, reading the known transcript of a recording.

The accuracy benchmark runs the same pipeline twice over the same recordings: once with the offline recogniser
(end to end) and once with this engine, whose "transcription" of ``RE….wav`` is the transcript its author wrote
(``<reference_dir>/RE….json``, a :class:`~callaudit.transcript.Transcript`). The audits in gold then show what
the scorecard's rules alone do on calls not written from them, apart from what the recogniser garbles. Never a
production setting.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from callaudit.transcript import Transcript, render_text
from callaudit.transcription.engine import ChannelSegment, EngineError, EngineSpec
from callaudit.transcription.options import TranscriptionOptions


class ReferenceEngine:
    name = "reference"
    spec = EngineSpec(summary="evaluation only: the known transcript of each recording (a perfect recogniser)",
                      options=("language", "reference_dir"), evaluation_only=True)

    def __init__(self, options: TranscriptionOptions):
        self.options = options

    def version(self, hotwords: Sequence[str] | None = None) -> str:
        return "reference transcripts (evaluation)"

    def transcribe_file(self, audio, transcript: Transcript) -> Transcript:
        """Fill ``transcript`` with the known text of the recording (matched by recording sid, else file name)."""
        if not self.options.reference_dir:
            raise EngineError("the reference engine needs reference_dir (a folder of <recording_sid>.json)")
        folder = Path(self.options.reference_dir)
        names = [n for n in (transcript.recording_sid, Path(str(audio.path)).stem) if n]
        path = next((folder / f"{n}.json" for n in names if (folder / f"{n}.json").is_file()), None)
        if path is None:
            raise EngineError(f"no reference transcript for {names[0] if names else 'this recording'} in {folder}")
        known = Transcript.from_json(path.read_text(encoding="utf-8"))
        transcript.segments = list(known.segments)
        transcript.agent_channel = known.agent_channel
        transcript.text = render_text(transcript.segments)
        transcript.confidence = None  # a reference is certain: nothing in it is "not determinable"
        transcript.engine_version = self.version()
        return transcript

    def transcribe_channel(self, samples, *, hotwords=None, diarize: bool = False) -> list[ChannelSegment]:
        raise EngineError("the reference engine reads known transcripts, not audio")

    def transcribe_channels(self, channels, *, hotwords=None, diarize: bool = False,
                            channel_hotwords=None) -> list[list[ChannelSegment]]:
        raise EngineError("the reference engine reads known transcripts, not audio")
