"""The synthetic call centre: ``generate_call_centre()`` writes ``twilio_data/`` (docs/CONTRACTS.md section 1).

How a call is modelled (Twilio ``<Dial>`` semantics):

* **inbound** (about 85%): the customer's mobile (+57 3xx…) calls a company number -> the *parent* leg
  (direction ``inbound``); TwiML ``<Dial record="record-from-answer-dual"><Client>`` rings the agent -> the *child*
  leg (``outbound-dial``, ``parent_call_sid`` = parent, from the company number, to ``client:<identity>``);
* **click-to-call / callbacks** (about 15%): the backend creates a call through the REST API to the agent's
  softphone -> parent leg ``outbound-api``, from the company caller ID to ``client:<identity>``; its TwiML dials
  the customer -> child leg ``outbound-dial`` to the customer's number. (The agent is on the parent leg, so on
  channel 1 of the recording; inbound agents are on channel 2.)
* the recording belongs to the parent call (Twilio: "always refers to the parent leg"), starts when the child
  answers and lasts until hang-up; it exists only when the child leg was answered.

Everything is a pure function of ``seed`` (and the window), so the same seed gives byte-identical files; audio
is rendered in worker processes (see :mod:`callaudit_testkit.synth.tts` for why espeak-ng needs that).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import os
import random
import shutil
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from callaudit.errors import UserError
from callaudit_testkit.synth import phrases as P
from callaudit_testkit.synth import twilio_resources as tr
from callaudit_testkit.synth.agents import AGENTS, UNKNOWN_AGENTS, Agent, agents_csv
from callaudit_testkit.synth.audio import estimate_call, render_call
from callaudit_testkit.synth.dialogue import SCENARIOS, Script, allocate_scenarios, build_script
from callaudit_testkit.synth.pii import mobile_number

GENERATOR = "callaudit_testkit.synth"
GENERATOR_VERSION = "1"
BOGOTA_UTC_OFFSET = -5  # America/Bogota has no DST
MAX_CALLS = 2_000_000

# local business hours: weekday 07-19 with morning and afternoon peaks, Saturday 08-13, a trickle on Sunday
_WEEKDAY_HOURS = np.array([3, 6, 9, 10, 8, 6, 7, 9, 8, 7, 5, 3], dtype=float)  # 07..18
_SATURDAY_HOURS = np.array([4, 6, 6, 5, 3], dtype=float)  # 08..12
_SUNDAY_HOURS = np.array([2, 3, 3, 2], dtype=float)  # 09..12
_DAY_WEIGHT = {0: 1.0, 1: 1.0, 2: 0.97, 3: 0.95, 4: 0.9, 5: 0.35, 6: 0.06}


@dataclass
class SynthSummary:
    """What :func:`generate_call_centre` produced (the CLI prints it as a table)."""

    out_dir: Path
    seed: int
    calls: int
    days: int
    start_date: str
    audio: bool
    legs: int = 0
    parent_status: dict[str, int] = field(default_factory=dict)
    child_status: dict[str, int] = field(default_factory=dict)
    directions: dict[str, int] = field(default_factory=dict)
    recordings: int = 0
    recording_status: dict[str, int] = field(default_factory=dict)
    recording_channels: dict[str, int] = field(default_factory=dict)
    audio_files: int = 0
    audio_seconds: float = 0.0
    labels: int = 0
    scenarios: dict[str, int] = field(default_factory=dict)
    unknown_agent_calls: int = 0
    elapsed_seconds: float = 0.0

    @property
    def audio_minutes(self) -> float:
        return self.audio_seconds / 60.0

    def lines(self) -> list[tuple[str, str]]:
        def fmt(d: dict) -> str:
            return ", ".join(f"{k} {v}" for k, v in sorted(d.items(), key=lambda kv: (-kv[1], kv[0])))

        return [
            ("output", str(self.out_dir)),
            ("window", f"{self.start_date} + {self.days} days, seed {self.seed}"),
            ("calls (parent legs)", f"{self.calls}  ({fmt(self.directions)})"),
            ("parent status", fmt(self.parent_status)),
            ("child legs", f"{self.legs - self.calls}  ({fmt(self.child_status)})"),
            ("recordings", f"{self.recordings}  ({fmt(self.recording_status)}; channels {fmt(self.recording_channels)})"),
            ("audio", f"{self.audio_files} WAV files, {self.audio_minutes:.1f} min" if self.audio
             else "none (--no-audio: metadata only)"),
            ("labels", str(self.labels)),
            ("scenarios", fmt(self.scenarios)),
            ("unknown-agent calls", str(self.unknown_agent_calls)),
            ("elapsed", f"{self.elapsed_seconds:.1f} s"),
        ]


@dataclass
class _Call:
    """One customer interaction (parent leg + optional child leg) while it is being generated."""

    index: int
    t0: int  # epoch seconds, parent created
    direction: str
    agent: Agent
    customer: str  # E.164
    company: str  # E.164 company number
    parent_status: str
    child_status: str | None  # None: no child leg
    ring: int  # seconds the child rang
    pre: int  # seconds from parent start to child dialed (IVR + queue / agent pick-up)
    post: int  # seconds the parent stayed after the child ended (unanswered) or 0
    queue_time_ms: int
    seed: int
    parent_sid: str
    child_sid: str
    recording_sid: str
    date_updated_lag: int
    recording_lag: int
    talk: int = 0  # seconds of conversation (= recording duration) when the child answered
    recording_status: str | None = None  # completed / absent / processing; None: no recording
    channels: int = 2
    script: Script | None = None


def _parse_start_date(start_date: str | dt.date | None, days: int) -> dt.date:
    if start_date is None:
        return dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days)
    if isinstance(start_date, dt.datetime):
        return start_date.date()
    if isinstance(start_date, dt.date):
        return start_date
    try:
        return dt.date.fromisoformat(str(start_date))
    except ValueError:
        raise UserError(f"--start-date {start_date!r} is not a date",
                        hint="use YYYY-MM-DD, for example --start-date 2024-05-01") from None


def _sample_start_times(n: int, first_day: dt.date, days: int, seed: int) -> np.ndarray:
    """n call arrival times (epoch seconds, sorted) in Bogotá business hours over the window."""
    rng = np.random.default_rng([seed, 0xCA11])
    day_dates = [first_day + dt.timedelta(days=d) for d in range(days)]
    weights = np.array([_DAY_WEIGHT[d.weekday()] for d in day_dates])
    day_idx = rng.choice(days, size=n, p=weights / weights.sum())
    out = np.empty(n, dtype=np.int64)
    for d, date in enumerate(day_dates):
        mask = day_idx == d
        k = int(mask.sum())
        if not k:
            continue
        wd = date.weekday()
        hours, first_hour = ((_WEEKDAY_HOURS, 7) if wd < 5 else (_SATURDAY_HOURS, 8) if wd == 5
                             else (_SUNDAY_HOURS, 9))
        hour = first_hour + rng.choice(len(hours), size=k, p=hours / hours.sum())
        second = rng.integers(0, 3600, size=k)
        midnight_utc = int(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC).timestamp())
        out[mask] = midnight_utc + (hour - BOGOTA_UTC_OFFSET) * 3600 + second
    out.sort()
    return out


def _company_pn(number: str, account_sid: str) -> str:
    return "PN" + hashlib.sha256(f"{account_sid}:{number}".encode()).hexdigest()[:32]


def _outcome(rng: random.Random, direction: str) -> tuple[str, str | None]:
    """(parent status, child status or None) with realistic shares."""
    u = rng.random()
    if direction == "inbound":
        table = [(0.86, ("completed", "completed")), (0.91, ("completed", "canceled")),
                 (0.95, ("completed", "no-answer")), (0.97, ("completed", "busy")),
                 (0.98, ("completed", "failed")), (0.99, ("busy", None)), (1.01, ("failed", None))]
    else:
        table = [(0.03, ("no-answer", None)), (0.05, ("canceled", None)), (0.70, ("completed", "completed")),
                 (0.86, ("completed", "no-answer")), (0.94, ("completed", "busy")),
                 (0.97, ("completed", "failed")), (1.01, ("completed", "canceled"))]
    for threshold, outcome in table:
        if u < threshold:
            return outcome
    return table[-1][1]  # pragma: no cover


def _plan_calls(n: int, first_day: dt.date, days: int, seed: int, account_sid: str) -> list[_Call]:
    starts = _sample_start_times(n, first_day, days, seed)
    master = random.Random(f"{seed}:customers")
    repeat_pool = ["+57" + mobile_number(master) for _ in range(max(5, n // 12))]
    window_start = int(starts[0]) if n else 0
    window_len = max(1, int(starts[-1]) - window_start) if n else 1
    active = [a for a in AGENTS if a.active]
    inactive = [a for a in AGENTS if not a.active]
    companies = list(P.COMPANY_LINES)
    calls = []
    for i in range(n):
        rng = random.Random(f"{seed}:{i}:call")
        t0 = int(starts[i])
        direction = "outbound-api" if rng.random() < 0.15 else "inbound"
        u = rng.random()
        if u < 0.01:
            agent = rng.choice(UNKNOWN_AGENTS)
        elif inactive and (t0 - window_start) / window_len < 0.4 and u < 0.09:
            agent = rng.choice(inactive)  # left the team mid-window: only early calls
        else:
            agent = rng.choice(active)
        customer = rng.choice(repeat_pool) if rng.random() < 0.2 else "+57" + mobile_number(rng)
        company = companies[0] if rng.random() < 0.8 else companies[1]
        parent_status, child_status = _outcome(rng, direction)
        if direction == "inbound":
            pre, ring = rng.randint(4, 45), rng.randint(2, 9)
            if child_status == "canceled":
                ring = rng.randint(3, 20)
            elif child_status == "no-answer":
                ring = rng.randint(20, 30)
            elif child_status in ("busy", "failed"):
                ring = rng.randint(0, 2)
        else:
            pre, ring = rng.randint(1, 4), rng.randint(4, 25)
            if child_status == "no-answer":
                ring = rng.randint(25, 35)
            elif child_status in ("busy", "failed"):
                ring = rng.randint(1, 6)
        post = rng.randint(3, 15) if child_status not in (None, "completed", "canceled") else 0
        calls.append(_Call(
            index=i, t0=t0, direction=direction, agent=agent, customer=customer, company=company,
            parent_status=parent_status, child_status=child_status, ring=ring, pre=pre, post=post,
            queue_time_ms=(rng.choice([1000, 2000]) if direction == "outbound-api" and rng.random() < 0.1 else 0),
            seed=rng.getrandbits(63),
            parent_sid=tr.new_sid("CA", rng), child_sid=tr.new_sid("CA", rng), recording_sid=tr.new_sid("RE", rng),
            date_updated_lag=rng.randint(1, 5), recording_lag=rng.randint(3, 20),
            talk=rng.randint(35, 110),  # placeholder for recordings without audio (absent / processing)
        ))
    return calls


def _assign_recordings(calls: list[_Call], seed: int) -> list[_Call]:
    """Give answered calls a recording; pick the rare edge cases. Returns the calls that get audio."""
    rng = random.Random(f"{seed}:recordings")
    recorded = [c for c in calls if c.child_status == "completed"]
    for c in recorded:
        c.recording_status = "completed"
    m = len(recorded)
    order = rng.sample(recorded, k=m)
    n_absent = max(1 if m >= 12 else 0, round(0.01 * m))
    n_processing = max(1 if m >= 12 else 0, round(0.01 * m))
    n_mono = max(1 if m >= 12 else 0, round(0.02 * m))
    for c in order[:n_absent]:
        c.recording_status = "absent"
    for c in order[n_absent:n_absent + n_processing]:
        c.recording_status = "processing"
    for c in order[n_absent + n_processing:n_absent + n_processing + n_mono]:
        c.channels = 1
    with_audio = [c for c in recorded if c.recording_status == "completed"]
    # at least one call with audio is taken by an agent who is not in the directory
    if with_audio and not any(c.agent in UNKNOWN_AGENTS for c in with_audio):
        rng.choice(with_audio).agent = UNKNOWN_AGENTS[0]
    return with_audio


def _prototype_lengths(seed: int, per_scenario: int = 24) -> dict[tuple[str, str], list[int]]:
    """(scenario, direction) -> recording lengths (s) of prototype dialogues laid out with estimated timings."""
    out: dict[tuple[str, str], list[int]] = {}
    for scenario in SCENARIOS:
        for direction in ("inbound", "outbound-api"):
            lengths = []
            for k in range(per_scenario):
                rng = random.Random(f"{seed}:prototype:{scenario}:{direction}:{k}")
                agent = AGENTS[k % len(AGENTS)]
                script = build_script(rng, scenario, direction, agent, 8 + k % 10)
                lengths.append(estimate_call(script).duration)
            out[(scenario, direction)] = lengths
    return out


def _local_hour(epoch: int) -> int:
    return (time.gmtime(epoch).tm_hour + BOGOTA_UTC_OFFSET) % 24


def _legs(c: _Call, account_sid: str) -> tuple[list[dict], dict | None]:
    """The Call resources (parent, child) and the Recording resource of one interaction.

    Calls come back as keyword arguments of :func:`twilio_resources.call_resource` / ``call_json``.
    """
    client = f"client:{c.agent.identity}"
    company_pn = _company_pn(c.company if c.direction == "inbound" else P.OUTBOUND_CALLER_ID, account_sid)
    t0 = c.t0
    if c.direction == "inbound":
        parent_from, parent_to, parent_rate = c.customer, c.company, tr.PRICE_PER_MINUTE["inbound"]
        child_from, child_to, child_rate = c.company, client, tr.PRICE_PER_MINUTE["client"]
        parent_answer = t0  # Twilio answers the inbound call with TwiML right away
        child_pn = None
    else:
        parent_from, parent_to, parent_rate = P.OUTBOUND_CALLER_ID, client, tr.PRICE_PER_MINUTE["client"]
        child_from, child_to, child_rate = P.OUTBOUND_CALLER_ID, c.customer, tr.PRICE_PER_MINUTE["outbound-pstn"]
        parent_answer = t0 + c.pre  # the agent picks up the softphone
        child_pn = company_pn
    child_created = (t0 + c.pre) if c.direction == "inbound" else parent_answer + 1
    recording = None
    if c.parent_status != "completed":  # busy / failed / no-answer / canceled, no child leg
        updated = t0 + (c.ring if c.parent_status in ("no-answer", "canceled") else 1) + c.date_updated_lag
        parent = dict(
            account_sid=account_sid, sid=c.parent_sid, parent_call_sid=None, direction=c.direction,
            from_=parent_from, to=parent_to, status=c.parent_status, date_created=t0, start_time=t0,
            end_time=None, date_updated=updated, price_per_minute=None, phone_number_sid=company_pn,
            queue_time_ms=c.queue_time_ms)
        return [parent], None
    if c.child_status == "completed":
        child_start = child_created + c.ring
        end = child_start + c.talk
        child = dict(
            account_sid=account_sid, sid=c.child_sid, parent_call_sid=c.parent_sid, direction="outbound-dial",
            from_=child_from, to=child_to, status="completed", date_created=child_created, start_time=child_start,
            end_time=end, date_updated=end + c.date_updated_lag, price_per_minute=child_rate,
            phone_number_sid=child_pn)
        if c.recording_status:
            recording = tr.recording_resource(
                account_sid=account_sid, sid=c.recording_sid, call_sid=c.parent_sid, start_time=child_start,
                duration=c.talk, date_updated=end + c.recording_lag, status=c.recording_status,
                channels=c.channels)
    else:
        end = child_created + c.ring + c.post
        child = dict(
            account_sid=account_sid, sid=c.child_sid, parent_call_sid=c.parent_sid, direction="outbound-dial",
            from_=child_from, to=child_to, status=c.child_status, date_created=child_created,
            start_time=child_created, end_time=None, date_updated=child_created + c.ring + c.date_updated_lag,
            price_per_minute=None, phone_number_sid=child_pn)
    parent = dict(
        account_sid=account_sid, sid=c.parent_sid, parent_call_sid=None, direction=c.direction, from_=parent_from,
        to=parent_to, status="completed", date_created=t0, start_time=parent_answer, end_time=end,
        date_updated=end + c.date_updated_lag, price_per_minute=parent_rate, phone_number_sid=company_pn,
        queue_time_ms=c.queue_time_ms)
    return [parent, child], recording


def _prepare_out_dir(out_dir: Path, overwrite: bool) -> Path:
    """A fresh temporary sibling of ``out_dir``; refuses to replace a folder that is not synth output."""
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} exists and is not a folder", hint="choose another --out")
    if (out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / "manifest.json").exists()
            and not overwrite):
        raise UserError(f"{out_dir} is not empty and was not written by `callaudit synth`",
                        hint="choose an empty or new folder for --out, or pass --force to replace it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.synth-tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "media").mkdir(parents=True)
    (tmp / "labels").mkdir()
    return tmp


def _swap_into_place(tmp: Path, out_dir: Path) -> None:
    """Replace ``out_dir`` by the finished ``tmp`` with renames, so readers never see a half-written folder."""
    old = None
    if out_dir.exists():
        old = out_dir.parent / f".{out_dir.name}.synth-old-{os.getpid()}"
        if old.exists():
            shutil.rmtree(old)
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _render_all(jobs: list[tuple[dict, Script]], media_dir: Path, labels_dir: Path, workers: int,
                progress: bool) -> dict[int, dict]:
    """Render every call with audio in worker processes (spawned: espeak-ng must start clean)."""
    results: dict[int, dict] = {}
    if not jobs:
        return results
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn("[bold]speaking calls"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   disable=not progress, transient=False)
    ctx = multiprocessing.get_context("spawn")
    with bar, ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        task = bar.add_task("render", total=len(jobs))
        pending = {pool.submit(render_call, meta, script, str(media_dir), str(labels_dir)) for meta, script in jobs}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                res = fut.result()
                results[res["index"]] = res
                bar.advance(task)
    return results


def generate_call_centre(
    out_dir: str | os.PathLike,
    calls: int,
    days: int,
    seed: int,
    start_date: str | dt.date | None = None,
    audio: bool = True,
    progress: bool = True,
    *,
    workers: int | None = None,
    account_sid: str | None = None,
    overwrite: bool = False,
) -> SynthSummary:
    """Generate the synthetic call centre into ``out_dir`` (docs/CONTRACTS.md section 1).

    ``calls`` customer interactions (parent legs; child legs come on top) over ``days`` days starting at
    ``start_date`` (default: the window ends yesterday, UTC). Same ``seed`` and window -> byte-identical files.
    ``audio=False`` writes metadata only (no media, no labels) and is fast enough for 100k calls.
    ``workers``: processes speaking the audio (default: up to 2). An existing ``out_dir`` written by synth is
    replaced; any other non-empty folder is refused unless ``overwrite``.
    """
    from callaudit.config import EMULATOR_ACCOUNT_SID

    t_start = time.perf_counter()
    if not isinstance(calls, int) or calls < 1 or calls > MAX_CALLS:
        raise UserError(f"--calls must be between 1 and {MAX_CALLS:,}, got {calls!r}")
    if not isinstance(days, int) or days < 1 or days > 3650:
        raise UserError(f"--days must be between 1 and 3650, got {days!r}")
    if not isinstance(seed, int) or seed < 0:
        raise UserError(f"--seed must be a non-negative integer, got {seed!r}")
    account_sid = account_sid or os.environ.get("CALLAUDIT_SYNTH_ACCOUNT_SID") or EMULATOR_ACCOUNT_SID
    if len(account_sid) != 34 or not account_sid.startswith("AC"):
        raise UserError(f"account SID {account_sid[:6]}… is not an AC sid of 34 characters")
    first_day = _parse_start_date(start_date, days)
    workers = workers if workers and workers > 0 else min(2, os.cpu_count() or 1)
    out_path = Path(out_dir).expanduser().resolve()

    plan = _plan_calls(calls, first_day, days, seed, account_sid)
    with_audio = _assign_recordings(plan, seed)
    scenario_rng = random.Random(f"{seed}:scenarios")
    scenarios = allocate_scenarios(len(with_audio), scenario_rng)
    if audio:
        for c, scenario in zip(with_audio, scenarios, strict=True):
            c.script = build_script(random.Random(f"{seed}:{c.index}:dialogue"), scenario, c.direction, c.agent,
                                    _local_hour(c.t0))
    else:
        # metadata only: the talk time comes from the scenario's modelled length distribution (a few dozen
        # prototype dialogues per scenario, laid out with estimated speaking times) instead of one dialogue per
        # call, so 100k calls take seconds
        lengths = _prototype_lengths(seed)
        for c, scenario in zip(with_audio, scenarios, strict=True):
            rng = random.Random(c.seed)
            c.talk = max(8, rng.choice(lengths[(scenario, c.direction)]) + rng.randint(-3, 3))

    tmp = _prepare_out_dir(out_path, overwrite)
    try:
        summary = SynthSummary(out_dir=out_path, seed=seed, calls=calls, days=days,
                               start_date=first_day.isoformat(), audio=audio)
        if audio:
            jobs = []
            for c in with_audio:
                meta = {"index": c.index, "seed": c.seed, "call_sid": c.parent_sid, "recording_sid": c.recording_sid,
                        "direction": c.direction, "channels": c.channels, "agent_id": c.agent.agent_id,
                        "agent_identity": c.agent.identity}
                jobs.append((meta, c.script))
            results = _render_all(jobs, tmp / "media", tmp / "labels", workers, progress)
            for c in with_audio:
                c.talk = results[c.index]["duration"]
            summary.audio_files = summary.labels = len(results)
            summary.audio_seconds = float(sum(r["duration"] for r in results.values()))
        _write_metadata(tmp, plan, account_sid, summary, progress)
        manifest = {
            "generator": GENERATOR,
            "version": GENERATOR_VERSION,
            "seed": seed,
            "calls": calls,
            "days": days,
            "start_date": first_day.isoformat(),
            "account_sid": account_sid,
            # the end of the window, not the wall clock: the same seed must give byte-identical files
            "created_at": f"{(first_day + dt.timedelta(days=days)).isoformat()}T00:00:00Z",
            "audio": audio,
            "legs": summary.legs,
            "recordings": summary.recordings,
            "scenarios": dict(sorted(Counter(scenarios).items())),
            "edge_cases": {
                "unknown_agent_calls": [c.parent_sid for c in plan if c.agent in UNKNOWN_AGENTS],
                "recordings_absent": [c.recording_sid for c in plan if c.recording_status == "absent"],
                "recordings_processing": [c.recording_sid for c in plan if c.recording_status == "processing"],
                "recordings_mono": [c.recording_sid for c in plan if c.recording_status and c.channels == 1],
            },
        }
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        (tmp / "agents.csv").write_text(agents_csv(), encoding="utf-8")
        _swap_into_place(tmp, out_path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    summary.scenarios = dict(Counter(scenarios))
    summary.unknown_agent_calls = len(manifest["edge_cases"]["unknown_agent_calls"])
    summary.elapsed_seconds = time.perf_counter() - t_start
    return summary


def _write_metadata(tmp: Path, plan: list[_Call], account_sid: str, summary: SynthSummary, progress: bool) -> None:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    parent_status: Counter = Counter()
    child_status: Counter = Counter()
    directions: Counter = Counter()
    rec_status: Counter = Counter()
    rec_channels: Counter = Counter()
    legs = 0
    dumps = json.JSONEncoder(separators=(",", ":")).encode
    bar = Progress(TextColumn("[bold]writing metadata"), BarColumn(), MofNCompleteColumn(), disable=not progress)
    with bar, open(tmp / "calls.jsonl", "w", encoding="utf-8") as fc, \
            open(tmp / "recordings.jsonl", "w", encoding="utf-8") as fr:
        task = bar.add_task("meta", total=len(plan))
        step = max(1, len(plan) // 100)
        for k, c in enumerate(plan):
            resources, recording = _legs(c, account_sid)
            fc.write("\n".join(tr.call_json(**r) for r in resources) + "\n")
            legs += len(resources)
            parent_status[c.parent_status] += 1
            directions[c.direction] += 1
            if len(resources) == 2:
                child_status[c.child_status] += 1
            if recording is not None:
                fr.write(dumps(recording) + "\n")
                rec_status[recording["status"]] += 1
                rec_channels[str(recording["channels"])] += 1
            if k % step == 0:
                bar.update(task, completed=k + 1)
        bar.update(task, completed=len(plan))
    summary.legs = legs
    summary.parent_status = dict(parent_status)
    summary.child_status = dict(child_status)
    summary.directions = dict(directions)
    summary.recordings = sum(rec_status.values())
    summary.recording_status = dict(rec_status)
    summary.recording_channels = dict(rec_channels)


__all__ = ["SCENARIOS", "SynthSummary", "generate_call_centre"]
