"""Call-driver flows: transcripts -> one driver per recording (silver) -> per audited call with context (gold)."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def silver_call_topics(transcriptions_stream: DataFrame, classify_driver) -> DataFrame:
    """Classify every new transcript once from its redacted text (the raw one never leaves silver)."""
    return transcriptions_stream.select(
        "recording_sid", "call_sid",
        classify_driver(F.to_json(F.col("transcript_redacted"))).alias("_d"),
        F.current_timestamp().alias("classified_at"),
    ).select("recording_sid", "call_sid", "_d.*", "classified_at")


def call_topics(topics: DataFrame, audits: DataFrame) -> DataFrame:
    a = audits.select(
        F.col("recording_sid").alias("_rec"), "agent", "team", "vendor", "call_date", "start_time",
        "quality_score", "quality_category", F.col("sentiment_score").alias("customer_sentiment"),
        "escalation_requested")
    joined = topics.join(a, topics.recording_sid == a._rec, "inner")
    return joined.select(
        "call_sid", "recording_sid", "driver", "driver_label", "driver_confidence", "driver_method",
        "driver_evidence", "runner_up", "driver_needs_review", "agent", "team", "vendor", "call_date", "start_time",
        "quality_score", "quality_category", "customer_sentiment", "escalation_requested", "taxonomy_version")
