"""Transcription and scoring flows: recordings with audio -> transcripts (raw, restricted) -> redacted -> audits."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from callaudit.transforms.silver import resolve_agents


def media_to_transcribe(media_stream: DataFrame, calls: DataFrame, landing_path: str,
                        agents: DataFrame | None = None) -> DataFrame:
    """Each downloaded recording once, with the call-leg metadata that decides which channel is the agent, and
    the agent's directory name (the recogniser is biased toward it on the agent's channel: a name is the word
    it garbles most, and identification depends on it).

    ``media_stream`` is the append-only ``bronze_media`` stream (ingest writes one manifest per recording, once),
    so every recording reaches the transcription UDF exactly once; ``calls`` is the static ``silver_calls``;
    ``agents`` the agent directory (unknown agents: a null name, no name bias).
    """
    media = media_stream.where(F.col("recording_sid").isNotNull() & F.col("path").isNotNull())
    if agents is not None:
        calls = resolve_agents(calls, agents)
    else:
        calls = calls.withColumn("_agent_name", F.lit(None).cast("string"))
    legs = calls.select(
        F.col("call_sid").alias("_c_sid"), F.col("direction").alias("_c_direction"),
        F.col("from_number").alias("_c_from"), F.col("to_number").alias("_c_to"),
        F.col("_agent_name").alias("_c_agent_name"))
    root = landing_path.rstrip("/")
    return media.join(legs, F.col("call_sid") == F.col("_c_sid"), "left").select(
        "recording_sid", "call_sid",
        F.concat(F.lit(root + "/"), F.col("path")).alias("media_path"),
        F.col("channels").alias("media_channels"),
        F.col("_c_direction").alias("call_direction"),
        F.col("_c_from").alias("call_from"),
        F.col("_c_to").alias("call_to"),
        F.col("_c_agent_name").alias("agent_name"),
        "sha256",
    )


def silver_transcriptions(to_transcribe: DataFrame, transcribe_udf, partitions: int = 2) -> DataFrame:
    """Run the transcription UDF. Restricted table: ``transcript`` is unredacted; ``transcript_redacted`` is what
    gold exposes. ``worker_pid``/``worker_model_loads`` make "model loads per worker" observable."""
    spread = to_transcribe.repartition(partitions)
    result = spread.select(
        "recording_sid", "call_sid", "media_path", "sha256",
        transcribe_udf(F.col("media_path"), F.col("recording_sid"), F.col("call_sid"), F.col("call_direction"),
                       F.col("call_from"), F.col("call_to"), F.col("media_channels"), F.col("agent_name")).alias("_t"),
        F.current_timestamp().alias("transcribed_at"),
    )
    return result.select(
        "recording_sid", "call_sid", "media_path", "sha256",
        F.col("_t.raw").alias("transcript"),
        F.col("_t.redacted").alias("transcript_redacted"),
        F.col("_t.raw.error").alias("error"),
        F.col("_t.worker_pid").alias("worker_pid"),
        F.col("_t.worker_model_loads").alias("worker_model_loads"),
        "transcribed_at",
    )


def twilio_transcriptions(silver: DataFrame) -> DataFrame:
    """Gold: redacted transcripts only (the raw text stays in restricted ``silver_transcriptions``)."""
    t = "transcript_redacted"
    return silver.select(
        "recording_sid",
        "call_sid",
        F.col(f"{t}.text").alias("transcription"),
        F.col(f"{t}.confidence").alias("confidence_score"),
        F.col(f"{t}.language").alias("language"),
        F.col(f"{t}.engine").alias("engine"),
        F.col(f"{t}.engine_version").alias("engine_version"),
        F.col(f"{t}.channels").alias("channels"),
        F.col(f"{t}.agent_channel").alias("agent_channel"),
        F.col(f"{t}.duration_seconds").alias("duration_seconds"),
        F.col(f"{t}.processing_seconds").alias("processing_seconds"),
        F.col(f"{t}.segments").alias("segments"),
        F.col(f"{t}.redactions").alias("redactions"),
        F.col(f"{t}.error").alias("error"),
        "transcribed_at",
    )


def silver_call_audits(transcriptions_stream: DataFrame, calls: DataFrame, score_call,
                       agents: DataFrame) -> DataFrame:
    """Score every new transcript once (the scorecard version is recorded on each row; re-scoring is a deliberate
    full refresh of this table). ``calls`` (``silver_calls``) and ``agents`` (the agent directory) give the agent's
    directory name, which lets identification accept the agent saying their own name even when the recogniser
    garbles the phrase around it, and the call's duration. Silver reads silver: never the gold ``twilio_calls``.
    """
    named = resolve_agents(calls, agents).select(
        F.col("call_sid").alias("_c_sid"), F.col("_agent_name"),
        F.col("duration_seconds").cast("double").alias("_call_duration"))
    joined = transcriptions_stream.join(named, F.col("call_sid") == F.col("_c_sid"), "left")
    return joined.select(
        score_call(F.to_json(F.col("transcript_redacted")), F.col("_call_duration"), F.col("_agent_name")).alias("_a"),
        F.current_timestamp().alias("scored_at"),
    ).select("_a.*", "scored_at")
