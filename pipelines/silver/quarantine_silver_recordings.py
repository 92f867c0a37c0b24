"""recording records that violated `expectations/silver_recordings.yml`."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import silver


@datasets.quarantine("silver_recordings")
def quarantine_silver_recordings():
    return silver.silver_recordings(spark.read.table("bronze_recordings"))
