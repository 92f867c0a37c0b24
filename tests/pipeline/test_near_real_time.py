"""Near-real-time, the whole loop, offline: the emulator sends Twilio's signed callbacks as calls end, the webhook
receiver lands each recording, `pipeline run --watch` audits it, and the audit is in gold — measured from the
callback to the end of the update that put it there (the benchmark's own code, with fewer calls)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.pipeline, pytest.mark.e2e]


def test_callbacks_reach_gold_through_the_watch_loop(tmp_path):
    from callaudit_testkit.bench.latency import run

    result = run(tmp_path, calls=3, every_seconds=0.5, interval=1.0, timeout=900, progress_print=print)
    print("\n".join(result.lines()))
    assert result.rejected == 0
    assert len(result.latencies) == 3 and result.in_gold == 3  # every completed call audited, read back from gold
    assert all(0 < s < 900 for s in result.latencies.values())
    assert result.updates and all(u["ok"] for u in result.updates)
    # the journal says which tables each update refreshed (None = all of them); callbacks land call, recording and
    # media files only, so an update that refreshed a subset must include the audits and leave the tables that
    # only read analysts' and survey files alone
    assert all("refreshed" in u for u in result.updates)
    for u in result.updates:
        if u["refreshed"] is not None:
            assert "twilio_call_audits" in u["refreshed"], u
            assert not {"bronze_qa_reviews", "bronze_surveys", "call_surveys"} & set(u["refreshed"]), u
