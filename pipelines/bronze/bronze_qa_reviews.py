"""one row per analyst review as landed in landing/reviews/ (review import, review page, CSV drop), raw strings."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import reviews


@datasets.table("bronze_qa_reviews", comment="Analysts' review CSV rows as landed (strings + lineage).")
def bronze_qa_reviews():
    rows = datasets.platform.read_csv_stream(spark, f"{conf(spark, 'callaudit.landing_path')}/reviews",
                                             reviews.REVIEW_CSV)
    return reviews.bronze_qa_reviews(rows)
