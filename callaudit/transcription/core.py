"""``transcribe_recording``: one recording file + call metadata -> one :class:`~callaudit.transcript.Transcript`.

This is the pure-Python core the pipeline's pandas UDF wraps (no Spark here). It never raises for bad audio or a
failing engine: those become ``Transcript.error`` so one broken recording cannot stop a streaming pipeline.
It does raise ``ValueError`` for invalid *arguments* (unknown engine, agent channel 3, unknown option), which are
configuration bugs that should stop the run loudly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from callaudit.transcript import Segment, Transcript, render_text
from callaudit.transcription.audio import (
    Audio,
    AudioError,
    channels_identical,
    is_near_silent,
    read_wav,
    resample,
)
from callaudit.transcription.engine import ChannelSegment, EngineError
from callaudit.transcription.options import TranscriptionOptions, coerce_options
from callaudit.transcription.registry import DEFAULT_ENGINE, get_engine
from callaudit.transcription.speakers import (
    DEFAULT_AGENT_CHANNEL,
    speaker_for_channel,
    validate_agent_channel,
)

log = logging.getLogger(__name__)


def weighted_confidence(segments: Sequence[Segment]) -> float | None:
    """Duration-weighted mean of segment confidences (segments without a confidence are left out)."""
    total = weight = 0.0
    for s in segments:
        if s.confidence is None:
            continue
        w = max(s.end - s.start, 0.01)
        total += s.confidence * w
        weight += w
    return round(total / weight, 4) if weight else None


# hotwords: one list for every channel, or one per speaker ({"agent": [...], "customer": [...], "unknown": [...]})
Hotwords = Sequence[str] | Mapping[str, Sequence[str]] | None


def hotwords_for(hotwords: Hotwords, speaker: str) -> list[str] | None:
    """The phrases to bias one channel with: its speaker's list when ``hotwords`` is per speaker (a mono mix,
    speaker ``unknown``, gets the ``unknown`` list or both lists), else the shared list."""
    if hotwords is None:
        return None
    if isinstance(hotwords, Mapping):
        words = hotwords.get(speaker)
        if words is None and speaker == "unknown":
            words = [*hotwords.get("agent", []), *hotwords.get("customer", [])]
        return list(words) if words else None
    return list(hotwords) or None


def with_agent_name(hotwords: Hotwords, agent_name: str | None) -> Hotwords:
    """Per-speaker bias plus the agent's own directory name first on the agent's channel: names are what the
    recogniser garbles most ("le habla Leidy Johana Ríos" -> "me hablan renito a la ríos") and identification
    rests on them. A shared list or no bias is left as it is."""
    if not agent_name or not isinstance(hotwords, Mapping):
        return hotwords
    agent = [agent_name.strip(), *[w for w in hotwords.get("agent", []) if w != agent_name.strip()]]
    return {**hotwords, "agent": agent}


def _version_hotwords(hotwords: Hotwords) -> list[str] | None:
    if isinstance(hotwords, Mapping):
        return list(dict.fromkeys(w for words in hotwords.values() for w in words)) or None
    return list(hotwords) if hotwords else None


def _default_agent_channel() -> int:
    try:
        from callaudit.config import load_settings

        return load_settings().agent_channel or DEFAULT_AGENT_CHANNEL
    except Exception:  # a malformed CALLAUDIT_AGENT_CHANNEL must not break transcription of every call
        return DEFAULT_AGENT_CHANNEL


def _to_segments(found: list[ChannelSegment], channel: int | None, speaker: str) -> list[Segment]:
    return [
        Segment(speaker=speaker, channel=channel, start=s.start, end=s.end, text=s.text,
                confidence=s.confidence, words=list(s.words))
        for s in found
    ]


def transcribe_audio(
    audio: Audio,
    *,
    transcript: Transcript,
    agent_channel: int | None,
    engine_name: str,
    options: TranscriptionOptions,
    hotwords: Hotwords,
    expected_channels: int | None,
) -> Transcript:
    """Transcribe decoded audio into ``transcript`` (filled in place and returned)."""
    transcript.channels = audio.channels
    transcript.duration_seconds = round(audio.duration, 3)

    if expected_channels is not None and audio.channels != expected_channels:
        layout = {1: "mono (1 channel)", 2: "dual-channel (2 channels)"}
        transcript.error = (
            f"expected a {layout.get(expected_channels, f'{expected_channels}-channel')} recording but the file is "
            f"{layout.get(audio.channels, f'{audio.channels}-channel')}: request the media with RequestedChannels="
            f"{expected_channels} or fix the recording settings"
        )
        return transcript

    engine = get_engine(engine_name, options)
    if hasattr(engine, "transcribe_file"):  # an engine that knows the whole recording's text (reference)
        try:
            engine.transcribe_file(audio, transcript)
        except EngineError as exc:
            transcript.error = f"{engine_name} transcription failed: {exc}"
        return transcript

    mono_like = audio.channels == 1 or channels_identical(audio)
    if mono_like:
        plan = [(None, audio.samples[0])]  # channel None: a mono mix, speakers unknown
        transcript.agent_channel = None
    else:
        transcript.agent_channel = agent_channel or _default_agent_channel()
        plan = [(ch, audio.channel(ch)) for ch in (1, 2)]

    to_run = [(ch, x) for ch, x in plan if not is_near_silent(x, audio.sample_rate, options.silence_dbfs)]
    if not to_run:
        log.info("%s: every channel is near-silent; nothing to transcribe", audio.path)
    speakers = [speaker_for_channel(ch, transcript.agent_channel) for ch, _ in to_run]
    try:
        transcript.engine_version = engine.version(_version_hotwords(hotwords))
        if isinstance(hotwords, Mapping) and hotwords:
            transcript.engine_version += " per-channel"
        prepared = [resample(x, audio.sample_rate) for _, x in to_run]
        diarize = mono_like and engine.spec.diarises_mono(options)
        per_channel = [hotwords_for(hotwords, sp) for sp in speakers]
        results = (engine.transcribe_channels(prepared, hotwords=None, diarize=diarize, channel_hotwords=per_channel)
                   if prepared else [])
    except EngineError as exc:
        transcript.error = f"{engine_name} transcription failed: {exc}"
        return transcript

    segments: list[Segment] = []
    for speaker, (ch, _), found in zip(speakers, to_run, results, strict=True):
        segments.extend(_to_segments(found, ch, speaker))
    segments.sort(key=lambda s: (s.start, s.end, s.channel or 0))
    transcript.segments = segments
    transcript.text = render_text(segments)
    transcript.confidence = weighted_confidence(segments)
    return transcript


def transcribe_recording(
    path: str | Path,
    *,
    call_sid: str | None = None,
    recording_sid: str | None = None,
    agent_channel: int | str | None = None,
    engine: str = DEFAULT_ENGINE,
    hotwords: Hotwords = None,
    expected_channels: int | None = None,
    options: TranscriptionOptions | dict[str, Any] | None = None,
) -> Transcript:
    """Transcribe one recording (WAV, 1–2 channels) into a speaker-labelled :class:`Transcript`.

    * ``agent_channel``: 1 or 2 for dual-channel recordings (see :func:`~callaudit.transcription.speakers.
      agent_channel_for_call`); None = ``CALLAUDIT_AGENT_CHANNEL`` or 2. Ignored for mono (speakers ``unknown``).
    * ``engine``: a name from :mod:`callaudit.transcription.registry` (``whisper``, offline, is the default).
    * ``hotwords``: phrases to bias recognition toward: one list for every channel, or one per speaker
      (``scorecard.hotwords_by_speaker()``: the agent's channel gets the agent-side phrases, the customer's the
      customer-side ones — one shared list makes the customer channel's WER worse).
    * ``expected_channels``: 2 when the recording was requested dual-channel; a mismatch becomes ``error``.
    * ``options``: :class:`TranscriptionOptions` or a dict of its fields.

    Never raises for bad audio or engine failures (see ``Transcript.error``); ``ValueError`` for bad arguments.
    """
    started = time.perf_counter()
    opts = coerce_options(options)
    forced = validate_agent_channel(agent_channel)
    engine_name = (engine or DEFAULT_ENGINE).strip().lower()
    spec = get_engine(engine_name, opts).spec  # validate the name before touching the file
    if expected_channels is not None and expected_channels not in (1, 2):
        raise ValueError(f"expected_channels must be 1 or 2, got {expected_channels!r}")

    transcript = Transcript(recording_sid=recording_sid, call_sid=call_sid, engine=engine_name,
                            language=spec.language(opts))
    try:
        audio = read_wav(path)
        transcribe_audio(audio, transcript=transcript, agent_channel=forced, engine_name=engine_name,
                         options=opts, hotwords=hotwords, expected_channels=expected_channels)
    except AudioError as exc:
        transcript.error = str(exc)
    except MemoryError:
        transcript.error = f"{path}: not enough memory to decode this recording"
    except Exception as exc:  # last line of defence: one odd file must not kill the pipeline
        log.exception("unexpected failure transcribing %s", path)
        transcript.error = f"unexpected {type(exc).__name__} while transcribing: {exc}"
    if transcript.error:
        transcript.segments, transcript.text, transcript.confidence = [], "", None
    transcript.processing_seconds = round(time.perf_counter() - started, 3)
    return transcript
