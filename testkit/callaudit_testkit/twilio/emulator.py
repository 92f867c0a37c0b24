"""A local Twilio 2010-04-01 API emulator over a ``twilio_data/`` dir (docs/CONTRACTS.md section 1).

A real HTTP server (stdlib ``ThreadingHTTPServer``, HTTP/1.1 keep-alive) that the official ``twilio`` client
talks to unchanged. Faithful to the OpenAPI spec (tests validate every response with openapi-core) and to the
facts in shared/reference/TWILIO_API_NOTES.md:

- ``Calls.json`` / ``Calls/{CA}.json``, ``Recordings.json`` / ``Recordings/{RE}.json``,
  ``Calls/{CA}/Recordings.json`` / ``Calls/{CA}/Recordings/{RE}.json`` (call-scoped schema: ``track``, no
  ``media_url``), media at ``Recordings/{RE}`` / ``.wav`` / ``.mp3`` with ``RequestedChannels``;
- list envelopes with exactly the meta keys Twilio sends and *relative* paging URIs; ``PageSize`` 1..1000
  (default 50); the first page has no token, later pages carry ``PageToken`` (``PA<last sid>``), and like
  Twilio a ``Page`` > 0 without a token is a 400 (code 70002);
- filters with Twilio's semantics: ``X`` = that UTC day, ``X>`` = on or after, ``X<`` = on or before (the
  client sends them as ``StartTime>=...`` / ``StartTime<=...``); values ``YYYY-MM-DD`` or
  ``YYYY-MM-DDTHH:MM:SSZ``; most recent first;
- HTTP basic auth on every path including media (401, code 20003); errors as
  ``{code, message, more_info, status}``;
- switchable faults (:mod:`callaudit_testkit.twilio.faults`) and a control endpoint under ``/_emulator/``.

Start it with :func:`serve_emulator` (in-process, returns a handle) or ``callaudit emulator serve``.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import json
import logging
import re
import socket
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

from callaudit.errors import UserError
from callaudit.secrets import Secret
from callaudit.twilio.resources import (
    CALL_STATUSES,
    DateFilterError,
    call_scoped_recording,
    day_bounds,
    is_sid,
    parse_filter_date,
    parse_rfc2822,
    rebase_call,
    rebase_recording,
)
from callaudit_testkit.twilio import media
from callaudit_testkit.twilio.faults import FaultInjector, FaultPlan, FaultPlanError

log = logging.getLogger("callaudit_testkit.twilio.emulator")

MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 50
CONTROL_PREFIX = "/_emulator/"

ERROR_MESSAGES = {
    429: (20429, "Too Many Requests"),
    500: (20500, "Internal Server Error"),
    503: (20503, "Service Unavailable"),
}


# ---------------------------------------------------------------------------------------------------------
# the data
# ---------------------------------------------------------------------------------------------------------
@dataclass
class _Resource:
    sid: str
    data: dict
    json: str  # serialised once at load: list pages are joins of these
    sort_key: tuple
    times: dict  # parsed dates the filters compare


class TwilioData:
    """Calls and recordings of one account, indexed for the list filters. Immutable once loaded."""

    def __init__(self, data_dir: Path, account_sid: str, media_base: str = "https://api.twilio.com"):
        self.data_dir = Path(data_dir)
        self.account_sid = account_sid
        self.media_dir = self.data_dir / "media"
        calls_path = self.data_dir / "calls.jsonl"
        recordings_path = self.data_dir / "recordings.jsonl"
        if not calls_path.is_file():
            raise UserError(
                f"{calls_path} does not exist: the emulator serves a twilio_data dir (docs/CONTRACTS.md section 1)",
                hint="generate one with `callaudit synth` or `callaudit emulator fixtures --out DIR`, "
                "then pass it with --data DIR",
            )
        self.calls = self._load(calls_path, "CA", lambda c: rebase_call(c, account_sid), self._call_times)
        recordings = (
            self._load(recordings_path, "RE", lambda r: rebase_recording(r, account_sid, media_base),
                       self._recording_times)
            if recordings_path.is_file()
            else []
        )
        self.recordings = recordings
        self.calls_by_sid = {r.sid: r for r in self.calls}
        self.recordings_by_sid = {r.sid: r for r in self.recordings}
        self.recordings_by_call: dict[str, list[_Resource]] = {}
        for rec in self.recordings:
            self.recordings_by_call.setdefault(rec.data.get("call_sid"), []).append(rec)
        self._call_scoped_json: dict[str, str] = {}

    def call_scoped_json(self, recording: _Resource) -> str:
        """The call-scoped view of a recording (``track``, no ``media_url``), serialised on first use."""
        text = self._call_scoped_json.get(recording.sid)
        if text is None:
            text = self._call_scoped_json[recording.sid] = json.dumps(call_scoped_recording(recording.data))
        return text

    @staticmethod
    def _call_times(call: dict) -> dict:
        return {
            "start": parse_rfc2822(call.get("start_time")),
            "end": parse_rfc2822(call.get("end_time")),
            "created": parse_rfc2822(call.get("date_created")),
        }

    @staticmethod
    def _recording_times(rec: dict) -> dict:
        return {"created": parse_rfc2822(rec.get("date_created"))}

    @staticmethod
    def _load(path: Path, prefix: str, rebase: Callable[[dict], dict], times: Callable[[dict], dict]):
        resources = []
        seen: set[str] = set()
        with open(path, encoding="utf-8") as src:
            for number, line in enumerate(src, 1):
                if not line.strip():
                    continue
                try:
                    data = json.loads(line)
                    sid = data["sid"]
                    if not is_sid(sid, prefix):
                        raise ValueError(f"sid {sid!r} is not {prefix} + 32 hex digits")
                    if sid in seen:
                        raise ValueError(f"sid {sid} appears twice")
                    seen.add(sid)
                    data = rebase(data)
                    parsed = times(data)
                except (ValueError, KeyError, TypeError) as exc:
                    raise UserError(
                        f"{path.name} line {number} is not a Twilio resource: {exc}",
                        hint="regenerate the data dir (`callaudit synth`) or fix that line",
                    ) from exc
                key = (parsed["created"].timestamp() if parsed["created"] else 0.0, sid)
                resources.append(_Resource(sid, data, json.dumps(data), key, parsed))
        # Twilio lists most recent first
        resources.sort(key=lambda r: r.sort_key, reverse=True)
        return resources


class BadRequest(Exception):
    def __init__(self, message: str, code: int = 70002, status: int = 400):
        super().__init__(message)
        self.message, self.code, self.status = message, code, status


def _date_predicate(param: str, field: str, op: str, raw: str) -> Callable[[_Resource], bool]:
    try:
        bound, _ = parse_filter_date(raw)
    except DateFilterError as exc:
        raise BadRequest(f"Invalid value for {param}: {exc}") from None

    def value(resource: _Resource) -> datetime | None:
        return resource.times[field]

    if op == ">":
        return lambda r: (v := value(r)) is not None and v >= bound
    if op == "<":
        return lambda r: (v := value(r)) is not None and v <= bound
    start, end = day_bounds(bound)
    return lambda r: (v := value(r)) is not None and start <= v < end


CALL_DATE_FILTERS = {"StartTime": "start", "EndTime": "end"}
RECORDING_DATE_FILTERS = {"DateCreated": "created"}


def _filters(query: list[tuple[str, str]], kind: str) -> tuple[list[tuple[str, str]], list[Callable]]:
    """The filter params of a list query (kept for the paging URIs) and their predicates."""
    kept: list[tuple[str, str]] = []
    predicates: list[Callable[[_Resource], bool]] = []
    date_filters = CALL_DATE_FILTERS if kind == "calls" else RECORDING_DATE_FILTERS
    for key, raw in query:
        base, op = (key[:-1], key[-1]) if key[-1:] in "<>" else (key, "")
        if base in date_filters:
            predicates.append(_date_predicate(key, date_filters[base], op, raw))
        elif kind == "calls" and key == "Status":
            if raw not in CALL_STATUSES:
                raise BadRequest(f"Invalid value for Status: '{raw}' (one of {', '.join(CALL_STATUSES)})")
            predicates.append(lambda r, v=raw: r.data.get("status") == v)
        elif kind == "calls" and key in ("To", "From"):
            field = key.lower()
            predicates.append(lambda r, v=raw, f=field: r.data.get(f) == v)
        elif kind == "calls" and key == "ParentCallSid":
            if not is_sid(raw, "CA"):
                raise BadRequest(f"Invalid value for ParentCallSid: '{raw}' is not a Call SID")
            predicates.append(lambda r, v=raw: r.data.get("parent_call_sid") == v)
        elif kind == "recordings" and key == "CallSid":
            if not is_sid(raw, "CA"):
                raise BadRequest(f"Invalid value for CallSid: '{raw}' is not a Call SID")
            predicates.append(lambda r, v=raw: r.data.get("call_sid") == v)
        elif kind == "recordings" and key == "ConferenceSid":
            if not is_sid(raw, "CF"):
                raise BadRequest(f"Invalid value for ConferenceSid: '{raw}' is not a Conference SID")
            predicates.append(lambda r, v=raw: r.data.get("conference_sid") == v)
        elif kind == "recordings" and key == "IncludeSoftDeleted":
            if raw.lower() not in ("true", "false"):
                raise BadRequest("Invalid value for IncludeSoftDeleted: use true or false")
        else:
            continue  # paging params and unknown params (Twilio ignores those)
        kept.append((key, raw))
    if kind == "recordings" and ("IncludeSoftDeleted", "true") not in [(k, v.lower()) for k, v in kept]:
        predicates.append(lambda r: r.data.get("status") != "deleted")
    return kept, predicates


class _FilterCache:
    """Filtered, ordered result lists keyed by query: paging a 100k-call list filters once, not per page."""

    def __init__(self, size: int = 64):
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[list[_Resource], dict[str, int]]] = OrderedDict()
        self._size = size

    def get(self, key: tuple, compute: Callable[[], list[_Resource]]):
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        rows = compute()
        entry = (rows, {r.sid: i for i, r in enumerate(rows)})
        with self._lock:
            self._entries[key] = entry
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)
        return entry


# ---------------------------------------------------------------------------------------------------------
# HTTP
# ---------------------------------------------------------------------------------------------------------
_ACCOUNT = r"/2010-04-01/Accounts/(?P<account>[^/]+)"
ROUTES: list[tuple[re.Pattern, str]] = [
    (re.compile(_ACCOUNT + r"/Calls\.json$"), "list_calls"),
    (re.compile(_ACCOUNT + r"/Calls/(?P<call>[^/]+)\.json$"), "fetch_call"),
    (re.compile(_ACCOUNT + r"/Calls/(?P<call>[^/]+)/Recordings\.json$"), "list_call_recordings"),
    (re.compile(_ACCOUNT + r"/Calls/(?P<call>[^/]+)/Recordings/(?P<recording>[^/]+)\.json$"),
     "fetch_call_recording"),
    (re.compile(_ACCOUNT + r"/Recordings\.json$"), "list_recordings"),
    (re.compile(_ACCOUNT + r"/Recordings/(?P<recording>[^/.]+)\.json$"), "fetch_recording"),
    (re.compile(_ACCOUNT + r"/Recordings/(?P<recording>[^/.]+)(?P<ext>\.wav|\.mp3)?$"), "media"),
]


class EmulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, account_sid: str, auth_token: Secret, injector: FaultInjector):
        self.data: TwilioData | None = None  # loaded once the port (and so media_url) is known
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.injector = injector
        self.cache = _FilterCache()
        self.data_lock = threading.Lock()
        super().__init__(address, EmulatorHandler)

    @property
    def base_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def handle_error(self, request, client_address) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            # the client hung up (a timeout on a slow fault, or a cut): normal here, not a server error
            log.debug("client %s disconnected", client_address)
            return
        super().handle_error(request, client_address)

    def replace_data(self, data: TwilioData) -> None:
        with self.data_lock:
            self.data = data
            self.cache = _FilterCache()

    def authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:], validate=True).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        user_ok = hmac.compare_digest(user.encode(), self.account_sid.encode())
        password_ok = hmac.compare_digest(password.encode(), self.auth_token.reveal().encode())
        return user_ok and password_ok


class EmulatorHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "callaudit-twilio-emulator"
    server: EmulatorServer

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - signature from the base class
        # the request line only: never headers (Authorization)
        log.debug("%s - %s", self.address_string(), format % args)

    # -- responses --------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None,
              cut: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        if cut:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command == "HEAD":
            return
        if cut:
            # a connection that dies mid-body: headers promise the full length, half arrives
            self.wfile.write(body[: max(1, len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.wfile.write(body)

    def _json(self, status: int, payload: dict | str, cut: bool = False, headers: dict | None = None) -> None:
        text = payload if isinstance(payload, str) else json.dumps(payload)
        self._send(status, text.encode("utf-8"), "application/json; charset=utf-8", headers, cut)

    def _error(self, status: int, code: int, message: str, headers: dict | None = None) -> None:
        self._json(
            status,
            {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
             "status": status},
            headers=headers,
        )

    def _not_found(self) -> None:
        self._error(404, 20404, f"The requested resource {urlsplit(self.path).path} was not found")

    # -- dispatch ---------------------------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802 - http.server naming
        self._dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        path = urlsplit(self.path).path
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if path.startswith(CONTROL_PREFIX):
            if not self.server.authorized(self.headers.get("Authorization")):
                return self._unauthorized()
            return self._control(path, body)
        self._error(405, 20004, "Method not allowed: the emulator serves reads only")

    do_DELETE = do_PUT = do_POST

    def _unauthorized(self) -> None:
        self._error(401, 20003, "Authenticate", headers={"WWW-Authenticate": 'Basic realm="Twilio API"'})

    def _dispatch(self) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if path.startswith(CONTROL_PREFIX):
            if not self.server.authorized(self.headers.get("Authorization")):
                return self._unauthorized()
            return self._control(path, b"")
        match, name = None, None
        for pattern, route in ROUTES:
            match = pattern.match(path)
            if match:
                name = route
                break
        scope = "media" if name == "media" else "api"
        fault = self.server.injector.decide(scope)
        cut = False
        if fault == "slow":
            time.sleep(self.server.injector.plan.slow_seconds)
        elif fault == "cut":
            cut = True
        elif fault is not None:
            status = int(fault)
            code, message = ERROR_MESSAGES[status]
            headers = {"Retry-After": str(self.server.injector.plan.retry_after)} if status == 429 else None
            return self._error(status, code, message, headers=headers)
        if not self.server.authorized(self.headers.get("Authorization")):
            return self._unauthorized()
        if match is None:
            return self._not_found()
        with self.server.data_lock:
            data, cache = self.server.data, self.server.cache
        if match.group("account") != data.account_sid:
            return self._not_found()
        query = parse_qsl(parts.query, keep_blank_values=True)
        try:
            getattr(self, "_" + name)(data, cache, match, query, path, cut)
        except BadRequest as exc:
            self._error(exc.status, exc.code, exc.message)

    # -- endpoints --------------------------------------------------------------------------------------
    def _list_calls(self, data: TwilioData, cache, match, query, path, cut) -> None:
        kept, predicates = _filters(query, "calls")
        rows, positions = cache.get(("calls", tuple(kept)), lambda: [
            r for r in data.calls if all(p(r) for p in predicates)])
        self._json(200, _page("calls", rows, positions, lambda r: r.json, path, kept, query), cut=cut)

    def _list_recordings(self, data: TwilioData, cache, match, query, path, cut) -> None:
        kept, predicates = _filters(query, "recordings")
        rows, positions = cache.get(("recordings", tuple(kept)), lambda: [
            r for r in data.recordings if all(p(r) for p in predicates)])
        self._json(200, _page("recordings", rows, positions, lambda r: r.json, path, kept, query), cut=cut)

    def _list_call_recordings(self, data: TwilioData, cache, match, query, path, cut) -> None:
        call_sid = match.group("call")
        if call_sid not in data.calls_by_sid:
            return self._not_found()
        # the call-scoped list filters DateCreated by day (format date in the spec)
        kept, predicates = _filters([(k, v) for k, v in query if k.startswith("DateCreated")], "recordings")
        rows, positions = cache.get(("call_recordings", call_sid, tuple(kept)), lambda: [
            r for r in data.recordings_by_call.get(call_sid, []) if all(p(r) for p in predicates)])
        self._json(200, _page("recordings", rows, positions, data.call_scoped_json, path, kept, query), cut=cut)

    def _fetch_call(self, data: TwilioData, cache, match, query, path, cut) -> None:
        call = data.calls_by_sid.get(match.group("call"))
        if call is None:
            return self._not_found()
        self._json(200, call.json, cut=cut)

    def _fetch_recording(self, data: TwilioData, cache, match, query, path, cut) -> None:
        rec = data.recordings_by_sid.get(match.group("recording"))
        if rec is None:
            return self._not_found()
        self._json(200, rec.json, cut=cut)

    def _fetch_call_recording(self, data: TwilioData, cache, match, query, path, cut) -> None:
        rec = data.recordings_by_sid.get(match.group("recording"))
        if rec is None or rec.data.get("call_sid") != match.group("call"):
            return self._not_found()
        self._json(200, data.call_scoped_json(rec), cut=cut)

    def _media(self, data: TwilioData, cache, match, query, path, cut) -> None:
        sid = match.group("recording")
        rec = data.recordings_by_sid.get(sid)
        file = data.media_dir / f"{sid}.wav"
        if rec is None or not file.is_file():
            return self._not_found()
        params = dict(query)
        requested = params.get("RequestedChannels")
        if requested is not None and requested not in ("1", "2"):
            raise BadRequest("Invalid value for RequestedChannels: use 1 or 2")
        fmt = "mp3" if match.group("ext") == ".mp3" else "wav"
        try:
            body, content_type = media.render(file.read_bytes(), requested_channels=int(requested) if requested
                                              else None, fmt=fmt)
        except ValueError:
            return self._error(400, 16113, "RequestedChannels=2 is not available: the recording has 1 channel")
        self._send(200, body, content_type, cut=cut)

    # -- control ----------------------------------------------------------------------------------------
    def _control(self, path: str, body: bytes) -> None:
        injector = self.server.injector
        action = path[len(CONTROL_PREFIX):]
        if action == "stats" and self.command in ("GET", "HEAD"):
            return self._json(200, injector.stats())
        if action == "faults" and self.command == "POST":
            try:
                plan = FaultPlan.from_dict(json.loads(body or b"{}"))
            except (ValueError, TypeError, FaultPlanError) as exc:
                return self._error(400, 70002, f"Invalid fault plan: {exc}")
            injector.set_plan(plan)
            return self._json(200, injector.stats())
        if action == "complete" and self.command == "POST":
            # {"calls": [...] | "count": N, "status_callback": url, "recording_status_callback": url,
            #  "every_seconds": 1.0}: send the signed callbacks Twilio would send as those calls end
            from callaudit_testkit.twilio.callbacks import calls_with_recordings, complete_calls

            try:
                spec = json.loads(body or b"{}")
                data = self.server.data
                sids = spec.get("calls") or calls_with_recordings(data, spec.get("count"))
                unknown = [s for s in sids if s not in data.calls_by_sid]
                if unknown:
                    raise ValueError(f"unknown calls: {', '.join(unknown[:3])}")
                complete_calls(data, sids, token=self.server.auth_token,
                               status_callback=spec.get("status_callback"),
                               recording_status_callback=spec.get("recording_status_callback"),
                               every_seconds=float(spec.get("every_seconds", 0.0)))
            except (ValueError, TypeError) as exc:
                return self._error(400, 70002, f"Invalid completion request: {exc}")
            return self._json(202, {"calls": sids})
        if action == "reload" and self.command == "POST":
            try:
                self.server.replace_data(TwilioData(self.server.data.data_dir, self.server.account_sid,
                                                    self.server.base_url))
            except UserError as exc:
                return self._error(400, 70002, str(exc))
            return self._json(200, {"calls": len(self.server.data.calls),
                                    "recordings": len(self.server.data.recordings)})
        self._not_found()


def _page(key: str, rows: list[_Resource], positions: dict[str, int], render: Callable[[_Resource], str],
          path: str, kept: list[tuple[str, str]], query: list[tuple[str, str]]) -> str:
    params = dict(query)
    try:
        page_size = int(params.get("PageSize", DEFAULT_PAGE_SIZE))
        page = int(params.get("Page", 0))
    except ValueError:
        raise BadRequest("PageSize and Page must be integers") from None
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise BadRequest(f"Invalid PageSize {page_size}: must be between 1 and {MAX_PAGE_SIZE}")
    if page < 0:
        raise BadRequest(f"Invalid Page {page}: must be 0 or more")
    token = params.get("PageToken")
    if token:
        anchor = positions.get(token[2:])
        if token[:2] not in ("PA", "PB") or anchor is None:
            raise BadRequest(f"Invalid PageToken '{token}'")
        start = anchor + 1 if token[:2] == "PA" else max(0, anchor - page_size)
    elif page > 0:
        raise BadRequest("Paged requests must include a PageToken")
    else:
        start = 0
    items = rows[start:start + page_size]

    def uri(page_number: int, page_token: str | None) -> str:
        pairs = [*kept, ("PageSize", str(page_size)), ("Page", str(page_number))]
        if page_token:
            pairs.append(("PageToken", page_token))
        return f"{path}?{urlencode(pairs)}"

    has_next = start + len(items) < len(rows)
    meta = {
        "end": page * page_size + max(len(items) - 1, 0),
        "first_page_uri": uri(0, None),
        "next_page_uri": uri(page + 1, "PA" + items[-1].sid) if has_next and items else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": uri(page - 1, "PB" + items[0].sid) if page > 0 and start > 0 and items else None,
        "start": page * page_size,
        "uri": uri(page, token),
    }
    return '{"' + key + '": [' + ", ".join(render(r) for r in items) + "], " + json.dumps(meta)[1:]


# ---------------------------------------------------------------------------------------------------------
# running it
# ---------------------------------------------------------------------------------------------------------
def emulator_credentials(account_sid: str | None = None, auth_token: str | Secret | None = None) -> tuple[str, Secret]:
    """The account the emulator accepts: arguments, else TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN, else defaults."""
    from callaudit.config import EMULATOR_ACCOUNT_SID, EMULATOR_AUTH_TOKEN
    from callaudit.secrets import get_secret

    if account_sid is None:
        secret = get_secret("TWILIO_ACCOUNT_SID", required=False)
        account_sid = secret.reveal() if secret else EMULATOR_ACCOUNT_SID
    if not is_sid(account_sid, "AC"):
        raise UserError("TWILIO_ACCOUNT_SID does not look like an Account SID",
                        hint="it is AC followed by 32 hex digits; unset it to use the emulator's default account")
    if auth_token is None:
        auth_token = get_secret("TWILIO_AUTH_TOKEN", required=False) or Secret("TWILIO_AUTH_TOKEN",
                                                                                 EMULATOR_AUTH_TOKEN)
    elif isinstance(auth_token, str):
        auth_token = Secret("TWILIO_AUTH_TOKEN", auth_token)
    return account_sid, auth_token


class EmulatorHandle:
    """A running emulator: ``url``, fault control and counters, ``reload()``, ``stop()``; a context manager."""

    def __init__(self, server: EmulatorServer, thread: threading.Thread | None):
        self._server = server
        self._thread = thread

    @property
    def url(self) -> str:
        return self._server.base_url

    @property
    def account_sid(self) -> str:
        return self._server.account_sid

    @property
    def data_dir(self) -> Path:
        return self._server.data.data_dir

    @property
    def faults(self) -> FaultInjector:
        return self._server.injector

    def set_faults(self, plan: FaultPlan | str | None) -> None:
        if isinstance(plan, str):
            plan = FaultPlan.parse(plan)
        self._server.injector.set_plan(plan or FaultPlan())

    def stats(self) -> dict:
        return self._server.injector.stats()

    def complete_calls(self, call_sids: list[str] | None = None, *, count: int | None = None,
                       status_callback: str | None = None, recording_status_callback: str | None = None,
                       every_seconds: float = 0.0):
        """Send the signed status callbacks of these calls (default: the first ``count`` calls with a completed
        recording) to the given URLs, one call every ``every_seconds``, in a background thread; returns the
        :class:`~callaudit_testkit.twilio.callbacks.CallbackRun`."""
        from callaudit_testkit.twilio.callbacks import calls_with_recordings, complete_calls

        data = self._server.data
        sids = call_sids or calls_with_recordings(data, count)
        return complete_calls(data, sids, token=self._server.auth_token, status_callback=status_callback,
                              recording_status_callback=recording_status_callback, every_seconds=every_seconds)

    def reload(self) -> None:
        """Re-read the data dir (after a test or synth changed it)."""
        self._server.replace_data(TwilioData(self.data_dir, self.account_sid, self.url))

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorHandle:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def create_server(data_dir: Path, host: str, port: int, faults: FaultPlan | str | None,
                  account_sid: str | None, auth_token: str | Secret | None) -> EmulatorServer:
    account_sid, token = emulator_credentials(account_sid, auth_token)
    if isinstance(faults, str):
        faults = FaultPlan.parse(faults)
    try:
        server = EmulatorServer((host, port), account_sid, token, FaultInjector(faults))
    except OSError as exc:
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror}",
                        hint="pick another --port, or stop whatever is using it") from exc
    try:
        # media_url points at this server so a client following it reaches the emulator
        server.replace_data(TwilioData(Path(data_dir), account_sid, server.base_url))
    except BaseException:
        server.server_close()
        raise
    return server


def serve_emulator(
    data_dir: Path,
    host: str = "127.0.0.1",
    port: int = 0,
    faults: FaultPlan | str | None = None,
    account_sid: str | None = None,
    auth_token: str | Secret | None = None,
) -> EmulatorHandle:
    """Start the emulator in a background thread (``port=0``: an ephemeral port) and return its handle."""
    server = create_server(data_dir, host, port, faults, account_sid, auth_token)
    # a short poll interval so stop() returns quickly (tests start and stop many emulators)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="twilio-emulator",
                              daemon=True)
    thread.start()
    log.info("Twilio emulator on %s serving %s", server.base_url, data_dir)
    return EmulatorHandle(server, thread)
