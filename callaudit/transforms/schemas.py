"""Explicit schemas of the landing zone (raw Twilio pages), so bronze never infers types.

Raw fields are read as strings exactly as Twilio sends them (numbers such as ``channels`` become their text);
typing happens in silver. Field lists follow Twilio's OpenAPI spec (api.v2010.account.call / .recording).
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    LongType,
    MapType,
    StringType,
    StructField,
    StructType,
)

CALL_FIELDS = [
    "sid", "date_created", "date_updated", "parent_call_sid", "account_sid", "to", "to_formatted", "from",
    "from_formatted", "phone_number_sid", "status", "start_time", "end_time", "duration", "price", "price_unit",
    "direction", "answered_by", "api_version", "forwarded_from", "group_sid", "caller_name", "queue_time",
    "trunk_sid", "uri",
]

RECORDING_FIELDS = [
    "sid", "account_sid", "api_version", "call_sid", "conference_sid", "date_created", "date_updated",
    "start_time", "duration", "price", "price_unit", "status", "channels", "source", "error_code", "uri",
    "encryption_details", "media_url", "track",
]

MEDIA_MANIFEST_FIELDS = ["recording_sid", "call_sid", "path", "channels", "bytes", "sha256", "content_type",
                         "downloaded_at"]

_URI_MAP = MapType(StringType(), StringType())


def _record(fields: list[str]) -> StructType:
    return StructType([StructField(f, StringType()) for f in fields] + [StructField("subresource_uris", _URI_MAP)])


CALL_RECORD = _record(CALL_FIELDS)
RECORDING_RECORD = StructType([StructField(f, StringType()) for f in RECORDING_FIELDS]
                              + [StructField("subresource_uris", _URI_MAP)])


def page_schema(list_key: str, record: StructType) -> StructType:
    """A Twilio list page: the paging envelope plus one array of records, and the corrupt-record column."""
    return StructType([
        StructField(list_key, ArrayType(record)),
        StructField("page", LongType()),
        StructField("page_size", LongType()),
        StructField("start", LongType()),
        StructField("end", LongType()),
        StructField("uri", StringType()),
        StructField("first_page_uri", StringType()),
        StructField("next_page_uri", StringType()),
        StructField("previous_page_uri", StringType()),
        StructField("_corrupt_record", StringType()),
    ])


CALLS_PAGE = page_schema("calls", CALL_RECORD)
RECORDINGS_PAGE = page_schema("recordings", RECORDING_RECORD)
MEDIA_MANIFEST = StructType([StructField(f, StringType()) for f in MEDIA_MANIFEST_FIELDS]
                            + [StructField("_corrupt_record", StringType())])

AGENT_DIRECTORY = StructType([
    StructField("agent_id", StringType()),
    StructField("identity", StringType()),
    StructField("name", StringType()),
    StructField("vendor", StringType()),
    StructField("team", StringType()),
    StructField("supervisor", StringType()),
    StructField("active", StringType()),
])
