"""The official ``twilio`` client, pointed at Twilio or the local emulator, plus retries.

- Base URL: ``client.api.base_url`` (the notes' option B) so paging URIs resolve against the emulator too;
  ``edge``/``region`` are unset because they mangle non-twilio.com hosts.
- Raw pages: ingest lands list pages byte-for-byte. ``Page`` only keeps parsed JSON, so
  :class:`RawCapturingHttpClient` (a ``TwilioHttpClient``) keeps the body bytes of the last response in a
  thread-local, via a requests response hook: the same bytes the client parsed, with no second request and
  no monkey-patching of the client.
- Retries: twilio-python retries nothing we need (its retry adapter is https-only and ignores 429). A non-200
  list page raises a plain ``TwilioException('Unable to fetch page', response)``; :func:`classify` reads the
  status, Twilio error code and ``Retry-After`` from it, and :func:`with_retries` backs off exponentially
  with jitter, honouring ``Retry-After``, for 429 / 5xx / timeouts / cut connections.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from callaudit.secrets import Secret

log = logging.getLogger("callaudit.twilio.client")

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
T = TypeVar("T")


@dataclass(frozen=True)
class RawResponse:
    url: str
    status: int
    body: bytes


class RawCapturingHttpClient(TwilioHttpClient):
    """A ``TwilioHttpClient`` that remembers, per thread, the raw bytes of the last response it received."""

    def __init__(self, timeout: float | None = 30.0):
        super().__init__(timeout=timeout)
        self._local = threading.local()
        self.request_hooks = {"response": [self._keep_raw]}

    def _keep_raw(self, response: requests.Response, *args, **kwargs) -> requests.Response:
        self._local.last = RawResponse(response.url, response.status_code, response.content)
        return response

    def take_raw(self) -> RawResponse | None:
        last = getattr(self._local, "last", None)
        self._local.last = None
        return last


def build_client(account_sid: str, auth_token: Secret, base_url: str | None, timeout: float = 30.0
                 ) -> tuple[Client, RawCapturingHttpClient]:
    http_client = RawCapturingHttpClient(timeout=timeout)
    client = Client(account_sid, auth_token.reveal(), http_client=http_client)
    client.edge = None
    client.region = None
    if base_url:
        client.api.base_url = base_url.rstrip("/")
    return client, http_client


def api_base_url(base_url: str | None) -> str:
    return (base_url or "https://api.twilio.com").rstrip("/")


# ---------------------------------------------------------------------------------------------------------
# retries
# ---------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Failure:
    """What went wrong with one attempt."""

    label: str  # "429", "503", "timeout", "connection", "cut", "401", ...
    retryable: bool
    status: int | None = None
    code: int | None = None
    message: str = ""
    retry_after: float | None = None


class HttpStatusError(Exception):
    """A non-2xx response to a request made outside the Twilio resource classes (media downloads)."""

    def __init__(self, status: int, body: bytes, headers):
        super().__init__(f"HTTP {status}")
        self.status, self.body, self.headers = status, body, headers


class IncompleteBody(Exception):
    """Fewer bytes arrived than Content-Length promised."""


def _twilio_error(body: str | bytes | None) -> tuple[int | None, str]:
    try:
        payload = json.loads(body or "")
        return payload.get("code"), payload.get("message", "")
    except (ValueError, AttributeError):
        return None, ""


def _retry_after(headers) -> float | None:
    value = (headers or {}).get("Retry-After")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def classify(exc: BaseException) -> Failure | None:
    """A :class:`Failure` for errors of a Twilio call; None for anything else (a bug: let it raise)."""
    status = code = None
    message, headers = "", None
    if isinstance(exc, TwilioRestException):
        status, code, message = exc.status, exc.code, exc.msg
    elif isinstance(exc, TwilioException) and len(exc.args) > 1 and hasattr(exc.args[1], "status_code"):
        response = exc.args[1]  # 'Unable to fetch page' carries the twilio Response
        status, headers = response.status_code, response.headers
        code, message = _twilio_error(response.text)
    elif isinstance(exc, HttpStatusError):
        status, headers = exc.status, exc.headers
        code, message = _twilio_error(exc.body)
    elif isinstance(exc, requests.exceptions.Timeout):
        return Failure("timeout", True, message=str(exc))
    elif isinstance(exc, requests.exceptions.ChunkedEncodingError | IncompleteBody):
        return Failure("cut", True, message=str(exc))
    elif isinstance(exc, requests.exceptions.ConnectionError):
        return Failure("connection", True, message=str(exc))
    elif isinstance(exc, json.JSONDecodeError):
        return Failure("bad-body", True, message=str(exc))  # a truncated body that still parsed as text
    else:
        return None
    return Failure(str(status), status in RETRYABLE_STATUSES, status, code, message, _retry_after(headers))


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    jitter: float = 0.5  # up to +50% random extra, so parallel clients do not retry in lockstep
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before attempt ``attempt + 1``: exponential with jitter, never below Retry-After."""
        backoff = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        backoff *= 1 + self.rng.uniform(0, self.jitter)
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return backoff


class RetriesExhausted(Exception):
    def __init__(self, what: str, attempts: int, failure: Failure):
        super().__init__(f"{what}: gave up after {attempts} attempts (last: {failure.label} {failure.message})")
        self.what, self.attempts, self.failure = what, attempts, failure


class PermanentFailure(Exception):
    def __init__(self, what: str, failure: Failure):
        super().__init__(f"{what}: {failure.label} {failure.code or ''} {failure.message}".strip())
        self.what, self.failure = what, failure


@dataclass
class RetryStats:
    retries: int = 0
    faults_seen: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, failure: Failure) -> None:
        with self._lock:
            self.retries += 1
            self.faults_seen[failure.label] = self.faults_seen.get(failure.label, 0) + 1


def with_retries(call: Callable[[], T], what: str, policy: RetryPolicy, stats: RetryStats) -> T:
    """``call()``, retried on transient failures; :class:`PermanentFailure` / :class:`RetriesExhausted` else."""
    attempt = 1
    while True:
        try:
            return call()
        except Exception as exc:
            failure = classify(exc)
            if failure is None:
                raise
            if not failure.retryable:
                raise PermanentFailure(what, failure) from exc
            if attempt >= policy.max_attempts:
                raise RetriesExhausted(what, attempt, failure) from exc
            wait = policy.delay(attempt, failure.retry_after)
            stats.record(failure)
            log.info("%s: %s, retry %d/%d in %.2fs", what, failure.label, attempt, policy.max_attempts - 1, wait)
            policy.sleep(wait)
            attempt += 1
