"""Bronze: raw Twilio records exploded out of the landed list pages, plus lineage columns.

Nothing is typed or filtered here except empty pages: a page that cannot be parsed becomes one row whose
``_corrupt_record`` holds the text (silver's expectations quarantine it with a reason), so a bad file is visible,
never silently skipped.

Over Spark Connect inside a pipeline, transformations of pipeline inputs must not analyse the DataFrame
(``df.columns`` and friends), and ``withColumn``/``drop`` lose dependency edges (SPARK-53505): these functions use
``select``/``where`` with explicit column lists only.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from callaudit.transforms.schemas import CALL_FIELDS, MEDIA_MANIFEST_FIELDS, RECORDING_FIELDS

LINEAGE = ["_record_index", "_page", "_source_file", "_ingested_at", "_corrupt_record"]


def explode_pages(pages: DataFrame, list_key: str, fields: list[str]) -> DataFrame:
    """One row per record of each page (``pages`` comes straight from the JSON file source)."""
    exploded = pages.select(
        F.posexplode_outer(F.col(list_key)).alias("_record_index", "_r"),
        F.col(list_key).isNull().alias("_list_missing"),
        F.col("page").alias("_page"),
        F.col("_metadata.file_path").alias("_source_file"),
        F.current_timestamp().alias("_ingested_at"),
        F.col("_corrupt_record"),
    )
    # posexplode_outer keeps a placeholder row for pages without a list: keep it only when the list is missing
    # (unparseable or mis-shaped page -> quarantined downstream), not for a legitimately empty last page.
    kept = exploded.where(F.col("_r").isNotNull() | F.col("_list_missing"))
    return kept.select(
        *[F.col("_r").getField(f).alias(f) for f in fields],
        F.col("_r").getField("subresource_uris").alias("subresource_uris"),
        *LINEAGE,
    )


def bronze_calls(pages: DataFrame) -> DataFrame:
    return explode_pages(pages, "calls", CALL_FIELDS)


def bronze_recordings(pages: DataFrame) -> DataFrame:
    return explode_pages(pages, "recordings", RECORDING_FIELDS)


def bronze_media(manifests: DataFrame) -> DataFrame:
    """One row per downloaded recording file (ingest writes one manifest per recording, once)."""
    return manifests.select(
        *[F.col(f) for f in MEDIA_MANIFEST_FIELDS],
        F.col("_metadata.file_path").alias("_source_file"),
        F.current_timestamp().alias("_ingested_at"),
        F.col("_corrupt_record"),
    )


def agent_directory(agents: DataFrame) -> DataFrame:
    """The agent directory as maintained by operations (CSV in the landing zone / a volume)."""
    return agents.select(
        F.trim("agent_id").alias("agent_id"),
        F.lower(F.trim("identity")).alias("identity"),
        F.trim("name").alias("name"),
        F.trim("vendor").alias("vendor"),
        F.trim("team").alias("team"),
        F.trim("supervisor").alias("supervisor"),
        F.coalesce(F.lower(F.trim("active")).isin("true", "1", "yes", "si", "sí"), F.lit(True)).alias("active"),
        F.col("_metadata.file_path").alias("_source_file"),
    )
