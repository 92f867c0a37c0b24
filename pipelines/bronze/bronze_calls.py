"""one row per Twilio call record as landed: raw fields as strings + lineage (`_source_file`, `_record_index`, `_page`, `_ingested_at`, `_corrupt_record`), streamed from landing/calls/."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import bronze, schemas


@datasets.table("bronze_calls", comment="Raw Twilio Call records exploded from the landed list pages. Restricted: raw phone numbers.")
def bronze_calls():
    pages = datasets.platform.read_json_stream(spark, f"{conf(spark, 'callaudit.landing_path')}/calls", schemas.CALLS_PAGE)
    return bronze.bronze_calls(pages)
