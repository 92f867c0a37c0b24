"""review rows that violated `expectations/qa_reviews.yml` (unknown call, bad date, category or yes/no)."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import reviews


@datasets.quarantine("qa_reviews")
def quarantine_qa_reviews():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return reviews.qa_reviews(spark.read.table("bronze_qa_reviews"), spark.read.table("twilio_call_audits"),
                              [c.name for c in card.categories])
