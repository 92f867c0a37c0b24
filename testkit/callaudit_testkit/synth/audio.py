"""Render one call: espeak-ng turns -> two telephone channels laid out as Twilio lays out a <Dial> recording.

Channel 1 is the parent call leg, channel 2 the child leg. For an inbound call the parent is the customer who
called in and the child is the agent's client leg; for a click-to-call placed through the REST API the parent is
the agent's client leg and the child is the customer. Each turn is spoken on its speaker's channel at its time;
the other channel carries only line hiss. Holds are near-silence with a slightly louder hiss on the agent side.

Runs inside a worker process (see :func:`callaudit_testkit.synth.tts.speak_many` for why that matters to determinism).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from callaudit.transcription.audio import write_wav
from callaudit_testkit.synth import telephone as tel
from callaudit_testkit.synth import tts
from callaudit_testkit.synth.dialogue import Script, Timeline, estimate_seconds, expected_labels, layout


def _trim(pcm: np.ndarray, threshold: float = 0.01) -> np.ndarray:
    """Cut espeak-ng's leading/trailing silence so a turn's labelled span is where the voice is."""
    if pcm.size == 0:
        return pcm
    x = np.abs(pcm.astype(np.float32))
    peak = float(x.max())
    if peak <= 0:
        return pcm[:0]
    idx = np.nonzero(x > threshold * peak)[0]
    return pcm[idx[0]: idx[-1] + 1]


def _voice_of(script: Script, speaker: str):
    return script.agent_voice if speaker == "agent" else script.customer_voice


def speak_turns(script: Script, seed: int) -> list[np.ndarray]:
    """Every turn as float32 8 kHz samples at its speaker's level (before the line chain)."""
    utterances = []
    for t in script.turns:
        v = _voice_of(script, t.speaker)
        utterances.append((t.text, v.voice, v.rate_wpm, v.pitch))
    pcms = tts.speak_many(utterances, rand_seed=seed & 0x7FFFFFFF)
    rng = np.random.default_rng(seed)
    out = []
    for t, pcm in zip(script.turns, pcms, strict=True):
        x = tel.resample_to_8k(_trim(pcm), tts.SAMPLE_RATE)
        rms = float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if x.size else 0.0
        level = _voice_of(script, t.speaker).level_db + rng.uniform(-1.0, 1.0)
        if rms > 0:
            x = x * np.float32(10 ** (level / 20.0) / rms)
        out.append(x.astype(np.float32))
    return out


def channel_of(speaker: str, direction: str, channels: int) -> int:
    """1-based channel of a speaker: parent leg = 1, child leg = 2 (mono: everything on 1)."""
    if channels == 1:
        return 1
    agent_is_parent = direction != "inbound"
    return 1 if (speaker == "agent") == agent_is_parent else 2


def mix_channels(
    script: Script,
    timeline: Timeline,
    signals: list[np.ndarray],
    direction: str,
    channels: int,
    seed: int,
) -> list[np.ndarray]:
    """Place the spoken turns and the line noise; returns the finished int16 channels (1 or 2)."""
    rng = np.random.default_rng([seed, 1])
    n = timeline.duration * tel.RATE
    legs = {1: np.zeros(n, np.float32), 2: np.zeros(n, np.float32)}
    for leg in (1, 2):
        legs[leg] += tel.line_noise(n, rng, rng.uniform(-64.0, -58.0))
    agent_leg = channel_of("agent", direction, 2)
    for a, b in timeline.holds:
        i, j = int(a * tel.RATE), min(n, int(b * tel.RATE))
        legs[agent_leg][i:j] += tel.line_noise(j - i, rng, -50.0)
    by_index = {id(t): s for t, s in zip(script.turns, signals, strict=True)}
    for tt in timeline.turns:
        x = by_index[id(tt.turn)]
        leg = channel_of(tt.turn.speaker, direction, 2)
        i = int(round(tt.start * tel.RATE))
        j = min(n, i + x.size)
        legs[leg][i:j] += x[: j - i]
    if channels == 1:
        return [tel.finish_channel(legs[1] + legs[2])]
    return [tel.finish_channel(legs[1]), tel.finish_channel(legs[2])]


def build_label(meta: dict, script: Script, timeline: Timeline, channels: int) -> dict:
    """labels/<CA>.json per docs/CONTRACTS.md section 1 (plus tags, holds and voices for analysis)."""
    direction = meta["direction"]
    pii = [{"type": k, "value": v, "spoken": s, "speaker": tt.turn.speaker}
           for tt in timeline.turns for (k, v, s) in tt.turn.pii]
    return {
        "call_sid": meta["call_sid"],
        "recording_sid": meta["recording_sid"],
        "scenario": script.scenario,
        "agent_id": meta["agent_id"] or None,
        "agent_identity": meta["agent_identity"],
        "direction": direction,
        "agent_channel": channel_of("agent", direction, 2) if channels == 2 else None,
        "channels": channels,
        "duration_seconds": float(timeline.duration),
        "expected": expected_labels(script, timeline),
        "pii": pii,
        "turns": [
            {"speaker": tt.turn.speaker, "channel": channel_of(tt.turn.speaker, direction, channels),
             "start": tt.start, "end": tt.end, "text": tt.turn.text}
            for tt in timeline.turns
        ],
        "tags": script.tags,
        "topic": script.topic,
        "holds": [{"start": a, "end": b} for a, b in timeline.holds],
        "voices": {"agent": asdict(script.agent_voice), "customer": asdict(script.customer_voice)},
    }


def render_call(meta: dict, script: Script, media_dir: str, labels_dir: str) -> dict:
    """Speak, lay out, mix, write ``media/<RE>.wav`` and ``labels/<CA>.json``; return the label summary."""
    seed = int(meta["seed"])
    signals = speak_turns(script, seed)
    timeline = layout(script, [s.size / tel.RATE for s in signals])
    channels = int(meta["channels"])
    pcm = mix_channels(script, timeline, signals, meta["direction"], channels, seed)
    wav_path = Path(media_dir) / f"{meta['recording_sid']}.wav"
    tmp = wav_path.with_suffix(".wav.part")
    write_wav(tmp, np.stack(pcm, axis=1) if len(pcm) > 1 else pcm[0], tel.RATE)
    tmp.replace(wav_path)
    label = build_label(meta, script, timeline, channels)
    label_path = Path(labels_dir) / f"{meta['call_sid']}.json"
    label_path.write_text(json.dumps(label, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return {"index": meta["index"], "duration": timeline.duration, "expected": label["expected"],
            "turns": len(timeline.turns)}


def estimate_call(script: Script) -> Timeline:
    """The timeline from estimated spoken lengths (``--no-audio``): no espeak-ng, microseconds per call."""
    return layout(script, [estimate_seconds(t.text, _voice_of(script, t.speaker).rate_wpm) for t in script.turns])
