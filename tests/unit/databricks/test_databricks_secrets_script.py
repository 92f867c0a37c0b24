"""scripts/setup_databricks_secrets.sh against a stand-in `databricks` executable.

The stand-in (first on PATH) records each call's argv and stdin and answers like the Databricks CLI v0.2xx:
``--version``, ``secrets create-scope`` (optionally "already exists" or another error), ``secrets put-secret``.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import bundle_model as bm
import pytest

from callaudit.secrets import DEFAULT_SCOPE, SECRET_KEYS

SCRIPT = bm.ROOT / "scripts" / "setup_databricks_secrets.sh"
VALUES = {  # distinctive, so any leak into argv or output is unmistakable
    "TWILIO_ACCOUNT_SID": "AC" + "5e" * 16,
    "TWILIO_AUTH_TOKEN": "tok-Zx9!q $(rm -rf /) 'quoted' \"dq\"",
    "AZURE_SPEECH_KEY": "az-key-7f3c9d1e",
    "AZURE_SPEECH_REGION": "brazilsouth",
}
OPTIONAL = {"CALLAUDIT_ALERT_WEBHOOK_URL": "https://hooks.example/T0/B0/sekret-hook",
            "CALLAUDIT_SMTP_PASSWORD": "smtp-pw-91c"}

STAND_IN = r'''#!{python}
import json, os, sys
args = sys.argv[1:]
stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
with open(os.environ["FAKE_DATABRICKS_LOG"], "a") as log:
    log.write(json.dumps({{"argv": args, "stdin": stdin}}) + "\n")
if args == ["--version"]:
    print(os.environ.get("FAKE_DATABRICKS_VERSION", "Databricks CLI v0.281.0"))
    sys.exit(0)
words = [a for a in args if not a.startswith("-")]
if "--profile" in args:
    words.remove(args[args.index("--profile") + 1])
if words[:2] == ["secrets", "create-scope"]:
    mode = os.environ.get("FAKE_CREATE_SCOPE", "ok")
    if mode == "exists":
        print(f"Error: Scope {{words[2]}} already exists!", file=sys.stderr)
        sys.exit(1)
    if mode == "denied":
        print("Error: PERMISSION_DENIED: User does not have permission to create scopes", file=sys.stderr)
        sys.exit(1)
    sys.exit(0)
if words[:2] == ["secrets", "put-secret"]:
    if os.environ.get("FAKE_PUT_FAILS") == words[3]:
        print(f"Error: could not store {{stdin}}", file=sys.stderr)  # a CLI that echoes the value back
        sys.exit(1)
    sys.exit(0)
print("unexpected call: " + " ".join(args), file=sys.stderr)
sys.exit(3)
'''


@pytest.fixture
def cli(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "databricks"
    fake.write_text(STAND_IN.format(python=sys.executable))
    fake.chmod(0o755)
    log = tmp_path / "calls.jsonl"
    log.touch()
    return bin_dir, log


def env_for(bin_dir: Path, log: Path, values: dict[str, str], **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SECRET_KEYS}
    env.update(PATH=f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin", FAKE_DATABRICKS_LOG=str(log), **values, **extra)
    return env


def run(cli, *args, values=VALUES, **extra):
    bin_dir, log = cli
    result = subprocess.run(["bash", str(SCRIPT), *args], env=env_for(bin_dir, log, values, **extra),
                            stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    return result, calls


def assert_no_leak(result, calls, values=VALUES):
    for value in values.values():
        assert value not in result.stdout and value not in result.stderr, "a secret value was printed"
        for call in calls:
            assert all(value not in arg for arg in call["argv"]), f"a secret value on a command line: {call['argv']}"


def test_creates_the_scope_and_puts_each_secret_through_stdin(cli):
    result, calls = run(cli)
    assert result.returncode == 0, result.stderr
    assert calls[0]["argv"] == ["--version"]
    assert calls[1]["argv"] == ["secrets", "create-scope", DEFAULT_SCOPE]
    puts = calls[2:]
    required = [name for name in SECRET_KEYS if name in VALUES]
    assert [c["argv"] for c in puts] == [["secrets", "put-secret", DEFAULT_SCOPE, SECRET_KEYS[n]] for n in required]
    # exactly the value, no trailing newline (the CLI stores stdin byte for byte)
    assert [c["stdin"] for c in puts] == [VALUES[name] for name in required]
    assert_no_leak(result, calls)
    assert f"4 secrets in scope '{DEFAULT_SCOPE}'" in result.stdout


def test_optional_alert_secrets_are_stored_when_set(cli):
    result, calls = run(cli, **OPTIONAL)
    assert result.returncode == 0, result.stderr
    puts = {c["argv"][-1]: c["stdin"] for c in calls if c["argv"][:2] == ["secrets", "put-secret"]}
    # every key the product reads from the scope (callaudit.secrets.SECRET_KEYS) can be stored by the script
    assert set(puts) == set(SECRET_KEYS.values())
    assert puts["alert_webhook_url"] == OPTIONAL["CALLAUDIT_ALERT_WEBHOOK_URL"]
    for value in OPTIONAL.values():
        assert value not in result.stdout and value not in result.stderr
        assert all(value not in arg for c in calls for arg in c["argv"])


def test_an_existing_scope_is_fine(cli):
    result, calls = run(cli, FAKE_CREATE_SCOPE="exists")
    assert result.returncode == 0, result.stderr
    assert "already exists" in result.stdout
    assert [c["argv"][1] for c in calls[1:]] == ["create-scope"] + ["put-secret"] * 4


def test_any_other_scope_error_stops_before_storing_anything(cli):
    result, calls = run(cli, FAKE_CREATE_SCOPE="denied")
    assert result.returncode == 1
    assert "PERMISSION_DENIED" in result.stderr
    assert not any("put-secret" in c["argv"] for c in calls)


def test_missing_values_without_a_terminal_refuse_before_touching_the_workspace(cli):
    partial = {k: v for k, v in VALUES.items() if k not in ("TWILIO_AUTH_TOKEN", "AZURE_SPEECH_REGION")}
    result, calls = run(cli, values=partial)
    assert result.returncode == 2
    assert "TWILIO_AUTH_TOKEN" in result.stderr and "AZURE_SPEECH_REGION" in result.stderr
    assert "Nothing was changed" in result.stderr
    assert [c["argv"] for c in calls] == [["--version"]]  # no create-scope, no put-secret
    assert_no_leak(result, calls, partial)


def test_scope_and_profile_options_reach_every_call(cli):
    result, calls = run(cli, "--scope", "callaudit-prod", "--profile", "prod-sp")
    assert result.returncode == 0, result.stderr
    for call in calls[1:]:
        assert call["argv"][:2] == ["--profile", "prod-sp"]
        assert call["argv"][4] == "callaudit-prod"


def test_without_azure_stores_only_the_twilio_credentials(cli):
    twilio_only = {k: v for k, v in VALUES.items() if k.startswith("TWILIO_")}
    result, calls = run(cli, "--without-azure", values=twilio_only)
    assert result.returncode == 0, result.stderr
    assert [c["argv"][-1] for c in calls if "put-secret" in c["argv"]] == ["account_sid", "auth_token"]


def test_a_failing_put_is_reported_without_the_value(cli):
    result, calls = run(cli, FAKE_PUT_FAILS="auth_token")
    assert result.returncode == 1
    assert "could not store 'auth_token'" in result.stderr and "****" in result.stderr
    assert_no_leak(result, calls)
    assert [c["argv"][-1] for c in calls if "put-secret" in c["argv"]] == ["account_sid", "auth_token"]


def test_help_and_bad_usage_make_no_calls(cli):
    result, calls = run(cli, "--help")
    assert result.returncode == 0 and "--scope" in result.stdout and "--profile" in result.stdout
    assert calls == []
    result, calls = run(cli, "--scopes", "x")
    assert result.returncode == 2 and "unknown argument" in result.stderr and calls == []


def test_the_legacy_python_cli_is_refused(cli):
    result, calls = run(cli, FAKE_DATABRICKS_VERSION="Version 0.18.0")
    assert result.returncode == 2 and "v0.205+" in result.stderr
    assert [c["argv"] for c in calls] == [["--version"]]


def test_with_a_terminal_missing_values_are_asked_for_without_echo(cli):
    bin_dir, log = cli
    present = {k: v for k, v in VALUES.items() if k != "TWILIO_AUTH_TOKEN"}
    master, slave = pty.openpty()
    proc = subprocess.Popen(["bash", str(SCRIPT)], env=env_for(bin_dir, log, present), stdin=slave,
                            stdout=subprocess.PIPE, stderr=slave, text=True)
    os.close(slave)
    seen = b""
    deadline = time.monotonic() + 30
    while b"TWILIO_AUTH_TOKEN" not in seen and time.monotonic() < deadline:
        if select.select([master], [], [], 0.5)[0]:
            seen += os.read(master, 4096)
    assert b"TWILIO_AUTH_TOKEN (auth_token): " in seen
    os.write(master, (VALUES["TWILIO_AUTH_TOKEN"] + "\n").encode())
    stdout, _ = proc.communicate(timeout=30)
    while select.select([master], [], [], 0.2)[0]:  # whatever the terminal shows after the prompt
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(master)
    assert proc.returncode == 0
    assert VALUES["TWILIO_AUTH_TOKEN"].encode() not in seen, "the typed secret was echoed on the terminal"
    assert VALUES["TWILIO_AUTH_TOKEN"] not in stdout
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    token = next(c for c in calls if c["argv"][-1] == "auth_token")
    assert token["stdin"] == VALUES["TWILIO_AUTH_TOKEN"]
