"""one row per comparison × scope × criterion: how often the auditor agrees with the analysts.

Auditor-vs-analyst and analyst-vs-analyst agreement per criterion, scorecard version and week — n, raw agreement,
Cohen's kappa (linear-weighted for the category) with a 95 % bootstrap interval (docs/REVIEW.md)."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import reviews

COLUMNS = [
    ("comparison", "string", "`auditor_vs_analyst` (calibration reviews excluded) or `analyst_vs_analyst` (every call "
     "with 2+ reviewers)"),
    ("scope, scope_value", "string", "`all`, `scorecard_version` or `week` (ISO week of the call), and its value"),
    ("criterion", "string", "greeting, identification, help_offer, farewell, forbidden_words (whether any), "
     "quality_category"),
    ("n, n_excluded", "int", "calls compared / left out (N/A or undetermined on either side)"),
    ("agreement, kappa, kappa_low, kappa_high", "double", "raw agreement; Cohen's kappa and its 95 % percentile "
     "bootstrap interval over calls"),
    ("weights", "string", "`none` or `linear` (the category)"),
    ("disagreements", "int", "calls where the two sides differ"),
    ("labels, confusion_json", "array<string>, string", "the confusion matrix: rows = rater A, columns = rater B, "
     "in `labels` order"),
    ("bootstrap_seed, bootstrap_resamples", "int", "how the interval was drawn (same seed, same interval)"),
]


@datasets.materialized_view("calibration_agreement",
                            comment="Agreement of the auditor with the analysts (and analysts among themselves).")
def calibration_agreement():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return reviews.calibration_agreement(spark.read.table("twilio_call_audits"), spark.read.table("qa_reviews"),
                                         [c.name for c in card.categories])
