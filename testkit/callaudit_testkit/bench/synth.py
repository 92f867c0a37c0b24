"""Printed benchmark of the synthetic call centre (speed figures live here, not in timed tests).

    python -m callaudit_testkit.bench.synth                      # 50 calls with audio + 100k calls metadata-only
    python -m callaudit_testkit.bench.synth --audio-calls 20 --meta-calls 10000

Prints wall and CPU time, the load average (the machine is shared: wall time depends on it) and the throughput.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import tempfile
import time
from pathlib import Path


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def run(label: str, out: Path, **kwargs) -> None:
    from callaudit_testkit.synth import generate_call_centre

    load = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), _cpu()
    s = generate_call_centre(out, progress=False, **kwargs)
    wall, cpu = time.perf_counter() - wall, _cpu() - cpu
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(f"{label}: {s.calls} calls ({s.legs} legs, {s.recordings} recordings, {s.audio_files} WAV, "
          f"{s.audio_minutes:.1f} audio min, {size / 1e6:.0f} MB)")
    print(f"  wall {wall:.1f} s, cpu {cpu:.1f} s (all processes), load average before {load:.1f} on "
          f"{os.cpu_count()} cores; {s.calls / wall:,.0f} calls/s"
          + (f", {s.audio_seconds / wall:.0f}x real time" if s.audio_seconds else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audio-calls", type=int, default=50)
    parser.add_argument("--meta-calls", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="synth-bench-"))
    try:
        if args.audio_calls:
            run("with audio", tmp / "audio", calls=args.audio_calls, days=7, seed=42, start_date="2024-05-06",
                workers=args.workers)
        if args.meta_calls:
            run("metadata only (--no-audio)", tmp / "meta", calls=args.meta_calls, days=30, seed=42,
                start_date="2024-04-01", audio=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
