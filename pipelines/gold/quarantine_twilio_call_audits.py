"""audits flagged by `expectations/twilio_call_audits.yml` (unscored, unknown agent)."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.scoring import cached_scorecard
from callaudit.transforms import marts


@datasets.quarantine("twilio_call_audits")
def quarantine_twilio_call_audits():
    card = cached_scorecard(conf(spark, "callaudit.scorecard_path") or None)
    return marts.twilio_call_audits(spark.read.table("silver_call_audits"), spark.read.table("twilio_calls"), card)
