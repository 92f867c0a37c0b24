"""Gold: the tables analysts query. Phone numbers are masked here; raw numbers stay in restricted bronze/silver.

Column names follow the original system (``twilio_calls``: call_sid, from_number, start_time, duration_seconds,
status; ``twilio_recordings``: recording_sid, call_sid, recording_url, duration) plus what a QA analyst needs to
slice by (agent, vendor, team, local call date).
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from callaudit.transforms.silver import resolve_agents

LOCAL_TZ = "America/Bogota"


def mask_phone(col: Column | str) -> Column:
    """'+573001234567' -> '+573*******67': enough to tell lines apart, not enough to call anyone.

    Non-phone endpoints (``client:<agent>``, SIP URIs) are not personal numbers and are kept.
    """
    c = F.col(col) if isinstance(col, str) else col
    digits_only = c.rlike(r"^\+?[0-9][0-9 ()-]{5,}[0-9]$")
    compact = F.regexp_replace(c, r"[ ()-]", "")
    masked = F.concat(F.substring(compact, 1, 4), F.repeat(F.lit("*"), F.greatest(F.length(compact) - 6, F.lit(1))),
                      F.substring(compact, -2, 2))
    return F.when(c.isNull(), F.lit(None)).when(digits_only, masked).otherwise(c)


def twilio_calls(silver_calls: DataFrame, agents: DataFrame) -> DataFrame:
    resolved = resolve_agents(silver_calls, agents)
    return resolved.select(
        "call_sid",
        "parent_call_sid",
        F.col("parent_call_sid").isNull().alias("is_parent_leg"),
        "direction",
        "status",
        mask_phone("from_number").alias("from_number"),
        mask_phone("to_number").alias("to_number"),
        F.col("_identity").alias("agent_identity"),
        "agent_id",
        "agent",
        F.col("agent_vendor").alias("vendor"),
        "team",
        "supervisor",
        "start_time",
        "end_time",
        F.from_utc_timestamp("start_time", LOCAL_TZ).alias("start_time_local"),
        F.to_date(F.from_utc_timestamp("start_time", LOCAL_TZ)).alias("call_date"),
        "duration_seconds",
        "price",
        "price_unit",
        "answered_by",
        "queue_time_ms",
        "date_created",
        "date_updated",
    )


def twilio_recordings(silver_recordings: DataFrame, media: DataFrame) -> DataFrame:
    files = media.select(
        F.col("recording_sid").alias("_m_sid"), F.col("path").alias("media_path"),
        F.expr("try_cast(bytes AS BIGINT)").alias("media_bytes"), F.col("sha256").alias("media_sha256"),
        F.expr("try_cast(channels AS INT)").alias("media_channels"))
    joined = silver_recordings.join(files, F.col("recording_sid") == F.col("_m_sid"), "left")
    return joined.select(
        "recording_sid",
        "call_sid",
        F.coalesce(F.col("media_url"),
                   F.concat(F.lit("https://api.twilio.com"), F.regexp_replace("uri", r"\.json$", ""))
                   ).alias("recording_url"),
        F.col("duration_seconds").alias("duration"),
        "channels",
        "status",
        "source",
        "error_code",
        "start_time",
        "date_created",
        "price",
        "price_unit",
        F.col("media_path").isNotNull().alias("media_available"),
        "media_path",
        "media_bytes",
        "media_sha256",
        "media_channels",
    )
