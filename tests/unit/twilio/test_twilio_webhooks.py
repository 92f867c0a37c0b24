"""Twilio status callbacks over real HTTP: signatures checked with the official library, recordings landed once,
exactly as ingest lands them, fetched from the real emulator; the emulator sends the callbacks Twilio would."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
import requests
from test_twilio_ingest import FAST_RETRIES, assert_landing_is_consistent
from twilio.request_validator import RequestValidator

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN
from callaudit.secrets import Secret
from callaudit.twilio.webhooks import (
    CALL_ROUTE,
    MAX_BODY_BYTES,
    RECORDING_ROUTE,
    CallbackLander,
    WebhookServer,
    read_journal,
    serve_in_thread,
)

TOKEN = Secret("TWILIO_AUTH_TOKEN", EMULATOR_AUTH_TOKEN)


@pytest.fixture
def receiver(tmp_path, emulator):
    lander = CallbackLander(tmp_path / "landing", account_sid=EMULATOR_ACCOUNT_SID, token=TOKEN,
                            base_url=emulator.url, retry_policy=FAST_RETRIES)
    server = WebhookServer(("127.0.0.1", 0), token=TOKEN, lander=lander)
    serve_in_thread(server)
    yield server
    server.shutdown()
    server.server_close()


def _completed_recording(fixture_recordings) -> dict:
    return next(r for r in fixture_recordings if r["status"] == "completed" and r["channels"] == 2)


def _form(rec: dict) -> dict[str, str]:
    return {"AccountSid": EMULATOR_ACCOUNT_SID, "CallSid": rec["call_sid"], "RecordingSid": rec["sid"],
            "RecordingStatus": "completed", "RecordingChannels": str(rec["channels"]),
            "RecordingDuration": str(rec["duration"]), "RecordingSource": "DialVerb", "ErrorCode": "0"}


def _post(server, route: str, form: dict[str, str], signature: str | None):
    url = server.url + route
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signature is not None:
        headers["X-Twilio-Signature"] = signature
    return requests.post(url, data=urlencode(form), headers=headers, timeout=10)


def _signed(server, route, form) -> str:
    return RequestValidator(EMULATOR_AUTH_TOKEN).compute_signature(server.url + route, form)


def _landed_files(landing) -> set[str]:
    return {str(p.relative_to(landing)) for folder in ("calls", "recordings", "media", "media_manifest")
            for p in (landing / folder).glob("*")}


def test_a_signed_recording_callback_lands_the_recording_once(receiver, fixture_recordings, landed_records):
    rec = _completed_recording(fixture_recordings)
    form = _form(rec)
    landing = receiver.lander.landing.root
    assert _post(receiver, RECORDING_ROUTE, form, _signed(receiver, RECORDING_ROUTE, form)).status_code == 204
    receiver.drain()
    first = _landed_files(landing)
    assert f"media/{rec['sid']}.wav" in first and f"media_manifest/{rec['sid']}.json" in first
    assert [r["sid"] for r in landed_records(landing, "recordings")] == [
        r["sid"] for r in fixture_recordings if r["call_sid"] == rec["call_sid"]]
    legs = {c["sid"] for c in landed_records(landing, "calls")}
    assert rec["call_sid"] in legs and len(legs) >= 2  # the parent and its agent leg (for agent attribution)
    assert_landing_is_consistent(landing, landed_records)

    # the same callback again (Twilio retries; a proxy replays): nothing new lands
    assert _post(receiver, RECORDING_ROUTE, form, _signed(receiver, RECORDING_ROUTE, form)).status_code == 204
    receiver.drain()
    assert _landed_files(landing) == first
    journal = read_journal(landing)
    assert [j["outcome"] for j in journal] == ["landed", "unchanged"]
    assert journal[0]["sid"] == rec["sid"] and journal[0]["landed_at"] >= journal[0]["received_at"]


@pytest.mark.parametrize("signature", [None, "", "c2lnbmF0dXJl", "wrong-token"])
def test_a_missing_or_wrong_signature_is_403_and_lands_nothing(receiver, fixture_recordings, signature):
    form = _form(_completed_recording(fixture_recordings))
    if signature == "wrong-token":
        signature = RequestValidator("0" * 32).compute_signature(receiver.url + RECORDING_ROUTE, form)
    response = _post(receiver, RECORDING_ROUTE, form, signature)
    assert response.status_code == 403 and "X-Twilio-Signature" in response.json()["error"]
    receiver.drain()
    assert _landed_files(receiver.lander.landing.root) == set() and read_journal(receiver.lander.landing.root) == []
    assert receiver.counts["rejected"] == 1 and receiver.counts["accepted"] == 0


def test_a_tampered_form_fails_its_signature(receiver, fixture_recordings):
    form = _form(_completed_recording(fixture_recordings))
    signature = _signed(receiver, RECORDING_ROUTE, form)
    other = next(r for r in fixture_recordings if r["sid"] != form["RecordingSid"] and r["status"] == "completed")
    assert _post(receiver, RECORDING_ROUTE, {**form, "RecordingSid": other["sid"]}, signature).status_code == 403


def test_bad_requests_get_clear_answers(receiver):
    assert _post(receiver, "/twilio/other", {}, "x").status_code == 404
    big = requests.post(receiver.url + RECORDING_ROUTE, data=b"a=" + b"x" * (MAX_BODY_BYTES + 1), timeout=10,
                        headers={"X-Twilio-Signature": "x"})
    assert big.status_code == 413
    form = {"AccountSid": EMULATOR_ACCOUNT_SID, "CallSid": "not-a-sid"}
    assert _post(receiver, CALL_ROUTE, form, _signed(receiver, CALL_ROUTE, form)).status_code == 400
    health = requests.get(receiver.url + "/health", timeout=10).json()
    assert health["ok"] is True and health["accepted"] == 0


def test_only_final_call_statuses_and_completed_recordings_are_fetched(receiver, fixture_calls, fixture_recordings):
    call = next(c for c in fixture_calls if c["status"] == "completed")
    ringing = {"AccountSid": EMULATOR_ACCOUNT_SID, "CallSid": call["sid"], "CallStatus": "ringing"}
    assert _post(receiver, CALL_ROUTE, ringing, _signed(receiver, CALL_ROUTE, ringing)).status_code == 204
    busy = next(c for c in fixture_calls if c["status"] in ("busy", "no-answer", "canceled", "failed"))
    final = {"AccountSid": EMULATOR_ACCOUNT_SID, "CallSid": busy["sid"], "CallStatus": busy["status"]}
    assert _post(receiver, CALL_ROUTE, final, _signed(receiver, CALL_ROUTE, final)).status_code == 204
    receiver.drain()
    outcomes = [(j["sid"], j["outcome"]) for j in read_journal(receiver.lander.landing.root)]
    assert outcomes == [(call["sid"], "ignored"), (busy["sid"], "landed")]
    landed = json.loads(next((receiver.lander.landing.root / "calls").glob("*.json")).read_text())
    assert [c["sid"] for c in landed["calls"]] == [busy["sid"]] and landed["calls"][0]["status"] == busy["status"]


def test_the_emulator_sends_what_twilio_sends_when_calls_end(receiver, emulator, landed_records):
    """Signed call and recording callbacks for three calls, one every 0.2 s: all land, none rejected."""
    run = emulator.complete_calls(count=3, status_callback=receiver.url + CALL_ROUTE,
                                  recording_status_callback=receiver.url + RECORDING_ROUTE, every_seconds=0.2)
    assert run.wait(30)
    receiver.drain()
    assert run.sent and all(s.status == 204 for s in run.sent)
    assert receiver.counts["rejected"] == 0
    landing = receiver.lander.landing.root
    recordings = {j["sid"] for j in read_journal(landing) if j["kind"] == "recording" and j["outcome"] == "landed"}
    assert len(recordings) >= 3
    assert recordings <= {p.stem for p in (landing / "media_manifest").glob("*.json")}
    assert_landing_is_consistent(landing, landed_records)
