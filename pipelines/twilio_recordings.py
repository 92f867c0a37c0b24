"""twilio_recordings (gold): recordings with their media file status."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import gold, silver


@datasets.materialized_view("twilio_recordings", comment="Recordings for analysts: URL, duration, channels, media availability.")
def twilio_recordings():
    return gold.twilio_recordings(spark.read.table("silver_recordings"), silver.latest_media(spark.read.table("bronze_media")))
