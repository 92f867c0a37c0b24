"""twilio_call_audits (gold): the audit of each call, with agent, vendor, team and start time."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts


@datasets.materialized_view("twilio_call_audits", comment="Call quality audits (original columns first).")
def twilio_call_audits():
    return marts.twilio_call_audits(spark.read.table("silver_call_audits"), spark.read.table("twilio_calls"))
