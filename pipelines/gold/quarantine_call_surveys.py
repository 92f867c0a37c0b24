"""survey rows that violated `expectations/call_surveys.yml` (bad call sid, survey type, score or date; unreadable)."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import satisfaction


@datasets.quarantine("call_surveys")
def quarantine_call_surveys():
    return satisfaction.call_surveys(spark.read.table("bronze_surveys"))
