"""one row per recording_sid, typed (latest `date_updated` wins); raw values kept as `*_raw`."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import silver


@datasets.materialized_view("silver_recordings", comment="Typed Twilio recordings, deduplicated by recording_sid.")
def silver_recordings():
    return silver.silver_recordings(spark.read.table("bronze_recordings"))
