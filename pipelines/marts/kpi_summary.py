"""one row per KPI: the original system's targets, met or not, over the whole period."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import marts

COLUMNS = [
    ("ord, kpi, label", "int, string, string", "display order, key, Spanish label"),
    ("value, comparison, target, unit", "double, string, double, string", "the figure and its target: quality > 75, "
     "greeting > 95 %, forbidden < 5 %, sentiment > 0.3, review < 10 %"),
    ("met", "boolean", "whether the target is met"),
    ("calls, period_start, period_end", "bigint, date, date", "what the figure is computed over"),
]


@datasets.materialized_view("kpi_summary", comment=marts.kpi_summary.__doc__ or "kpi_summary")
def kpi_summary():
    return marts.kpi_summary(spark.read.table("twilio_call_audits"))
