"""Twilio resource shapes shared by the emulator, the fixtures and ingest.

Facts (from the 2010-04-01 OpenAPI spec and twilio-python 9.13, see shared/reference/TWILIO_API_NOTES.md):
dates are RFC 2822 with ``+0000`` (twilio-python drops any other offset), ``duration`` is a string, URIs inside
resources are relative to ``https://api.twilio.com``.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from callaudit.contracts import CALL_STATUSES, FINAL_CALL_STATUSES, RECORDING_STATUSES  # noqa: F401  (re-exported)

API_VERSION = "2010-04-01"
API_HOST = "https://api.twilio.com"


# statuses after which Twilio no longer changes a call / recording

# the agent directory columns (docs/CONTRACTS.md section 1)
AGENT_COLUMNS = ["agent_id", "identity", "name", "vendor", "team", "supervisor", "active"]

SID_PATTERNS = {prefix: re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}$") for prefix in ("AC", "CA", "RE", "PN", "CF")}


def is_sid(value: object, prefix: str) -> bool:
    return isinstance(value, str) and bool(SID_PATTERNS[prefix].match(value))


def rfc2822(moment: datetime | None) -> str | None:
    """``Fri, 18 Oct 2019 17:00:00 +0000``: always UTC, always ``+0000``."""
    if moment is None:
        return None
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0))


_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}


def parse_rfc2822(text: str | None) -> datetime | None:
    """An RFC 2822 date as an aware UTC datetime (None for null/empty)."""
    if not text:
        return None
    # fast path for Twilio's own shape ("Fri, 18 Oct 2019 17:00:00 +0000"): loading 100k calls parses 300k dates
    parts = text.split()
    if len(parts) == 6 and parts[5] == "+0000" and parts[2] in _MONTHS:
        try:
            hour, minute, second = parts[4].split(":")
            return datetime(int(parts[3]), _MONTHS[parts[2]], int(parts[1]), int(hour), int(minute), int(second),
                            tzinfo=UTC)
        except ValueError:
            pass
    moment = parsedate_to_datetime(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class DateFilterError(ValueError):
    """A date query parameter is neither ``YYYY-MM-DD`` nor ``YYYY-MM-DDTHH:MM:SSZ``."""


def parse_filter_date(text: str) -> tuple[datetime, bool]:
    """A date filter value -> (UTC instant, is_whole_day).

    Twilio documents ``YYYY-MM-DD`` (UTC); twilio-python sends datetimes as ``%Y-%m-%dT%H:%M:%SZ``. Both are
    accepted; a whole day means "from midnight UTC of that day".
    """
    value = text.strip()
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            return datetime(day.year, day.month, day.day, tzinfo=UTC), True
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise DateFilterError(f"'{text}' is not a date (use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ)") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC), False


def day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def account_uri(account_sid: str) -> str:
    return f"/{API_VERSION}/Accounts/{account_sid}"


# a Call's ``subresource_uris``: (key, path segment), in the spec's order
CALL_SUBRESOURCES = (
    ("notifications", "Notifications"),
    ("recordings", "Recordings"),
    ("payments", "Payments"),
    ("events", "Events"),
    ("siprec", "Siprec"),
    ("streams", "Streams"),
    ("transcriptions", "Transcriptions"),
    ("user_defined_message_subscriptions", "UserDefinedMessageSubscriptions"),
    ("user_defined_messages", "UserDefinedMessages"),
)


def call_subresource_uris(account_sid: str, call_sid: str) -> dict[str, str]:
    base = f"{account_uri(account_sid)}/Calls/{call_sid}"
    return {key: f"{base}/{name}.json" for key, name in CALL_SUBRESOURCES}


def recording_subresource_uris(account_sid: str, recording_sid: str) -> dict[str, str]:
    base = f"{account_uri(account_sid)}/Recordings/{recording_sid}"
    return {"add_on_results": f"{base}/AddOnResults.json", "transcriptions": f"{base}/Transcriptions.json"}


def rebase_call(call: dict, account_sid: str) -> dict:
    """The call as it looks in ``account_sid`` (data dirs may be generated for another account)."""
    sid = call["sid"]
    call["account_sid"] = account_sid
    call["uri"] = f"{account_uri(account_sid)}/Calls/{sid}.json"
    call["subresource_uris"] = call_subresource_uris(account_sid, sid)
    return call


def rebase_recording(recording: dict, account_sid: str, media_base: str = API_HOST) -> dict:
    sid = recording["sid"]
    recording["account_sid"] = account_sid
    recording["uri"] = f"{account_uri(account_sid)}/Recordings/{sid}.json"
    recording["subresource_uris"] = recording_subresource_uris(account_sid, sid)
    recording["media_url"] = f"{media_base.rstrip('/')}{account_uri(account_sid)}/Recordings/{sid}"
    return recording


def call_scoped_recording(recording: dict) -> dict:
    """A Recording as ``Calls/{CA}/Recordings.json`` shows it: adds ``track``, has no ``media_url``.

    Its ``uri`` is call-scoped. ``price`` stays a string as Twilio sends it (the spec types it number here:
    spec quirk 1 in the notes).
    """
    scoped = {key: value for key, value in recording.items() if key not in ("media_url", "subresource_uris")}
    scoped["track"] = recording.get("track") or "both"
    scoped["channels"] = recording.get("channels") or 1
    scoped["uri"] = (
        f"{account_uri(recording['account_sid'])}/Calls/{recording['call_sid']}/Recordings/{recording['sid']}.json"
    )
    return scoped
