"""call records that violated `expectations/silver_calls.yml`."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import silver


@datasets.quarantine("silver_calls")
def quarantine_silver_calls():
    return silver.silver_calls(spark.read.table("bronze_calls"))
