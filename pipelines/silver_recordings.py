"""silver_recordings: typed recordings, one row per recording_sid (latest date_updated wins)."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import silver


@datasets.materialized_view("silver_recordings", comment="Typed Twilio recordings, deduplicated by recording_sid.")
def silver_recordings():
    return silver.silver_recordings(spark.read.table("bronze_recordings"))
