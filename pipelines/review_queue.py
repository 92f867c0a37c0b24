"""review_queue (mart): calls needing manual review, worst first, with reasons and a redacted snippet."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts


@datasets.materialized_view("review_queue", comment="Calls needing manual review, with reasons and a redacted snippet.")
def review_queue():
    return marts.review_queue(spark.read.table("twilio_call_audits"), spark.read.table("twilio_transcriptions"))
