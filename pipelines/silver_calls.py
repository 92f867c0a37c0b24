"""silver_calls: typed call legs, one row per call_sid (latest date_updated wins). Restricted: raw numbers."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import silver


@datasets.materialized_view("silver_calls", comment="Typed Twilio call legs, deduplicated by call_sid.")
def silver_calls():
    return silver.silver_calls(spark.read.table("bronze_calls"))
