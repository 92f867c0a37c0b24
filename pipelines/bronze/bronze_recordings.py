"""one row per Twilio recording record as landed: raw fields + lineage, streamed from landing/recordings/."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import bronze, schemas


@datasets.table("bronze_recordings", comment="Raw Twilio Recording records exploded from the landed list pages.")
def bronze_recordings():
    pages = datasets.platform.read_json_stream(
        spark, f"{conf(spark, 'callaudit.landing_path')}/recordings", schemas.RECORDINGS_PAGE)
    return bronze.bronze_recordings(pages)
