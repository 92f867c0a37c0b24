"""one row per call × reviewer × review time: the analysts' verdicts, typed and checked.

Fed by the review page, `callaudit review import` and CSVs dropped in `landing/reviews/` (docs/REVIEW.md); the
latest landed file wins. `_*` columns are the rule inputs (raw values, `_call_audited`, `_bad_booleans`)."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import reviews

COLUMNS = [
    ("call_sid, reviewer", "string", "the audited call and who reviewed it"),
    ("reviewed_at", "timestamp", "UTC"),
    ("has_greeting, has_identification, has_help_offer, has_farewell", "boolean", "the analyst's verdict per "
     "criterion (null = N/A)"),
    ("forbidden_words", "array<string>", "lower case"),
    ("quality_category", "string", "the scorecard's spelling"),
    ("is_calibration", "boolean", "a calibration session's review (left out of auditor-vs-analyst agreement)"),
    ("note", "string", "the analyst's note, stored as text"),
    ("source, imported_at", "string, timestamp", "landed file name and its time"),
]


@datasets.materialized_view("qa_reviews", comment="Analysts' verdicts per call (review page, CSV import, CSV drop).")
def qa_reviews():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return reviews.qa_reviews(spark.read.table("bronze_qa_reviews"), spark.read.table("twilio_call_audits"),
                              [c.name for c in card.categories])
