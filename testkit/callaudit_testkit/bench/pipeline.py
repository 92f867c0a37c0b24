"""Pipeline benchmarks: incremental cost at 100,000 calls and peak memory of a run.

Method (metadata only; transcription cost is measured separately by the transcription benchmark):
1. generate N + N/100 Twilio-shaped calls (+ their recordings' metadata), land the first N as raw list pages of
   1,000 records (exactly what ingest lands), run the pipeline once (the initial build);
2. run again with nothing new, twice: as ``callaudit pipeline run`` does it (the inputs' fingerprint is checked
   first and Spark is not started: **no-op, checked**), and forced through Spark (``--force``): the **no-op
   through Spark** = the fixed start-up + per-run overhead of the whole graph;
3. land the remaining 1% as new pages and run as ``callaudit pipeline run`` does: the **incremental** run
   refreshes the tables that read landing/calls and landing/recordings, directly or through others;
4. drop one analysts' review CSV (50 rows) and run the same way: **reviews only** refreshes the five review and
   calibration tables (:func:`callaudit.lakehouse.catalog.downstream`);
5. ``--full-refresh-all``: recompute everything from the landing zone.
The incremental and full-refresh costs are reported minus the no-op run. Peak memory is the highest sum of RSS
over the pipeline's process tree (Python driver, both JVMs, Python workers), sampled every 0.2 s during each run.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil


class TreeMemorySampler:
    """Peak total memory of a process and all its descendants: ``peak`` sums RSS, which counts a page shared by
    several processes (forked Python workers, shared libraries, the model file mapped by two workers) once per
    process; ``peak_pss`` sums PSS (Linux: each shared page split between its sharers), the tree's real footprint
    — 0 where the kernel does not report it."""

    def __init__(self, pid: int, interval: float = 0.2, children_only: bool = False):
        """``children_only``: leave the process ``pid`` itself out (a bench measuring the processes it starts)."""
        self.pid, self.interval, self.peak, self.peak_pss = pid, interval, 0, 0
        self.children_only = children_only
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                procs = [*([] if self.children_only else [root]), *root.children(recursive=True)]
                total = pss = 0
                for p in procs:
                    with contextlib.suppress(psutil.Error):
                        full = p.memory_full_info()
                        total += full.rss
                        pss += getattr(full, "pss", 0)
                self.peak = max(self.peak, total)
                self.peak_pss = max(self.peak_pss, pss)
            except psutil.Error:
                return
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


@dataclass
class RunFigure:
    label: str
    seconds: float
    startup_seconds: float
    peak_rss_bytes: int
    ok: bool
    refreshed: int | None = None  # tables refreshed when not all of them
    setup_seconds: float | None = None  # spark-pipelines' graph resolution and per-table set-up
    flow_seconds: float | None = None  # the flows themselves

    @property
    def before_first_flow(self) -> float | None:
        """Start-up plus spark-pipelines' set-up: what the run spent before any flow ran (None if not seen)."""
        return None if self.setup_seconds is None else self.startup_seconds + self.setup_seconds

    def phases(self) -> str:
        parts = [f"start-up {self.startup_seconds:.1f}s"]
        if self.setup_seconds is not None:
            parts.append(f"set-up {self.setup_seconds:.1f}s")
        if self.flow_seconds is not None:
            parts.append(f"flows {self.flow_seconds:.1f}s")
        return ", ".join(parts)


@dataclass
class PipelineBenchResult:
    calls: int
    new_calls: int
    tables: int = 0
    runs: list[RunFigure] = field(default_factory=list)

    def by_label(self, label: str) -> RunFigure:
        return next(r for r in self.runs if r.label == label)

    def lines(self) -> list[str]:
        noop = self.by_label("no-op through Spark")
        checked = self.by_label("no-op, checked")
        inc = self.by_label("incremental (+1%)")
        full = self.by_label("full refresh")
        out = [f"pipeline on {self.calls:,} calls (metadata), +{self.new_calls:,} new calls, {self.tables} tables:"]
        for r in self.runs:
            spark = (f"({r.phases()}), peak RSS {r.peak_rss_bytes / 2**30:.2f} GiB"
                     if r.peak_rss_bytes else "(Spark not started)")
            secs = f"{r.seconds:7.3f}" if r.seconds < 1 else f"{r.seconds:7.1f}"
            only = f", {r.refreshed} tables refreshed" if r.refreshed else ""
            out.append(f"  {r.label:<22} {secs}s {spark}{only}{'' if r.ok else '  FAILED'}")
        out.append(f"  incremental minus no-op through Spark: {inc.seconds - noop.seconds:.1f}s; "
                   f"full refresh minus no-op through Spark: {full.seconds - noop.seconds:.1f}s")
        out.append(f"  no-op / full refresh: checked {checked.seconds / full.seconds:.1%}, through Spark "
                   f"{noop.seconds / full.seconds:.1%}; incremental minus no-op through Spark: "
                   f"{(inc.seconds - noop.seconds) / full.seconds:+.1%} of a full refresh")
        if (fixed := noop.before_first_flow) is not None:
            out.append(f"  a run's cost before its first flow (start-up + set-up, no-op through Spark): {fixed:.1f}s = "
                       f"{fixed / full.seconds:.1%} of a full refresh; "
                       f"{noop.setup_seconds / max(self.tables, 1):.2f}s of set-up per table")
        return out


def _land_pages(landing: Path, kind: str, records: list[dict], run_id: str, page_size: int = 1000) -> int:
    from callaudit.config import EMULATOR_ACCOUNT_SID

    target = landing / kind
    target.mkdir(parents=True, exist_ok=True)
    resource = "Calls" if kind == "calls" else "Recordings"
    pages = 0
    for start in range(0, len(records), page_size):
        chunk = records[start:start + page_size]
        uri = f"/2010-04-01/Accounts/{EMULATOR_ACCOUNT_SID}/{resource}.json?PageSize={page_size}&Page={pages}"
        body = {"first_page_uri": uri, "end": start + len(chunk) - 1, "previous_page_uri": None, kind: chunk,
                "uri": uri, "page_size": page_size, "start": start, "next_page_uri": None, "page": pages}
        tmp = target / f".{kind}-{run_id}-p{pages + 1:05d}.json.tmp"
        tmp.write_text(json.dumps(body))
        tmp.replace(target / f"{kind}-{run_id}-p{pages + 1:05d}.json")
        pages += 1
    return pages


def _timed_run(settings, label: str, **kwargs) -> RunFigure:
    from callaudit.lakehouse.runner import PipelineProcess

    proc = PipelineProcess(settings, **kwargs)
    with TreeMemorySampler(proc.proc.pid) as sampler:
        result = proc.wait()
    return RunFigure(label, result.seconds or 0.0, result.startup_seconds or 0.0, sampler.peak, result.ok,
                     setup_seconds=result.setup_seconds, flow_seconds=result.flow_seconds)


def _checked_run(settings, label: str, *, expect_skip: bool = True) -> RunFigure:
    """What ``callaudit pipeline run`` does: compare the inputs' fingerprint, start Spark only if needed and then
    refresh only what the new files can change. Timed from the call (the fingerprint included)."""
    import os

    from callaudit.lakehouse.runner import run_pipeline

    with TreeMemorySampler(os.getpid(), children_only=True) as sampler:
        t0 = time.perf_counter()
        result = run_pipeline(settings, skip_if_current=True, progress=False)
        seconds = time.perf_counter() - t0
    ok = result.ok and (result.skipped if expect_skip else not result.skipped)
    return RunFigure(label, seconds, result.startup_seconds or 0.0, sampler.peak, ok,
                     len(result.refreshed) if result.refreshed else None,
                     setup_seconds=result.setup_seconds, flow_seconds=result.flow_seconds)


def _review_csv(landing: Path, call_sids: list[str]) -> None:
    """An analysts' review CSV as dropped in landing/reviews (the columns of callaudit/calibration/records.py)."""
    from callaudit.calibration.records import REVIEW_FIELDS

    rows = [",".join(REVIEW_FIELDS)]
    for i, sid in enumerate(call_sids):
        rows.append(",".join([sid, "Ana Ruiz" if i % 2 else "Luis Gil", "2026-12-01 09:00", "sí", "sí", "no", "sí",
                              "", "Buena", "no", ""]))
    target = landing / "reviews"
    target.mkdir(parents=True, exist_ok=True)
    (target / "revision-bench.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")


def run(workdir: Path, calls: int = 100_000, progress_print=print) -> PipelineBenchResult:
    from callaudit.config import PROJECT_ROOT, Settings
    from callaudit_testkit.twilio.fixtures import make_bulk_call_centre

    new_calls = max(calls // 100, 1)
    data = workdir / "twilio_data"
    if not (data / "calls.jsonl").exists():
        make_bulk_call_centre(data, calls=calls + new_calls)
    all_calls = [json.loads(line) for line in (data / "calls.jsonl").read_text().splitlines() if line.strip()]
    all_recs = [json.loads(line) for line in (data / "recordings.jsonl").read_text().splitlines() if line.strip()]
    base_calls, extra_calls = all_calls[:calls], all_calls[calls:]
    base_sids = {c["sid"] for c in base_calls}
    base_recs = [r for r in all_recs if r["call_sid"] in base_sids]
    extra_recs = [r for r in all_recs if r["call_sid"] not in base_sids]

    from callaudit.lakehouse import catalog

    settings = Settings(home=workdir / "home", cache=PROJECT_ROOT / ".cache")
    result = PipelineBenchResult(calls=len(base_calls), new_calls=len(extra_calls), tables=len(catalog.datasets()))
    _land_pages(settings.landing, "calls", base_calls, "base")
    _land_pages(settings.landing, "recordings", base_recs, "base")
    from callaudit.lakehouse import freshness
    from callaudit.lakehouse.runner import pipeline_configuration

    for label, prepare, kwargs in (
        ("initial build", None, {}),
        ("no-op, checked", None, "skip"),
        ("no-op through Spark", None, {}),
        ("incremental (+1%)", lambda: (_land_pages(settings.landing, "calls", extra_calls, "new"),
                                        _land_pages(settings.landing, "recordings", extra_recs, "new")), "run"),
        ("reviews only", lambda: _review_csv(settings.landing, [c["sid"] for c in base_calls[:50]]), "run"),
        ("full refresh", None, {"full_refresh": True}),
    ):
        if prepare:
            prepare()
        t0 = time.perf_counter()
        if isinstance(kwargs, str):
            figure = _checked_run(settings, label, expect_skip=kwargs == "skip")
        else:
            figure = _timed_run(settings, label, **kwargs)
        result.runs.append(figure)
        if isinstance(kwargs, dict) and figure.ok:  # whole updates: recorded as run_pipeline records them
            freshness.record(settings, pipeline_configuration(settings))
        progress_print(f"  {label}: {figure.seconds:.3f}s (wall {time.perf_counter() - t0:.1f}s), "
                       f"peak RSS {figure.peak_rss_bytes / 2**30:.2f} GiB, ok={figure.ok}")
    return result
