"""one row per transcribed recording scored once by the versioned scorecard (pandas UDF `score_call`), before agent attribution."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import transcripts
from udfs.score import make_score_call


@datasets.table("silver_call_audits", comment="Scorecard results per recording (scored once; see scorecard_version).")
def silver_call_audits():
    score_call = make_score_call(conf(spark, "callaudit.scorecard_path") or None)
    return transcripts.silver_call_audits(spark.readStream.table("silver_transcriptions"),
                                          spark.read.table("silver_calls"), score_call,
                                          spark.read.table("agent_directory"))
