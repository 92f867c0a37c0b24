"""Evaluation sets: calls written by QA analysts, labelled under evaluation/CONVENTIONS.md (format: FORMAT.md).

One YAML file per call: who the agent is, the turns as said, and the analyst's marks. This module reads a set,
checks every file (``file: what is wrong``), turns each call into

* a **reference transcript** (:func:`reference_transcript`): the turns as a perfect recogniser would give them,
  laid out on a timeline at a normal speaking rate — what ``callaudit scorecard evaluate --set`` scores; and
* a **label** in the ground-truth shape of docs/CONTRACTS.md section 1 (:func:`label_of`), so the same
  comparison code reads synthetic-call-centre labels and analysts' sets.

The synthetic call centre can also speak a set (``callaudit synth --from-set DIR``): every call then goes through
the emulator, ingest, the pipeline and the recogniser, and the accuracy bench compares the pipeline's gold
audits with these labels.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from callaudit.errors import UserError
from callaudit.transcript import Segment, Transcript

LABEL_KEYS = ("greeting", "identification", "help_offer", "farewell", "forbidden_words", "customer_sentiment",
              "customer_ends_upset", "escalation")
SENTIMENTS = ("negative", "neutral", "positive")
SPEAKING_WPM = 160  # a calm contact-centre pace; the reference transcript's timing only needs to be plausible
TURN_GAP = 0.6


@dataclass
class EvalTurn:
    speaker: str  # agent | customer
    text: str
    interrupts: bool = False
    hold_before: float = 0.0


@dataclass
class EvalCall:
    id: str
    path: Path
    direction: str  # inbound | outbound
    company: str
    agent_name: str
    agent_gender: str
    customer_gender: str
    turns: list[EvalTurn]
    labels: dict[str, Any]
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def agent_identity(self) -> str:
        """A directory identity made from the name: "Leidy Johana Ríos" -> "leidy.rios"."""
        from callaudit.scoring.normalize import normalize

        parts = normalize(self.agent_name).split()
        return f"{parts[0]}.{parts[-1]}" if len(parts) > 1 else parts[0]


def load_set(directory: str | Path) -> list[EvalCall]:
    """Every ``*.yml`` call of a set folder (sorted by file name); all problems reported at once."""
    d = Path(directory)
    if not d.is_dir():
        raise UserError(f"evaluation set not found: {d}", hint="a folder of call files, e.g. evaluation/es_co/test")
    calls: list[EvalCall] = []
    problems: list[str] = []
    for path in sorted(d.glob("*.yml")):
        try:
            calls.append(parse_call(path.read_text(encoding="utf-8"), path))
        except ValueError as exc:
            problems.append(f"{path}: {exc}")
    if problems:
        raise UserError(f"{len(problems)} call file(s) of {d} are not valid:\n  " + "\n  ".join(problems),
                        hint="the format is evaluation/FORMAT.md")
    if not calls:
        raise UserError(f"no call files (*.yml) in {d}", hint="the format is evaluation/FORMAT.md")
    ids = [c.id for c in calls]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise UserError(f"{d}: call ids used twice: {', '.join(dupes)}")
    return calls


def parse_call(text: str, path: Path) -> EvalCall:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(f"not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise ValueError("a call file is a mapping (id, direction, agent, turns, labels...)")
    for key in ("id", "direction", "agent", "turns", "labels"):
        if key not in doc:
            raise ValueError(f"missing '{key}'")
    if doc["direction"] not in ("inbound", "outbound"):
        raise ValueError(f"direction must be inbound or outbound, got {doc['direction']!r}")
    agent = doc["agent"]
    if not isinstance(agent, dict) or not str(agent.get("name") or "").strip():
        raise ValueError("agent must be {name: ..., gender: f|m}")
    turns: list[EvalTurn] = []
    hold = 0.0
    for i, item in enumerate(doc["turns"] or []):
        if not isinstance(item, dict):
            raise ValueError(f"turns[{i}] must be a mapping like {{agent: '...'}}")
        if "hold" in item:
            hold += float(item["hold"])
            continue
        speakers = [k for k in ("agent", "customer") if k in item]
        if len(speakers) != 1 or not str(item[speakers[0]] or "").strip():
            raise ValueError(f"turns[{i}] must have exactly one of agent / customer with the text said")
        unknown = set(item) - {"agent", "customer", "interrupts"}
        if unknown:
            raise ValueError(f"turns[{i}]: unknown key(s) {sorted(unknown)}")
        turns.append(EvalTurn(speakers[0], str(item[speakers[0]]).strip(), bool(item.get("interrupts")), hold))
        hold = 0.0
    if not any(t.speaker == "agent" for t in turns) or not any(t.speaker == "customer" for t in turns):
        raise ValueError("a call needs turns of both the agent and the customer")
    labels = doc["labels"]
    if not isinstance(labels, dict):
        raise ValueError("labels must be a mapping")
    missing = [k for k in LABEL_KEYS if k not in labels]
    if missing:
        raise ValueError(f"labels: missing {', '.join(missing)}")
    for k in ("greeting", "identification", "help_offer", "farewell", "customer_ends_upset", "escalation"):
        if not isinstance(labels[k], bool):
            raise ValueError(f"labels.{k} must be true or false, got {labels[k]!r}")
    if labels["customer_sentiment"] not in SENTIMENTS:
        raise ValueError(f"labels.customer_sentiment must be one of {', '.join(SENTIMENTS)}")
    words = labels["forbidden_words"] or []
    if not isinstance(words, list) or not all(isinstance(w, str) and w.strip() for w in words):
        raise ValueError("labels.forbidden_words must be a list of expressions")
    return EvalCall(
        id=str(doc["id"]), path=path, direction=doc["direction"], company=str(doc.get("company") or ""),
        agent_name=str(agent["name"]).strip(), agent_gender=str(agent.get("gender") or "f"),
        customer_gender=str((doc.get("customer") or {}).get("gender") or "m"), turns=turns,
        labels={**labels, "forbidden_words": [w.strip() for w in words]}, notes=str(doc.get("notes") or ""),
    )


def estimate_seconds(text: str) -> float:
    return 0.3 + len(text.split()) * 60.0 / SPEAKING_WPM


def timeline(call: EvalCall) -> list[tuple[EvalTurn, float, float]]:
    """(turn, start, end) at a normal speaking pace; an interruption starts a second before the previous turn
    ends, a hold is silence before its turn."""
    out: list[tuple[EvalTurn, float, float]] = []
    t = 0.5
    for turn in call.turns:
        length = estimate_seconds(turn.text)
        if turn.interrupts and out:
            start = max(out[-1][1] + 0.5, out[-1][2] - 1.0)
        else:
            start = t + (TURN_GAP if out else 0.0) + turn.hold_before
        end = start + length
        out.append((turn, round(start, 2), round(end, 2)))
        t = max(t, end)
    return out


def reference_transcript(call: EvalCall) -> Transcript:
    """The call as a perfect dual-channel recogniser would transcribe it (no word probabilities: a reference
    transcript is certain, so nothing in it is 'not determinable')."""
    agent_channel = 2 if call.direction == "inbound" else 1
    segments = [
        Segment(speaker=turn.speaker, channel=agent_channel if turn.speaker == "agent" else 3 - agent_channel,
                start=start, end=end, text=turn.text)
        for turn, start, end in timeline(call)
    ]
    duration = round(max(s.end for s in segments) + 1.0, 1)
    return Transcript(recording_sid=f"RE-{call.id}", call_sid=f"CA-{call.id}", segments=segments,
                      text="\n".join(f"{s.speaker}: {s.text}" for s in segments), language="es",
                      engine="reference", channels=2, agent_channel=agent_channel, duration_seconds=duration)


def label_of(call: EvalCall, *, call_sid: str | None = None, recording_sid: str | None = None,
             duration: float | None = None) -> dict[str, Any]:
    """The call's marks as a ground-truth label (docs/CONTRACTS.md section 1)."""
    lb = call.labels
    return {
        "call_sid": call_sid or f"CA-{call.id}",
        "recording_sid": recording_sid or f"RE-{call.id}",
        "eval_id": call.id,
        "scenario": call.id,
        "agent_name": call.agent_name,
        "agent_identity": call.agent_identity,
        "direction": call.direction,
        "duration_seconds": duration,
        "expected": {
            "greeting": lb["greeting"], "identification": lb["identification"], "help_offer": lb["help_offer"],
            "farewell": lb["farewell"], "forbidden_words": list(lb["forbidden_words"]),
            "customer_sentiment": lb["customer_sentiment"], "customer_ends_upset": lb["customer_ends_upset"],
            "escalation": lb["escalation"],
        },
        "notes": call.notes,
    }
