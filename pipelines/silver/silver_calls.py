"""one row per call_sid, typed (latest `date_updated` wins); raw values kept as `*_raw`. Restricted: raw phone numbers."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import silver


@datasets.materialized_view("silver_calls", comment="Typed Twilio call legs, deduplicated by call_sid.")
def silver_calls():
    return silver.silver_calls(spark.read.table("bronze_calls"))
