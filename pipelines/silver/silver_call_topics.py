"""one row per transcribed recording: its call driver, classified once from the redacted transcript (pandas UDF `classify_driver`, taxonomy callaudit/topics/taxonomy_es.yml)."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import topics
from udfs.topics import make_classify_driver


@datasets.table("silver_call_topics", comment="Call driver per recording (classified once; see taxonomy_version).")
def silver_call_topics():
    classify = make_classify_driver(conf(spark, "callaudit.taxonomy_path") or None)
    return topics.silver_call_topics(spark.readStream.table("silver_transcriptions"), classify)
