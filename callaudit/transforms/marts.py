"""Gold audits and the marts QA analysts read: agent x day quality, daily trend, forbidden words, review queue, KPIs.

KPI targets are the original system's ("Métricas de Éxito"): average quality > 75, greeting > 95%, calls with
forbidden words < 5%, average customer sentiment > 0.3, calls needing review < 10%.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from callaudit.contracts import CRITICAL_BELOW, PROBLEM_BELOW, QUALITY_TARGET, UNASSIGNED_AGENT
from callaudit.scoring import Scorecard, audit_columns

# the original system's columns first; the has_<criterion> columns (one per criterion of the scorecard, in its order)
# go where the original's four steps were
ORIGINAL_FIRST = ["call_sid", "agent", "has_<criterion>", "forbidden_words", "sentiment_score", "quality_score",
                  "quality_category", "needs_manual_review", "start_time"]

KPI_TARGETS = [
    # name, label (Spanish, as the QA team says it), comparison, target, unit
    ("avg_quality_score", "Quality Score promedio", ">", QUALITY_TARGET, "points"),
    ("greeting_rate", "% llamadas con saludo correcto", ">", 0.95, "ratio"),
    ("forbidden_word_rate", "% llamadas con palabras prohibidas", "<", 0.05, "ratio"),
    ("avg_sentiment", "Sentiment Score promedio", ">", 0.3, "score"),
    ("manual_review_rate", "% llamadas que requieren revisión", "<", 0.10, "ratio"),
]


def twilio_call_audits(audits: DataFrame, calls: DataFrame, card: Scorecard | None = None) -> DataFrame:
    """One audit per recording, with the call's agent, vendor, team and start time (agent attribution stays
    current with the agent directory; the scores themselves were computed once, see ``scorecard_version``).

    The audit columns are the scorecard's (``card``, default the shipped one): read from it, not from
    ``audits.columns``, because a pipeline query function may not analyse a DataFrame."""
    legs = calls.select(
        F.col("call_sid").alias("_c_sid"), F.col("agent").alias("agent"), "agent_id", "vendor", "team",
        "supervisor", F.col("start_time").alias("start_time"), "call_date", "direction",
        F.col("duration_seconds").alias("call_duration"), F.col("status").alias("call_status"))
    joined = audits.join(legs, F.col("call_sid") == F.col("_c_sid"), "left")
    names = [name for name, _ in audit_columns(card)]
    steps = [c for c in names if c.startswith("has_")]
    first = [s for c in ORIGINAL_FIRST for s in (steps if c == "has_<criterion>" else [c])]
    rest = [c for c in names if c not in first]
    return joined.select(
        *[F.coalesce(F.col("agent"), F.lit(UNASSIGNED_AGENT)).alias("agent") if c == "agent" else F.col(c)
          for c in first],
        "agent_id", "vendor", "team", "supervisor", "call_date", "direction", "call_duration", "call_status",
        *rest, "scored_at",
    )


def _rate(condition: Column) -> Column:
    return F.avg(F.when(condition, 1.0).otherwise(0.0))


def _has_forbidden() -> Column:
    return F.coalesce(F.size("forbidden_words"), F.lit(0)) > 0


def agent_daily_quality(audits: DataFrame) -> DataFrame:
    return audits.groupBy("call_date", "agent", "vendor", "team").agg(
        F.count("*").alias("calls"),
        F.round(F.avg("quality_score"), 1).alias("avg_quality_score"),
        F.round(_rate(F.col("has_greeting")), 3).alias("greeting_rate"),
        F.round(_rate(F.col("has_identification")), 3).alias("identification_rate"),
        F.round(_rate(F.col("has_help_offer")), 3).alias("help_offer_rate"),
        F.round(_rate(F.col("has_farewell")), 3).alias("farewell_rate"),
        F.round(_rate(F.col("has_greeting") & F.col("has_identification") & F.col("has_help_offer")
                      & F.col("has_farewell")), 3).alias("full_protocol_rate"),
        F.round(_rate(_has_forbidden()), 3).alias("forbidden_word_rate"),
        F.round(F.avg("sentiment_score"), 3).alias("avg_sentiment"),
        F.round(_rate(F.col("needs_manual_review")), 3).alias("manual_review_rate"),
        F.sum(F.when(F.col("quality_score") < CRITICAL_BELOW, 1).otherwise(0)).alias("critical_calls"),
    )


def daily_quality_trend(audits: DataFrame) -> DataFrame:
    return audits.groupBy("call_date").agg(
        F.count("*").alias("total_calls"),
        F.round(F.avg("quality_score"), 1).alias("avg_quality_score"),
        F.sum(F.when(F.col("quality_score") < PROBLEM_BELOW, 1).otherwise(0)).alias("problem_calls"),
        F.sum(F.when(F.col("quality_score") < CRITICAL_BELOW, 1).otherwise(0)).alias("critical_calls"),
        F.round(F.avg("sentiment_score"), 3).alias("avg_sentiment"),
        F.round(_rate(F.col("needs_manual_review")), 3).alias("manual_review_rate"),
        F.round(_rate(_has_forbidden()), 3).alias("forbidden_word_rate"),
    )


def forbidden_words_by_agent(audits: DataFrame) -> DataFrame:
    exploded = audits.select("agent", "vendor", "call_sid", "call_date", F.explode("forbidden_words").alias("word"))
    return exploded.groupBy("agent", "vendor", "word").agg(
        F.count("*").alias("times"),
        F.countDistinct("call_sid").alias("calls"),
        F.max("call_date").alias("last_seen"),
    )


def review_queue(audits: DataFrame, transcriptions: DataFrame) -> DataFrame:
    """Calls needing manual review, worst first, with reasons and a redacted opening snippet."""
    text = transcriptions.select(F.col("recording_sid").alias("_t_rec"),
                                 F.substring("transcription", 1, 280).alias("transcript_snippet"))
    flagged = audits.where(F.col("needs_manual_review"))
    return flagged.join(text, F.col("recording_sid") == F.col("_t_rec"), "left").select(
        "call_sid", "recording_sid", "agent", "vendor", "team", "supervisor", "start_time", "call_date",
        "quality_score", "quality_category", "review_codes", "review_reasons", "forbidden_words", "sentiment_score",
        "escalation_requested", "transcription_confidence", "transcript_snippet",
        "critical_errors", "category_reason", "undetermined_criteria",
        # a critical error of the form (errores críticos) is as urgent as a very low score
        F.when((F.col("quality_score") < CRITICAL_BELOW) | (F.coalesce(F.size("critical_errors"), F.lit(0)) > 0),
               F.lit("critical"))
        .when(F.array_contains("review_codes", "forbidden_word"), F.lit("high"))
        .otherwise(F.lit("normal")).alias("priority"),
    )


def kpi_summary(audits: DataFrame) -> DataFrame:
    """One row per KPI of the original system, with its target and whether it is met (over all audited calls)."""
    values = audits.agg(
        F.count("*").alias("calls"),
        F.avg("quality_score").alias("avg_quality_score"),
        _rate(F.col("has_greeting")).alias("greeting_rate"),
        _rate(_has_forbidden()).alias("forbidden_word_rate"),
        F.avg("sentiment_score").alias("avg_sentiment"),
        _rate(F.col("needs_manual_review")).alias("manual_review_rate"),
        F.min("call_date").alias("period_start"),
        F.max("call_date").alias("period_end"),
    )
    rows = F.array(*[
        F.struct(F.lit(i).alias("ord"), F.lit(name).alias("kpi"), F.lit(label).alias("label"),
                 F.col(name).cast("double").alias("value"), F.lit(op).alias("comparison"),
                 F.lit(target).alias("target"), F.lit(unit).alias("unit"))
        for i, (name, label, op, target, unit) in enumerate(KPI_TARGETS)
    ])
    long = values.select("calls", "period_start", "period_end", F.explode(rows).alias("k"))
    met = F.when(F.col("k.value").isNull(), F.lit(None)).when(
        F.col("k.comparison") == ">", F.col("k.value") > F.col("k.target")).otherwise(F.col("k.value") < F.col("k.target"))
    return long.select(
        F.col("k.ord").alias("ord"), F.col("k.kpi").alias("kpi"), F.col("k.label").alias("label"),
        F.round(F.col("k.value"), 4).alias("value"), F.col("k.comparison").alias("comparison"),
        F.col("k.target").alias("target"), F.col("k.unit").alias("unit"), met.alias("met"),
        "calls", "period_start", "period_end",
    )
