"""Table maintenance: what a series of small updates leaves on disk, and what ``pipeline maintain`` gives back.

Method (metadata only, the pipeline benchmark's landing pages):
1. land N calls (+ their recordings' metadata) and build the lakehouse with one update;
2. K small updates as a ``--watch`` loop makes them: each lands N/1000 new calls (and recordings) and runs as
   ``callaudit pipeline run`` does (only the tables downstream of calls and recordings are refreshed);
3. a no-op forced through Spark (``--force``): what a run costs on the unmaintained lakehouse;
4. ``maintain(current_only=True)`` (``callaudit pipeline maintain --current-only``): data files and bytes in the
   tables' folders before and after, and its own time;
5. the same forced no-op again, on the maintained lakehouse; then ``pipeline run`` must still say UP_TO_DATE
   (maintenance changed no row and the freshness record followed it).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class MaintenanceBenchResult:
    calls: int
    updates: int
    per_update: int
    runs: dict[str, float] = field(default_factory=dict)  # label -> seconds
    report_lines: list[str] = field(default_factory=list)
    files: tuple[int, int] = (0, 0)
    mb: tuple[float, float] = (0.0, 0.0)
    live_files: int = 0
    maintain_seconds: float = 0.0
    still_current: bool = False

    def lines(self) -> list[str]:
        before, after = self.runs["no-op through Spark, unmaintained"], self.runs["no-op through Spark, maintained"]
        out = [f"lakehouse of {self.calls:,} calls (metadata) after 1 build + {self.updates} small updates of "
               f"{self.per_update:,} calls each:"]
        out += [f"  {label:<36} {secs:7.1f}s" for label, secs in self.runs.items()]
        out.append(f"  maintain --current-only              {self.maintain_seconds:7.1f}s: data files {self.files[0]:,} -> "
                   f"{self.files[1]:,} (the current versions read {self.live_files:,}), {self.mb[0]:.1f} -> "
                   f"{self.mb[1]:.1f} MB")
        out.append(f"  no-op through Spark after / before maintenance: {after / before:.2f}x "
                   f"({after - before:+.1f}s)")
        out.append(f"  `pipeline run` after maintenance: {'UP_TO_DATE (no Spark)' if self.still_current else 'RAN'}")
        out += ["", "per table:", *self.report_lines]
        return out


def run(workdir: Path, calls: int = 10_000, updates: int = 4, progress_print=print) -> MaintenanceBenchResult:
    from callaudit.config import PROJECT_ROOT, Settings
    from callaudit.lakehouse.maintenance import maintain
    from callaudit.lakehouse.runner import run_pipeline
    from callaudit_testkit.bench.pipeline import _land_pages
    from callaudit_testkit.twilio.fixtures import make_bulk_call_centre

    per_update = max(calls // 1000, 1)
    data = workdir / "twilio_data"
    make_bulk_call_centre(data, calls=calls + per_update * updates)
    all_calls = [json.loads(line) for line in (data / "calls.jsonl").read_text().splitlines() if line.strip()]
    all_recs = [json.loads(line) for line in (data / "recordings.jsonl").read_text().splitlines() if line.strip()]
    recs_by_call: dict[str, list[dict]] = {}
    for r in all_recs:
        recs_by_call.setdefault(r["call_sid"], []).append(r)

    def land(batch: list[dict], run_id: str) -> None:
        _land_pages(settings.landing, "calls", batch, run_id)
        _land_pages(settings.landing, "recordings", [r for c in batch for r in recs_by_call.get(c["sid"], [])], run_id)

    settings = Settings(home=workdir / "home", cache=PROJECT_ROOT / ".cache")
    result = MaintenanceBenchResult(calls=calls, updates=updates, per_update=per_update)

    def timed(label: str, **kwargs) -> None:
        t0 = time.perf_counter()
        run = run_pipeline(settings, progress=False, **kwargs)
        seconds = time.perf_counter() - t0
        if not run.ok:
            raise RuntimeError(f"{label}: {run.summary()} (log {run.log_path})")
        result.runs[label] = seconds
        progress_print(f"  {label}: {seconds:.1f}s")

    land(all_calls[:calls], "base")
    timed("initial build")
    for k in range(updates):
        start = calls + k * per_update
        land(all_calls[start:start + per_update], f"update{k + 1}")
        timed(f"small update {k + 1} (pipeline run)", skip_if_current=True)
    timed("no-op through Spark, unmaintained", skip_if_current=False)
    t0 = time.perf_counter()
    report = maintain(settings, current_only=True, say=lambda _: None)
    result.maintain_seconds = time.perf_counter() - t0  # as the command costs: its Spark start-up included
    result.files = (report.before.files, report.after.files)
    result.mb = (report.before.bytes / 1e6, report.after.bytes / 1e6)
    result.live_files = sum(t.live_files for t in report.tables)
    result.report_lines = report.lines()
    progress_print(f"  maintain: {report.summary()}")
    result.still_current = run_pipeline(settings, progress=False, skip_if_current=True).skipped
    timed("no-op through Spark, maintained", skip_if_current=False)
    return result
