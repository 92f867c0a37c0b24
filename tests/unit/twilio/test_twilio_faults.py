"""Fault injection in the emulator, and the client-side retry policy that survives it."""

from __future__ import annotations

import pytest
import requests
from callaudit_testkit.twilio.faults import FaultInjector, FaultPlan, FaultPlanError

from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN
from callaudit.twilio.client import (
    PermanentFailure,
    RetriesExhausted,
    RetryPolicy,
    RetryStats,
    classify,
    with_retries,
)

AUTH = (EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN)
BASE = f"/2010-04-01/Accounts/{EMULATOR_ACCOUNT_SID}"


def _get(emulator, path="/Calls.json", **kwargs):
    return requests.get(f"{emulator.url}{BASE}{path}", auth=AUTH, timeout=10, **kwargs)


def test_schedule_faults_exactly_the_listed_requests(emulator):
    emulator.set_faults("schedule=2:503;4:500;5:429,retry_after=3")
    statuses = [_get(emulator).status_code for _ in range(6)]
    assert statuses == [200, 503, 200, 500, 429, 200]
    stats = emulator.stats()
    assert stats["requests"] == 6 and stats["faulted"] == 3 and stats["faulted_requests"] == [2, 4, 5]
    assert stats["by_kind"] == {"503": 1, "500": 1, "429": 1}


def test_429_has_twilios_code_and_retry_after(emulator):
    emulator.set_faults(FaultPlan(schedule={1: "429"}, retry_after=2))
    response = _get(emulator)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert response.json() == {"code": 20429, "message": "Too Many Requests",
                               "more_info": "https://www.twilio.com/docs/errors/20429", "status": 429}


def test_cut_connection_breaks_the_body(emulator):
    emulator.set_faults(FaultPlan(schedule={1: "cut"}))
    with pytest.raises(requests.exceptions.ChunkedEncodingError) as cut:
        _get(emulator)
    assert classify(cut.value).label == "cut" and classify(cut.value).retryable
    assert _get(emulator).status_code == 200  # the next request is served normally


def test_slow_responses_are_correct_but_late(emulator):
    emulator.set_faults(FaultPlan(schedule={1: "slow"}, slow_seconds=0.3))
    with pytest.raises(requests.exceptions.Timeout):
        requests.get(f"{emulator.url}{BASE}/Calls.json", auth=AUTH, timeout=0.1)
    emulator.set_faults(FaultPlan(schedule={1: "slow"}, slow_seconds=0.05))
    response = _get(emulator)
    assert response.status_code == 200 and response.json()["calls"]


def test_outage_from_request_n(emulator):
    emulator.set_faults("fail_from=3,fail_kind=503")
    assert [_get(emulator).status_code for _ in range(5)] == [200, 200, 503, 503, 503]


def test_rate_faults_are_seeded_and_reproducible():
    def run(seed):
        injector = FaultInjector(FaultPlan(rate=0.3, seed=seed))
        return [injector.decide("api") for _ in range(200)]

    first, again, other = run(5), run(5), run(6)
    assert first == again and first != other
    faulted = sum(kind is not None for kind in first)
    assert 30 <= faulted <= 90  # ~60 expected at 30%
    assert {kind for kind in first if kind} == {"429", "500", "503", "cut", "slow"}


def test_scope_limits_faults_to_media_or_api():
    injector = FaultInjector(FaultPlan(rate=1.0, scope="media"))
    assert injector.decide("api") is None and injector.decide("media") is not None
    assert injector.stats()["requests"] == 2 and injector.stats()["faulted"] == 1


@pytest.mark.parametrize("spec", ["rate=2", "kinds=404", "schedule=1:teapot", "nonsense", "scope=db", "seed=x"])
def test_bad_fault_plans_are_rejected(spec):
    with pytest.raises(FaultPlanError):
        FaultPlan.parse(spec)


def test_control_endpoint_sets_faults_and_reports_counters(emulator):
    url = f"{emulator.url}/_emulator/"
    assert requests.get(url + "stats", timeout=10).status_code == 401  # control needs auth too
    set_plan = requests.post(url + "faults", json={"schedule": {"1": "500"}}, auth=AUTH, timeout=10)
    assert set_plan.status_code == 200 and set_plan.json()["plan"]["schedule"] == {"1": "500"}
    assert _get(emulator).status_code == 500
    stats = requests.get(url + "stats", auth=AUTH, timeout=10).json()
    assert stats["faulted"] == 1 and stats["requests"] == 1  # control calls are not counted
    bad = requests.post(url + "faults", json={"rate": 5}, auth=AUTH, timeout=10)
    assert bad.status_code == 400 and bad.json()["code"] == 70002


def test_retries_honour_retry_after_and_back_off(emulator, twilio_client):
    emulator.set_faults(FaultPlan(schedule={1: "429", 2: "503", 3: "cut"}, retry_after=7))
    waits: list[float] = []
    policy = RetryPolicy(base_delay=0.1, max_delay=5, sleep=waits.append)
    stats = RetryStats()
    page = with_retries(lambda: twilio_client.calls.page(page_size=5), "calls page 1", policy, stats)
    assert len(list(page)) == 5
    assert stats.retries == 3 and stats.faults_seen == {"429": 1, "503": 1, "cut": 1}
    assert waits[0] >= 7  # Retry-After wins over a shorter backoff
    assert 0.2 <= waits[1] <= 0.2 * 1.5 and 0.4 <= waits[2] <= 0.4 * 1.5  # exponential, with jitter


def test_retries_are_capped(emulator, twilio_client):
    emulator.set_faults("fail_from=1,fail_kind=500")
    policy = RetryPolicy(max_attempts=3, base_delay=0, sleep=lambda _: None)
    with pytest.raises(RetriesExhausted) as exhausted:
        with_retries(lambda: twilio_client.calls.page(page_size=5), "calls page 1", policy, RetryStats())
    assert exhausted.value.attempts == 3 and exhausted.value.failure.status == 500
    assert emulator.stats()["requests"] == 3


def test_non_transient_errors_are_not_retried(emulator, twilio_client):
    policy = RetryPolicy(sleep=lambda _: pytest.fail("must not retry a 404"))
    with pytest.raises(PermanentFailure) as permanent:
        with_retries(lambda: twilio_client.calls("CA" + "0" * 32).fetch(), "fetch", policy, RetryStats())
    assert permanent.value.failure.status == 404 and permanent.value.failure.code == 20404
