"""What a newcomer waits for: ``callaudit demo`` in a fresh lakehouse, then again with nothing new.

    callaudit bench --only demo            # 12 calls over 3 days, seed 7: what `make demo` runs

Each run is the real command in its own process (``callaudit demo``: synthetic call centre -> emulator -> ingest
-> spark-pipelines with Whisper on the recordings -> gold -> report), timed from the outside; peak memory is the
total of the whole process tree (the CLI, spark-pipelines' Python client, the JVM, the Python UDF workers),
sampled every 0.2 s, as RSS (a page shared by forked workers counted once per process: an overcount) and as PSS
(shared pages split between their sharers: the tree's footprint). The first run starts from an empty
``CALLAUDIT_HOME`` with the package caches warm (the state after ``make setup``: venv, Delta jars, the assembled
speech model); the second finds nothing new.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from callaudit_testkit.bench.pipeline import TreeMemorySampler


@dataclass
class DemoRun:
    label: str
    seconds: float
    peak_rss_bytes: int
    steps: dict[str, float] = field(default_factory=dict)  # the demo's own "timings:" line
    peak_pss_bytes: int = 0


@dataclass
class DemoBenchResult:
    calls: int
    days: int
    seed: int
    runs: list[DemoRun]

    def lines(self) -> list[str]:
        out = [f"callaudit demo --calls {self.calls} --days {self.days} --seed {self.seed}, fresh CALLAUDIT_HOME:"]
        for r in self.runs:
            steps = ", ".join(f"{k} {v:.0f} s" for k, v in r.steps.items()) or "no timings line"
            out.append(f"  {r.label:24} {r.seconds:6.1f} s   peak PSS {r.peak_pss_bytes / 2**30:.2f} GiB, "
                       f"RSS {r.peak_rss_bytes / 2**30:.2f} GiB   ({steps})")
        return out

    def summary(self) -> str:
        rows = ["| run | seconds | synth | ingest | pipeline | report | peak PSS (process tree) | peak RSS (sum) |",
                "|---|---|---|---|---|---|---|---|"]
        for r in self.runs:
            cells = [f"{r.steps[k]:.0f} s" if k in r.steps else "—" for k in ("synth", "ingest", "pipeline", "report")]
            rows.append(f"| {r.label} | {r.seconds:.1f} | {' | '.join(cells)} | {r.peak_pss_bytes / 2**30:.2f} GiB | "
                        f"{r.peak_rss_bytes / 2**30:.2f} GiB |")
        return (f"`callaudit demo` ({self.calls} calls over {self.days} days; the pipeline transcribes every "
                "recording with Whisper), timed from the outside in a fresh lakehouse with the package caches "
                "warm (after `make setup`). Peak memory summed over the process tree: PSS counts a page shared by "
                "forked workers once, RSS once per process.\n\n" + "\n".join(rows))


_TIMINGS = re.compile(r"timings: (.*)")
_STEP = re.compile(r"(\w+) (\d+)s")


def _one(home: Path, label: str, calls: int, days: int, seed: int, say) -> DemoRun:
    exe = Path(sys.executable).with_name("callaudit")
    cmd = [str(exe), "demo", "--calls", str(calls), "--days", str(days), "--seed", str(seed)]
    env = {**os.environ, "CALLAUDIT_HOME": str(home), "COLUMNS": "200"}
    say(f"demo: {label} …")
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    with TreeMemorySampler(proc.pid) as sampler:
        output, _ = proc.communicate()
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "\n".join(output.splitlines()[-15:])
        raise RuntimeError(f"callaudit demo failed (exit {proc.returncode}):\n{tail}")
    found = _TIMINGS.findall(output)
    steps = {k: float(v) for k, v in _STEP.findall(found[-1])} if found else {}
    say(f"demo: {label} {seconds:.1f} s, peak PSS {sampler.peak_pss / 2**30:.2f} GiB, "
        f"RSS {sampler.peak / 2**30:.2f} GiB")
    return DemoRun(label, seconds, sampler.peak, steps, sampler.peak_pss)


def run(home: Path, calls: int = 12, days: int = 3, seed: int = 7, say=print) -> DemoBenchResult:
    """Both runs in ``home`` (which must not hold a lakehouse yet)."""
    if home.exists() and any(home.iterdir()):
        raise ValueError(f"{home} is not empty: the first run must start from an empty lakehouse")
    first = _one(home, "first run", calls, days, seed, say)
    second = _one(home, "again, nothing new", calls, days, seed, say)
    return DemoBenchResult(calls, days, seed, [first, second])
