"""one row per surveyed call: the customer's answer to the post-call survey (NPS 0–10 or CSAT 1–5), typed and checked.

Fed by `callaudit surveys import` and CSVs dropped in `landing/surveys/` (columns call_sid,survey_type,score,
answered_at, in that order); when a call has several answers the latest `answered_at` wins (then the latest landed
file). Rows that break a rule are in `quarantine_call_surveys` with the reason. `_*` columns are the rule inputs."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import satisfaction

COLUMNS = [
    ("call_sid", "string", "the surveyed call (it need not be audited yet)"),
    ("survey_type", "string", "`nps` or `csat`"),
    ("score", "int", "the answer on the survey's own scale: NPS 0–10, CSAT 1–5"),
    ("score_0_10", "double", "the answer on the common 0–10 scale: NPS as is, CSAT mapped linearly (1 → 0, 3 → 5, "
     "5 → 10)"),
    ("answered_at", "timestamp", "UTC (naive times in a CSV are Bogotá time)"),
    ("source, imported_at", "string, timestamp", "landed file name and its time"),
]


@datasets.materialized_view("call_surveys", comment="Post-call survey answers, one per call (latest wins).")
def call_surveys():
    return satisfaction.call_surveys(spark.read.table("bronze_surveys"))
