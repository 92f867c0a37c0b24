"""Twilio status callbacks: a recording lands minutes after the call ends, not after tomorrow's 06:00 batch.

``callaudit webhooks serve`` listens for Twilio's ``RecordingStatusCallback`` (``POST /twilio/recording-status``)
and ``StatusCallback`` for calls (``POST /twilio/call-status``). Every request must carry a valid
``X-Twilio-Signature`` — checked with the official ``twilio`` library's :class:`RequestValidator` against the
account's auth token over the URL Twilio called (``--public-url`` when a proxy or tunnel sits in front) and the
form parameters. A missing or wrong signature is a 403 and nothing is landed.

An accepted callback is answered at once (204; Twilio waits 15 s at most) and landed by one worker thread, exactly
as ``callaudit ingest`` lands: with the real client and its retries, into ``_tmp`` then renamed, a recording's
audio and manifest before its page, records already landed unchanged not landed again (the same digests ingest
keeps, so a replayed callback — or a callback for a call the daily ingest already took — lands nothing new).
For a completed recording it lands the parent call (fetched; wrapped in a one-record list page, the shape bronze
reads), the call's child legs (a real ``ParentCallSid`` list page: the agent's leg), the audio + manifest and the
recording's list page. For a call in a final status it lands the call. The pipeline picks them up as it picks up
ingest's pages.

Each callback leaves a line in ``landing/_state/webhooks.jsonl``: when it arrived, when it was landed, what was
landed (the latency benchmark reads it). Bodies are bounded (64 KiB), sockets time out, and neither the auth
token nor a phone number is ever logged.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from dataclasses import asdict, dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from callaudit.config import Settings
from callaudit.contracts import FINAL_CALL_STATUSES
from callaudit.secrets import Secret

log = logging.getLogger("callaudit.twilio.webhooks")

RECORDING_ROUTE = "/twilio/recording-status"
CALL_ROUTE = "/twilio/call-status"
MAX_BODY_BYTES = 64 * 1024
SOCKET_TIMEOUT_S = 10.0
JOURNAL = "webhooks.jsonl"


@dataclass
class Callback:
    kind: str  # "recording" | "call"
    sid: str  # the RecordingSid or the CallSid
    call_sid: str
    status: str
    received_at: float  # epoch seconds
    channels: int | None = None


@dataclass
class Landed:
    callback: Callback
    outcome: str  # landed | unchanged | ignored | failed
    landed_at: float
    files: list[str] = field(default_factory=list)
    error: str | None = None

    def to_json(self) -> str:
        return json.dumps({**asdict(self.callback), "outcome": self.outcome, "landed_at": self.landed_at,
                           "files": self.files, "error": self.error}, ensure_ascii=False)


def parse_callback(route: str, params: dict[str, str], received_at: float) -> Callback | None:
    """The callback a form announces, or None when its parameters are not a Twilio callback of that route."""
    from callaudit.twilio.resources import is_sid

    call_sid = params.get("CallSid", "")
    if not is_sid(call_sid, "CA"):
        return None
    if route == RECORDING_ROUTE:
        sid = params.get("RecordingSid", "")
        if not is_sid(sid, "RE"):
            return None
        channels = params.get("RecordingChannels")
        return Callback("recording", sid, call_sid, params.get("RecordingStatus", ""), received_at,
                        int(channels) if channels and channels.isdigit() else None)
    return Callback("call", call_sid, call_sid, params.get("CallStatus", ""), received_at)


# ---- landing ----------------------------------------------------------------------------------------------------
class CallbackLander:
    """Lands what a callback announces, one callback at a time, as ingest does (its landing zone, lock, digests,
    client and retries)."""

    def __init__(self, landing_root: Path, *, account_sid: str, token: Secret, base_url: str | None,
                 timeout: float = 30.0, retry_policy=None):
        from callaudit.twilio.client import RetryPolicy, build_client
        from callaudit.twilio.ingest import Landing

        self.landing = Landing(landing_root)
        self.landing.create()
        self.account_sid = account_sid
        self.token = token
        self.base_url = base_url
        self.timeout = timeout
        self.policy = retry_policy or RetryPolicy()
        self.client, self.http = build_client(account_sid, token, base_url, timeout=timeout)
        self.journal = self.landing.state_dir / JOURNAL
        self._journal_lock = threading.Lock()

    def _job(self, run_id: str):
        from callaudit.twilio.client import RetryStats
        from callaudit.twilio.ingest import IngestSummary, _Ingest, _NoProgress

        return _Ingest(landing=self.landing, run_id=run_id, client=self.client, http_client=self.http,
                       account_sid=self.account_sid, token=self.token, base_url=self.base_url, policy=self.policy,
                       stats=RetryStats(), summary=IngestSummary(run_id=run_id, landing=self.landing.root),
                       page_size=50, timeout=self.timeout, on_page=None, progress=_NoProgress(),
                       record_digests=self.landing.load_record_digests())

    def _fetched_call_page(self, job, call_sid: str) -> bytes:
        """The call resource as a one-record list page (Twilio has no CallSid filter on the Calls list)."""
        from callaudit.twilio.client import with_retries

        with_retries(lambda: self.client.api.v2010.account.calls(call_sid).fetch(), f"call {call_sid}",
                     job.policy, job.stats)
        raw = self.http.take_raw()
        if raw is None or raw.status != 200:
            raise RuntimeError(f"no body captured for call {call_sid}")
        uri = urlsplit(raw.url).path
        return json.dumps({"calls": [json.loads(raw.body)], "end": 0, "first_page_uri": uri, "next_page_uri": None,
                           "page": 0, "page_size": 1, "previous_page_uri": None, "start": 0, "uri": uri},
                          ensure_ascii=False).encode("utf-8")

    def _list_page(self, job, kind: str, first) -> tuple[bytes, object]:
        for _number, page, body in job._pages(kind, first):
            return body, page  # one call's legs / recordings fit one page
        raise RuntimeError(f"no {kind} page")  # pragma: no cover - _pages always yields the first page

    def land(self, cb: Callback) -> Landed:
        from callaudit.twilio.ingest import new_run_id

        if cb.kind == "recording" and cb.status != "completed":
            return Landed(cb, "ignored", time.time(), error=f"recording status {cb.status!r}: nothing to fetch yet")
        if cb.kind == "call" and cb.status not in FINAL_CALL_STATUSES:
            return Landed(cb, "ignored", time.time(), error=f"call status {cb.status!r} is not final")
        run_id = new_run_id()  # named as ingest names its pages
        files: list[str] = []
        with self.landing.lock(blocking=True):
            job = self._job(run_id)
            accounts = self.client.api.v2010.account
            before_media = job.summary.new_media
            path = job._land_page("calls", 1, self._fetched_call_page(job, cb.call_sid))
            files += [path.name] if path else []
            if cb.kind == "recording":
                body, page = self._list_page(job, "calls", lambda: accounts.calls.page(parent_call_sid=cb.call_sid,
                                                                                      page_size=50))
                path = job._land_page("calls", 2, body, page)
                files += [path.name] if path else []
                job.download_media(cb.sid, cb.call_sid, cb.channels)
                if job.summary.media_failed:
                    raise RuntimeError(f"media {cb.sid} could not be downloaded")
                if job.summary.new_media > before_media:
                    files.append(f"{cb.sid}.wav")
                body, page = self._list_page(job, "recordings", lambda: accounts.recordings.page(
                    call_sid=cb.call_sid, page_size=50))
                path = job._land_page("recordings", 1, body, page)  # after its audio, as ingest does
                files += [path.name] if path else []
            self.landing.write_atomic(self.landing.digests_file, json.dumps(job.record_digests).encode("utf-8"))
        return Landed(cb, "landed" if files else "unchanged", time.time(), files)

    def record(self, landed: Landed) -> None:
        with self._journal_lock, open(self.journal, "a", encoding="utf-8") as out:
            out.write(landed.to_json() + "\n")


def read_journal(landing_root: Path) -> list[dict]:
    path = Path(landing_root) / "_state" / JOURNAL
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- the server -------------------------------------------------------------------------------------------------
class WebhookServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address, *, token: Secret, lander: CallbackLander, public_url: str | None = None):
        from twilio.request_validator import RequestValidator

        super().__init__(address, WebhookHandler)
        self.validator = RequestValidator(token.reveal())
        self.lander = lander
        self.public_url = public_url.rstrip("/") if public_url else None
        self.inbox: queue.Queue[Callback | None] = queue.Queue()
        self.counts = {"accepted": 0, "rejected": 0, "landed": 0, "unchanged": 0, "ignored": 0, "failed": 0}
        self._counts_lock = threading.Lock()
        self._worker = threading.Thread(target=self._work, name="webhook-lander", daemon=True)
        self._worker.start()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def count(self, key: str) -> None:
        with self._counts_lock:
            self.counts[key] += 1

    def _work(self) -> None:
        while True:
            cb = self.inbox.get()
            if cb is None:
                self.inbox.task_done()
                return
            try:
                landed = self.lander.land(cb)
            except Exception as exc:  # a callback that cannot be landed is journaled; the daily ingest catches up
                log.warning("%s callback %s not landed: %s", cb.kind, cb.sid, exc)
                landed = Landed(cb, "failed", time.time(), error=str(exc)[:300])
            self.lander.record(landed)
            self.count(landed.outcome)
            log.info("%s %s %s: %s %s", cb.kind, cb.sid, cb.status, landed.outcome, " ".join(landed.files))
            self.inbox.task_done()

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until every accepted callback has been landed (tests, the benchmark)."""
        deadline = time.monotonic() + timeout
        while self.inbox.unfinished_tasks and time.monotonic() < deadline:
            time.sleep(0.05)

    def server_close(self) -> None:
        self.inbox.put(None)
        super().server_close()


class WebhookHandler(BaseHTTPRequestHandler):
    server: WebhookServer
    timeout = SOCKET_TIMEOUT_S  # a client that stops sending mid-request is dropped
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - base-class signature
        log.debug("%s %s", self.address_string(), format % args)  # the path only: no body, no headers

    def _reply(self, status: int, payload: dict | None = None) -> None:
        body = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        if body:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        if urlsplit(self.path).path == "/health":
            with self.server._counts_lock:
                counts = dict(self.server.counts)
            return self._reply(200, {"ok": True, "pending": self.server.inbox.unfinished_tasks, **counts})
        return self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:  # noqa: N802
        route = urlsplit(self.path).path
        if route not in (RECORDING_ROUTE, CALL_ROUTE):
            return self._reply(404, {"error": f"no callback at {route}; use {RECORDING_ROUTE} or {CALL_ROUTE}"})
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            return self._reply(411, {"error": "Content-Length required"})
        if int(length) > MAX_BODY_BYTES:
            self.close_connection = True
            return self._reply(413, {"error": f"callback bodies are at most {MAX_BODY_BYTES} bytes"})
        body = self.rfile.read(int(length))
        params = dict(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
        base = self.server.public_url or f"http://{self.headers.get('Host', '')}"
        signature = self.headers.get("X-Twilio-Signature", "")
        if not signature or not self.server.validator.validate(base + self.path, params, signature):
            self.server.count("rejected")
            log.warning("rejected a %s callback: %s X-Twilio-Signature", route,
                        "missing" if not signature else "invalid")
            return self._reply(403, {"error": "invalid X-Twilio-Signature"})
        cb = parse_callback(route, params, time.time())
        if cb is None:
            return self._reply(400, {"error": "not a Twilio callback: CallSid/RecordingSid missing or malformed"})
        self.server.count("accepted")
        self.server.inbox.put(cb)
        return self._reply(204)


def create_server(settings: Settings, host: str, port: int, *, public_url: str | None = None,
                  base_url: str | None = None) -> WebhookServer:
    from callaudit.twilio.ingest import ingest_credentials

    base_url = base_url if base_url is not None else settings.twilio_api_base_url
    account_sid, token = ingest_credentials(base_url)
    lander = CallbackLander(settings.landing, account_sid=account_sid, token=token, base_url=base_url)
    return WebhookServer((host, port), token=token, lander=lander, public_url=public_url)


def serve_in_thread(server: WebhookServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, name="webhooks", daemon=True)
    thread.start()
    return thread
