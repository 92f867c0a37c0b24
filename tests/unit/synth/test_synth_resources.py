"""The Twilio resources the synthetic call centre writes are spec-shaped and consistent leg to leg."""

from __future__ import annotations

import email.utils
import json
import random
import re

import pytest
from callaudit_testkit.synth import twilio_resources as tr

# field lists of api.v2010.account.call / api.v2010.account.recording in reference/twilio_api_v2010.json
CALL_FIELDS = {
    "sid", "date_created", "date_updated", "parent_call_sid", "account_sid", "to", "to_formatted", "from",
    "from_formatted", "phone_number_sid", "status", "start_time", "end_time", "duration", "price", "price_unit",
    "direction", "answered_by", "api_version", "forwarded_from", "group_sid", "caller_name", "queue_time",
    "trunk_sid", "uri", "subresource_uris",
}
RECORDING_FIELDS = {
    "account_sid", "api_version", "call_sid", "conference_sid", "date_created", "date_updated", "start_time",
    "duration", "sid", "price", "price_unit", "status", "channels", "source", "error_code", "uri",
    "encryption_details", "subresource_uris", "media_url",
}
CALL_STATUSES = {"queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"}
RECORDING_STATUSES = {"in-progress", "paused", "stopped", "processing", "completed", "absent", "deleted"}
SID = {p: re.compile(rf"^{p}[0-9a-fA-F]{{32}}$") for p in ("CA", "AC", "PN", "RE")}
RFC2822 = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d{2}:\d{2}:\d{2} \+0000$")
E164_CO = re.compile(r"^\+57(3\d{9}|60\d{8})$")
PRICE = re.compile(r"^-\d+\.\d{5}$")


def epoch(value: str) -> int:
    return int(email.utils.parsedate_to_datetime(value).timestamp())


def check_date(value: str | None, nullable: bool = False) -> None:
    if value is None:
        assert nullable
        return
    assert RFC2822.match(value), value
    # the string round-trips through the parser twilio-python uses
    assert email.utils.parsedate(value) is not None


def test_call_resources_have_every_spec_field_and_format(calls):
    assert calls, "no calls written"
    for c in calls:
        assert set(c) == CALL_FIELDS
        assert SID["CA"].match(c["sid"]) and SID["AC"].match(c["account_sid"])
        assert c["parent_call_sid"] is None or SID["CA"].match(c["parent_call_sid"])
        assert c["phone_number_sid"] is None or SID["PN"].match(c["phone_number_sid"])
        assert c["status"] in CALL_STATUSES
        assert c["direction"] in ("inbound", "outbound-api", "outbound-dial")
        for key in ("date_created", "date_updated"):
            check_date(c[key])
        check_date(c["start_time"], nullable=True)
        check_date(c["end_time"], nullable=True)
        assert c["price_unit"] == "USD" and c["api_version"] == "2010-04-01"
        assert isinstance(c["queue_time"], str) and c["queue_time"].isdigit()
        assert c["uri"] == f"/2010-04-01/Accounts/{c['account_sid']}/Calls/{c['sid']}.json"
        assert set(c["subresource_uris"]) >= {"recordings", "notifications", "events", "transcriptions"}
        assert all(u.startswith(f"/2010-04-01/Accounts/{c['account_sid']}/Calls/{c['sid']}/")
                   for u in c["subresource_uris"].values())
        for side in ("to", "from"):
            assert c[side].startswith("client:") or E164_CO.match(c[side]), c[side]


def test_durations_are_strings_only_for_completed_calls(calls):
    statuses = set()
    for c in calls:
        statuses.add(c["status"])
        if c["status"] == "completed":
            assert isinstance(c["duration"], str) and c["duration"].isdigit()
            assert PRICE.match(c["price"]), c["price"]
            start, end, updated = epoch(c["start_time"]), epoch(c["end_time"]), epoch(c["date_updated"])
            assert end - start == int(c["duration"])
            assert updated >= end >= start >= epoch(c["date_created"])
        else:  # busy, failed, no-answer, canceled: "empty" per the spec
            assert c["duration"] is None and c["end_time"] is None and c["price"] is None
            assert epoch(c["date_updated"]) >= epoch(c["date_created"])
    assert "completed" in statuses and len(statuses) >= 2


def test_parent_and_child_legs_model_dial(calls, agents):
    by_sid = {c["sid"]: c for c in calls}
    parents = [c for c in calls if c["parent_call_sid"] is None]
    children = [c for c in calls if c["parent_call_sid"] is not None]
    assert len(by_sid) == len(calls), "duplicate sids"
    assert parents and children
    for child in children:
        parent = by_sid[child["parent_call_sid"]]
        assert parent["parent_call_sid"] is None
        assert child["direction"] == "outbound-dial"
        assert epoch(child["date_created"]) >= epoch(parent["date_created"])
        if parent["direction"] == "inbound":  # customer -> company number, <Dial><Client> rings the agent
            assert E164_CO.match(parent["from"]) and parent["from"].startswith("+573")
            assert child["to"].startswith("client:")
        else:  # click-to-call: the API rings the agent's client, the TwiML dials the customer
            assert parent["direction"] == "outbound-api" and parent["to"].startswith("client:")
            assert child["to"].startswith("+573")
        if child["status"] == "completed":
            assert parent["status"] == "completed"
            assert epoch(parent["end_time"]) >= epoch(child["end_time"])
    assert {p["direction"] for p in parents} == {"inbound", "outbound-api"}


def test_recordings_belong_to_answered_parent_legs(calls, recordings):
    by_sid = {c["sid"]: c for c in calls}
    child_of = {c["parent_call_sid"]: c for c in calls if c["parent_call_sid"]}
    for r in recordings:
        assert set(r) == RECORDING_FIELDS
        assert SID["RE"].match(r["sid"]) and SID["CA"].match(r["call_sid"])
        assert r["status"] in RECORDING_STATUSES and r["source"] == "DialVerb" and r["channels"] in (1, 2)
        check_date(r["date_created"]), check_date(r["date_updated"]), check_date(r["start_time"])
        parent = by_sid[r["call_sid"]]
        assert parent["parent_call_sid"] is None, "a recording must point at the parent leg"
        child = child_of[parent["sid"]]
        assert child["status"] == "completed"
        assert r["media_url"] == f"https://api.twilio.com/2010-04-01/Accounts/{r['account_sid']}/Recordings/{r['sid']}"
        assert r["uri"].endswith(f"/Recordings/{r['sid']}.json")
        if r["status"] == "absent":
            assert r["error_code"] == 16102 and r["price"] is None
        else:
            assert r["error_code"] is None
            # the recording runs from the child's answer to the hang-up
            assert r["duration"] == child["duration"] and r["start_time"] == child["start_time"]
    answered = [c for c in calls if c["parent_call_sid"] and c["status"] == "completed"]
    assert len(recordings) == len(answered)


def test_unknown_agent_is_kept_and_directory_shape(synth_dir, calls, agents, labels):
    assert list(agents[0]) == ["agent_id", "identity", "name", "vendor", "team", "supervisor", "active"]
    assert 8 <= len(agents) <= 12
    assert {a["vendor"] for a in agents} == {"Konecta", "Teleperformance"}
    assert {a["active"] for a in agents} == {"true", "false"}
    known = {a["identity"] for a in agents}
    identities = {c[side][len("client:"):] for c in calls for side in ("to", "from") if c[side].startswith("client:")}
    unknown = identities - known
    assert unknown, "at least one call must come from an agent who is not in agents.csv"
    manifest = json.loads((synth_dir / "manifest.json").read_text())
    assert manifest["edge_cases"]["unknown_agent_calls"]
    assert any(lab["agent_identity"] in unknown and lab["agent_id"] is None for lab in labels)


def test_manifest_matches_contract(synth_dir, calls, recordings):
    m = json.loads((synth_dir / "manifest.json").read_text())
    for key in ("generator", "version", "seed", "calls", "days", "start_date", "account_sid", "created_at"):
        assert key in m
    assert m["calls"] == 16 == sum(1 for c in calls if c["parent_call_sid"] is None)
    assert m["legs"] == len(calls) and m["recordings"] == len(recordings)
    assert m["start_date"] == "2024-05-06" and m["days"] == 3
    first, last = min(epoch(c["date_created"]) for c in calls), max(epoch(c["date_created"]) for c in calls)
    assert epoch("Mon, 06 May 2024 00:00:00 +0000") <= first and last < epoch("Thu, 09 May 2024 05:00:00 +0000")
    edge = m["edge_cases"]
    by_status = {r["sid"]: r for r in recordings}
    assert all(by_status[s]["status"] == "absent" for s in edge["recordings_absent"])
    assert all(by_status[s]["status"] == "processing" for s in edge["recordings_processing"])
    assert all(by_status[s]["channels"] == 1 for s in edge["recordings_mono"])
    assert edge["recordings_absent"] and edge["recordings_processing"] and edge["recordings_mono"]


def test_business_hours_in_bogota(calls):
    for c in calls:
        if c["parent_call_sid"] is None:
            local_hour = (email.utils.parsedate_to_datetime(c["date_created"]).hour - 5) % 24
            assert 7 <= local_hour <= 19, c["date_created"]


@pytest.mark.parametrize("status", ["completed", "busy", "no-answer", "canceled", "failed"])
def test_fast_json_equals_the_dict_encoding(status):
    rng = random.Random(status)
    for _ in range(50):
        start = rng.randint(1_700_000_000, 1_800_000_000)
        kw = dict(account_sid=tr.new_sid("AC", rng), sid=tr.new_sid("CA", rng),
                  parent_call_sid=rng.choice([None, tr.new_sid("CA", rng)]),
                  direction=rng.choice(["inbound", "outbound-api", "outbound-dial"]), from_="+573001234567",
                  to=rng.choice(["client:ana.perez", "+576017435500"]), status=status, date_created=start - 3,
                  start_time=start, end_time=start + rng.randint(1, 900), date_updated=start + 1000,
                  price_per_minute=rng.choice([None, 0.0085]), phone_number_sid=rng.choice([None, tr.new_sid("PN", rng)]),
                  queue_time_ms=rng.choice([0, 1000]))
        assert tr.call_json(**kw) == json.dumps(tr.call_resource(**kw), separators=(",", ":"))


def test_rfc2822_matches_the_standard_library():
    import datetime as dt

    for e in (0, 951_868_799, 1_714_000_000, 4_102_444_800):
        expected = email.utils.format_datetime(dt.datetime.fromtimestamp(e, dt.UTC)).replace("-0000", "+0000")
        assert tr.rfc2822(e) == expected


def test_price_is_per_started_minute():
    assert tr.price(1, 0.0085) == "-0.00850"
    assert tr.price(60, 0.0085) == "-0.00850"
    assert tr.price(61, 0.0085) == "-0.01700"


def test_resources_validate_against_the_official_openapi_schemas(calls, recordings):
    from pathlib import Path

    from openapi_schema_validator import OAS30Validator

    spec_path = Path(__file__).resolve().parents[2] / "data" / "twilio" / "twilio_api_v2010.json"
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    for name, records in (("api.v2010.account.call", calls), ("api.v2010.account.recording", recordings)):
        schema = dict(schemas[name], components=spec["components"])  # so '#/components/...' refs resolve
        validator = OAS30Validator(schema)
        for record in records:
            errors = [e.message for e in validator.iter_errors(record)]
            assert not errors, (name, record["sid"], errors)
    # the validator does reject what Twilio would not send
    bad = dict(calls[0], duration=12, status="done")
    assert list(OAS30Validator(dict(schemas["api.v2010.account.call"], components=spec["components"]))
                .iter_errors(bad))
