"""Every JSON response of the emulator validates against Twilio's official OpenAPI spec (openapi-core).

The walk covers every endpoint the emulator serves and every filter it supports, following every page. One
documented allowance: the spec types ``price`` as a number on call-scoped recordings while Twilio (and the
spec's own examples) send a string (quirk 1 in shared/reference/TWILIO_API_NOTES.md); the emulator sends the
string, so the test relaxes exactly that field.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
import requests
from openapi_core import OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest, RequestsOpenAPIResponse
from openapi_core.validation.response.exceptions import InvalidData
from openapi_schema_validator import OAS30Validator

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN

AUTH = (EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN)
BASE = f"/2010-04-01/Accounts/{EMULATOR_ACCOUNT_SID}"
SPEC_PATH = Path(__file__).resolve().parents[2] / "data" / "twilio" / "twilio_api_v2010.json"
PAGE_META = {"end", "first_page_uri", "next_page_uri", "page", "page_size", "previous_page_uri", "start", "uri"}


@pytest.fixture(scope="module")
def spec_dict():
    return json.loads(SPEC_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def openapi(spec_dict, shared_emulator) -> OpenAPI:
    spec = copy.deepcopy(spec_dict)
    # re-host: servers are declared at the top and on every path item
    spec["servers"] = [{"url": shared_emulator.url}]
    for item in spec["paths"].values():
        if "servers" in item:
            item["servers"] = [{"url": shared_emulator.url}]
    # quirk 1: CallRecording.price is a string on the wire
    spec["components"]["schemas"]["api.v2010.account.call.call_recording"]["properties"]["price"] = {
        "type": "string", "nullable": True}
    return OpenAPI.from_dict(spec)


@pytest.fixture(scope="module")
def error_schema(spec_dict) -> dict:
    """The one error body the spec declares, made strict: all four fields, nothing else."""
    path = spec_dict["paths"]["/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Recordings/{Sid}.json"]
    schema = copy.deepcopy(path["post"]["responses"]["408"]["content"]["application/json"]["schema"])
    schema["required"] = ["code", "message", "more_info", "status"]
    schema["additionalProperties"] = False
    return schema


def _validate(openapi: OpenAPI, response: requests.Response) -> None:
    assert response.status_code == 200, response.text
    openapi.validate_response(RequestsOpenAPIRequest(response.request), RequestsOpenAPIResponse(response))


def _walk_pages(openapi, base_url: str, path: str, params: dict, key: str) -> list[dict]:
    """GET a list and every following page; validate each; return all records."""
    response = requests.get(base_url + path, params=params, auth=AUTH, timeout=10)
    records = []
    while True:
        _validate(openapi, response)
        payload = response.json()
        assert set(payload) == PAGE_META | {key}, "a list envelope has exactly Twilio's keys"
        for uri_key in ("uri", "first_page_uri", "next_page_uri", "previous_page_uri"):
            if payload[uri_key] is not None:
                assert payload[uri_key].startswith("/2010-04-01/"), f"{uri_key} must be relative"
        records.extend(payload[key])
        if not payload["next_page_uri"]:
            return records
        response = requests.get(base_url + payload["next_page_uri"], auth=AUTH, timeout=10)


def _filter_cases(calls: list[dict], recordings: list[dict]) -> list[tuple[str, dict, str]]:
    parent = next(c for c in calls if c["parent_call_sid"] is None and c["status"] == "completed")
    child = next(c for c in calls if c["parent_call_sid"])
    recorded_call = recordings[0]["call_sid"]
    day = "2024-05-07"
    instant = "2024-05-07T12:00:00Z"
    return [
        ("/Calls.json", {}, "calls"),
        ("/Calls.json", {"PageSize": 3}, "calls"),
        ("/Calls.json", {"PageSize": 1000}, "calls"),
        *[("/Calls.json", {"Status": status, "PageSize": 4}, "calls")
          for status in ("completed", "no-answer", "busy", "failed", "in-progress", "queued")],
        ("/Calls.json", {"To": parent["to"]}, "calls"),
        ("/Calls.json", {"From": parent["from"]}, "calls"),
        ("/Calls.json", {"ParentCallSid": child["parent_call_sid"]}, "calls"),
        *[("/Calls.json", {f"{field}{op}": value, "PageSize": 5}, "calls")
          for field in ("StartTime", "EndTime") for op in ("", ">", "<") for value in (day, instant)],
        ("/Calls.json", {"StartTime>": "2024-05-07", "StartTime<": "2024-05-09", "Status": "completed"}, "calls"),
        ("/Recordings.json", {}, "recordings"),
        ("/Recordings.json", {"PageSize": 2}, "recordings"),
        ("/Recordings.json", {"CallSid": recorded_call}, "recordings"),
        ("/Recordings.json", {"IncludeSoftDeleted": "true"}, "recordings"),
        *[("/Recordings.json", {f"DateCreated{op}": value, "PageSize": 3}, "recordings")
          for op in ("", ">", "<") for value in (day, instant)],
        (f"/Calls/{recorded_call}/Recordings.json", {}, "recordings"),
        *[(f"/Calls/{recorded_call}/Recordings.json", {f"DateCreated{op}": day}, "recordings")
          for op in ("", ">", "<")],
    ]


def test_every_list_endpoint_and_filter_validates(openapi, emulator, fixture_calls, fixture_recordings):
    cases = _filter_cases(fixture_calls, fixture_recordings)
    non_empty = 0
    for path, params, key in cases:
        records = _walk_pages(openapi, emulator.url, BASE + path, params, key)
        non_empty += bool(records)
    # the walk must have exercised real records, not just empty pages
    assert non_empty >= len(cases) * 2 // 3


def test_every_fetch_endpoint_validates(openapi, emulator, fixture_calls, fixture_recordings):
    for call in fixture_calls:
        _validate(openapi, requests.get(f"{emulator.url}{BASE}/Calls/{call['sid']}.json", auth=AUTH, timeout=10))
    for rec in fixture_recordings:
        _validate(openapi, requests.get(f"{emulator.url}{BASE}/Recordings/{rec['sid']}.json", auth=AUTH, timeout=10))
        scoped = requests.get(f"{emulator.url}{BASE}/Calls/{rec['call_sid']}/Recordings/{rec['sid']}.json",
                              auth=AUTH, timeout=10)
        _validate(openapi, scoped)
        assert "media_url" not in scoped.json() and scoped.json()["track"] == "both"


def _tampered(response: requests.Response, mutate) -> requests.Response:
    payload = response.json()
    mutate(payload)
    response._content = json.dumps(payload).encode()
    return response


@pytest.mark.parametrize(
    ("path", "mutate"),
    [
        ("/Calls.json", lambda p: p["calls"][0].__setitem__("duration", 42)),
        ("/Calls.json", lambda p: p["calls"][0].__setitem__("sid", "CA123")),
        ("/Calls.json", lambda p: p["calls"][0].__setitem__("status", "finished")),
        ("/Calls.json", lambda p: p.__setitem__("page_size", "50")),
        ("/Recordings.json", lambda p: p["recordings"][0].__setitem__("sid", "XX" + "0" * 32)),
        ("/Recordings.json", lambda p: p["recordings"][0].__setitem__("channels", "two")),
        ("/Recordings.json", lambda p: p["recordings"][0].__setitem__("source", "Phone")),
    ],
)
def test_a_wrong_field_fails_validation(openapi, emulator, path, mutate):
    response = requests.get(f"{emulator.url}{BASE}{path}", auth=AUTH, timeout=10)
    _validate(openapi, response)  # the genuine response passes...
    with pytest.raises(InvalidData):  # ...the tampered one does not
        _validate(openapi, _tampered(response, mutate))


def test_error_bodies_have_twilios_shape(emulator, error_schema):
    validator = OAS30Validator(error_schema)
    missing = requests.get(f"{emulator.url}{BASE}/Calls/CA{'f' * 32}.json", auth=AUTH, timeout=10)
    unauthorized = requests.get(f"{emulator.url}{BASE}/Calls.json", auth=(EMULATOR_ACCOUNT_SID, "nope"), timeout=10)
    bad_page_size = requests.get(f"{emulator.url}{BASE}/Calls.json", params={"PageSize": 1001}, auth=AUTH, timeout=10)
    for response, status, code in ((missing, 404, 20404), (unauthorized, 401, 20003), (bad_page_size, 400, 70002)):
        assert response.status_code == status
        body = response.json()
        validator.validate(body)
        assert body["code"] == code and body["status"] == status
        assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"
    # a body with an extra key is caught by the strict schema (the check is not vacuous)
    with pytest.raises(Exception):  # noqa: B017 - jsonschema's ValidationError
        validator.validate({**missing.json(), "title": "x"})
