"""``agent_coaching``: for each agent, the steps they miss most, with moments from their own calls and advice.

One row per agent × focus the agent missed at least once (a criterion of the scorecard, or forbidden words): how
many scored calls it applied to, how many missed it, the miss rate overall and in the older vs the newer half of
the agent's calls (the trend), up to three recent moments — the call, when it started and the auditor's evidence
(the words heard and the second, or why nothing counted), already redacted in gold — and the recommendation of the
coaching catalogue. ``rank`` 1 is the agent's weakest focus. Computed over every audited call (the report and the
dashboard filter by date).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from callaudit.coaching import TREND_MIN_CALLS, TREND_STEP, advice_for
from callaudit.scoring import Scorecard, cached_scorecard

EXAMPLES = 3


def _focus_rows(audits: DataFrame, key: str, label: str) -> DataFrame:
    scored = F.col("quality_score").isNotNull()
    if key == "forbidden_words":
        applicable = scored
        missed = F.coalesce(F.size("forbidden_words"), F.lit(0)) > 0
        evidence = F.coalesce(F.try_element_at("critical_errors", F.lit(1)),
                              F.concat(F.lit("palabras prohibidas: "), F.array_join("forbidden_words", ", ")))
    else:
        applicable = scored & ~F.array_contains("na_criteria", key) & ~F.array_contains("undetermined_criteria", key)
        missed = F.array_contains("missed_criteria", key)
        evidence = F.get_json_object("evidence_json", f"$.criteria.{key}.reason")
    return audits.select(
        "agent", "vendor", "team", "call_sid", "start_time", "call_date",
        F.lit(key).alias("focus"), F.lit(label).alias("focus_label"),
        applicable.alias("_applicable"), (applicable & missed).alias("_missed"), evidence.alias("_evidence"))


def _rate(flag: Column, applicable: Column) -> Column:
    calls = F.sum(F.when(applicable, 1).otherwise(0))
    return F.when(calls > 0, F.round(F.sum(F.when(flag, 1).otherwise(0)) / calls, 3))


def agent_coaching(audits: DataFrame, card: Scorecard | None = None) -> DataFrame:
    card = card if card is not None else cached_scorecard()
    focuses = [(k, c.label) for k, c in card.criteria.items()] + [("forbidden_words", card.forbidden.label)]
    rows = None
    for key, label in focuses:
        part = _focus_rows(audits, key, label)
        rows = part if rows is None else rows.unionByName(part)
    # the older and the newer half of each agent's calls (by start time), per focus
    order = Window.partitionBy("agent", "focus").orderBy("start_time", "call_sid")
    whole = Window.partitionBy("agent", "focus")
    rows = rows.withColumn("_n", F.row_number().over(order)).withColumn("_of", F.count(F.lit(1)).over(whole))
    recent = F.col("_n") > F.col("_of") / 2
    moment = F.when(F.col("_missed"), F.struct(F.col("start_time"), F.col("call_sid"),
                                               F.col("_evidence").alias("evidence")))
    grouped = rows.groupBy("agent", "focus", "focus_label").agg(
        F.first("vendor", ignorenulls=True).alias("vendor"),
        F.first("team", ignorenulls=True).alias("team"),
        F.sum(F.when(F.col("_applicable"), 1).otherwise(0)).cast("int").alias("calls"),
        F.sum(F.when(F.col("_missed"), 1).otherwise(0)).cast("int").alias("missed"),
        _rate(F.col("_missed"), F.col("_applicable")).alias("miss_rate"),
        _rate(F.col("_missed") & ~recent, F.col("_applicable") & ~recent).alias("earlier_miss_rate"),
        _rate(F.col("_missed") & recent, F.col("_applicable") & recent).alias("recent_miss_rate"),
        F.collect_list(moment).alias("_moments"),
        F.min("call_date").alias("period_start"),
        F.max("call_date").alias("period_end"),
    ).where(F.col("missed") > 0)
    trend = (F.when((F.col("calls") < TREND_MIN_CALLS) | F.col("earlier_miss_rate").isNull()
                    | F.col("recent_miss_rate").isNull(), F.lit(None).cast("string"))
             .when(F.col("recent_miss_rate") - F.col("earlier_miss_rate") >= TREND_STEP - 1e-9, F.lit("empeora"))
             .when(F.col("earlier_miss_rate") - F.col("recent_miss_rate") >= TREND_STEP - 1e-9, F.lit("mejora"))
             .otherwise(F.lit("estable")))
    advice = {key: advice_for(key, label).recommendation for key, label in focuses}
    recommendation = F.create_map(*[F.lit(x) for pair in advice.items() for x in pair])[F.col("focus")]
    rank = F.row_number().over(Window.partitionBy("agent").orderBy(
        F.col("missed").desc(), F.col("miss_rate").desc(), F.col("focus")))
    return grouped.select(
        "agent", "vendor", "team", "focus", "focus_label", "calls", "missed", "miss_rate", "earlier_miss_rate",
        "recent_miss_rate", trend.alias("trend"),
        F.slice(F.sort_array("_moments", asc=False), 1, EXAMPLES).alias("examples"),
        recommendation.alias("recommendation"), rank.cast("int").alias("rank"), "period_start", "period_end",
    )

