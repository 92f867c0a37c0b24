"""calibration_agreement (gold): auditor-vs-analyst and analyst-vs-analyst agreement per criterion, scorecard
version and week — n, raw agreement, Cohen's kappa (weighted for the category) with a 95 % bootstrap interval."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import reviews


@datasets.materialized_view("calibration_agreement",
                            comment="Agreement of the auditor with the analysts (and analysts among themselves).")
def calibration_agreement():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return reviews.calibration_agreement(spark.read.table("twilio_call_audits"), spark.read.table("qa_reviews"),
                                         [c.name for c in card.categories])
