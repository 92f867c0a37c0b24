"""Single-thread throughput of the auditor core (a printed benchmark, never a timed test).

    .venv/bin/python -m callaudit_testkit.bench.scoring_core --calls 2000 --garble 0.2

Measures three paths on the same synthetic 60-90 s calls: ``score_transcript`` on Transcript objects, the
flat row (``audit_to_row``), and what a Spark UDF does per row (``audit_row_from_json``: JSON -> Transcript ->
audit -> row).
"""

from __future__ import annotations

import argparse
import time


def main(argv: list[str] | None = None) -> None:
    from callaudit.scoring.audit import audit_row_from_json, audit_to_row, score_transcript
    from callaudit.scoring.samples import synthetic_transcripts
    from callaudit.scoring.scorecard import load_scorecard

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--garble", type=float, default=0.2, help="ASR-like damage of the synthetic text")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    transcripts = synthetic_transcripts(args.calls, seed=args.seed, garble=args.garble)
    build = time.perf_counter() - t0
    card = load_scorecard()
    for t in transcripts[:20]:  # warm caches (normalisation memo, compiled matchers)
        score_transcript(t, card)
    jsons = [t.to_json() for t in transcripts]
    words = sum(len(s.words) for t in transcripts for s in t.segments)

    def timed(fn) -> tuple[float, float]:
        # wall time and this process's CPU time: on a shared, loaded machine the CPU figure is the stable one
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - wall, time.process_time() - cpu

    n = args.calls
    print(f"synthetic transcripts: {n} calls, {words / n:.0f} words/call, built in {build:.2f} s "
          f"({n / build:,.0f}/s)")
    print(f"{'path':28} {'calls/s (wall)':>15} {'calls/s (CPU)':>15} {'ms/call (CPU)':>14}")
    for name, fn in (
        ("score_transcript", lambda: [score_transcript(t, card) for t in transcripts]),
        ("score + audit_to_row", lambda: [audit_to_row(score_transcript(t, card)) for t in transcripts]),
        ("audit_row_from_json (UDF)", lambda: [audit_row_from_json(j, card) for j in jsons]),
    ):
        wall, cpu = timed(fn)
        print(f"{name:28} {n / wall:15,.0f} {n / cpu:15,.0f} {cpu * 1000 / n:14.2f}")
    print(f"(single thread, garble={args.garble})")


if __name__ == "__main__":
    main()
