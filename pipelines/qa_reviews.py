"""qa_reviews (gold-adjacent): one row per call x reviewer x review time, typed and checked; latest import wins."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import reviews


@datasets.materialized_view("qa_reviews", comment="Analysts' verdicts per call (review page, CSV import, CSV drop).")
def qa_reviews():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return reviews.qa_reviews(spark.read.table("bronze_qa_reviews"), spark.read.table("twilio_call_audits"),
                              [c.name for c in card.categories])
