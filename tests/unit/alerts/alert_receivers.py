"""Real local receivers for alert tests (fixtures re-exported by conftest.py): an HTTP webhook (stdlib ThreadingHTTPServer) and an SMTP server
(aiosmtpd), both on 127.0.0.1 and stopped after each test."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

WEBHOOK_TOKEN = "T0SECRET/B0SECRET/xoxSECRETtoken42"  # the path of a Slack webhook URL is its credential
SMTP_PASSWORD = "pa55-SECRET-smtp"


@dataclass
class WebhookReceiver:
    statuses: list[int] = field(default_factory=list)  # scripted replies, then 200
    requests: list[dict] = field(default_factory=list)
    url: str = ""

    @property
    def payloads(self) -> list[dict]:
        return [r["json"] for r in self.requests]


@pytest.fixture
def webhook():
    receiver = WebhookReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server API
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            receiver.requests.append({"path": self.path, "content_type": self.headers.get("Content-Type"),
                                      "json": json.loads(body.decode("utf-8"))})
            status = receiver.statuses.pop(0) if receiver.statuses else 200
            reply = b"ok" if status < 400 else b"no_service" if status == 404 else b"upstream trouble"
            self.send_response(status)
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *args):  # keep test output clean
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/services/{WEBHOOK_TOKEN}"
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class SmtpReceiver:
    host: str
    port: int
    messages: list = field(default_factory=list)  # aiosmtpd envelopes
    logins: list[tuple[str, str]] = field(default_factory=list)


@pytest.fixture
def smtp():
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    receiver = SmtpReceiver("127.0.0.1", _free_port())

    class Sink:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
            receiver.messages.append(envelope)
            return "250 Message accepted for delivery"

    def authenticator(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            user, password = auth_data.login.decode(), auth_data.password.decode()
            receiver.logins.append((user, password))
            ok = user == "qa-bot" and password == SMTP_PASSWORD
            return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself
        return AuthResult(success=False, handled=False)

    controller = Controller(Sink(), hostname=receiver.host, port=receiver.port, authenticator=authenticator,
                            auth_require_tls=False)
    controller.start()
    yield receiver
    controller.stop()


def queue_row(n: int, *, score: float | None, priority: str, agent: str = "Juan Pérez",
              snippet: str = "customer: mi cédula es [CEDULA]", start: str = "2026-11-24T14:00:00Z") -> dict:
    return {
        "call_sid": f"CA{n:032d}", "recording_sid": f"RE{n:032d}", "agent": agent, "vendor": "Teleperformance",
        "team": "Cobranza", "quality_score": score,
        "quality_category": "Requiere Atención" if score is not None and score < 50 else "Buena",
        "review_codes": ["low_score"], "review_reasons": [f"puntaje bajo: {score}"],
        "forbidden_words": [], "sentiment_score": -0.5, "transcript_snippet": snippet, "priority": priority,
        "start_utc": start, "start_local": "2026-11-24 09:00", "from_number": "+573001234567",
    }
