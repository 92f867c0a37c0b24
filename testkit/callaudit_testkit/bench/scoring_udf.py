"""Scoring throughput in Spark: the vectorised pandas UDF ``score_call`` vs a row-at-a-time Python UDF.

Both score the same N synthetic transcripts (realistic 60–90 s calls, garbled like ASR output) with the same
scorecard, in the same local SparkSession, one after the other; each is timed over a full ``count()`` of its
output after a warm-up run on a small slice (so Python workers are started and the scorecard compiled in both),
in alternating order, and the best of the rounds is kept.

Then the same two kinds of UDF with no scoring at all (each reads the transcript and returns its length): what
Spark itself costs per call on each path — the ceiling any scorer could reach, and the most a pandas UDF can gain
over a row-at-a-time one while both run the same per-call scorer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pandas as pd


@dataclass
class ScoringUdfResult:
    transcripts: int
    pandas_seconds: float
    rowwise_seconds: float
    partitions: int
    rounds: int = 1
    pandas_floor_seconds: float | None = None  # the same UDF kinds without scoring (transcript length)
    rowwise_floor_seconds: float | None = None

    @property
    def scorer_share(self) -> float | None:
        """The pandas UDF's time minus Spark alone, as a share of it (None when the floors were not measured)."""
        if not self.pandas_floor_seconds or not self.rowwise_floor_seconds:
            return None
        return (self.pandas_seconds - self.pandas_floor_seconds) / self.pandas_seconds

    @property
    def pandas_rate(self) -> float:
        return self.transcripts / self.pandas_seconds

    @property
    def rowwise_rate(self) -> float:
        return self.transcripts / self.rowwise_seconds

    @property
    def ratio(self) -> float:
        return self.rowwise_seconds / self.pandas_seconds

    def lines(self) -> list[str]:
        return [
            f"scoring {self.transcripts} transcripts on {self.partitions} partitions (best of {self.rounds} rounds, "
            "alternating which UDF goes first):",
            f"  pandas UDF (score_call): {self.pandas_seconds:.2f}s = {self.pandas_rate:,.0f} calls/s",
            f"  row-at-a-time UDF:       {self.rowwise_seconds:.2f}s = {self.rowwise_rate:,.0f} calls/s",
            f"  pandas / row-at-a-time speed-up: {self.ratio:.2f}x",
            *self.floor_lines(),
        ]

    def floor_lines(self) -> list[str]:
        share = self.scorer_share
        if share is None:
            return []
        n, pf, rf = self.transcripts, self.pandas_floor_seconds, self.rowwise_floor_seconds
        scoring = self.pandas_seconds - pf
        return [
            "Spark alone (the same UDF kinds, no scoring: each returns the transcript's length):",
            f"  pandas UDF:        {pf:.2f}s = {n / pf:,.0f} calls/s",
            f"  row-at-a-time UDF: {rf:.2f}s = {n / rf:,.0f} calls/s",
            f"  scoring is {share:.0%} of the pandas UDF's time "
            f"({scoring / n * 1e3 * self.partitions:.2f} ms of a core per call, {self.partitions} partitions busy)",
        ]


def run(spark, n: int = 10_000, partitions: int = 2, seed: int = 11, rounds: int = 2) -> ScoringUdfResult:
    from pyspark.sql import functions as F

    from callaudit.scoring.samples import synthetic_transcripts
    from udfs.score import make_score_call, make_score_call_rowwise

    rows = [(t.to_json(),) for t in synthetic_transcripts(n, seed=seed, garble=0.1)]
    df = spark.createDataFrame(rows, "transcript_json string").repartition(partitions).cache()
    df.count()
    pandas_udf, row_udf = make_score_call(), make_score_call_rowwise()

    def timed(udf) -> float:
        df.limit(50).select(udf(F.col("transcript_json"), F.lit(None).cast("double"), F.lit(None).cast("string")).alias("a")) \
            .select("a.quality_score").collect()  # warm-up: workers + scorecard
        t0 = time.perf_counter()
        out = df.select(udf(F.col("transcript_json"), F.lit(None).cast("double"), F.lit(None).cast("string")).alias("a")) \
            .select("a.quality_score", "a.needs_manual_review")
        got = out.where(F.col("quality_score").isNotNull() | F.col("needs_manual_review")).count()
        elapsed = time.perf_counter() - t0
        assert got == n, f"expected {n} audits, got {got}"
        return elapsed

    # alternated and the best of ``rounds`` kept: the UDF timed second would otherwise inherit a warmer JVM and
    # page cache (one order gave the row UDF a 15 % edge on the same code)
    pandas_runs, row_runs = [], []
    for k in range(rounds):
        first, second = ((pandas_udf, pandas_runs), (row_udf, row_runs))[:: 1 if k % 2 == 0 else -1]
        first[1].append(timed(first[0]))
        second[1].append(timed(second[0]))
    pandas_s, row_s = min(pandas_runs), min(row_runs)
    pandas_floor, row_floor = _floors(df, n)
    df.unpersist()
    return ScoringUdfResult(n, pandas_s, row_s, partitions, rounds, pandas_floor, row_floor)


def _floors(df, n: int) -> tuple[float, float]:
    """Seconds of each UDF kind that reads every transcript and does no scoring (best of 2 each). The pandas
    UDF's type hints are resolved from this module's globals: ``Iterator`` and ``pd`` are imported at the top."""
    from pyspark.sql import functions as F

    @F.pandas_udf("long")
    def length_pandas(texts: Iterator[pd.Series]) -> Iterator[pd.Series]:
        for batch in texts:
            yield batch.str.len().fillna(0).astype("int64")

    length_row = F.udf(lambda text: len(text or ""), "long")

    def timed(udf) -> float:
        df.limit(50).select(udf("transcript_json").alias("n")).where("n >= 0").count()  # warm-up
        best = float("inf")
        for _ in range(2):
            t0 = time.perf_counter()
            got = df.select(udf("transcript_json").alias("n")).where("n > 0").count()  # a filter on it: not pruned
            best = min(best, time.perf_counter() - t0)
            assert got == n, f"expected {n} lengths, got {got}"
        return best

    return timed(length_pandas), timed(length_row)
