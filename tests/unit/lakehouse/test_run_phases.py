"""Where a pipeline run's time goes: start-up, graph and table set-up, flows — read from spark-pipelines' own output.

The log is a real no-op update at 100,000 calls (``callaudit bench --only pipeline``), paths shortened; each line
is fed as if it were read at the second its timestamp says.
"""

from __future__ import annotations

import calendar
import re
import time
from pathlib import Path

from callaudit.lakehouse.runner import PipelineRun

LOG = Path(__file__).parent / "data" / "spark_pipelines_noop_run.log"
_TS = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d):")


def _epoch(stamp: str) -> float:
    return float(calendar.timegm(time.strptime(stamp, "%Y-%m-%d %H:%M:%S")))


def _replay(lines: list[str]) -> tuple[PipelineRun, list[tuple[str, str]]]:
    first = next(_epoch(m[1]) for line in lines if (m := _TS.match(line)))
    run = PipelineRun(started_at=first - 3.0)  # the process was spawned 3 s before its first timestamped line
    now = first
    events = []
    for line in lines:
        if m := _TS.match(line):
            now = _epoch(m[1])
        event = run.observe(line, now)
        if event is not None:
            events.append(event)
    run.finished_at = now + 1.0
    run.returncode = 0
    return run, events


def test_a_real_run_splits_into_start_up_set_up_and_flows():
    run, events = _replay(LOG.read_text(encoding="utf-8").splitlines())
    assert run.ok and run.state == "COMPLETED"
    assert len(run.flows) == 33 and all(f.state == "COMPLETED" for f in run.flows.values())
    # the log's own clock: spawned 00:39:20, "Starting run" 00:39:35, first flow 00:40:06, completed 00:40:57
    assert run.startup_seconds == 15.0
    assert run.setup_seconds == 31.0
    assert run.flow_seconds == 52.0
    assert run.startup_seconds + run.setup_seconds + run.flow_seconds == run.seconds
    assert run.phases() == "start-up 15.0s, graph and table set-up 31.0s (33 tables), flows 52.0s"
    assert "graph and table set-up 31.0s" in run.summary()
    assert events[-1] == ("run", "COMPLETED") and ("flow", "silver_calls") in events
    # the set-up is announced once, before any flow: the progress line says what the silent half-minute is
    assert events.count(("setup", "")) == 1 and events[0] == ("setup", "") and events[1][0] == "flow"
    assert run.flows["silver_calls"].seconds == 15.0  # RUNNING 00:40:11 -> COMPLETED 00:40:26


def test_a_run_killed_before_its_first_flow_reports_only_what_it_reached():
    lines = LOG.read_text(encoding="utf-8").splitlines()
    cut = next(i for i, line in enumerate(lines) if " is QUEUED" in line)
    run, events = _replay(lines[:cut])
    assert events == [("setup", "")] and run.flows == {}
    assert run.startup_seconds == 15.0 and run.setup_seconds is None and run.flow_seconds is None
    assert run.phases() == "start-up 15.0s"


def test_errors_are_kept_and_a_closed_session_is_not_one():
    run = PipelineRun()
    run.observe("pyspark.errors.exceptions.connect.AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] nope", 1.0)
    run.observe("SparkConnectGrpcException: [INVALID_HANDLE.SESSION_CLOSED] the session was closed", 2.0)
    assert run.errors == ["AnalysisException: [TABLE_OR_VIEW_NOT_FOUND] nope"]
