"""kpi_summary (mart): see callaudit/transforms/marts.py."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts


@datasets.materialized_view("kpi_summary", comment=marts.kpi_summary.__doc__ or "kpi_summary")
def kpi_summary():
    return marts.kpi_summary(spark.read.table("twilio_call_audits"))
