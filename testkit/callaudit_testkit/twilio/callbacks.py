"""The emulator's status callbacks: what Twilio POSTs when a call ends and its recording is ready.

Twilio calls a call's ``StatusCallback`` URL when a leg reaches a final status and its ``RecordingStatusCallback``
when the recording is ``completed``, as ``application/x-www-form-urlencoded`` with an ``X-Twilio-Signature``: the
base64 HMAC-SHA1 of the URL followed by the sorted parameters, keyed by the account's auth token (computed here with
the official library's ``RequestValidator.compute_signature``, the very function Twilio documents). The synthetic
calls are already over, so "completing" one replays what Twilio would have sent for it, in order: each leg's call
status callback (child legs first, as they end first), then one recording callback per completed recording.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

import requests
from twilio.request_validator import RequestValidator

from callaudit.secrets import Secret

log = logging.getLogger("callaudit_testkit.twilio.callbacks")


def call_params(call: dict, account_sid: str, sequence: int = 0) -> dict[str, str]:
    """A call StatusCallback's form, from the call resource (Twilio's parameter names)."""
    params = {
        "AccountSid": account_sid, "ApiVersion": "2010-04-01", "CallSid": call["sid"],
        "CallStatus": call.get("status") or "", "Direction": call.get("direction") or "",
        "From": call.get("from") or "", "To": call.get("to") or "", "CallDuration": str(call.get("duration") or 0),
        "Timestamp": call.get("end_time") or "", "CallbackSource": "call-progress-events",
        "SequenceNumber": str(sequence),
    }
    if call.get("parent_call_sid"):
        params["ParentCallSid"] = call["parent_call_sid"]
    return params


def recording_params(rec: dict, account_sid: str) -> dict[str, str]:
    """A RecordingStatusCallback's form, from the recording resource."""
    return {
        "AccountSid": account_sid, "CallSid": rec["call_sid"], "RecordingSid": rec["sid"],
        "RecordingUrl": (rec.get("media_url") or "").removesuffix(".json"), "RecordingStatus": rec.get("status") or "",
        "RecordingDuration": str(rec.get("duration") or 0), "RecordingChannels": str(rec.get("channels") or 1),
        "RecordingStartTime": rec.get("start_time") or "", "RecordingSource": rec.get("source") or "DialVerb",
        "ErrorCode": str(rec.get("error_code") or 0),
    }


def sign(url: str, params: dict[str, str], token: Secret) -> str:
    return RequestValidator(token.reveal()).compute_signature(url, params)


@dataclass
class Sent:
    url: str
    sid: str
    status: int | None
    sent_at: float
    error: str | None = None


@dataclass
class CallbackRun:
    """Callbacks sent so far by one completion run (the thread appends as it goes)."""

    sent: list[Sent] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)

    def wait(self, timeout: float | None = None) -> bool:
        return self.done.wait(timeout)


def post(url: str, params: dict[str, str], token: Secret, sid: str, timeout: float = 10.0) -> Sent:
    headers = {"X-Twilio-Signature": sign(url, params, token),
               "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "TwilioProxy/1.1"}
    started = time.time()
    try:
        response = requests.post(url, data=urlencode(params), headers=headers, timeout=timeout)
        return Sent(url, sid, response.status_code, started)
    except requests.RequestException as exc:
        log.warning("callback %s to %s failed: %s", sid, url, exc)
        return Sent(url, sid, None, started, str(exc))


def complete_calls(data, call_sids: Iterable[str], *, token: Secret, status_callback: str | None,
                   recording_status_callback: str | None, every_seconds: float = 0.0) -> CallbackRun:
    """Send, in a background thread, the callbacks of each call (its legs, then its recordings), one call every
    ``every_seconds``. ``data`` is the emulator's :class:`TwilioData`."""
    run = CallbackRun()
    sids = list(call_sids)

    def send() -> None:
        try:
            for i, sid in enumerate(sids):
                if i and every_seconds:
                    time.sleep(every_seconds)
                parent = data.calls_by_sid[sid].data
                legs = [c.data for c in data.calls if c.data.get("parent_call_sid") == sid] + [parent]
                if status_callback:
                    for n, leg in enumerate(legs):
                        run.sent.append(post(status_callback, call_params(leg, data.account_sid, n), token, leg["sid"]))
                if recording_status_callback:
                    for rec in data.recordings_by_call.get(sid, []):
                        if rec.data.get("status") == "completed":
                            run.sent.append(post(recording_status_callback,
                                                 recording_params(rec.data, data.account_sid), token, rec.sid))
        finally:
            run.done.set()

    threading.Thread(target=send, name="emulator-callbacks", daemon=True).start()
    return run


def calls_with_recordings(data, count: int | None = None) -> list[str]:
    """Parent calls that have a completed recording, oldest first (the ones worth auditing)."""
    sids = [c.sid for c in sorted(data.calls, key=lambda c: c.sort_key)
            if not c.data.get("parent_call_sid")
            and any(r.data.get("status") == "completed" for r in data.recordings_by_call.get(c.sid, []))]
    return sids[:count] if count is not None else sids
