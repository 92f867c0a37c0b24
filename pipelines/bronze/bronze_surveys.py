"""one row per post-call survey answer as landed in landing/surveys/ (surveys import, CSV drop), raw strings."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import satisfaction


@datasets.table("bronze_surveys", comment="Post-call survey CSV rows as landed (strings + lineage).")
def bronze_surveys():
    rows = datasets.platform.read_csv_stream(spark, f"{conf(spark, 'callaudit.landing_path')}/surveys",
                                             satisfaction.SURVEY_CSV)
    return satisfaction.bronze_surveys(rows)
