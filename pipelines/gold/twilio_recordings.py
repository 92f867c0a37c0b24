"""one row per recording, with whether its audio was downloaded."""

from callaudit.lakehouse.platform import datasets
from callaudit.transforms import gold, silver

COLUMNS = [
    ("**recording_sid**, **call_sid**", "string", "`RE…`, the parent call's `CA…`"),
    ("**recording_url**", "string", "Twilio media URL (no extension; add `.wav`/`.mp3`)"),
    ("**duration**", "int", "seconds"),
    ("channels, status, source, error_code", "int, string, string, int", "2 = dual-channel `<Dial>` recording"),
    ("start_time, date_created", "timestamp", "as Twilio reports them"),
    ("price, price_unit", "double, string", "Twilio's price (negative = charge)"),
    ("media_available, media_path, media_bytes, media_sha256, media_channels", "boolean, string, bigint, string, int",
     "whether ingest downloaded the audio, where, its size, checksum and channels"),
]


@datasets.materialized_view("twilio_recordings", comment="Recordings for analysts: URL, duration, channels, media availability.")
def twilio_recordings():
    return gold.twilio_recordings(spark.read.table("silver_recordings"), silver.latest_media(spark.read.table("bronze_media")))
