"""calibration_disagreements (gold): each call and criterion where the auditor and an analyst (or two analysts)
disagree, with the auditor's evidence — the list a calibration session works through."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import reviews


@datasets.materialized_view("calibration_disagreements",
                            comment="Calls where the auditor and an analyst disagree, with the evidence.")
def calibration_disagreements():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return reviews.calibration_disagreements(spark.read.table("twilio_call_audits"),
                                             spark.read.table("qa_reviews"), [c.name for c in card.categories])
