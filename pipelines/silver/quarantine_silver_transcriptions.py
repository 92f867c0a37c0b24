"""recordings whose transcription failed or looks unusable (`expectations/silver_transcriptions.yml`)."""

from callaudit.lakehouse.platform import datasets


@datasets.quarantine("silver_transcriptions")
def quarantine_silver_transcriptions():
    return spark.read.table("silver_transcriptions")
