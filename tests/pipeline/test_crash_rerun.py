"""Crash and rerun: a pipeline process killed at several points (bronze, silver, transcription, gold) and rerun
ends with gold tables equal — contents, not only counts — to the uninterrupted scenario run on the same landing.
"""

from __future__ import annotations

import random
import time

import pytest
from pipeline_scenario import GOLD, Landed, land_batch1, land_batch2, snapshot

from callaudit.config import PROJECT_ROOT, Settings
from callaudit.lakehouse.runner import PipelineProcess

pytestmark = [pytest.mark.pipeline, pytest.mark.faults]

KILL_POINTS = ["bronze_calls", "silver_calls", "silver_transcriptions", "twilio_call_audits"]


def run_until_killed(settings: Settings, flow: str, delay: float) -> tuple[bool, str]:
    """Start a run and SIGKILL the whole process group `delay` seconds after `flow` starts running."""
    proc = PipelineProcess(settings)
    for kind, name in proc.events():
        if kind == "flow" and name == flow and proc.result.flows[name].state == "RUNNING":
            time.sleep(delay)
            proc.kill()
            return True, proc.result.flows[name].state
    proc.wait()
    return False, "completed before the kill point"


def test_killed_runs_then_rerun_give_the_same_gold_tables(scenario, spark, tmp_path):
    reference = scenario["snaps"][-1]
    settings = Settings(home=tmp_path / "home", cache=PROJECT_ROOT / ".cache")
    landed = Landed()
    land_batch1(settings.landing, scenario["audio"], landed)
    land_batch2(settings.landing, scenario["audio"], landed)

    rng = random.Random(2026)
    kills = []
    for flow in KILL_POINTS:
        killed, state = run_until_killed(settings, flow, delay=rng.uniform(0.0, 2.0))
        kills.append((flow, killed, state))
    print("kills:", kills)
    assert sum(k for _, k, _ in kills) >= 3, kills

    final = PipelineProcess(settings).wait()
    assert final.ok, final.summary()
    got = snapshot(spark, settings, GOLD)
    for table in GOLD:
        assert got[table] == reference[table], f"{table} differs after crashes + rerun"
    # each recording transcribed exactly once despite the kills
    st = spark.read.format("delta").load(str(settings.table_path("silver_transcriptions")))
    assert st.count() == st.select("recording_sid").distinct().count() == len(landed.media)
