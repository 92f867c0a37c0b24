"""The review page: a small local web server analysts use without SQL (``callaudit review serve``).

It reads once, at start, the calls to review — the review queue (worst first) and, with ``--sample``, a recorded
sample — with each call's redacted transcript and the auditor's verdict and evidence per criterion. The page
posts each verdict as JSON to ``/api/reviews``; the server checks it with the same rules as the CSV import
(:func:`callaudit.calibration.records.parse_review`) and lands it at once in ``landing/reviews/`` (so nothing is lost if
the page closes); ``qa_reviews`` gets it at the next pipeline run.

Safety: it listens on 127.0.0.1 by default, accepts only its own Host, only JSON posts with the page's header
(no cross-site form can post), bodies up to 64 KiB; the data are put in the page as JSON and rendered with
``textContent`` (no transcript text is ever interpreted as HTML); nothing is fetched from anywhere else.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from callaudit.calibration.calibrate import CRITERIA, STEP_CRITERIA, verdict_text
from callaudit.calibration.records import STEPS, format_time, parse_review
from callaudit.config import Settings
from callaudit.review.landing import land_reviews, landed_reviews

log = logging.getLogger(__name__)
MAX_BODY = 64 * 1024
PAGE_HEADER = "X-Callaudit-Review"
AUDIT_COLUMNS = ["call_sid", "recording_sid", "agent", "vendor", "team", "start_time", "call_date", "quality_score",
                 "quality_category", "category_reason", "needs_manual_review", "review_reasons", "critical_errors",
                 "has_greeting", "has_identification", "has_help_offer", "has_farewell", "forbidden_words",
                 "possible_forbidden_words", "undetermined_criteria", "scorecard_version", "evidence_json",
                 "audit_error"]
LABELS = {"greeting": "Saludo", "identification": "Identificación", "help_offer": "Ofrecimiento de ayuda",
          "farewell": "Despedida", "forbidden_words": "Palabras prohibidas", "quality_category": "Categoría"}


@dataclass
class ReviewData:
    calls: list[dict[str, Any]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    sample_id: str | None = None

    @property
    def call_sids(self) -> set[str]:
        return {c["call_sid"] for c in self.calls}


def _jsonable(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def build_call(audit: dict, segments: list[dict] | None, source: str, priority: str | None) -> dict[str, Any]:
    """What the page shows for one call: the auditor's side per criterion, and the redacted transcript."""
    from callaudit.calibration.calibrate import audit_view

    view = audit_view(audit)
    verdicts = view.verdicts if view else {}
    evidence = view.evidence if view else {}
    criteria = [{"key": c, "label": LABELS[c], "auditor": verdict_text(verdicts.get(c)),
                 "evidence": evidence.get(c, audit.get("audit_error") or "")} for c in CRITERIA]
    turns = [{"start": s.get("start"), "speaker": s.get("speaker"), "text": s.get("text") or ""}
             for s in (segments or [])]
    return {"call_sid": audit["call_sid"], "agent": audit.get("agent"), "team": audit.get("team"),
            "start_time": audit.get("start_time"), "quality_score": audit.get("quality_score"),
            "quality_category": audit.get("quality_category"), "category_reason": audit.get("category_reason"),
            "review_reasons": list(audit.get("review_reasons") or []),
            "critical_errors": list(audit.get("critical_errors") or []),
            "auditor_forbidden_words": list(audit.get("forbidden_words") or []),
            "scorecard_version": audit.get("scorecard_version"), "criteria": criteria, "turns": turns,
            "source": source, "priority": priority}


def load_review_data(settings: Settings, *, sample: str | None = None, limit: int = 200, spark=None) -> ReviewData:
    from callaudit.errors import UserError
    from callaudit.review import sample as sampling
    from callaudit.review.data import AUDITS, TRANSCRIPTS, open_reviews_lakehouse
    from callaudit.scoring import load_scorecard

    lake = open_reviews_lakehouse(settings, spark)
    queue = lake.rows("review_queue", ["call_sid", "priority", "quality_score"]) if lake.has("review_queue") else []
    order = {"critical": 0, "high": 1, "normal": 2}
    queue.sort(key=lambda r: (order.get(r["priority"], 3), r["quality_score"] if r["quality_score"] is not None
                              else -1, r["call_sid"]))
    wanted: dict[str, tuple[str, str | None]] = {}
    for r in queue[:limit]:
        wanted.setdefault(r["call_sid"], ("cola de revisión", r["priority"]))
    sample_id = None
    if sample:
        try:
            rec = sampling.load(settings.landing, sample)
        except FileNotFoundError as exc:
            raise UserError(str(exc), hint="`callaudit review sample --per-agent N --seed S` records one.") from None
        sample_id = rec["sample_id"]
        for c in rec["calls"]:
            wanted.setdefault(c["call_sid"], (f"muestra {sample_id}", None))
    if not wanted:
        raise UserError("nothing to review: the review queue is empty and no sample was given",
                        hint="draw one with `callaudit review sample --per-agent 3 --seed 1`, then "
                             "`callaudit review serve --sample latest`.")
    sids = sorted(wanted)
    in_list = ", ".join(f"'{s}'" for s in sids if s.isalnum())
    audits = {r["call_sid"]: r for r in lake.rows(AUDITS, AUDIT_COLUMNS, where=f"call_sid IN ({in_list})")}
    transcripts = {r["call_sid"]: r["segments"] for r in
                   lake.rows(TRANSCRIPTS, ["call_sid", "segments"], where=f"call_sid IN ({in_list})")}
    calls = [build_call(audits[s], transcripts.get(s), *wanted[s]) for s in
             sorted(wanted, key=lambda s: (0 if wanted[s][1] else 1, order.get(wanted[s][1], 3), s)) if s in audits]
    card = load_scorecard(settings.scorecard_path)
    return ReviewData(calls=calls, categories=[c.name for c in card.categories], sample_id=sample_id)


def page_html(data: ReviewData, reviewer: str | None = None) -> str:
    template = resources.files("callaudit.review").joinpath("templates/review.html").read_text(encoding="utf-8")
    payload = {"calls": data.calls, "categories": data.categories, "steps": STEPS, "reviewer": reviewer or "",
               "sample_id": data.sample_id, "labels": LABELS,
               "step_keys": dict(STEP_CRITERIA)}
    # JSON inside <script type="application/json">: "</" and "<!--" cannot close or comment the element
    text = json.dumps(payload, ensure_ascii=False, default=_jsonable)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return template.replace("__REVIEW_DATA__", text)


def record_verdict(settings: Settings, data: ReviewData, body: dict[str, Any],
                   now: datetime | None = None) -> dict[str, Any]:
    """One verdict from the page -> a landed review (or ValueError with the reason)."""
    now = (now or datetime.now(UTC)).astimezone(UTC)
    raw = {k: ("" if body.get(k) is None else str(body.get(k))) for k in
           ("call_sid", "reviewer", *STEPS, "quality_category", "note")}
    words = body.get("forbidden_words") or []
    raw["forbidden_words"] = ";".join(words) if isinstance(words, list) else str(words)
    raw["is_calibration"] = "true" if body.get("is_calibration") else "false"
    raw["reviewed_at"] = format_time(now)
    review = parse_review(raw, categories=data.categories, known_calls=data.call_sids, now=now)
    landed = land_reviews([review], settings.landing, source="review-page", now=now)
    return {"review": review.to_dict(), "file": landed.path.name if landed.path else None,
            "status": "landed" if landed.path else "unchanged"}


def reviews_so_far(settings: Settings, data: ReviewData) -> list[dict[str, Any]]:
    sids = data.call_sids
    return [{"call_sid": r.call_sid, "reviewer": r.reviewer, "reviewed_at": format_time(r.reviewed_at)}
            for r, _ in landed_reviews(settings.landing).values() if r.call_sid in sids]


def make_handler(settings: Settings, data: ReviewData, reviewer: str | None, allowed_hosts: set[str]):
    html = page_html(data, reviewer).encode("utf-8")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        server_version = "callaudit-review"
        sys_version = ""

        def log_message(self, fmt, *args):  # request lines only at debug level, never bodies
            log.debug("review page: " + fmt, *args)

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy",
                             "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                             "connect-src 'self'; img-src data:; form-action 'none'; frame-ancestors 'none'")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: dict) -> None:
            self._send(status, json.dumps(payload, ensure_ascii=False, default=_jsonable).encode("utf-8"),
                       "application/json; charset=utf-8")

        def _host_ok(self) -> bool:
            if (self.headers.get("Host") or "") not in allowed_hosts:
                self._json(HTTPStatus.MISDIRECTED_REQUEST, {"error": "unexpected Host header"})
                return False
            return True

        def do_GET(self):  # noqa: N802
            if not self._host_ok():
                return
            if self.path in ("/", "/index.html"):
                self._send(HTTPStatus.OK, html, "text/html; charset=utf-8")
            elif self.path == "/api/reviews":
                self._json(HTTPStatus.OK, {"reviews": reviews_so_far(settings, data)})
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})

        def do_POST(self):  # noqa: N802
            if not self._host_ok():
                return
            if self.path != "/api/reviews":
                return self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            if self.headers.get(PAGE_HEADER) != "1" or "application/json" not in (self.headers.get("Content-Type") or ""):
                return self._json(HTTPStatus.FORBIDDEN, {"error": "verdicts are accepted from the review page only"})
            try:
                length = int(self.headers.get("Content-Length") or "0")
            except ValueError:
                length = -1
            if length < 0 or length > MAX_BODY:
                return self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body over {MAX_BODY} bytes"})
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(body, dict):
                    raise ValueError("expected a JSON object")
                with lock:
                    result = record_verdict(settings, data, body)
            except ValueError as exc:
                return self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            self._json(HTTPStatus.OK, result)

    return Handler


class ReviewServer:
    """The server in a background thread (the CLI blocks on it; tests drive it from a browser)."""

    def __init__(self, settings: Settings, data: ReviewData, *, host: str = "127.0.0.1", port: int = 0,
                 reviewer: str | None = None):
        self.httpd = ThreadingHTTPServer((host, port), BaseHTTPRequestHandler)
        self.port = self.httpd.server_address[1]
        names = {host, "localhost", "127.0.0.1"} if host in ("127.0.0.1", "localhost") else {host}
        allowed = {f"{h}:{self.port}" for h in names}
        self.httpd.RequestHandlerClass = make_handler(settings, data, reviewer, allowed)
        self.url = f"http://{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{self.port}/"
        self._thread: threading.Thread | None = None

    def start(self) -> ReviewServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="review-page", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ReviewServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def serve(settings: Settings, data: ReviewData, *, host: str, port: int, reviewer: str | None) -> None:
    import typer

    server = ReviewServer(settings, data, host=host, port=port, reviewer=reviewer)
    typer.echo(f"review page: {server.url}  ({len(data.calls)} call(s) to review; Ctrl+C to stop)")
    typer.echo("verdicts land in landing/reviews/ at once; `callaudit pipeline run` puts them in qa_reviews")
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:  # pragma: no cover - interactive
        typer.echo("stopped")
    finally:
        server.httpd.server_close()
