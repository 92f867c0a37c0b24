"""Conversation metrics from segment and word timings (Contact Lens / CCAI-style "talk analytics").

Speech intervals per speaker come from word timings when the engine gave them (tighter: Whisper segments
include pauses) merged across gaps shorter than ``turn_gap_seconds``, else from segments.

* talk time per speaker: length of the union of that speaker's intervals;
* talk/listen ratio: agent talk / customer talk;
* silence: gaps where nobody speaks (union of both channels), between the first and the last speech — leading
  ring time and trailing hang-up time are not silence in the conversation;
* interruptions: a speaker starts while the other is speaking and both overlap at least
  ``min_overlap_seconds``; counted for the one who started (``interruptions_by_agent`` = the agent cut in);
* agent words per minute of agent talk time.

Mono transcripts (speaker ``unknown``) have talk and silence but no per-speaker split: those fields are None.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from callaudit.transcript import Segment

Interval = tuple[float, float]


@dataclass
class ConversationMetrics:
    duration_seconds: float | None
    agent_talk_seconds: float | None
    customer_talk_seconds: float | None
    talk_listen_ratio: float | None
    silence_seconds: float
    longest_silence_seconds: float
    long_silences: int  # gaps of at least long_silence_seconds
    overlap_seconds: float | None
    interruptions_by_agent: int | None
    interruptions_by_customer: int | None
    agent_words: int | None
    agent_words_per_minute: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def speech_intervals(segments: list[Segment], merge_gap: float) -> list[Interval]:
    raw: list[Interval] = []
    for seg in segments:
        if seg.words:
            raw.extend((float(w.start), float(w.end)) for w in seg.words if w.end >= w.start)
        elif seg.text.strip() and seg.end > seg.start:
            raw.append((float(seg.start), float(seg.end)))
    return merge(raw, merge_gap)


def merge(intervals: list[Interval], gap: float = 0.0) -> list[Interval]:
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a - out[-1][1] <= gap:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def total(intervals: list[Interval]) -> float:
    return sum(b - a for a, b in intervals)


def gaps(intervals: list[Interval]) -> list[float]:
    merged = merge(intervals)
    return [merged[i + 1][0] - merged[i][1] for i in range(len(merged) - 1)]


def _speaking_at(intervals: list[Interval], t: float) -> Interval | None:
    # intervals are few (tens): a linear scan is faster than bisect bookkeeping at this size
    for a, b in intervals:
        if a < t < b:
            return (a, b)
        if a >= t:
            break
    return None


def interruptions(starter: list[Interval], other: list[Interval], min_overlap: float) -> tuple[int, float]:
    count = 0
    overlap = 0.0
    for a, b in starter:
        hit = _speaking_at(other, a)
        if hit is None:
            continue
        ov = min(b, hit[1]) - a
        if ov >= min_overlap:
            count += 1
            overlap += ov
    return count, overlap


def conversation_metrics(
    segments: list[Segment],
    duration: float | None,
    *,
    min_overlap: float = 0.5,
    turn_gap: float = 0.8,
    long_silence: float = 20.0,
) -> ConversationMetrics:
    by_speaker: dict[str, list[Segment]] = {}
    for seg in segments:
        by_speaker.setdefault(seg.speaker, []).append(seg)
    known = "agent" in by_speaker or "customer" in by_speaker
    agent = speech_intervals(by_speaker.get("agent", []), turn_gap)
    customer = speech_intervals(by_speaker.get("customer", []), turn_gap)
    everyone = merge(agent + customer + speech_intervals(by_speaker.get("unknown", []), turn_gap))
    silences = gaps(everyone)
    agent_talk = total(agent)
    customer_talk = total(customer)
    if known:
        by_agent, ov_a = interruptions(agent, customer, min_overlap)
        by_customer, ov_c = interruptions(customer, agent, min_overlap)
        agent_words = sum(len(s.words) if s.words else len(s.text.split()) for s in by_speaker.get("agent", []))
    else:
        by_agent = by_customer = None
        ov_a = ov_c = 0.0
        agent_words = None
    return ConversationMetrics(
        duration_seconds=round(duration, 2) if duration is not None else None,
        agent_talk_seconds=round(agent_talk, 2) if known else None,
        customer_talk_seconds=round(customer_talk, 2) if known else None,
        talk_listen_ratio=round(agent_talk / customer_talk, 3) if known and customer_talk > 0 else None,
        silence_seconds=round(sum(silences), 2),
        longest_silence_seconds=round(max(silences, default=0.0), 2),
        long_silences=sum(1 for g in silences if g >= long_silence),
        overlap_seconds=round(ov_a + ov_c, 2) if known else None,
        interruptions_by_agent=by_agent,
        interruptions_by_customer=by_customer,
        agent_words=agent_words,
        agent_words_per_minute=(
            round(agent_words * 60.0 / agent_talk, 1) if agent_words is not None and agent_talk > 0 else None
        ),
    )
