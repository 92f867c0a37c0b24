"""List filters return the right subsets, computed here from the fixture data (never hard-coded).

Semantics (Twilio's documentation): ``X`` = that UTC day, ``X>`` = on or after, ``X<`` = on or before; a
``YYYY-MM-DD`` value means midnight UTC. twilio-python sends ``datetime``s as ``%Y-%m-%dT%H:%M:%SZ`` and
passes strings through unchanged, so both forms are exercised through the real client.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest


def _when(text):
    return parsedate_to_datetime(text) if text else None


def _sids(records):
    return {r.sid for r in records}


def _expected(rows, keep):
    return {row["sid"] for row in rows if keep(row)}


@pytest.mark.parametrize("status", ["completed", "no-answer", "busy", "failed", "in-progress", "canceled"])
def test_status_filter(twilio_client, fixture_calls, status):
    got = _sids(twilio_client.calls.list(status=status, page_size=5))
    assert got == _expected(fixture_calls, lambda c: c["status"] == status)


def test_fixture_has_enough_variety_for_these_tests(fixture_calls, fixture_recordings):
    statuses = {c["status"] for c in fixture_calls}
    assert {"completed", "no-answer", "in-progress"} <= statuses
    assert {r["channels"] for r in fixture_recordings} == {1, 2}
    days = {_when(c["start_time"]).date() for c in fixture_calls if c["start_time"]}
    assert len(days) >= 3


def test_to_from_and_parent_filters(twilio_client, fixture_calls):
    child = next(c for c in fixture_calls if c["to"].startswith("client:"))
    assert _sids(twilio_client.calls.list(to=child["to"])) == _expected(fixture_calls, lambda c: c["to"] == child["to"])
    assert _sids(twilio_client.calls.list(from_=child["from"])) == _expected(
        fixture_calls, lambda c: c["from"] == child["from"])
    legs = _sids(twilio_client.calls.list(parent_call_sid=child["parent_call_sid"]))
    assert legs == _expected(fixture_calls, lambda c: c["parent_call_sid"] == child["parent_call_sid"])
    assert child["sid"] in legs


def _middle_instant(fixture_calls) -> datetime:
    starts = sorted(_when(c["start_time"]) for c in fixture_calls if c["start_time"])
    return starts[len(starts) // 2]


def test_start_time_after_and_before_with_datetimes(twilio_client, fixture_calls):
    pivot = _middle_instant(fixture_calls)
    after = _sids(twilio_client.calls.list(start_time_after=pivot, page_size=10))
    before = _sids(twilio_client.calls.list(start_time_before=pivot, page_size=10))
    assert after == _expected(fixture_calls, lambda c: c["start_time"] and _when(c["start_time"]) >= pivot)
    assert before == _expected(fixture_calls, lambda c: c["start_time"] and _when(c["start_time"]) <= pivot)
    assert after & before  # the pivot call itself is in both: both bounds are inclusive
    assert after and before and after != before


def test_start_time_range_with_day_strings(twilio_client, fixture_calls):
    first_day = min(_when(c["start_time"]) for c in fixture_calls if c["start_time"]).date()
    low, high = first_day + timedelta(days=1), first_day + timedelta(days=3)
    got = _sids(twilio_client.calls.list(start_time_after=low.isoformat(), start_time_before=high.isoformat()))
    low_dt = datetime(low.year, low.month, low.day, tzinfo=UTC)
    high_dt = datetime(high.year, high.month, high.day, tzinfo=UTC)
    assert got == _expected(fixture_calls, lambda c: c["start_time"] and low_dt <= _when(c["start_time"]) <= high_dt)
    assert got


def test_start_time_equals_means_that_utc_day(twilio_client, fixture_calls):
    day = _middle_instant(fixture_calls).date()
    as_string = _sids(twilio_client.calls.list(start_time=day.isoformat()))
    as_date = _sids(twilio_client.calls.list(start_time=day))  # sent as YYYY-MM-DDT00:00:00Z
    expected = _expected(fixture_calls, lambda c: c["start_time"] and _when(c["start_time"]).date() == day)
    assert as_string == as_date == expected and expected


def test_end_time_filters(twilio_client, fixture_calls):
    pivot = _middle_instant(fixture_calls)
    assert _sids(twilio_client.calls.list(end_time_after=pivot)) == _expected(
        fixture_calls, lambda c: c["end_time"] and _when(c["end_time"]) >= pivot)
    assert _sids(twilio_client.calls.list(end_time_before=pivot)) == _expected(
        fixture_calls, lambda c: c["end_time"] and _when(c["end_time"]) <= pivot)
    day = pivot.date()
    assert _sids(twilio_client.calls.list(end_time=day.isoformat())) == _expected(
        fixture_calls, lambda c: c["end_time"] and _when(c["end_time"]).date() == day)


def test_filters_combine(twilio_client, fixture_calls):
    pivot = _middle_instant(fixture_calls)
    got = _sids(twilio_client.calls.list(status="completed", start_time_after=pivot, page_size=3))
    assert got == _expected(
        fixture_calls, lambda c: c["status"] == "completed" and c["start_time"] and _when(c["start_time"]) >= pivot)


def test_recording_date_created_filters(twilio_client, fixture_recordings):
    created = sorted(_when(r["date_created"]) for r in fixture_recordings)
    pivot = created[len(created) // 2]
    after = _sids(twilio_client.recordings.list(date_created_after=pivot, page_size=4))
    before = _sids(twilio_client.recordings.list(date_created_before=pivot, page_size=4))
    day = pivot.date()
    on_day = _sids(twilio_client.recordings.list(date_created=day.isoformat()))
    assert after == _expected(fixture_recordings, lambda r: _when(r["date_created"]) >= pivot)
    assert before == _expected(fixture_recordings, lambda r: _when(r["date_created"]) <= pivot)
    assert on_day == _expected(fixture_recordings, lambda r: _when(r["date_created"]).date() == day) and on_day


def test_call_scoped_recordings_filter_by_day(twilio_client, fixture_recordings):
    rec = fixture_recordings[0]
    day: date = _when(rec["date_created"]).date()
    scoped = twilio_client.calls(rec["call_sid"]).recordings
    assert rec["sid"] in _sids(scoped.list(date_created=day.isoformat()))
    assert rec["sid"] not in _sids(scoped.list(date_created_after=(day + timedelta(days=1)).isoformat()))
