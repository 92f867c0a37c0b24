"""daily_quality_trend (mart): see callaudit/transforms/marts.py."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts


@datasets.materialized_view("daily_quality_trend", comment=marts.daily_quality_trend.__doc__ or "daily_quality_trend")
def daily_quality_trend():
    return marts.daily_quality_trend(spark.read.table("twilio_call_audits"))
