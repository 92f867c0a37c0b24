"""Speak an analysts' evaluation set as a call centre: ``callaudit synth --from-set evaluation/es_co/test``.

Each call file (evaluation/FORMAT.md) becomes a completed Twilio call (parent + child leg) with a dual-channel
recording spoken by espeak-ng through the telephone chain, exactly like the synthetic call centre's calls, so
the emulator serves them and ingest, the pipeline and the recogniser process them for real. Differences:

* the ground truth is the analyst's marks, not scenario slots (``labels/<CA>.json``'s ``expected`` is the call
  file's ``labels``; ``eval_id`` names the file);
* the agent directory holds the set's agents (``agents.csv``), so the pipeline knows each agent's name as it
  would in production;
* ``reference/<RE>.json`` holds the call's reference transcript with the turns' real timing in the recording —
  what the ``reference`` engine returns, to measure the rules apart from the recogniser.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import random
import time
from collections import Counter
from pathlib import Path

from callaudit.errors import UserError
from callaudit.scoring.evalset import EvalCall, label_of, load_set
from callaudit.transcript import Segment, Transcript
from callaudit_testkit.synth import phrases as P
from callaudit_testkit.synth import twilio_resources as tr
from callaudit_testkit.synth.agents import AGENTS, DIRECTORY_COLUMNS, Agent
from callaudit_testkit.synth.dialogue import CUSTOMER_MALE_VOICES, Script, Turn, Voice
from callaudit_testkit.synth.generator import (
    GENERATOR,
    GENERATOR_VERSION,
    SynthSummary,
    _Call,
    _prepare_out_dir,
    _render_all,
    _swap_into_place,
    _write_metadata,
)
from callaudit_testkit.synth.pii import mobile_number

VENDORS = ("Konecta", "Teleperformance")


def _voices(gender: str) -> list[Agent]:
    """The directory's agent voices of a gender (chosen by measured recogniser WER, see agents.py)."""
    return [a for a in AGENTS if a.gender == gender] or list(AGENTS)


def set_agents(calls: list[EvalCall]) -> dict[str, Agent]:
    """One directory entry per agent of the set, keyed by identity; each with a voice of their gender."""
    out: dict[str, Agent] = {}
    for call in calls:
        identity = call.agent_identity
        if identity in out:
            continue
        k = len(out)
        like = _voices(call.agent_gender)[k % len(_voices(call.agent_gender))]
        out[identity] = Agent(
            agent_id=f"E{k + 1:03d}", identity=identity, name=call.agent_name, vendor=VENDORS[k % 2],
            team="Evaluación", supervisor="Equipo de calidad", active=True, gender=call.agent_gender,
            voice=like.voice, rate_wpm=like.rate_wpm, pitch=like.pitch)
    return out


def directory_csv(agents: dict[str, Agent]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(DIRECTORY_COLUMNS)
    for a in agents.values():
        writer.writerow([a.agent_id, a.identity, a.name, a.vendor, a.team, a.supervisor, "true"])
    return buf.getvalue()


def script_of(call: EvalCall, agent: Agent, rng: random.Random) -> Script:
    """The call file's turns as a synth dialogue script (interruptions overlap, holds are silence)."""
    turns = []
    for i, t in enumerate(call.turns):
        gap = 0.0 if i == 0 else rng.uniform(0.35, 1.0)
        if t.interrupts and i:
            gap = -rng.uniform(0.9, 1.6)
        turns.append(Turn(t.speaker, t.text, gap=gap, hold_before=t.hold_before))
    agent_voice = Voice(agent.voice, agent.rate_wpm + rng.randint(-4, 4), agent.pitch + rng.randint(-3, 3),
                        rng.uniform(-19.0, -17.0))
    if call.customer_gender == "f" and rng.random() < 0.5:
        cvoice, pitch = "es-419+f2", rng.randint(50, 62)
    else:
        cvoice = rng.choice([v for v in CUSTOMER_MALE_VOICES if v != agent.voice])
        pitch = rng.randint(64, 76) if call.customer_gender == "f" else rng.randint(30, 55)
    customer_voice = Voice(cvoice, rng.randint(148, 170), pitch, rng.uniform(-21.0, -17.0))
    return Script(call.id, [call.id], turns, agent_voice, customer_voice, rng.uniform(0.4, 1.2),
                  rng.uniform(0.6, 1.6), None, "", "")


def _plan(calls: list[EvalCall], agents: dict[str, Agent], first_day: dt.date, seed: int) -> list[_Call]:
    plan = []
    day0 = int(dt.datetime(first_day.year, first_day.month, first_day.day, 13, tzinfo=dt.UTC).timestamp())
    company = next(iter(P.COMPANY_LINES))
    for i, call in enumerate(calls):
        rng = random.Random(f"{seed}:{call.id}:evalcall")
        t0 = day0 + i * 600 + rng.randint(0, 300)  # one call every ten minutes, from 08:00 Bogotá
        plan.append(_Call(
            index=i, t0=t0, direction="inbound" if call.direction == "inbound" else "outbound-api",
            agent=agents[call.agent_identity], customer="+57" + mobile_number(rng), company=company,
            parent_status="completed", child_status="completed", ring=rng.randint(2, 8),
            pre=rng.randint(4, 30) if call.direction == "inbound" else rng.randint(1, 4), post=0,
            queue_time_ms=0, seed=rng.getrandbits(63), parent_sid=tr.new_sid("CA", rng),
            child_sid=tr.new_sid("CA", rng), recording_sid=tr.new_sid("RE", rng),
            date_updated_lag=rng.randint(1, 5), recording_lag=rng.randint(3, 20), recording_status="completed",
            channels=2, script=script_of(call, agents[call.agent_identity], rng)))
    return plan


def reference_of(label: dict) -> Transcript:
    """The reference transcript of a rendered call: its turns with their real timing in the recording."""
    agent_channel = label.get("agent_channel") or 2
    segments = [Segment(speaker=t["speaker"], channel=t["channel"], start=t["start"], end=t["end"], text=t["text"])
                for t in label["turns"]]
    return Transcript(recording_sid=label["recording_sid"], call_sid=label["call_sid"], segments=segments,
                      text="\n".join(f"{s.speaker}: {s.text}" for s in segments), language="es", engine="reference",
                      channels=2, agent_channel=agent_channel, duration_seconds=label["duration_seconds"])


def generate_from_set(set_dir: str | Path, out_dir: str | Path, *, seed: int = 11, start_date: str | None = None,
                      progress: bool = True, workers: int | None = None, overwrite: bool = False) -> SynthSummary:
    """Speak every call of an evaluation set into a synthetic-call-centre folder (docs/CONTRACTS.md section 1,
    plus ``reference/``). Same set and seed -> the same files."""
    from callaudit.config import EMULATOR_ACCOUNT_SID

    started = time.perf_counter()
    calls = load_set(set_dir)
    first_day = dt.date.fromisoformat(start_date) if start_date else dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    agents = set_agents(calls)
    plan = _plan(calls, agents, first_day, seed)
    out_path = Path(out_dir).expanduser().resolve()
    tmp = _prepare_out_dir(out_path, overwrite)
    try:
        (tmp / "reference").mkdir()
        summary = SynthSummary(out_dir=out_path, seed=seed, calls=len(calls), days=1,
                               start_date=first_day.isoformat(), audio=True)
        jobs = [({"index": c.index, "seed": c.seed, "call_sid": c.parent_sid, "recording_sid": c.recording_sid,
                  "direction": c.direction, "channels": c.channels, "agent_id": c.agent.agent_id,
                  "agent_identity": c.agent.identity}, c.script) for c in plan]
        results = _render_all(jobs, tmp / "media", tmp / "labels", workers or 2, progress)
        for c, call in zip(plan, calls, strict=True):
            c.talk = results[c.index]["duration"]
            path = tmp / "labels" / f"{c.parent_sid}.json"
            rendered = json.loads(path.read_text(encoding="utf-8"))
            label = {**rendered, **label_of(call, call_sid=c.parent_sid, recording_sid=c.recording_sid,
                                            duration=rendered["duration_seconds"])}
            path.write_text(json.dumps(label, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
            (tmp / "reference" / f"{c.recording_sid}.json").write_text(reference_of(label).to_json(),
                                                                        encoding="utf-8")
        summary.audio_files = summary.labels = len(results)
        summary.audio_seconds = float(sum(r["duration"] for r in results.values()))
        _write_metadata(tmp, plan, EMULATOR_ACCOUNT_SID, summary, progress)
        manifest = {
            "generator": GENERATOR, "version": GENERATOR_VERSION, "seed": seed, "calls": len(calls), "days": 1,
            "start_date": first_day.isoformat(), "account_sid": EMULATOR_ACCOUNT_SID,
            "created_at": f"{(first_day + dt.timedelta(days=1)).isoformat()}T00:00:00Z", "audio": True,
            "legs": summary.legs, "recordings": summary.recordings,
            "evaluation_set": str(Path(set_dir)), "scenarios": dict(Counter(c.direction for c in calls)),
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        (tmp / "agents.csv").write_text(directory_csv(agents), encoding="utf-8")
        _swap_into_place(tmp, out_path)
    except BaseException:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if not results:
        raise UserError(f"{set_dir}: nothing was rendered")
    summary.scenarios = {"evaluation calls": len(calls)}
    summary.elapsed_seconds = time.perf_counter() - started
    return summary
