"""forbidden_words_by_agent (mart): see callaudit/transforms/marts.py."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts


@datasets.materialized_view("forbidden_words_by_agent", comment=marts.forbidden_words_by_agent.__doc__ or "forbidden_words_by_agent")
def forbidden_words_by_agent():
    return marts.forbidden_words_by_agent(spark.read.table("twilio_call_audits"))
