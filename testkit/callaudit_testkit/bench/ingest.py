#!/usr/bin/env python
"""Ingest throughput from the local Twilio emulator: calls + recordings metadata landed per second.

Generates N calls of Twilio-shaped metadata (callaudit_testkit.twilio.fixtures.make_bulk_call_centre, no media),
serves them from the emulator in a separate process (as in real use: the client and the server do not share
a GIL), runs `run_ingest(download_media=False)` with PageSize=1000 and prints the figures.

    .venv/bin/python -m callaudit_testkit.bench.ingest              # 10,000 calls
    .venv/bin/python -m callaudit_testkit.bench.ingest --large      # 100,000 calls
    .venv/bin/python -m callaudit_testkit.bench.ingest --calls 25000 --faults 'rate=0.1,kinds=429+503,seed=1'
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN, Settings  # noqa: E402
from callaudit.twilio.ingest import run_ingest  # noqa: E402
from callaudit_testkit.twilio.fixtures import make_bulk_call_centre  # noqa: E402


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, timeout: float = 180) -> None:
    """Until the emulator answers (it listens before it has loaded the data: a large dir takes seconds)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(url, params={"PageSize": 1}, auth=(EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN), timeout=60)
            return
        except (requests.ConnectionError, requests.Timeout):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the emulator did not start:\n{proc.stderr.read() if proc.stderr else ''}") from None
            time.sleep(0.2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=10_000, help="calls to generate and ingest (default 10,000)")
    parser.add_argument("--large", action="store_true", help="100,000 calls")
    parser.add_argument("--faults", default="", help="emulator fault plan, e.g. 'rate=0.1,kinds=429+503,seed=1'")
    args = parser.parse_args()
    calls = 100_000 if args.large else args.calls

    # the emulator's default account: keep a developer's real credentials out of this local run
    for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_API_BASE_URL"):
        os.environ.pop(name, None)
    os.environ["_CALLAUDIT_DOTENV_LOADED"] = "1"

    work = Path(tempfile.mkdtemp(prefix="bench_ingest_"))
    proc = None
    try:
        started = time.perf_counter()
        fixture = make_bulk_call_centre(work / "twilio_data", calls)
        generated = time.perf_counter() - started
        port = _free_port()
        command = [sys.executable, "-m", "callaudit.cli", "emulator", "serve", "--port", str(port),
                   "--data", str(work / "twilio_data")]
        if args.faults:
            command += ["--faults", args.faults]
        proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "CALLAUDIT_HOME": str(work)})
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(f"{url}/2010-04-01/Accounts/{EMULATOR_ACCOUNT_SID}/Calls.json", proc)

        settings = Settings(home=work, cache=work / "cache", twilio_api_base_url=url)
        summary = run_ingest(settings, download_media=False, agents_file=None)
        records = summary.calls + summary.recordings
        landed = sum(p.stat().st_size for kind in ("calls", "recordings") for p in (work / "landing" / kind).glob("*"))
        assert summary.calls == fixture.calls and summary.recordings == fixture.recordings, "ingest lost records"

        print(f"generated {fixture.calls:,} calls + {fixture.recordings:,} recordings in {generated:.1f} s")
        print(f"ingest: {summary.call_pages + summary.recording_pages} pages (PageSize=1000), "
              f"{landed / 1e6:.1f} MB landed, {summary.retries} retries, in {summary.duration_seconds:.2f} s")
        print(f"ingest throughput: {records / summary.duration_seconds:,.0f} records/s "
              f"({summary.calls / summary.duration_seconds:,.0f} calls/s) for {calls:,} calls")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
