"""Single-thread throughput of the auditor core (a printed benchmark, never a timed test).

    .venv/bin/python -m callaudit.scoring.bench --calls 2000 --garble 0.2

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

    def timed(fn) -> float:
        start = time.perf_counter()
        fn()
        return time.perf_counter() - start

    audits = timed(lambda: [score_transcript(t, card) for t in transcripts])
    rows = timed(lambda: [audit_to_row(score_transcript(t, card)) for t in transcripts])
    udf = timed(lambda: [audit_row_from_json(j, card) for j in jsons])
    n = args.calls
    print(f"synthetic transcripts: {n} calls, {words / n:.0f} words/call, built in {build:.2f} s "
          f"({n / build:,.0f}/s)")
    print(f"score_transcript           {n / audits:8,.0f} calls/s  ({audits * 1000 / n:.2f} ms/call)")
    print(f"score + audit_to_row       {n / rows:8,.0f} calls/s")
    print(f"audit_row_from_json (UDF)  {n / udf:8,.0f} calls/s  (single thread, garble={args.garble})")


if __name__ == "__main__":
    main()
