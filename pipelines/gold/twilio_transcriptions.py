"""one row per transcribed recording, redacted.

Cédulas, card numbers, phone numbers, e-mails and identifiers given in answer to a question are replaced by
placeholders before anything reaches this table; the unredacted transcript stays in `silver_transcriptions`."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import transcripts

COLUMNS = [
    ("**recording_sid**, **call_sid**", "string", "the recording and its call"),
    ("**transcription**", "string", "the redacted transcript, one line per turn: `agent: …` / `customer: …`"),
    ("**confidence_score**", "double", "0–1, duration-weighted mean over segments"),
    ("language, engine, engine_version", "string", "e.g. `es`, `whisper`, `faster-whisper 1.2.1 whisper-base int8 beam3 …`"),
    ("channels, agent_channel", "int", "2 channels; the agent's channel (1 or 2) decided from the call's legs"),
    ("duration_seconds, processing_seconds", "double", "audio length; time spent transcribing"),
    ("segments", "array<struct>", "speaker, channel, start, end, text, confidence, words (word, start, end, "
     "probability) — redacted"),
    ("redactions", "map<string,int>", "placeholders applied: `CEDULA`, `TARJETA`, `TELEFONO`, `EMAIL`, `NUMERO`"),
    ("error", "string", "null when fine; otherwise why the recording could not be transcribed"),
    ("transcribed_at", "timestamp", "when the transcript was made (once per recording)"),
]


@datasets.materialized_view("twilio_transcriptions", comment="Redacted transcripts with confidence and segments.")
def twilio_transcriptions():
    return transcripts.twilio_transcriptions(spark.read.table("silver_transcriptions"))
