"""The real twilio client (9.13) over real HTTP against the emulator: paging, fetch, recordings, media, auth."""

from __future__ import annotations

import io
import json
import math
import wave
from email.utils import parsedate_to_datetime

import av
import numpy as np
import pytest
import requests
from callaudit_testkit.twilio.emulator import serve_emulator
from callaudit_testkit.twilio.fixtures import make_call_centre, read_jsonl, write_jsonl
from twilio.base.exceptions import TwilioException, TwilioRestException

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN
from callaudit.errors import UserError
from callaudit.secrets import Secret
from callaudit.twilio.client import build_client

AUTH = (EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN)
BASE = f"/2010-04-01/Accounts/{EMULATOR_ACCOUNT_SID}"


def _media(emulator, sid: str, suffix: str = ".wav", auth=AUTH, **params) -> requests.Response:
    return requests.get(f"{emulator.url}{BASE}/Recordings/{sid}{suffix}", params=params, auth=auth, timeout=10)


def _wav(body: bytes) -> tuple[int, int, np.ndarray]:
    with wave.open(io.BytesIO(body)) as src:
        frames = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2").reshape(-1, src.getnchannels())
        return src.getnchannels(), src.getframerate(), frames


def test_client_lists_every_call_across_pages(twilio_client, emulator, fixture_calls):
    calls = twilio_client.calls.list(page_size=7)
    sids = [call.sid for call in calls]
    assert len(sids) == len(fixture_calls) and len(set(sids)) == len(sids)
    assert set(sids) == {call["sid"] for call in fixture_calls}
    assert emulator.stats()["requests"] == math.ceil(len(fixture_calls) / 7)  # one request per page
    # most recent first, like Twilio
    created = [call.date_created for call in calls]
    assert created == sorted(created, reverse=True)


def test_client_fetches_one_call_with_twilios_types(twilio_client, fixture_calls):
    expected = next(c for c in fixture_calls if c["status"] == "completed" and c["parent_call_sid"])
    call = twilio_client.calls(expected["sid"]).fetch()
    assert call.sid == expected["sid"]
    assert call.parent_call_sid == expected["parent_call_sid"]
    assert call.to == expected["to"] and call.to.startswith(("client:", "+57"))
    assert call._from == expected["from"]
    assert call.duration == expected["duration"] and isinstance(call.duration, str)
    assert call.start_time == parsedate_to_datetime(expected["start_time"])


def test_fetching_a_missing_call_is_twilios_404(twilio_client):
    with pytest.raises(TwilioRestException) as missing:
        twilio_client.calls("CA" + "0" * 32).fetch()
    assert missing.value.status == 404 and missing.value.code == 20404


def test_client_lists_recordings_by_call(twilio_client, fixture_recordings):
    expected = fixture_recordings[0]
    by_filter = twilio_client.recordings.list(call_sid=expected["call_sid"])
    scoped = twilio_client.calls(expected["call_sid"]).recordings.list()
    wanted = {r["sid"] for r in fixture_recordings if r["call_sid"] == expected["call_sid"]}
    assert {r.sid for r in by_filter} == wanted == {r.sid for r in scoped}
    assert by_filter[0].channels == expected["channels"]


def test_dual_channel_media_downloads_as_two_channels_8khz(emulator, fixture_recordings):
    dual = next(r for r in fixture_recordings if r["channels"] == 2 and r["status"] == "completed")
    explicit = _media(emulator, dual["sid"], RequestedChannels=2)
    default = _media(emulator, dual["sid"], suffix="")
    for response in (explicit, default):
        assert response.status_code == 200 and response.headers["Content-Type"] == "audio/x-wav"
        channels, rate, frames = _wav(response.content)
        assert (channels, rate) == (2, 8000)
        assert len(frames) == int(dual["duration"]) * 8000
    assert explicit.content == default.content


def test_requested_channels_1_downmixes(emulator, fixture_recordings):
    dual = next(r for r in fixture_recordings if r["channels"] == 2 and r["status"] == "completed")
    _, _, stereo = _wav(_media(emulator, dual["sid"]).content)
    mono_response = _media(emulator, dual["sid"], RequestedChannels=1)
    channels, rate, mono = _wav(mono_response.content)
    assert (channels, rate) == (1, 8000)
    expected = stereo.astype(np.int32).mean(axis=1)
    assert np.abs(mono[:, 0] - expected).max() <= 1  # the average of both legs
    assert not np.array_equal(mono[:, 0], stereo[:, 0])  # not just the first channel


def test_requested_channels_2_on_mono_is_16113(emulator, fixture_recordings):
    mono = next(r for r in fixture_recordings if r["channels"] == 1 and r["status"] == "completed")
    response = _media(emulator, mono["sid"], RequestedChannels=2)
    assert response.status_code == 400 and response.json()["code"] == 16113
    assert _wav(_media(emulator, mono["sid"]).content)[0] == 1


def test_mp3_media_is_real_mp3(emulator, fixture_recordings):
    dual = next(r for r in fixture_recordings if r["channels"] == 2 and r["status"] == "completed")
    response = _media(emulator, dual["sid"], suffix=".mp3")
    assert response.status_code == 200 and response.headers["Content-Type"] == "audio/mpeg"
    with av.open(io.BytesIO(response.content)) as container:
        stream = container.streams.audio[0]
        assert stream.codec_context.name.startswith("mp3")
        assert (stream.rate, stream.channels) == (8000, 2)
        decoded = sum(frame.samples for frame in container.decode(stream))
    assert abs(decoded / 8000 - int(dual["duration"])) < 0.2


def test_media_of_an_unknown_recording_is_404(emulator):
    response = _media(emulator, "RE" + "0" * 32)
    assert response.status_code == 404 and response.json()["code"] == 20404


@pytest.mark.parametrize("auth", [(EMULATOR_ACCOUNT_SID, "wrong-token"), ("AC" + "1" * 32, EMULATOR_AUTH_TOKEN), None])
def test_wrong_credentials_are_401_20003_everywhere(emulator, fixture_recordings, auth):
    recording = fixture_recordings[0]["sid"]
    for path in ("/Calls.json", f"/Recordings/{recording}.json", f"/Recordings/{recording}.wav",
                 f"/Recordings/{recording}"):
        response = requests.get(f"{emulator.url}{BASE}{path}", auth=auth, timeout=10)
        assert response.status_code == 401, path
        assert response.json()["code"] == 20003
        assert response.headers["WWW-Authenticate"].startswith("Basic")


def test_the_client_sees_a_401_on_a_list_page(emulator):
    client, _ = build_client(EMULATOR_ACCOUNT_SID, Secret("TWILIO_AUTH_TOKEN", "wrong"), emulator.url)
    with pytest.raises(TwilioException) as failure:
        client.calls.list(page_size=5)
    response = failure.value.args[1]  # twilio-python: 'Unable to fetch page' carries the response
    assert response.status_code == 401 and json.loads(response.text)["code"] == 20003


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"PageSize": 0}, "PageSize"),
        ({"PageSize": 1001}, "PageSize"),
        ({"PageSize": "many"}, "integer"),
        ({"Page": 2}, "PageToken"),  # like Twilio: later pages need the token from next_page_uri
        ({"PageToken": "PAnot-a-sid"}, "PageToken"),
        ({"Status": "finished"}, "Status"),
        ({"StartTime>": "yesterday"}, "StartTime"),
        ({"ParentCallSid": "CA123"}, "ParentCallSid"),
    ],
)
def test_bad_list_parameters_are_400(emulator, params, message):
    response = requests.get(f"{emulator.url}{BASE}/Calls.json", params=params, auth=AUTH, timeout=10)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == 70002 and message in body["message"]


def test_paging_uris_are_relative_and_followable(emulator, fixture_calls):
    first = requests.get(f"{emulator.url}{BASE}/Calls.json", params={"PageSize": 10}, auth=AUTH, timeout=10).json()
    assert first["previous_page_uri"] is None and first["page"] == 0 and first["start"] == 0
    assert first["next_page_uri"].startswith(f"{BASE}/Calls.json?") and "PageToken=PA" in first["next_page_uri"]
    second = requests.get(emulator.url + first["next_page_uri"], auth=AUTH, timeout=10).json()
    assert second["page"] == 1 and second["start"] == 10 and second["end"] == 19
    assert {c["sid"] for c in first["calls"]}.isdisjoint({c["sid"] for c in second["calls"]})
    back = requests.get(emulator.url + second["previous_page_uri"], auth=AUTH, timeout=10).json()
    assert [c["sid"] for c in back["calls"]] == [c["sid"] for c in first["calls"]]


def test_data_from_another_account_is_rebased_on_load(tmp_path):
    make_call_centre(tmp_path, conversations=3, account_sid="AC" + "ab" * 16, in_progress=0)
    with serve_emulator(tmp_path, account_sid=EMULATOR_ACCOUNT_SID, auth_token=EMULATOR_AUTH_TOKEN) as emulator:
        calls = requests.get(f"{emulator.url}{BASE}/Calls.json", auth=AUTH, timeout=10).json()["calls"]
        recordings = requests.get(f"{emulator.url}{BASE}/Recordings.json", auth=AUTH, timeout=10).json()["recordings"]
    assert calls and all(c["account_sid"] == EMULATOR_ACCOUNT_SID and EMULATOR_ACCOUNT_SID in c["uri"] for c in calls)
    assert all("ab" * 16 not in json.dumps(r) for r in recordings)
    assert all(r["media_url"].startswith(emulator.url + BASE) for r in recordings)


def test_a_broken_data_line_is_a_clear_error(tmp_path):
    make_call_centre(tmp_path, conversations=2, media=False)
    calls = read_jsonl(tmp_path / "calls.jsonl")
    calls[1]["sid"] = "CA-broken"
    write_jsonl(tmp_path / "calls.jsonl", calls)
    with pytest.raises(UserError, match="calls.jsonl line 2"):
        serve_emulator(tmp_path)
    with pytest.raises(UserError, match="callaudit synth"):
        serve_emulator(tmp_path / "missing")


def test_reload_picks_up_changed_data(tmp_path):
    make_call_centre(tmp_path, conversations=2, media=False, in_progress=0)
    with serve_emulator(tmp_path) as emulator:
        before = len(requests.get(f"{emulator.url}{BASE}/Calls.json", auth=AUTH, timeout=10).json()["calls"])
        calls = read_jsonl(tmp_path / "calls.jsonl")
        write_jsonl(tmp_path / "calls.jsonl", calls[:1])
        emulator.reload()
        after = len(requests.get(f"{emulator.url}{BASE}/Calls.json", auth=AUTH, timeout=10).json()["calls"])
    assert before == len(calls) and after == 1
