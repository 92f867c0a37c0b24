"""one row per agent × forbidden expression: how often, on how many calls, last seen."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts

COLUMNS = [
    ("agent, vendor", "string", "the agent"),
    ("word", "string", "the expression's canonical form"),
    ("times, calls", "bigint", "occurrences / distinct calls"),
    ("last_seen", "date", "the last call date it was heard"),
]


@datasets.materialized_view("forbidden_words_by_agent", comment=marts.forbidden_words_by_agent.__doc__ or "forbidden_words_by_agent")
def forbidden_words_by_agent():
    return marts.forbidden_words_by_agent(spark.read.table("twilio_call_audits"))
