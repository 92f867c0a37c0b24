"""Callback-to-gold latency: how long after Twilio says a recording is ready is its audit in gold?

Method (everything real and local; nothing but the clock is simulated):
1. a fresh ``CALLAUDIT_HOME``; the synthetic call centre (espeak-ng audio through the telephone chain); the Twilio
   emulator; the agent directory in the landing zone; one pipeline update so the tables exist (steady state);
2. the webhook receiver (``callaudit webhooks serve``, in this process) over the home's landing zone, and the watch
   loop (``callaudit pipeline run --watch``, in a thread) checking for new input every ``interval`` seconds;
3. the emulator "completes" N calls, one per second: for each, the signed StatusCallback of every leg and the
   RecordingStatusCallback of its recording, as Twilio sends them;
4. for each recording, **t0** = when the receiver got its callback (``landing/_state/webhooks.jsonl``) and **t1** = the
   end of the update during which its audit was scored (``scored_at`` of its row in ``twilio_call_audits`` falls
   between that update's start and end in ``logs/watch.jsonl``): the audit is in gold when that update commits.
   Latency = t1 − t0. A streaming update takes every file present when its query starts (after ~20 s of Spark
   start-up), so calls that land during one update's start-up are audited by it.
"""

from __future__ import annotations

import statistics
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class LatencyResult:
    calls: int
    interval: float
    every_seconds: float
    latencies: dict[str, float] = field(default_factory=dict)  # recording sid -> seconds
    updates: list[dict] = field(default_factory=list)
    in_gold: int = 0
    rejected: int = 0
    synth_seconds: float = 0.0
    wall_seconds: float = 0.0

    def percentile(self, q: float) -> float:
        values = sorted(self.latencies.values())
        if not values:
            return float("nan")
        k = max(0, min(len(values) - 1, round(q / 100.0 * (len(values) - 1))))
        return values[k]

    def lines(self) -> list[str]:
        lat = sorted(self.latencies.values())
        out = [
            f"{self.calls} calls completed one every {self.every_seconds:g} s; the watch loop checks every "
            f"{self.interval:g} s; {len(self.updates)} pipeline update(s) after the first callback",
            f"callback -> audit in gold: p50 {self.percentile(50):.1f} s, p95 {self.percentile(95):.1f} s, "
            f"min {lat[0]:.1f} s, max {lat[-1]:.1f} s (n={len(lat)})" if lat else "no latency measured",
            f"audits found in twilio_call_audits: {self.in_gold} of {self.calls}; "
            f"callbacks rejected: {self.rejected}",
        ]
        for i, u in enumerate(self.updates, 1):
            startup = (u["run_started_at"] - u["started_at"]) if u.get("run_started_at") else None
            out.append(f"  update {i}: {u['finished_at'] - u['started_at']:.1f} s"
                       + (f" (start-up {startup:.1f} s)" if startup is not None else "") + f", {u['state']}")
        out.append(f"(synthetic audio generated in {self.synth_seconds:.0f} s, not counted; whole run "
                   f"{self.wall_seconds:.0f} s)")
        return out

    def summary(self) -> str:
        return ("| calls | arrival | watch interval | p50 | p95 | max | updates |\n|---|---|---|---|---|---|---|\n"
                f"| {len(self.latencies)} | one every {self.every_seconds:g} s | {self.interval:g} s | "
                f"{self.percentile(50):.1f} s | {self.percentile(95):.1f} s | {max(self.latencies.values()):.1f} s | "
                f"{len(self.updates)} |")


def _gold_scored_at(settings) -> dict[str, float]:
    """recording sid -> when its audit was scored (epoch seconds), read from the gold table's files. A Spark
    session already running in this process (a test suite's) is used and left running; one started here is
    stopped."""
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    from callaudit.lakehouse.runtime import local_session

    # the session this process already runs (a test suite's shared one), in any thread: keep it running
    existing = SparkSession.getActiveSession() or SparkSession._instantiatedSession
    spark = existing or local_session(settings, app_name="callaudit-bench-latency")
    try:
        rows = (spark.read.format("delta").load(str(settings.table_path("twilio_call_audits")))
                .select("recording_sid", F.col("scored_at").cast("double").alias("scored")).collect())
        return {r["recording_sid"]: r["scored"] for r in rows}
    finally:
        if existing is None:
            spark.stop()


def run(work: Path | None = None, *, calls: int = 20, every_seconds: float = 1.0, interval: float = 2.0,
        seed: int = 11, timeout: float = 1800.0, progress_print=print) -> LatencyResult:
    from callaudit.config import Settings
    from callaudit.lakehouse.runner import read_watch_journal, run_pipeline, watch_pipeline
    from callaudit.twilio.ingest import Landing, _copy_agents
    from callaudit.twilio.webhooks import (
        CALL_ROUTE,
        RECORDING_ROUTE,
        create_server,
        read_journal,
        serve_in_thread,
    )
    from callaudit_testkit.synth import generate_call_centre
    from callaudit_testkit.twilio.emulator import serve_emulator

    started = time.time()
    work = Path(work or tempfile.mkdtemp(prefix="bench_latency_"))
    settings = Settings(home=work / "home", cache=Path(__file__).resolve().parents[3] / ".cache")
    result = LatencyResult(calls=calls, interval=interval, every_seconds=every_seconds)

    t = time.time()
    # a few more conversations than needed: some end busy / unanswered, without a recording
    generate_call_centre(settings.twilio_data, calls=calls + calls // 2 + 2, days=1, seed=seed, progress=False)
    result.synth_seconds = time.time() - t
    landing = Landing(settings.landing)
    landing.create()
    _copy_agents(settings.twilio_data / "agents.csv", landing)
    progress_print("initial update (tables exist, nothing to audit yet)")
    first = run_pipeline(settings, progress=False)
    if not first.ok:
        raise RuntimeError(f"the initial pipeline update failed: {first.summary()} (log {first.log_path})")

    with serve_emulator(settings.twilio_data) as emulator:
        server = create_server(settings, "127.0.0.1", 0, base_url=emulator.url)
        serve_in_thread(server)
        stop = threading.Event()
        watcher = threading.Thread(target=watch_pipeline, kwargs={"settings": settings, "interval": interval,
                                                                 "progress": False, "stop": stop}, daemon=True)
        watcher.start()
        t0 = time.time()
        emulator.complete_calls(count=calls, status_callback=server.url + CALL_ROUTE,
                                recording_status_callback=server.url + RECORDING_ROUTE, every_seconds=every_seconds)
        progress_print(f"{calls} calls completing, one every {every_seconds:g} s")
        deadline = time.time() + timeout
        landed: dict[str, dict] = {}
        while time.time() < deadline:
            time.sleep(2.0)
            landed = {j["sid"]: j for j in read_journal(settings.landing)
                      if j["kind"] == "recording" and j["outcome"] == "landed"}
            updates = [u for u in read_watch_journal(settings) if u["started_at"] >= t0]
            if len(landed) >= calls and any(u["ok"] and u["started_at"] > max(j["landed_at"] for j in landed.values())
                                            for u in updates):
                break
        stop.set()
        watcher.join(timeout=600)
        server.drain(30)
        result.rejected = server.counts["rejected"]
        server.shutdown()
        server.server_close()

    updates = sorted((u for u in read_watch_journal(settings) if u["started_at"] >= t0), key=lambda u: u["started_at"])
    result.updates = updates
    scored = _gold_scored_at(settings)
    result.in_gold = sum(1 for sid in landed if sid in scored)
    for sid, j in landed.items():
        t = scored.get(sid)
        done = next((u for u in updates if u["ok"] and t is not None and u["started_at"] <= t <= u["finished_at"]),
                    None)
        if done is not None:
            result.latencies[sid] = done["finished_at"] - j["received_at"]
    result.wall_seconds = time.time() - started
    if result.latencies:
        progress_print(f"p50 {statistics.median(result.latencies.values()):.1f} s")
    return result
