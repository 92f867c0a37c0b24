"""one row per call × criterion × pair of raters that disagree, with the auditor's evidence.

The list a calibration session works through."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import reviews

COLUMNS = [
    ("comparison, call_sid, criterion", "string", "which comparison, which call, which criterion"),
    ("rater_a, verdict_a, rater_b, verdict_b", "string", "`auditor` or an analyst, and their verdicts"),
    ("evidence", "string", "the auditor's reason and the words it heard, with time"),
    ("note", "string", "the analyst's note"),
    ("agent, scorecard_version, call_week", "string", "for filtering"),
    ("reviewed_at", "timestamp", "the review's time"),
]


@datasets.materialized_view("calibration_disagreements",
                            comment="Calls where the auditor and an analyst disagree, with the evidence.")
def calibration_disagreements():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return reviews.calibration_disagreements(spark.read.table("twilio_call_audits"),
                                             spark.read.table("qa_reviews"), [c.name for c in card.categories])
