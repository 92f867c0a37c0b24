"""agent_daily_quality (mart): see callaudit/transforms/marts.py."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts


@datasets.materialized_view("agent_daily_quality", comment=marts.agent_daily_quality.__doc__ or "agent_daily_quality")
def agent_daily_quality():
    return marts.agent_daily_quality(spark.read.table("twilio_call_audits"))
