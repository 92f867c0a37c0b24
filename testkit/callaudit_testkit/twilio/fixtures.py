"""Small, spec-valid Twilio data dirs (docs/CONTRACTS.md section 1) for tests and benchmarks.

This is not the synthetic call centre (``callaudit synth`` makes the realistic one with spoken Spanish
dialogues); it makes Twilio-shaped metadata quickly, with tone WAVs where media is wanted:

- :func:`make_call_centre`: a few dozen conversations: an inbound parent leg from a customer number and a
  child ``<Dial>`` leg to ``client:<identity>`` (or a softphone-originated call), with dual-channel DialVerb
  recordings, voicemail (mono RecordVerb) recordings, unanswered/busy/failed calls and one call still
  in progress;
- :func:`make_bulk_call_centre`: the same metadata for 10,000-100,000 calls, no media, for the ingest benchmark.
"""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from callaudit.config import EMULATOR_ACCOUNT_SID
from callaudit.transcription.audio import pcm16_wav_bytes
from callaudit.twilio.resources import AGENT_COLUMNS, API_VERSION, rebase_call, rebase_recording, rfc2822

SAMPLE_RATE = 8000
BUSINESS_NUMBER = "+576015550100"
BUSINESS_NUMBER_SID = "PN" + "5a" * 16

AGENTS = [
    # agent_id, identity, name, vendor, team, supervisor
    ("A001", "maria.lopez", "María López", "Konecta", "Hogar", "Carlos Ruiz"),
    ("A002", "juan.perez", "Juan Pérez", "Konecta", "Hogar", "Carlos Ruiz"),
    ("A003", "ana.gomez", "Ana Gómez", "Konecta", "Móvil", "Carlos Ruiz"),
    ("A004", "luis.martinez", "Luis Martínez", "Teleperformance", "Móvil", "Diana Castro"),
    ("A005", "sofia.ramirez", "Sofía Ramírez", "Teleperformance", "Hogar", "Diana Castro"),
    ("A006", "andres.torres", "Andrés Torres", "Teleperformance", "Móvil", "Diana Castro"),
]


@dataclass(frozen=True)
class FixtureSummary:
    data_dir: Path
    calls: int
    recordings: int
    completed_recordings: int
    media_files: int


class _SidFactory:
    """Deterministic 32-hex sids from the seeded RNG (real sids are random hex too)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.seen: set[str] = set()

    def __call__(self, prefix: str) -> str:
        while True:
            sid = prefix + f"{self.rng.getrandbits(128):032x}"
            if sid not in self.seen:
                self.seen.add(sid)
                return sid


def _customer_number(rng: random.Random) -> str:
    return "+573" + "".join(str(rng.randrange(10)) for _ in range(9))


def _price(seconds: int, per_minute: float) -> str:
    minutes = max(1, -(-seconds // 60))
    return f"{-per_minute * minutes:.4f}"


def _call(
    sid: str,
    *,
    parent: str | None,
    frm: str,
    to: str,
    status: str,
    direction: str,
    created: datetime,
    start: datetime | None,
    end: datetime | None,
    phone_number_sid: str | None,
    queue_ms: int,
    account_sid: str,
) -> dict:
    duration = int((end - start).total_seconds()) if (start and end and status == "completed") else None
    call = {
        "sid": sid,
        "date_created": rfc2822(created),
        "date_updated": rfc2822(end or start or created),
        "parent_call_sid": parent,
        "account_sid": account_sid,
        "to": to,
        "to_formatted": to,
        "from": frm,
        "from_formatted": frm,
        "phone_number_sid": phone_number_sid,
        "status": status,
        "start_time": rfc2822(start),
        "end_time": rfc2822(end),
        "duration": str(duration) if duration is not None else None,  # empty unless completed
        "price": _price(duration, 0.0085) if duration else None,
        "price_unit": "USD",
        "direction": direction,
        "answered_by": None,
        "api_version": API_VERSION,
        "forwarded_from": None,
        "group_sid": None,
        "caller_name": None,
        "queue_time": str(queue_ms),
        "trunk_sid": None,
    }
    return rebase_call(call, account_sid)


def _recording(
    sid: str,
    *,
    call_sid: str,
    start: datetime,
    seconds: int,
    channels: int,
    source: str,
    status: str,
    account_sid: str,
) -> dict:
    created = start
    recording = {
        "account_sid": account_sid,
        "api_version": API_VERSION,
        "call_sid": call_sid,
        "conference_sid": None,
        "date_created": rfc2822(created),
        "date_updated": rfc2822(start + timedelta(seconds=seconds + 2)),
        "start_time": rfc2822(start),
        "duration": str(seconds) if status == "completed" else "-1",
        "sid": sid,
        "price": _price(seconds, 0.0025) if status == "completed" else None,
        "price_unit": "USD",
        "status": status,
        "channels": channels,
        "source": source,
        "error_code": 16107 if status == "absent" else None,
        "encryption_details": None,
    }
    return rebase_recording(recording, account_sid)


def generate(
    conversations: int,
    *,
    days: int = 3,
    start_date: date = date(2024, 5, 6),
    seed: int = 7,
    account_sid: str = EMULATOR_ACCOUNT_SID,
    short_media: bool = True,
    in_progress: int = 1,
    max_calls: int | None = None,
) -> tuple[list[dict], list[dict]]:
    """Calls and recordings for ``conversations`` customer conversations (oldest first).

    ``short_media`` keeps talk times to a few seconds so tone WAVs stay tiny; otherwise durations are
    realistic (1-10 minutes). The ``in_progress`` most recent conversations are still being talked (their
    recording does not exist yet): the case where a later ingest must pick up the status change.
    """
    rng = random.Random(seed)
    new_sid = _SidFactory(rng)
    calls: list[dict] = []
    recordings: list[dict] = []
    base = datetime(start_date.year, start_date.month, start_date.day, tzinfo=UTC)
    # working hours (08:00-19:00 UTC) of each day, oldest first so the last ones are the most recent
    starts = sorted((rng.randrange(days), rng.randrange(8 * 3600, 19 * 3600)) for _ in range(conversations))
    for index, (day, second) in enumerate(starts):
        if max_calls is not None and len(calls) >= max_calls:
            break
        created = base + timedelta(days=day, seconds=second)
        agent = AGENTS[rng.randrange(len(AGENTS))]
        customer = _customer_number(rng)
        roll = rng.random()
        ongoing = index >= conversations - in_progress
        outcome = (
            "in-progress" if ongoing
            else "answered" if roll < 0.72
            else "voicemail" if roll < 0.82
            else "no-answer" if roll < 0.90
            else "busy" if roll < 0.95
            else "failed"
        )
        softphone = outcome == "answered" and rng.random() < 0.2  # the agent calls out from the browser
        parent_sid = new_sid("CA")
        ring = rng.randrange(2, 9)
        talk = rng.randrange(3, 9) if short_media else rng.randrange(60, 600)
        answer = created + timedelta(seconds=1)
        if outcome in ("busy", "failed"):
            # dialed, so start_time is set; end_time and duration stay empty (the spec's field descriptions)
            calls.append(_call(parent_sid, parent=None, frm=customer, to=BUSINESS_NUMBER, status=outcome,
                               direction="inbound", created=created, start=created, end=None,
                               phone_number_sid=BUSINESS_NUMBER_SID, queue_ms=0, account_sid=account_sid))
            continue
        child_sid = new_sid("CA")
        child_start = answer + timedelta(seconds=ring)
        if outcome == "in-progress":
            calls.append(_call(parent_sid, parent=None, frm=customer, to=BUSINESS_NUMBER, status="in-progress",
                               direction="inbound", created=created, start=answer, end=None,
                               phone_number_sid=BUSINESS_NUMBER_SID, queue_ms=0, account_sid=account_sid))
            calls.append(_call(child_sid, parent=parent_sid, frm=BUSINESS_NUMBER, to=f"client:{agent[1]}",
                               status="in-progress", direction="outbound-dial", created=answer, start=child_start,
                               end=None, phone_number_sid=None, queue_ms=ring * 1000, account_sid=account_sid))
            continue
        if outcome == "answered":
            child_end = child_start + timedelta(seconds=talk)
            if softphone:
                parent_from, parent_to = f"client:{agent[1]}", customer
                child_from, child_to = BUSINESS_NUMBER, customer
                parent_pn = None
            else:
                parent_from, parent_to = customer, BUSINESS_NUMBER
                child_from, child_to = BUSINESS_NUMBER, f"client:{agent[1]}"
                parent_pn = BUSINESS_NUMBER_SID
            calls.append(_call(parent_sid, parent=None, frm=parent_from, to=parent_to, status="completed",
                               direction="inbound", created=created, start=answer,
                               end=child_end + timedelta(seconds=1), phone_number_sid=parent_pn, queue_ms=0,
                               account_sid=account_sid))
            calls.append(_call(child_sid, parent=parent_sid, frm=child_from, to=child_to, status="completed",
                               direction="outbound-dial", created=answer, start=child_start, end=child_end,
                               phone_number_sid=None, queue_ms=ring * 1000, account_sid=account_sid))
            status = "completed" if rng.random() < 0.95 else "absent"
            recordings.append(_recording(new_sid("RE"), call_sid=parent_sid, start=child_start, seconds=talk,
                                         channels=2, source="DialVerb", status=status, account_sid=account_sid))
            continue
        # voicemail / no-answer: the agent leg rings out; voicemail records the customer alone (mono)
        parent_end = child_start + timedelta(seconds=talk if outcome == "voicemail" else 1)
        calls.append(_call(parent_sid, parent=None, frm=customer, to=BUSINESS_NUMBER, status="completed",
                           direction="inbound", created=created, start=answer, end=parent_end,
                           phone_number_sid=BUSINESS_NUMBER_SID, queue_ms=0, account_sid=account_sid))
        calls.append(_call(child_sid, parent=parent_sid, frm=BUSINESS_NUMBER, to=f"client:{agent[1]}",
                           status="no-answer", direction="outbound-dial", created=answer, start=answer, end=None,
                           phone_number_sid=None, queue_ms=ring * 1000, account_sid=account_sid))
        if outcome == "voicemail":
            recordings.append(_recording(new_sid("RE"), call_sid=parent_sid, start=child_start, seconds=talk,
                                         channels=1, source="RecordVerb", status="completed",
                                         account_sid=account_sid))
    if max_calls is not None:
        calls = calls[:max_calls]
        kept = {call["sid"] for call in calls}
        recordings = [rec for rec in recordings if rec["call_sid"] in kept]
    return calls, recordings


def tone_wav(path: Path, seconds: float, channels: int) -> int:
    """A PCM16 8 kHz WAV with a distinct tone per channel (so a test can tell the channels apart)."""
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tones = [440.0, 660.0][:channels] if channels == 2 else [550.0]
    signal = np.stack([0.3 * np.sin(2 * np.pi * freq * t) for freq in tones], axis=1)
    pcm = (signal * 32767).astype(np.int16)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pcm16_wav_bytes(pcm, SAMPLE_RATE))
    return path.stat().st_size


def write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False, separators=(",", ":")) + "\n")
    tmp.replace(path)


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as src:
        return [json.loads(line) for line in src if line.strip()]


def write_agents(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(AGENT_COLUMNS)
        for agent in AGENTS:
            writer.writerow([*agent, "true"])


def write_data_dir(
    data_dir: Path,
    calls: list[dict],
    recordings: list[dict],
    *,
    media: bool = True,
    seed: int = 7,
    start_date: date = date(2024, 5, 6),
    days: int = 3,
    generator: str = "callaudit_testkit.twilio.fixtures",
) -> FixtureSummary:
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    write_jsonl(data_dir / "calls.jsonl", calls)
    write_jsonl(data_dir / "recordings.jsonl", recordings)
    write_agents(data_dir / "agents.csv")
    media_files = 0
    if media:
        for rec in recordings:
            if rec["status"] == "completed":
                tone_wav(data_dir / "media" / f"{rec['sid']}.wav", float(rec["duration"]), rec["channels"])
                media_files += 1
    manifest = {
        "generator": generator,
        "version": 1,
        "seed": seed,
        "calls": len(calls),
        "days": days,
        "start_date": start_date.isoformat(),
        "account_sid": calls[0]["account_sid"] if calls else EMULATOR_ACCOUNT_SID,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    (data_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return FixtureSummary(
        data_dir=data_dir,
        calls=len(calls),
        recordings=len(recordings),
        completed_recordings=sum(1 for rec in recordings if rec["status"] == "completed"),
        media_files=media_files,
    )


def make_call_centre(
    data_dir: Path,
    conversations: int = 24,
    *,
    days: int = 3,
    start_date: date = date(2024, 5, 6),
    seed: int = 7,
    account_sid: str = EMULATOR_ACCOUNT_SID,
    media: bool = True,
    in_progress: int = 1,
) -> FixtureSummary:
    """A small data dir with tone WAVs for every completed recording."""
    calls, recordings = generate(conversations, days=days, start_date=start_date, seed=seed,
                                 account_sid=account_sid, short_media=True, in_progress=in_progress)
    return write_data_dir(data_dir, calls, recordings, media=media, seed=seed, start_date=start_date, days=days)


def make_bulk_call_centre(
    data_dir: Path,
    calls: int = 10_000,
    *,
    days: int = 30,
    start_date: date = date(2024, 4, 1),
    seed: int = 11,
    account_sid: str = EMULATOR_ACCOUNT_SID,
) -> FixtureSummary:
    """Exactly ``calls`` Call resources (parents + child legs) and their recordings' metadata; no media."""
    conversations = int(calls / 1.8) + 16  # ~1.9 legs per conversation: generate enough, then trim
    call_rows, recording_rows = generate(conversations, days=days, start_date=start_date, seed=seed,
                                         account_sid=account_sid, short_media=False, in_progress=0,
                                         max_calls=calls)
    return write_data_dir(data_dir, call_rows, recording_rows, media=False, seed=seed, start_date=start_date,
                          days=days)
