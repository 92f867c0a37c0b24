"""one row per audited call: why the customer called (its driver from the taxonomy), with the confidence, the words that decided it, the agent and the day.

Drivers come from callaudit/topics/taxonomy_es.yml (rules + a linear model trained offline on redacted,
labelled calls: `callaudit topics train`); accuracy on calls not written from the taxonomy is measured by
`callaudit bench --only topics`. `driver_needs_review` marks low-confidence calls for an analyst; new,
unnamed drivers are proposed by `callaudit topics discover`."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import topics

COLUMNS = [
    ("**call_sid**, recording_sid", "string", "the audited call and its recording"),
    ("**driver**, driver_label", "string", "the driver's key (`pagos`, `cobros` …) and its Spanish label"),
    ("driver_confidence", "double", "0–1: the classifier's probability for that driver"),
    ("driver_method", "string", "`modelo`, `reglas+modelo` (a taxonomy rule matched) or `sin_texto` (no speech)"),
    ("driver_evidence", "array<string>", "rule hits (`regla: …`) and the customer's words that weighed most "
     "(redacted)"),
    ("runner_up", "string", "the second most likely driver"),
    ("driver_needs_review", "boolean", "confidence below the taxonomy's `min_confidence`, or no speech"),
    ("agent, team, vendor", "string", "from `twilio_call_audits`"),
    ("call_date, start_time", "date, timestamp", "the call's day (Bogotá) and start"),
    ("quality_score, quality_category", "double, string", "the audit's, to read drivers beside quality"),
    ("customer_sentiment, escalation_requested", "double, boolean", "the customer's sentiment and escalation"),
    ("taxonomy_version", "string", "the taxonomy the driver was classified with"),
]


@datasets.materialized_view("call_topics", comment="Call drivers per audited call (why customers call).")
def call_topics():
    return topics.call_topics(spark.read.table("silver_call_topics"), spark.read.table("twilio_call_audits"))
