"""one row per downloaded recording, transcribed once: `transcript` (**unredacted**, restricted), `transcript_redacted`, `error`, `worker_pid`, `worker_model_loads`.

Streams over bronze_media (one manifest per recording), so reruns never re-transcribe; the model is loaded once
per Python worker (see udfs/transcribe.py). A broken file becomes a row with `error`, never a failed update.
"""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import transcripts
from udfs.transcribe import make_transcribe_udf, transcription_settings

# One recording per Arrow batch: the vectorised Delta scan would otherwise hand the UDF up to 4096 rows at once.
ONE_RECORDING_PER_BATCH = {
    "spark.sql.execution.arrow.pythonUDF.columnarInput.enabled": "false",
    "spark.sql.execution.arrow.maxRecordsPerBatch": "1",
}


@datasets.table("silver_transcriptions", spark_conf=ONE_RECORDING_PER_BATCH,
                comment="Speaker-labelled transcripts per recording. Restricted: `transcript` is unredacted.")
def silver_transcriptions():
    todo = transcripts.media_to_transcribe(spark.readStream.table("bronze_media"), spark.read.table("silver_calls"),
                                           conf(spark, "callaudit.landing_path"), spark.read.table("agent_directory"))
    return transcripts.silver_transcriptions(todo, make_transcribe_udf(**transcription_settings(spark)))
