"""The CLI in-process (typer CliRunner): ingest, readable errors, help, and the auth token never leaking."""

from __future__ import annotations

import base64
import json
import logging
import socket
import subprocess
import sys
import time

import pytest
import requests
from callaudit_testkit.twilio.emulator import serve_emulator
from callaudit_testkit.twilio.faults import FaultPlan
from typer.testing import CliRunner

from callaudit.cli import app
from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN

CANARY = "tok-CANARY-1234"


def _run(args: list[str], env: dict | None = None):
    result = CliRunner().invoke(app, args, env=env)
    return result, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_ingest_command_prints_a_summary(tmp_path, emulator, call_centre, fixture_calls):
    result, output = _run(["ingest", "--landing", str(tmp_path / "landing"), "--base-url", emulator.url,
                           "--agents", str(call_centre / "agents.csv")])
    assert result.exit_code == 0, output
    assert f"calls: {len(fixture_calls)} in 1 page;" in output
    assert "retries: 0" in output and "agent directory: copied" in output


def test_ingest_json_summary(tmp_path, emulator, fixture_recordings):
    result, output = _run(["ingest", "--json", "--no-media", "--landing", str(tmp_path / "landing")],
                          env={"TWILIO_API_BASE_URL": emulator.url, "CALLAUDIT_HOME": str(tmp_path)})
    assert result.exit_code == 0, output
    summary = json.loads(result.stdout)
    assert summary["recordings"] == len(fixture_recordings) and summary["new_media"] == 0


def test_wrong_credentials_give_a_readable_error_and_exit_1(tmp_path, emulator):
    result, output = _run(["ingest", "--landing", str(tmp_path / "landing"), "--base-url", emulator.url],
                          env={"TWILIO_ACCOUNT_SID": EMULATOR_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": "not-the-token"})
    assert result.exit_code == 1
    assert "Twilio rejected the credentials (20003)" in output
    assert "check TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN" in output
    assert "Traceback" not in output and "not-the-token" not in output
    assert not (tmp_path / "landing" / "_state" / "ingest_state.json").exists()


def test_missing_credentials_without_an_emulator_say_what_to_set(tmp_path):
    result, output = _run(["ingest", "--landing", str(tmp_path / "landing")], env={"TWILIO_API_BASE_URL": ""})
    assert result.exit_code == 1
    assert "TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set" in output
    assert "callaudit emulator serve" in output


def test_bad_dates_are_usage_errors_with_an_example(tmp_path, emulator):
    result, output = _run(["ingest", "--since", "01/05/2024", "--base-url", emulator.url,
                           "--landing", str(tmp_path / "landing")])
    assert result.exit_code == 1 and "YYYY-MM-DD" in output


@pytest.mark.parametrize("command", [["ingest"], ["emulator", "serve"], ["emulator", "fixtures"], ["emulator"]])
def test_help_teaches_with_an_example(command):
    result, output = _run([*command, "--help"])
    assert result.exit_code == 0
    assert "Example" in output or "emulator" in output
    if command != ["emulator"]:
        assert "callaudit " in output  # a command line to copy


def test_fixtures_command_writes_a_data_dir(tmp_path):
    result, output = _run(["emulator", "fixtures", "--out", str(tmp_path / "data"), "--conversations", "5"])
    assert result.exit_code == 0, output
    assert (tmp_path / "data" / "calls.jsonl").is_file() and (tmp_path / "data" / "agents.csv").is_file()
    calls = (tmp_path / "data" / "calls.jsonl").read_text().splitlines()
    assert f"wrote {len(calls)} calls" in output


def test_emulator_serve_runs_as_a_process_and_stops_cleanly(call_centre, tmp_path):
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "callaudit.cli", "emulator", "serve", "--port", str(port), "--data", str(call_centre),
         "--faults", "schedule=1:503"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={"PATH": "/usr/bin:/bin", "_CALLAUDIT_DOTENV_LOADED": "1", "HOME": str(tmp_path)},
    )
    try:
        url = f"http://127.0.0.1:{port}/2010-04-01/Accounts/{EMULATOR_ACCOUNT_SID}/Calls.json"
        deadline = time.monotonic() + 20
        while True:
            try:
                first = requests.get(url, auth=(EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN), timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read()
                time.sleep(0.1)
        second = requests.get(url, auth=(EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN), timeout=2)
        assert (first.status_code, second.status_code) == (503, 200)
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "Twilio emulator on http://127.0.0.1" in out and "stopped after 2 requests (1 faulted)" in out
    assert EMULATOR_AUTH_TOKEN not in out + err


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_auth_token_never_appears_in_logs_output_or_landed_files(tmp_path, call_centre, caplog, capfd):
    caplog.set_level(logging.DEBUG)  # everything: twilio.http_client, urllib3, emulator, ingest
    env = {"TWILIO_ACCOUNT_SID": EMULATOR_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": CANARY, "CALLAUDIT_HOME": str(tmp_path)}
    landing = tmp_path / "landing"
    faults = FaultPlan(schedule={2: "cut"})  # one retry, so the error paths log too
    with serve_emulator(call_centre, auth_token=CANARY, faults=faults) as emulator:
        ok, ok_output = _run(["--verbose", "ingest", "--landing", str(landing), "--base-url", emulator.url,
                              "--agents", str(call_centre / "agents.csv")], env=env)
        failed, failed_output = _run(["--verbose", "ingest", "--landing", str(tmp_path / "other"),
                                      "--base-url", emulator.url],
                                     env={**env, "TWILIO_AUTH_TOKEN": "tok-CANARY-WRONG-5678"})
        faulted = emulator.stats()["faulted"]
    assert ok.exit_code == 0, ok_output
    assert failed.exit_code == 1 and "20003" in failed_output
    assert faulted == 1 and "retries: 1 (faults seen: cut: 1)" in ok_output  # the retry path ran and logged
    captured = capfd.readouterr()
    logs = caplog.text
    assert "GET /2010-04-01" in logs or "Request:" in logs  # DEBUG logging really was on
    basic = base64.b64encode(f"{EMULATOR_ACCOUNT_SID}:{CANARY}".encode()).decode()
    for secret in (CANARY, "tok-CANARY-WRONG-5678", basic):
        for where, text in (("logs", logs), ("stdout/stderr", ok_output + failed_output + captured.out + captured.err)):
            assert secret not in text, f"secret leaked into {where}"
    landed_files = [p for p in landing.rglob("*") if p.is_file()]
    assert len(landed_files) > 10
    for path in landed_files:
        data = path.read_bytes()
        assert CANARY.encode() not in data and basic.encode() not in data, path
