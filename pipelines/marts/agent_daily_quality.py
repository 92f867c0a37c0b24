"""one row per call date × agent: the agent's quality and protocol rates that day."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts

COLUMNS = [
    ("call_date, agent, vendor, team", "date, string, string, string", "the day (America/Bogota) and the agent"),
    ("calls", "bigint", "audited calls"),
    ("avg_quality_score", "double", "mean over scored calls (unscored calls are left out, not counted as 0)"),
    ("greeting_rate, identification_rate, help_offer_rate, farewell_rate", "double", "share of calls with the step "
     "met"),
    ("full_protocol_rate", "double", "share of calls with greeting, identification, help offer and farewell all met"),
    ("forbidden_word_rate", "double", "share of calls with a forbidden word"),
    ("avg_sentiment", "double", "mean customer sentiment"),
    ("manual_review_rate", "double", "share of calls sent to manual review"),
    ("critical_calls", "bigint", "calls below the critical threshold (score < 40, `contracts.CRITICAL_BELOW`)"),
]


@datasets.materialized_view("agent_daily_quality", comment=marts.agent_daily_quality.__doc__ or "agent_daily_quality")
def agent_daily_quality():
    return marts.agent_daily_quality(spark.read.table("twilio_call_audits"))
