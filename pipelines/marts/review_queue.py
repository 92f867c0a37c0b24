"""one row per call needing manual review, worst first, with reasons and a redacted snippet."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts

COLUMNS = [
    ("call_sid, recording_sid", "string", "the call and its audited recording"),
    ("agent, vendor, team, supervisor", "string", "from `twilio_calls`"),
    ("start_time, call_date", "timestamp, date", "when"),
    ("quality_score, quality_category, category_reason", "double, string, string", "the verdict and why"),
    ("review_codes, review_reasons", "array<string>", "why it is here (see `twilio_call_audits`)"),
    ("critical_errors, undetermined_criteria, forbidden_words", "array<string>", "what to listen for"),
    ("sentiment_score, escalation_requested, transcription_confidence", "double, boolean, double",
     "customer sentiment, escalation, how sure the recogniser was"),
    ("transcript_snippet", "string", "the redacted transcript's first 280 characters"),
    ("priority", "string", "`critical` / `high` / `normal`"),
]


@datasets.materialized_view("review_queue", comment="Calls needing manual review, with reasons and a redacted snippet.")
def review_queue():
    return marts.review_queue(spark.read.table("twilio_call_audits"), spark.read.table("twilio_transcriptions"))
