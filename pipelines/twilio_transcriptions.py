"""twilio_transcriptions (gold): redacted transcripts (cédulas, cards, phones, e-mails replaced by placeholders)."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import transcripts


@datasets.materialized_view("twilio_transcriptions", comment="Redacted transcripts with confidence and segments.")
def twilio_transcriptions():
    return transcripts.twilio_transcriptions(spark.read.table("silver_transcriptions"))
