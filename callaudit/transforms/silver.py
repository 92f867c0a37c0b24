"""Silver: typed, one row per sid (the latest ``date_updated`` wins), lineage kept, raw values kept for the rules.

Typing never throws: unparseable dates and durations become NULL next to their ``*_raw`` text, and the
expectations in ``expectations/silver_*.yml`` quarantine such rows with the rule's name.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from callaudit.contracts import (  # noqa: F401  (statuses re-exported)
    CALL_STATUSES,
    RECORDING_STATUSES,
    UNASSIGNED_AGENT,
    UNKNOWN_AGENT_PREFIX,
)
from callaudit.transforms.bronze import LINEAGE


def rfc2822(col: str) -> Column:
    """'Fri, 18 Oct 2019 17:00:00 +0000' -> timestamp (NULL when unparseable; the day name is optional)."""
    stripped = F.regexp_replace(F.trim(F.col(col)), r"^[A-Za-z]{3},\s*", "")
    return F.try_to_timestamp(stripped, F.lit("d MMM yyyy HH:mm:ss Z"))


def to_int(col: str) -> Column:
    return F.expr(f"try_cast(nullif(trim(`{col}`), '') AS INT)")


def to_double(col: str) -> Column:
    return F.expr(f"try_cast(nullif(trim(`{col}`), '') AS DOUBLE)")


def identity_from_endpoint(col: Column) -> Column:
    """The agent identity in a call leg endpoint: ``client:<identity>`` or ``sip:<identity>@domain``."""
    lowered = F.lower(F.trim(col))
    return F.when(lowered.startswith("client:"), F.substring_index(lowered, "client:", -1)) \
        .when(lowered.startswith("sip:"), F.regexp_extract(lowered, r"^sip:([^@;]+)", 1))


def latest_per_key(df: DataFrame, key: str, columns: list[str]) -> DataFrame:
    """Keep one row per ``key``: the latest ``date_updated``, then the latest ingestion.

    Rows without a key are kept one by one (keyed by their source position) so that the expectations can
    quarantine them instead of collapsing them together.
    """
    group = F.coalesce(F.col(key), F.concat_ws(":", F.col("_source_file"), F.col("_record_index").cast("string")))
    order = Window.partitionBy(group).orderBy(
        F.col("date_updated").desc_nulls_last(), F.col("_ingested_at").desc(), F.col("_source_file").desc(),
        F.col("_record_index").desc())
    return df.select("*", F.row_number().over(order).alias("_rn")).where("_rn = 1").select(*columns)


CALL_COLUMNS = [
    "call_sid", "parent_call_sid", "account_sid", "direction", "status", "from_number", "to_number",
    "agent_identity", "answered_by", "forwarded_from", "caller_name", "phone_number_sid", "start_time", "end_time",
    "date_created", "date_updated", "duration_seconds", "price", "price_unit", "queue_time_ms", "api_version", "uri",
    "start_time_raw", "end_time_raw", "date_created_raw", "date_updated_raw", "duration_raw",
    *LINEAGE,
]


def silver_calls(bronze_calls: DataFrame) -> DataFrame:
    typed = bronze_calls.select(
        F.col("sid").alias("call_sid"),
        F.nullif(F.col("parent_call_sid"), F.lit("")).alias("parent_call_sid"),
        "account_sid",
        F.lower("direction").alias("direction"),
        F.lower("status").alias("status"),
        F.col("from").alias("from_number"),
        F.col("to").alias("to_number"),
        F.coalesce(identity_from_endpoint(F.col("to")), identity_from_endpoint(F.col("from"))).alias("agent_identity"),
        "answered_by", "forwarded_from", "caller_name", "phone_number_sid",
        rfc2822("start_time").alias("start_time"),
        rfc2822("end_time").alias("end_time"),
        rfc2822("date_created").alias("date_created"),
        rfc2822("date_updated").alias("date_updated"),
        to_int("duration").alias("duration_seconds"),
        to_double("price").alias("price"),
        "price_unit",
        to_int("queue_time").alias("queue_time_ms"),
        "api_version", "uri",
        F.col("start_time").alias("start_time_raw"),
        F.col("end_time").alias("end_time_raw"),
        F.col("date_created").alias("date_created_raw"),
        F.col("date_updated").alias("date_updated_raw"),
        F.col("duration").alias("duration_raw"),
        *LINEAGE,
    )
    return latest_per_key(typed, "call_sid", CALL_COLUMNS)


RECORDING_COLUMNS = [
    "recording_sid", "call_sid", "account_sid", "conference_sid", "status", "channels", "source", "track",
    "duration_seconds", "price", "price_unit", "error_code", "start_time", "date_created", "date_updated",
    "media_url", "uri", "start_time_raw", "date_created_raw", "date_updated_raw", "duration_raw", "channels_raw",
    *LINEAGE,
]


def silver_recordings(bronze_recordings: DataFrame) -> DataFrame:
    typed = bronze_recordings.select(
        F.col("sid").alias("recording_sid"),
        "call_sid", "account_sid",
        F.nullif(F.col("conference_sid"), F.lit("")).alias("conference_sid"),
        F.lower("status").alias("status"),
        to_int("channels").alias("channels"),
        "source", "track",
        to_int("duration").alias("duration_seconds"),
        to_double("price").alias("price"),
        "price_unit",
        to_int("error_code").alias("error_code"),
        rfc2822("start_time").alias("start_time"),
        rfc2822("date_created").alias("date_created"),
        rfc2822("date_updated").alias("date_updated"),
        "media_url", "uri",
        F.col("start_time").alias("start_time_raw"),
        F.col("date_created").alias("date_created_raw"),
        F.col("date_updated").alias("date_updated_raw"),
        F.col("duration").alias("duration_raw"),
        F.col("channels").alias("channels_raw"),
        *LINEAGE,
    )
    return latest_per_key(typed, "recording_sid", RECORDING_COLUMNS)


MEDIA_COLUMNS = ["recording_sid", "call_sid", "path", "channels", "bytes", "sha256", "content_type",
                 "downloaded_at", "_source_file", "_ingested_at", "_corrupt_record"]


def latest_media(bronze_media: DataFrame) -> DataFrame:
    """One row per recording's media file (batch view over the append-only manifest stream)."""
    order = Window.partitionBy(F.coalesce("recording_sid", "_source_file")).orderBy(
        F.col("downloaded_at").desc_nulls_last(), F.col("_ingested_at").desc())
    return bronze_media.select("*", F.row_number().over(order).alias("_rn")).where("_rn = 1").select(*MEDIA_COLUMNS)


def resolve_agents(calls: DataFrame, agents: DataFrame) -> DataFrame:
    """Attach the agent of each call leg: the ``client:``/SIP identity found on the leg or any leg of the same
    root call (parent + its ``<Dial>`` children), looked up in the agent directory. Unknown identities stay
    visible as ``desconocido:<identity>``; calls with no agent leg are ``sin agente`` (:mod:`callaudit.contracts`)."""
    root = F.coalesce(F.col("parent_call_sid"), F.col("call_sid"))
    per_root = (calls.where(F.col("agent_identity").isNotNull())
                .groupBy(root.alias("_root"))
                .agg(F.min("agent_identity").alias("_root_identity")))
    directory = agents.select(
        F.col("identity").alias("_dir_identity"), F.col("agent_id"), F.col("name").alias("_agent_name"),
        "vendor", "team", "supervisor")
    joined = (calls.join(per_root, root == F.col("_root"), "left")
              .select("*", F.coalesce(F.col("agent_identity"), F.col("_root_identity")).alias("_identity")))
    return joined.join(directory, F.col("_identity") == F.col("_dir_identity"), "left").select(
        "*",
        F.when(F.col("_agent_name").isNotNull(), F.col("_agent_name"))
        .when(F.col("_identity").isNotNull(), F.concat(F.lit(UNKNOWN_AGENT_PREFIX), F.col("_identity")))
        .otherwise(F.lit(UNASSIGNED_AGENT)).alias("agent"),
        F.coalesce(F.col("vendor"), F.lit("desconocido")).alias("agent_vendor"),
    )
