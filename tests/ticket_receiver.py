"""A local ticket system for tests: Jira Cloud's and Zendesk's create endpoints over real HTTP, checking what a
real system checks (auth, required fields and their shapes) and recording every accepted payload."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

JIRA_TOKEN = "jira-SECRET-token-77"
ZENDESK_TOKEN = "zd-SECRET-token-88"
EMAIL = "calidad@empresa.com.co"


def _adf_problems(doc) -> list[str]:
    if not isinstance(doc, dict) or doc.get("type") != "doc" or doc.get("version") != 1:
        return ["description is not an ADF doc (type doc, version 1)"]
    problems = []
    for node in doc.get("content") or []:
        if node.get("type") != "paragraph":
            problems.append(f"unexpected node {node.get('type')}")
        for inner in node.get("content") or []:
            if inner.get("type") != "text" or not isinstance(inner.get("text"), str) or not inner["text"]:
                problems.append("a text node must have non-empty text")
    return problems or ([] if doc.get("content") else ["empty description"])


def jira_problems(body: dict) -> list[str]:
    f = body.get("fields")
    if not isinstance(f, dict):
        return ["no fields"]
    problems = []
    if not (f.get("project") or {}).get("key"):
        problems.append("project.key is required")
    if not (f.get("issuetype") or {}).get("name"):
        problems.append("issuetype is required")
    summary = f.get("summary")
    if not isinstance(summary, str) or not summary or len(summary) > 255 or "\n" in summary:
        problems.append("summary must be one line of at most 255 characters")
    problems += _adf_problems(f.get("description"))
    if any(not isinstance(x, str) or " " in x for x in f.get("labels") or []):
        problems.append("labels cannot contain spaces")
    if f.get("priority") and not f["priority"].get("name"):
        problems.append("priority needs a name")
    return problems


def zendesk_problems(body: dict) -> list[str]:
    t = body.get("ticket")
    if not isinstance(t, dict):
        return ["no ticket"]
    problems = []
    if not (t.get("comment") or {}).get("body"):
        problems.append("comment.body is required")
    if t.get("priority") not in (None, "urgent", "high", "normal", "low"):
        problems.append("priority: urgent, high, normal or low")
    if t.get("type") not in (None, "problem", "incident", "question", "task"):
        problems.append("type: problem, incident, question or task")
    if not isinstance(t.get("subject"), str) or not t["subject"]:
        problems.append("subject is required")
    return problems


@dataclass
class TicketReceiver:
    url: str = ""
    statuses: list[int] = field(default_factory=list)  # scripted failures before accepting
    jira: list[dict] = field(default_factory=list)
    zendesk: list[dict] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    seen_auth: list[str] = field(default_factory=list)


def start_receiver() -> tuple[TicketReceiver, ThreadingHTTPServer]:
    rec = TicketReceiver()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 - http.server API
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            auth = self.headers.get("Authorization", "")
            rec.seen_auth.append(auth)
            if rec.statuses:
                status = rec.statuses.pop(0)
                return self._reply(status, {"errorMessages": ["scripted failure"]})
            if self.path == "/rest/api/3/issue":
                expected = "Basic " + base64.b64encode(f"{EMAIL}:{JIRA_TOKEN}".encode()).decode()
                if auth != expected:
                    return self._reply(401, {"errorMessages": ["Client must be authenticated"]})
                problems = jira_problems(body)
                if problems:
                    rec.rejected.append("; ".join(problems))
                    return self._reply(400, {"errors": {"fields": "; ".join(problems)}})
                rec.jira.append(body)
                n = len(rec.jira)
                return self._reply(201, {"id": str(10000 + n), "key": f"QA-{n}", "self": f"{rec.url}/rest/api/3/issue/{n}"})
            if self.path == "/api/v2/tickets.json":
                expected = "Basic " + base64.b64encode(f"{EMAIL}/token:{ZENDESK_TOKEN}".encode()).decode()
                if auth != expected:
                    return self._reply(401, {"error": "Couldn't authenticate you"})
                problems = zendesk_problems(body)
                if problems:
                    rec.rejected.append("; ".join(problems))
                    return self._reply(422, {"error": "RecordInvalid", "description": "; ".join(problems)})
                rec.zendesk.append(body)
                return self._reply(201, {"ticket": {"id": 35000 + len(rec.zendesk), **body["ticket"]}})
            return self._reply(404, {"error": "no such endpoint"})

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    rec.url = f"http://127.0.0.1:{server.server_address[1]}"
    return rec, server
