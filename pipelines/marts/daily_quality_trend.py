"""one row per call date: the operation's quality trend."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts

COLUMNS = [
    ("call_date", "date", "America/Bogota"),
    ("total_calls", "bigint", "audited calls"),
    ("avg_quality_score", "double", "mean over scored calls"),
    ("problem_calls, critical_calls", "bigint", "score < 50 (the original trend query's `llamadas_problema`) / "
     "score < 40"),
    ("avg_sentiment", "double", "mean customer sentiment"),
    ("manual_review_rate, forbidden_word_rate", "double", "share of calls sent to review / with a forbidden word"),
]


@datasets.materialized_view("daily_quality_trend", comment=marts.daily_quality_trend.__doc__ or "daily_quality_trend")
def daily_quality_trend():
    return marts.daily_quality_trend(spark.read.table("twilio_call_audits"))
