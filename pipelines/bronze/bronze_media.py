"""one row per downloaded recording file: the manifest ingest writes once per recording (path, bytes, sha256, channels)."""

from callaudit.lakehouse.platform import conf, datasets
from callaudit.transforms import bronze, schemas


@datasets.table("bronze_media", comment="Recording media files downloaded by ingest (path, channels, bytes, sha256).")
def bronze_media():
    manifests = datasets.platform.read_json_stream(
        spark, f"{conf(spark, 'callaudit.landing_path')}/media_manifest", schemas.MEDIA_MANIFEST)
    return bronze.bronze_media(manifests)
