"""Ingest against the real emulator over HTTP: landing layout, idempotence, incremental windows, kills, faults."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from callaudit_testkit.twilio.emulator import serve_emulator
from callaudit_testkit.twilio.faults import FaultPlan
from callaudit_testkit.twilio.fixtures import generate, make_call_centre, read_jsonl, tone_wav, write_jsonl

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN
from callaudit.errors import UserError
from callaudit.twilio.client import RetryPolicy
from callaudit.twilio.ingest import run_ingest
from callaudit.twilio.resources import rfc2822

FAST_RETRIES = RetryPolicy(base_delay=0.01, max_delay=0.05, max_attempts=8)
PAGE_NAME = re.compile(r"^(calls|recordings)-\d{8}T\d{6}Z-[0-9a-f]{6}-p\d{5}\.json$")
MANIFEST_KEYS = {"recording_sid", "call_sid", "path", "channels", "bytes", "sha256", "content_type", "downloaded_at"}


def _completed(recordings):
    return {r["sid"]: r for r in recordings if r["status"] == "completed"}


def assert_landing_is_consistent(landing: Path, landed_records) -> None:
    """Invariants downstream relies on, true at any moment (also right after a killed run)."""
    for page in (landing / "calls").glob("*.json"):
        assert PAGE_NAME.match(page.name), page.name
    for page in (landing / "recordings").glob("*.json"):
        assert PAGE_NAME.match(page.name), page.name
    for rec in landed_records(landing, "recordings"):
        if rec["status"] == "completed":  # never a completed recording without its audio
            manifest = json.loads((landing / "media_manifest" / f"{rec['sid']}.json").read_text())
            media = landing / manifest["path"]
            assert set(manifest) == MANIFEST_KEYS
            assert manifest["recording_sid"] == rec["sid"] and manifest["call_sid"] == rec["call_sid"]
            assert manifest["path"] == f"media/{rec['sid']}.wav"
            assert media.stat().st_size == manifest["bytes"]
            assert hashlib.sha256(media.read_bytes()).hexdigest() == manifest["sha256"]
            assert manifest["channels"] == rec["channels"]  # dual recordings fetched with RequestedChannels=2
    manifests = {p.stem for p in (landing / "media_manifest").glob("*.json")}
    assert {p.stem for p in (landing / "media").glob("*.wav")} == manifests
    assert not list((landing / "_tmp").glob("*"))


def test_ingest_lands_everything_once_byte_for_byte(tmp_path, emulator, call_centre, fixture_calls,
                                                    fixture_recordings, landed_records, local_settings):
    landing = tmp_path / "landing"
    summary = run_ingest(local_settings(tmp_path, emulator.url), landing=landing, page_size=10,
                         agents_file=call_centre / "agents.csv")
    calls = landed_records(landing, "calls")
    recordings = landed_records(landing, "recordings")
    assert len(calls) == len({c["sid"] for c in calls}) == len(fixture_calls) == summary.calls
    assert {c["sid"] for c in calls} == {c["sid"] for c in fixture_calls}
    assert {r["sid"] for r in recordings} == {r["sid"] for r in fixture_recordings}
    assert len(recordings) == len(fixture_recordings) == summary.recordings
    assert summary.new_media == len(_completed(fixture_recordings)) == len(list((landing / "media").glob("*.wav")))
    assert summary.bytes_downloaded == sum(p.stat().st_size for p in (landing / "media").glob("*.wav"))
    assert summary.call_pages == -(-len(fixture_calls) // 10)
    assert_landing_is_consistent(landing, landed_records)
    # byte-for-byte: the first landed page is exactly what the API returns for that request
    first = sorted((landing / "calls").glob("*-p00001.json"))[0]
    served = requests.get(f"{emulator.url}/2010-04-01/Accounts/{EMULATOR_ACCOUNT_SID}/Calls.json",
                          params={"PageSize": 10}, auth=(EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN), timeout=10)
    assert first.read_bytes() == served.content
    # the agent directory and the high-water marks
    assert (landing / "reference" / "agents.csv").read_bytes() == (call_centre / "agents.csv").read_bytes()
    state = json.loads((landing / "_state" / "ingest_state.json").read_text())
    latest_start = max(parsedate_to_datetime(c["start_time"]) for c in fixture_calls if c["start_time"])
    assert state["calls_high_water"] == latest_start.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert state["completed_runs"] == 1 and state["last_run_id"] == summary.run_id


def test_running_twice_duplicates_nothing_downstream(tmp_path, emulator, fixture_calls, fixture_recordings,
                                                     landed_records, local_settings):
    settings = local_settings(tmp_path, emulator.url)
    landing = tmp_path / "landing"
    first = run_ingest(settings, landing=landing, agents_file=None)
    manifests = {p.name: p.read_bytes() for p in (landing / "media_manifest").glob("*.json")}
    second = run_ingest(settings, landing=landing, agents_file=None)
    assert first.new_media == len(_completed(fixture_recordings))
    # the overlap re-reads records (and their completed recordings' media are not refetched); a page whose
    # records are all exactly as already landed is not landed again
    assert second.calls > 0 and second.new_media == 0 and second.media_skipped > 0
    assert landed_records(landing, "calls", second.run_id) == [] == landed_records(landing, "recordings", second.run_id)
    assert {p.name: p.read_bytes() for p in (landing / "media_manifest").glob("*.json")} == manifests
    assert {c["sid"] for c in landed_records(landing, "calls")} == {c["sid"] for c in fixture_calls}
    assert_landing_is_consistent(landing, landed_records)


def test_a_run_with_nothing_new_lands_no_page(tmp_path, emulator, landed_records, local_settings):
    """The overlap window re-reads records every run; a page whose records are all exactly as already landed is
    not landed again, so the pipeline sees no new input (and can skip its update)."""
    settings = local_settings(tmp_path, emulator.url)
    landing = tmp_path / "landing"
    first = run_ingest(settings, landing=landing, agents_file=None)
    files = sorted(p.name for p in landing.rglob("*.json") if "_state" not in p.parts)
    second = run_ingest(settings, landing=landing, agents_file=None)  # a narrower window, nothing changed
    assert first.unchanged_pages == 0 and second.calls > 0
    assert sorted(p.name for p in landing.rglob("*.json") if "_state" not in p.parts) == files
    assert second.unchanged_pages == second.call_pages + second.recording_pages > 0
    assert "with nothing new, not landed again" in "\n".join(second.lines())
    digests = json.loads((landing / "_state" / "record_digests.json").read_text())
    assert {c["sid"] for c in landed_records(landing, "calls")} <= set(digests)
    assert_landing_is_consistent(landing, landed_records)


@pytest.mark.faults
def test_ingest_survives_twenty_percent_faults(tmp_path, emulator, fixture_calls, fixture_recordings,
                                               landed_records, local_settings):
    # ~20% random faults, plus a schedule so every kind surely happens; "slow" outlasts the client timeout
    emulator.set_faults(FaultPlan(rate=0.2, seed=11, slow_seconds=0.6, retry_after=0,
                                  schedule={2: "cut", 4: "503", 7: "429", 11: "500", 15: "slow", 26: "cut"}))
    landing = tmp_path / "landing"
    summary = run_ingest(local_settings(tmp_path, emulator.url), landing=landing, page_size=4, timeout=0.5,
                         retry_policy=FAST_RETRIES, agents_file=None)
    stats = emulator.stats()
    print(f"\n{stats['faulted']} of {stats['requests']} requests faulted {stats['by_kind']}; "
          f"ingest retried {summary.retries} times {summary.faults_seen}")
    assert set(stats["by_kind"]) == {"429", "500", "503", "cut", "slow"}
    assert stats["faulted"] / stats["requests"] >= 0.15
    assert summary.retries == stats["faulted"]  # every fault failed one attempt, and each was retried
    assert summary.faults_seen.get("timeout") == stats["by_kind"]["slow"]
    calls = landed_records(landing, "calls")
    recordings = landed_records(landing, "recordings")
    assert len(calls) == len({c["sid"] for c in calls}) == len(fixture_calls)
    assert len(recordings) == len({r["sid"] for r in recordings}) == len(fixture_recordings)
    assert summary.new_media == len(_completed(fixture_recordings))
    assert_landing_is_consistent(landing, landed_records)


def _late_changes(data_dir: Path) -> tuple[str, set[str], str]:
    """Complete the call still in progress (with a new recording) and add a day of new calls."""
    calls = read_jsonl(data_dir / "calls.jsonl")
    recordings = read_jsonl(data_dir / "recordings.jsonl")
    ongoing = next(c for c in calls if c["status"] == "in-progress" and c["parent_call_sid"] is None)
    for call in calls:
        if call["sid"] == ongoing["sid"] or call["parent_call_sid"] == ongoing["sid"]:
            start = parsedate_to_datetime(call["start_time"])
            end = start + timedelta(seconds=5)
            call.update(status="completed", end_time=rfc2822(end), duration=str(int((end - start).total_seconds())),
                        date_updated=rfc2822(end))
    template = next(r for r in recordings if r["channels"] == 2)
    late = dict(template, sid="RE" + "7" * 32, call_sid=ongoing["sid"], date_created=ongoing["start_time"],
                start_time=ongoing["start_time"], date_updated=ongoing["start_time"], duration="4")
    recordings.append(late)
    tone_wav(data_dir / "media" / f"{late['sid']}.wav", 4, 2)
    last_day = max(parsedate_to_datetime(c["start_time"]) for c in calls if c["start_time"]).date()
    new_calls, new_recordings = generate(4, days=1, start_date=last_day + timedelta(days=1), seed=99,
                                         in_progress=0)
    for rec in new_recordings:
        if rec["status"] == "completed":
            tone_wav(data_dir / "media" / f"{rec['sid']}.wav", float(rec["duration"]), rec["channels"])
    write_jsonl(data_dir / "calls.jsonl", calls + new_calls)
    write_jsonl(data_dir / "recordings.jsonl", recordings + new_recordings)
    return ongoing["sid"], {c["sid"] for c in new_calls}, late["sid"]


def test_incremental_run_reads_new_and_late_changes_only(tmp_path, landed_records, local_settings):
    data_dir = tmp_path / "twilio_data"
    make_call_centre(data_dir, conversations=30, days=6, in_progress=1)
    landing = tmp_path / "landing"
    with serve_emulator(data_dir, account_sid=EMULATOR_ACCOUNT_SID, auth_token=EMULATOR_AUTH_TOKEN) as emulator:
        settings = local_settings(tmp_path, emulator.url)
        first = run_ingest(settings, landing=landing)  # agents: auto from <home>/twilio_data
        assert first.agents_copied and first.calls_since is None
        changed_sid, new_sids, late_recording = _late_changes(data_dir)
        emulator.reload()
        second = run_ingest(settings, landing=landing)
    state = json.loads((landing / "_state" / "ingest_state.json").read_text())
    run2 = {c["sid"]: c for c in landed_records(landing, "calls", second.run_id)}
    assert new_sids <= set(run2)
    assert run2[changed_sid]["status"] == "completed"  # the late status change was re-read
    assert late_recording in {r["sid"] for r in landed_records(landing, "recordings", second.run_id)}
    assert (landing / "media" / f"{late_recording}.wav").is_file() and second.new_media >= 1
    # incremental: the window starts two days before the first run's high-water mark; older calls are not re-read
    all_calls = read_jsonl(data_dir / "calls.jsonl")
    window_start = second.calls_since
    assert window_start < state["calls_high_water"][:10]
    older = {c["sid"] for c in all_calls if c["start_time"]
             and parsedate_to_datetime(c["start_time"]).date().isoformat() < window_start}
    assert older and older.isdisjoint(run2)
    assert {c["sid"] for c in landed_records(landing, "calls")} == {c["sid"] for c in all_calls}
    assert state["completed_runs"] == 2
    assert_landing_is_consistent(landing, landed_records)


@pytest.mark.parametrize("kill_at", [("calls", 3), ("recordings", 2)])
def test_a_killed_run_loses_nothing_when_rerun(tmp_path, emulator, fixture_calls, fixture_recordings, kill_at,
                                               landed_records, local_settings):
    landing = tmp_path / "landing"
    settings = local_settings(tmp_path, emulator.url)

    def kill(kind: str, path: Path) -> None:
        if (kind, int(path.stem[-5:])) == kill_at:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_ingest(settings, landing=landing, page_size=5, on_page=kill, agents_file=None)
    assert not (landing / "_state" / "ingest_state.json").exists()  # the mark did not move
    assert_landing_is_consistent(landing, landed_records)  # what landed is whole
    rerun = run_ingest(settings, landing=landing, page_size=5, agents_file=None)
    assert rerun.calls_since is None  # re-reads from the last completed run (none): nothing skipped
    assert {c["sid"] for c in landed_records(landing, "calls")} == {c["sid"] for c in fixture_calls}
    assert {r["sid"] for r in landed_records(landing, "recordings")} == {r["sid"] for r in fixture_recordings}
    assert len(list((landing / "media").glob("*.wav"))) == len(_completed(fixture_recordings))
    assert rerun.new_media + rerun.media_skipped == len(_completed(fixture_recordings))
    assert_landing_is_consistent(landing, landed_records)


@pytest.mark.faults
def test_an_outage_fails_clearly_and_the_rerun_completes(tmp_path, emulator, fixture_calls, landed_records,
                                                         local_settings):
    landing = tmp_path / "landing"
    settings = local_settings(tmp_path, emulator.url)
    emulator.set_faults("fail_from=6,fail_kind=503")
    with pytest.raises(UserError) as failure:
        run_ingest(settings, landing=landing, page_size=5, agents_file=None,
                   retry_policy=RetryPolicy(max_attempts=3, base_delay=0, sleep=lambda _: None))
    assert "Twilio kept failing" in failure.value.message and "503" in failure.value.message
    assert "nothing is lost" in failure.value.hint
    assert not (landing / "_state" / "ingest_state.json").exists()
    emulator.set_faults(None)
    run_ingest(settings, landing=landing, page_size=5, agents_file=None)
    assert {c["sid"] for c in landed_records(landing, "calls")} == {c["sid"] for c in fixture_calls}


def test_missing_media_is_reported_and_fetched_next_run(tmp_path, landed_records, local_settings):
    data_dir = tmp_path / "twilio_data"
    make_call_centre(data_dir, conversations=6, days=2, in_progress=0)
    victim = next(iter(_completed(read_jsonl(data_dir / "recordings.jsonl"))))
    stash = tmp_path / "stash.wav"
    (data_dir / "media" / f"{victim}.wav").rename(stash)
    landing = tmp_path / "landing"
    with serve_emulator(data_dir, account_sid=EMULATOR_ACCOUNT_SID, auth_token=EMULATOR_AUTH_TOKEN) as emulator:
        settings = local_settings(tmp_path, emulator.url)
        first = run_ingest(settings, landing=landing)
        assert first.media_failed == [victim] and not (landing / "media_manifest" / f"{victim}.json").exists()
        stash.rename(data_dir / "media" / f"{victim}.wav")
        second = run_ingest(settings, landing=landing)
    assert second.new_media == 1 and (landing / "media" / f"{victim}.wav").is_file()


def test_bad_options_are_clear_errors(tmp_path, emulator, local_settings):
    settings = local_settings(tmp_path, emulator.url)
    with pytest.raises(UserError, match="not a date"):
        run_ingest(settings, since="May 1st")
    with pytest.raises(UserError, match="before --since"):
        run_ingest(settings, since="2024-05-03", until="2024-05-01")
    (tmp_path / "agents.csv").write_text("id,name\n1,x\n")
    with pytest.raises(UserError, match="not an agent directory"):
        run_ingest(settings, landing=tmp_path / "landing", agents_file=tmp_path / "agents.csv")


def test_since_until_backfill_a_window(tmp_path, emulator, fixture_calls, landed_records, local_settings):
    days = sorted({parsedate_to_datetime(c["start_time"]).date() for c in fixture_calls if c["start_time"]})
    since, until = days[1], days[2]
    landing = tmp_path / "landing"
    summary = run_ingest(local_settings(tmp_path, emulator.url), landing=landing, since=since.isoformat(),
                         until=until.isoformat(), agents_file=None, download_media=False)
    got = {c["sid"] for c in landed_records(landing, "calls")}
    expected = {c["sid"] for c in fixture_calls
                if c["start_time"] and since <= parsedate_to_datetime(c["start_time"]).date() <= until}
    assert got == expected and summary.new_media == 0 and not list((landing / "media").glob("*"))
