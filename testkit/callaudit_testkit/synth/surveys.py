"""The synthetic call centre's customers answer a post-call survey: a subset of the calls, from a hidden model.

About 40 % of the calls with audio are surveyed (a seeded draw). Each customer's satisfaction is a latent score on
0–10 computed from the call's ground truth (``labels/<CA>.json``: scenario, tags, expected labels, holds) — whether
the problem was resolved, the customer's anger and how the call ended, the protocol steps the agent skipped,
forbidden words, long holds, interruptions, an escalation — plus noise (people differ). The customer then answers
either an NPS question (0–10, the latent score rounded) or a CSAT one (1–5, the latent score mapped and rounded).

The predictor (callaudit/satisfaction) never sees this model nor the labels: it only sees the auditor's columns in
gold, which measure the same calls imperfectly (transcription errors, sentiment read from words). Surveys are
deterministic for a given seed (same answers, same ``answered_at``), so landing them again changes nothing.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from callaudit.satisfaction.records import Survey

SHARE = 0.4
NPS_SHARE = 0.65
NOISE = 1.0
UNRESOLVED = {"dropped_call", "agent_silent"}


def latent_satisfaction(label: dict, rng: random.Random) -> float:
    """The hidden generative model: 0–10 satisfaction from the ground truth, plus noise."""
    exp = label.get("expected") or {}
    tags = set(label.get("tags") or []) | {label.get("scenario")}
    resolved = not (tags & UNRESOLVED) and not exp.get("escalation")
    steps = ["greeting", "identification", "help_offer"] + (["farewell"] if exp.get("farewell_applicable", True)
                                                           else [])
    missing = sum(1 for step in steps if exp.get(step) is False)
    s = 6.0
    s += 1.5 if resolved else -2.0
    s += 1.0 if "happy_customer" in tags else 0.0
    s -= 1.5 if exp.get("customer_sentiment") == "negative" else 0.0
    s -= 1.5 if exp.get("customer_ends_upset") else 0.0
    s -= 0.6 * missing
    s -= 1.8 if exp.get("forbidden_words") else 0.0
    s -= 1.2 if exp.get("long_hold") else 0.0
    s -= 0.4 * min(int(exp.get("interruptions") or 0), 5)
    s -= 1.0 if exp.get("escalation") else 0.0
    s += rng.gauss(0.0, NOISE)
    return min(10.0, max(0.0, s))


def answer(latent: float, rng: random.Random) -> tuple[str, int]:
    """The customer's answer: NPS (0–10) or CSAT (1–5)."""
    if rng.random() < NPS_SHARE:
        return "nps", int(round(latent))
    return "csat", int(min(5, max(1, round(1 + latent * 4 / 10))))


def _call_end_times(calls_jsonl: Path) -> dict[str, datetime]:
    from email.utils import parsedate_to_datetime

    out = {}
    if calls_jsonl.is_file():
        for line in calls_jsonl.read_text(encoding="utf-8").splitlines():
            call = json.loads(line) if line.strip() else {}
            if call.get("sid") and call.get("end_time"):
                out[call["sid"]] = parsedate_to_datetime(call["end_time"]).astimezone(UTC)
    return out


def synthetic_surveys(labels_dir: Path, *, seed: int = 7, share: float = SHARE) -> list[Survey]:
    """Survey answers for ``share`` of the labelled calls (seeded), sorted by call."""
    labels = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(labels_dir).glob("*.json"))]
    labels = [lbl for lbl in labels if lbl.get("call_sid") and lbl.get("expected")]
    if not labels:
        return []
    ended = _call_end_times(Path(labels_dir).parent / "calls.jsonl")
    rng = random.Random(f"synthetic-customers:{seed}")
    chosen = sorted(rng.sample(labels, max(1, round(len(labels) * share))), key=lambda lbl: lbl["call_sid"])
    fallback = datetime(2026, 1, 1, 15, tzinfo=UTC)
    out = []
    for label in chosen:
        call_rng = random.Random(f"synthetic-customers:{seed}:{label['call_sid']}")
        kind, score = answer(latent_satisfaction(label, call_rng), call_rng)
        when = ended.get(label["call_sid"], fallback) + timedelta(minutes=call_rng.randint(5, 180))
        out.append(Survey(call_sid=label["call_sid"], survey_type=kind, score=score,
                          answered_at=when.replace(microsecond=0)))
    return out
